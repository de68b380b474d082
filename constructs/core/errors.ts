import type { IConstruct } from "constructs";
import { DefaultTokenResolver, StringConcat, TerraformStack, Token, Tokenization } from "cdktf";

/** Where a bad value was found: a construct (its path is used) or a plain label such as a config file. */
export type ErrorSource = IConstruct | string;

export interface ValidationErrorDetails {
  /** The construct (or config source) that received the bad value. */
  readonly source: ErrorSource;
  /** The property that holds it, with its path inside props (`subnets[1].cidr`). */
  readonly property: string;
  /** The value that was given. */
  readonly value: unknown;
  /** What is wrong with it. */
  readonly problem: string;
  /** What to do instead. */
  readonly fix: string;
}

/**
 * The one error type of the library. Thrown at synth time, before anything is written, whenever an
 * input is invalid or insecure. The message names the construct path, the property, the bad value
 * and what to do instead:
 *
 *     trading-bot-prod/network: subnets[1].cidr = "10.0.0.0/33" is not a valid IPv4 CIDR.
 *       Fix: use a network address with a prefix length, e.g. "10.10.0.0/20".
 */
export class ValidationError extends Error {
  readonly constructPath: string;
  readonly property: string;
  readonly value: unknown;
  readonly problem: string;
  readonly fix: string;

  constructor(details: ValidationErrorDetails) {
    const path = sourcePath(details.source);
    super(
      `${path}: ${details.property} = ${formatValue(readable(details.source, details.value))} ${details.problem}.\n  Fix: ${details.fix}`,
    );
    this.name = "ValidationError";
    this.constructPath = path;
    this.property = details.property;
    this.value = details.value;
    this.problem = details.problem;
    this.fix = details.fix;
  }
}

/**
 * Several validation errors found at once (for example every bad field of a config file). Its
 * message lists each of them; `errors` holds them one by one.
 */
export class ValidationErrors extends ValidationError {
  readonly errors: readonly ValidationError[];

  constructor(errors: readonly ValidationError[]) {
    if (errors.length === 0) throw new Error("ValidationErrors needs at least one error");
    const first = errors[0];
    super({
      source: first.constructPath,
      property: first.property,
      value: first.value,
      problem: first.problem,
      fix: first.fix,
    });
    this.name = "ValidationError";
    this.errors = errors;
    this.message = errors.map((e) => e.message).join("\n");
  }
}

/** Throws a {@link ValidationError}. */
export function invalid(
  source: ErrorSource,
  property: string,
  value: unknown,
  problem: string,
  fix: string,
): never {
  throw new ValidationError({ source, property, value, problem, fix });
}

/**
 * A value with cdktf tokens in it, shown as what the tokens refer to (`${google_sql_database_instance.db.name}`)
 * rather than `${TfToken[TOKEN.12]}`; a token that cannot be resolved here is named as such.
 */
function readable(source: ErrorSource, value: unknown): unknown {
  if (!Token.isUnresolved(value)) return value;
  if (typeof source !== "string") {
    try {
      return Tokenization.resolve(value, {
        scope: TerraformStack.of(source),
        preparing: false,
        resolver: new DefaultTokenResolver(new StringConcat()),
      });
    } catch {
      // not inside a stack, or a token that only resolves at synth: fall through
    }
  }
  return "(a value known only at apply time)";
}

function isConstruct(value: unknown): value is IConstruct {
  const node = (value as { node?: { path?: unknown } } | null)?.node;
  return typeof value === "object" && value !== null && typeof node?.path === "string";
}

function sourcePath(source: ErrorSource): string {
  if (typeof source === "string") return source;
  return source.node.path || "(app)";
}

/** Renders a bad value for a message: short, one line, never `[object Object]`. */
export function formatValue(value: unknown): string {
  if (value === undefined) return "undefined";
  if (typeof value === "bigint") return value.toString();
  if (isConstruct(value)) return `<construct ${value.node.path || "(app)"}>`;
  const seen = new WeakSet<object>();
  const text =
    JSON.stringify(value, (_key, v: unknown) => {
      if (isConstruct(v)) return `<construct ${v.node.path || "(app)"}>`;
      if (v !== null && typeof v === "object") {
        if (seen.has(v)) return "[Circular]";
        seen.add(v);
      }
      return typeof v === "bigint" ? v.toString() : v;
    }) ?? String(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
