#!/usr/bin/env node
// Synth benchmark: prints figures, asserts nothing. Run with
// `npm run bench [-- --runs N] [--skip-tests]`.
//
// Compares `cdktf synth` of the reference stacks with `cdktf synth` of a one-resource app (same
// machine, same run, same node_modules), which is the CLI's own fixed cost. Also times the app alone
// (what the CLI spawns) and its peak memory. The foundation issue's goal: ratio at most 1.3.
//
// Then it grows the platform: the trading bot stack with 1, 8, 32 and 64 regions, synthesized in
// process (construct, synth, policy gate, write: what runApp does) in a child process per size,
// and the review over that output; one JSON line each. Last, side by side: `npm run synth` (the
// app without the CLI), the CLI floor and `cdktf synth --app "npx ts-node main.ts"`, with ratios.
// And once, `npm test` as the README runs it, with its CPU time (`--skip-tests` leaves it out: it
// takes about a minute).
// Figures and goals are printed (help/performance.md); nothing here fails on a slow machine.
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

// --- The platform grown: N regions of the trading bot, in process, one child process per size.
// The catalogue (constructs/gcp/regions.ts) lists fewer regions than the largest size and the
// trading bot's settings take catalogued regions only, so the child adds made-up regions (three
// zones each) to its own in-memory copy of the catalogue; every check runs on them as on real ones.
const growChild = String.raw`
const fs = require("node:fs");
const path = require("node:path");
const { runApp } = require("./constructs/core/app");
const { GCP_REGIONS } = require("./constructs/gcp/regions");
const { TradingBotStack } = require("./stacks/trading-bot");
const { TRADING_BOT_EXAMPLES } = require("./stacks/trading-bot.config");
const { runReview } = require("./policy/review");
const [count, runs, out] = process.argv.slice(1).map((a, i) => (i < 2 ? Number(a) : a));
const names = ["us-central1", ...Object.keys(GCP_REGIONS).filter((r) => r !== "us-central1")];
for (let i = 1; names.length < count; i++) {
  GCP_REGIONS["bench-region" + i] = ["a", "b", "c"];
  names.push("bench-region" + i);
}
// The VM platform without the GKE option: its pod range (10.64.0.0/14) would overlap the
// generated subnets of 64 regions, and the cluster is not what grows with the regions.
const { gke: _gke, ...prod } = TRADING_BOT_EXAMPLES.prod;
const settings = {
  ...prod,
  regions: names.slice(0, count).map((region, i) => ({
    region,
    subnetCidr: "10." + (i + 1) + ".0.0/20", // 10.1.0.0/20 ... 10.64.0.0/20, apart from 10.100/16
    machineType: i === 0 ? "e2-standard-4" : "e2-standard-2",
    databaseTier: i === 0 ? "db-custom-4-16384" : "db-custom-2-8192",
  })),
};
const median = (v) => { const s = [...v].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const synth = [];
const review = [];
for (let i = 0; i <= runs; i++) { // the first run warms up and is not counted
  fs.rmSync(out, { recursive: true, force: true });
  const t0 = process.hrtime.bigint();
  const ok = runApp((app) => { new TradingBotStack(app, settings, "bench settings"); }, { outdir: out });
  const t1 = process.hrtime.bigint();
  if (!ok) process.exit(1);
  const r = runReview({ dir: out, format: "md" });
  const t2 = process.hrtime.bigint();
  if (i > 0) { synth.push(Number(t1 - t0) / 1e6); review.push(Number(t2 - t1) / 1e6); }
}
const json = JSON.parse(fs.readFileSync(path.join(out, "stacks", "trading-bot-prod", "cdk.tf.json"), "utf8"));
let resources = 0;
for (const byName of Object.values(json.resource)) resources += Object.keys(byName).length;
const rss = Math.max(process.resourceUsage().maxRSS / 1024, process.memoryUsage().rss / 1048576);
console.log(JSON.stringify({ regions: count, resources, synth_ms: Math.round(median(synth)), peak_rss_mb: Math.round(rss) }));
console.log(JSON.stringify({ review_regions: count, review_ms: Math.round(median(review)) }));
`;
const grown = {};
for (const regions of [1, 8, 32, 64]) {
  const result = spawnSync(
    process.execPath,
    [
      "-r",
      "@swc-node/register",
      "-e",
      growChild,
      String(regions),
      String(runs),
      path.join(outdir, `grow-${regions}`),
    ],
    { cwd: root, env: { ...env, SWC_NODE_SOURCE_MAP_MODE: "store" }, encoding: "utf8" },
  );
  if (result.status !== 0) {
    console.error(`the ${regions}-region synth failed:\n${result.stdout}${result.stderr}`);
    process.exit(1);
  }
  const [synthLine, reviewLine] = result.stdout.trim().split("\n");
  console.log(synthLine);
  console.log(reviewLine);
  grown[regions] = { ...JSON.parse(synthLine), ...JSON.parse(reviewLine) };
}
const g8 = grown[8];
const g64 = grown[64];
const scale = (key) => (g64[key] / g8[key]).toFixed(2);
const resourceScale = (g64.resources / g8.resources).toFixed(2);
console.log(
  `growth 8 → 64 regions (regions ×8, resources ×${resourceScale}): synth ×${scale("synth_ms")}, review ×${scale("review_ms")} (goal ≤ ${(8 * 1.3).toFixed(2)} = 8 × 1.3; linear in resources: ≤ ${(resourceScale * 1.3).toFixed(2)})`,
);
console.log(
  `per resource at 64 regions (goal < 1 ms): synth ${(g64.synth_ms / g64.resources).toFixed(3)} ms, review ${(g64.review_ms / g64.resources).toFixed(3)} ms; peak RSS ${g64.peak_rss_mb} MiB (goal < 1024)`,
);

