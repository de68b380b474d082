import { Construct } from "constructs";
import { Token } from "cdktf";
import { z } from "zod";
import { LimitRangeV1 } from "@cdktf/provider-kubernetes/lib/limit-range-v1";
import { NamespaceV1 } from "@cdktf/provider-kubernetes/lib/namespace-v1";
import { NetworkPolicyV1 } from "@cdktf/provider-kubernetes/lib/network-policy-v1";
import { ResourceQuotaV1 } from "@cdktf/provider-kubernetes/lib/resource-quota-v1";
import { invalid } from "../core/errors";
import { acceptOptOut, recordOptOut } from "../core/opt-out";
import { whole } from "../core/checks";
import { checkDnsLabel, checkK8sLabels } from "../core/kubernetes-names";
import { checkProps, stringMap, stringOf, type PropsSchema } from "../core/props";
import { PlatformStack } from "../core/stack";
import type { INamespace } from "./interfaces";
import { formatQuantity, parseQuantity } from "./quantity";

/**
 * The namespace a construct is placed in, from a name or an {@link INamespace} (a `Namespace`
 * construct, whose name is a reference to its resource, or `{ name }` for an existing one). A
 * literal name is checked as a DNS-1123 label.
 */
export function namespaceOf(scope: Construct, property: string, value: unknown): string {
  const name =
    typeof value === "object" && value !== null ? (value as Partial<INamespace>).name : value;
  if (typeof name === "string" && Token.isUnresolved(name)) return name;
  if (typeof name !== "string") {
    invalid(
      scope,
      property,
      value,
      "is not a namespace",
      'pass a namespace name ("shop"), a Namespace construct, or { name } of an existing namespace',
    );
  }
  return checkDnsLabel(scope, property, name);
}

// ---------------------------------------------------------------------------------------------
// Namespace
// ---------------------------------------------------------------------------------------------

/** The Pod Security Standards levels, most permissive first. */
const POD_SECURITY_LEVELS = ["privileged", "baseline", "restricted"] as const;
type RelaxedLevel = "privileged" | "baseline";

/** Total resources the pods of the namespace may request and be limited to (a ResourceQuota). */
export interface NamespaceQuota {
  /** Total CPU requested by all pods (`requests.cpu`). @default "4" */
  readonly cpu?: string;
  /** Total memory requested by all pods (`requests.memory`). @default "8Gi" */
  readonly memory?: string;
  /** Total CPU limit of all pods (`limits.cpu`); not below `cpu`. @default twice `cpu` */
  readonly limitsCpu?: string;
  /** Total memory limit of all pods (`limits.memory`); not below `memory`. @default twice `memory` */
  readonly limitsMemory?: string;
  /** Pods (`pods`). @default 50 */
  readonly pods?: number;
  /** Services (`services`). @default 20 */
  readonly services?: number;
  /** PersistentVolumeClaims (`persistentvolumeclaims`). @default 10 */
  readonly persistentVolumeClaims?: number;
  /** Total storage requested by the claims (`requests.storage`). @default "100Gi" */
  readonly storage?: string;
  /** LoadBalancer services (`services.loadbalancers`). @default 0 (expose through an Ingress) */
  readonly loadBalancers?: number;
  /** NodePort services (`services.nodeports`). @default 0 (a NodePort opens a port on every node) */
  readonly nodePorts?: number;
}

/** CPU and memory of one container, as Kubernetes quantities (`250m`, `512Mi`). */
export interface ContainerQuantities {
  /** CPU, e.g. `"250m"` or `"1"`. */
  readonly cpu?: string;
  /** Memory, e.g. `"256Mi"` or `"1Gi"`. */
  readonly memory?: string;
}

