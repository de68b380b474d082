/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  // Jest's default is one worker fewer than the cores: one worker on a 2-core machine, idle
  // while a test waits on a child process. Every core: about 1.5x faster here (help/performance.md).
  maxWorkers: "100%",
  roots: ["<rootDir>/__tests__"],
  testMatch: ["**/*.test.ts"],
  // swc strips types only; type-checking is `tsc --noEmit`, a separate step of `npm test`.
  transform: { "^.+\\.ts$": ["@swc/jest"] },
  setupFilesAfterEnv: ["<rootDir>/__tests__/setup.ts"],
  // A scratch directory per run, where the first test file that needs the reference stacks'
  // synth makes it once for all (__tests__/helpers/reference-synth.ts).
  globalSetup: "<rootDir>/__tests__/global-setup.ts",
  globalTeardown: "<rootDir>/__tests__/global-teardown.ts",
  reporters: ["default", "<rootDir>/.ci/summary-reporter.js"],
  // Files marked `@slow` start first on a machine where jest has no timings yet (a fresh clone).
  testSequencer: "<rootDir>/.ci/test-sequencer.js",
  // Under CI (CI=true) a missing or changed snapshot fails the run instead of being written: Jest's
  // own `--ci` default (ci-info) does that. Do not set `ci` here: Jest 29 drops the key from a
  // config file (it becomes undefined), which would turn CI mode off. __tests__/stacks/
  // snapshot-mode.test.ts checks both modes.
  snapshotFormat: { escapeString: false, printBasicPrototype: false },
};
