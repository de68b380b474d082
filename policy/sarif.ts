import * as fs from "node:fs";
import * as path from "node:path";
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

/** The repository root: the nearest directory up from `from` with a `.git`, else `from`. */
export function repositoryRoot(from: string = process.cwd()): string {
  let dir = path.resolve(from);
  for (;;) {
    if (fs.existsSync(path.join(dir, ".git"))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return path.resolve(from);
    dir = parent;
  }
}

/** A path relative to the repository root, with forward slashes; never absolute. */
function relativeUri(root: string, file: string): string {
  const relative = path.relative(root, path.resolve(file)).split(path.sep).join("/");
  // Outside the repository: keep the path as given to the review, made relative.
  return relative.startsWith("..") || path.isAbsolute(relative)
    ? path.normalize(file).split(path.sep).join("/").replace(/^\/+/, "")
    : relative;
}

/**
 * The TypeScript file that defines a stack: `stacks/<system>.ts` for a stack named
 * `<system>-<environment>` (the longest leading part that names an existing file), when it exists.
 */
export function stackSourceFile(stackName: string, root: string): string | undefined {
  const parts = stackName.split("-");
  for (let n = parts.length - 1; n >= 1; n--) {
    const candidate = `stacks/${parts.slice(0, n).join("-")}.ts`;
    if (fs.existsSync(path.join(root, candidate))) return candidate;
  }
  return undefined;
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
  root: string = repositoryRoot(),
): object {
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const outdir = relativeUri(root, review.dir);
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
        // Artifact URIs are relative to the repository root, never a local absolute path.
        originalUriBaseIds: {
          "%SRCROOT%": { description: { text: "The root of the repository reviewed." } },
        },
        results: review.findings.map((f) => {
          const stack = stacks.find((s) => s.name === f.stack);
          const line = stack ? resourceLine(stack, f.address) : undefined;
          const source = f.constructPath ? stackSourceFile(f.stack, root) : undefined;
          return {
            ruleId: f.ruleId,
            ...(index.has(f.ruleId) ? { ruleIndex: index.get(f.ruleId) } : {}),
            level: LEVEL[f.severity],
            message: { text: `${f.address}: ${f.message}. Fix: ${f.fix}` },
            locations: [
              {
                physicalLocation: {
                  artifactLocation: {
                    uri: path.posix.join(outdir || ".", `stacks/${f.stack}/cdk.tf.json`),
                    uriBaseId: "%SRCROOT%",
                  },
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
            ...(source
              ? {
                  relatedLocations: [
                    {
                      id: 1,
                      physicalLocation: {
                        artifactLocation: { uri: source, uriBaseId: "%SRCROOT%" },
                      },
                      message: { text: `The stack's source; construct path ${f.constructPath}` },
                    },
                  ],
                }
              : {}),
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
