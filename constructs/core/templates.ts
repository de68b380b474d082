import * as fs from "node:fs";
import * as path from "node:path";
import Handlebars from "handlebars";
import { invalid, type ErrorSource } from "./errors";
import { TOKEN_MARKER } from "./terraform-text";

/**
 * Synth-time templates: the files in the project's `templates/` directory (startup scripts,
 * systemd units, deploy scripts), rendered with handlebars in strict mode (a variable the
 * template uses but the caller did not give throws) and without HTML escaping (the output is
 * shell and systemd text, not HTML). Callers validate values for their grammar; the templates
 * then insert every value through a helper that quotes it for its context or refuses it:
 *
 * - `{{shq v}}` a shell word: bare when it holds only `[A-Za-z0-9_@%+=:,./-]`, otherwise
 *   single-quoted with `'\''` for each `'` (cdktf references end up inside the quotes);
 * - `{{shdq v}}` text inside a double-quoted shell string: `\`, `` ` ``, `"` and `$` are
 *   backslash-escaped (cdktf references are kept);
 * - `{{word v}}` a plain word of `[A-Za-z0-9._:/@+=,-]` (and cdktf references), for systemd
 *   and nginx lines and connection strings, where quoting rules differ: anything else is refused;
 * - `{{comment v}}` text in a comment line: refused when it holds a line break;
 * - `{{hostnames v}}` a space-separated list of RFC 1123 host names.
 *
 * A refused value is a ValidationError naming the template, the line and the helper.
 */

/** The directory templates are read from, relative to this module (never the working directory). */
export const TEMPLATES_DIR = path.join(__dirname, "../../templates");

const TEMPLATE_NAME = /^[a-z0-9][a-z0-9._-]*\.hbs$/;

/** Block helpers whose first argument must be given: strict mode does not check helper arguments. */
const CHECKED_HELPERS = ["if", "unless", "each", "with"] as const;
/** The quoting helpers (see below): their argument is checked the same way. */
const QUOTING_HELPER_NAMES = ["shq", "shdq", "word", "comment", "hostnames"] as const;
const ARGUMENT_HELPERS: readonly string[] = [...CHECKED_HELPERS, ...QUOTING_HELPER_NAMES];

/** Raised by a checked helper; turned into a ValidationError naming the variable. */
class MissingHelperArgument extends Error {
  constructor(readonly at: string) {
    super(`missing helper argument at ${at}`);
  }
}

interface CompiledTemplate {
  readonly render: Handlebars.TemplateDelegate;
  /** `line:column` of each checked helper call → the variable it was given. */
  readonly helperArguments: ReadonlyMap<string, string>;
}

const env = Handlebars.create();
for (const name of CHECKED_HELPERS) {
  const builtin = env.helpers[name] as (this: unknown, ...args: unknown[]) => unknown;
  env.registerHelper(name, function (this: unknown, ...args: unknown[]) {
    const options = args[args.length - 1] as Handlebars.HelperOptions & {
      loc?: hbs.AST.SourceLocation;
    };
    if (args.length < 2 || args[0] === undefined || args[0] === null) {
      throw new MissingHelperArgument(locationKey(options.loc?.start));
    }
    return builtin.apply(this, args);
  });
}

/** Raised by a quoting helper for a value it cannot put into its context. */
class TemplateValueError extends Error {
  constructor(
    readonly helper: string,
    readonly value: unknown,
    readonly problem: string,
    readonly line: string,
  ) {
    super(`{{${helper}}} at line ${line}: ${problem}`);
  }
}

/** Characters that mean nothing to the shell outside quotes (as Python's shlex.quote). */
const SHELL_SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;
/** A word that systemd, nginx and libpq read literally. */
const PLAIN_WORD = /^[A-Za-z0-9._:/@+=,-]+$/;
const LABEL = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
const RFC1123_HOST = new RegExp(`^${LABEL}(?:\\.${LABEL})*$`);

