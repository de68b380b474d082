import type { IConstruct } from "constructs";

/**
 * What Kubernetes constructs see of each other. Each construct takes these interfaces, not
 * classes, so a namespace created elsewhere (`{ name: "payments" }`) can stand in for a
 * `Namespace` construct, and an `Ingress` can route to any workload that exposes a Service.
 */

/** A namespace: a `Namespace` construct, or `{ name }` for one that already exists. */
export interface INamespace {
  /** The namespace's name (DNS-1123 label), or a Terraform reference to it. */
  readonly name: string;
}

/** A port a workload's container listens on. */
export interface WorkloadPort {
  /** The container port, 1–65535. */
  readonly port: number;
  /** The port's name (IANA service name: ≤ 15 characters, lowercase), when it has one. */
  readonly name?: string;
  /** `TCP`, `UDP` or `SCTP`. */
  readonly protocol: "TCP" | "UDP" | "SCTP";
}

/**
 * A workload whose pods other constructs select: network policies allow traffic from and to it,
 * an ingress routes to its Service. Created by `Workload` (or `Workload.singleton`).
 */
export interface IWorkload extends IConstruct {
  /** The workload's name (its Deployment, Service and ServiceAccount carry it). */
  readonly name: string;
  /** The namespace its pods run in (a name, or a Terraform reference to one). */
  readonly namespace: string;
  /** Labels every pod of the workload carries, enough to select exactly its pods. */
  readonly podLabels: Readonly<Record<string, string>>;
  /** The ports its container listens on, in declaration order. */
  readonly ports: readonly WorkloadPort[];
  /** The name of its Service, when it has one. */
  readonly serviceName?: string;
  /** The port its Service listens on, when it has one. */
  readonly servicePort?: number;
}
