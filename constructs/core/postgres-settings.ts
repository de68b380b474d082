import { distance } from "fastest-levenshtein";
import { type ErrorSource, invalid } from "./errors";
import type { OptOut } from "./opt-out";
// The catalogues are generated beside the GCP construct that used them first
// (`constructs/gcp/data/generate-postgres-settings.sh`); every managed PostgreSQL engine reads the
// same files. Resolved relative to this module, so no machine path leaks.
import postgres13 from "../gcp/data/postgres-13-settings.json";
import postgres14 from "../gcp/data/postgres-14-settings.json";
import postgres15 from "../gcp/data/postgres-15-settings.json";
import postgres16 from "../gcp/data/postgres-16-settings.json";
import postgres17 from "../gcp/data/postgres-17-settings.json";

/**
 * PostgreSQL's own settings, per major version, and the checks of a settings map (Cloud SQL's
 * database flags, an RDS parameter group) against them. Engine-generic: each managed engine
 * describes what it adds (its own flags or parameters), what it manages itself (refused, with the
 * reason) and how it writes booleans, as a {@link PostgresEngine}.
 */

/** PostgreSQL major versions the catalogues cover. */
export type PostgresMajor = 13 | 14 | 15 | 16 | 17;

/** Every {@link PostgresMajor}, oldest first. */
export const POSTGRES_MAJORS: readonly PostgresMajor[] = [13, 14, 15, 16, 17];

/** What a setting accepts, as read from `pg_settings`. */
export interface FlagSpec {
  readonly type: "bool" | "integer" | "real" | "enum" | "string";
  readonly min?: number;
  readonly max?: number;
  readonly enumValues?: readonly string[];
  /** The unit integer values are counted in (`ms`, `kB`, `8kB`, ...). */
  readonly unit?: string;
}

/** A setting's value as given in props; booleans become the engine's texts, numbers decimal text. */
export type FlagValue = string | number | boolean;

/** How a settings file was made: the generator, the exact server version and its binaries. */
export interface PostgresSettingsOrigin {
  readonly by: string;
  readonly command: string;
  readonly postgresMajor: number;
  /** `SHOW server_version` of the server the settings were read from, e.g. `16.14`. */
  readonly postgresVersion: string;
  /** The npm package the server binaries came from, with its exact version. */
  readonly serverBinaries: string;
  readonly query: string;
}

interface SettingsFile {
  readonly generated: PostgresSettingsOrigin;
  readonly settings: Readonly<Record<string, FlagSpec>>;
}

const FILES: Readonly<Record<PostgresMajor, SettingsFile>> = {
  13: postgres13 as unknown as SettingsFile,
  14: postgres14 as unknown as SettingsFile,
  15: postgres15 as unknown as SettingsFile,
  16: postgres16 as unknown as SettingsFile,
  17: postgres17 as unknown as SettingsFile,
};

/** Every settable setting of each PostgreSQL major, read from a real server's `pg_settings`. */
export const POSTGRES_MAJOR_SETTINGS: Readonly<
  Record<PostgresMajor, Readonly<Record<string, FlagSpec>>>
> = Object.fromEntries(POSTGRES_MAJORS.map((m) => [m, FILES[m].settings])) as Record<
  PostgresMajor,
  Readonly<Record<string, FlagSpec>>
>;

/** Where the settings of each major were read from (exact server version and binaries). */
export const POSTGRES_MAJOR_ORIGIN: Readonly<Record<PostgresMajor, PostgresSettingsOrigin>> =
  Object.fromEntries(POSTGRES_MAJORS.map((m) => [m, FILES[m].generated])) as Record<
    PostgresMajor,
    PostgresSettingsOrigin
  >;

/**
 * Enum values PostgreSQL has only when it is built with LZ4 (`--with-lz4`, 14 and later) or
 * Zstandard (`--with-zstd`, 15 and later). Managed servers (Cloud SQL, RDS) are; the binaries the
 * settings files are read from are not, so their `pg_settings` lacks these values. Added where the
 * setting is an enum in that version (`wal_compression` is a boolean before 15).
 */
export const COMPRESSION_BUILD_VALUES: Readonly<Record<string, readonly string[]>> = {
  default_toast_compression: ["lz4"],
  wal_compression: ["lz4", "zstd"],
};

