/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/__tests__"],
  testMatch: ["**/*.test.ts"],
  // swc strips types only; type-checking is `tsc --noEmit`, a separate step of `npm test`.
  transform: { "^.+\\.ts$": ["@swc/jest"] },
  setupFilesAfterEnv: ["<rootDir>/__tests__/setup.ts"],
  reporters: ["default", "<rootDir>/.ci/summary-reporter.js"],
  // Under CI a missing or changed snapshot fails the run instead of being written.
  ci: process.env.CI === "true" || process.env.CI === "1",
  snapshotFormat: { escapeString: false, printBasicPrototype: false },
};
