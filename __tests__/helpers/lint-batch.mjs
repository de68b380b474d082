/**
 * Runs many lint cases in one Node process, for __tests__/lint.test.ts: starting eslint or
 * dependency-cruiser costs most of a second per process, and both are ES modules that load their
 * configs with import(), which Jest's CommonJS module system does not run.
 *
 * Reads from stdin: { "eslint"?: [{ code, filePath }], "depcruise"?: [{ files: { path: text } }] }
 * Writes to stdout, one result per case, in order:
 *   { "eslint": [{ status, messages }], "depcruise": [{ status, rules }] }
 *
 * eslint cases: the project's eslint.config.mjs through the ESLint Node API, as
 * `eslint --stdin --stdin-filename <filePath>` runs them; status is that command's exit status
 * (1 with an error, else 0).
 * depcruise cases: each tree is written to its own temporary directory (with a strict tsconfig.json)
 * and cruised from there with the project's .dependency-cruiser.cjs, as
 * `depcruise --config .dependency-cruiser.cjs --output-type json <top-level dirs>` run there does;
 * status is the exit code dependency-cruiser reports, rules the sorted names of the violated rules.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

async function lintAll(cases) {
  const { ESLint } = await import("eslint");
  const eslint = new ESLint({ cwd: root });
  const results = [];
  for (const { code, filePath } of cases) {
    const files = await eslint.lintText(code, { filePath });
    const errorCount = files.reduce((n, f) => n + f.errorCount, 0);
    results.push({
      status: errorCount > 0 ? 1 : 0,
      messages: files.flatMap((f) => f.messages),
    });
  }
  return results;
}

async function cruiseAll(cases) {
  const [{ cruise }, { default: extractDepcruiseOptions }, { default: extractTSConfig }] =
    await Promise.all([
      import("dependency-cruiser"),
      import("dependency-cruiser/config-utl/extract-depcruise-options"),
      import("dependency-cruiser/config-utl/extract-ts-config"),
    ]);
  const configFile = path.join(root, ".dependency-cruiser.cjs");
  const startDir = process.cwd();
  const results = [];
  for (const { files } of cases) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "depcruise-"));
    try {
      fs.writeFileSync(path.join(dir, "tsconfig.json"), '{"compilerOptions":{"strict":true}}');
      for (const [file, text] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
        fs.writeFileSync(path.join(dir, file), text);
      }
      // The rules' paths (^policy/, ...) and the tsconfig's file name are relative to the
      // working directory, as for the command run in the tree.
      process.chdir(dir);
      const options = await extractDepcruiseOptions(configFile);
      const tsConfig = extractTSConfig(options.tsConfig.fileName);
      const { output, exitCode } = await cruise(
        Object.keys(files).map((f) => f.split("/")[0]),
        { ...options, outputType: "json" },
        {},
        { tsConfig },
      );
      const report = typeof output === "string" ? JSON.parse(output) : output;
      results.push({
        status: exitCode,
        rules: [...new Set(report.summary.violations.map((v) => v.rule.name))].sort(),
      });
    } finally {
      process.chdir(startDir);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  return results;
}

let text = "";
for await (const chunk of process.stdin.setEncoding("utf8")) text += chunk;
const input = JSON.parse(text);
const output = {};
if (input.eslint) output.eslint = await lintAll(input.eslint);
if (input.depcruise) output.depcruise = await cruiseAll(input.depcruise);
process.stdout.write(JSON.stringify(output));
