import type { Json, Resource, Rule, Verdict } from "../types";
import {
  blocks,
  COMPLIANT,
  flag,
  get,
  includesWorld,
  isObject,
  isToken,
  NOT_APPLICABLE,
  problemsVerdict,
  show,
  strings,
  violation,
} from "../values";

/** Where each workload type keeps its pod spec. */
const POD_SPEC_PATHS: Readonly<Record<string, string>> = {
  kubernetes_pod: "spec",
  kubernetes_pod_v1: "spec",
  kubernetes_deployment: "spec.template.spec",
  kubernetes_deployment_v1: "spec.template.spec",
  kubernetes_stateful_set: "spec.template.spec",
  kubernetes_stateful_set_v1: "spec.template.spec",
  kubernetes_daemonset: "spec.template.spec",
  kubernetes_daemon_set_v1: "spec.template.spec",
  kubernetes_replication_controller: "spec.template.spec",
  kubernetes_replication_controller_v1: "spec.template.spec",
  kubernetes_job: "spec.template.spec",
  kubernetes_job_v1: "spec.template.spec",
  kubernetes_cron_job: "spec.job_template.spec.template.spec",
  kubernetes_cron_job_v1: "spec.job_template.spec.template.spec",
};
export const WORKLOADS = Object.keys(POD_SPEC_PATHS);
const WORKLOADS_LABEL =
  "Kubernetes workloads (deployments, stateful sets, daemon sets, jobs, cron jobs, pods; `kubernetes_*` and `kubernetes_*_v1`)";
const NAMESPACES = ["kubernetes_namespace", "kubernetes_namespace_v1"];
const NETWORK_POLICIES = ["kubernetes_network_policy", "kubernetes_network_policy_v1"];
const SERVICES = ["kubernetes_service", "kubernetes_service_v1"];
const SECRETS = ["kubernetes_secret", "kubernetes_secret_v1"];

export function podSpec(r: Resource): Json | undefined {
  const spec = get(r.config, POD_SPEC_PATHS[r.type] ?? "-");
  return blocks(spec)[0];
}

interface Container {
  readonly label: string;
  readonly config: Json;
  readonly init: boolean;
}

/** The containers (and init containers) of a workload, labelled `container "name"`. */
export function containersOf(r: Resource): Container[] {
  const spec = podSpec(r);
  if (!spec) return [];
  const list = (key: string, init: boolean): Container[] =>
    blocks(spec[key]).map((c, i) => ({
      label: `${init ? "init_container" : "container"} ${typeof c.name === "string" ? `"${c.name}"` : `[${i}]`}`,
      config: c,
      init,
    }));
  return [...list("container", false), ...list("init_container", true)];
}

/** A check over every container of a workload; not applicable to other resources. */
function eachContainer(
  problem: (c: Container, pod: Json) => string | undefined,
  options: { readonly skipInit?: boolean } = {},
) {
  return (r: Resource): Verdict => {
    const pod = podSpec(r);
    if (!pod)
      return WORKLOADS.includes(r.type)
        ? violation("has no pod spec that can be read")
        : NOT_APPLICABLE;
    const containers = containersOf(r).filter((c) => !(options.skipInit && c.init));
    if (containers.length === 0) return violation("has no containers that can be read");
    return problemsVerdict(
      containers.map((c) => problem(c, pod)).filter((p): p is string => p !== undefined),
    );
  };
}

/** A container setting that falls back to the pod's security context. */
function effective(c: Container, pod: Json, key: string): unknown {
  return get(c.config, `security_context.${key}`) ?? get(pod, `security_context.${key}`);
}

function runsAsRoot(c: Container, pod: Json): string | undefined {
  const user = effective(c, pod, "run_as_user");
  if (user !== undefined && String(user) === "0") return `${c.label} runs as user 0 (root)`;
  const nonRoot = flag(effective(c, pod, "run_as_non_root"));
  if (nonRoot === true) return undefined;
  if (nonRoot === "unknown")
    return `${c.label} security_context.run_as_non_root cannot be verified`;
  return `${c.label} does not set security_context.run_as_non_root = true (may run as root)`;
}

