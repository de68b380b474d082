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

/**
 * A prop whose shape the construct's own check covers with a more specific message than the
 * schema would give ("is missing", a list of allowed values, a redacted value): the schema lets it
 * through, typed as `T`. `check` names that check, so the reader knows where it is judged.
 */
export function checkedBy<T>(check: string): z.ZodType<T> {
  return z.custom<T>(() => true, { message: `see ${check}` });
}

/**
 * A string prop whose allowed values the construct checks with its own message (`is not a
 * routing mode`, `use "GLOBAL" or "REGIONAL"`): the schema checks that it is a string, the type
 * says which strings.
 */
export function stringOf<T extends string>(): z.ZodType<T> {
  return z.string() as unknown as z.ZodType<T>;
}

/**
 * Validates the options object of a public method, as {@link checkProps} does props: each bad
 * option is named under the method (`addReplica.tier`), and missing options are refused as
 * `<method> = undefined is missing its options`.
 */
export function checkOptions<S extends z.ZodType>(
  scope: IConstruct,
  method: string,
  schema: S,
  options: unknown,
  example: string,
): z.output<S> {
  if (
    options === undefined ||
    options === null ||
    typeof options !== "object" ||
    Array.isArray(options)
  ) {
    invalid(scope, method, options, "is missing its options", `pass ${example}`);
  }
  return (
    parseConfig(optionsSchema(method, schema), { [method]: options }, scope) as Record<
      string,
      z.output<S>
    >
  )[method];
}

/**
 * The `{ [method]: schema }` wrapper that names options under their method, made once per method
 * and schema: zod compiles each new object schema on its first parse, and methods such as
 * `addReplica` or `absenceAlert` run once per region or alert (help/performance.md).
 */
function optionsSchema(method: string, schema: z.ZodType): z.ZodType {
  const byMethod = optionsSchemas.get(schema) ?? new Map<string, z.ZodType>();
  optionsSchemas.set(schema, byMethod);
  let wrapper = byMethod.get(method);
  if (!wrapper) {
    wrapper = z.strictObject({ [method]: schema });
    byMethod.set(method, wrapper);
  }
  return wrapper;
}

const optionsSchemas = new WeakMap<z.ZodType, Map<string, z.ZodType>>();

/**
 * `deletionProtection`, `preventDestroy` and `forceDestroy`, which no stateful construct takes:
 * spread into its schema so they pass the unknown-prop check and reach `refuseProtectionFlags`
 * (core/deletion), whose message says to use `allowDeletion: { reason }` instead.
 */
export const refusedProtectionFlags = {
  deletionProtection: checkedBy<undefined>("refuseProtectionFlags").optional(),
  preventDestroy: checkedBy<undefined>("refuseProtectionFlags").optional(),
  forceDestroy: checkedBy<undefined>("refuseProtectionFlags").optional(),
};

/**
 * A required prop whose absence the construct's own check reports, with a more specific message
 * than "is missing" (`subnets = undefined must list at least one subnet`); when given, it must
 * match `schema`. `check` names that check, for the reader.
 */
export function missingCheckedBy<T>(schema: z.ZodType<T>, check: string): z.ZodType<T> {
  void check;
  return schema.optional() as unknown as z.ZodType<T>;
}

/**
 * An object prop (or list item) whose construct check refuses anything that is not an object with
 * its own message (`ingress[0] = null is not a rule`, with the shape to pass): values that are
 * not objects pass here and reach `check`; objects must match `schema`, whose issues are reported
 * under the prop's path as usual.
 */
export function objectCheckedBy<T>(schema: z.ZodType<T>, check: string): z.ZodType<T> {
  void check;
  return z.unknown().superRefine((value, ctx) => {
    if (value === null || typeof value !== "object" || Array.isArray(value)) return;
    const result = schema.safeParse(value, { reportInput: true });
    if (result.success) return;
    for (const issue of result.error.issues) ctx.addIssue({ ...issue } as never);
  }) as unknown as z.ZodType<T>;
}