/** Per-container defaults and bounds (a LimitRange of type `Container`). */
export interface NamespaceLimits {
  /**
   * Requests of a container that sets none (`defaultRequest`).
   * @default { cpu: "100m", memory: "128Mi" } (lowered to `default` when that is smaller)
   */
  readonly defaultRequest?: ContainerQuantities;
  /**
   * Limits of a container that sets none (`default`).
   * @default { cpu: "500m", memory: "512Mi" }
   */
  readonly default?: ContainerQuantities;
  /**
   * The most a container may be limited to (`max`).
   * @default { cpu: "2", memory: "4Gi" } (raised to `default`, lowered to the quota's limits)
   */
  readonly max?: ContainerQuantities;
}

export interface NamespaceProps {
  /** The namespace's name: a DNS-1123 label, not `default` and not starting with `kube-`. */
  readonly name: string;
  /**
   * Labels of the namespace. The `pod-security.kubernetes.io/*` labels are the construct's, and
   * `kubernetes.io/metadata.name` is the API server's.
   * @default {}
   */
  readonly labels?: Readonly<Record<string, string>>;
  /**
   * The Pod Security Standards version the admission labels pin (`v1.30`), or `latest`.
   * @default "latest"
   */
  readonly podSecurityVersion?: string;
  /**
   * Enforce a weaker Pod Security level than `restricted` (audit and warn stay `restricted`, so
   * every violation is still reported), with a reason; recorded as the opt-out
   * `pod-security-relaxed`.
   * @default undefined (`restricted` enforced)
   */
  readonly relaxPodSecurity?: { readonly level: RelaxedLevel; readonly reason: string };
  /** The namespace's ResourceQuota. @default see {@link NamespaceQuota} */
  readonly quota?: NamespaceQuota;
  /** The namespace's LimitRange for containers. @default see {@link NamespaceLimits} */
  readonly limits?: NamespaceLimits;
}

const QUANTITIES = z.strictObject({
  cpu: z.string().optional(),
  memory: z.string().optional(),
});

/** Shapes and types of {@link NamespaceProps}; names, labels and quantities are checked after. */
const NAMESPACE_PROPS = z.strictObject({
  name: z.string(),
  labels: stringMap.optional(),
  podSecurityVersion: z.string().optional(),
  relaxPodSecurity: z
    .strictObject({ level: stringOf<RelaxedLevel>(), reason: z.string() })
    .optional(),
  quota: z
    .strictObject({
      cpu: z.string().optional(),
      memory: z.string().optional(),
      limitsCpu: z.string().optional(),
      limitsMemory: z.string().optional(),
      pods: z.number().optional(),
      services: z.number().optional(),
      persistentVolumeClaims: z.number().optional(),
      storage: z.string().optional(),
      loadBalancers: z.number().optional(),
      nodePorts: z.number().optional(),
    })
    .optional(),
  limits: z
    .strictObject({
      defaultRequest: QUANTITIES.optional(),
      default: QUANTITIES.optional(),
      max: QUANTITIES.optional(),
    })
    .optional(),
}) satisfies PropsSchema<NamespaceProps>;

/** The opt-out recorded on the namespace when {@link NamespaceProps.relaxPodSecurity} is given. */
export const POD_SECURITY_RELAXED = "pod-security-relaxed";

/** Label keys the construct or the API server owns. */
const OWNED_LABEL = /^(pod-security\.kubernetes\.io\/|kubernetes\.io\/metadata\.name$)/;

const PSA_VERSION = /^v1\.(0|[1-9][0-9]{0,2})$/;

/** A quantity as written (for the JSON) and as parsed (for comparisons). */
interface Amount {
  readonly text: string;
  readonly value: number;
  /** The prop it is the value of, for messages. */
  readonly property: string;
  /** True when the prop was not given. */
  readonly isDefault: boolean;
}

type Resource = "cpu" | "memory";
type LimitKey = "defaultRequest" | "default" | "max";

const DEFAULT_LIMITS: Readonly<Record<LimitKey, Record<Resource, string>>> = {
  defaultRequest: { cpu: "100m", memory: "128Mi" },
  default: { cpu: "500m", memory: "512Mi" },
  max: { cpu: "2", memory: "4Gi" },
};

/** Names claimed by a Namespace in each stack, for the duplicate check. */
const claimed = new WeakMap<PlatformStack, Map<string, string>>();