/**
 * True for an RFC 1123 host name: dot-separated labels of letters, digits and hyphens, each 1–63
 * characters and not starting or ending with a hyphen, at most 253 characters in all.
 */
export function isHostName(value: unknown): value is string {
  return typeof value === "string" && value.length <= 253 && RFC1123_HOST.test(value);
}

/**
 * Quotes `value` as one shell word: unchanged when every character is safe outside quotes,
 * otherwise in single quotes, each `'` written as `'\''`. The empty string is `''`.
 */
export function shellQuote(value: string): string {
  if (value.includes("\0")) throw new Error("a shell word cannot hold a NUL byte");
  if (SHELL_SAFE.test(value)) return value;
  return `'${value.replace(/'/g, "'\\''")}'`;
}

/**
 * Escapes `value` for the inside of a double-quoted shell string: `\`, `` ` ``, `"` and `$`
 * get a backslash. Complete cdktf token markers are kept, so Terraform fills in references.
 */
export function shellDoubleQuoted(value: string): string {
  if (value.includes("\0")) throw new Error("a shell string cannot hold a NUL byte");
  return mapLiterals(value, (text) => text.replace(/[\\`"$]/g, "\\$&"));
}

/** Applies `f` to the parts of `text` outside complete cdktf token markers. */
function mapLiterals(text: string, f: (literal: string) => string): string {
  let out = "";
  let last = 0;
  for (const match of text.matchAll(TOKEN_MARKER)) {
    out += f(text.slice(last, match.index)) + match[0];
    last = match.index + match[0].length;
  }
  return out + f(text.slice(last));
}

type Helper = (value: unknown, fail: (problem: string) => never) => string;

const QUOTING_HELPERS: Readonly<Record<(typeof QUOTING_HELPER_NAMES)[number], Helper>> = {
  shq: (value, fail) => {
    const text = scalar(value, fail);
    if (text.includes("\0")) fail("holds a NUL byte, which no shell word can");
    return shellQuote(text);
  },
  shdq: (value, fail) => {
    const text = scalar(value, fail);
    if (text.includes("\0")) fail("holds a NUL byte, which no shell string can");
    return shellDoubleQuoted(text);
  },
  word: (value, fail) => {
    const text = scalar(value, fail);
    const literal = text.replace(TOKEN_MARKER, "");
    if (literal !== "" && !PLAIN_WORD.test(literal)) {
      fail("is not one plain word of letters, digits and . _ : / @ + = , -");
    }
    if (text === "") fail("is empty");
    return text;
  },
  comment: (value, fail) => {
    const text = scalar(value, fail);
    if (/[\r\n\0]/.test(text)) fail("holds a line break, which would end the comment");
    return text;
  },
  hostnames: (value, fail) => {
    const text = scalar(value, fail);
    const names = text.split(" ");
    const bad = names.find((n) => !isHostName(n));
    if (bad !== undefined) {
      fail(`has ${JSON.stringify(bad)}, which is not an RFC 1123 host name`);
    }
    return text;
  },
};

function scalar(value: unknown, fail: (problem: string) => never): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return fail(`is a ${value === null ? "null" : typeof value}, not text or a number`);
}

for (const [name, helper] of Object.entries(QUOTING_HELPERS)) {
  env.registerHelper(name, function (this: unknown, ...args: unknown[]) {
    const options = args[args.length - 1] as Handlebars.HelperOptions & {
      loc?: hbs.AST.SourceLocation;
    };
    const line = String(options.loc?.start.line ?? "?");
    if (args.length !== 2) {
      throw new TemplateValueError(name, undefined, "takes exactly one value", line);
    }
    const value = args[0];
    if (value === undefined || value === null) {
      throw new MissingHelperArgument(locationKey(options.loc?.start));
    }
    return helper(value, (problem) => {
      throw new TemplateValueError(name, value, problem, line);
    });
  });
}

const cache = new Map<string, CompiledTemplate>();

/**
 * Loads and compiles a template of `templates/` once; later calls return the cached template.
 * Throws a ValidationError for a name that is not a plain file name or a file that does not exist.
 */
export function loadTemplate(source: ErrorSource, name: string): CompiledTemplate {
  const cached = cache.get(name);
  if (cached) return cached;
  if (typeof name !== "string" || !TEMPLATE_NAME.test(name)) {
    invalid(
      source,
      "template",
      name,
      "is not a template file name",
      "name a file of templates/ such as 'startup.sh.hbs' (no directories)",
    );
  }
  const file = path.join(TEMPLATES_DIR, name);
  if (!fs.existsSync(file)) {
    invalid(
      source,
      "template",
      name,
      "does not exist in the project's templates/ directory",
      "add the file to templates/ or fix the name",
    );
  }
  const ast = env.parse(fs.readFileSync(file, "utf8"));
  const compiled: CompiledTemplate = {
    render: env.compile(ast, { strict: true, noEscape: true }),
    helperArguments: helperArguments(ast),
  };
  cache.set(name, compiled);
  return compiled;
}

/**
 * Renders a template of `templates/` with `variables`. Every variable the template uses must be
 * given: a missing one (or one given as `undefined`/`null`) throws a ValidationError naming the
 * template and the variable, e.g. `template startup.sh.hbs = "registryHosts" ... (startup script
 * variables missing)`. `what` names the output in that message.
 */
export function renderTemplate(
  source: ErrorSource,
  name: string,
  variables: Readonly<Record<string, unknown>>,
  what: string = name,
): string {
  const template = loadTemplate(source, name);
  // Drop undefined/null so that they count as missing in strict mode, and keep plain data only.
  const data = JSON.parse(JSON.stringify(variables, (_k, v: unknown) => v ?? undefined)) as object;
  try {
    return template.render(data);
  } catch (error) {
    if (error instanceof TemplateValueError) {
      return invalid(
        source,
        `template ${name}`,
        error.value,
        `${error.problem} ({{${error.helper}}} at line ${error.line}; ${what})`,
        "fix the value passed to the template; it must fit the grammar of the line it lands in",
      );
    }
    const missing = missingVariable(template, error);
    if (missing === undefined) throw error;
    return invalid(
      source,
      `template ${name}`,
      missing.variable,
      `is used at line ${missing.line} but no value was given (${what} variables missing)`,
      `pass "${missing.variable}" when rendering ${name}, or remove it from templates/${name}`,
    );
  }
}

function missingVariable(
  template: CompiledTemplate,
  error: unknown,
): { variable: string; line: string } | undefined {
  if (error instanceof MissingHelperArgument) {
    return {
      variable: template.helperArguments.get(error.at) ?? "(a helper argument)",
      line: error.at.split(":")[0],
    };
  }
  const message = error instanceof Error ? error.message : "";
  const match = /^"([^"]+)" not defined in .* - (\d+):\d+$/s.exec(message);
  return match ? { variable: match[1], line: match[2] } : undefined;
}

function locationKey(position: hbs.AST.Position | undefined): string {
  return position ? `${position.line}:${position.column}` : "?:?";
}

/** Collects the variables given to checked helpers, by the location of the call. */
function helperArguments(program: hbs.AST.Program): Map<string, string> {
  const found = new Map<string, string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node === null || typeof node !== "object") return;
    const n = node as Partial<hbs.AST.BlockStatement> & { body?: unknown };
    if (
      (n.type === "BlockStatement" || n.type === "MustacheStatement") &&
      ARGUMENT_HELPERS.includes(n.path?.original ?? "") &&
      n.params?.[0]?.type === "PathExpression"
    ) {
      const param = n.params[0] as hbs.AST.PathExpression;
      found.set(locationKey(n.loc?.start), param.original);
    }
    visit(n.body);
    visit(n.program);
    visit(n.inverse);
  };
  visit(program);
  return found;
}
