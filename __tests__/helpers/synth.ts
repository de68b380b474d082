import { Testing } from "cdktf";
import type { PlatformStack } from "../../constructs/core/stack";
import type { Construct } from "constructs";
import { ValidationError, ValidationErrors } from "../../constructs/core/errors";
import { evaluate } from "../../policy/engine";
import { parseStack } from "../../policy/load";
import type { Finding, Json } from "../../policy/types";
import { testApp, testStack } from "./app";

export { testApp, testStack };

/** The synthesized Terraform JSON of a stack, parsed. */
export interface SynthJson {
  readonly resource?: Record<string, Record<string, Record<string, unknown>>>;
  readonly output?: Record<string, { value: unknown; sensitive?: boolean }>;
  readonly terraform?: Record<string, unknown>;
  readonly [key: string]: unknown;
}

export function synthJson(stack: Construct): SynthJson {
  return JSON.parse(Testing.synth(stack as never)) as SynthJson;
}

/** Every resource of a type, as `{ address, config }`, in synthesis order. */
export function resourcesOf(
  json: SynthJson,
  type: string,
): { readonly address: string; readonly config: Record<string, unknown> }[] {
  return Object.entries(json.resource?.[type] ?? {}).map(([name, config]) => ({
    address: `${type}.${name}`,
    config,
  }));
}

/** The single resource of a type whose config matches `partial` (snake_case or camelCase keys). */
export function findResource(
  json: SynthJson,
  type: string,
  partial: Record<string, unknown> = {},
): Record<string, unknown> {
  const wanted = toSnake(partial) as Record<string, unknown>;
  const matches = resourcesOf(json, type).filter((r) => isDeepPartial(wanted, r.config));
  if (matches.length !== 1) {
    throw new Error(
      `expected exactly one ${type} matching ${JSON.stringify(wanted)}, found ${matches.length}`,
    );
  }
  return matches[0].config;
}

/** camelCase keys to the snake_case Terraform JSON uses, recursively. */
export function toSnake(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toSnake);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`),
        toSnake(v),
      ]),
    );
  }
  return value;
}

function isDeepPartial(partial: unknown, actual: unknown): boolean {
  if (partial !== null && typeof partial === "object") {
    if (actual === null || typeof actual !== "object") return false;
    if (Array.isArray(partial)) {
      return (
        Array.isArray(actual) &&
        partial.length === actual.length &&
        partial.every((p, i) => isDeepPartial(p, actual[i]))
      );
    }
    return Object.entries(partial).every(([k, v]) =>
      isDeepPartial(v, (actual as Record<string, unknown>)[k]),
    );
  }
  return partial === actual;
}

/**
 * The stack's Terraform JSON with the `//` comment keys that `Testing.synth` strips: construct
 * metadata, and the opt-outs and suppressions the review report reads.
 */
export function synthWithComments(stack: Construct): SynthJson {
  synthJson(stack); // runs aspects and validation first, as a real synth does
  return (stack as unknown as { toTerraform(): SynthJson }).toTerraform();
}

/**
 * The ValidationErrors a build throws, every one of them (a settings file with several bad fields
 * throws them together); fails when it throws anything else, or nothing.
 */
export function validationErrorsOf(build: () => unknown): ValidationError[] {
  try {
    build();
  } catch (e) {
    if (e instanceof ValidationErrors) return [...e.errors];
    if (e instanceof ValidationError) return [e];
    throw e;
  }
  throw new Error("no error");
}

/**
 * The policy findings of a stack that no suppression or accepted opt-out covers, judged on its
 * JSON with the `"//"` comments where those are recorded.
 */
export function openFindings(stack: PlatformStack): Finding[] {
  const reviewed = JSON.parse(JSON.stringify(synthWithComments(stack))) as Json;
  return evaluate([parseStack(stack.node.id, reviewed)]).filter((f) => f.suppressed === undefined);
}
