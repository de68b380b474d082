/**
 * The shapes the policy engine works on. Everything here is plain data read from synthesized
 * Terraform JSON: nothing in the policy engine, its rules or the `review` CLI imports cdktf or a
 * provider package, so the CLI starts fast and reviews any output directory.
 */

/** A Terraform JSON object (`resource.<type>.<name>`, a nested block, ...). */
export type Json = Record<string, unknown>;

/** One resource (or data source) of a synthesized stack. */
export interface Resource {
  /** `google_compute_firewall`. */
  readonly type: string;
  /** The Terraform name, `firewall_allow-ssh_C3C7A764`. */
  readonly name: string;
  /** `type.name` (`data.type.name` for a data source). */
  readonly address: string;
  /** The resource's arguments, `//` comment included. */
  readonly config: Json;
  /** The construct path from `"//".metadata.path`, when cdktf wrote one. */
  readonly constructPath?: string;
}

/** One synthesized stack: `stacks/<name>/cdk.tf.json`. */
export interface SynthStack {
  readonly name: string;
  /** The stack file relative to the output directory, `stacks/<name>/cdk.tf.json`. */
  readonly file: string;
  readonly resources: readonly Resource[];
  readonly data: readonly Resource[];
  /** Resources and data sources by address. */
  readonly byAddress: ReadonlyMap<string, Resource>;
  /** The file's text, when read from disk (gives line numbers to SARIF). */
  readonly text?: string;
  /**
   * The stack's own `//` comment: opt-outs that concern the whole stack rather than one
   * resource (an unlisted region, say) are recorded there as `opt_outs`.
   */
  readonly comment?: Json;
}

export type Severity = "error" | "warning" | "info";

/** What a rule says about one resource. */
export type Verdict =
  | { readonly status: "compliant" }
  | { readonly status: "non-compliant"; readonly message: string }
  | { readonly status: "not-applicable" };

/** Read-only access to the rest of the stack, for rules about relations. */
export interface RuleContext {
  readonly stack: SynthStack;
  /** The resource a `${type.name.attr}` reference points to, when it is in the stack. */
  resolve(value: unknown): Resource | undefined;
  /**
   * Resources of the given types that point at `target`: one of their arguments (`attrs`, or any
   * argument when left out) references it, or holds the literal value `literal` (the target's
   * name, for arguments that take a name).
   */
  referencing(
    target: Resource,
    types: readonly string[],
    options?: { readonly attrs?: readonly string[]; readonly literal?: unknown },
  ): Resource[];
}

export interface Rule {
  /** `GCP-FW-001`. */
  readonly id: string;
  /** The matching checkov check, when there is one (`CKV_GCP_2`). */
  readonly checkov?: string;
  /**
   * How the rule deliberately differs from the checkov check of its ID (other resource types,
   * stricter defaults), or why it carries none; listed in help/policies.md. @default none
   */
  readonly checkovNote?: string;
  readonly severity: Severity;
  /** What a compliant resource looks like, one line. */
  readonly title: string;
  /** The resource types the rule applies to. */
  readonly types: readonly string[] | RegExp;
  /** How the docs name those types, when the list is long or a pattern. @default the list */
  readonly appliesTo?: string;
  /** How to fix a finding. */
  readonly fix: string;
  /** Rules about the review itself (suppressions) cannot be suppressed. */
  readonly unsuppressible?: boolean;
  /**
   * Opt-out IDs (`"//".opt_outs`, recorded by the constructs) that stand for a reviewed decision
   * on this risk: a finding on a resource with one is suppressed with the opt-out's reason.
   * @default none
   */
  readonly acceptedOptOuts?: readonly string[];
  check(resource: Resource, context: RuleContext): Verdict;
}

export interface Finding {
  readonly ruleId: string;
  readonly checkov?: string;
  readonly severity: Severity;
  readonly title: string;
  readonly stack: string;
  /** `type.name`. */
  readonly address: string;
  readonly constructPath?: string;
  readonly message: string;
  readonly fix: string;
  /** The reason given in the resource's `"//".suppressions`, when the finding is suppressed. */
  readonly suppressed?: string;
}

/** A `{ id, reason }` entry of `"//".opt_outs` or `"//".suppressions`. */
export interface ReasonRecord {
  readonly stack: string;
  readonly address: string;
  readonly constructPath?: string;
  readonly id: string;
  readonly reason: string;
}
