/**
 * What a {@link Workload} takes: the props interfaces users write against, and the zod shapes
 * that `checkProps` holds them to before the construct checks the values
 * (`constructs/k8s/workload.ts`).
 */
import { z } from "zod";
import type { OptOut } from "../core/opt-out";
import { checkedBy, optOutSchema, stringMap, stringOf, type PropsSchema } from "../core/props";
import type { INamespace } from "./interfaces";

export type Protocol = "TCP" | "UDP" | "SCTP";

/** A port the container listens on. */
export interface ContainerPortProps {
  /** 1–65535. */
  readonly port: number;
  /** An IANA service name (≤ 15 lowercase letters, digits and `-`), for probes and Services. @default none */
  readonly name?: string;
  /** @default "TCP" */
  readonly protocol?: Protocol;
}

/**
 * A probe: an HTTP GET when `path` is given, a command run in the container when `command` is
 * given, else a TCP connect.
 */
export interface ProbeProps {
  /** HTTP GET of this path (starting with `/`). @default none (TCP connect) */
  readonly path?: string;
  /** Run this command in the container; exit 0 is healthy. For workers without a port. @default none */
  readonly command?: readonly string[];
  /** A container port (its number or name). @default the first container port */
  readonly port?: number | string;
  /** @default 10 */
  readonly periodSeconds?: number;
  /** @default 2 */
  readonly timeoutSeconds?: number;
  /** @default 3 */
  readonly failureThreshold?: number;
  /** @default 0 */
  readonly initialDelaySeconds?: number;
}

export interface WorkloadProbes {
  /** Restarts a container that stops answering. Required for serving workloads. */
  readonly liveness?: ProbeProps;
  /** Keeps traffic away from a pod until it answers. Required for serving workloads. */
  readonly readiness?: ProbeProps;
  /** Holds the other probes off while a slow container starts. @default none */
  readonly startup?: ProbeProps;
}

/** CPU (`500m`, `1.5`) and memory (`512Mi`, `1Gi`) as Kubernetes quantities. */
export interface ResourceAmounts {
  readonly cpu: string;
  readonly memory: string;
}

export interface WorkloadResources {
  /** What the scheduler reserves for the container. */
  readonly requests: ResourceAmounts;
  /** What the container may use at most; each at least its request. */
  readonly limits: ResourceAmounts;
}

/** One key of a Kubernetes Secret, read into an environment variable by reference. */
export interface SecretKeyRef {
  /** The Secret's name (DNS-1123 subdomain) in the workload's namespace. */
  readonly secretName: string;
  /** The key inside the Secret. */
  readonly key: string;
}

