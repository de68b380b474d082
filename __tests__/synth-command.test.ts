/** @slow runs the cdktf CLI and the app as processes */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { type ReferenceSynth, referenceSynth, synthScript } from "./helpers/reference-synth";

// `npm run synth` runs the app directly, without the cdktf CLI around it. It must write what
// `cdktf synth` writes, byte for byte, and fail the way it fails. Both run here side by side
// (concurrently, to keep the test short), each into its own output directory.
const root = path.resolve(__dirname, "..");
const cdktf = path.join(root, "node_modules", ".bin", "cdktf");
const script = synthScript();
const cdktfJsonBefore = fs.readFileSync(path.join(root, "cdktf.json"), "utf8");
const app = (JSON.parse(fs.readFileSync(path.join(root, "cdktf.json"), "utf8")) as { app: string })
  .app;

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function run(command: string, args: readonly string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: root,
      shell: args.length === 0,
      env: {
        ...process.env,
        PATH: `${path.join(root, "node_modules", ".bin")}${path.delimiter}${process.env.PATH}`,
        CHECKPOINT_DISABLE: "1",
        FORCE_COLOR: "0",
        ...env,
      },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

/** Every file under `dir`, by relative path, with its bytes. */
function files(dir: string): Map<string, Buffer> {
  const found = new Map<string, Buffer>();
  const walk = (sub: string): void => {
    for (const entry of fs.readdirSync(path.join(dir, sub), { withFileTypes: true })) {
      const rel = path.join(sub, entry.name);
      if (entry.isDirectory()) walk(rel);
      else found.set(rel, fs.readFileSync(path.join(dir, rel)));
    }
  };
  walk("");
  return found;
}

describe("npm run synth", () => {
  let tmp: string;
  let cli: Run;
  let direct: ReferenceSynth;
  let directBad: Run;
  let buggy: Run;
  let buggyFile: string;

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "synth-command-"));
    const bad = path.join(tmp, "bad-settings.json");
    fs.writeFileSync(bad, JSON.stringify({ "trading-bot": { prod: { environment: "prod" } } }));
    // A real bug in an app (not an input error): its trace must name the TypeScript line.
    buggyFile = path.join(tmp, "buggy-app.ts");
    fs.writeFileSync(
      buggyFile,
      [
        `import { runApp } from ${JSON.stringify(path.join(root, "constructs/core/app"))};`,
        "",
        "interface Settings {",
        "  readonly database?: { readonly tier: string };",
        "}",
        "",
        "runApp(() => {",
        "  const settings: Settings = {};",
        "  const tier: string = settings.database!.tier;",
        "  console.log(tier);",
        "});",
        "",
      ].join("\n"),
    );
    // One CLI run only: its fixed cost is most of this test's time. On a failing app the CLI
    // relays the app's stderr and exits 1, so the direct run's failure is checked on its own.
    // The good direct run is the synth the test files share: this same script, in the same
    // environment (helpers/reference-synth.ts).
    const runs = Promise.all([
      run(cdktf, ["synth", "--output", path.join(tmp, "cli")], {}),
      run(script, [], { CDKTF_OUTDIR: path.join(tmp, "direct-bad"), PLATFORM_SETTINGS: bad }),
      run(script.replace(/main\.ts$/, buggyFile), [], { CDKTF_OUTDIR: path.join(tmp, "buggy") }),
    ]);
    direct = referenceSynth(); // while the others run
    [cli, directBad, buggy] = await runs;
  }, 120_000);
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it("leaves cdktf.json as committed after a CLI run (fixed projectId, no checkpoint)", () => {
    expect(fs.readFileSync(path.join(root, "cdktf.json"), "utf8")).toBe(cdktfJsonBefore);
    expect(cdktfJsonBefore.endsWith("}\n")).toBe(true);
    const scripts = (
      JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as {
        scripts: Record<string, string>;
      }
    ).scripts;
    // The documented way to run the CLI (help/deploying.md) sets what it needs itself.
    expect(scripts.cdktf).toBe("CHECKPOINT_DISABLE=1 DISABLE_VERSION_CHECK=1 cdktf");
  });

  it("is the command cdktf.json runs as the app", () => {
    expect(script).toBe(app);
  });

  it("writes the same files as cdktf synth, byte for byte", () => {
    expect(cli).toMatchObject({ status: 0 });
    expect(direct).toMatchObject({ status: 0, stderr: "" });
    const ours = files(direct.outdir);
    const theirs = files(path.join(tmp, "cli"));
    expect([...ours.keys()].sort()).toEqual([...theirs.keys()].sort());
    expect([...ours.keys()]).toContain("manifest.json");
    for (const [file, bytes] of theirs) {
      expect({ file, same: bytes.equals(ours.get(file)!) }).toEqual({ file, same: true });
    }
    const names = Object.keys(
      (JSON.parse(ours.get("manifest.json")!.toString()) as { stacks: object }).stacks,
    );
    expect(direct.stdout).toBe(`Generated Terraform code for the stacks: ${names.join(", ")}\n`);
  });

  it("fails cleanly: the message without a stack trace, exit 1, nothing written", () => {
    expect(directBad).toMatchObject({ status: 1, stdout: "" });
    expect(directBad.stderr).toMatch(
      /^Synthesis stopped; nothing was written\.\n\S*bad-settings\.json trading-bot\.prod: .*projectId/s,
    );
    expect(directBad.stderr).not.toMatch(/^\s+at /m);
    expect(fs.existsSync(path.join(tmp, "direct-bad", "stacks"))).toBe(false);
  });

  it("points a real bug's stack trace at the TypeScript source lines", () => {
    expect(buggy.status).not.toBe(0);
    expect(buggy.stderr).toContain("TypeError");
    // Line 9 column 43 of the .ts file (`.tier` of `settings.database!.tier`), not a line of
    // the compiled JS, which has the imports and interface erased.
    expect(buggy.stderr).toMatch(/at build \(\S*buggy-app\.ts:9:43\)/);
    // The frame of the runner itself, also by its TypeScript line: the `build(app)` call.
    const appSource = fs
      .readFileSync(path.join(root, "constructs/core/app.ts"), "utf8")
      .split("\n");
    const buildLine = appSource.findIndex((l) => l.trim() === "build(app);") + 1;
    expect(buildLine).toBeGreaterThan(0);
    expect(buggy.stderr).toMatch(
      new RegExp(`at runApp \\(\\S*constructs/core/app\\.ts:${buildLine}:\\d+\\)`),
    );
  });
});
