import * as fs from "node:fs";
import { OUTSIDE_TMPDIR_VARIABLE } from "./global-setup";
import { RUN_DIRECTORY_VARIABLE } from "./helpers/reference-synth";

/** Removes the run's scratch directory, temporary files included (global-setup.ts). */
export default function globalTeardown(): void {
  const dir = process.env[RUN_DIRECTORY_VARIABLE];
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  const outside = process.env[OUTSIDE_TMPDIR_VARIABLE];
  if (outside !== undefined) process.env.TMPDIR = outside;
}
