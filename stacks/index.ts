import type { App } from "cdktf";
import { z } from "zod";
import { parseConfig } from "../constructs/core/config";
import { invalid } from "../constructs/core/errors";
import { suggestion } from "../constructs/core/suggest";
import type * as DantaroWallet from "./dantaro-wallet";
import type * as DantaroWalletK8s from "./dantaro-wallet-k8s";
import { DANTARO_WALLET_EXAMPLES, dantaroWalletConfigSchema } from "./dantaro-wallet.config";
import type * as Freqtrade from "./freqtrade";
import { FREQTRADE_EXAMPLES, freqtradeConfigSchema } from "./freqtrade.config";
import type * as SignalFactory from "./signal-factory";
import type * as SignalFactoryK8s from "./signal-factory-k8s";
import { SIGNAL_FACTORY_EXAMPLES, signalFactoryConfigSchema } from "./signal-factory.config";
import type * as StockPilot from "./stockpilot";
import { STOCKPILOT_EXAMPLES, stockpilotConfigSchema } from "./stockpilot.config";
import type * as TradingBot from "./trading-bot";
import type * as TradingBotGke from "./trading-bot-gke";
import { TRADING_BOT_EXAMPLES, tradingBotConfigSchema } from "./trading-bot.config";

/** Settings that replace built-in examples: `{ "<system>": { "<environment>": {...} } }`. */
export type SettingsOverrides = Readonly<
  Record<string, Readonly<Record<string, unknown>> | undefined>
>;

/**
 * One stack of a system in an environment. A system may build several stacks from the same
 * environment settings (the cloud resources, and beside them a Kubernetes stack that reads the
 * cluster by name); each is a part, named `<system>-<environment>` for the suffix `""` and
 * `<system>-<environment>-<suffix>` otherwise.
 */
export interface StackPart<Config = unknown> {
  /** `""` for the system's main stack, else a lowercase word (`k8s`) appended to the name. */
  readonly suffix: string;
  /**
   * Whether the part is built for an environment, judged on its validated settings.
   * @default always
   */
  when?(settings: Config): boolean;
  /** Creates the part's stack from the environment's settings (`source` names them in errors). */
  create(app: App, settings: unknown, source: string): unknown;
}

/** A reference system: its settings schema, built-in examples per environment and its stacks. */
export interface SystemEntry<S extends z.ZodType = z.ZodType> {
  readonly system: string;
  readonly examples: Readonly<Record<string, unknown>>;
  readonly schema: S;
  readonly stacks: readonly StackPart<z.output<S>>[];
}

/** Keeps an entry's schema type, so its parts' `when` sees the system's settings type. */
export function referenceSystem<S extends z.ZodType>(entry: SystemEntry<S>): SystemEntry {
  return entry as unknown as SystemEntry;
}

/**
 * The reference systems: each stack class with its built-in example settings per environment.
 * Adding a system is one entry here. A stack's module (and with it the provider modules and
 * templates it uses) is loaded only when one of its stacks is synthesized, so that selecting
 * stacks also shortens start-up.
 */