/** Who may reach a LoadBalancer Service: an explicit opt-out out of the cluster. */
export interface LoadBalancerProps {
  /** Client ranges (CIDR) allowed to reach the load balancer. Required, never empty. */
  readonly sourceRanges: readonly string[];
  /** Why this workload is reachable from outside the cluster (at least 20 characters). */
  readonly reason: string;
  /** Needed when `sourceRanges` together cover the whole internet, with its own reason. @default none */
  readonly allowWorld?: OptOut;
  /**
   * An internal load balancer, reachable only from the cluster's network: `"gke"` sets
   * `networking.gke.io/load-balancer-type: Internal`; `"eks"` sets
   * `service.beta.kubernetes.io/aws-load-balancer-scheme: internal` (AWS Load Balancer
   * Controller) and `service.beta.kubernetes.io/aws-load-balancer-internal: "true"` (in-tree).
   * @default none (an external load balancer)
   */
  readonly internal?: "gke" | "eks";
  /** Further cloud-specific annotations. @default {} */
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface WorkloadServiceProps {
  /** The port the Service listens on, 1–65535. */
  readonly port: number;
  /** The container port it forwards to (number or name). @default the first container port */
  readonly targetPort?: number | string;
  /** @default "ClusterIP" */
  readonly type?: "ClusterIP" | "LoadBalancer";
  /** Required with `type: "LoadBalancer"`, refused otherwise. */
  readonly loadBalancer?: LoadBalancerProps;
}

export type SelectPolicy = "Max" | "Min" | "Disabled";

/** At most `value` pods (`Pods`) or percent of the current replicas (`Percent`) per period. */
export interface ScalingPolicy {
  readonly type: "Percent" | "Pods";
  /** A positive whole number. */
  readonly value: number;
  /** 1–1800 seconds. */
  readonly periodSeconds: number;
}

export interface ScalingBehavior {
  /** How long past recommendations are considered, 0–3600 seconds. @default 0 up, 300 down */
  readonly stabilizationWindowSeconds?: number;
  /** @default up: 100 percent or 4 pods per 60 s; down: 50 percent or 2 pods per 60 s */
  readonly policies?: readonly ScalingPolicy[];
  /** Which policy wins when several allow a change. @default `selectPolicy`, else "Max" up and "Min" down */
  readonly selectPolicy?: SelectPolicy;
}

export interface AutoscalingProps {
  /** Fewest replicas, at least 1 and above the PDB's `minAvailable`. */
  readonly min: number;
  /** Most replicas, at least `min`. */
  readonly max: number;
  /** Target average CPU use, percent of the request (1–100). @default 70 unless `memoryPercent` is given */
  readonly cpuPercent?: number;
  /** Target average memory use, percent of the request (1–100). @default none */
  readonly memoryPercent?: number;
  /** @default see {@link ScalingBehavior} */
  readonly scaleUp?: ScalingBehavior;
  /** @default see {@link ScalingBehavior} */
  readonly scaleDown?: ScalingBehavior;
  /** The select policy of both directions, unless a direction sets its own. @default none */
  readonly selectPolicy?: SelectPolicy;
}

/** One of the two, as a whole number of pods or a percentage (`"50%"`). */
export interface DisruptionProps {
  readonly minAvailable?: number | string;
  readonly maxUnavailable?: number | string;
}

export interface RollingUpdateProps {
  /** Extra pods during a rollout (number or percentage). @default "25%" */
  readonly maxSurge?: number | string;
  /** Pods that may be missing during a rollout (number or percentage). @default 0 */
  readonly maxUnavailable?: number | string;
}

export interface WorkloadServiceAccountProps {
  /**
   * Annotations of the ServiceAccount: Workload Identity (`iam.gke.io/gcp-service-account`) or
   * IRSA (`eks.amazonaws.com/role-arn`). @default {}
   */
  readonly annotations?: Readonly<Record<string, string>>;
}

/** The pods `allowFrom("ingress-controller")` admits. */
export interface IngressControllerPeer {
  /** @default "ingress-nginx" */
  readonly namespace: string;
  /** @default { "app.kubernetes.io/name": "ingress-nginx" } */
  readonly podLabels?: Readonly<Record<string, string>>;
}

/** The props a singleton shares with a scaled workload. */
export interface SingletonProps {
  /** A namespace name, a `Namespace` construct or `{ name }` of an existing one. */
  readonly namespace: string | INamespace;
  /** The workload's name: a DNS-1035 label (it names the Service too), at most 63 characters. */
  readonly name: string;
  /** The container image, pinned by a tag other than `latest` or by a digest. */
  readonly image: string;
  /** The container's entrypoint. @default the image's */
  readonly command?: readonly string[];
  /** Arguments to the entrypoint. @default the image's */
  readonly args?: readonly string[];
  /** The one port the container listens on. @default none */
  readonly containerPort?: number;
  /** Several ports (instead of `containerPort`). @default none */
  readonly containerPorts?: readonly ContainerPortProps[];
  /** Requests and limits, both required. */
  readonly resources: WorkloadResources;
  /** Liveness and readiness are required when the workload has a port or a Service. @default none */
  readonly probes?: WorkloadProbes;
  /** Plain environment variables; never secrets (use `secretEnv`). @default {} */
  readonly env?: Readonly<Record<string, string>>;
  /** Environment variables read from Secrets by reference (`secretKeyRef`). @default {} */
  readonly secretEnv?: Readonly<Record<string, SecretKeyRef>>;
  /** A Service in front of the pods. @default none */
  readonly service?: WorkloadServiceProps;
  /** Absolute paths the app writes to, each an `emptyDir`; `/tmp` always is one. @default [] */
  readonly writablePaths?: readonly string[];
  /** The workload's own ServiceAccount. @default no annotations */
  readonly serviceAccount?: WorkloadServiceAccountProps;
  /** Mount the ServiceAccount's API token, for pods that call the Kubernetes API. @default false */
  readonly automountServiceAccountToken?: boolean;
  /** The UID (and GID) the container runs as, at least 1000. @default 10001 */
  readonly runAsUser?: number;
  /** Extra labels for every object and pod; they may not change the selector label. @default {} */
  readonly labels?: Readonly<Record<string, string>>;
  /** Where `allowFrom("ingress-controller")` admits traffic from. @default ingress-nginx */
  readonly ingressController?: IngressControllerPeer;
}

export interface WorkloadProps extends SingletonProps {
  /** Fixed replicas (without `autoscaling`). @default 2 */
  readonly replicas?: number;
  /** A HorizontalPodAutoscaler (autoscaling/v2) instead of fixed replicas. @default none */
  readonly autoscaling?: AutoscalingProps;
  /** The PodDisruptionBudget. @default { maxUnavailable: 1 } */
  readonly disruption?: DisruptionProps;
  /** @default { maxSurge: "25%", maxUnavailable: 0 } */
  readonly rollingUpdate?: RollingUpdateProps;
  /**
   * How the pods are spread: across zones (and nodes) or nodes only, as a preference the
   * scheduler may break when a zone or node is full (`ScheduleAnyway`), or as a requirement
   * (`DoNotSchedule`: a pod stays pending rather than share a node or zone beyond the skew).
   * @default { across: "zone", mode: "preferred" }
   */
  readonly spread?: SpreadProps;
}

/** How the pods of a scaled workload are spread (topology spread constraints, max skew 1). */
export interface SpreadProps {
  /** `"zone"`: across zones and across nodes; `"node"`: across nodes only. @default "zone" */
  readonly across?: "zone" | "node";
  /** `"preferred"` (ScheduleAnyway) or `"required"` (DoNotSchedule). @default "preferred" */
  readonly mode?: "preferred" | "required";
}

/** Where `allowTo` sends traffic outside the cluster's workloads. */
export interface CidrPeer {
  /** Destination ranges (CIDR). */
  readonly cidrs: readonly string[];
  /** Destination ports, 1–65535. */
  readonly ports: readonly number[];
  /** @default "TCP" */
  readonly protocol?: Protocol;
  /** Needed when `cidrs` together cover the whole internet, with a reason. @default none */
  readonly allowWorld?: OptOut;
}

const intOrString = z.union([z.number(), z.string()]);
const PROBE = z.strictObject({
  path: z.string().optional(),
  command: z.array(z.string()).optional(),
  port: intOrString.optional(),
  periodSeconds: z.number().optional(),
  timeoutSeconds: z.number().optional(),
  failureThreshold: z.number().optional(),
  initialDelaySeconds: z.number().optional(),
});
const AMOUNTS = z.strictObject({ cpu: z.string(), memory: z.string() });
const BEHAVIOR = z.strictObject({
  stabilizationWindowSeconds: z.number().optional(),
  policies: z
    .array(
      z.strictObject({
        type: stringOf<"Percent" | "Pods">(),
        value: z.number(),
        periodSeconds: z.number(),
      }),
    )
    .optional(),
  selectPolicy: stringOf<SelectPolicy>().optional(),
});

/**
 * Shapes and types of a {@link CidrPeer}: a misspelt key or a `null` where a value belongs is
 * refused, not read as the default. The ranges and ports are checked by `allowTo`.
 */
export const CIDR_PEER = z.strictObject({
  cidrs: checkedBy<readonly string[]>("allowToCidrs"),
  ports: checkedBy<readonly number[]>("allowToCidrs"),
  protocol: stringOf<Protocol>().optional(),
  allowWorld: optOutSchema.optional(),
}) satisfies PropsSchema<CidrPeer>;

const SINGLETON_SHAPE = {
  namespace: checkedBy<string | INamespace>("namespaceOf"),
  name: z.string(),
  image: z.string(),
  command: z.array(z.string()).optional(),
  args: z.array(z.string()).optional(),
  containerPort: z.number().optional(),
  containerPorts: z
    .array(
      z.strictObject({
        port: z.number(),
        name: z.string().optional(),
        protocol: stringOf<Protocol>().optional(),
      }),
    )
    .optional(),
  resources: z.strictObject({ requests: AMOUNTS, limits: AMOUNTS }),
  probes: z
    .strictObject({
      liveness: PROBE.optional(),
      readiness: PROBE.optional(),
      startup: PROBE.optional(),
    })
    .optional(),
  env: stringMap.optional(),
  secretEnv: z
    .record(z.string(), z.strictObject({ secretName: z.string(), key: z.string() }))
    .optional(),
  service: z
    .strictObject({
      port: z.number(),
      targetPort: intOrString.optional(),
      type: stringOf<"ClusterIP" | "LoadBalancer">().optional(),
      loadBalancer: z
        .strictObject({
          sourceRanges: z.array(z.string()),
          reason: z.string(),
          allowWorld: optOutSchema.optional(),
          internal: stringOf<"gke" | "eks">().optional(),
          annotations: stringMap.optional(),
        })
        .optional(),
    })
    .optional(),
  writablePaths: z.array(z.string()).optional(),
  serviceAccount: z.strictObject({ annotations: stringMap.optional() }).optional(),
  automountServiceAccountToken: z.boolean().optional(),
  runAsUser: z.number().optional(),
  labels: stringMap.optional(),
  ingressController: z
    .strictObject({ namespace: z.string(), podLabels: stringMap.optional() })
    .optional(),
};

/** Shapes and types of {@link SingletonProps}; the values are checked by the constructor. */
export const SINGLETON_PROPS = z.strictObject(
  SINGLETON_SHAPE,
) satisfies PropsSchema<SingletonProps>;

/** Shapes and types of {@link WorkloadProps}. */
export const WORKLOAD_PROPS = z.strictObject({
  ...SINGLETON_SHAPE,
  replicas: z.number().optional(),
  autoscaling: z
    .strictObject({
      min: z.number(),
      max: z.number(),
      cpuPercent: z.number().optional(),
      memoryPercent: z.number().optional(),
      scaleUp: BEHAVIOR.optional(),
      scaleDown: BEHAVIOR.optional(),
      selectPolicy: stringOf<SelectPolicy>().optional(),
    })
    .optional(),
  disruption: z
    .strictObject({
      minAvailable: intOrString.optional(),
      maxUnavailable: intOrString.optional(),
    })
    .optional(),
  rollingUpdate: z
    .strictObject({ maxSurge: intOrString.optional(), maxUnavailable: intOrString.optional() })
    .optional(),
  spread: z
    .strictObject({
      across: stringOf<"zone" | "node">().optional(),
      mode: stringOf<"preferred" | "required">().optional(),
    })
    .optional(),
}) satisfies PropsSchema<WorkloadProps>;
