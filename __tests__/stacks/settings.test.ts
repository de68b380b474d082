/** @slow runs the settings commands and a synth as processes */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import Ajv2020 from "ajv/dist/2020";
import addFormats from "ajv-formats";
import { exampleSettings, settingsJsonSchema, systemNames } from "../../stacks";
import { main as settingsCli } from "../../stacks/settings-cli";
import { referenceSynth } from "../helpers/reference-synth";

const root = path.resolve(__dirname, "../..");

function run(script: string, args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, ["-r", "@swc-node/register", script, ...args], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, SWC_NODE_SOURCE_MAP_MODE: "store", ...env },
  });
}

/** The settings CLI run in this process, with its output captured. */
function cliInProcess(args: string[]): { status: number; stdout: string; stderr: string } {
  let stdout = "";
  let stderr = "";
  const status = settingsCli(args, {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
  });
  return { status, stdout, stderr };
}

function files(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[path.relative(dir, p)] = fs.readFileSync(p, "utf8");
    }
  };
  walk(dir);
  return out;
}

describe("settings you can start from", () => {
  it.each(systemNames())("the %s example validates against the generated JSON Schema", (system) => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv); // the schema's formats (email, uri, ...) are checked, not ignored
    const validate = ajv.compile(settingsJsonSchema(system));
    expect(validate(exampleSettings(system))).toBe(true);
    expect(validate.errors ?? []).toEqual([]);
    const broken = exampleSettings(system);
    const env = Object.keys(broken[system])[0];
    (broken[system][env] as Record<string, unknown>).projetcId = "typo";
    expect(validate(broken)).toBe(false);
  });

  it("the generated schema checks formats: an alert address that is no email is refused", () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    const validate = ajv.compile(settingsJsonSchema("trading-bot"));
    const settings = exampleSettings("trading-bot");
    const dev = settings["trading-bot"].dev as { alerts: { emails: string[] } };
    expect(validate(settings)).toBe(true);
    dev.alerts.emails = ["not an address"];
    expect(validate(settings)).toBe(false);
    // zod writes both a pattern and the format; the format is the one ajv alone ignored.
    expect(validate.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          instancePath: "/trading-bot/dev/alerts/emails/0",
          keyword: "format",
          params: { format: "email" },
        }),
      ]),
    );
  });

  it.each(systemNames())("the %s example is the caller's own copy", (system) => {
    const edited = exampleSettings(system);
    const env = Object.keys(edited[system])[0];
    const settings = edited[system][env] as Record<string, unknown>;
    for (const key of Object.keys(settings)) delete settings[key];
    settings.edited = true;
    expect(exampleSettings(system)[system][env]).not.toHaveProperty("edited");
    expect(Object.keys(exampleSettings(system)[system][env] as object).length).toBeGreaterThan(0);
  });

  it("the printed examples, fed back as PLATFORM_SETTINGS, synthesize byte-identical output", () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "settings-"));
    try {
      const settings = Object.assign(
        {},
        ...systemNames().map((system, index) => {
          const printed = cliInProcess(["example", system]);
          if (index === 0) {
            // The real command, once: what it prints is what the in-process run gives.
            const spawned = run("stacks/settings-cli.ts", ["example", system]);
            expect({
              status: spawned.status,
              stdout: spawned.stdout,
              stderr: spawned.stderr,
            }).toEqual(printed);
          }
          expect(printed.status).toBe(0);
          return JSON.parse(printed.stdout) as object;
        }),
      );
      const file = path.join(tmp, "settings.json");
      fs.writeFileSync(file, JSON.stringify(settings, null, 2));
      // The built-in examples' output is the synth the test files share (`npm run synth`).
      const builtIn = referenceSynth();
      const fromFile = run("main.ts", [], {
        CDKTF_OUTDIR: path.join(tmp, "b"),
        PLATFORM_SETTINGS: file,
      });
      expect(builtIn.status).toBe(0);
      expect(fromFile.status).toBe(0);
      const a = files(builtIn.outdir);
      expect(Object.keys(a).length).toBeGreaterThan(systemNames().length);
      expect(files(path.join(tmp, "b"))).toEqual(a);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it("a misspelt system is answered with the closest name, exit 2", () => {
    const result = run("stacks/settings-cli.ts", ["schema", "stockpliot"]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(
      /"stockpliot" is not a reference system\.\n {2}Fix: did you mean stockpilot\?/,
    );
  });
});