/** How one managed engine takes PostgreSQL settings. */
export interface PostgresEngine {
  /** The engine's name in messages: `Cloud SQL`, `RDS`. */
  readonly name: string;
  /** What the settings are called in its props: `flags`, `parameters`. */
  readonly mapName: string;
  /** The engine's own settings (and those of the extensions it offers), on every major. */
  readonly ownSettings: Readonly<Record<string, FlagSpec>>;
  /** What an own setting is called when a name is unknown: `a Cloud SQL flag the library knows`. */
  readonly ownWhat: string;
  /** Settings the engine manages itself, each with the reason they are refused. */
  readonly managed: Readonly<Record<string, string>>;
  /** How it writes a boolean. @default { on: "on", off: "off" } */
  readonly booleans?: { readonly on: string; readonly off: string };
  /** The fix for an unknown name without a close match or another version that has it. */
  readonly unknownFix: string;
}

/** Options of {@link checkSetting} and {@link checkSettings}. */
export interface SettingCheckOptions {
  readonly engine: PostgresEngine;
  /** The catalogue names and values are checked against. */
  readonly major: PostgresMajor;
  /**
   * Accept names that are neither a setting of `major` nor one of the engine's own; their values
   * are checked only to be one line of text. Managed settings stay refused.
   * @default undefined (refused)
   */
  readonly allowUnknown?: OptOut;
}

/** The result of {@link checkSettings}. */
export interface CheckedSettings {
  /** The settings with API values, sorted by name. */
  readonly values: Record<string, string>;
  /** The names accepted only through `allowUnknown`, sorted. */
  readonly unknown: readonly string[];
}

/**
 * What a setting accepts on an engine and major: the engine's own settings first, then the major's
 * PostgreSQL setting (with the compression values of managed builds). `undefined` when unknown.
 */
export function settingSpec(
  engine: PostgresEngine,
  major: PostgresMajor,
  name: string,
): FlagSpec | undefined {
  const ownSpec = own(engine.ownSettings, name);
  if (ownSpec !== undefined) return ownSpec;
  const spec = own(POSTGRES_MAJOR_SETTINGS[major], name);
  const extra = own(COMPRESSION_BUILD_VALUES, name);
  if (spec === undefined || extra === undefined || spec.type !== "enum") return spec;
  const values = spec.enumValues ?? [];
  return { ...spec, enumValues: [...values, ...extra.filter((v) => !values.includes(v))] };
}

const INTEGER_TEXT = /^-?\d+$/;
const REAL_TEXT = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/**
 * Checks one setting against the engine's managed list, its own settings and the settings of
 * `options.major`, and returns the value as the engine's API takes it (text).
 */
export function checkSetting(
  source: ErrorSource,
  property: string,
  name: string,
  value: unknown,
  options: SettingCheckOptions,
): string {
  const { engine, major } = options;
  const managed = own(engine.managed, name);
  if (managed !== undefined) {
    invalid(
      source,
      property,
      value,
      `sets ${name}, which ${engine.name} manages itself (${managed})`,
      `leave ${name} out of ${engine.mapName}`,
    );
  }
  const spec = settingSpec(engine, major, name);
  if (spec === undefined) {
    if (options.allowUnknown !== undefined) {
      return unknownValue(source, property, name, value, engine);
    }
    return unknownSetting(source, property, name, options);
  }
  const range = (): string =>
    `${spec.min ?? "-∞"} to ${spec.max ?? "∞"}${spec.unit ? ` (in ${spec.unit})` : ""}`;
  switch (spec.type) {
    case "bool": {
      const texts = engine.booleans ?? { on: "on", off: "off" };
      if (value === true || value === "on" || value === texts.on) return texts.on;
      if (value === false || value === "off" || value === texts.off) return texts.off;
      return invalid(
        source,
        property,
        value,
        `is not a boolean for ${name}`,
        texts.on === "on"
          ? 'use "on" or "off"'
          : `use true or false (or "${texts.on}", "${texts.off}")`,
      );
    }
    case "integer":
    case "real": {
      const text = typeof value === "number" ? String(value) : value;
      const pattern = spec.type === "integer" ? INTEGER_TEXT : REAL_TEXT;
      const number = typeof text === "string" && pattern.test(text) ? Number(text) : NaN;
      if (!Number.isFinite(number)) {
        invalid(
          source,
          property,
          value,
          `is not ${spec.type === "integer" ? "an integer" : "a number"} for ${name}`,
          `use a plain ${spec.type === "integer" ? "integer" : "number"} from ${range()}`,
        );
      }
      if (
        (spec.min !== undefined && number < spec.min) ||
        (spec.max !== undefined && number > spec.max)
      ) {
        invalid(
          source,
          property,
          value,
          `is out of range for ${name} on PostgreSQL ${major}`,
          `use a value from ${range()}`,
        );
      }
      return String(number);
    }
    case "enum": {
      const text = value === true ? "on" : value === false ? "off" : value;
      if (typeof text !== "string" || !(spec.enumValues ?? []).includes(text)) {
        invalid(
          source,
          property,
          value,
          `is not a value of ${name} on PostgreSQL ${major}`,
          `use one of ${(spec.enumValues ?? []).join(", ")}`,
        );
      }
      return text;
    }
    default:
      return oneLine(source, property, name, value);
  }
}

