import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { main, parseOptions } from "../../policy/review";
import { referenceStackNames } from "../../stacks";
import { FIXTURES, ROOT, tempDir, writeOutdir } from "./helpers";

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the review CLI as `npm run review` does, in a child process from the checkout. */
function spawnReview(...args: string[]): Run {
  const result = spawnSync(
    process.execPath,
    ["-r", "@swc-node/register", "policy/review.ts", ...args],
    { cwd: ROOT, encoding: "utf8" },
  );
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * Runs the CLI's `main` in this process from the checkout (relative directories such as `audit`
 * resolve as for `npm run review`), capturing what it writes; the worker's working directory is
 * restored. The spawned runs below check that both give the same status and bytes.
 */
function review(...args: string[]): Run {
  let stdout = "";
  let stderr = "";
  const cwd = process.cwd();
  if (cwd !== ROOT) process.chdir(ROOT);
  try {
    const status = main(args, {
      stdout: (text) => void (stdout += text),
      stderr: (text) => void (stderr += text),
    });
    return { status, stdout, stderr };
  } finally {
    if (process.cwd() !== cwd) process.chdir(cwd);
  }
}

// The in-process runs leave the worker as they found it.
const worker = { cwd: process.cwd(), exitCode: process.exitCode };
afterEach(() => {
  expect(process.cwd()).toBe(worker.cwd);
  expect(process.exitCode).toBe(worker.exitCode);
});

const clean = path.join(FIXTURES, "clean");
const insecure = path.join(FIXTURES, "insecure");

/** A bad-input run: exit 2, one stderr line starting with `review:`, no stack trace. */
function expectBadInput(run: Run, reason: RegExp): void {
  expect(run.status).toBe(2);
  expect(run.stdout).toBe("");
  const lines = run.stderr.trimEnd().split("\n");
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^review: /);
  expect(lines[0]).toMatch(reason);
  expect(run.stderr).not.toMatch(/\n\s+at |Error:/);
}

describe("npm run review", () => {
  it("exits 0 and prints the Markdown report when no error finding is open", () => {
    const run = spawnReview(clean);
    expect(run.status).toBe(0);
    expect(run.stderr).toBe("");
    expect(run.stdout).toMatch(/^# Infrastructure review\n/);
    expect(run.stdout).toContain("**PASS**");
    // The in-process runs of the other cases give what the command line gives.
    expect(review(clean)).toEqual(run);
  });

  it("exits 1 when an error finding is open, with a one-line note on stderr", () => {
    const run = review(insecure, "--format", "json");
    expect(run.status).toBe(1);
    const report = JSON.parse(run.stdout);
    expect(report.result).toBe("fail");
    expect(run.stderr).toBe(`review: ${report.summary.errors} unsuppressed error findings\n`);
    expect(report.stacks.map((s: { name: string }) => s.name)).toEqual([
      "aws-k8s-insecure",
      "gcp-insecure",
    ]);
    expect(report.findings[0]).toEqual(
      expect.objectContaining({
        severity: "error",
        ruleId: expect.any(String),
        fix: expect.any(String),
      }),
    );
  });

  it("writes SARIF to --out and says where", () => {
    const out = path.join(tempDir("review-cli-"), "review.sarif");
    const run = review(insecure, "--format", "sarif", "--out", out);
    expect(run.status).toBe(1);
    expect(run.stdout).toBe(`review: wrote ${out}\n`);
    expect(JSON.parse(fs.readFileSync(out, "utf8")).version).toBe("2.1.0");
  });

  it("prints usage for --help", () => {
    const run = review("--help");
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^usage: npm run review -- \[DIR\]/);
  });

  it("exits 2 for a missing directory", () => {
    const run = spawnReview("/nonexistent/cdktf.out");
    expectBadInput(run, /\/nonexistent\/cdktf.out is not a directory/);
    expect(review("/nonexistent/cdktf.out")).toEqual(run);
  });

  it("exits 2 for a directory that is not a cdktf output", () => {
    expectBadInput(review(tempDir("review-cli-empty-")), /has no manifest.json/);
  });

  it("exits 2 for invalid JSON", () => {
    const dir = writeOutdir({ broken: {} });
    fs.writeFileSync(path.join(dir, "stacks/broken/cdk.tf.json"), '{ "resource": ');
    expectBadInput(review(dir), /stacks\/broken\/cdk.tf.json is not valid JSON/);
  });

  it("exits 2 for an unknown option", () => {
    expectBadInput(review(clean, "--fromat", "md"), /Unknown option '--fromat'/);
  });

  it("exits 2 for a bad --format", () => {
    expectBadInput(
      review(clean, "--format", "html"),
      /--format html is not one of md, json, sarif/,
    );
  });

  it("exits 2 for two directories", () => {
    expectBadInput(review(clean, insecure), /expected one directory/);
  });

  it("exits 2 for --base outside a git work tree", () => {
    const dir = writeOutdir({ s: { resource: {} } });
    expectBadInput(review(dir, "--base", "HEAD"), /is not inside a git work tree/);
  });

  it("exits 2 for a --base that is not a commit", () => {
    expectBadInput(
      review(clean, "--base", "no-such-ref-xyz"),
      /--base no-such-ref-xyz is not a commit/,
    );
    expectBadInput(review(clean, "--base=--upload-pack=x"), /is not a git ref/);
  });

  it("starts without loading cdktf, constructs or a provider package", () => {
    const run = spawnSync(
      process.execPath,
      [
        "-r",
        "@swc-node/register",
        "-e",
        "require('./policy/review'); process.stdout.write(JSON.stringify(Object.keys(require.cache).filter((k) => /node_modules.(cdktf|@cdktf|constructs)./.test(k))))",
      ],
      { cwd: ROOT, encoding: "utf8" },
    );
    expect(JSON.parse(run.stdout)).toEqual([]);
  });
});