/**
 * A Kubernetes namespace that is safe before anything runs in it: Pod Security admission at
 * `restricted` (enforce, audit and warn), a ResourceQuota and a LimitRange with sane defaults, and
 * a default-deny NetworkPolicy for ingress and egress that lets pods resolve names through
 * kube-dns. Workloads then open only the flows they declare.
 */
export class Namespace extends Construct implements INamespace {
  /** The namespace (escape hatch). */
  readonly namespace: NamespaceV1;
  /** The ResourceQuota `default-quota` (escape hatch). */
  readonly resourceQuota: ResourceQuotaV1;
  /** The LimitRange `default-limits` (escape hatch). */
  readonly limitRange: LimitRangeV1;
  /** The NetworkPolicy `default-deny` (escape hatch). */
  readonly networkPolicy: NetworkPolicyV1;
  /**
   * The namespace's name as a reference to the namespace resource, so that whatever is created in
   * it waits for the namespace.
   */
  readonly name: string;
  /** The namespace's name as given. */
  readonly declaredName: string;

  constructor(scope: Construct, id: string, props: NamespaceProps) {
    super(scope, id);
    checkProps(this, NAMESPACE_PROPS, props, '{ name: "shop" }');
    const stack = PlatformStack.of(this);
    const name = this.checkName(stack, props.name);
    const labels = checkK8sLabels(this, "labels", props.labels ?? {});
    for (const key of Object.keys(labels)) {
      if (OWNED_LABEL.test(key)) {
        invalid(
          this,
          "labels key",
          key,
          key.startsWith("pod-security")
            ? "is set by the construct (Pod Security admission at restricted)"
            : "is set by the API server",
          key.startsWith("pod-security")
            ? "drop it; pin the version with podSecurityVersion, or relax enforcement with relaxPodSecurity: { level, reason }"
            : "drop it",
        );
      }
    }
    const version = props.podSecurityVersion ?? "latest";
    if (version !== "latest" && !PSA_VERSION.test(version)) {
      invalid(
        this,
        "podSecurityVersion",
        version,
        "is not a Pod Security Standards version",
        'use "latest" or a Kubernetes minor version such as "v1.30"',
      );
    }
    const enforce = this.enforcedLevel(props.relaxPodSecurity);

    this.declaredName = name;
    this.namespace = new NamespaceV1(this, "namespace", {
      metadata: {
        name,
        labels: {
          ...labels,
          "pod-security.kubernetes.io/enforce": enforce,
          "pod-security.kubernetes.io/enforce-version": version,
          "pod-security.kubernetes.io/audit": "restricted",
          "pod-security.kubernetes.io/audit-version": version,
          "pod-security.kubernetes.io/warn": "restricted",
          "pod-security.kubernetes.io/warn-version": version,
        },
      },
      waitForDefaultServiceAccount: true,
    });
    if (props.relaxPodSecurity !== undefined) {
      recordOptOut(this.namespace, POD_SECURITY_RELAXED, props.relaxPodSecurity);
    }
    this.name = this.namespace.metadata.name;

    const quota = this.quotaOf(props.quota ?? {});
    const limits = this.limitsOf(props.limits ?? {}, quota.totals);
    this.resourceQuota = new ResourceQuotaV1(this, "quota", {
      metadata: { name: "default-quota", namespace: this.name },
      spec: { hard: quota.hard },
    });
    this.limitRange = new LimitRangeV1(this, "limits", {
      metadata: { name: "default-limits", namespace: this.name },
      spec: { limit: [{ type: "Container", ...limits }] },
    });

    this.networkPolicy = new NetworkPolicyV1(this, "default-deny", {
      metadata: { name: "default-deny", namespace: this.name },
      spec: {
        podSelector: {},
        policyTypes: ["Ingress", "Egress"],
        egress: [
          {
            to: [
              {
                namespaceSelector: {
                  matchLabels: { "kubernetes.io/metadata.name": "kube-system" },
                },
                podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
              },
            ],
            ports: [
              { port: "53", protocol: "UDP" },
              { port: "53", protocol: "TCP" },
            ],
          },
        ],
      },
    });
  }

