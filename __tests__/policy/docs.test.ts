/** @slow runs the docs command as a process */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { POLICIES_PAGE, REVIEW_PAGE, rulesMarkdown, SAMPLE_MARKERS } from "../../policy/docs";
import { RULES } from "../../policy/rules";
import { referenceStackNames } from "../../stacks";
import { ROOT } from "./helpers";

describe("help/policies.md", () => {
  const page = fs.readFileSync(POLICIES_PAGE, "utf8");

  it("is up to date with the rule metadata (regenerate: node -r @swc-node/register policy/docs.ts)", () => {
    const run = spawnSync(
      process.execPath,
      ["-r", "@swc-node/register", "policy/docs.ts", "--check"],
      {
        cwd: ROOT,
        encoding: "utf8",
      },
    );
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
  });

  it("lists every rule with its checkov ID, severity and fix", () => {
    for (const rule of RULES) {
      const row = page.split("\n").find((l) => l.startsWith(`| ${rule.id} `));
      expect(row).toBeDefined();
      expect(row).toContain(` ${rule.checkov ?? "—"} `);
      expect(row).toContain(` ${rule.severity} `);
      expect(row!.replace(/\s+\|/g, " |")).toContain(rule.fix.replace(/\|/g, "\\|"));
    }
  });

  it("generates one table per platform", () => {
    expect(rulesMarkdown().match(/^### /gm)).toHaveLength(5);
  });
});

describe("help/review.md", () => {
  const page = fs.readFileSync(REVIEW_PAGE, "utf8");

  it("shows a sample report generated from the reference stacks", () => {
    const [start, end] = SAMPLE_MARKERS;
    const sample = page.slice(page.indexOf(start), page.indexOf(end));
    expect(page).toMatch(/generated from the reference stacks/);
    expect(sample).toContain("# Infrastructure review");
    for (const name of referenceStackNames()) expect(sample).toContain(`## Stack \`${name}\``);
    expect(sample).toContain("```mermaid");
  });
});
