import type { App } from "cdktf";
import { z } from "zod";
import { invalid } from "../constructs/core/errors";
import { suggestion } from "../constructs/core/suggest";
import type * as StockPilot from "./stockpilot";
import { STOCKPILOT_EXAMPLES, stockpilotConfigSchema } from "./stockpilot.config";
import type * as TradingBot from "./trading-bot";
import { TRADING_BOT_EXAMPLES, tradingBotConfigSchema } from "./trading-bot.config";

/** Settings that replace built-in examples: `{ "<system>": { "<environment>": {...} } }`. */
export type SettingsOverrides = Readonly<
  Record<string, Readonly<Record<string, unknown>> | undefined>
>;

/**
 * The reference systems: each stack class with its built-in example settings per environment.
 * Adding a system is one entry here. A stack's module (and with it the provider modules and
 * templates it uses) is loaded only when one of its stacks is synthesized, so that selecting
 * stacks also shortens start-up.
 */
const SYSTEMS = [
  {
    system: "trading-bot",
    examples: TRADING_BOT_EXAMPLES,
    schema: tradingBotConfigSchema,
    create: (app: App, settings: unknown, source: string) => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { TradingBotStack } = require("./trading-bot") as typeof TradingBot;
      return new TradingBotStack(app, settings, source);
    },
  },
  {
    system: "stockpilot",
    examples: STOCKPILOT_EXAMPLES,
    schema: stockpilotConfigSchema,
    create: (app: App, settings: unknown, source: string) => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { StockPilotStack } = require("./stockpilot") as typeof StockPilot;
      return new StockPilotStack(app, settings, source);
    },
  },
] as const;

/** The names of the reference systems. */
export function systemNames(): string[] {
  return SYSTEMS.map((s) => s.system);
}

function systemNamed(system: unknown, source: string) {
  const found = SYSTEMS.find((s) => s.system === system);
  if (!found) {
    invalid(
      source,
      "system",
      system,
      "is not a reference system",
      suggestion(system, systemNames(), `use one of ${systemNames().join(", ")}`),
    );
  }
  return found;
}

/**
 * The built-in example settings of a system, every environment, in the settings file's shape
 * (`{ "<system>": { "<environment>": {...} } }`): a file to start from, which synthesizes exactly
 * the built-in stacks when given back as `PLATFORM_SETTINGS`.
 */
export function exampleSettings(system: string): Record<string, Record<string, unknown>> {
  const { examples } = systemNamed(system, "settings:example");
  return { [system]: { ...examples } };
}

/**
 * The JSON Schema of a system's settings file, generated from the zod schema the stack validates
 * with (zod's own `toJSONSchema`), so editors can complete and check the file.
 */
export function settingsJsonSchema(system: string): Record<string, unknown> {
  const { examples, schema } = systemNamed(system, "settings:schema");
  const environment = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" });
  delete (environment as { $schema?: string }).$schema;
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    title: `${system} settings (PLATFORM_SETTINGS)`,
    type: "object",
    additionalProperties: false,
    properties: {
      [system]: {
        type: "object",
        additionalProperties: false,
        properties: Object.fromEntries(Object.keys(examples).map((env) => [env, environment])),
      },
    },
  };
}

/** One reference stack: a system in one environment, and the stack's name. */
export interface ReferenceStack {
  readonly system: string;
  readonly environment: string;
  /** `<system>-<environment>`: the stack id, the `stacks/<name>/` directory of the output. */
  readonly name: string;
}

/** Every reference stack, system by system and each system's environments in order. */
export function referenceStacks(): ReferenceStack[] {
  return SYSTEMS.flatMap(({ system, examples }) =>
    Object.keys(examples).map((environment) => ({
      system,
      environment,
      name: `${system}-${environment}`,
    })),
  );
}

/** The names of the reference stacks, in the order {@link addReferenceStacks} adds them. */
export function referenceStackNames(): string[] {
  return referenceStacks().map((s) => s.name);
}

/**
 * Adds the reference stacks to the app, from the built-in examples or, for the environments a
 * settings file lists, from that file (`source` names it in error messages). `only` selects
 * stacks by name (`trading-bot-prod`); an unknown name is refused with the list of known ones.
 * @default every reference stack
 */
export function addReferenceStacks(
  app: App,
  overrides: SettingsOverrides = {},
  source = "settings",
  only?: readonly string[],
): void {
  checkOverrides(overrides, source);
  const selected = only === undefined ? undefined : checkSelection(only);
  for (const { system, examples, create } of SYSTEMS) {
    for (const [env, example] of Object.entries(examples)) {
      if (selected && !selected.has(`${system}-${env}`)) continue;
      const given = overrides[system]?.[env];
      create(
        app,
        given ?? example,
        given === undefined ? `built-in example ${system}.${env}` : `${source} ${system}.${env}`,
      );
    }
  }
}

/**
 * Reads a stack selection: names separated by commas or whitespace, as `PLATFORM_STACKS` or
 * `--stack` give them. Empty parts are dropped; nothing left means no selection (every stack).
 */
export function parseStackSelection(
  ...values: readonly (string | undefined)[]
): string[] | undefined {
  const names = values.flatMap((v) => (v ?? "").split(/[\s,]+/)).filter((n) => n !== "");
  return names.length > 0 ? names : undefined;
}

/** A selection may only name reference stacks: a typo must not synthesize nothing. */
function checkSelection(only: readonly string[]): Set<string> {
  const known = referenceStackNames();
  if (!Array.isArray(only) || only.length === 0) {
    invalid(
      "stack selection",
      "stacks",
      only,
      "selects no stack",
      `name one or more of ${known.join(", ")}`,
    );
  }
  for (const name of only) {
    if (!known.includes(name)) {
      invalid(
        "stack selection",
        "stacks",
        name,
        "is not a reference stack",
        `use one of ${known.join(", ")}`,
      );
    }
  }
  return new Set(only);
}

/** A settings file may only name known systems and their environments: a typo must not pass. */
function checkOverrides(overrides: SettingsOverrides, source: string): void {
  if (overrides === null || typeof overrides !== "object" || Array.isArray(overrides)) {
    invalid(
      source,
      "(root)",
      overrides,
      "is not an object",
      'write { "<system>": { "<environment>": {...} } }',
    );
  }
  for (const [system, environments] of Object.entries(overrides)) {
    const known = SYSTEMS.find((s) => s.system === system);
    if (!known) {
      invalid(
        source,
        system,
        environments,
        "is not a reference system",
        `use one of ${SYSTEMS.map((s) => s.system).join(", ")}`,
      );
    }
    if (environments === null || typeof environments !== "object" || Array.isArray(environments)) {
      invalid(
        source,
        system,
        environments,
        "is not an object of environments",
        `write { ${Object.keys(known.examples)
          .map((e) => `"${e}": {...}`)
          .join(", ")} }`,
      );
    }
    for (const env of Object.keys(environments)) {
      if (!Object.prototype.hasOwnProperty.call(known.examples, env)) {
        invalid(
          source,
          `${system}.${env}`,
          env,
          "is not an environment of this system",
          `use one of ${Object.keys(known.examples).join(", ")}`,
        );
      }
    }
  }
}
