import type { ReviewDiff } from "./diff";
import { reasonRecords } from "./engine";
import {
  exposureTable,
  iamTable,
  protectionTable,
  resourceCounts,
  type ExposureRow,
  type GrantRow,
  type Protection,
  type ProtectionColumn,
  type ProtectionRow,
} from "./inventory";
import { networkDiagram } from "./mermaid";
import type { Finding, ReasonRecord, SynthStack } from "./types";

/** Bumped when the JSON report changes shape. */
export const REPORT_VERSION = 1;

export interface StackReview {
  readonly name: string;
  /** `stacks/<name>/cdk.tf.json`, relative to the output directory. */
  readonly file: string;
  readonly resourceCounts: readonly { type: string; count: number }[];
  readonly exposure: readonly ExposureRow[];
  readonly iam: readonly GrantRow[];
  readonly dataProtection: readonly ProtectionRow[];
  readonly findings: readonly Finding[];
  readonly suppressions: readonly ReasonRecord[];
  readonly optOuts: readonly ReasonRecord[];
  /** A Mermaid flowchart of the network, when the stack has one. */
  readonly network?: string;
}

/** Everything the review found: the `--format json` output, and what the other formats render. */
export interface Review {
  readonly version: number;
  readonly dir: string;
  /** `fail` when an error-level finding is not suppressed. */
  readonly result: "pass" | "fail";
  readonly summary: {
    readonly stacks: number;
    readonly resources: number;
    readonly errors: number;
    readonly warnings: number;
    readonly info: number;
    readonly suppressed: number;
  };
  readonly findings: readonly Finding[];
  readonly stacks: readonly StackReview[];
  readonly diff?: ReviewDiff;
}

