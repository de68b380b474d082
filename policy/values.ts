import { Cidr, coversWholeInternet, CREDENTIAL_KEY } from "../vocabulary";

export { CREDENTIAL_KEY };
import type { Json, Verdict } from "./types";

/**
 * Reading Terraform JSON the way the rules need it. Blocks appear as an object (a block with at
 * most one item, as cdktf writes it) or as a list of objects (what Terraform JSON also accepts),
 * so every accessor handles both. Strings holding `${...}` are Terraform expressions whose value
 * is only known at apply time: rules treat them as "cannot be verified" (fail closed) unless they
 * resolve to a resource of the stack.
 */

export const COMPLIANT: Verdict = { status: "compliant" };
export const NOT_APPLICABLE: Verdict = { status: "not-applicable" };
export function violation(message: string): Verdict {
  return { status: "non-compliant", message };
}
/** One verdict for several checks: non-compliant with every message when any fails. */
export function combine(...verdicts: Verdict[]): Verdict {
  return problemsVerdict(
    verdicts.flatMap((v) => (v.status === "non-compliant" ? [v.message] : [])),
  );
}
/** Compliant when `problems` is empty, else one finding listing them. */
export function problemsVerdict(problems: readonly string[]): Verdict {
  return problems.length === 0 ? COMPLIANT : violation(problems.join("; "));
}

export function isObject(value: unknown): value is Json {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** True for a string holding a Terraform expression (`${var.x}`, `${aws_s3_bucket.b.id}`). */
export function isToken(value: unknown): value is string {
  return typeof value === "string" && value.includes("${");
}

/** The items of a block: `[]` when absent, `[obj]` for an object, the objects of a list. */
export function blocks(value: unknown): Json[] {
  if (Array.isArray(value)) return value.filter(isObject);
  return isObject(value) ? [value] : [];
}

/**
 * The value at a dotted path (`settings.ip_configuration.ipv4_enabled`); a block given as a list
 * is read through its first item. Undefined when any step is missing.
 */
export function get(value: unknown, path: string): unknown {
  let current = value;
  for (const key of path.split(".")) {
    if (Array.isArray(current)) current = current[0];
    if (!isObject(current)) return undefined;
    current = current[key];
  }
  return current;
}

/** `true` / `false` for booleans and their string forms, `"unknown"` for anything else set. */
export function flag(value: unknown): boolean | "unknown" | undefined {
  if (value === undefined || value === null) return undefined;
  if (value === true || value === false) return value;
  if (typeof value === "string" && /^(true|false)$/i.test(value)) {
    return value.toLowerCase() === "true";
  }
  return "unknown";
}

/** Describes a value for a message: `"${var.x}"`, `false`, `(not set)`. */
export function show(value: unknown): string {
  if (value === undefined) return "(not set)";
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** The message of a value that must be a literal to be checked. */
export function unverifiable(path: string, value: unknown): string {
  return `${path} = ${show(value)} cannot be verified: it is only known at apply time`;
}

/**
 * Checks that a boolean argument has the wanted value. An unset argument takes the provider's
 * default (`providerDefault`); an expression cannot be verified. Both fail when they do not give
 * the wanted value for certain.
 */
export function requireFlag(
  config: unknown,
  path: string,
  wanted: boolean,
  providerDefault?: boolean,
): Verdict {
  const value = get(config, path);
  const parsed = flag(value);
  if (parsed === wanted) return COMPLIANT;
  if (parsed === undefined) {
    if (providerDefault === wanted) return COMPLIANT;
    return violation(
      providerDefault === undefined
        ? `${path} is not set; set it to ${wanted}`
        : `${path} is not set and defaults to ${providerDefault}`,
    );
  }
  if (parsed === "unknown") return violation(unverifiable(path, value));
  return violation(`${path} is ${show(value)}`);
}

/** Every `type.name` (or `data.type.name`) address a value references, in order, unique. */
export function referencedAddresses(value: unknown): string[] {
  const found = new Set<string>();
  const visit = (v: unknown): void => {
    if (typeof v === "string") {
      for (const m of v.matchAll(REFERENCE)) found.add(`${m[1] ?? ""}${m[2]}.${m[3]}`);
    } else if (Array.isArray(v)) {
      v.forEach(visit);
    } else if (isObject(v)) {
      for (const [k, item] of Object.entries(v)) if (k !== "//" && k !== "depends_on") visit(item);
    }
  };
  visit(value);
  return [...found];
}

/** The address a value refers to when the whole value is one reference (`${a.b.id}`). */
export function referenceOf(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  const m = /^\$\{(data\.)?([a-z][a-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_-]*)(\.[^}]*)?\}$/.exec(value);
  return m ? `${m[1] ?? ""}${m[2]}.${m[3]}` : undefined;
}

const REFERENCE = /\$\{[^}]*?\b(data\.)?([a-z][a-z0-9]*_[a-z0-9_]+)\.([A-Za-z_][A-Za-z0-9_-]*)/g;

/** Replaces `${type.name.attr}` expressions by `type.name.attr`, for tables. */
export function readable(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "string") return value.replace(/\$\{([^}]*)\}/g, "$1");
  if (Array.isArray(value)) return value.map(readable).join(", ");
  return JSON.stringify(value);
}

/** The list of strings of an argument; a single expression stays one item. */
export function strings(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value.map((v) => (typeof v === "string" ? v : String(v)));
  return [typeof value === "string" ? value : String(value)];
}

