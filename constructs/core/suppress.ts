import { TerraformResource, type TerraformElement } from "cdktf";
import { invalid } from "./errors";
import { MIN_REASON_LENGTH } from "./opt-out";
import { RULES, ruleById } from "../../policy/rules";

/** A suppression as written into the JSON under the resource's `//` comment key. */
export interface SuppressionRecord {
  readonly id: string;
  readonly reason: string;
}

const records = new WeakMap<TerraformElement, SuppressionRecord[]>();

/**
 * Accepts one policy finding on one resource, with a reason a reviewer can judge. Written into the
 * synthesized JSON as `"//": { "suppressions": [{ "id": ..., "reason": ... }] }`, where the policy
 * check and the `review` report read it. Checked at synth time: the rule must exist and be
 * suppressible, the reason must have at least {@link MIN_REASON_LENGTH} characters, and a rule is
 * suppressed once per resource.
 *
 *     suppress(vm.instance, "GCP-VM-007", "bastion reached by the on-call team only, ticket OPS-123");
 */
export function suppress(resource: TerraformElement, ruleId: string, reason: string): void {
  if (!TerraformResource.isTerraformResource(resource)) {
    invalid(
      (resource as TerraformElement | undefined)?.node ? resource : "suppress",
      "resource",
      resource?.constructor?.name ?? resource,
      "is not a Terraform resource",
      "pass the provider resource the finding is about (the rules check resources), e.g. firewall.rules['allow-ssh']",
    );
  }
  const rule = typeof ruleId === "string" ? ruleById(ruleId) : undefined;
  if (!rule) {
    invalid(
      resource,
      "suppress(ruleId)",
      ruleId,
      "is not a policy rule",
      `use a rule ID from help/policies.md, e.g. ${RULES[0].id}`,
    );
  }
  if (rule.unsuppressible) {
    invalid(
      resource,
      "suppress(ruleId)",
      ruleId,
      "checks the suppressions themselves and cannot be suppressed",
      "fix the suppression it reports instead",
    );
  }
  const text = typeof reason === "string" ? reason.trim() : "";
  if (text.length < MIN_REASON_LENGTH) {
    invalid(
      resource,
      `suppress(${ruleId}).reason`,
      reason,
      `is too short to explain an accepted risk (${text.length} characters, at least ${MIN_REASON_LENGTH} needed)`,
      "write who accepted the risk and why, e.g. 'bastion reached by the on-call team only, ticket OPS-123'",
    );
  }
  const list = records.get(resource) ?? [];
  if (list.some((r) => r.id === ruleId)) {
    invalid(
      resource,
      "suppress(ruleId)",
      ruleId,
      "is already suppressed on this resource",
      "suppress a rule once per resource, with one reason",
    );
  }
  list.push({ id: ruleId, reason: text });
  records.set(resource, list);
  resource.addOverride(
    "//.suppressions",
    list.map((r) => ({ id: r.id, reason: r.reason })),
  );
}

/** The suppressions recorded on a resource so far. */
export function suppressionsOf(resource: TerraformElement): readonly SuppressionRecord[] {
  return records.get(resource) ?? [];
}
