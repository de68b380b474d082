import { contextOf, normalizedStack } from "./context";
import { loadOutdir } from "./load";
import { appliesTo, commentEntries, isValidReason, RULES, type ReasonEntry } from "./rules";
import type { Finding, ReasonRecord, Resource, Rule, Severity, SynthStack, Verdict } from "./types";

const SEVERITY_ORDER: Readonly<Record<Severity, number>> = { error: 0, warning: 1, info: 2 };

/**
 * Runs every rule over every resource of the stacks (an output directory is read first) and
 * returns the findings: one per non-compliant (rule, resource), sorted by severity, stack and
 * address. A finding whose resource carries a valid suppression for the rule has `suppressed`.
 */
export function evaluate(
  input: string | readonly SynthStack[],
  rules: readonly Rule[] = RULES,
): Finding[] {
  const stacks = typeof input === "string" ? loadOutdir(input) : input;
  const findings: Finding[] = [];
  for (const original of stacks) {
    const stack = normalizedStack(original);
    const context = contextOf(stack);
    for (const resource of stack.resources) {
      for (const rule of rules) {
        if (!appliesTo(rule, resource.type)) continue;
        const verdict = safeCheck(rule, resource, context);
        if (verdict.status !== "non-compliant") continue;
        const suppressed = rule.unsuppressible ? undefined : suppressionOf(resource, rule);
        findings.push({
          ruleId: rule.id,
          ...(rule.checkov ? { checkov: rule.checkov } : {}),
          severity: rule.severity,
          title: rule.title,
          stack: stack.name,
          address: resource.address,
          ...(resource.constructPath ? { constructPath: resource.constructPath } : {}),
          message: verdict.message,
          fix: rule.fix,
          ...(suppressed !== undefined ? { suppressed } : {}),
        });
      }
    }
  }
  return findings.sort(
    (a, b) =>
      SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
      a.stack.localeCompare(b.stack) ||
      a.address.localeCompare(b.address) ||
      a.ruleId.localeCompare(b.ruleId),
  );
}

/** A rule that throws on odd input fails closed: the resource is reported, not skipped. */
function safeCheck(rule: Rule, resource: Resource, context: ReturnType<typeof contextOf>): Verdict {
  try {
    return rule.check(resource, context);
  } catch (error) {
    return {
      status: "non-compliant",
      message: `could not be evaluated (${(error as Error).message})`,
    };
  }
}

function suppressionOf(resource: Resource, rule: Rule): string | undefined {
  const entry =
    commentEntries(resource, "suppressions").find(
      (e) => e.id === rule.id && isValidReason(e.reason),
    ) ??
    commentEntries(resource, "opt_outs").find(
      (e) => rule.acceptedOptOuts?.includes(String(e.id)) === true && isValidReason(e.reason),
    );
  return entry ? String(entry.reason).trim() : undefined;
}

/** Findings that fail a synth or a review: error level and not suppressed. */
export function blocking(findings: readonly Finding[]): Finding[] {
  return findings.filter((f) => f.severity === "error" && f.suppressed === undefined);
}

/** Every `"//".opt_outs` or `"//".suppressions` entry of the stacks, for the report. */
/** The address a stack-wide opt-out is reported under. */
export const STACK_ADDRESS = "(stack)";

export function reasonRecords(
  stacks: readonly SynthStack[],
  key: "opt_outs" | "suppressions",
): ReasonRecord[] {
  const record = (stack: SynthStack, address: string, e: ReasonEntry, constructPath?: string) => ({
    stack: stack.name,
    address,
    ...(constructPath ? { constructPath } : {}),
    id: String(e.id),
    reason: typeof e.reason === "string" ? e.reason : "",
  });
  return stacks.flatMap((stack) => [
    // Stack-wide opt-outs (PlatformStack's unlisted regions) come first, as "(stack)".
    ...(key === "opt_outs" && stack.comment
      ? commentEntries(
          { type: "", name: "", address: STACK_ADDRESS, config: { "//": stack.comment } },
          key,
        ).map((e) => record(stack, STACK_ADDRESS, e))
      : []),
    ...stack.resources.flatMap((r) =>
      commentEntries(r, key).map((e) => record(stack, r.address, e, r.constructPath)),
    ),
  ]);
}

export interface SynthCheckResult {
  /** Every finding, suppressed ones included. */
  readonly findings: readonly Finding[];
  /** The unsuppressed error-level findings: the synth fails when there is one. */
  readonly errors: readonly Finding[];
}

/**
 * The check `runApp` runs on the staging directory after synthesis and before the output is moved
 * into place. The synth fails when `errors` is not empty; {@link formatPolicyFailure} gives the
 * message.
 */
export function checkSynthesized(outdir: string): SynthCheckResult {
  const findings = evaluate(loadOutdir(outdir, { allowEmpty: true }));
  return { findings, errors: blocking(findings) };
}

/** One finding on two lines: what, where and how to fix it. */
export function formatFinding(f: Finding): string {
  const where = f.constructPath ? ` (${f.constructPath})` : "";
  const checkov = f.checkov ? ` [${f.checkov}]` : "";
  const suppressed = f.suppressed ? ` — suppressed: ${f.suppressed}` : "";
  return `${f.severity} ${f.ruleId}${checkov} ${f.stack} ${f.address}${where}: ${f.message}${suppressed}\n    Fix: ${f.fix}`;
}

/**
 * One unsuppressed warning on one line, as a successful synth prints it: rule, where, what and
 * the fix.
 */
export function formatWarningLine(f: Finding): string {
  const where = f.constructPath ? ` (${f.constructPath})` : "";
  return `WARN ${f.ruleId} ${f.stack} ${f.address}${where}: ${f.message} Fix: ${f.fix}`;
}

/** The unsuppressed findings below error level: what a passing synth still reports. */
export function openWarnings(result: SynthCheckResult): Finding[] {
  return result.findings.filter((f) => f.severity !== "error" && f.suppressed === undefined);
}

/** The message of a synth stopped by the policy check: every unsuppressed finding, errors first. */
export function formatPolicyFailure(result: SynthCheckResult): string {
  const open = result.findings.filter((f) => f.suppressed === undefined);
  const count = result.errors.length;
  return [
    `Policy check failed: ${count} error finding${count === 1 ? "" : "s"} (see help/policies.md).`,
    ...open.map((f) => `  ${formatFinding(f)}`),
    'Fix the resource, or accept the risk with suppress(resource, "<rule id>", "<reason, 20+ characters>") from constructs/core/suppress.ts.',
  ].join("\n");
}
