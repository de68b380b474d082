import * as fs from "node:fs";
import { RUN_DIRECTORY_VARIABLE } from "./helpers/reference-synth";

/** Removes the run's scratch directory (global-setup.ts). */
export default function globalTeardown(): void {
  const dir = process.env[RUN_DIRECTORY_VARIABLE];
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}