/**
 * What is wrong with a container image reference, if anything: no tag (pulls latest), the latest
 * tag, or a tag only known at apply time. A digest (`@sha256:`) is always fine.
 */
export function imageProblem(image: unknown): string | undefined {
  if (typeof image !== "string" || image === "") return "has no image";
  if (image.includes("@sha256:")) return undefined;
  // The text after the last expression and the last "/": `app:1.2` of `${repo.url}/app:1.2`.
  const tail = image.slice(image.lastIndexOf("}") + 1);
  const last = tail.slice(tail.lastIndexOf("/") + 1);
  const colon = last.lastIndexOf(":");
  if (colon < 0) {
    return isToken(image)
      ? `image ${show(image)} cannot be verified: it has no literal tag`
      : `image ${show(image)} has no tag and pulls latest`;
  }
  const tag = last.slice(colon + 1);
  if (tag === "") return `image ${show(image)} has an empty tag and pulls latest`;
  if (tag.toLowerCase() === "latest") return `image ${show(image)} uses the latest tag`;
  return undefined;
}

function secretKeys(value: unknown): string[] {
  if (!isObject(value)) return [];
  return Object.entries(value)
    .filter(([, v]) => typeof v === "string" && v !== "" && !isToken(v))
    .map(([k]) => k);
}

