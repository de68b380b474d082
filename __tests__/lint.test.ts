import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import YAML from "yaml";

const root = path.resolve(__dirname, "..");

interface Finding {
  readonly ruleId: string | null;
  readonly message: string;
}

function lint(code: string): { status: number | null; findings: Finding[] } {
  const result = spawnSync(
    path.join(root, "node_modules", ".bin", "eslint"),
    ["--stdin", "--stdin-filename", "constructs/gcp/example.ts", "--format", "json"],
    { cwd: root, input: code, encoding: "utf8" },
  );
  const [file] = JSON.parse(result.stdout) as { messages: Finding[] }[];
  return { status: result.status, findings: file.messages };
}

describe("lint rule against provider package roots", () => {
  it.each([
    "@cdktf/provider-google",
    "@cdktf/provider-google/lib",
    "@cdktf/provider-aws/lib/index",
    "@cdktf/provider-kubernetes",
  ])("rejects importing %s", (spec) => {
    const { status, findings } = lint(`import { X } from "${spec}";\nexport const y = X;\n`);
    expect(status).toBe(1);
    expect(findings).toEqual([
      expect.objectContaining({
        ruleId: "no-restricted-imports",
        message: expect.stringMatching(/the package root loads the whole provider/),
      }),
    ]);
  });

  it("accepts a deep import of one resource module", () => {
    const { status, findings } = lint(
      'import { ComputeNetwork } from "@cdktf/provider-google/lib/compute-network";\nexport const y = ComputeNetwork;\n',
    );
    expect(findings).toEqual([]);
    expect(status).toBe(0);
  });
});

describe("import rules (dependency-cruiser, .dependency-cruiser.cjs)", () => {
  /** Cruises a small tree written to a temporary directory with the project's own rule file. */
  function cruise(
    files: Record<string, string>,
    outputType = "json",
  ): { status: number | null; rules: string[]; stdout: string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "depcruise-"));
    try {
      fs.writeFileSync(path.join(dir, "tsconfig.json"), '{"compilerOptions":{"strict":true}}');
      for (const [file, text] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
        fs.writeFileSync(path.join(dir, file), text);
      }
      const result = spawnSync(
        path.join(root, "node_modules", ".bin", "depcruise"),
        [
          "--config",
          path.join(root, ".dependency-cruiser.cjs"),
          "--output-type",
          outputType,
          ...Object.keys(files).map((f) => f.split("/")[0]),
        ],
        { cwd: dir, encoding: "utf8" },
      );
      if (outputType !== "json") return { status: result.status, rules: [], stdout: result.stdout };
      const output = JSON.parse(result.stdout) as {
        summary: { violations: { rule: { name: string } }[] };
      };
      return {
        status: result.status,
        rules: [...new Set(output.summary.violations.map((v) => v.rule.name))].sort(),
        stdout: result.stdout,
      };
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  const cycle = {
    "constructs/core/a.ts": 'import { b } from "./b";\nexport const a = () => b;\n',
    "constructs/core/b.ts": 'import { a } from "./a";\nexport const b = () => a;\n',
  };

  it("finds an import cycle", () => {
    expect(cruise(cycle).rules).toEqual(["no-circular"]);
  });

  it("fails the lint command (the default output) on a violation, naming the rule", () => {
    const { status, stdout } = cruise(cycle, "err");
    expect(stdout).toMatch(/no-circular/);
    expect(status).not.toBe(0);
  });

  it("fails when the policy pack imports the construct library", () => {
    const { rules } = cruise({
      "policy/engine.ts": 'import { x } from "../constructs/core/x";\nexport const y = x;\n',
      "constructs/core/x.ts": "export const x = 1;\n",
    });
    expect(rules).toEqual(["policy-reads-json-only"]);
  });

  it("fails when the shared vocabulary imports either side", () => {
    const { rules } = cruise({
      "vocabulary/index.ts": 'import { r } from "../policy/rules";\nexport const v = r;\n',
      "policy/rules.ts": "export const r = 1;\n",
    });
    expect(rules).toEqual(["vocabulary-stands-alone"]);
  });

  it("passes the one-way flow stacks -> constructs -> vocabulary <- policy", () => {
    const { rules } = cruise({
      "stacks/s.ts": 'import { c } from "../constructs/core/c";\nexport const s = c;\n',
      "constructs/core/c.ts": 'import { v } from "../../vocabulary";\nexport const c = v;\n',
      "policy/p.ts": 'import { v } from "../vocabulary";\nexport const p = v;\n',
      "vocabulary/index.ts": "export const v = 1;\n",
    });
    expect(rules).toEqual([]);
  });
});

describe("the CI workflow", () => {
  // Parsed with the yaml library the project already uses; GitHub runs it, this checks its shape.
  const parse = (text: string): unknown => YAML.parse(text);
  const workflow = parse(fs.readFileSync(path.join(root, ".github/workflows/ci.yml"), "utf8")) as {
    jobs: Record<string, { steps: { run?: string; uses?: string }[] }>;
  };
  const runs = (job: string) => workflow.jobs[job].steps.map((s) => s.run ?? s.uses ?? "");

  it("tests with the same script a local CI run uses, then synthesizes", () => {
    expect(runs("test")).toEqual(expect.arrayContaining([".ci/run", "npm run synth"]));
  });

  it("reviews audit/ against the target branch, comments the report and uploads SARIF", () => {
    const review = runs("review").join("\n");
    expect(review).toMatch(
      /review -- audit --base "origin\/\$\{\{ github\.base_ref \}\}" --format md/,
    );
    expect(review).toMatch(/gh pr comment .* --body-file review\.md/);
    expect(review).toContain("github/codeql-action/upload-sarif@v3");
  });

  it(".ci/run installs from scratch and runs the README's test command", () => {
    const ci = fs.readFileSync(path.join(root, ".ci/run"), "utf8");
    const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");
    expect(readme).toContain("npm ci && npm test");
    expect(ci).toMatch(/npm ci --no-audit --no-fund\nnpm test\n?$/);
  });
});