  private checkName(stack: PlatformStack, value: string): string {
    const name = checkDnsLabel(this, "name", value);
    if (name === "default" || name.startsWith("kube-")) {
      invalid(
        this,
        "name",
        name,
        "is a namespace Kubernetes reserves",
        "choose another name: `default` and `kube-*` belong to the cluster",
      );
    }
    const names = claimed.get(stack) ?? new Map<string, string>();
    claimed.set(stack, names);
    const holder = names.get(name);
    if (holder !== undefined) {
      invalid(
        this,
        "name",
        name,
        `is already used by another namespace in this stack (${holder})`,
        "give each namespace its own name",
      );
    }
    names.set(name, this.node.path);
    return name;
  }

  private enforcedLevel(relax: NamespaceProps["relaxPodSecurity"]): string {
    if (relax === undefined) return "restricted";
    if (!(["baseline", "privileged"] as unknown[]).includes(relax.level)) {
      invalid(
        this,
        "relaxPodSecurity.level",
        relax.level,
        "is not a Pod Security level below restricted",
        `use one of ${POD_SECURITY_LEVELS.slice(0, 2).join(", ")}, or drop relaxPodSecurity to enforce restricted`,
      );
    }
    acceptOptOut(this, "relaxPodSecurity", relax);
    return relax.level;
  }

  /** The ResourceQuota's `hard` map, checked, and its CPU and memory totals. */
  private quotaOf(q: NamespaceQuota): {
    readonly hard: Record<string, string>;
    readonly totals: Record<Resource, { readonly requests: Amount; readonly limits: Amount }>;
  } {
    const cpu = this.amount("cpu", "quota.cpu", q.cpu, "4");
    const memory = this.amount("memory", "quota.memory", q.memory, "8Gi");
    const limitsCpu =
      q.limitsCpu === undefined
        ? this.twice("quota.limitsCpu", cpu)
        : this.amount("cpu", "quota.limitsCpu", q.limitsCpu);
    const limitsMemory =
      q.limitsMemory === undefined
        ? this.twice("quota.limitsMemory", memory)
        : this.amount("memory", "quota.limitsMemory", q.limitsMemory);
    this.notAbove(cpu, limitsCpu, "raise quota.limitsCpu or lower quota.cpu");
    this.notAbove(memory, limitsMemory, "raise quota.limitsMemory or lower quota.memory");
    const storage = this.amount("memory", "quota.storage", q.storage, "100Gi");
    return {
      hard: {
        "requests.cpu": cpu.text,
        "requests.memory": memory.text,
        "limits.cpu": limitsCpu.text,
        "limits.memory": limitsMemory.text,
        pods: this.count("quota.pods", q.pods, 50, 1),
        services: this.count("quota.services", q.services, 20, 0),
        persistentvolumeclaims: this.count(
          "quota.persistentVolumeClaims",
          q.persistentVolumeClaims,
          10,
          0,
        ),
        "requests.storage": storage.text,
        "services.loadbalancers": this.count("quota.loadBalancers", q.loadBalancers, 0, 0),
        "services.nodeports": this.count("quota.nodePorts", q.nodePorts, 0, 0),
      },
      totals: {
        cpu: { requests: cpu, limits: limitsCpu },
        memory: { requests: memory, limits: limitsMemory },
      },
    };
  }

