import * as path from "node:path";
import { pathToFileURL } from "node:url";
import type { Review } from "./report";
import { RULES } from "./rules";
import type { Rule, Severity, SynthStack } from "./types";

/** SARIF levels of the rule severities. */
const LEVEL: Readonly<Record<Severity, "error" | "warning" | "note">> = {
  error: "error",
  warning: "warning",
  info: "note",
};

/** The line of `"<name>": {` under `"<type>": {` in a cdktf JSON file (1-based), if found. */
export function resourceLine(stack: SynthStack, address: string): number | undefined {
  if (!stack.text) return undefined;
  const [type, name] = address.split(".");
  const lines = stack.text.split("\n");
  const typeLine = lines.findIndex((l) => l.trim() === `${JSON.stringify(type)}: {`);
  if (typeLine < 0) return undefined;
  const nameLine = lines.findIndex(
    (l, i) => i > typeLine && l.trim() === `${JSON.stringify(name)}: {`,
  );
  return nameLine < 0 ? undefined : nameLine + 1;
}

function driverRule(rule: Rule): Record<string, unknown> {
  return {
    id: rule.id,
    name: rule.id.replace(/-/g, ""),
    shortDescription: { text: rule.title },
    fullDescription: { text: `${rule.title}.${rule.checkov ? ` Checkov: ${rule.checkov}.` : ""}` },
    help: { text: `Fix: ${rule.fix}`, markdown: `**Fix:** ${rule.fix}\n\nSee help/policies.md.` },
    defaultConfiguration: { level: LEVEL[rule.severity] },
    properties: {
      severity: rule.severity,
      ...(rule.checkov ? { checkov: rule.checkov } : {}),
      tags: ["security", "terraform", ...(rule.checkov ? [rule.checkov] : [])],
    },
  };
}

/**
 * The review as SARIF 2.1.0 for code scanning: every rule in `tool.driver.rules`, one result per
 * finding with a logical location (stack / resource address) and a physical one (the stack's
 * `cdk.tf.json`, at the resource's line when the file was read from disk). Suppressed findings
 * carry an in-source suppression with the reason given.
 */
export function renderSarif(
  review: Review,
  stacks: readonly SynthStack[],
  rules: readonly Rule[] = RULES,
): object {
  const index = new Map(rules.map((r, i) => [r.id, i]));
  return {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "platform-review",
            semanticVersion: `${review.version}.0.0`,
            rules: rules.map(driverRule),
          },
        },
        // Artifact URIs are relative to the output directory reviewed.
        originalUriBaseIds: { OUTDIR: { uri: `${pathToFileURL(path.resolve(review.dir)).href}/` } },
        results: review.findings.map((f) => {
          const stack = stacks.find((s) => s.name === f.stack);
          const line = stack ? resourceLine(stack, f.address) : undefined;
          return {
            ruleId: f.ruleId,
            ...(index.has(f.ruleId) ? { ruleIndex: index.get(f.ruleId) } : {}),
            level: LEVEL[f.severity],
            message: { text: `${f.address}: ${f.message}. Fix: ${f.fix}` },
            locations: [
              {
                physicalLocation: {
                  artifactLocation: { uri: `stacks/${f.stack}/cdk.tf.json`, uriBaseId: "OUTDIR" },
                  ...(line ? { region: { startLine: line } } : {}),
                },
                logicalLocations: [
                  {
                    name: f.address,
                    fullyQualifiedName: `${f.stack}/${f.address}`,
                    kind: "resource",
                  },
                ],
              },
            ],
            partialFingerprints: { resource: `${f.ruleId}/${f.stack}/${f.address}` },
            properties: {
              stack: f.stack,
              severity: f.severity,
              ...(f.checkov ? { checkov: f.checkov } : {}),
              ...(f.constructPath ? { constructPath: f.constructPath } : {}),
            },
            ...(f.suppressed !== undefined
              ? { suppressions: [{ kind: "inSource", justification: f.suppressed }] }
              : {}),
          };
        }),
      },
    ],
  };
}