describe("parseOptions", () => {
  it("defaults to cdktf.out and Markdown", () => {
    expect(parseOptions([])).toEqual({
      dir: "cdktf.out",
      format: "md",
      base: undefined,
      out: undefined,
    });
    expect(parseOptions(["out", "--base", "main", "--format=sarif", "--out", "r.sarif"])).toEqual({
      dir: "out",
      base: "main",
      format: "sarif",
      out: "r.sarif",
    });
    expect(parseOptions(["-h"])).toBe("help");
  });
});

describe("the report of the reference stacks fits a pull request comment", () => {
  const GITHUB_COMMENT_LIMIT = 65_536;

  it("is shorter than a GitHub comment, summary first, inventories collapsed", () => {
    const run = review("audit", "--format", "md");
    expect(run.status).toBe(0);
    expect(run.stdout.length).toBeLessThan(GITHUB_COMMENT_LIMIT);
    const summary = run.stdout.indexOf("| Stack | Resources | Errors |");
    const firstStack = run.stdout.indexOf("## Stack `");
    expect(summary).toBeGreaterThan(0);
    expect(summary).toBeLessThan(firstStack);
    expect(summary).toBeLessThan(run.stdout.indexOf("<details>"));
    // Every inventory (exposure, IAM, ...) sits inside a collapsed block.
    const opened = run.stdout.match(/<details>\n<summary>[^\n]+<\/summary>\n\n/g) ?? [];
    expect(opened.length).toBe(run.stdout.match(/^## Stack `/gm)?.length);
    expect(run.stdout.match(/<\/details>/g)).toHaveLength(opened.length);
    const outside = run.stdout.replace(/<details>[\s\S]*?<\/details>/g, "");
    expect(outside).not.toMatch(/^### (Exposure|IAM|Data protection|Resources)$/m);
  });

  it("limits the report to the stacks named with --stack", () => {
    const run = review("audit", "--stack", "trading-bot-dev", "--stack", "stockpilot-prod");
    expect(run.status).toBe(0);
    expect(run.stdout.match(/^## Stack `[^`]+`/gm)).toEqual([
      "## Stack `stockpilot-prod`",
      "## Stack `trading-bot-dev`",
    ]);
    expect(run.stdout).toContain("`audit`: 2 stacks");
  });

  it("exits 2 on an unknown --stack and names the known stacks", () => {
    expectBadInput(
      review("audit", "--stack", "nope-prod"),
      // Every stack of the audit copy, which holds every reference stack, sorted.
      new RegExp(
        `unknown stack nope-prod: the stacks are ${[...referenceStackNames()].sort().join(", ")}$`,
      ),
    );
  });
});