  /**
   * The LimitRange item's `defaultRequest`, `default` and `max`, checked against each other and
   * against the quota: defaults not given follow the given values (a request no larger than the
   * default limit, a max between the default limit and the quota's total limit).
   */
  private limitsOf(
    l: NamespaceLimits,
    totals: Record<Resource, { readonly requests: Amount; readonly limits: Amount }>,
  ): Record<LimitKey, Record<Resource, string>> {
    const out: Record<LimitKey, Partial<Record<Resource, string>>> = {
      defaultRequest: {},
      default: {},
      max: {},
    };
    for (const resource of ["cpu", "memory"] as const) {
      const quota = totals[resource];
      const limitProp = resource === "cpu" ? "quota.limitsCpu" : "quota.limitsMemory";
      const def = this.amount(
        resource,
        `limits.default.${resource}`,
        l.default?.[resource],
        DEFAULT_LIMITS.default[resource],
      );
      let req = this.amount(
        resource,
        `limits.defaultRequest.${resource}`,
        l.defaultRequest?.[resource],
        DEFAULT_LIMITS.defaultRequest[resource],
      );
      if (req.isDefault && req.value > def.value) req = { ...def, property: req.property };
      let max = this.amount(
        resource,
        `limits.max.${resource}`,
        l.max?.[resource],
        DEFAULT_LIMITS.max[resource],
      );
      if (max.isDefault && max.value > quota.limits.value) {
        max = { ...quota.limits, property: max.property, isDefault: true };
      }
      if (max.isDefault && max.value < def.value) {
        max = { ...def, property: max.property, isDefault: true };
      }
      this.notAbove(
        req,
        def,
        `raise limits.default.${resource} or lower limits.defaultRequest.${resource}`,
      );
      this.notAbove(def, max, `raise limits.max.${resource} or lower limits.default.${resource}`);
      this.notAbove(
        req,
        quota.requests,
        `a container's default request must fit in the quota: raise quota.${resource} or lower limits.defaultRequest.${resource}`,
      );
      this.notAbove(
        max,
        quota.limits,
        `no container can be limited beyond the namespace's total: raise ${limitProp} or lower limits.max.${resource}`,
      );
      out.defaultRequest[resource] = req.text;
      out.default[resource] = def.text;
      out.max[resource] = max.text;
    }
    return out as Record<LimitKey, Record<Resource, string>>;
  }

  /**
   * A quantity prop, parsed (cores for CPU, bytes for memory); `fallback` when not given. Memory
   * must be a whole number of bytes, so `"500m"` (half a byte) is refused, not rounded.
   */
  private amount(resource: Resource, property: string, given: unknown, fallback?: string): Amount {
    const text = given ?? fallback;
    const value = parseQuantity(text);
    const ok =
      value !== undefined &&
      value > 0 &&
      Number.isFinite(value) &&
      (resource === "cpu" ? value >= 0.001 : Number.isInteger(value));
    if (!ok) {
      invalid(
        this,
        property,
        given,
        resource === "cpu"
          ? "is not a CPU quantity of at least 1m"
          : "is not a positive whole number of bytes",
        resource === "cpu"
          ? 'write cores or millicores, e.g. "500m", "2" or "1.5"'
          : 'write bytes with a suffix, e.g. "512Mi", "4Gi" or "1G" (m is milli, not mega)',
      );
    }
    return { text: text as string, value, property, isDefault: given === undefined };
  }

  /** The default total limit: twice the total request. */
  private twice(property: string, requests: Amount): Amount {
    const resource: Resource = property.endsWith("Cpu") ? "cpu" : "memory";
    const value = requests.value * 2;
    return { text: formatQuantity(value, resource), value, property, isDefault: true };
  }

  /** Refuses `low` above `high`, naming the one the user gave (or `low` when both are defaults). */
  private notAbove(low: Amount, high: Amount, fix: string): void {
    if (low.value <= high.value) return;
    const blameHigh = low.isDefault && !high.isDefault;
    const blame = blameHigh ? high : low;
    const other = blameHigh ? low : high;
    const described = `${other.property} (${other.text}${other.isDefault ? ", its default" : ""})`;
    invalid(
      this,
      blame.property,
      blame.text,
      `${blame.isDefault ? "(its default) " : ""}is ${blameHigh ? "below" : "above"} ${described}`,
      fix,
    );
  }

  private count(property: string, given: unknown, fallback: number, min: number): string {
    return String(whole(this, property, given ?? fallback, min, 100000));
  }
}
