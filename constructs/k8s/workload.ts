import { Construct } from "constructs";
import { Token } from "cdktf";
import {
  DeploymentV1,
  type DeploymentV1SpecTemplateSpecContainer,
  type DeploymentV1SpecTemplateSpecContainerLivenessProbe,
  type DeploymentV1SpecTemplateSpecTopologySpreadConstraint,
} from "@cdktf/provider-kubernetes/lib/deployment-v1";
import { HorizontalPodAutoscalerV2 } from "@cdktf/provider-kubernetes/lib/horizontal-pod-autoscaler-v2";
import {
  NetworkPolicyV1,
  type NetworkPolicyV1SpecIngressFrom,
} from "@cdktf/provider-kubernetes/lib/network-policy-v1";
import { PodDisruptionBudgetV1 } from "@cdktf/provider-kubernetes/lib/pod-disruption-budget-v1";
import { ServiceAccountV1 } from "@cdktf/provider-kubernetes/lib/service-account-v1";
import { ServiceV1 } from "@cdktf/provider-kubernetes/lib/service-v1";
import { detectSecret, isSecretLikeName, OPT_OUT_IDS } from "../../vocabulary";
import { worldRangesOf, parseCidr } from "../core/cidr";
import { invalid } from "../core/errors";
import { acceptOptOut, recordOptOut } from "../core/opt-out";
import { whole } from "../core/checks";
import { checkOptions, checkProps } from "../core/props";
import { PlatformStack } from "../core/stack";
import { TOKEN_MARKER } from "../core/terraform-text";
import { parseImageReference } from "../gcp/image-reference";
import type { INamespace, IWorkload, WorkloadPort } from "./interfaces";
import { checkDnsSubdomain, checkK8sLabels, isQualifiedName } from "../core/kubernetes-names";
import { namespaceOf } from "./namespace";
import { rollingUpdateOf, scalingOf } from "./workload-scaling";
import {
  CIDR_PEER,
  SINGLETON_PROPS,
  WORKLOAD_PROPS,
  type Protocol,
  type ContainerPortProps,
  type ProbeProps,
  type WorkloadProbes,
  type WorkloadResources,
  type SecretKeyRef,
  type WorkloadServiceProps,
  type IngressControllerPeer,
  type SingletonProps,
  type WorkloadProps,
  type SpreadProps,
  type CidrPeer,
} from "./workload-props";
import { millicores, parseQuantity } from "./quantity";

// The props types, for code that imports them from here as before.
export type * from "./workload-props";

// ---------------------------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------------------------

