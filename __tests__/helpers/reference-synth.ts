import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/**
 * The reference stacks as `npm run synth` writes them, synthesized once per jest run and shared by
 * every test file that only reads that output (the audit comparison, the plan inventory, the
 * policy check of the reference stacks, the settings round trip, the CLI comparison). A full
 * synth costs seconds of a core; each of those files used to pay it.
 *
 * The jest global setup (`__tests__/global-setup.ts`) names a directory for the run in
 * `PLATFORM_TEST_RUN`. The first test file that asks synthesizes into it while holding a lock
 * directory; files in other workers wait for its result. Outside such a run (another runner, a
 * config without the setup) each process synthesizes its own copy, so a test never reads a
 * stale output.
 */
export interface ReferenceSynth {
  /** The output directory: `manifest.json` and `stacks/<name>/cdk.tf.json`. */
  readonly outdir: string;
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

const ROOT = path.resolve(__dirname, "../..");
export const RUN_DIRECTORY_VARIABLE = "PLATFORM_TEST_RUN";

/** The `synth` script of package.json: the command the README's first line runs. */
export function synthScript(): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
    scripts: Record<string, string>;
  };
  return pkg.scripts.synth;
}

/**
 * The environment a shared synth runs in: the test process's own, without the variables that
 * would change what it builds (a settings file, a stack selection, an output directory).
 */
function synthEnvironment(outdir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${path.join(ROOT, "node_modules", ".bin")}${path.delimiter}${process.env.PATH}`,
    CHECKPOINT_DISABLE: "1",
    FORCE_COLOR: "0",
    CDKTF_OUTDIR: outdir,
  };
  for (const name of ["PLATFORM_SETTINGS", "CDKTF_STACK", "STACK_NAMES", "NODE_OPTIONS"]) {
    delete env[name];
  }
  return env;
}

function synthInto(dir: string): ReferenceSynth {
  const outdir = path.join(dir, "out");
  const result = spawnSync(synthScript(), {
    shell: true,
    cwd: ROOT,
    env: synthEnvironment(outdir),
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  return { outdir, status: result.status, stdout: result.stdout, stderr: result.stderr };
}

let cached: ReferenceSynth | undefined;

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** The shared synth of this jest run (made on first use), or this process's own. */
export function referenceSynth(): ReferenceSynth {
  if (cached) return cached;
  const run = process.env[RUN_DIRECTORY_VARIABLE];
  if (!run || !fs.existsSync(run)) {
    const own = fs.mkdtempSync(path.join(os.tmpdir(), "reference-synth-"));
    process.once("exit", () => fs.rmSync(own, { recursive: true, force: true }));
    return (cached = synthInto(own));
  }
  const dir = path.join(run, "reference");
  const resultFile = path.join(dir, "result.json");
  try {
    fs.mkdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    // Another worker is synthesizing: wait for its result (it is written last, atomically).
    const deadline = Date.now() + 300_000;
    while (!fs.existsSync(resultFile)) {
      if (Date.now() > deadline) {
        throw new Error(`the shared reference synth in ${dir} did not finish within 300 s`);
      }
      sleep(50);
    }
    return (cached = JSON.parse(fs.readFileSync(resultFile, "utf8")) as ReferenceSynth);
  }
  const result = synthInto(dir);
  fs.writeFileSync(`${resultFile}.tmp`, JSON.stringify(result));
  fs.renameSync(`${resultFile}.tmp`, resultFile);
  return (cached = result);
}
