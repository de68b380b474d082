/** @slow runs eslint and dependency-cruiser as processes */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import YAML from "yaml";

const root = path.resolve(__dirname, "..");

interface Finding {
  readonly ruleId: string | null;
  readonly message: string;
}

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command without blocking Jest, so that the batch and the lint command run side by side. */
function run(command: string, args: string[], cwd: string, input = ""): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
    child.stdin.end(input);
  });
}

/** Writes a small tree, with a strict tsconfig.json, to a new temporary directory. */
function writeTree(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "depcruise-"));
  fs.writeFileSync(path.join(dir, "tsconfig.json"), '{"compilerOptions":{"strict":true}}');
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

// The cases. Starting eslint or dependency-cruiser costs about a second per process, so
// helpers/lint-batch.mjs runs every eslint case (as `eslint --stdin --stdin-filename ...`) and
// every dependency-cruiser tree (with .dependency-cruiser.cjs, from the tree's own directory) in
// one process, and each `it` asserts on its own case's result. The default-output test runs the
// real depcruise command, side by side with the batch.

const packageRoots = [
  "@cdktf/provider-google",
  "@cdktf/provider-google/lib",
  "@cdktf/provider-aws/lib/index",
  "@cdktf/provider-kubernetes",
];
const eslintInputs: Record<string, string> = {
  ...Object.fromEntries(
    packageRoots.map((spec) => [spec, `import { X } from "${spec}";\nexport const y = X;\n`]),
  ),
  deepImport:
    'import { ComputeNetwork } from "@cdktf/provider-google/lib/compute-network";\nexport const y = ComputeNetwork;\n',
};

const cycle = {
  "constructs/core/a.ts": 'import { b } from "./b";\nexport const a = () => b;\n',
  "constructs/core/b.ts": 'import { a } from "./a";\nexport const b = () => a;\n',
};
const trees: Record<string, Record<string, string>> = {
  cycle,
  policyImportsConstructs: {
    "policy/engine.ts": 'import { x } from "../constructs/core/x";\nexport const y = x;\n',
    "constructs/core/x.ts": "export const x = 1;\n",
  },
  vocabularyImportsPolicy: {
    "vocabulary/index.ts": 'import { r } from "../policy/rules";\nexport const v = r;\n',
    "policy/rules.ts": "export const r = 1;\n",
  },
  oneWayFlow: {
    "stacks/s.ts": 'import { c } from "../constructs/core/c";\nexport const s = c;\n',
    "constructs/core/c.ts": 'import { v } from "../../vocabulary";\nexport const c = v;\n',
    "policy/p.ts": 'import { v } from "../vocabulary";\nexport const p = v;\n',
    "vocabulary/index.ts": "export const v = 1;\n",
  },
};

const linted = new Map<string, { status: number; findings: Finding[] }>();
const cruised = new Map<string, { rules: string[] }>();
let lintCommand: Run | undefined;
// A failed batch fails the lint tests below (with its error), not the CI workflow tests.
let batchError: unknown;

beforeAll(async () => {
  const eslintNames = Object.keys(eslintInputs);
  const treeNames = Object.keys(trees);
  const input = {
    eslint: eslintNames.map((name) => ({
      code: eslintInputs[name],
      filePath: "constructs/gcp/example.ts",
    })),
    depcruise: treeNames.map((name) => ({ files: trees[name] })),
  };
  const cycleDir = writeTree(cycle);
  try {
    const [batch, command] = await Promise.all([
      run(
        process.execPath,
        [path.join(__dirname, "helpers", "lint-batch.mjs")],
        root,
        JSON.stringify(input),
      ),
      run(
        path.join(root, "node_modules", ".bin", "depcruise"),
        [
          "--config",
          path.join(root, ".dependency-cruiser.cjs"),
          "--output-type",
          "err",
          ...Object.keys(cycle).map((f) => f.split("/")[0]),
        ],
        cycleDir,
      ),
    ]);
    lintCommand = command;
    if (batch.status !== 0) {
      throw new Error(`helpers/lint-batch.mjs exited with ${batch.status}:\n${batch.stderr}`);
    }
    const output = JSON.parse(batch.stdout) as {
      eslint: { status: number; messages: Finding[] }[];
      depcruise: { rules: string[] }[];
    };
    eslintNames.forEach((name, i) =>
      linted.set(name, { status: output.eslint[i].status, findings: output.eslint[i].messages }),
    );
    treeNames.forEach((name, i) => cruised.set(name, output.depcruise[i]));
  } catch (error) {
    batchError = error;
  } finally {
    fs.rmSync(cycleDir, { recursive: true, force: true });
  }
}, 120_000);

