import { readFileSync } from "node:fs";
import type { z } from "zod";
import { type ErrorSource, ValidationError, ValidationErrors } from "./errors";
import { suggestion } from "./suggest";

/**
 * Validates configuration data (built-in example settings or a JSON file a team supplies) against a
 * zod schema. Every bad field is reported at once, each with its path, the value found and what to
 * write instead; nothing is synthesized from a config that fails.
 *
 * Schemas used here should phrase custom messages as instructions ("use a GCP project ID: ..."),
 * since the message becomes the "Fix:" line of the error.
 */
export function parseConfig<S extends z.ZodType>(
  schema: S,
  input: unknown,
  source: ErrorSource,
  kind: "setting" | "prop" = typeof source === "string" ? "setting" : "prop",
): z.output<S> {
  const result = schema.safeParse(input, { reportInput: true });
  if (result.success) return result.data;
  const errors = result.error.issues.map((issue) =>
    issueToError(issue, input, source, kind, schema),
  );
  throw errors.length === 1 ? errors[0] : new ValidationErrors(errors);
}

function issueToError(
  issue: z.core.$ZodIssue,
  input: unknown,
  source: ErrorSource,
  known: "setting" | "prop",
  schema: z.ZodType,
): ValidationError {
  const property = formatPath(issue.path) || "(root)";
  const value = "input" in issue ? issue.input : valueAt(input, issue.path);
  switch (issue.code) {
    case "unrecognized_keys":
      return new ValidationError({
        source,
        property:
          property === "(root)" ? issue.keys.join(", ") : `${property}.${issue.keys.join(", ")}`,
        value: issue.keys,
        problem: `is not a known ${known}`,
        fix: suggestion(
          issue.keys[0],
          keysAt(schema, issue.path),
          "remove it or check its spelling",
        ),
      });
    case "invalid_type":
      return new ValidationError({
        source,
        property,
        value,
        problem: value === undefined ? "is missing" : `has the wrong type`,
        fix:
          `give ${/^[aeiou]/.test(issue.expected) ? "an" : "a"} ${issue.expected}` +
          (value === undefined ? "" : `, not ${kindOf(value)}`),
      });
    case "invalid_value":
      return new ValidationError({
        source,
        property,
        value,
        problem: value === undefined ? "is missing" : "is not one of the allowed values",
        fix: `use one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`,
      });
    default:
      return new ValidationError({
        source,
        property,
        value,
        problem: value === undefined ? "is missing" : "is invalid",
        fix: issue.message,
      });
  }
}

/** How a JavaScript value's type is named in a message: `the string "false"`, `null`, `an array`. */
function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string")
    return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value)}`;
  if (typeof value === "number") return `the number ${value}`;
  if (typeof value === "object") return "an object";
  return `a ${typeof value}`;
}

interface SchemaDef {
  readonly type?: string;
  readonly shape?: Record<string, { _zod: { def: SchemaDef } }>;
  readonly element?: { _zod: { def: SchemaDef } };
  readonly innerType?: { _zod: { def: SchemaDef } };
  readonly in?: { _zod: { def: SchemaDef } };
  readonly valueType?: { _zod: { def: SchemaDef } };
}

/** The keys an object schema allows at a path (for "did you mean"); empty when unknown. */
function keysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let def = (schema as unknown as { _zod: { def: SchemaDef } })._zod.def;
  const unwrap = () => {
    for (let i = 0; i < 10; i++) {
      const next = def.innerType ?? def.in;
      if (
        !next ||
        !["optional", "nullable", "default", "pipe", "readonly", "prefault"].includes(
          def.type ?? "",
        )
      )
        return;
      def = next._zod.def;
    }
  };
  unwrap();
  for (const part of path) {
    if (def.type === "array" && typeof part === "number" && def.element) def = def.element._zod.def;
    else if (def.type === "record" && def.valueType) def = def.valueType._zod.def;
    else if (def.type === "object" && def.shape && typeof part === "string" && def.shape[part]) {
      def = def.shape[part]._zod.def;
    } else return [];
    unwrap();
  }
  return def.type === "object" && def.shape ? Object.keys(def.shape) : [];
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = input;
  for (const part of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<PropertyKey, unknown>)[part];
  }
  return current;
}

/**
 * Reads a JSON settings file for {@link parseConfig}. A missing or unreadable file, or invalid
 * JSON, is a ValidationError naming the file, never a raw stack trace.
 */
export function readConfigFile(file: string, label = "config file"): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new ValidationError({
      source: label,
      property: "path",
      value: file,
      problem: `cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"})`,
      fix: "point to an existing JSON file",
    });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ValidationError({
      source: label,
      property: "contents",
      value: file,
      problem: `is not valid JSON (${(error as Error).message})`,
      fix: "fix the JSON syntax",
    });
  }
}