/** DNS-1035 label: the workload's name also names its Service. */
const DNS_1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const PORT_NAME = /^(?=.*[a-z])(?!.*--)[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;
const WRITABLE_PATH = /^(\/[A-Za-z0-9._-]+)+$/;
/** What GEN-SEC-001 calls a credential name: a literal value under it is a finding there too. */
const CREDENTIAL_NAME = /(password|passwd|secret|token|api_?key|private_?key)/i;
/**
 * An existing Google service account, judged by its email's shape: the six-character minimum is
 * the rule for creating an account ID, not for naming one that exists.
 */
const GCP_SA_EMAIL = /^[a-z0-9-]+@[a-z][-a-z0-9.:]*\.iam\.gserviceaccount\.com$/;
const IAM_ROLE_ARN = /^arn:aws[a-z-]*:iam::[0-9]{12}:role\/[\w+=,.@/-]{1,512}$/;
const NAME_LABEL = "app.kubernetes.io/name";
const DEFAULT_INGRESS_CONTROLLER: IngressControllerPeer = {
  namespace: "ingress-nginx",
  podLabels: { [NAME_LABEL]: "ingress-nginx" },
};
/** The annotations of an internal load balancer, by cloud. */
const INTERNAL_LB_ANNOTATIONS: Readonly<Record<"gke" | "eks", Readonly<Record<string, string>>>> = {
  gke: { "networking.gke.io/load-balancer-type": "Internal" },
  eks: {
    "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal",
    "service.beta.kubernetes.io/aws-load-balancer-internal": "true",
  },
};
/**
 * What `allowTo("internet-https")` leaves out of the internet: private, shared (CGNAT),
 * loopback and link-local ranges, so the cloud metadata server (169.254.169.254) and the
 * cluster's own networks stay closed.
 */
const NOT_INTERNET_V4 = [
  "10.0.0.0/8",
  "100.64.0.0/10",
  "127.0.0.0/8",
  "169.254.0.0/16",
  "172.16.0.0/12",
  "192.168.0.0/16",
];
const NOT_INTERNET_V6 = ["::1/128", "fc00::/7", "fe80::/10"];
const DNS_PEER = {
  namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
  podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
};
/** The Workloads created in each stack, by namespace and name, for peers and duplicates. */
const created = new WeakMap<PlatformStack, Map<string, Workload>>();

/** Marks the one internal call that builds a singleton. */
const SINGLETON = Symbol("singleton");

type PeerSelector = NetworkPolicyV1SpecIngressFrom;
interface Flow {
  readonly peers: PeerSelector[];
  readonly ports: { port: string; protocol: Protocol }[];
}

/**
 * A Kubernetes workload that is safe without asking: a Deployment whose pods run as a non-root
 * user with a read-only root filesystem, no privilege escalation, every capability dropped and the
 * `RuntimeDefault` seccomp profile, with requests and limits, probes, a pinned image, secrets read
 * by reference only, and a dedicated ServiceAccount whose token is not mounted. Beside it: a
 * ClusterIP Service (a LoadBalancer only as a reasoned opt-out with source ranges), a
 * HorizontalPodAutoscaler (autoscaling/v2) with scale-up and scale-down behaviour, a
 * PodDisruptionBudget, and a NetworkPolicy that denies everything but the flows declared with
 * {@link allowFrom} and {@link allowTo}. {@link Workload.singleton} builds a one-replica variant
 * for schedulers.
 */
export class Workload extends Construct implements IWorkload {
  /**
   * A workload that must run exactly once (a scheduler such as `celery-beat`): one replica, the
   * `Recreate` strategy (the old pod stops before the new one starts), no autoscaler and no
   * PodDisruptionBudget, so it never blocks a node drain.
   */
  static singleton(scope: Construct, id: string, props: SingletonProps): Workload {
    return new Workload(scope, id, props as WorkloadProps, SINGLETON);
  }

  /** The ServiceAccount (escape hatch). */
  readonly serviceAccount: ServiceAccountV1;
  /** The Deployment (escape hatch). */
  readonly deployment: DeploymentV1;
  /** The Service, when `service` is given (escape hatch). */
  readonly service?: ServiceV1;
  /** The HorizontalPodAutoscaler, when `autoscaling` is given (escape hatch). */
  readonly autoscaler?: HorizontalPodAutoscalerV2;
  /** The PodDisruptionBudget; none for a singleton (escape hatch). */
  readonly disruptionBudget?: PodDisruptionBudgetV1;
  /** The NetworkPolicy of the workload's pods (escape hatch). */
  readonly networkPolicy: NetworkPolicyV1;
  /** True for a {@link Workload.singleton}. */
  readonly isSingleton: boolean;

  readonly name: string;
  readonly namespace: string;
  readonly podLabels: Readonly<Record<string, string>>;
  readonly ports: readonly WorkloadPort[];
  readonly serviceName?: string;
  readonly servicePort?: number;

  private readonly stack: PlatformStack;
  private readonly ingressController: IngressControllerPeer;
  private readonly ingressFlows = new Map<string, Flow>();
  private readonly egressFlows = new Map<string, Flow>();
  private readonly metadataLabels: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: WorkloadProps, mode?: typeof SINGLETON) {
    super(scope, id);
    const singleton = mode === SINGLETON;
    this.isSingleton = singleton;
    checkProps(
      this,
      singleton ? SINGLETON_PROPS : WORKLOAD_PROPS,
      props,
      '{ namespace, name, image: "repo/app:1.4.2", resources: { requests, limits }, probes }',
    );
    this.stack = PlatformStack.of(this);
    this.namespace = namespaceOf(this, "namespace", props.namespace);
    this.name = this.checkName(props.name);
    checkImage(this, props.image);
    this.ports = this.portsOf(props);
    this.podLabels = { [NAME_LABEL]: this.name };
    const userLabels = checkK8sLabels(this, "labels", props.labels ?? {});
    for (const [key, value] of Object.entries(userLabels)) {
      if (key in this.podLabels && this.podLabels[key] !== value) {
        invalid(
          this,
          `labels.${key}`,
          value,
          `would override the selector label (${key}: ${this.podLabels[key]}), so the Deployment, Service, PDB and NetworkPolicy would select no pod`,
          `drop ${key} from labels; the construct sets it to the workload's name`,
        );
      }
    }
    this.metadataLabels = {
      ...this.stack.labels,
      ...userLabels,
      ...this.podLabels,
      "app.kubernetes.io/managed-by": "cdktf",
    };
    this.ingressController = this.checkIngressController(props.ingressController);
    const automount = props.automountServiceAccountToken ?? false;
    const runAsUser = this.checkRunAsUser(props.runAsUser);
    const resources = this.checkResources(props.resources);
    const serving = this.ports.length > 0 || props.service !== undefined;
    const probes = this.probesOf(props.probes ?? {}, serving);
    const env = this.envOf(props.env ?? {}, props.secretEnv ?? {});
    (props.command ?? []).forEach((c, i) => this.refuseSecret(`command[${i}]`, c));
    (props.args ?? []).forEach((a, i) => this.refuseSecret(`args[${i}]`, a));
    const { volumes, mounts } = this.writableOf(props.writablePaths ?? []);
    const scaling = singleton ? undefined : scalingOf(this, props);
    const strategy = singleton
      ? { type: "Recreate" }
      : { type: "RollingUpdate", rollingUpdate: rollingUpdateOf(this, props.rollingUpdate) };
    const metadata = { name: this.name, namespace: this.namespace, labels: this.metadataLabels };

    this.serviceAccount = new ServiceAccountV1(this, "service-account", {
      metadata: {
        ...metadata,
        annotations: this.annotationsOf(
          "serviceAccount.annotations",
          props.serviceAccount?.annotations ?? {},
        ),
      },
      automountServiceAccountToken: automount,
    });

    const container: DeploymentV1SpecTemplateSpecContainer = {
      name: this.name,
      image: props.image,
      imagePullPolicy: "IfNotPresent",
      command: props.command ? props.command.map(literalForKubernetes) : undefined,
      args: props.args ? props.args.map(literalForKubernetes) : undefined,
      port:
        this.ports.length > 0
          ? this.ports.map((p) => ({ containerPort: p.port, name: p.name, protocol: p.protocol }))
          : undefined,
      env: env.length > 0 ? env : undefined,
      resources,
      livenessProbe: probes.liveness,
      readinessProbe: probes.readiness,
      startupProbe: probes.startup,
      securityContext: {
        allowPrivilegeEscalation: false,
        privileged: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        runAsUser: String(runAsUser),
        runAsGroup: String(runAsUser),
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
      },
      volumeMount: mounts,
    };
    this.deployment = new DeploymentV1(this, "deployment", {
      metadata,
      spec: {
        replicas: String(singleton ? 1 : scaling!.replicas),
        revisionHistoryLimit: 5,
        selector: { matchLabels: { ...this.podLabels } },
        strategy,
        template: {
          metadata: { labels: this.metadataLabels },
          spec: {
            serviceAccountName: this.serviceAccount.metadata.name,
            automountServiceAccountToken: automount,
            enableServiceLinks: false,
            securityContext: {
              runAsNonRoot: true,
              runAsUser: String(runAsUser),
              runAsGroup: String(runAsUser),
              fsGroup: String(runAsUser),
              seccompProfile: { type: "RuntimeDefault" },
            },
            container: [container],
            volume: volumes,
            topologySpreadConstraint: singleton ? undefined : this.spreadOf(props.spread ?? {}),
          },
        },
      },
      lifecycle: props.autoscaling ? { ignoreChanges: ["spec[0].replicas"] } : undefined,
    });

    if (props.service !== undefined) {
      const built = this.serviceOf(props.service, metadata);
      this.service = built.service;
      this.serviceName = this.name;
      this.servicePort = built.port;
    }

    if (scaling?.autoscaling) {
      this.autoscaler = new HorizontalPodAutoscalerV2(this, "autoscaler", {
        metadata,
        spec: {
          minReplicas: scaling.autoscaling.min,
          maxReplicas: scaling.autoscaling.max,
          scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: this.name },
          metric: scaling.metrics,
          behavior: scaling.behavior,
        },
      });
    }
    if (scaling) {
      this.disruptionBudget = new PodDisruptionBudgetV1(this, "disruption-budget", {
        metadata,
        spec: { selector: { matchLabels: { ...this.podLabels } }, ...scaling.disruption },
      });
    }

    this.networkPolicy = new NetworkPolicyV1(this, "network-policy", {
      metadata,
      spec: this.policySpec(),
    });
    created.get(this.stack)!.set(this.key, this);
  }

  /**
   * Admits traffic to this workload's `port` (a container port, number or name; default the first)
   * from: another Workload of this stack (its egress to here is opened too), every pod of a
   * namespace (`{ name }` or a `Namespace`), or `"ingress-controller"`.
   */
  allowFrom(peer: IWorkload | INamespace | "ingress-controller", port?: number | string): this {
    const target = this.portOf("allowFrom(port)", port);
    if (peer === "ingress-controller") {
      const c = this.ingressController;
      this.addFlow("ingress", `ingress-controller`, this.peerIn(c.namespace, c.podLabels), target);
      return this;
    }
    const workload = this.workloadPeer("allowFrom(peer)", peer);
    if (workload) {
      this.addFlow("ingress", `workload:${workload.key}`, this.selectorOf(workload), target);
      workload.addFlow("egress", `workload:${this.key}`, workload.selectorOf(this), target);
      return this;
    }
    const ns = namespaceOf(this, "allowFrom(peer)", peer);
    this.addFlow("ingress", `namespace:${ns}`, this.peerIn(ns, undefined), target);
    return this;
  }

  /**
   * Opens egress from this workload to: another Workload of this stack on one of its ports
   * (default its first; its ingress from here is opened too), every pod of a namespace on `port`,
   * `"dns"` (kube-dns, port 53 UDP and TCP), `"internet-https"` (TCP 443 to public addresses:
   * every range but the private, shared, loopback and link-local ones, so not the metadata
   * server), or `{ cidrs, ports }` outside the cluster (the whole internet only with
   * `allowWorld: { reason }`).
   */
  allowTo(
    peer: IWorkload | INamespace | CidrPeer | "dns" | "internet-https",
    port?: number | string,
  ): this {
    if (peer === "internet-https") {
      if (port !== undefined && port !== 443) {
        invalid(
          this,
          "allowTo(port)",
          port,
          "is not the HTTPS port",
          "leave it out: internet-https is TCP 443; for another port pass { cidrs, ports }",
        );
      }
      const peers = [
        { ipBlock: { cidr: "0.0.0.0/0", except: [...NOT_INTERNET_V4] } },
        { ipBlock: { cidr: "::/0", except: [...NOT_INTERNET_V6] } },
      ];
      this.addFlow("egress", "internet-https", peers, { port: 443, protocol: "TCP" });
      return this;
    }
    if (peer === "dns") {
      if (port !== undefined && port !== 53) {
        invalid(this, "allowTo(port)", port, "is not the DNS port", "leave it out: DNS is 53");
      }
      const dns = [{ ...DNS_PEER }];
      this.addFlow("egress", "dns", dns, { port: 53, protocol: "UDP" });
      this.addFlow("egress", "dns", dns, { port: 53, protocol: "TCP" });
      return this;
    }
    if (typeof peer === "object" && peer !== null && "cidrs" in peer) {
      this.allowToCidrs(peer, port);
      return this;
    }
    const workload = this.workloadPeer("allowTo(peer)", peer);
    if (workload) {
      const target = workload.portOf("allowTo(port)", port);
      this.addFlow("egress", `workload:${workload.key}`, this.selectorOf(workload), target);
      workload.addFlow("ingress", `workload:${this.key}`, workload.selectorOf(this), target);
      return this;
    }
    const ns = namespaceOf(this, "allowTo(peer)", peer);
    if (typeof port !== "number") {
      invalid(
        this,
        "allowTo(port)",
        port,
        "must be a port number for a namespace peer",
        "give the port its pods listen on, e.g. allowTo({ name: 'data' }, 5432)",
      );
    }
    this.addFlow("egress", `namespace:${ns}`, this.peerIn(ns, undefined), {
      port: this.checkPort("allowTo(port)", port),
      protocol: "TCP",
    });
    return this;
  }

  // -------------------------------------------------------------------------------------------
  // Network policy
  // -------------------------------------------------------------------------------------------

  private get key(): string {
    return `${this.namespace}/${this.name}`;
  }

  private addFlow(
    direction: "ingress" | "egress",
    peerKey: string,
    peers: PeerSelector[],
    port: { port: number; protocol: Protocol },
  ): void {
    const flows = direction === "ingress" ? this.ingressFlows : this.egressFlows;
    const key = `${peerKey}|${port.protocol}/${port.port}`;
    if (flows.has(key)) return;
    flows.set(key, { peers, ports: [{ port: String(port.port), protocol: port.protocol }] });
    this.networkPolicy?.putSpec(this.policySpec());
  }

  private policySpec() {
    const ingress = [...this.ingressFlows.values()].map((f) => ({ from: f.peers, ports: f.ports }));
    const egress = [...this.egressFlows.values()].map((f) => ({ to: f.peers, ports: f.ports }));
    return {
      podSelector: { matchLabels: { ...this.podLabels } },
      policyTypes: ["Ingress", "Egress"],
      ingress: ingress.length > 0 ? ingress : undefined,
      egress: egress.length > 0 ? egress : undefined,
    };
  }

  /** The pods of `other`, as seen from this workload's namespace. */
  private selectorOf(other: Workload): PeerSelector[] {
    return this.peerIn(other.namespace, other.podLabels);
  }

  private peerIn(
    namespace: string,
    podLabels: Readonly<Record<string, string>> | undefined,
  ): PeerSelector[] {
    const pods = podLabels ? { podSelector: { matchLabels: { ...podLabels } } } : {};
    if (namespace === this.namespace && podLabels) return [pods];
    return [
      {
        namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": namespace } },
        ...pods,
      },
    ];
  }

  /** The Workload a peer names, undefined for a namespace; refuses any other workload. */
  private workloadPeer(property: string, peer: unknown): Workload | undefined {
    if (typeof peer !== "object" || peer === null) {
      return invalid(
        this,
        property,
        peer,
        "is not a peer",
        property.startsWith("allowFrom")
          ? 'pass a Workload of this stack, a namespace ({ name } or a Namespace) or "ingress-controller"'
          : 'pass a Workload of this stack, a namespace, { cidrs, ports } or "dns"',
      );
    }
    const p = peer as Partial<IWorkload>;
    if (p.podLabels === undefined && p.ports === undefined) return undefined;
    if (peer instanceof Workload && peer.stack !== this.stack) {
      return invalid(
        this,
        property,
        peer,
        `is a workload of another stack (${peer.stack.node.id}), which this stack's NetworkPolicy cannot follow`,
        "allow its namespace instead ({ name: '<namespace>' }), or create both workloads in one stack",
      );
    }
    const known =
      peer instanceof Workload && typeof p.name === "string" && typeof p.namespace === "string"
        ? created.get(this.stack)?.get(`${p.namespace}/${p.name}`)
        : undefined;
    if (known !== peer) {
      return invalid(
        this,
        property,
        peer,
        "is not a Workload created in this stack, so no pods carry its labels",
        "pass the Workload construct itself, created before this call in the same stack",
      );
    }
    return known;
  }

  private allowToCidrs(peer: CidrPeer, port: number | string | undefined): void {
    const p = "allowTo(peer)";
    checkOptions(this, p, CIDR_PEER, peer, "{ cidrs: ['203.0.113.0/24'], ports: [443] }");
    if (port !== undefined) {
      invalid(this, "allowTo(port)", port, "is given twice", "list the ports in { cidrs, ports }");
    }
    if (!Array.isArray(peer.cidrs) || peer.cidrs.length === 0) {
      invalid(
        this,
        `${p}.cidrs`,
        peer.cidrs,
        "must list at least one range",
        'e.g. ["10.0.0.0/8"]',
      );
    }
    const cidrs = peer.cidrs.map((c, i) =>
      parseCidr(this, `${p}.cidrs[${i}]`, c, { allowIpv6: true }),
    );
    if (!Array.isArray(peer.ports) || peer.ports.length === 0) {
      invalid(this, `${p}.ports`, peer.ports, "must list at least one port", "e.g. [443]");
    }
    const ports = peer.ports.map((n, i) => this.checkPort(`${p}.ports[${i}]`, n));
    const protocol = this.checkProtocol(`${p}.protocol`, peer.protocol ?? "TCP");
    if (worldRangesOf(cidrs) !== undefined) {
      if (!acceptOptOut(this, `${p}.allowWorld`, peer.allowWorld)) {
        invalid(
          this,
          `${p}.cidrs`,
          peer.cidrs,
          "together cover the whole internet",
          "name the ranges the workload talks to, or pass allowWorld: { reason } to accept egress to the internet",
        );
      }
      recordOptOut(this.networkPolicy, OPT_OUT_IDS.egressToWorld, peer.allowWorld!);
    }
    const peers = cidrs.map((c) => ({ ipBlock: { cidr: c.toString() } }));
    const key = `cidrs:${cidrs.map((c) => c.toString()).join(",")}`;
    for (const n of ports) this.addFlow("egress", key, peers, { port: n, protocol });
  }

  // -------------------------------------------------------------------------------------------
  // Props
  // -------------------------------------------------------------------------------------------

  private checkName(value: string): string {
    if (typeof value !== "string" || value.length > 63 || !DNS_1035.test(value)) {
      invalid(
        this,
        "name",
        value,
        "is not a DNS-1035 label (it names the Deployment, Service and ServiceAccount)",
        "use at most 63 lowercase letters, digits and '-', starting with a letter and ending with a letter or digit",
      );
    }
    const names = created.get(this.stack) ?? new Map<string, Workload>();
    created.set(this.stack, names);
    const holder = names.get(`${this.namespace}/${value}`);
    if (holder !== undefined) {
      invalid(
        this,
        "name",
        value,
        `is already used by another workload in this namespace (${holder.node.path})`,
        "give each workload of a namespace its own name",
      );
    }
    return value;
  }

  private portsOf(props: SingletonProps): WorkloadPort[] {
    if (props.containerPort !== undefined && props.containerPorts !== undefined) {
      invalid(
        this,
        "containerPorts",
        props.containerPorts,
        "is given together with containerPort",
        "use containerPort for one port or containerPorts for several, not both",
      );
    }
    const list: ContainerPortProps[] =
      props.containerPort !== undefined
        ? [{ port: props.containerPort }]
        : [...(props.containerPorts ?? [])];
    const ports = list.map((p, i) => {
      const property = props.containerPort !== undefined ? "containerPort" : `containerPorts[${i}]`;
      const port = this.checkPort(
        props.containerPort !== undefined ? property : `${property}.port`,
        p.port,
      );
      if (p.name !== undefined && (p.name.length > 15 || !PORT_NAME.test(p.name))) {
        invalid(
          this,
          `${property}.name`,
          p.name,
          "is not a port name",
          "use at most 15 lowercase letters, digits and single '-', with at least one letter (e.g. http, metrics)",
        );
      }
      const protocol = this.checkProtocol(`${property}.protocol`, p.protocol ?? "TCP");
      return { port, protocol, ...(p.name !== undefined ? { name: p.name } : {}) };
    });
    ports.forEach((p, i) => {
      const twin = ports.findIndex(
        (q) => (q.port === p.port && q.protocol === p.protocol) || (p.name && q.name === p.name),
      );
      if (twin !== i) {
        invalid(
          this,
          `containerPorts[${i}]`,
          list[i],
          `repeats containerPorts[${twin}]`,
          "give each port its own number and name",
        );
      }
    });
    return ports;
  }

  private checkPort(property: string, value: unknown): number {
    if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > 65535) {
      invalid(this, property, value, "is not a port", "use a whole number from 1 to 65535");
    }
    return value as number;
  }

  private checkProtocol(property: string, value: unknown): Protocol {
    if (value !== "TCP" && value !== "UDP" && value !== "SCTP") {
      invalid(this, property, value, "is not a protocol", 'use "TCP", "UDP" or "SCTP"');
    }
    return value;
  }

  /** A container port by number or name; the first when `value` is undefined. */
  private portOf(property: string, value: unknown): WorkloadPort {
    if (this.ports.length === 0) {
      return invalid(
        this,
        property,
        value,
        `names a port, but ${this.node.path} exposes none`,
        "give the workload containerPort (or containerPorts), or use a command probe",
      );
    }
    if (value === undefined) return this.ports[0];
    const found = this.ports.find((p) => p.port === value || (p.name && p.name === value));
    if (!found) {
      invalid(
        this,
        property,
        value,
        "is not a port the container exposes",
        `use one of ${this.ports.map((p) => (p.name ? `${p.port} (${p.name})` : p.port)).join(", ")}, or add it to containerPorts`,
      );
    }
    return found;
  }

  private checkRunAsUser(value: number | undefined): number {
    const uid = value ?? 10001;
    if (!Number.isInteger(uid) || uid < 1000 || uid > 2147483647) {
      invalid(
        this,
        "runAsUser",
        value,
        "is not a non-system UID",
        "use a whole number from 1000 to 2147483647 (the default 10001 suits most images)",
      );
    }
    return uid;
  }

  private checkResources(r: WorkloadResources) {
    const amount = (group: "requests" | "limits", kind: "cpu" | "memory"): number => {
      const text = r[group][kind];
      const property = `resources.${group}.${kind}`;
      if (kind === "cpu") {
        const m = millicores(text);
        if (m === undefined || !(m >= 1)) {
          invalid(
            this,
            property,
            text,
            m === undefined ? "is not a CPU quantity" : "is not a CPU quantity of at least 1m",
            'write millicores or cores, e.g. "250m", "0.5" or "2"',
          );
        }
        return m;
      }
      const bytes = parseQuantity(text);
      if (bytes === undefined || !Number.isInteger(bytes) || bytes < 2 ** 20) {
        invalid(
          this,
          property,
          text,
          bytes === undefined
            ? "is not a memory quantity"
            : "is not a whole number of bytes of at least 1Mi (a missing unit, or m for milli?)",
          'write bytes with a binary suffix, e.g. "256Mi" or "1.5Gi"',
        );
      }
      return bytes;
    };
    for (const kind of ["cpu", "memory"] as const) {
      const request = amount("requests", kind);
      const limit = amount("limits", kind);
      if (limit < request) {
        invalid(
          this,
          `resources.limits.${kind}`,
          r.limits[kind],
          `is below the request (${r.requests[kind]})`,
          `raise the limit to at least ${r.requests[kind]}, or lower the request`,
        );
      }
    }
    return {
      requests: { cpu: r.requests.cpu, memory: r.requests.memory },
      limits: { cpu: r.limits.cpu, memory: r.limits.memory },
    };
  }

  private probesOf(probes: WorkloadProbes, serving: boolean) {
    if (serving) {
      for (const kind of ["liveness", "readiness"] as const) {
        if (probes[kind] === undefined) {
          invalid(
            this,
            `probes.${kind}`,
            undefined,
            "is missing, and the workload serves traffic (it has a port or a Service)",
            `add probes.${kind}, e.g. { path: "/healthz" } (an HTTP GET on the first port)`,
          );
        }
      }
    }
    const build = (kind: keyof WorkloadProbes) => {
      const p = probes[kind];
      return p === undefined ? undefined : this.probeOf(`probes.${kind}`, p);
    };
    return {
      liveness: build("liveness"),
      readiness: build("readiness"),
      startup: build("startup"),
    };
  }

  private probeOf(
    property: string,
    p: ProbeProps,
  ): DeploymentV1SpecTemplateSpecContainerLivenessProbe {
    const seconds = (key: keyof ProbeProps, fallback: number | undefined, min: number) => {
      const value = p[key] ?? fallback;
      if (value === undefined) return undefined;
      return whole(this, `${property}.${key}`, value, min, 3600);
    };
    const timing = {
      periodSeconds: seconds("periodSeconds", 10, 1),
      timeoutSeconds: seconds("timeoutSeconds", 2, 1),
      failureThreshold: seconds("failureThreshold", 3, 1),
      initialDelaySeconds: seconds("initialDelaySeconds", undefined, 0),
    };
    if (p.command !== undefined) {
      if (p.path !== undefined || p.port !== undefined) {
        invalid(
          this,
          `${property}.command`,
          p.command,
          "is given together with path or port",
          "use command alone (run in the container), or path/port (HTTP GET or TCP)",
        );
      }
      if (p.command.length === 0 || p.command.some((c) => typeof c !== "string" || c === "")) {
        invalid(
          this,
          `${property}.command`,
          p.command,
          "is empty",
          'e.g. ["celery", "inspect", "ping"]',
        );
      }
      p.command.forEach((c, i) => this.refuseSecret(`${property}.command[${i}]`, c));
      return { ...timing, exec: { command: [...p.command] } };
    }
    const port = this.portOf(`${property}.port`, p.port);
    if (p.path !== undefined) {
      if (typeof p.path !== "string" || !/^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/.test(p.path)) {
        invalid(
          this,
          `${property}.path`,
          p.path,
          "is not an HTTP path",
          'start with "/" and use URL path characters only, e.g. "/healthz"',
        );
      }
      if (port.protocol !== "TCP") {
        invalid(this, `${property}.port`, p.port, "is not a TCP port", "probe a TCP port");
      }
      return { ...timing, httpGet: { path: p.path, port: String(port.port) } };
    }
    if (port.protocol !== "TCP") {
      invalid(this, `${property}.port`, p.port, "is not a TCP port", "probe a TCP port");
    }
    return { ...timing, tcpSocket: [{ port: String(port.port) }] };
  }

  private envOf(
    env: Readonly<Record<string, string>>,
    secretEnv: Readonly<Record<string, SecretKeyRef>>,
  ) {
    const checkName = (property: string, name: string) => {
      if (!ENV_NAME.test(name)) {
        invalid(
          this,
          `${property} key`,
          name,
          "is not an environment variable name",
          "use letters, digits and underscores, not starting with a digit",
        );
      }
    };
    const list: { name: string; value?: string; valueFrom?: object }[] = [];
    for (const [name, value] of Object.entries(env)) {
      checkName("env", name);
      if (isSecretLikeName(name) || CREDENTIAL_NAME.test(name)) {
        invalid(
          this,
          `env.${name}`,
          "(not shown)",
          "is named like a secret, and a plain env value is readable by anyone who can read the Deployment",
          `put the value in a Kubernetes Secret and read it by reference: secretEnv: { ${name}: { secretName, key } }`,
        );
      }
      this.refuseSecret(`env.${name}`, value, name);
      list.push({ name, value: literalForKubernetes(value) });
    }
    for (const [name, ref] of Object.entries(secretEnv)) {
      checkName("secretEnv", name);
      if (name in env) {
        invalid(
          this,
          `secretEnv.${name}`,
          ref,
          "is also set in env",
          "set each variable once, in env or in secretEnv",
        );
      }
      checkDnsSubdomain(this, `secretEnv.${name}.secretName`, ref.secretName);
      if (ref.key.length > 253 || !SECRET_KEY.test(ref.key)) {
        invalid(
          this,
          `secretEnv.${name}.key`,
          ref.key,
          "is not a Secret key",
          "use at most 253 letters, digits, '-', '_' and '.'",
        );
      }
      list.push({ name, valueFrom: { secretKeyRef: { name: ref.secretName, key: ref.key } } });
    }
    return list;
  }

  /** Refuses a value that is a secret by its shape; the value is never shown. */
  private refuseSecret(property: string, value: unknown, name?: string): void {
    if (typeof value !== "string") return;
    const finding = detectSecret(value, name);
    if (finding === undefined) return;
    invalid(
      this,
      property,
      "(not shown)",
      `looks like ${finding.description}, which would be readable by anyone who can read the Deployment`,
      "put it in a Kubernetes Secret and read it with secretEnv: { NAME: { secretName, key } }",
    );
  }

  private annotationsOf(
    property: string,
    annotations: Readonly<Record<string, string>>,
  ): Record<string, string> | undefined {
    for (const [key, value] of Object.entries(annotations)) {
      if (!isQualifiedName(key)) {
        invalid(
          this,
          `${property} key`,
          key,
          "is not an annotation key",
          "write [prefix/]name: a DNS subdomain prefix and a name of at most 63 letters, digits, '-', '_' and '.'",
        );
      }
      this.refuseSecret(`${property}.${key}`, value, key);
      if (Token.isUnresolved(value)) continue;
      if (key === "iam.gke.io/gcp-service-account" && !GCP_SA_EMAIL.test(value)) {
        invalid(
          this,
          `${property}.${key}`,
          value,
          "is not a Google service account email",
          "use <name>@<project>.iam.gserviceaccount.com (the GSA the pods act as)",
        );
      }
      if (key === "eks.amazonaws.com/role-arn" && !IAM_ROLE_ARN.test(value)) {
        invalid(
          this,
          `${property}.${key}`,
          value,
          "is not an IAM role ARN",
          "use arn:aws:iam::<account>:role/<name> (the role the pods assume through IRSA)",
        );
      }
    }
    return Object.keys(annotations).length > 0 ? { ...annotations } : undefined;
  }

  private writableOf(paths: readonly string[]) {
    const offset = paths.includes("/tmp") ? 0 : 1;
    const all = offset === 0 ? [...paths] : ["/tmp", ...paths];
    all.forEach((path, i) => {
      const property = `writablePaths[${i - offset}]`;
      if (typeof path !== "string" || !WRITABLE_PATH.test(path) || /(^|\/)\.\.?(\/|$)/.test(path)) {
        invalid(
          this,
          property,
          path,
          "is not an absolute directory path",
          'write e.g. "/var/cache/app": segments of letters, digits, ".", "_" and "-", no ".." and no trailing "/"',
        );
      }
      if (all.indexOf(path) !== i) {
        invalid(this, property, path, "is listed twice", "list each writable path once");
      }
    });
    const volumeName = (path: string, i: number) => (path === "/tmp" ? "tmp" : `writable-${i}`);
    return {
      volumes: all.map((path, i) => ({ name: volumeName(path, i), emptyDir: {} })),
      mounts: all.map((path, i) => ({ name: volumeName(path, i), mountPath: path })),
    };
  }

  private checkIngressController(value: IngressControllerPeer | undefined): IngressControllerPeer {
    if (value === undefined) return DEFAULT_INGRESS_CONTROLLER;
    const namespace = namespaceOf(this, "ingressController.namespace", value.namespace);
    const podLabels = checkK8sLabels(this, "ingressController.podLabels", value.podLabels ?? {});
    return {
      namespace,
      ...(Object.keys(podLabels).length > 0 ? { podLabels } : {}),
    };
  }

  private spreadOf(spread: SpreadProps): DeploymentV1SpecTemplateSpecTopologySpreadConstraint[] {
    const across = spread.across ?? "zone";
    const mode = spread.mode ?? "preferred";
    if (across !== "zone" && across !== "node") {
      invalid(
        this,
        "spread.across",
        across,
        "is not a topology to spread across",
        'use "zone" (zones and nodes) or "node"',
      );
    }
    if (mode !== "preferred" && mode !== "required") {
      invalid(
        this,
        "spread.mode",
        mode,
        "is not a spread mode",
        'use "preferred" (the scheduler may break it) or "required" (pods stay pending instead)',
      );
    }
    const keys =
      across === "zone"
        ? ["topology.kubernetes.io/zone", "kubernetes.io/hostname"]
        : ["kubernetes.io/hostname"];
    return keys.map((topologyKey) => ({
      maxSkew: 1,
      topologyKey,
      whenUnsatisfiable: mode === "required" ? "DoNotSchedule" : "ScheduleAnyway",
      labelSelector: [{ matchLabels: { ...this.podLabels } }],
    }));
  }

  private serviceOf(
    s: WorkloadServiceProps,
    metadata: { name: string; namespace: string; labels: Readonly<Record<string, string>> },
  ): { service: ServiceV1; port: number } {
    const port = this.checkPort("service.port", s.port);
    const target = this.portOf("service.targetPort", s.targetPort);
    const type = s.type ?? "ClusterIP";
    if (type !== "ClusterIP" && type !== "LoadBalancer") {
      invalid(
        this,
        "service.type",
        type,
        "is not a Service type this construct builds",
        'use "ClusterIP" (the default) or "LoadBalancer" with loadBalancer: { sourceRanges, reason }',
      );
    }
    const lb = s.loadBalancer;
    if (type === "ClusterIP" && lb !== undefined) {
      invalid(
        this,
        "service.loadBalancer",
        lb,
        "is given for a ClusterIP Service",
        'set type: "LoadBalancer" too, or drop loadBalancer',
      );
    }
    let ranges: string[] | undefined;
    let world = false;
    let annotations: Record<string, string> | undefined;
    if (type === "LoadBalancer") {
      if (lb === undefined) {
        invalid(
          this,
          "service.loadBalancer",
          lb,
          "is missing: a LoadBalancer Service is reachable from outside the cluster",
          "pass loadBalancer: { sourceRanges: [client CIDRs], reason }, or keep the default ClusterIP behind an Ingress",
        );
      }
      acceptOptOut(this, "service.loadBalancer", { reason: lb.reason });
      if (!Array.isArray(lb.sourceRanges) || lb.sourceRanges.length === 0) {
        invalid(
          this,
          "service.loadBalancer.sourceRanges",
          lb.sourceRanges,
          "must list at least one client range",
          'list the CIDRs that may connect, e.g. ["203.0.113.0/24"]',
        );
      }
      const cidrs = lb.sourceRanges.map((r, i) =>
        parseCidr(this, `service.loadBalancer.sourceRanges[${i}]`, r, { allowIpv6: true }),
      );
      world = worldRangesOf(cidrs) !== undefined;
      if (world && !acceptOptOut(this, "service.loadBalancer.allowWorld", lb.allowWorld)) {
        invalid(
          this,
          "service.loadBalancer.sourceRanges",
          lb.sourceRanges,
          "together cover the whole internet",
          "list the client ranges, or pass allowWorld: { reason } to publish the Service to the internet",
        );
      }
      ranges = cidrs.map((c) => c.toString());
      const given = this.annotationsOf("service.loadBalancer.annotations", lb.annotations ?? {});
      let internal: Readonly<Record<string, string>> = {};
      if (lb.internal !== undefined) {
        if (lb.internal !== "gke" && lb.internal !== "eks") {
          invalid(
            this,
            "service.loadBalancer.internal",
            lb.internal,
            "is not a cloud this construct knows the internal load balancer of",
            'use "gke" or "eks", or set the annotations yourself',
          );
        }
        internal = INTERNAL_LB_ANNOTATIONS[lb.internal];
        for (const key of Object.keys(internal)) {
          if (given !== undefined && key in given) {
            invalid(
              this,
              `service.loadBalancer.annotations.${key}`,
              given[key],
              "is set by internal",
              "drop it from annotations",
            );
          }
        }
      }
      const all = { ...given, ...internal };
      annotations = Object.keys(all).length > 0 ? all : undefined;
    }
    const service = new ServiceV1(this, "service", {
      metadata: { ...metadata, annotations },
      spec: {
        type,
        selector: { ...this.podLabels },
        port: [
          {
            name: target.name,
            port,
            targetPort: String(target.port),
            protocol: target.protocol,
          },
        ],
        loadBalancerSourceRanges: ranges,
      },
    });
    if (type === "LoadBalancer") {
      recordOptOut(service, "load-balancer", { reason: lb!.reason });
      if (world) recordOptOut(service, OPT_OUT_IDS.worldIngress, lb!.allowWorld!);
    }
    return { service, port };
  }
}

