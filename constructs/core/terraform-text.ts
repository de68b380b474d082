import type { IConstruct } from "constructs";
import { TerraformElement, TerraformOutput, Tokenization, type IAspect } from "cdktf";

/**
 * User text must reach the provider as written. In Terraform JSON every string is a template:
 * `${...}` is an expression and `%{...}` a directive, evaluated at plan time on the deployer's
 * machine (`${file("~/.ssh/id_rsa")}` reads a local file). This module is the one place that
 * neutralizes them, for every construct of every cloud:
 *
 * - {@link escapeTerraformText} turns a literal `${` into `$${` and `%{` into `%%{`, which
 *   Terraform reads back as the literal characters. cdktf token markers (`${TfToken[...]}`, the
 *   references the library creates between resources) are kept, so references still work.
 * - {@link TerraformTextAspect}, which every `PlatformStack` adds, applies it to every string
 *   attribute of every resource, data source and provider, and to output descriptions, as the
 *   stack is synthesized. Constructs never escape by hand (a startup script, a build step's
 *   `${_SUBSTITUTION}`, a user's description all go through this one place), so the provider
 *   receives every text exactly as written, and a construct cannot forget to escape a prop.
 *
 * Escape-hatch overrides (`addOverride`) are not touched: they are raw Terraform on purpose.
 */

/** A complete cdktf token marker. Global: use it with `matchAll` or `replace`, not `test`. */
export const TOKEN_MARKER = /\$\{TfToken\[[^\]]+\]\}/g;

/**
 * Escapes text for a Terraform JSON string value so that it reaches the provider exactly as
 * written: every `${` becomes `$${` and every `%{` becomes `%%{` (Terraform reads those back as the
 * literal characters). Needed for text in another tool's syntax too, such as Cloud Build's
 * `${_SERVICE_NAME}` or a shell script's `${HOME}`. Complete cdktf token markers
 * ({@link TOKEN_MARKER}) are kept, so references inside the text still work; anything that merely
 * starts like one (`${TfToken[` without its closing `]}`) is literal text and is escaped.
 */
export function escapeTerraformText(text: string): string {
  const escape = (literal: string): string => literal.replace(/([$%])\{/g, "$1$1{");
  let out = "";
  let last = 0;
  for (const match of text.matchAll(TOKEN_MARKER)) {
    out += escape(text.slice(last, match.index)) + match[0];
    last = match.index + match[0].length;
  }
  return out + escape(text.slice(last));
}

/**
 * True when `text` holds a `${` or `%{` that Terraform would read as a template sequence, other
 * than a cdktf token marker or an escaped `$${` / `%%{`.
 */
export function hasTerraformTemplateSequence(text: string): boolean {
  // Read left to right as Terraform does, so that `$$${` is `$` then the escape `$${`.
  const sequences = /\$\$\{|%%\{|\$\{TfToken\[[^\]]+\]\}|[$%]\{/g;
  for (const [match] of text.matchAll(sequences)) {
    if (match === "${" || match === "%{") return true;
  }
  return false;
}

/** Escapes every string inside plain objects and arrays; tokens and other values are kept. */
export function escapeTerraformValue<T>(value: T): T {
  if (typeof value === "string") {
    return (/[$%]\{/.test(value) ? escapeTerraformText(value) : value) as T;
  }
  if (Array.isArray(value)) {
    let changed = false;
    const out = value.map((item) => {
      const escaped = escapeTerraformValue(item);
      changed ||= escaped !== item;
      return escaped;
    });
    return (changed ? out : value) as T;
  }
  if (value !== null && typeof value === "object" && !Tokenization.isResolvable(value)) {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return value;
    let changed = false;
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
      const escaped = key === "//" ? item : escapeTerraformValue(item);
      changed ||= escaped !== item;
      out[key] = escaped;
    }
    return (changed ? out : value) as T;
  }
  return value;
}

type Synthesizing = TerraformElement & { synthesizeAttributes?: () => Record<string, unknown> };
const WRAPPED = Symbol.for("platform.terraformTextEscaped");

/**
 * The stack-wide boundary for user text: wraps each element's attribute synthesis so that every
 * string it yields goes through {@link escapeTerraformValue}. Added by `PlatformStack`.
 */
export class TerraformTextAspect implements IAspect {
  visit(node: IConstruct): void {
    if (node instanceof TerraformOutput) {
      if (typeof node.description === "string") {
        node.description = escapeTerraformText(node.description);
      }
      return;
    }
    if (!(node instanceof TerraformElement)) return;
    const element = node as Synthesizing & { [WRAPPED]?: true };
    const synthesize = element.synthesizeAttributes;
    if (typeof synthesize !== "function" || element[WRAPPED]) return;
    Object.defineProperty(element, WRAPPED, { value: true });
    element.synthesizeAttributes = () => escapeTerraformValue(synthesize.call(element));
  }
}
