/** @slow synthesizes every reference stack again from a copy of the project */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stackFile } from "../policy/load";
import { referenceStackNames } from "../stacks";
import { referenceSynth } from "./helpers/reference-synth";

// The synthesized JSON is committed and reviewed, so it must be byte-identical whatever the
// checkout path, user, time zone or locale. Compares every file the real app (as `cdktf synth`
// runs it) writes from this checkout, as this run's user (the synth the test files share), with
// what it writes from a copy at another path, as another user, in another time zone and locale.
const root = path.resolve(__dirname, "..");
const sources = [
  "main.ts",
  "constructs",
  "stacks",
  "policy",
  "vocabulary",
  "templates",
  "tsconfig.json",
  "cdktf.json",
  "package.json",
];

function checkout(name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), name));
  for (const entry of sources) {
    if (fs.existsSync(path.join(root, entry))) {
      fs.cpSync(path.join(root, entry), path.join(dir, entry), { recursive: true });
    }
  }
  fs.symlinkSync(path.join(root, "node_modules"), path.join(dir, "node_modules"));
  return dir;
}

function synth(dir: string, env: Record<string, string>): Map<string, string> {
  // The app command cdktf runs, as cdktf.json gives it.
  const app = (
    JSON.parse(fs.readFileSync(path.join(root, "cdktf.json"), "utf8")) as { app: string }
  ).app;
  const result = spawnSync(app, {
    shell: true,
    cwd: dir,
    env: { PATH: process.env.PATH ?? "", CDKTF_OUTDIR: path.join(dir, "out"), ...env },
    encoding: "utf8",
  });
  expect(result.stderr).toBe("");
  expect(result.status).toBe(0);
  return walk(path.join(dir, "out"));
}

/** Every file below `top`, by path relative to it. */
function walk(top: string): Map<string, string> {
  const files = new Map<string, string>();
  const visit = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) visit(p);
      else files.set(path.relative(top, p), fs.readFileSync(p, "utf8"));
    }
  };
  visit(top);
  return files;
}

describe("synthesized output", () => {
  const b = checkout("another path with spaces-");
  afterAll(() => fs.rmSync(b, { recursive: true, force: true }));

  let first: Map<string, string>;
  let second: Map<string, string>;
  beforeAll(() => {
    const shared = referenceSynth();
    expect(shared.stderr).toBe("");
    expect(shared.status).toBe(0);
    first = walk(shared.outdir);
    second = synth(b, {
      TZ: "Asia/Seoul",
      LANG: "ko_KR.UTF-8",
      LC_ALL: "ko_KR.UTF-8",
      HOME: b,
      USER: "bob",
    });
  }, 120_000);

  it("is byte-identical from another checkout path, user, time zone and locale", () => {
    expect([...first.keys()].sort()).toEqual([...second.keys()].sort());
    expect(first.size).toBeGreaterThan(1);
    for (const [file, text] of first) {
      expect({ file, text }).toEqual({ file, text: second.get(file) });
      // HOME was the copy itself, so a leaked home directory shows up as its path.
      expect(second.get(file)).not.toContain(b);
      expect(text).not.toContain(root);
    }
  });

  it("writes one stack file per reference stack of the registry", () => {
    const stackFiles = [...first.keys()].filter((f) => f.startsWith("stacks/")).sort();
    expect(stackFiles).toEqual(referenceStackNames().map(stackFile).sort());
  });

  // The committed audit copy is what reviewers read: it must be exactly what the code produces.
  it("matches the committed audit copy in audit/", () => {
    const audit = path.join(root, "audit");
    const committed = fs.existsSync(audit) ? walk(audit) : new Map<string, string>();
    const refresh =
      "run `npm run audit:update` (it also refreshes the plan inventory snapshots and the sample report in help/review.md), review `git diff audit/ __tests__/stacks/__snapshots__/`, and commit it";
    for (const [file, text] of first) {
      if (committed.get(file) !== text) {
        throw new Error(
          `audit/${file} is ${committed.has(file) ? "out of date" : "missing"}: ${refresh}`,
        );
      }
    }
    for (const file of committed.keys()) {
      if (!first.has(file))
        throw new Error(`audit/${file} belongs to no stack any more: ${refresh}`);
    }
    expect([...committed.keys()].sort()).toEqual([...first.keys()].sort());
  });
});