const SYSTEMS: readonly SystemEntry[] = [
  referenceSystem({
    system: "trading-bot",
    examples: TRADING_BOT_EXAMPLES,
    schema: tradingBotConfigSchema,
    stacks: [
      {
        suffix: "",
        create: (app: App, settings: unknown, source: string) => {
          // eslint-disable-next-line @typescript-eslint/no-require-imports
          const { TradingBotStack } = require("./trading-bot") as typeof TradingBot;
          return new TradingBotStack(app, settings, source);
        },
      },
      {
        suffix: "gke",
        when: (settings) => settings.gke !== undefined,
        create: (app: App, settings: unknown, source: string) => {
          // eslint-disable-next-line @typescript-eslint/no-require-imports
          const stack = require("./trading-bot-gke") as typeof TradingBotGke;
          return new stack.TradingBotGkeStack(app, settings, source);
        },
      },
    ],
  }),
  referenceSystem({
    system: "stockpilot",
    examples: STOCKPILOT_EXAMPLES,
    schema: stockpilotConfigSchema,
    stacks: [
      {
        suffix: "",
        create: (app: App, settings: unknown, source: string) => {
          // eslint-disable-next-line @typescript-eslint/no-require-imports
          const { StockPilotStack } = require("./stockpilot") as typeof StockPilot;
          return new StockPilotStack(app, settings, source);
        },
      },
    ],
  }),
  referenceSystem({
    system: "signal-factory",
    examples: SIGNAL_FACTORY_EXAMPLES,
    schema: signalFactoryConfigSchema,
    stacks: [
      {
        suffix: "",
        create: (app: App, settings: unknown, source: string) => {
          // eslint-disable-next-line @typescript-eslint/no-require-imports
          const { SignalFactoryStack } = require("./signal-factory") as typeof SignalFactory;
          return new SignalFactoryStack(app, settings, source);
        },
      },
      {
        suffix: "k8s",
        when: (settings) => settings.kubernetes !== undefined,
        create: (app: App, settings: unknown, source: string) => {
          // eslint-disable-next-line @typescript-eslint/no-require-imports
          const stack = require("./signal-factory-k8s") as typeof SignalFactoryK8s;
          return new stack.SignalFactoryK8sStack(app, settings, source);
        },
      },
    ],
  }),
  referenceSystem({
    system: "dantaro-wallet",
    examples: DANTARO_WALLET_EXAMPLES,
    schema: dantaroWalletConfigSchema,
    stacks: [
      {
        suffix: "",
        create: (app: App, settings: unknown, source: string) => {
          // eslint-disable-next-line @typescript-eslint/no-require-imports
          const { DantaroWalletStack } = require("./dantaro-wallet") as typeof DantaroWallet;
          return new DantaroWalletStack(app, settings, source);
        },
      },
      {
        suffix: "k8s",
        when: (settings) => settings.kubernetes !== undefined,
        create: (app: App, settings: unknown, source: string) => {
          // eslint-disable-next-line @typescript-eslint/no-require-imports
          const stack = require("./dantaro-wallet-k8s") as typeof DantaroWalletK8s;
          return new stack.DantaroWalletK8sStack(app, settings, source);
        },
      },
    ],
  }),
  referenceSystem({
    system: "freqtrade",
    examples: FREQTRADE_EXAMPLES,
    schema: freqtradeConfigSchema,
    stacks: [
      {
        suffix: "",
        create: (app: App, settings: unknown, source: string) => {
          // eslint-disable-next-line @typescript-eslint/no-require-imports
          const { FreqtradeStack } = require("./freqtrade") as typeof Freqtrade;
          return new FreqtradeStack(app, settings, source);
        },
      },
    ],
  }),
];

/** One reference stack: a part of a system in one environment, and the stack's name. */
export interface ReferenceStack {
  readonly system: string;
  readonly environment: string;
  /**
   * `<system>-<environment>` (or `<system>-<environment>-<part>`): the stack id, the
   * `stacks/<name>/` directory of the output.
   */
  readonly name: string;
  /** The part's suffix: `""` for the system's main stack, e.g. `k8s` for its Kubernetes stack. */
  readonly part: string;
}

/** What the registry offers; the module's functions are those of the reference systems. */
export interface StackRegistry {
  systemNames(): string[];
  exampleSettings(system: string): Record<string, Record<string, unknown>>;
  settingsJsonSchema(system: string): Record<string, unknown>;
  referenceStacks(): ReferenceStack[];
  referenceStackNames(): string[];
  addReferenceStacks(
    app: App,
    overrides?: SettingsOverrides,
    source?: string,
    only?: readonly string[],
  ): void;
}

const SUFFIX = /^[a-z][a-z0-9]{0,19}$/;

function stackName(system: string, environment: string, suffix: string): string {
  return suffix === "" ? `${system}-${environment}` : `${system}-${environment}-${suffix}`;
}

/**
 * A registry of systems. The module's own functions are a registry of the reference systems;
 * tests build one of their own to exercise parts, conditions and selection.
 */
