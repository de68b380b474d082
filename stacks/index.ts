import type { App } from "cdktf";
import { invalid } from "../constructs/core/errors";
import { StockPilotStack } from "./stockpilot";
import { STOCKPILOT_EXAMPLES } from "./stockpilot.config";
import { TradingBotStack } from "./trading-bot";
import { TRADING_BOT_EXAMPLES } from "./trading-bot.config";

/** Settings that replace built-in examples: `{ "<system>": { "<environment>": {...} } }`. */
export type SettingsOverrides = Readonly<
  Record<string, Readonly<Record<string, unknown>> | undefined>
>;

/**
 * The reference systems: each stack class with its built-in example settings per environment.
 * Adding a system is one entry here.
 */
const SYSTEMS = [
  {
    system: "trading-bot",
    examples: TRADING_BOT_EXAMPLES,
    create: (app: App, settings: unknown, source: string) =>
      new TradingBotStack(app, settings, source),
  },
  {
    system: "stockpilot",
    examples: STOCKPILOT_EXAMPLES,
    create: (app: App, settings: unknown, source: string) =>
      new StockPilotStack(app, settings, source),
  },
] as const;

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
 * Adds every reference stack to the app, from the built-in examples or, for the environments a
 * settings file lists, from that file (`source` names it in error messages).
 */
export function addReferenceStacks(
  app: App,
  overrides: SettingsOverrides = {},
  source = "settings",
): void {
  checkOverrides(overrides, source);
  for (const { system, examples, create } of SYSTEMS) {
    for (const [env, example] of Object.entries(examples)) {
      const given = overrides[system]?.[env];
      create(
        app,
        given ?? example,
        given === undefined ? `built-in example ${system}.${env}` : `${source} ${system}.${env}`,
      );
    }
  }
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
