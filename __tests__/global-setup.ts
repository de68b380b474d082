import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { RUN_DIRECTORY_VARIABLE } from "./helpers/reference-synth";

/** The machine's temporary directory, before this run pointed TMPDIR into its own. */
export const OUTSIDE_TMPDIR_VARIABLE = "PLATFORM_TEST_OUTSIDE_TMPDIR";

/**
 * A scratch directory for this jest run, named to the workers (they start after this and inherit
 * the environment):
 * - `TMPDIR` points into it, so every temporary directory of the run goes with it (cdktf's
 *   `Testing.app()` makes one per app and never removes it; the tests' `testApp()` shares one per
 *   test file, helpers/app.ts);
 * - the shared reference synth is made there by the first test file that asks for it
 *   (helpers/reference-synth.ts), so a run of one unrelated file pays nothing.
 */
export default function globalSetup(): void {
  const run = fs.mkdtempSync(path.join(os.tmpdir(), "platform-test-run-"));
  const tmp = path.join(run, "tmp");
  fs.mkdirSync(tmp);
  process.env[OUTSIDE_TMPDIR_VARIABLE] = os.tmpdir();
  process.env[RUN_DIRECTORY_VARIABLE] = run;
  process.env.TMPDIR = tmp;
}