/**
 * Checks a settings map (see {@link checkSetting}) and returns it with API values, sorted by name,
 * and the names accepted only through `allowUnknown`.
 */
export function checkSettings(
  source: ErrorSource,
  property: string,
  settings: Readonly<Record<string, FlagValue>>,
  options: SettingCheckOptions,
): CheckedSettings {
  if (settings === null || typeof settings !== "object" || Array.isArray(settings)) {
    invalid(
      source,
      property,
      settings,
      `is not a map of ${options.engine.mapName}`,
      "pass { log_min_duration_statement: 1000 }",
    );
  }
  const names = Object.keys(settings).sort();
  return {
    values: Object.fromEntries(
      names.map((name) => [
        name,
        checkSetting(source, `${property}.${name}`, name, settings[name], options),
      ]),
    ),
    unknown: names.filter((name) => settingSpec(options.engine, options.major, name) === undefined),
  };
}

function unknownSetting(
  source: ErrorSource,
  property: string,
  name: string,
  options: SettingCheckOptions,
): never {
  const { engine, major } = options;
  const elsewhere = POSTGRES_MAJORS.filter(
    (m) => own(POSTGRES_MAJOR_SETTINGS[m], name) !== undefined,
  );
  const close = closeMatches(name, [
    ...Object.keys(POSTGRES_MAJOR_SETTINGS[major]),
    ...Object.keys(engine.ownSettings),
  ]).filter((n) => own(engine.managed, n) === undefined);
  const fixes = [
    ...(elsewhere.length > 0
      ? [`${name} is a setting of PostgreSQL ${elsewhere.join(", ")} only`]
      : []),
    ...(close.length > 0 ? [`did you mean ${close.join(", ")}?`] : []),
  ];
  return invalid(
    source,
    property,
    name,
    `is not a PostgreSQL ${major} setting or ${engine.ownWhat}`,
    fixes.length > 0 ? fixes.join("; ") : engine.unknownFix,
  );
}

/** The value of a setting accepted through `allowUnknown`: one line of text. */
function unknownValue(
  source: ErrorSource,
  property: string,
  name: string,
  value: unknown,
  engine: PostgresEngine,
): string {
  const texts = engine.booleans ?? { on: "on", off: "off" };
  if (value === true) return texts.on;
  if (value === false) return texts.off;
  if (typeof value === "number" && !Number.isFinite(value)) {
    invalid(source, property, value, `is not a finite number for ${name}`, "use a plain number");
  }
  return oneLine(source, property, name, value);
}

function oneLine(source: ErrorSource, property: string, name: string, value: unknown): string {
  const text = typeof value === "number" ? String(value) : value;
  if (typeof text !== "string" || /[\n\r\0]/.test(text)) {
    invalid(source, property, value, `is not a text value for ${name}`, "use a one-line string");
  }
  return text;
}

function own<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
}

/** Up to three names closest to `name` (edit distance, or one containing the other). */
function closeMatches(name: string, candidates: readonly string[]): string[] {
  const wanted = name.toLowerCase();
  const limit = Math.max(2, Math.floor(wanted.length / 4));
  return candidates
    .map((c) => {
      const lower = c.toLowerCase();
      const contains = wanted.length >= 4 && (lower.includes(wanted) || wanted.includes(lower));
      return { c, d: contains ? 0.5 : distance(wanted, lower) };
    })
    .filter((m) => m.d <= limit)
    .sort((a, b) => a.d - b.d || (a.c < b.c ? -1 : 1))
    .slice(0, 3)
    .map((m) => m.c);
}
