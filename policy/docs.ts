import * as fs from "node:fs";
import * as path from "node:path";
import type * as Prettier from "prettier";
import { evaluate } from "./engine";
import { loadOutdir } from "./load";
import { buildReview, renderMarkdown } from "./report";
import { RULES } from "./rules";
import type { Rule } from "./types";

/**
 * Generates the parts of the help pages that come from code: the rule table of help/policies.md
 * (from the rule metadata) and the sample report of help/review.md (from the reference stacks'
 * committed output in audit/). A test fails when either page is out of date.
 *
 *     npm run review:docs                  # rewrite both
 *     npm run review:docs -- --check       # exit 1 when either is stale
 *
 * (Prettier 3 loads its parsers with dynamic imports, which Jest cannot run without
 * --experimental-vm-modules, so the test runs `--check` as a child process.)
 */

const ROOT = path.resolve(__dirname, "..");
export const POLICIES_PAGE = path.join(ROOT, "help/policies.md");
export const REVIEW_PAGE = path.join(ROOT, "help/review.md");
export const RULES_MARKERS = [
  "<!-- rules:start (generated from the rule metadata: see docs.ts) -->",
  "<!-- rules:end -->",
] as const;
export const SAMPLE_MARKERS = [
  "<!-- sample:start (generated from the reference stacks: see docs.ts) -->",
  "<!-- sample:end -->",
] as const;

const GROUPS: readonly [string, RegExp][] = [
  ["Google Cloud", /^GCP-/],
  ["AWS", /^AWS-/],
  ["Kubernetes and containers", /^(K8S|CTR)-/],
  ["Every resource", /^GEN-/],
  ["Suppressions", /^POLICY-/],
];

function appliesTo(rule: Rule): string {
  if (rule.appliesTo) return rule.appliesTo;
  return Array.isArray(rule.types)
    ? rule.types.map((t) => `\`${t}\``).join(", ")
    : `\`${String(rule.types)}\``;
}

const escapeCell = (text: string): string => text.replace(/\|/g, "\\|");

/** The rule tables, one per group, as Markdown (before formatting). */
export function rulesMarkdown(rules: readonly Rule[] = RULES): string {
  return GROUPS.map(([title, pattern]) => {
    const rows = rules
      .filter((r) => pattern.test(r.id))
      .map((r) =>
        [r.id, r.checkov ?? "—", r.severity, r.title, appliesTo(r), r.fix]
          .map(escapeCell)
          .join(" | "),
      );
    const notes = rules
      .filter((r) => pattern.test(r.id) && r.checkovNote)
      .map((r) => `- **${r.id}**${r.checkov ? ` (${r.checkov})` : ""}: ${r.checkovNote}`);
    return [
      `### ${title}`,
      "",
      "| ID | Checkov | Severity | Checks that | Applies to | Fix |",
      "| --- | --- | --- | --- | --- | --- |",
      ...rows.map((row) => `| ${row} |`),
      ...(notes.length > 0
        ? ["", "Where these rules deliberately differ from checkov:", "", ...notes]
        : []),
    ].join("\n");
  }).join("\n\n");
}

/** Replaces the text between two marker lines. */
export function replaceBetween(
  page: string,
  [start, end]: readonly [string, string],
  content: string,
): string {
  const from = page.indexOf(start);
  const to = page.indexOf(end);
  if (from < 0 || to < from) throw new Error(`markers ${start} … ${end} not found`);
  return `${page.slice(0, from + start.length)}\n\n${content.trim()}\n\n${page.slice(to)}`;
}

/** Formats Markdown the way `npm run format` does. */
export async function formatMarkdown(text: string, file: string): Promise<string> {
  // Loaded here, not at the top: importing prettier 3 inside Jest fails (see above).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const prettier = require("prettier") as typeof Prettier;
  const config = (await prettier.resolveConfig(file)) ?? {};
  return prettier.format(text, { ...config, parser: "markdown" });
}

/** help/policies.md as it should be. */
export async function expectedPoliciesPage(
  current = fs.readFileSync(POLICIES_PAGE, "utf8"),
): Promise<string> {
  return formatMarkdown(replaceBetween(current, RULES_MARKERS, rulesMarkdown()), POLICIES_PAGE);
}

/**
 * The review report of the reference stacks, from their committed output in `audit/` (which a
 * test keeps identical to a fresh synth, so the sample is always current when that test passes).
 */
export function sampleReport(): string {
  const stacks = loadOutdir(path.join(ROOT, "audit"));
  return renderMarkdown(buildReview("audit", stacks, evaluate(stacks)));
}

async function expectedReviewPage(): Promise<string> {
  const page = fs.readFileSync(REVIEW_PAGE, "utf8");
  const block = `\`\`\`\`markdown\n${sampleReport()}\`\`\`\``;
  return formatMarkdown(replaceBetween(page, SAMPLE_MARKERS, block), REVIEW_PAGE);
}

async function main(): Promise<void> {
  const expected = await expectedPoliciesPage();
  const review = await expectedReviewPage();
  if (process.argv.includes("--check")) {
    if (fs.readFileSync(POLICIES_PAGE, "utf8") !== expected) {
      process.stderr.write(
        "docs: help/policies.md is out of date with the rule metadata; run npm run review:docs\n",
      );
      process.exitCode = 1;
    }
    if (fs.readFileSync(REVIEW_PAGE, "utf8") !== review) {
      process.stderr.write(
        "docs: the sample report in help/review.md is out of date with audit/; run npm run review:docs\n",
      );
      process.exitCode = 1;
    }
    return;
  }
  fs.writeFileSync(POLICIES_PAGE, expected);
  fs.writeFileSync(REVIEW_PAGE, review);
}

if (require.main === module) {
  main().catch((error: Error) => {
    process.stderr.write(`docs: ${error.message}\n`);
    process.exitCode = 1;
  });
}