export function buildReview(
  dir: string,
  stacks: readonly SynthStack[],
  findings: readonly Finding[],
  diff?: ReviewDiff,
): Review {
  const open = findings.filter((f) => f.suppressed === undefined);
  const count = (severity: Finding["severity"]): number =>
    open.filter((f) => f.severity === severity).length;
  return {
    version: REPORT_VERSION,
    dir,
    result: count("error") > 0 ? "fail" : "pass",
    summary: {
      stacks: stacks.length,
      resources: stacks.reduce((n, s) => n + s.resources.length, 0),
      errors: count("error"),
      warnings: count("warning"),
      info: count("info"),
      suppressed: findings.length - open.length,
    },
    findings,
    stacks: stacks.map((s) => {
      const network = networkDiagram(s);
      return {
        name: s.name,
        file: s.file,
        resourceCounts: resourceCounts(s),
        exposure: exposureTable(s),
        iam: iamTable(s),
        dataProtection: protectionTable(s),
        findings: findings.filter((f) => f.stack === s.name),
        suppressions: reasonRecords([s], "suppressions"),
        optOuts: reasonRecords([s], "opt_outs"),
        ...(network ? { network } : {}),
      };
    }),
    ...(diff ? { diff } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Markdown

/** A table cell: one line, pipes escaped. */
function cell(value: unknown): string {
  const text = typeof value === "string" ? value : (JSON.stringify(value) ?? "");
  return text.replace(/\r?\n/g, " ").replace(/\|/g, "\\|") || " ";
}
const code = (text: string): string => (text ? `\`${text.replace(/`/g, "'")}\`` : " ");

function table(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  empty: string,
): string {
  if (rows.length === 0) return `_${empty}_`;
  return [
    `| ${headers.join(" | ")} |`,
    `| ${headers.map(() => "---").join(" | ")} |`,
    ...rows.map((r) => `| ${r.map(cell).join(" | ")} |`),
  ].join("\n");
}

const plural = (n: number, one: string): string => `${n} ${one}${n === 1 ? "" : "s"}`;

function value(v: unknown): string {
  if (v === undefined) return "(absent)";
  const text = JSON.stringify(v) ?? String(v);
  return code(text.length > 100 ? `${text.slice(0, 97)}...` : text);
}

/**
 * Before and after cells. For multi-line strings (startup scripts) only the first line that
 * differs, from a little before the first differing character.
 */
function beforeAfter(before: unknown, after: unknown): [string, string] {
  if (
    typeof before !== "string" ||
    typeof after !== "string" ||
    !`${before}${after}`.includes("\n")
  ) {
    return [value(before), value(after)];
  }
  const a = before.split("\n");
  const b = after.split("\n");
  const index = Math.max(
    0,
    a.findIndex((l, i) => l !== b[i]),
  );
  const [x, y] = [a[index] ?? "", b[index] ?? ""];
  let common = 0;
  while (common < x.length && x[common] === y[common]) common++;
  const from = Math.max(0, common - 30);
  const cut = (text: string): string => (from > 0 ? `…${text.slice(from)}` : text);
  return [`line ${index + 1}: ${value(cut(x))}`, `line ${index + 1}: ${value(cut(y))}`];
}

const COLUMNS: readonly [ProtectionColumn, string][] = [
  ["backups", "Backups"],
  ["pitr", "PITR"],
  ["retention", "Retention"],
  ["deletion", "Deletion protection"],
  ["encryption", "Encryption"],
  ["versioning", "Versioning"],
];

function protectionCell(protections: readonly Protection[], column: ProtectionColumn): string {
  const parts = protections
    .filter((p) => p.column === column)
    .map((p) => {
      const state =
        p.value === undefined
          ? ""
          : p.value === "unknown"
            ? "unverified"
            : p.value
              ? "on"
              : "**off**";
      const shown = p.text ?? state;
      const detail = p.text && p.value === false ? `**${p.text}**` : shown;
      return p.label ? `${p.label}: ${detail}` : detail;
    });
  return parts.length > 0 ? parts.join(", ") : "—";
}

function findingsTable(findings: readonly Finding[]): string {
  return table(
    ["Severity", "Rule", "Resource", "Message", "Fix"],
    findings.map((f) => [
      f.severity,
      `${f.ruleId}${f.checkov ? ` (${f.checkov})` : ""}`,
      code(f.address),
      f.message,
      f.fix,
    ]),
    "No findings.",
  );
}

function diffSection(diff: ReviewDiff): string[] {
  const lines = [`## Changes since \`${diff.base}\``, "", "### Security-relevant changes", ""];
  lines.push(
    table(
      ["Change", "Stack", "Resource", "What"],
      diff.security.map((s) => [s.category, s.stack, code(s.address), s.message]),
      "No security-relevant changes.",
    ),
    "",
  );
  if (diff.stacksAdded.length > 0)
    lines.push(`Stacks added: ${diff.stacksAdded.map(code).join(", ")}`, "");
  if (diff.stacksRemoved.length > 0)
    lines.push(`Stacks removed: ${diff.stacksRemoved.map(code).join(", ")}`, "");
  lines.push("### Resources added, removed and changed", "");
  const rows = diff.resources.flatMap((r) =>
    r.status === "changed"
      ? r.changes.map((c) => [
          r.status,
          r.stack,
          code(r.address),
          code(c.path),
          ...beforeAfter(c.before, c.after),
        ])
      : [[r.status, r.stack, code(r.address), "", "", ""]],
  );
  lines.push(
    table(
      ["Change", "Stack", "Resource", "Attribute", "Before", "After"],
      rows,
      "No resource changes.",
    ),
    "",
  );
  return lines;
}

/**
 * A stack's heading and open findings, always in view; everything else (exposure, IAM, data
 * protection, network, suppressions, resources) is in its collapsed inventory
 * ({@link stackInventory}), so a reviewer sees what needs action first.
 */
function stackHead(s: StackReview): string[] {
  const open = s.findings.filter((f) => f.suppressed === undefined);
  return [`## Stack \`${s.name}\``, "", "### Findings", "", findingsTable(open), ""];
}

/** The one-line summary of a stack's inventory. */
function inventorySummary(s: StackReview): string {
  const suppressed = s.findings.filter((f) => f.suppressed !== undefined);
  return `Inventory of <code>${s.name}</code>: ${plural(s.exposure.length, "exposure")}, ${plural(s.iam.length, "IAM grant")}, ${plural(s.dataProtection.length, "stateful resource")}, ${suppressed.length + s.optOuts.length} suppressed or opted out`;
}

/** An inventory left out to keep the report within a comment: its summary and how to see it. */
function inventoryLeftOut(s: StackReview, dir: string): string[] {
  return [
    "<details>",
    `<summary>${inventorySummary(s)}</summary>`,
    "",
    `Left out so that the report fits a pull request comment: \`npm run review -- ${dir} --stack ${s.name}\` prints it, and \`--format json\` has every table.`,
    "",
    "</details>",
    "",
  ];
}

/** A stack's inventory (exposure, IAM, data protection, network, suppressions, counts), collapsed. */
function stackInventory(s: StackReview): string[] {
  const suppressed = s.findings.filter((f) => f.suppressed !== undefined);
  const lines = ["<details>", `<summary>${inventorySummary(s)}</summary>`, ""];
  lines.push(
    "### Exposure",
    "",
    table(
      ["Kind", "Resource", "From", "Ports", "To"],
      s.exposure.map((e) => [e.kind, code(e.address), e.from.join(", "), e.ports, e.to]),
      "Nothing is reachable from outside the network.",
    ),
    "",
  );
  lines.push(
    "### IAM",
    "",
    table(
      ["Member", "Role", "On", "Condition", "Resource"],
      s.iam.map((g) => [
        g.member,
        g.role,
        g.on,
        g.condition ?? "—",
        `${code(g.address)}${g.authoritative ? " (authoritative)" : ""}`,
      ]),
      "No IAM grants.",
    ),
    "",
  );
  lines.push(
    "### Data protection",
    "",
    table(
      ["Resource", "Kind", ...COLUMNS.map(([, title]) => title), "Notes"],
      s.dataProtection.map((p) => [
        `${p.name} (${code(p.address)})`,
        p.kind,
        ...COLUMNS.map(([column]) => protectionCell(p.protections, column)),
        p.notes.join(", "),
      ]),
      "No stateful resources.",
    ),
    "",
  );
  if (s.network) lines.push("### Network", "", "```mermaid", s.network, "```", "");
  lines.push(
    "### Suppressions and opt-outs",
    "",
    table(
      ["Kind", "ID", "Resource", "Reason"],
      [
        ...suppressed.map((f) => [
          "suppressed finding",
          `${f.ruleId} (${f.severity})`,
          code(f.address),
          f.suppressed ?? "",
        ]),
        ...s.suppressions
          .filter((r) => !suppressed.some((f) => f.ruleId === r.id && f.address === r.address))
          .map((r) => [
            "suppression (nothing to suppress, or reason too short)",
            r.id,
            code(r.address),
            r.reason,
          ]),
        ...s.optOuts.map((o) => ["opt-out", o.id, code(o.address), o.reason]),
      ],
      "None.",
    ),
    "",
  );
  lines.push(
    "### Resources",
    "",
    table(
      ["Type", "Count"],
      s.resourceCounts.map((c) => [code(c.type), String(c.count)]),
      "No resources.",
    ),
    "",
    "</details>",
    "",
  );
  return lines;
}

/**
 * GitHub's limit on a comment's body, in characters: the Markdown report is posted as one.
 */
export const COMMENT_LIMIT = 65_536;

/**
 * The Markdown report: summary, changes (security first), then one section per stack, within
 * `limit` characters (a pull request comment). When the whole report is longer, the largest
 * stack inventories are replaced by their one-line summary and the command that prints them,
 * until it fits; the summary, the changes and every open finding stay. If even those do not fit,
 * the report is cut at a line with a note saying so.
 */
export function renderMarkdown(review: Review, limit: number = COMMENT_LIMIT): string {
  const head = reportHead(review);
  const heads = review.stacks.map(stackHead);
  const inventories = review.stacks.map(stackInventory);
  const join = (parts: string[][]) => `${parts.flat().join("\n").trimEnd()}\n`;
  const assemble = () =>
    join([head, ...review.stacks.flatMap((_, i) => [heads[i], inventories[i]])]);
  let text = assemble();
  const bySize = review.stacks
    .map((_, i) => ({ i, size: inventories[i].join("\n").length }))
    .sort((a, b) => b.size - a.size);
  for (const { i } of bySize) {
    if (text.length <= limit) break;
    inventories[i] = inventoryLeftOut(review.stacks[i], review.dir);
    text = assemble();
  }
  if (text.length <= limit) return text;
  const note = `\n_The report is cut here: it is longer than a pull request comment allows (${limit} characters). \`--format json\` has all of it._\n`;
  const cut = text.lastIndexOf("\n", limit - note.length);
  return `${text.slice(0, Math.max(cut, 0))}\n${note}`;
}

/** The report's title, summary table and changes since the base. */
function reportHead(review: Review): string[] {
  const { summary } = review;
  const verdict = review.result === "pass" ? "**PASS**" : "**FAIL**";
  const lines = [
    "# Infrastructure review",
    "",
    `${code(review.dir)}: ${plural(summary.stacks, "stack")}, ${plural(summary.resources, "resource")}. ${verdict}: ${plural(summary.errors, "error")}, ${plural(summary.warnings, "warning")}, ${summary.info} info, ${summary.suppressed} suppressed.`,
    "",
    table(
      ["Stack", "Resources", "Errors", "Warnings", "Suppressed", "Opt-outs"],
      review.stacks.map((s) => {
        const open = s.findings.filter((f) => f.suppressed === undefined);
        return [
          code(s.name),
          String(s.resourceCounts.reduce((n, c) => n + c.count, 0)),
          String(open.filter((f) => f.severity === "error").length),
          String(open.filter((f) => f.severity === "warning").length),
          String(s.findings.length - open.length),
          String(s.optOuts.length),
        ];
      }),
      "No stacks.",
    ),
    "",
  ];
  if (review.diff) lines.push(...diffSection(review.diff));
  return lines;
}
