import * as fs from "node:fs";
import * as path from "node:path";
import Handlebars from "handlebars";
import { invalid, type ErrorSource } from "./errors";

/**
 * Synth-time templates: the files in the project's `templates/` directory (startup scripts,
 * systemd units, deploy scripts), rendered with handlebars in strict mode (a variable the
 * template uses but the caller did not give throws) and without HTML escaping (the output is
 * shell and systemd text, not HTML). Values inserted into such files must be validated by the
 * caller with strict patterns; the renderer does not quote anything.
 */

/** The directory templates are read from, relative to this module (never the working directory). */
export const TEMPLATES_DIR = path.join(__dirname, "../../templates");

const TEMPLATE_NAME = /^[a-z0-9][a-z0-9._-]*\.hbs$/;

/** Block helpers whose first argument must be given: strict mode does not check helper arguments. */
const CHECKED_HELPERS = ["if", "unless", "each", "with"] as const;

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
      (CHECKED_HELPERS as readonly string[]).includes(n.path?.original ?? "") &&
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
