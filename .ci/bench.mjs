#!/usr/bin/env node
// Synth benchmark: prints figures, asserts nothing. Run with `npm run bench [-- --runs N]`.
//
// Compares `cdktf synth` of the reference stacks with `cdktf synth` of a one-resource app (same
// machine, same run, same node_modules), which is the CLI's own fixed cost. Also times the app alone
// (what the CLI spawns) and its peak memory. The foundation issue's goal: ratio at most 1.3.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const runsArg = process.argv.indexOf("--runs");
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 5;
if (!Number.isInteger(runs) || runs < 1) {
  console.error("--runs takes a whole number ≥ 1");
  process.exit(2);
}
const cdktf = path.join(root, "node_modules", ".bin", "cdktf");
const env = { ...process.env, CHECKPOINT_DISABLE: "1", CI: "true", FORCE_COLOR: "0" };

function baselineApp() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-one-"));
  fs.symlinkSync(path.join(root, "node_modules"), path.join(dir, "node_modules"));
  fs.copyFileSync(path.join(root, "tsconfig.json"), path.join(dir, "tsconfig.json"));
  fs.copyFileSync(path.join(root, "cdktf.json"), path.join(dir, "cdktf.json"));
  fs.writeFileSync(
    path.join(dir, "main.ts"),
    [
      'import { App, GcsBackend, TerraformStack } from "cdktf";',
      'import { GoogleProvider } from "@cdktf/provider-google/lib/provider";',
      'import { ComputeNetwork } from "@cdktf/provider-google/lib/compute-network";',
      "const app = new App();",
      'const stack = new TerraformStack(app, "one");',
      'new GcsBackend(stack, { bucket: "bench-state", prefix: "one" });',
      'new GoogleProvider(stack, "google", { project: "bench-project" });',
      'new ComputeNetwork(stack, "vpc", { name: "vpc", autoCreateSubnetworks: false });',
      "app.synth();",
      "",
    ].join("\n"),
  );
  return dir;
}

// The app alone, as cdktf runs it (cdktf.json's "app" is a shell command).
const appCommand = JSON.parse(fs.readFileSync(path.join(root, "cdktf.json"), "utf8")).app;

function time(cmd, args, cwd, extraEnv = {}) {
  const start = process.hrtime.bigint();
  const result = spawnSync(cmd, args, {
    cwd,
    env: { ...env, ...extraEnv },
    encoding: "utf8",
    shell: args.length === 0,
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) {
    console.error(`${cmd} ${args.join(" ")} failed in ${cwd}:\n${result.stderr}`);
    process.exit(1);
  }
  return ms;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const fmt = (ms) => `${(ms / 1000).toFixed(3)} s`;
const baseline = baselineApp();
const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-out-"));
const probe = path.join(outdir, "rss-probe.cjs");
const rssFile = path.join(outdir, "rss.txt");
fs.writeFileSync(
  probe,
  `process.on("exit", () => require("fs").writeFileSync(${JSON.stringify(rssFile)}, String(process.resourceUsage().maxRSS)));\n`,
);

const one = [];
const ours = [];
const appOnly = [];
// Interleave the runs so that machine noise hits both sides alike; one warm-up each first.
time(cdktf, ["synth", "--output", path.join(outdir, "one")], baseline);
time(cdktf, ["synth", "--output", path.join(outdir, "ours")], root);
for (let i = 0; i < runs; i++) {
  one.push(time(cdktf, ["synth", "--output", path.join(outdir, "one")], baseline));
  ours.push(time(cdktf, ["synth", "--output", path.join(outdir, "ours")], root));
  appOnly.push(
    time(appCommand, [], root, {
      CDKTF_OUTDIR: path.join(outdir, "app"),
      NODE_OPTIONS: `--require ${probe}`,
    }),
  );
}
const rssKb = Number(fs.readFileSync(rssFile, "utf8"));
const stacks = fs.readdirSync(path.join(outdir, "ours", "stacks"));
let resources = 0;
for (const s of stacks) {
  const json = JSON.parse(
    fs.readFileSync(path.join(outdir, "ours", "stacks", s, "cdk.tf.json"), "utf8"),
  );
  for (const byName of Object.values(json.resource ?? {})) resources += Object.keys(byName).length;
}

console.log(`runs: ${runs} (median), node ${process.version}, ${os.cpus().length} cores`);
console.log(`cdktf synth, one-resource app:      ${fmt(median(one))}`);
console.log(
  `cdktf synth, reference stacks:      ${fmt(median(ours))}  (${stacks.length} stacks, ${resources} resources)`,
);
console.log(`ratio (goal ≤ 1.30):                ${(median(ours) / median(one)).toFixed(2)}`);
console.log(`app alone (cdktf.json "app"):       ${fmt(median(appOnly))}`);
console.log(`app peak RSS:                       ${(rssKb / 1024).toFixed(0)} MiB`);

fs.rmSync(baseline, { recursive: true, force: true });
fs.rmSync(outdir, { recursive: true, force: true });
