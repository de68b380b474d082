import type { IConstruct } from "constructs";
import { type TerraformElement } from "cdktf";
import { invalid } from "./errors";

/**
 * An explicit, reviewed decision to do something the library refuses by default (SSH from the
 * world, a subnet outside RFC 1918, ...). The reason is written into the synthesized JSON next to
 * the resource it affects, so the review report and `git blame` show who accepted what and why.
 */
export interface OptOut {
  /** Why this is acceptable here: at least {@link MIN_REASON_LENGTH} characters. */
  readonly reason: string;
}

import { MIN_REASON_LENGTH } from "../../vocabulary";

export { MIN_REASON_LENGTH };

/** An opt-out as written into the JSON under the resource's `//` comment key. */
export interface OptOutRecord {
  /** What was opted out of, e.g. `ssh-from-world`. */
  readonly id: string;
  readonly reason: string;
}

/**
 * Checks an opt-out given in props. Returns false when none was given; throws when the reason is
 * missing or too short; returns true when the opt-out is valid.
 */
export function acceptOptOut(
  scope: IConstruct,
  property: string,
  optOut: OptOut | undefined,
): optOut is OptOut {
  if (optOut === undefined) return false;
  const reason = typeof optOut?.reason === "string" ? optOut.reason.trim() : "";
  if (reason.length < MIN_REASON_LENGTH) {
    invalid(
      scope,
      `${property}.reason`,
      optOut?.reason,
      `is too short to explain an insecure choice (${reason.length} characters, at least ${MIN_REASON_LENGTH} needed)`,
      "write who accepted the risk and why, e.g. { reason: 'break-glass access for the on-call team, ticket OPS-123' }",
    );
  }
  return true;
}

const records = new WeakMap<TerraformElement, OptOutRecord[]>();

/**
 * Writes an opt-out into the synthesized JSON of a resource, as
 * `"//": { "opt_outs": [{ "id": ..., "reason": ... }] }`. Terraform ignores `//` keys.
 */
export function recordOptOut(element: TerraformElement, id: string, optOut: OptOut): void {
  const list = records.get(element) ?? [];
  list.push({ id, reason: optOut.reason.trim() });
  records.set(element, list);
  element.addOverride(
    "//.opt_outs",
    list.map((r) => ({ id: r.id, reason: r.reason })),
  );
}

/** The opt-outs recorded on a resource so far. */
export function optOutsOf(element: TerraformElement): readonly OptOutRecord[] {
  return records.get(element) ?? [];
}