export const K8S_RULES: readonly Rule[] = [
  {
    id: "K8S-POD-001",
    checkovNote:
      "Stricter: checkov's Terraform check CKV_K8S_16 reads pods and deployments; every workload type (stateful sets, daemon sets, jobs, cron jobs, replication controllers) is read here.",
    checkov: "CKV_K8S_16",
    severity: "error",
    title: "Containers are not privileged",
    types: WORKLOADS,
    appliesTo: WORKLOADS_LABEL,
    fix: "Remove security_context.privileged or set it to false; grant the one capability needed instead.",
    check: eachContainer((c) => {
      const value = flag(get(c.config, "security_context.privileged"));
      if (value === true) return `${c.label} is privileged`;
      return value === "unknown"
        ? `${c.label} security_context.privileged cannot be verified`
        : undefined;
    }),
  },
  {
    id: "K8S-POD-002",
    checkovNote:
      "No Terraform-resource check of checkov matches (its CKV_K8S_6 reads `kubernetes_pod_security_policy`; CKV_K8S_23 is a manifest check), so this rule carries no ID.",
    severity: "error",
    title: "Containers run as a non-root user",
    types: WORKLOADS,
    appliesTo: WORKLOADS_LABEL,
    fix: "Set security_context.run_as_non_root = true (and run_as_user to a non-zero UID) on the pod or each container.",
    check: eachContainer(runsAsRoot),
  },
  {
    id: "K8S-POD-003",
    checkovNote:
      "Stricter: checkov's CKV_K8S_20 reads `kubernetes_pod` and fails only an explicit true; every workload type is read here and an unset value (which defaults to true) is a finding.",
    checkov: "CKV_K8S_20",
    severity: "error",
    title: "Containers do not allow privilege escalation",
    types: WORKLOADS,
    appliesTo: WORKLOADS_LABEL,
    fix: "Set security_context.allow_privilege_escalation = false on every container.",
    check: eachContainer((c) =>
      flag(get(c.config, "security_context.allow_privilege_escalation")) === false
        ? undefined
        : `${c.label} does not set security_context.allow_privilege_escalation = false (defaults to true)`,
    ),
  },
  {
    id: "K8S-POD-004",
    checkovNote:
      "Stricter: checkov's CKV_K8S_8 reads `kubernetes_pod`; every workload type is read here (init containers are exempt).",
    checkov: "CKV_K8S_8",
    severity: "warning",
    title: "Containers have a liveness probe",
    types: WORKLOADS,
    appliesTo: WORKLOADS_LABEL,
    fix: "Add liveness_probe (http_get, tcp_socket or exec) so a hung container is restarted.",
    check: eachContainer(
      (c) =>
        blocks(c.config.liveness_probe).length > 0 ? undefined : `${c.label} has no liveness_probe`,
      { skipInit: true },
    ),
  },
  {
    id: "K8S-POD-005",
    checkovNote: "As K8S-POD-004 (checkov's CKV_K8S_9 reads `kubernetes_pod`).",
    checkov: "CKV_K8S_9",
    severity: "warning",
    title: "Containers have a readiness probe",
    types: WORKLOADS,
    appliesTo: WORKLOADS_LABEL,
    fix: "Add readiness_probe so traffic only reaches ready pods.",
    check: eachContainer(
      (c) =>
        blocks(c.config.readiness_probe).length > 0
          ? undefined
          : `${c.label} has no readiness_probe`,
      { skipInit: true },
    ),
  },
  {
    id: "K8S-POD-006",
    checkovNote:
      "Stricter: checkov's CKV_K8S_11 reads `kubernetes_pod`; every workload type and every container is read here.",
    checkov: "CKV_K8S_11",
    severity: "warning",
    title: "Containers have a CPU limit",
    types: WORKLOADS,
    appliesTo: WORKLOADS_LABEL,
    fix: 'Set resources { limits = { cpu = "500m" } } (and requests).',
    check: eachContainer((c) =>
      get(c.config, "resources.limits.cpu") !== undefined
        ? undefined
        : `${c.label} has no resources.limits.cpu`,
    ),
  },
  {
    id: "K8S-POD-007",
    checkovNote:
      "Stricter: checkov's CKV_K8S_12 (Terraform; the manifest check of memory limits is CKV_K8S_13) reads `kubernetes_pod`; every workload type and every container is read here.",
    checkov: "CKV_K8S_12",
    severity: "warning",
    title: "Containers have a memory limit",
    types: WORKLOADS,
    appliesTo: WORKLOADS_LABEL,
    fix: 'Set resources { limits = { memory = "512Mi" } } (and requests).',
    check: eachContainer((c) =>
      get(c.config, "resources.limits.memory") !== undefined
        ? undefined
        : `${c.label} has no resources.limits.memory`,
    ),
  },
  {
    id: "K8S-POD-008",
    checkovNote:
      "Stricter: checkov's CKV_K8S_22 passes a container without security_context; every container must set it here, on every workload type.",
    checkov: "CKV_K8S_22",
    severity: "warning",
    title: "Containers have a read-only root filesystem",
    types: WORKLOADS,
    appliesTo: WORKLOADS_LABEL,
    fix: "Set security_context.read_only_root_filesystem = true and mount an emptyDir where the app writes.",
    check: eachContainer((c) =>
      flag(get(c.config, "security_context.read_only_root_filesystem")) === true
        ? undefined
        : `${c.label} does not set security_context.read_only_root_filesystem = true`,
    ),
  },
  {
    id: "K8S-POD-009",
    checkovNote:
      "Stricter: checkov's CKV_K8S_19 checks host_network only (host_pid is CKV_K8S_17, host_ipc CKV_K8S_18); this rule checks all three on every workload type.",
    checkov: "CKV_K8S_19",
    severity: "error",
    title: "Pods do not share the host's network, PID or IPC namespace",
    types: WORKLOADS,
    appliesTo: WORKLOADS_LABEL,
    fix: "Remove host_network, host_pid and host_ipc (or set them to false).",
    check: (r) => {
      const pod = podSpec(r);
      if (!pod) return violation("has no pod spec that can be read");
      return problemsVerdict(
        ["host_network", "host_pid", "host_ipc"].flatMap((k) => {
          const value = flag(pod[k]);
          return value === true
            ? [`${k} is true`]
            : value === "unknown"
              ? [`${k} cannot be verified`]
              : [];
        }),
      );
    },
  },
  {
    id: "CTR-IMG-001",
    checkovNote:
      "Stricter: checkov's CKV_K8S_14 reads `kubernetes_pod`; every workload type and `aws_ecs_task_definition` are read here, and a tag only known at apply time fails closed.",
    checkov: "CKV_K8S_14",
    severity: "error",
    title: "Container images are pinned (a tag other than latest, or a digest)",
    types: [...WORKLOADS, "aws_ecs_task_definition"],
    appliesTo: `${WORKLOADS_LABEL}, \`aws_ecs_task_definition\``,
    fix: "Reference images by a version tag or digest (repo/app:1.4.2 or repo/app@sha256:...), never latest or no tag.",
    check: (r) => {
      if (r.type === "aws_ecs_task_definition") {
        const text = r.config.container_definitions;
        let definitions: unknown;
        try {
          definitions = typeof text === "string" ? JSON.parse(text) : text;
        } catch {
          return violation(
            "container_definitions cannot be parsed, so its images cannot be verified",
          );
        }
        if (!Array.isArray(definitions))
          return violation("container_definitions cannot be verified (not a list)");
        return problemsVerdict(
          definitions.flatMap((d: Json, i) => {
            const problem = imageProblem(d?.image);
            return problem ? [`container ${show(d?.name ?? i)} ${problem}`] : [];
          }),
        );
      }
      return eachContainer((c) => {
        const problem = imageProblem(c.config.image);
        return problem ? `${c.label} ${problem}` : undefined;
      })(r);
    },
  },
  {
    id: "K8S-NS-001",
    severity: "warning",
    title: "Namespace has a NetworkPolicy in the same stack",
    types: NAMESPACES,
    fix: "Add a kubernetes_network_policy_v1 in the namespace: default-deny ingress, then allow what the workloads need.",
    check: (r, context) =>
      context.referencing(r, NETWORK_POLICIES, {
        attrs: ["metadata.namespace"],
        literal: get(r.config, "metadata.name"),
      }).length > 0
        ? COMPLIANT
        : violation(
            `namespace ${show(get(r.config, "metadata.name"))} has no NetworkPolicy: every pod accepts traffic from every other pod`,
          ),
  },
  {
    id: "K8S-SEC-001",
    severity: "error",
    title: "Kubernetes secrets hold no literal values",
    types: SECRETS,
    fix: "Fill the secret from a secret manager (External Secrets, the CSI driver) or from a generated value, never a literal in code.",
    check: (r) =>
      problemsVerdict(
        ["data", "binary_data", "data_wo"].flatMap((key) =>
          secretKeys(r.config[key]).map(
            (k) => `${key}["${k}"] holds a literal value: it is in the synthesized JSON and in git`,
          ),
        ),
      ),
  },
  {
    id: "K8S-SVC-001",
    severity: "warning",
    title: "LoadBalancer services restrict their source ranges",
    types: SERVICES,
    fix: "Set spec.load_balancer_source_ranges to the client CIDRs, or use an internal load balancer.",
    check: (r) => {
      if (get(r.config, "spec.type") !== "LoadBalancer") return NOT_APPLICABLE;
      const ranges = get(r.config, "spec.load_balancer_source_ranges");
      if (ranges === undefined || strings(ranges).length === 0) {
        return violation(
          "is a LoadBalancer without load_balancer_source_ranges: reachable from the internet",
        );
      }
      const world = includesWorld(ranges);
      if (world === true)
        return violation("load_balancer_source_ranges includes the whole internet");
      return world === "unknown"
        ? violation(`load_balancer_source_ranges ${show(ranges)} cannot be verified`)
        : COMPLIANT;
    },
  },
];