/** A CIDR that covers every address (`0.0.0.0/0`, `::/0`). */
export function isWorld(cidr: unknown): boolean {
  return typeof cidr === "string" && Cidr.tryParse(cidr.trim())?.isWholeInternet === true;
}

/**
 * Whether a list of CIDRs includes the whole internet, judged on the union of its ranges
 * (`0.0.0.0/1` + `128.0.0.0/1` is the world): `true`, `false`, or `"unknown"` when an expression
 * stands for the list or one of its items and the literal ones do not already cover the world.
 */
export function includesWorld(value: unknown): boolean | "unknown" {
  const items = strings(value);
  if (coversWholeInternet(items.filter((i) => !isToken(i)))) return true;
  return items.some(isToken) ? "unknown" : false;
}

/**
 * The ranges of a list that make it the whole internet, for messages: the `/0` ones, or all the
 * literal ranges with a note when only their union is the world.
 */
export function worldRanges(value: unknown): string {
  const items = strings(value).filter((i) => !isToken(i));
  const whole = items.filter(isWorld);
  if (whole.length > 0) return whole.join(", ");
  return `${items.join(", ")} (together the whole internet)`;
}

/** An inclusive port range; `all` covers every port. */
export interface PortRange {
  readonly from: number;
  readonly to: number;
}
export const ALL_PORTS: PortRange = { from: 0, to: 65535 };

/** Parses `22`, `"22"`, `"8000-8100"`; undefined when it cannot be read (an expression). */
export function parsePortRange(value: unknown): PortRange | undefined {
  if (typeof value === "number" && Number.isInteger(value)) return { from: value, to: value };
  if (typeof value !== "string") return undefined;
  const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(value);
  if (!m) return undefined;
  return { from: Number(m[1]), to: Number(m[2] ?? m[1]) };
}

export function coversPort(range: PortRange, port: number): boolean {
  return range.from <= port && port <= range.to;
}

/** `tcp:22`, `tcp:8000-8100`, `all`. */
export function formatPorts(protocol: string, ranges: readonly PortRange[] | "all"): string {
  if (protocol === "all" || protocol === "-1") return "all";
  if (ranges === "all") return `${protocol}:all`;
  return ranges
    .map((r) => `${protocol}:${r.from === r.to ? r.from : `${r.from}-${r.to}`}`)
    .join(", ");
}

/**
 * A config with its `dynamic` blocks read as the blocks they produce, so every rule sees them:
 * `"dynamic": { "ingress": { "for_each": ..., "iterator"?: ..., "content": {...} } }` (what
 * Terraform JSON and cdktf iterators write) becomes `ingress` items. A literal `for_each` list or
 * map is expanded, `${<iterator>.value...}` / `${<iterator>.key}` replaced by its items; an
 * expression `for_each` yields the content once with those references left as expressions, so a
 * rule that needs them fails closed ("cannot be verified") and a risky literal in the content is
 * reported. Static blocks of the same name come first. Nested blocks are normalized too.
 */
export function withDynamicBlocks(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withDynamicBlocks);
  if (!isObject(value)) return value;
  const out: Json = {};
  for (const [name, item] of Object.entries(value)) {
    if (name === "dynamic") continue;
    out[name] = name === "//" ? item : withDynamicBlocks(item);
  }
  for (const dynamic of blocks(value.dynamic)) {
    for (const [name, spec] of Object.entries(dynamic)) {
      for (const one of blocks(spec)) {
        const produced = expandDynamic(name, one);
        if (produced.length === 0 && out[name] === undefined) continue;
        out[name] = [...blocks(out[name]), ...produced];
      }
    }
  }
  return out;
}

function expandDynamic(name: string, spec: Json): Json[] {
  const content = blocks(spec.content)[0];
  if (!content) return [];
  const iterator = typeof spec.iterator === "string" ? spec.iterator : name;
  const forEach = spec.for_each;
  const items: [unknown, unknown][] = Array.isArray(forEach)
    ? forEach.map((v, i) => [i, v])
    : isObject(forEach)
      ? Object.entries(forEach)
      : [];
  const normalized = withDynamicBlocks(content) as Json;
  if (!Array.isArray(forEach) && !isObject(forEach)) {
    return [{ ...normalized, "//dynamic": { for_each: forEach } }];
  }
  return items.map(([k, v]) => substituteIterator(normalized, iterator, k, v) as Json);
}

/** Replaces whole-value `${it.value}`, `${it.value.x}`, `${it.value["x"]}`, `${it.key}`. */
function substituteIterator(value: unknown, iterator: string, k: unknown, v: unknown): unknown {
  if (Array.isArray(value)) return value.map((x) => substituteIterator(x, iterator, k, v));
  if (isObject(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([name, x]) => [name, substituteIterator(x, iterator, k, v)]),
    );
  }
  if (typeof value !== "string") return value;
  const escaped = iterator.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const m = new RegExp(
    `^\\$\\{${escaped}\\.(key|value)(?:\\.([A-Za-z_][\\w-]*)|\\["([^"]+)"\\])?\\}$`,
  ).exec(value);
  if (!m) return value;
  if (m[1] === "key") return m[2] || m[3] ? value : k;
  const field = m[2] ?? m[3];
  if (field === undefined) return v;
  return isObject(v) && field in v ? v[field] : value;
}
