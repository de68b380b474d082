import * as fs from "node:fs";
import * as path from "node:path";
import type { Json, Resource, SynthStack } from "./types";
import { isObject } from "./values";

/** Bad input to the review: a missing directory, a file that is not Terraform JSON, ... */
export class ReviewInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ReviewInputError";
  }
}

/** The `stacks/<name>/cdk.tf.json` path of a stack, relative to the output directory. */
export function stackFile(name: string): string {
  return `stacks/${name}/cdk.tf.json`;
}

/**
 * Reads a cdktf output directory: `manifest.json` lists the stacks, each stack's Terraform JSON
 * is parsed. Throws {@link ReviewInputError} with a one-line reason on bad input, including an
 * output without stacks unless `allowEmpty` (an app may synthesize none).
 */
export function loadOutdir(
  dir: string,
  options: { readonly allowEmpty?: boolean } = {},
): SynthStack[] {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new ReviewInputError(`${dir} is not a directory (synthesize first: npm run synth)`);
  }
  const manifestFile = path.join(dir, "manifest.json");
  if (!fs.existsSync(manifestFile)) {
    throw new ReviewInputError(`${dir} has no manifest.json: it is not a cdktf output directory`);
  }
  const manifest = parseJson(fs.readFileSync(manifestFile, "utf8"), manifestFile);
  const stacks = manifest.stacks;
  if (!isObject(stacks) || (Object.keys(stacks).length === 0 && !options.allowEmpty)) {
    throw new ReviewInputError(`${manifestFile} lists no stacks`);
  }
  return Object.entries(stacks)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, entry]) => {
      const given = isObject(entry) ? entry.synthesizedStackPath : undefined;
      const relative = typeof given === "string" ? given : stackFile(name);
      const file = path.join(dir, relative);
      if (!fs.existsSync(file)) {
        throw new ReviewInputError(`${file} is missing (listed in ${manifestFile})`);
      }
      const text = fs.readFileSync(file, "utf8");
      return parseStack(name, parseJson(text, file), text);
    });
}

/** Parses text as a JSON object, or throws a {@link ReviewInputError} naming the file. */
export function parseJson(text: string, file: string): Json {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ReviewInputError(`${file} is not valid JSON (${(error as Error).message})`);
  }
  if (!isObject(value)) throw new ReviewInputError(`${file} does not hold a JSON object`);
  return value;
}

/** Builds a stack from its parsed Terraform JSON. */
export function parseStack(name: string, json: Json, text?: string): SynthStack {
  const file = stackFile(name);
  const read = (section: unknown, prefix: string): Resource[] => {
    if (section === undefined) return [];
    if (!isObject(section))
      throw new ReviewInputError(`${file}: "${prefix || "resource"}" is not an object`);
    return Object.entries(section).flatMap(([type, byName]) => {
      if (!isObject(byName)) throw new ReviewInputError(`${file}: ${type} is not an object`);
      return Object.entries(byName).map(([resourceName, config]) => {
        if (!isObject(config)) {
          throw new ReviewInputError(`${file}: ${prefix}${type}.${resourceName} is not an object`);
        }
        const metaPath = (config["//"] as { metadata?: { path?: unknown } } | undefined)?.metadata
          ?.path;
        return {
          type,
          name: resourceName,
          address: `${prefix}${type}.${resourceName}`,
          config,
          constructPath: typeof metaPath === "string" ? metaPath : undefined,
        };
      });
    });
  };
  const resources = read(json.resource, "");
  const data = read(json.data, "data.");
  const byAddress = new Map([...resources, ...data].map((r) => [r.address, r]));
  const comment = isObject(json["//"]) ? json["//"] : undefined;
  return { name, file, resources, data, byAddress, text, ...(comment ? { comment } : {}) };
}
