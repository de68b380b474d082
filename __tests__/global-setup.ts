import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { RUN_DIRECTORY_VARIABLE } from "./helpers/reference-synth";

/**
 * A scratch directory for this jest run, named to the workers (they start after this and inherit
 * the environment). Nothing is synthesized here: the shared reference synth is made by the first
 * test file that asks for it (helpers/reference-synth.ts), so a run of one unrelated file pays
 * nothing.
 */
export default function globalSetup(): void {
  process.env[RUN_DIRECTORY_VARIABLE] = fs.mkdtempSync(
    path.join(os.tmpdir(), "platform-test-run-"),
  );
}
