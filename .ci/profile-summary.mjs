#!/usr/bin/env node
// Summarizes a V8 `.cpuprofile` (from `node --cpu-prof`) by self time per package or project
// directory, and lists the costliest functions. Prints figures, asserts nothing.
//
//   CDKTF_OUTDIR=/tmp/out SWC_NODE_SOURCE_MAP_MODE=store \
//     node --cpu-prof --cpu-prof-dir=/tmp/prof -r @swc-node/register main.ts
//   node .ci/profile-summary.mjs /tmp/prof/*.cpuprofile [--top 25]
//
// A sample's time goes to the function on top of the stack ("self" time). Groups: a package of
// node_modules (`@cdktf/provider-google/<first dir>` is split by provider module, so each resource
// class shows), a project directory (`constructs/gcp`, `policy`), `node:internal` (module loading,
// fs), and V8's own entries ((garbage collector), (program), (idle)).
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const topArg = args.indexOf("--top");
const top = topArg >= 0 ? Number(args.splice(topArg, 2)[1]) : 25;
if (args.length !== 1 || !Number.isInteger(top)) {
  console.error("usage: node .ci/profile-summary.mjs <file.cpuprofile> [--top N]");
  process.exit(2);
}
const profile = JSON.parse(fs.readFileSync(args[0], "utf8"));

// Self time per node id: each sample is attributed to one node, weighted by its time delta.
const selfUs = new Map();
for (let i = 0; i < profile.samples.length; i++) {
  const id = profile.samples[i];
  selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
}

function group(url, functionName) {
  if (!url) return functionName.startsWith("(") ? functionName : "(native)";
  if (url.startsWith("node:")) return "node:internal";
  let file = url.startsWith("file://") ? fileURLToPath(url) : url;
  const nm = file.lastIndexOf(`${path.sep}node_modules${path.sep}`);
  if (nm >= 0) {
    const parts = file.slice(nm + 14).split(path.sep);
    const pkg = parts[0].startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0];
    if (pkg === "@cdktf/provider-google" && parts[2] === "lib" && parts.length > 4) {
      return `${pkg}/lib/${parts[3]}`;
    }
    return pkg;
  }
  file = path.relative(root, file);
  if (file.startsWith("..")) return file;
  const dir = path.dirname(file);
  return dir === "." ? file : dir;
}

const byGroup = new Map();
const byFunction = new Map();
let total = 0;
for (const node of profile.nodes) {
  const us = selfUs.get(node.id) ?? 0;
  if (us === 0) continue;
  total += us;
  const { url, functionName, lineNumber } = node.callFrame;
  const g = group(url, functionName);
  byGroup.set(g, (byGroup.get(g) ?? 0) + us);
  const name = `${functionName || "(anonymous)"} ${g}:${lineNumber + 1}`;
  byFunction.set(name, (byFunction.get(name) ?? 0) + us);
}

const ms = (us) => (us / 1000).toFixed(1).padStart(8);
const pct = (us) => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
const print = (title, map) => {
  console.log(title);
  for (const [name, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${ms(us)} ms ${pct(us)}  ${name}`);
  }
};
// Total time of a function (itself and what it calls), counted once where it recurses.
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const totalUs = new Map();
const totalOf = (node) => {
  let us = selfUs.get(node.id) ?? 0;
  for (const child of node.children ?? []) us += totalOf(nodes.get(child));
  totalUs.set(node.id, us);
  return us;
};
totalOf(profile.nodes[0]);
const byFunctionTotal = new Map();
const walk = (node, open) => {
  const { url, functionName, lineNumber } = node.callFrame;
  const name = `${functionName || "(anonymous)"} ${group(url, functionName)}:${lineNumber + 1}`;
  const counted = open.has(name);
  if (!counted) byFunctionTotal.set(name, (byFunctionTotal.get(name) ?? 0) + totalUs.get(node.id));
  if (!counted) open.add(name);
  for (const child of node.children ?? []) walk(nodes.get(child), open);
  if (!counted) open.delete(name);
};
walk(profile.nodes[0], new Set());
byFunctionTotal.delete("(root) (root):0");

console.log(`${args[0]}: ${ms(total).trim()} ms sampled`);
print("\nself time by package / directory:", byGroup);
print("\nself time by function:", byFunction);
print("\ntotal time (self and callees) by function:", byFunctionTotal);
