import { parseArgs } from "node:util";
import { runApp } from "./constructs/core/app";
import { readConfigFile } from "./constructs/core/config";
import { invalid } from "./constructs/core/errors";
import { addReferenceStacks, parseStackSelection, type SettingsOverrides } from "./stacks";

/**
 * The composition root. Without settings it synthesizes every reference stack from the built-in
 * example settings. `PLATFORM_SETTINGS=path/to/settings.json` replaces the examples of the
 * environments the file lists:
 *
 *     { "trading-bot": { "prod": { "environment": "prod", "projectId": "...", ... } } }
 *
 * `PLATFORM_STACKS=trading-bot-prod,stockpilot-prod` (or `npm run synth -- --stack NAME`, which
 * takes precedence) synthesizes only the stacks named; the others' `stacks/<name>/` directories
 * are removed from the output, as `cdktf synth` does for stacks an app no longer has.
 *
 * `npm run synth` runs this file directly; `cdktf synth/diff/deploy` run it through cdktf.json.
 */
runApp(
  (app) => {
    const file = process.env.PLATFORM_SETTINGS;
    const overrides = file ? (readConfigFile(file, "PLATFORM_SETTINGS") as SettingsOverrides) : {};
    const only =
      parseStackSelection(...stackArguments()) ?? parseStackSelection(process.env.PLATFORM_STACKS);
    addReferenceStacks(app, overrides, file, only);
  },
  { standalone: true },
);

/** The `--stack NAME` arguments (repeatable); anything else on the command line is refused. */
function stackArguments(): string[] {
  try {
    const { values } = parseArgs({
      args: process.argv.slice(2),
      options: { stack: { type: "string", multiple: true } },
      strict: true,
    });
    return values.stack ?? [];
  } catch (error) {
    return invalid(
      "command line",
      "arguments",
      process.argv.slice(2).join(" "),
      `are not understood (${(error as Error).message.split("\n")[0]})`,
      "pass only --stack NAME, once per stack, e.g. npm run synth -- --stack trading-bot-prod",
    );
  }
}
