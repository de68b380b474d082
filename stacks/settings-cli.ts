import { formatValue } from "../constructs/core/errors";
import { exampleSettings, settingsJsonSchema, systemNames } from "./index";

/** Where the CLI writes: the process's streams, or a test's buffers. */
export interface SettingsCliIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

const PROCESS_IO: SettingsCliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/**
 * `npm run settings:example -- SYSTEM` prints the built-in example settings of a system (every
 * environment) as a settings file; `npm run settings:schema -- SYSTEM` prints that file's JSON
 * Schema. Bad input prints one line and exits 2. Returns the exit code.
 */
export function main(argv: readonly string[], io: SettingsCliIo = PROCESS_IO): number {
  const [command, system, ...rest] = argv;
  try {
    if (rest.length > 0 || system === undefined) {
      throw new Error(
        `usage: npm run settings:${command ?? "example"} -- SYSTEM (one of ${systemNames().join(", ")})`,
      );
    }
    const output = command === "schema" ? settingsJsonSchema(system) : exampleSettings(system);
    io.stdout(`${JSON.stringify(output, null, 2)}\n`);
    return 0;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    io.stderr(`${message.replace(formatValue(undefined), "nothing")}\n`);
    return 2;
  }
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