/**
 * Checks a container image: a reference by the distribution grammar, pinned by a tag other than
 * `latest` or by a digest that is written out (not computed at apply time).
 */
function checkImage(scope: Construct, image: unknown): void {
  const example = "registry.example.com/team/app:1.4.2 or ...@sha256:<digest>";
  if (typeof image !== "string" || image === "") {
    invalid(
      scope,
      "image",
      image,
      "is not an image reference",
      `pass a pinned image such as ${example}`,
    );
  }
  const probe = image.replace(TOKEN_MARKER, "tftoken");
  const parsed = parseImageReference(probe);
  if (parsed === undefined) {
    invalid(
      scope,
      "image",
      image,
      "is not an image reference by the OCI distribution grammar",
      `write ${example}`,
    );
  }
  const tail = image.slice(image.lastIndexOf("/") + 1);
  if (Token.isUnresolved(tail)) {
    invalid(
      scope,
      "image",
      image,
      "has an image name, tag or digest only known at apply time",
      "give the image name and its tag or digest as plain strings",
    );
  }
  if (parsed.digest !== undefined) return;
  if (parsed.tag === undefined || parsed.tag.toLowerCase() === "latest") {
    invalid(
      scope,
      "image",
      image,
      parsed.tag === undefined ? "has no tag, which pulls latest" : "uses the moving tag latest",
      `pin a version tag or a digest, e.g. ${example}`,
    );
  }
}

/**
 * Kubernetes expands `$(VAR)` in a container's command, args and env values with the container's
 * variables, and reduces `$$` to `$`. A value given here is meant as written: every `$` is doubled,
 * so `$(id)` reaches the process as the text `$(id)`, never as the value of a variable `id`.
 * Exec probe commands are not expanded by Kubernetes and are left as they are.
 */
export function literalForKubernetes(value: string): string {
  // A Terraform token (`${TfToken[...]}`) stands for a value known at apply time: kept intact.
  return value.replace(/\$(?!\{TfToken\[)/g, "$$$$");
}
