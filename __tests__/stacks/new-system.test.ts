/** @slow runs prettier, tsc, eslint and jest in a copy of the project */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import ts from "typescript";
import { newSystem } from "../../stacks/new-system";

// `npm run new-system -- NAME` as a user runs it, in a copy of the project: the scaffold, then
// the checks npm test would run on what it wrote (types, lint, format, the new test file, the
// registry tests that enumerate every system). The copy shares node_modules by a symlink.
const root = path.resolve(__dirname, "../..");
const run = promisify(execFile);
const bin = (name: string) => path.join(root, "node_modules", ".bin", name);

/** The project's sources (not audit/, node_modules/ or outputs) copied under `dir`. */
function copyProject(dir: string): void {
  const entries = [
    "constructs",
    "stacks",
    "policy",
    "vocabulary",
    "templates",
    "help",
    "main.ts",
    "__tests__",
    "tsconfig.json",
    "jest.config.js",
    "eslint.config.mjs",
    "package.json",
    ".prettierrc.json",
    ".prettierignore",
    ".ci",
  ];
  for (const entry of entries) {
    const from = path.join(root, entry);
    if (fs.existsSync(from)) fs.cpSync(from, path.join(dir, entry), { recursive: true });
  }
  fs.symlinkSync(path.join(root, "node_modules"), path.join(dir, "node_modules"), "dir");
}

/**
 * The type errors of `files` (relative to `dir`) and of the project's files that import one of
 * them (the registry's users: main.ts, the settings command, the tests), under the project's
 * tsconfig, as `file:line: message`. Their bodies are checked; the rest of the program is read for
 * the types they use, and its own bodies are the project typecheck's work (`npm run typecheck`).
 * Checking every file of the program again, as `tsc -p` does, cost three times the CPU, and the
 * project's files are unchanged in the copy but for the registry.
 */
function typeErrors(dir: string, files: readonly string[]): string[] {
  const config = ts.getParsedCommandLineOfConfigFile(
    path.join(dir, "tsconfig.json"),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
      },
    },
  );
  if (!config) throw new Error(`${dir}/tsconfig.json cannot be read`);
  const changed = new Set(files.map((file) => path.join(dir, file)));
  const importsChanged = (file: string) =>
    ts.preProcessFile(fs.readFileSync(file, "utf8")).importedFiles.some(({ fileName }) => {
      const resolved = ts.resolveModuleName(fileName, file, config.options, ts.sys);
      const target = resolved.resolvedModule?.resolvedFileName;
      return target !== undefined && changed.has(path.resolve(target));
    });
  const roots = new Set([...changed, ...config.fileNames.filter((file) => importsChanged(file))]);
  const program = ts.createProgram({ rootNames: [...roots], options: config.options });
  const checked = [...roots].map((file) => program.getSourceFile(file)!);
  const diagnostics = [
    ...program.getOptionsDiagnostics(),
    ...program.getGlobalDiagnostics(),
    ...checked.flatMap((file) => [
      ...program.getSyntacticDiagnostics(file),
      ...program.getSemanticDiagnostics(file),
    ]),
  ];
  return diagnostics.map((d) => {
    const message = ts.flattenDiagnosticMessageText(d.messageText, "\n");
    if (!d.file || d.start === undefined) return message;
    const { line } = d.file.getLineAndCharacterOfPosition(d.start);
    return `${path.relative(dir, d.file.fileName)}:${line + 1}: ${message}`;
  });
}

/** Every file under `dir`, relative, with its text: to prove a refusal wrote nothing. */
function snapshotOf(dir: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const sub of ["stacks", "help", "__tests__/stacks"]) {
    for (const name of fs.readdirSync(path.join(dir, sub))) {
      const file = path.join(dir, sub, name);
      if (fs.statSync(file).isFile()) found.set(`${sub}/${name}`, fs.readFileSync(file, "utf8"));
    }
  }
  return found;
}

describe("npm run new-system", () => {
  let dir: string;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "new-system-"));
    copyProject(dir);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it.each([
    ["an injection", "x$(id)", /NAME = "x\$\(id\)" is not a system name/],
    ["upper case", "PriceAlerts", /is not a system name/],
    ["a trailing hyphen", "price-", /is not a system name/],
    ["a double hyphen", "price--alerts", /is not a system name/],
    ["too long", "a".repeat(25), /is not a system name/],
    ["a reference system", "stockpilot", /exists already \(stacks\/stockpilot\.config\.ts\)/],
    ["a file the project uses", "index", /is a name the project uses itself/],
    ["not a string", 42, /is not a system name/],
  ])("refuses %s and writes nothing", (_what, name, error) => {
    const before = snapshotOf(dir);
    expect(() => newSystem(dir, name)).toThrow(error);
    expect(snapshotOf(dir)).toEqual(before);
  });

  it("scaffolds a system that typechecks, lints, is formatted and passes its own and the registry's tests", async () => {
    const { files } = newSystem(dir, "price-alerts");
    expect(files).toEqual([
      "stacks/price-alerts.config.ts",
      "stacks/price-alerts.ts",
      "__tests__/stacks/price-alerts.test.ts",
      "help/price-alerts.md",
      "stacks/index.ts",
    ]);
    const options = { cwd: dir, env: { ...process.env, FORCE_COLOR: "0" } };
    // As the npm script does after writing; a file prettier cannot parse fails here.
    await run(bin("prettier"), ["--write", ...files], options);
    const sources = files.filter((f) => f.endsWith(".ts"));
    const lint = run(bin("eslint"), ["--max-warnings", "0", ...sources], options);
    // A file with a type error beside them: the check above must be able to fail.
    fs.writeFileSync(path.join(dir, "typecheck-probe.ts"), 'export const probe: number = "one";\n');
    expect(typeErrors(dir, [...sources, "typecheck-probe.ts"])).toEqual([
      "typecheck-probe.ts:1: Type 'string' is not assignable to type 'number'.",
    ]);
    await lint;
    // In band: two files, and the outer run's workers already use every core.
    const jest = await run(
      bin("jest"),
      [
        "--ci",
        "--runInBand",
        "__tests__/stacks/price-alerts.test.ts",
        "__tests__/stacks/index.test.ts",
      ],
      options,
    );
    expect(jest.stderr).toMatch(/Tests:\s+\d+ passed, \d+ total/);
    expect(jest.stderr).not.toMatch(/failed/);
    // The registry lists it, so the audit copy, the inventory and the review pick it up.
    const index = fs.readFileSync(path.join(dir, "stacks/index.ts"), "utf8");
    expect(index).toContain('system: "price-alerts",');
    expect(fs.readFileSync(path.join(dir, "help/price-alerts.md"), "utf8")).toMatch(
      /^# Price Alerts \(`price-alerts-dev`\)/,
    );
    // A second run is refused: the files exist.
    expect(() => newSystem(dir, "price-alerts")).toThrow(/exists already/);
  }, 180_000);
});
