import { MIN_REASON_LENGTH } from "../../vocabulary";
import type { Resource, Rule } from "../types";
import { isObject, problemsVerdict, show } from "../values";
import { AWS_RULES } from "./aws";
import { COMMON_RULES } from "./common";
import { GCP_RULES } from "./gcp";
import { K8S_RULES } from "./k8s";

/** A suppression or opt-out entry of a resource's `//` comment. */
export interface ReasonEntry {
  readonly id: unknown;
  readonly reason: unknown;
}

/** The entries of `"//".suppressions` (or `"//".opt_outs`) of a resource. */
export function commentEntries(
  resource: Resource,
  key: "suppressions" | "opt_outs",
): ReasonEntry[] {
  const comment = resource.config["//"];
  const list = isObject(comment) ? comment[key] : undefined;
  return Array.isArray(list)
    ? list.map((e) => (isObject(e) ? { id: e.id, reason: e.reason } : { id: e, reason: undefined }))
    : [];
}

/** Whether a suppression's reason is long enough to suppress (same bar as opt-outs). */
export function isValidReason(reason: unknown): reason is string {
  return typeof reason === "string" && reason.trim().length >= MIN_REASON_LENGTH;
}

const RESOURCE_RULES: readonly Rule[] = [...GCP_RULES, ...AWS_RULES, ...K8S_RULES, ...COMMON_RULES];
const KNOWN = new Set(RESOURCE_RULES.map((r) => r.id));

/** Rules about the suppressions themselves; they cannot be suppressed. */
const POLICY_RULES: readonly Rule[] = [
  {
    id: "POLICY-001",
    severity: "error",
    title: `Suppressions give a reason of at least ${MIN_REASON_LENGTH} characters`,
    types: /.*/,
    appliesTo: "every resource",
    unsuppressible: true,
    fix: 'Say who accepted the risk and why, e.g. suppress(vm, "GCP-VM-007", "bastion host reached by the on-call team, ticket OPS-123").',
    check: (r) =>
      problemsVerdict(
        commentEntries(r, "suppressions")
          .filter((e) => KNOWN.has(String(e.id)) && !isValidReason(e.reason))
          .map(
            (e) =>
              `the suppression of ${e.id} has reason ${show(e.reason)}, too short to suppress it`,
          ),
      ),
  },
  {
    id: "POLICY-002",
    severity: "error",
    title: "Suppressions name an existing rule",
    types: /.*/,
    appliesTo: "every resource",
    unsuppressible: true,
    fix: 'Use a rule ID from help/policies.md in "//".suppressions (suppress() checks this at synth time).',
    check: (r) =>
      problemsVerdict(
        commentEntries(r, "suppressions")
          .filter((e) => !KNOWN.has(String(e.id)))
          .map((e) =>
            /^POLICY-\d+$/.test(String(e.id))
              ? `the suppression names ${e.id}, which checks the suppressions and cannot be suppressed`
              : `the suppression names ${show(e.id)}, which is not a rule`,
          ),
      ),
  },
];

/** Every rule, in the order of help/policies.md. */
export const RULES: readonly Rule[] = [...RESOURCE_RULES, ...POLICY_RULES];

const BY_ID = new Map(RULES.map((r) => [r.id, r]));

/** The rule with an ID, if any. */
export function ruleById(id: string): Rule | undefined {
  return BY_ID.get(id);
}

/** Whether a rule applies to a resource type. */
export function appliesTo(rule: Rule, type: string): boolean {
  return Array.isArray(rule.types) ? rule.types.includes(type) : (rule.types as RegExp).test(type);
}