function lint(name: string): { status: number; findings: Finding[] } {
  if (batchError) throw batchError;
  const result = linted.get(name);
  if (!result) throw new Error(`no eslint result for ${name}`);
  return result;
}

function cruise(name: string): { rules: string[] } {
  if (batchError) throw batchError;
  const result = cruised.get(name);
  if (!result) throw new Error(`no dependency-cruiser result for ${name}`);
  return result;
}

describe("lint rule against provider package roots", () => {
  it.each(packageRoots)("rejects importing %s", (spec) => {
    const { status, findings } = lint(spec);
    expect(status).toBe(1);
    expect(findings).toEqual([
      expect.objectContaining({
        ruleId: "no-restricted-imports",
        message: expect.stringMatching(/the package root loads the whole provider/),
      }),
    ]);
  });

  it("accepts a deep import of one resource module", () => {
    const { status, findings } = lint("deepImport");
    expect(findings).toEqual([]);
    expect(status).toBe(0);
  });
});

describe("import rules (dependency-cruiser, .dependency-cruiser.cjs)", () => {
  it("finds an import cycle", () => {
    expect(cruise("cycle").rules).toEqual(["no-circular"]);
  });

  it("fails the lint command (the default output) on a violation, naming the rule", () => {
    if (!lintCommand) throw batchError;
    const { status, stdout } = lintCommand;
    expect(stdout).toMatch(/no-circular/);
    expect(status).not.toBe(0);
  });

  it("fails when the policy pack imports the construct library", () => {
    expect(cruise("policyImportsConstructs").rules).toEqual(["policy-reads-json-only"]);
  });

  it("fails when the shared vocabulary imports either side", () => {
    expect(cruise("vocabularyImportsPolicy").rules).toEqual(["vocabulary-stands-alone"]);
  });

  it("passes the one-way flow stacks -> constructs -> vocabulary <- policy", () => {
    expect(cruise("oneWayFlow").rules).toEqual([]);
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

  it("keeps the static checks' caches where npm ci leaves them, and restores them in CI", () => {
    const scripts = (
      JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as {
        scripts: Record<string, string>;
      }
    ).scripts;
    const cached = ["typecheck", "lint", "format:check"].map((name) => scripts[name]).join(" ");
    // Every cache the checks write is under .cache/ (npm ci empties node_modules, not this).
    const locations = [
      ...cached.matchAll(/--(?:tsBuildInfoFile|cache-location|cache) (?!-)(\S+)/g),
    ].map((m) => m[1]);
    expect(locations).toHaveLength(4);
    for (const location of locations) expect(location).toMatch(/^\.cache\//);
    expect(fs.readFileSync(path.join(root, ".gitignore"), "utf8")).toMatch(/^\.cache\/$/m);
    const steps = workflow.jobs.test.steps as { uses?: string; with?: { path?: string } }[];
    const restore = steps.findIndex(
      (s) => s.uses === "actions/cache@v4" && s.with?.path === ".cache",
    );
    expect(restore).toBeGreaterThanOrEqual(0);
    expect(restore).toBeLessThan(runs("test").indexOf(".ci/run"));
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
