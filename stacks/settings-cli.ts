import { formatValue, ValidationError } from "../constructs/core/errors";
import { exampleSettings, settingsJsonSchema, systemNames } from "./index";

/**
 * `npm run settings:example -- SYSTEM` prints the built-in example settings of a system (every
 * environment) as a settings file; `npm run settings:schema -- SYSTEM` prints that file's JSON
 * Schema. Bad input prints one line and exits 2.
 */
const [command, system, ...rest] = process.argv.slice(2);
try {
  if (rest.length > 0 || system === undefined) {
    throw new Error(
      `usage: npm run settings:${command ?? "example"} -- SYSTEM (one of ${systemNames().join(", ")})`,
    );
  }
  const output = command === "schema" ? settingsJsonSchema(system) : exampleSettings(system);
  process.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
} catch (error) {
  const message = error instanceof ValidationError ? error.message : (error as Error).message;
  process.stderr.write(`${message.replace(formatValue(undefined), "nothing")}\n`);
  process.exitCode = 2;
}
