import * as fs from "node:fs";
import { parseArgs } from "node:util";
import { readBaseStacks, diffStacks } from "./diff";
import { blocking, evaluate } from "./engine";
import { loadOutdir, ReviewInputError } from "./load";
import { buildReview, renderMarkdown } from "./report";
import { renderSarif } from "./sarif";

/**
 * `npm run review -- [DIR] [--base GIT_REF] [--stack NAME]... [--format md|json|sarif] [--out FILE]`
 *
 * Reviews a synthesized cdktf output directory offline: runs the policy rules and prints a report
 * (Markdown for a PR, JSON, or SARIF for code scanning). Exit codes: 0 no unsuppressed error
 * finding, 1 at least one, 2 bad input (one line on stderr, never a stack trace).
 *
 * Imports nothing from cdktf or the providers, so it starts fast.
 */

const USAGE =
  "usage: npm run review -- [DIR] [--base GIT_REF] [--stack NAME]... [--format md|json|sarif] [--out FILE]";
const FORMATS = ["md", "json", "sarif"] as const;
type Format = (typeof FORMATS)[number];

export interface ReviewOptions {
  readonly dir: string;
  readonly base?: string;
  readonly format: Format;
  readonly out?: string;
  /** Limit the review to these stacks (`--stack`, repeatable). @default every stack */
  readonly stacks?: readonly string[];
}

/** Parses the command line; throws {@link ReviewInputError} on a bad option. */
export function parseOptions(argv: readonly string[]): ReviewOptions | "help" {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    throw new ReviewInputError(`${(error as Error).message.split("\n")[0]} (${USAGE})`);
  }
  if (parsed.values.help) return "help";
  if (parsed.positionals.length > 1) {
    throw new ReviewInputError(
      `expected one directory, got ${parsed.positionals.join(" ")} (${USAGE})`,
    );
  }
  const format = parsed.values.format ?? "md";
  if (!(FORMATS as readonly string[]).includes(format)) {
    throw new ReviewInputError(`--format ${format} is not one of ${FORMATS.join(", ")}`);
  }
  return {
    dir: parsed.positionals[0] ?? "cdktf.out",
    base: parsed.values.base,
    format: format as Format,
    out: parsed.values.out,
    ...(parsed.values.stack ? { stacks: parsed.values.stack } : {}),
  };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      base: { type: "string" },
      format: { type: "string" },
      out: { type: "string" },
      stack: { type: "string", multiple: true },
      help: { type: "boolean", short: "h" },
    },
  });
}

/** Runs the review; returns the report text and the exit code (0 or 1). */
export function runReview(options: ReviewOptions): {
  text: string;
  exitCode: 0 | 1;
  errors: number;
} {
  const stacks = selectStacks(loadOutdir(options.dir), options.stacks);
  const findings = evaluate(stacks);
  const diff = options.base
    ? diffStacks(
        options.base,
        selectStacks(readBaseStacks(options.dir, options.base), options.stacks, false),
        stacks,
        findings,
      )
    : undefined;
  const review = buildReview(options.dir, stacks, findings, diff);
  const text =
    options.format === "md"
      ? renderMarkdown(review)
      : `${JSON.stringify(options.format === "json" ? review : renderSarif(review, stacks), null, 2)}\n`;
  const errors = blocking(findings).length;
  return { text, exitCode: errors > 0 ? 1 : 0, errors };
}

/**
 * The stacks named by `--stack`, in the order of the output directory; an unknown name is a bad
 * input (exit 2) that lists the known ones. Base stacks (`strict` false) are only filtered: a
 * stack may be new since the base.
 */
export function selectStacks<T extends { readonly name: string }>(
  stacks: readonly T[],
  names: readonly string[] | undefined,
  strict = true,
): T[] {
  if (!names || names.length === 0) return [...stacks];
  const known = stacks.map((s) => s.name);
  const unknown = names.filter((n) => !known.includes(n));
  if (strict && unknown.length > 0) {
    throw new ReviewInputError(
      `unknown stack ${unknown.join(", ")}: the stacks are ${known.join(", ") || "(none)"}`,
    );
  }
  return stacks.filter((s) => names.includes(s.name));
}

/** Where {@link main} writes: the process streams from the command line, a capture in tests. */
export interface ReviewIO {
  stdout(text: string): void;
  stderr(text: string): void;
}

const PROCESS_IO: ReviewIO = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
};

/** The command line: writes the report (or a one-line error) to `io`, returns the exit code. */
export function main(argv: readonly string[], io: ReviewIO = PROCESS_IO): number {
  try {
    const options = parseOptions(argv);
    if (options === "help") {
      io.stdout(`${USAGE}\n`);
      return 0;
    }
    const { text, exitCode, errors } = runReview(options);
    if (options.out) {
      try {
        fs.writeFileSync(options.out, text);
      } catch (error) {
        throw new ReviewInputError(
          `cannot write ${options.out} (${(error as NodeJS.ErrnoException).code ?? "error"})`,
        );
      }
      io.stdout(`review: wrote ${options.out}\n`);
    } else {
      io.stdout(text);
    }
    if (errors > 0)
      io.stderr(`review: ${errors} unsuppressed error finding${errors === 1 ? "" : "s"}\n`);
    return exitCode;
  } catch (error) {
    const reason =
      error instanceof ReviewInputError
        ? error.message
        : `internal error: ${(error as Error)?.message ?? String(error)}`;
    io.stderr(`review: ${reason.replace(/\s*\n\s*/g, " ")}\n`);
    return 2;
  }
}

if (require.main === module) {
  // A reader that stops early (`| head`) is not an error of the review.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE")
      process.stderr.write(`review: cannot write the report (${error.code})\n`);
    process.exit(error.code === "EPIPE" ? (process.exitCode ?? 0) : 2);
  });
  process.exitCode = main(process.argv.slice(2));
}
