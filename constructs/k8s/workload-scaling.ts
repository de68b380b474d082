/**
 * How many pods a {@link Workload} runs and how they change: the replica count or the
 * HorizontalPodAutoscaler (metrics and scaling behaviour), the PodDisruptionBudget, and the
 * rolling update. Each is checked against the others here, so that no setting blocks a rollout
 * or a node drain (`constructs/k8s/workload.ts`).
 */
import type { Construct } from "constructs";
import type {
  HorizontalPodAutoscalerV2SpecBehavior,
  HorizontalPodAutoscalerV2SpecMetric,
} from "@cdktf/provider-kubernetes/lib/horizontal-pod-autoscaler-v2";
import { whole } from "../core/checks";
import { invalid } from "../core/errors";
import type {
  DisruptionProps,
  RollingUpdateProps,
  ScalingBehavior,
  SelectPolicy,
  WorkloadProps,
} from "./workload-props";

const PERCENT = /^(0|[1-9][0-9]*)%$/;
const DEFAULT_SCALE_UP: Required<Omit<ScalingBehavior, "selectPolicy">> & {
  selectPolicy: SelectPolicy;
} = {
  stabilizationWindowSeconds: 0,
  policies: [
    { type: "Percent", value: 100, periodSeconds: 60 },
    { type: "Pods", value: 4, periodSeconds: 60 },
  ],
  selectPolicy: "Max",
};
const DEFAULT_SCALE_DOWN: typeof DEFAULT_SCALE_UP = {
  stabilizationWindowSeconds: 300,
  policies: [
    { type: "Percent", value: 50, periodSeconds: 60 },
    { type: "Pods", value: 2, periodSeconds: 60 },
  ],
  selectPolicy: "Min",
};

/** Whole number or percentage, in [0, max%]. */
function intOrPercent(
  scope: Construct,
  property: string,
  value: unknown,
  allowZero: boolean,
): string {
  const ok =
    (Number.isInteger(value) && (value as number) >= (allowZero ? 0 : 1)) ||
    (typeof value === "string" &&
      PERCENT.test(value) &&
      parseInt(value, 10) <= 100 &&
      (allowZero || parseInt(value, 10) > 0));
  if (!ok) {
    invalid(
      scope,
      property,
      value,
      "is not a number of pods or a percentage",
      `give a whole number${allowZero ? "" : " above 0"} or a percentage such as "25%"`,
    );
  }
  return String(value);
}

/**
 * The Deployment's rolling update: `maxSurge` 25% and `maxUnavailable` 0 unless given, refused
 * when neither lets a rollout start.
 */
export function rollingUpdateOf(scope: Construct, r: RollingUpdateProps | undefined) {
  const maxSurge = intOrPercent(scope, "rollingUpdate.maxSurge", r?.maxSurge ?? "25%", true);
  const maxUnavailable = intOrPercent(
    scope,
    "rollingUpdate.maxUnavailable",
    r?.maxUnavailable ?? 0,
    true,
  );
  if (parseInt(maxSurge, 10) === 0 && parseInt(maxUnavailable, 10) === 0) {
    invalid(
      scope,
      "rollingUpdate",
      r,
      "allows neither a surge nor an unavailable pod, so a rollout cannot start",
      "let maxSurge or maxUnavailable be above 0",
    );
  }
  return { maxSurge, maxUnavailable };
}

/**
 * The replica count, or the autoscaler's range, metrics (CPU at 70% when none is given) and
 * behaviour, and the PodDisruptionBudget that goes with them: a fixed `replicas` (2 unless given)
 * and `autoscaling` exclude each other, and no budget may keep every pod of the minimum.
 */
export function scalingOf(scope: Construct, props: WorkloadProps) {
  const a = props.autoscaling;
  if (a !== undefined && props.replicas !== undefined) {
    invalid(
      scope,
      "replicas",
      props.replicas,
      "is given together with autoscaling, which sets the replica count",
      "drop replicas; the autoscaler starts at autoscaling.min",
    );
  }
  let replicas: number;
  let metrics: HorizontalPodAutoscalerV2SpecMetric[] = [];
  let behavior: HorizontalPodAutoscalerV2SpecBehavior | undefined;
  if (a !== undefined) {
    const min = whole(scope, "autoscaling.min", a.min, 1, 1000);
    const max = whole(scope, "autoscaling.max", a.max, 1, 1000);
    if (min > max) {
      invalid(
        scope,
        "autoscaling.min",
        a.min,
        `is above autoscaling.max (${a.max})`,
        "make min at most max",
      );
    }
    const cpu = a.cpuPercent ?? (a.memoryPercent === undefined ? 70 : undefined);
    const resource = (name: string, percent: number) => ({
      type: "Resource",
      resource: { name, target: { type: "Utilization", averageUtilization: percent } },
    });
    if (cpu !== undefined)
      metrics.push(resource("cpu", whole(scope, "autoscaling.cpuPercent", cpu, 1, 100)));
    if (a.memoryPercent !== undefined) {
      metrics.push(
        resource("memory", whole(scope, "autoscaling.memoryPercent", a.memoryPercent, 1, 100)),
      );
    }
    behavior = {
      scaleUp: [
        behaviorOf(scope, "autoscaling.scaleUp", a.scaleUp, DEFAULT_SCALE_UP, a.selectPolicy),
      ],
      scaleDown: [
        behaviorOf(scope, "autoscaling.scaleDown", a.scaleDown, DEFAULT_SCALE_DOWN, a.selectPolicy),
      ],
    };
    replicas = min;
  } else {
    replicas = whole(scope, "replicas", props.replicas ?? 2, 1, 1000);
    metrics = [];
  }
  const disruption = disruptionOf(scope, props.disruption, replicas, a !== undefined);
  return {
    replicas,
    autoscaling: a !== undefined ? { min: replicas, max: a.max } : undefined,
    metrics,
    behavior,
    disruption,
  };
}