// --- Side by side: the app without the CLI, the CLI floor, and the ts-node way.
const npmSynth = [];
const floor = [];
const tsNode = [];
const tsNodeRuns = Math.min(runs, 3); // ~5 s each; three give a median
const tsNodeOut = path.join(outdir, "ts-node");
const npm = process.platform === "win32" ? "npm.cmd" : "npm";
time(npm, ["run", "--silent", "synth"], root, { CDKTF_OUTDIR: path.join(outdir, "npm") });
for (let i = 0; i < runs; i++) {
  npmSynth.push(
    time(npm, ["run", "--silent", "synth"], root, { CDKTF_OUTDIR: path.join(outdir, "npm") }),
  );
  floor.push(time(cdktf, ["synth", "--output", path.join(outdir, "one")], baseline));
  if (i < tsNodeRuns) {
    tsNode.push(
      time(cdktf, ["synth", "--app", "npx ts-node main.ts", "--output", tsNodeOut], root),
    );
  }
}
const [n, f, t] = [median(npmSynth), median(floor), median(tsNode)];
console.log(`npm run synth (the app, no CLI):    ${fmt(n)}`);
console.log(`cdktf synth, one-resource app:      ${fmt(f)}  (the CLI floor)`);
console.log(`cdktf synth --app "npx ts-node main.ts": ${fmt(t)}  (median of ${tsNode.length})`);
console.log(`npm run synth / CLI floor (goal ≤ 1.00):  ${(n / f).toFixed(2)}`);
console.log(`ts-node way / npm run synth (goal ≥ 3.0): ${(t / n).toFixed(2)}`);

fs.rmSync(baseline, { recursive: true, force: true });
fs.rmSync(outdir, { recursive: true, force: true });

// --- The test suite, once: wall time, and the CPU of every process it started (the shell's
// POSIX `times`: its second line is the user and system time of its waited-for children).
if (!process.argv.includes("--skip-tests")) {
  const start = process.hrtime.bigint();
  const result = spawnSync("sh", ["-c", "npm test >&2; status=$?; times; exit $status"], {
    cwd: root,
    env,
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = (result.stdout.trim().split("\n")[1] ?? "")
    .split(/\s+/)
    .map((t) => /^(\d+)m([\d.]+)s$/.exec(t))
    .reduce((sum, m) => (m ? sum + Number(m[1]) * 60 + Number(m[2]) : sum), 0);
  if (result.status !== 0) {
    console.log(`npm test failed (exit ${result.status}): no figure`);
  } else {
    const tests = Number(/Tests:\s+(\d+) passed/.exec(result.stderr)?.[1]);
    console.log(
      JSON.stringify({
        npm_test_s: Number(seconds.toFixed(1)),
        cpu_s: Number(cpu.toFixed(1)),
        tests,
      }),
    );
    console.log(
      `npm test (goal < 60 s):             ${seconds.toFixed(1)} s, ${cpu.toFixed(1)} s CPU`,
    );
  }
}
