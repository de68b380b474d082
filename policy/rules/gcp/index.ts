// The GCP rules, one module per service; this order is the order of help/policies.md.
import type { Rule } from "../../types";
import { firewallRules } from "./firewall";
import { networkRules } from "./network";
import { sqlRules } from "./cloud-sql";
import { computeRules, fromTemplate } from "./compute";
import { iamRules } from "./iam";
import { storageRules } from "./storage";
import { gkeRules } from "./gke";
import { buildRules } from "./cloud-build";

// The review's IAM table reads grants the way the IAM rules do.
export { grantsOf, type Grant } from "./iam";

export const GCP_RULES: readonly Rule[] = [
  ...firewallRules,
  ...networkRules,
  ...sqlRules,
  ...computeRules.map((rule) => ({ ...rule, check: fromTemplate(rule.check) })),
  ...iamRules,
  ...storageRules,
  ...gkeRules,
  ...buildRules,
];