export function createRegistry(systems: readonly SystemEntry[]): StackRegistry {
  for (const { system: name, stacks } of systems) {
    const suffixes = stacks.map((p) => p.suffix);
    suffixes.forEach((suffix, i) => {
      if ((suffix !== "" && !SUFFIX.test(suffix)) || suffixes.indexOf(suffix) !== i) {
        invalid(
          "stack registry",
          `${name}.stacks[${i}].suffix`,
          suffix,
          "is not a distinct part suffix",
          'use "" for the main stack and a distinct lowercase word (e.g. "k8s") for each other part',
        );
      }
    });
  }

  const systemNames = (): string[] => systems.map((s) => s.system);

  const systemNamed = (system: unknown, source: string): SystemEntry => {
    const found = systems.find((s) => s.system === system);
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
  };

  /** Whether a part is built from these settings: its `when` on the validated settings. */
  const builds = (
    entry: SystemEntry,
    part: StackPart,
    settings: unknown,
    source: string,
  ): boolean => {
    if (part.when === undefined) return true;
    return part.when(parseConfig(entry.schema, settings, source));
  };

  const exampleSettings = (system: string): Record<string, Record<string, unknown>> => {
    const { examples } = systemNamed(system, "settings:example");
    // A deep copy: the caller may edit it, and the built-in examples are what the reference
    // stacks are built from.
    return { [system]: structuredClone(examples) };
  };

  const settingsJsonSchema = (system: string): Record<string, unknown> => {
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
  };

  const referenceStacks = (): ReferenceStack[] =>
    systems.flatMap((entry) =>
      Object.entries(entry.examples).flatMap(([environment, example]) =>
        entry.stacks
          .filter((part) =>
            builds(entry, part, example, `built-in example ${entry.system}.${environment}`),
          )
          .map((part) => ({
            system: entry.system,
            environment,
            name: stackName(entry.system, environment, part.suffix),
            part: part.suffix,
          })),
      ),
    );

  const referenceStackNames = (): string[] => referenceStacks().map((s) => s.name);

  /** Every part name a settings file could make, whatever the parts' conditions. */
  const partNames = (): string[] =>
    systems.flatMap(({ system, examples, stacks }) =>
      Object.keys(examples).flatMap((env) => stacks.map((p) => stackName(system, env, p.suffix))),
    );

  /** A selection may only name reference stacks: a typo must not synthesize nothing. */
  const checkSelection = (only: readonly string[]): Set<string> => {
    const known = partNames();
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
  };

  /** A settings file may only name known systems and their environments: a typo must not pass. */
  const checkOverrides = (overrides: SettingsOverrides, source: string): void => {
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
      const known = systems.find((s) => s.system === system);
      if (!known) {
        invalid(
          source,
          system,
          environments,
          "is not a reference system",
          `use one of ${systemNames().join(", ")}`,
        );
      }
      if (
        environments === null ||
        typeof environments !== "object" ||
        Array.isArray(environments)
      ) {
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
  };

  const addReferenceStacks = (
    app: App,
    overrides: SettingsOverrides = {},
    source = "settings",
    only?: readonly string[],
  ): void => {
    checkOverrides(overrides, source);
    const selected = only === undefined ? undefined : checkSelection(only);
    for (const entry of systems) {
      for (const [env, example] of Object.entries(entry.examples)) {
        const given = overrides[entry.system]?.[env];
        const settings = given ?? example;
        const from =
          given === undefined
            ? `built-in example ${entry.system}.${env}`
            : `${source} ${entry.system}.${env}`;
        for (const part of entry.stacks) {
          const name = stackName(entry.system, env, part.suffix);
          if (selected && !selected.has(name)) continue;
          if (!builds(entry, part, settings, from)) {
            if (selected) {
              invalid(
                "stack selection",
                "stacks",
                name,
                `is not built from the settings of ${entry.system}.${env}`,
                `change those settings so that the ${part.suffix} part is built, or leave ${name} out of the selection`,
              );
            }
            continue;
          }
          part.create(app, settings, from);
        }
      }
    }
  };

  return {
    systemNames,
    exampleSettings,
    settingsJsonSchema,
    referenceStacks,
    referenceStackNames,
    addReferenceStacks,
  };
}

const registry = createRegistry(SYSTEMS);

/** The names of the reference systems. */
export function systemNames(): string[] {
  return registry.systemNames();
}

/**
 * The built-in example settings of a system, every environment, in the settings file's shape
 * (`{ "<system>": { "<environment>": {...} } }`): a file to start from, which synthesizes exactly
 * the built-in stacks when given back as `PLATFORM_SETTINGS`.
 */
export function exampleSettings(system: string): Record<string, Record<string, unknown>> {
  return registry.exampleSettings(system);
}

/**
 * The JSON Schema of a system's settings file, generated from the zod schema the stack validates
 * with (zod's own `toJSONSchema`), so editors can complete and check the file.
 */
export function settingsJsonSchema(system: string): Record<string, unknown> {
  return registry.settingsJsonSchema(system);
}

/**
 * Every reference stack, system by system, each system's environments in order and each
 * environment's parts in order; a part with a condition is listed when the built-in example
 * settings meet it.
 */
export function referenceStacks(): ReferenceStack[] {
  return registry.referenceStacks();
}

/** The names of the reference stacks, in the order {@link addReferenceStacks} adds them. */
export function referenceStackNames(): string[] {
  return registry.referenceStackNames();
}

/**
 * Adds the reference stacks to the app, from the built-in examples or, for the environments a
 * settings file lists, from that file (`source` names it in error messages). `only` selects
 * stacks by name (`trading-bot-prod`, `dantaro-wallet-prod-k8s`): each part on its own; an unknown
 * name is refused with the list of known ones, and so is a part whose condition the settings do
 * not meet.
 * @default every reference stack
 */
export function addReferenceStacks(
  app: App,
  overrides: SettingsOverrides = {},
  source = "settings",
  only?: readonly string[],
): void {
  registry.addReferenceStacks(app, overrides, source, only);
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
