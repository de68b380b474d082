import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseStack } from "../../policy/load";
import type { Json, SynthStack } from "../../policy/types";

export const ROOT = path.resolve(__dirname, "../..");
export const FIXTURES = path.join(__dirname, "fixtures");

/** A stack from resources (and `data.` sources) keyed by address (`google_compute_firewall.ssh`). */
export function stackOf(resources: Record<string, Json>, name = "test"): SynthStack {
  const sections: Record<"resource" | "data", Record<string, Record<string, Json>>> = {
    resource: {},
    data: {},
  };
  for (const [address, config] of Object.entries(resources)) {
    const section = address.startsWith("data.") ? sections.data : sections.resource;
    const [type, resourceName] = address.replace(/^data\./, "").split(".");
    section[type] = { ...section[type], [resourceName]: config };
  }
  return parseStack(name, sections);
}

/** Deep merge of plain objects (arrays and scalars of `override` replace); `undefined` deletes. */
export function merge(base: Json, override: Json): Json {
  const out: Json = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const current = out[key];
    if (value === undefined) delete out[key];
    else if (isPlain(value) && isPlain(current)) out[key] = merge(current, value);
    else out[key] = value;
  }
  return out;
}

function isPlain(value: unknown): value is Json {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Writes a cdktf-like output directory (manifest + stacks) into a fresh temp directory. */
export function writeOutdir(stacks: Record<string, Json>, dir = tempDir("review-out-")): string {
  const manifest: Json = { stacks: {}, version: "0.21.0" };
  for (const [name, json] of Object.entries(stacks)) {
    (manifest.stacks as Json)[name] = { name, synthesizedStackPath: `stacks/${name}/cdk.tf.json` };
    fs.mkdirSync(path.join(dir, "stacks", name), { recursive: true });
    fs.writeFileSync(path.join(dir, "stacks", name, "cdk.tf.json"), JSON.stringify(json, null, 2));
  }
  fs.writeFileSync(path.join(dir, "manifest.json"), JSON.stringify(manifest, null, 2));
  return dir;
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Copies a fixture directory. */
export function copyFixture(name: string, to: string): string {
  fs.cpSync(path.join(FIXTURES, name), to, { recursive: true });
  return to;
}
