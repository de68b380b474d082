import * as fs from "node:fs";
import * as path from "node:path";
import { App } from "cdktf";
import { ValidationError } from "./errors";
import { checkSynthesized, formatPolicyFailure } from "../../policy/engine";

export interface RunAppOptions {
  /**
   * Where the Terraform JSON goes.
   * @default the `CDKTF_OUTDIR` the cdktf CLI passes, else `cdktf.out`
   */
  readonly outdir?: string;
  /** Where messages go. @default process.stderr */
  readonly stderr?: { write(text: string): unknown };
}

/**
 * Builds and synthesizes an app all-or-nothing. cdktf writes each stack as it goes and validates
 * afterwards, so a failure half-way would leave a mix of new and old JSON behind. Here the app is
 * synthesized into a staging directory first; only when every stack synthesized and validated are
 * its files moved over the previous ones (Terraform's working files in the output, such as
 * `.terraform/` and the lock file, are kept).
 *
 * Before the move, the policy rules (`policy`) run over the synthesized JSON; an
 * unsuppressed error-level finding stops the synth with every finding listed.
 *
 * A {@link ValidationError} or a policy failure is printed without a stack trace, and the
 * process exit code is set to 1. Returns true on success.
 */
export function runApp(build: (app: App) => void, options: RunAppOptions = {}): boolean {
  const outdir = options.outdir ?? process.env.CDKTF_OUTDIR ?? "cdktf.out";
  const stderr = options.stderr ?? process.stderr;
  const staging = `${outdir.replace(/[\\/]+$/, "")}.staging`;
  fs.rmSync(staging, { recursive: true, force: true });
  try {
    const app = new App({ outdir: staging });
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
  return true;
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
