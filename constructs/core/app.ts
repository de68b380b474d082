// First: cdktf creates tokens while its own modules load, before runApp runs.
import { skipTokenCreationTraces } from "./token-traces";
import * as fs from "node:fs";
import * as path from "node:path";
import { App } from "cdktf";
import { ValidationError } from "./errors";
import {
  checkSynthesized,
  formatPolicyFailure,
  formatWarningLine,
  openWarnings,
} from "../../policy/engine";

interface Writer {
  write(text: string): unknown;
}

export interface RunAppOptions {
  /**
   * Where the Terraform JSON goes.
   * @default the `CDKTF_OUTDIR` the cdktf CLI passes, else `cdktf.out`
   */
  readonly outdir?: string;
  /** Where messages go. @default process.stderr */
  readonly stderr?: Writer;
  /** Where the stacks' annotations and the standalone summary go. @default process.stdout */
  readonly stdout?: Writer;
  /**
   * When the app runs without the cdktf CLI (`npm run synth`), also do what the CLI does around
   * the app: remove the `stacks/<name>/` directories of stacks no longer synthesized, print the
   * stacks' annotations (an error annotation stops the synth) and name the stacks generated.
   * Under the CLI, which announces itself with `CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS`, the
   * CLI does all of this itself and this option changes nothing.
   * @default false
   */
  readonly standalone?: boolean;
}

/** Set by `cdktf synth/diff/deploy` for the app it runs: the CLI reports annotations itself. */
const CLI_MARK = "CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS";

/** True when the app was started by the cdktf CLI. */
export function runByCdktfCli(): boolean {
  return process.env[CLI_MARK] !== undefined;
}

/**
 * Builds and synthesizes an app all-or-nothing. cdktf writes each stack as it goes and validates
 * afterwards, so a failure half-way would leave a mix of new and old JSON behind. Here the app is
 * synthesized into a staging directory first; only when every stack synthesized and validated are
 * its files moved over the previous ones (Terraform's working files in the output, such as
 * `.terraform/` and the lock file, are kept).
 *
 * Before the move, the policy rules (`policy`) run over the synthesized JSON; an
 * unsuppressed error-level finding stops the synth with every finding listed. Unsuppressed
 * findings below error level do not stop it: each is printed on one line (`WARN <rule> <stack>
 * <address>: <message> Fix: <fix>`) to `stderr` after the output was written.
 *
 * A {@link ValidationError} or a policy failure is printed without a stack trace, and the
 * process exit code is set to 1. Returns true on success.
 */
export function runApp(build: (app: App) => void, options: RunAppOptions = {}): boolean {
  skipTokenCreationTraces();
  const outdir = options.outdir ?? process.env.CDKTF_OUTDIR ?? "cdktf.out";
  const stderr = options.stderr ?? process.stderr;
  const stdout = options.stdout ?? process.stdout;
  const standalone = options.standalone === true && !runByCdktfCli();
  const staging = `${outdir.replace(/[\\/]+$/, "")}.staging`;
  fs.rmSync(staging, { recursive: true, force: true });
  try {
    // Standalone, error annotations are collected like under the CLI and reported below, instead
    // of cdktf throwing on the first stack that has one.
    if (standalone) process.env[CLI_MARK] = "true";
    const app = new App({
      outdir: staging,
      // cdktf records a stack trace for every construct and token; the JSON never shows them and
      // recording them is a tenth of the synth (help/performance.md).
      stackTraces: false,
      context: standalone ? { cdktfRelativeModules: relativeModules() } : undefined,
    });
    build(app);
    app.synth();
  } catch (error) {
    fs.rmSync(staging, { recursive: true, force: true });
    if (error instanceof ValidationError) {
      stderr.write(`Synthesis stopped; nothing was written.\n${error.message}\n`);
      process.exitCode = 1;
      return false;
    }
    throw error;
  } finally {
    if (standalone) delete process.env[CLI_MARK];
  }
  const manifest = standalone ? readManifest(staging) : undefined;
  if (manifest && !printAnnotations(manifest, stdout)) {
    fs.rmSync(staging, { recursive: true, force: true });
    stderr.write(
      "Synthesis stopped; nothing was written.\nWhile synthesizing one or more error annotations have been encountered. Please check the log output above.\n",
    );
    process.exitCode = 1;
    return false;
  }
  // The policy rules read the synthesized JSON, so escape-hatch overrides are judged too.
  const policy = checkSynthesized(staging);
  if (policy.errors.length > 0) {
    fs.rmSync(staging, { recursive: true, force: true });
    stderr.write(`Synthesis stopped; nothing was written.\n${formatPolicyFailure(policy)}\n`);
    process.exitCode = 1;
    return false;
  }
  moveTree(staging, outdir);
  fs.rmSync(staging, { recursive: true, force: true });
  // A passing synth still names what the review would flag, one line each, so a warning is seen
  // when it is made and not first in the review report.
  for (const warning of openWarnings(policy)) stderr.write(`${formatWarningLine(warning)}\n`);
  if (manifest) {
    const names = Object.keys(manifest.stacks);
    removeOrphanedStacks(outdir, names);
    stdout.write(`Generated Terraform code for the stacks: ${names.join(", ")}\n`);
  }
  return true;
}

interface Manifest {
  readonly stacks: Record<
    string,
    {
      readonly annotations?: readonly {
        readonly constructPath: string;
        readonly level: string;
        readonly message: string;
        readonly stacktrace?: readonly string[];
      }[];
    }
  >;
}

function readManifest(dir: string): Manifest {
  return JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"), "utf8")) as Manifest;
}

/** Prints annotations as `cdktf synth` does; false when one of them is an error. */
function printAnnotations(manifest: Manifest, out: Writer): boolean {
  let ok = true;
  for (const stack of Object.values(manifest.stacks)) {
    for (const a of stack.annotations ?? []) {
      const level = { "@cdktf/info": "INFO", "@cdktf/warn": "WARN", "@cdktf/error": "ERROR" }[
        a.level
      ];
      out.write(`${level ?? a.level} [${a.constructPath}]: ${a.message}\n`);
      if (a.level === "@cdktf/error") {
        ok = false;
        if (a.stacktrace) out.write(`${a.stacktrace.join("\n")}\n`);
      }
    }
  }
  return ok;
}

/** The local modules of cdktf.json, the context the CLI gives every app it runs. */
function relativeModules(): unknown[] {
  let config: { terraformModules?: unknown[] };
  try {
    config = JSON.parse(fs.readFileSync("cdktf.json", "utf8")) as typeof config;
  } catch {
    return [];
  }
  return (config.terraformModules ?? []).filter((m) => {
    const source = typeof m === "string" ? m : (m as { source?: unknown })?.source;
    return typeof source === "string" && (source.startsWith("./") || source.startsWith("../"));
  });
}

/** As the CLI does: a `stacks/<name>/` directory whose stack the app no longer has is removed. */
function removeOrphanedStacks(outdir: string, names: readonly string[]): void {
  const stacksDir = path.join(outdir, "stacks");
  if (!fs.existsSync(stacksDir)) return;
  for (const entry of fs.readdirSync(stacksDir, { withFileTypes: true })) {
    if (entry.isDirectory() && !names.includes(entry.name)) {
      fs.rmSync(path.join(stacksDir, entry.name), { recursive: true, force: true });
    }
  }
}

function moveTree(from: string, to: string): void {
  fs.mkdirSync(to, { recursive: true });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isDirectory()) {
      moveTree(source, target);
    } else {
      fs.renameSync(source, target);
    }
  }
}