/** One direction of the autoscaler's behaviour: the defaults, with what was given checked. */
function behaviorOf(
  scope: Construct,
  property: string,
  given: ScalingBehavior | undefined,
  defaults: typeof DEFAULT_SCALE_UP,
  shared: SelectPolicy | undefined,
) {
  const select = given?.selectPolicy ?? shared ?? defaults.selectPolicy;
  if (select !== "Max" && select !== "Min" && select !== "Disabled") {
    invalid(
      scope,
      given?.selectPolicy !== undefined ? `${property}.selectPolicy` : "autoscaling.selectPolicy",
      select,
      "is not a select policy",
      'use "Max", "Min" or "Disabled"',
    );
  }
  const window = given?.stabilizationWindowSeconds ?? defaults.stabilizationWindowSeconds;
  if (!Number.isInteger(window) || window < 0 || window > 3600) {
    invalid(
      scope,
      `${property}.stabilizationWindowSeconds`,
      window,
      "is not a whole number of seconds from 0 to 3600",
      "give 0 to 3600",
    );
  }
  const policies = given?.policies ?? defaults.policies;
  if (policies.length === 0) {
    invalid(
      scope,
      `${property}.policies`,
      policies,
      "is empty",
      'list at least one policy, or set selectPolicy: "Disabled" to stop scaling this way',
    );
  }
  policies.forEach((p, i) => {
    const at = `${property}.policies[${i}]`;
    if (p.type !== "Percent" && p.type !== "Pods") {
      invalid(scope, `${at}.type`, p.type, "is not a policy type", 'use "Percent" or "Pods"');
    }
    if (!Number.isInteger(p.value) || p.value < 1) {
      invalid(scope, `${at}.value`, p.value, "is not a positive whole number", "give 1 or more");
    }
    if (!Number.isInteger(p.periodSeconds) || p.periodSeconds < 1 || p.periodSeconds > 1800) {
      invalid(
        scope,
        `${at}.periodSeconds`,
        p.periodSeconds,
        "is not a whole number of seconds from 1 to 1800",
        "give 1 to 1800",
      );
    }
  });
  return {
    stabilizationWindowSeconds: window,
    selectPolicy: select,
    policy: policies.map((p) => ({
      type: p.type,
      value: p.value,
      periodSeconds: p.periodSeconds,
    })),
  };
}

/**
 * The PodDisruptionBudget: `maxUnavailable: 1` unless given; `minAvailable` only when it leaves a
 * pod of the minimum evictable.
 */
function disruptionOf(
  scope: Construct,
  d: DisruptionProps | undefined,
  minReplicas: number,
  autoscaled: boolean,
) {
  const minProp = autoscaled ? "autoscaling.min" : "replicas";
  if (d?.minAvailable !== undefined && d?.maxUnavailable !== undefined) {
    invalid(
      scope,
      "disruption",
      d,
      "sets both minAvailable and maxUnavailable",
      "set one of them (maxUnavailable: 1 never blocks a node drain)",
    );
  }
  if (d?.minAvailable !== undefined) {
    const min = intOrPercent(scope, "disruption.minAvailable", d.minAvailable, false);
    if (!min.endsWith("%") && Number(min) > minReplicas) {
      invalid(
        scope,
        minProp,
        minReplicas,
        `is below the PodDisruptionBudget's minAvailable (${min}), so no pod could ever be evicted`,
        `raise ${minProp} above ${min}, or lower disruption.minAvailable below ${minReplicas}`,
      );
    }
    // Kubernetes rounds a percentage of minAvailable up: 50% of 1 pod keeps that pod.
    const kept = min.endsWith("%")
      ? Math.ceil((parseInt(min, 10) * minReplicas) / 100)
      : Number(min);
    if (kept >= minReplicas) {
      invalid(
        scope,
        "disruption.minAvailable",
        d.minAvailable,
        `keeps all ${minReplicas} pod(s) of ${minProp}, so it blocks every node drain`,
        `keep minAvailable below ${minProp} (${minReplicas}), or use maxUnavailable: 1`,
      );
    }
    return { minAvailable: min };
  }
  return {
    maxUnavailable: intOrPercent(scope, "disruption.maxUnavailable", d?.maxUnavailable ?? 1, false),
  };
}
