import type { IConstruct } from "constructs";
import { z } from "zod";
import { parseConfig } from "./config";
import { invalid } from "./errors";

/**
 * Run-time validation of construct props: the one mechanism every construct uses, so JavaScript
 * callers and settings files get the same errors as TypeScript callers. Each construct declares a
 * zod schema beside its props interface (`satisfies PropsSchema<XProps>` keeps the two in step at
 * compile time) and calls {@link checkProps} first thing in its constructor. The schema checks
 * shapes and types only: `"false"` for a boolean, `"30"` for a number, a number for a string, an
 * unknown prop (a typo) are refused with every bad prop named at once; the construct's own checks
 * (names, ranges, grammars) follow.
 */

/** A schema whose parsed value is assignable to the props interface `P`. */
export type PropsSchema<P> = z.ZodType<P, unknown>;

/** Validates `props` against `schema`; throws a ValidationError naming each bad prop. */
export function checkProps<S extends z.ZodType>(
  scope: IConstruct,
  schema: S,
  props: unknown,
  example: string,
): z.output<S> {
  if (props === undefined || props === null || typeof props !== "object" || Array.isArray(props)) {
    invalid(scope, "props", props, "are missing", `pass ${example}`);
  }
  return parseConfig(schema, props, scope);
}

/**
 * A prop that takes another construct (or anything with the listed members), e.g. a network:
 * `constructRef<INetwork>("a Network (or Network.fromAttributes)", ["subnet"])`.
 */
export function constructRef<T>(what: string, members: readonly string[]): z.ZodType<T> {
  return z.custom<T>(
    (value) =>
      typeof value === "object" &&
      value !== null &&
      members.every((m) => (value as Record<string, unknown>)[m] !== undefined),
    { message: `pass ${what}` },
  );
}

/** The `{ reason }` of a named opt-out; the reason's length is checked by `acceptOptOut`. */
export const optOutSchema = z.strictObject({ reason: z.string() });

/** A string map such as labels or environment variables. */
export const stringMap = z.record(z.string(), z.string());
