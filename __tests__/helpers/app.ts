import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { type App, Testing, type TestingAppConfig } from "cdktf";
import { PlatformStack, type PlatformStackProps } from "../../constructs/core/stack";

let sharedOutdir: string | undefined;

/**
 * A fresh cdktf test app, as `Testing.app()` makes it, but with one output directory for every app
 * of the test file instead of a new temporary directory per call: `Testing.app()` creates one (and
 * its `stacks/` folder) for each app and never removes it, and making and deleting those for the
 * suite's thousands of apps was seconds of CPU per run. Nothing is written there as long as the
 * test reads its stacks with `Testing.synth` (as `synthJson` does); a test that calls
 * `app.synth()` gives the app a directory of its own.
 */
export function testApp(options: TestingAppConfig = {}): App {
  sharedOutdir ??= fs.mkdtempSync(path.join(os.tmpdir(), "cdktf-test-app-"));
  return Testing.app({ outdir: sharedOutdir, ...options });
}

/**
 * A PlatformStack with test defaults (system `test`, environment `dev`, a GCS backend) in a fresh
 * test app. Here rather than in ./synth, so the boundary sweep builds stacks without loading the
 * policy pack that module imports.
 */
export function testStack(props: Partial<PlatformStackProps> = {}): PlatformStack {
  return new PlatformStack(testApp(), {
    system: "test",
    environment: "dev",
    backend: { kind: "gcs", bucket: "test-state", prefix: "test/dev" },
    ...props,
  });
}
