import { type ErrorSource, invalid } from "../core/errors";
import type { OptOut } from "../core/opt-out";
// Resolved relative to this module (compiled to require("./data/...")), so no machine path leaks.
import postgres13 from "./data/postgres-13-settings.json";
import postgres14 from "./data/postgres-14-settings.json";
import postgres15 from "./data/postgres-15-settings.json";
import postgres16 from "./data/postgres-16-settings.json";
import postgres17 from "./data/postgres-17-settings.json";
import { distance } from "fastest-levenshtein";

// ---------------------------------------------------------------------------------------------
// Versions and their settings
// ---------------------------------------------------------------------------------------------

/** PostgreSQL major versions the construct builds. */
export type PostgresVersion =
  "POSTGRES_13" | "POSTGRES_14" | "POSTGRES_15" | "POSTGRES_16" | "POSTGRES_17";

/** Every {@link PostgresVersion}, oldest first. */
export const POSTGRES_VERSIONS: readonly PostgresVersion[] = [
  "POSTGRES_13",
  "POSTGRES_14",
  "POSTGRES_15",
  "POSTGRES_16",
  "POSTGRES_17",
];

/** What a database flag accepts, as read from `pg_settings`. */
export interface FlagSpec {
  readonly type: "bool" | "integer" | "real" | "enum" | "string";
  readonly min?: number;
  readonly max?: number;
  readonly enumValues?: readonly string[];
  /** The unit integer values are counted in (`ms`, `kB`, `8kB`, ...). */
  readonly unit?: string;
}

/** A flag value as given in props; booleans become `on`/`off`, numbers their decimal text. */
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

const FILES: Readonly<Record<PostgresVersion, SettingsFile>> = {
  POSTGRES_13: postgres13 as unknown as SettingsFile,
  POSTGRES_14: postgres14 as unknown as SettingsFile,
  POSTGRES_15: postgres15 as unknown as SettingsFile,
  POSTGRES_16: postgres16 as unknown as SettingsFile,
  POSTGRES_17: postgres17 as unknown as SettingsFile,
};

/**
 * Every settable setting of each PostgreSQL major, generated from the `pg_settings` of a real
 * server of that major by `constructs/gcp/data/generate-postgres-settings.sh`.
 */
export const POSTGRES_SETTINGS: Readonly<
  Record<PostgresVersion, Readonly<Record<string, FlagSpec>>>
> = Object.fromEntries(POSTGRES_VERSIONS.map((v) => [v, FILES[v].settings])) as Record<
  PostgresVersion,
  Readonly<Record<string, FlagSpec>>
>;

/** Where the settings of each major were read from (exact server version and binaries). */
export const POSTGRES_SETTINGS_ORIGIN: Readonly<Record<PostgresVersion, PostgresSettingsOrigin>> =
  Object.fromEntries(POSTGRES_VERSIONS.map((v) => [v, FILES[v].generated])) as Record<
    PostgresVersion,
    PostgresSettingsOrigin
  >;

/** `15` for `POSTGRES_15`. */
function major(version: PostgresVersion): string {
  return version.slice("POSTGRES_".length);
}

// ---------------------------------------------------------------------------------------------
// What Cloud SQL adds, and what it manages itself
// ---------------------------------------------------------------------------------------------

const bool: FlagSpec = { type: "bool" };

/**
 * Cloud SQL's own flags (and those of the extensions it enables), accepted on top of PostgreSQL's
 * settings on every version. Kept short on purpose: add a flag here, with its type, when a stack
 * needs it, or pass `allowUnknownFlags` for a one-off.
 */
export const CLOUD_SQL_FLAGS: Readonly<Record<string, FlagSpec>> = {
  "cloudsql.iam_authentication": bool,
  "cloudsql.enable_pgaudit": bool,
  "cloudsql.logical_decoding": bool,
  "cloudsql.enable_pglogical": bool,
  "cloudsql.enable_pg_cron": bool,
  "cloudsql.enable_pg_squeeze": bool,
  "cloudsql.enable_pg_hint_plan": bool,
  "cloudsql.enable_auto_explain": bool,
  "pgaudit.log": { type: "string" },
  "pgaudit.log_parameter": bool,
  "pgaudit.log_relation": bool,
};

/**
 * Enum values PostgreSQL has only when it is built with LZ4 (`--with-lz4`, 14 and later) or
 * Zstandard (`--with-zstd`, 15 and later). Cloud SQL's servers are; the binaries the settings files
 * are read from are not, so their `pg_settings` lacks these values. Added where the setting is an
 * enum in that version (`wal_compression` is a boolean before 15).
 */
export const COMPRESSION_BUILD_VALUES: Readonly<Record<string, readonly string[]>> = {
  default_toast_compression: ["lz4"],
  wal_compression: ["lz4", "zstd"],
};

/**
 * PostgreSQL settings Cloud SQL manages itself: the API refuses them, or setting them would undo
 * what it guarantees (TLS, backups, PITR, replication, logging to Cloud Logging). An explicit list
 * rather than a rule on `pg_settings.context`, because many `postmaster` settings
 * (`max_connections`, `shared_buffers`, ...) are legitimate Cloud SQL flags. A name here may exist
 * in some versions only.
 */
const MANAGED_FLAG_GROUPS: readonly (readonly [reason: string, names: string])[] = [
  [
    "Cloud SQL owns the server's files, sockets and listeners",
    "config_file data_directory dynamic_library_path external_pid_file hba_file ident_file " +
      "krb_server_keyfile listen_addresses port stats_temp_directory unix_socket_directories " +
      "unix_socket_group unix_socket_permissions",
  ],
  [
    "TLS is managed by Cloud SQL; choose it with sslMode",
    "ssl ssl_ca_file ssl_cert_file ssl_ciphers ssl_crl_dir ssl_crl_file ssl_dh_params_file " +
      "ssl_ecdh_curve ssl_key_file ssl_max_protocol_version ssl_min_protocol_version " +
      "ssl_passphrase_command ssl_passphrase_command_supports_reload ssl_prefer_server_ciphers",
  ],
  [
    "WAL archiving, recovery and replication are managed by Cloud SQL for backups, PITR and " +
      "replicas (use cloudsql.logical_decoding for logical replication)",
    "archive_cleanup_command archive_command archive_library archive_mode primary_conninfo " +
      "primary_slot_name promote_trigger_file recovery_end_command restore_command " +
      "sync_replication_slots synchronized_standby_slots wal_level",
  ],
  ["turning it off risks silent data corruption on a crash", "fsync full_page_writes"],
  [
    "Cloud SQL loads libraries itself; use its cloudsql.enable_* flags",
    "local_preload_libraries session_preload_libraries shared_preload_libraries",
  ],
  [
    "Cloud SQL sends server logs to Cloud Logging",
    "event_source log_destination log_directory log_file_mode log_filename log_rotation_age " +
      "log_rotation_size log_truncate_on_rotation logging_collector syslog_facility syslog_ident " +
      "syslog_sequence_numbers syslog_split_messages",
  ],
  [
    "it bypasses catalog or checksum safety and is for superuser repair only",
    "allow_in_place_tablespaces allow_system_table_mods data_sync_retry ignore_checksum_failure " +
      "ignore_invalid_pages ignore_system_indexes jit_provider zero_damaged_pages",
  ],
];

/** The flags Cloud SQL manages itself, each with the reason it is refused. */
export const CLOUD_SQL_MANAGED_FLAGS: Readonly<Record<string, string>> = Object.fromEntries(
  MANAGED_FLAG_GROUPS.flatMap(([reason, names]) => names.split(" ").map((n) => [n, reason])),
);

/**
 * Flags set unless overridden: IAM database authentication, and the logging CIS Benchmark for
 * Cloud SQL (and checkov CKV_GCP_109–111) checks: connections, disconnections, checkpoints, lock
 * waits, every temporary file, statements that fail with an error, schema changes (DDL), and
 * pgAudit (create the `pgaudit` extension in each database to record sessions). Every one exists
 * in each {@link PostgresVersion}.
 */
export const DEFAULT_FLAGS: Readonly<Record<string, string>> = {
  "cloudsql.iam_authentication": "on",
  "cloudsql.enable_pgaudit": "on",
  log_min_error_statement: "error",
  log_statement: "ddl",
  log_checkpoints: "on",
  log_connections: "on",
  log_disconnections: "on",
  log_lock_waits: "on",
  log_temp_files: "0",
};

/**
 * What a flag accepts on a version: Cloud SQL's own flags first, then the version's PostgreSQL
 * setting (with the compression values of Cloud SQL's build). `undefined` when the name is unknown.
 */
export function flagSpec(version: PostgresVersion, name: string): FlagSpec | undefined {
  const cloudSql = own(CLOUD_SQL_FLAGS, name);
  if (cloudSql !== undefined) return cloudSql;
  const spec = own(POSTGRES_SETTINGS[version], name);
  const extra = own(COMPRESSION_BUILD_VALUES, name);
  if (spec === undefined || extra === undefined || spec.type !== "enum") return spec;
  const values = spec.enumValues ?? [];
  return { ...spec, enumValues: [...values, ...extra.filter((v) => !values.includes(v))] };
}

// ---------------------------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------------------------

/** Options of {@link checkFlag} and {@link checkFlags}. */
export interface FlagCheckOptions {
  /** The catalogue names and values are checked against. */
  readonly version: PostgresVersion;
  /**
   * Accept names that are neither a setting of `version` nor a known Cloud SQL flag; their values
   * are checked only to be one line of text. Managed flags stay refused. @default undefined (refused)
   */
  readonly allowUnknown?: OptOut;
}

/** The result of {@link checkFlags}. */
export interface CheckedFlags {
  /** The flags with API values, sorted by name. */
  readonly flags: Record<string, string>;
  /** The names accepted only through `allowUnknown`, sorted. */
  readonly unknown: readonly string[];
}

const INTEGER_TEXT = /^-?\d+$/;
const REAL_TEXT = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/**
 * Checks one database flag against the settings of `options.version` and Cloud SQL's own flags,
 * and returns the value as the API takes it (text; booleans as `on`/`off`).
 */
export function checkFlag(
  source: ErrorSource,
  property: string,
  name: string,
  value: unknown,
  options: FlagCheckOptions,
): string {
  const { version } = options;
  const managed = own(CLOUD_SQL_MANAGED_FLAGS, name);
  if (managed !== undefined) {
    invalid(
      source,
      property,
      value,
      `sets ${name}, which Cloud SQL manages itself (${managed})`,
      `leave ${name} out of flags`,
    );
  }
  const spec = flagSpec(version, name);
  if (spec === undefined) {
    if (options.allowUnknown !== undefined) return unknownValue(source, property, name, value);
    return unknownFlag(source, property, name, version);
  }
  const range = (): string =>
    `${spec.min ?? "-∞"} to ${spec.max ?? "∞"}${spec.unit ? ` (in ${spec.unit})` : ""}`;
  switch (spec.type) {
    case "bool": {
      if (value === true || value === "on") return "on";
      if (value === false || value === "off") return "off";
      return invalid(source, property, value, `is not a boolean for ${name}`, 'use "on" or "off"');
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
          `is out of range for ${name} on PostgreSQL ${major(version)}`,
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
          `is not a value of ${name} on PostgreSQL ${major(version)}`,
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
 * Checks a flag map (see {@link checkFlag}) and returns it with API values, sorted by name, and
 * the names accepted only through `allowUnknown`.
 */
export function checkFlags(
  source: ErrorSource,
  property: string,
  flags: Readonly<Record<string, FlagValue>>,
  options: FlagCheckOptions,
): CheckedFlags {
  if (flags === null || typeof flags !== "object" || Array.isArray(flags)) {
    invalid(
      source,
      property,
      flags,
      "is not a map of flags",
      "pass { log_min_duration_statement: 1000 }",
    );
  }
  const names = Object.keys(flags).sort();
  return {
    flags: Object.fromEntries(
      names.map((name) => [
        name,
        checkFlag(source, `${property}.${name}`, name, flags[name], options),
      ]),
    ),
    unknown: names.filter((name) => flagSpec(options.version, name) === undefined),
  };
}

function unknownFlag(
  source: ErrorSource,
  property: string,
  name: string,
  version: PostgresVersion,
): never {
  const elsewhere = POSTGRES_VERSIONS.filter((v) => own(POSTGRES_SETTINGS[v], name) !== undefined);
  const close = closeMatches(name, [
    ...Object.keys(POSTGRES_SETTINGS[version]),
    ...Object.keys(CLOUD_SQL_FLAGS),
  ]).filter((n) => own(CLOUD_SQL_MANAGED_FLAGS, n) === undefined);
  const fixes = [
    ...(elsewhere.length > 0
      ? [`${name} is a setting of PostgreSQL ${elsewhere.map(major).join(", ")} only`]
      : []),
    ...(close.length > 0 ? [`did you mean ${close.join(", ")}?`] : []),
  ];
  return invalid(
    source,
    property,
    name,
    `is not a PostgreSQL ${major(version)} setting or a Cloud SQL flag the library knows`,
    fixes.length > 0
      ? fixes.join("; ")
      : "check the name in the PostgreSQL documentation (pg_settings) and Cloud SQL's list of " +
          "supported flags; if Cloud SQL takes it, set allowUnknownFlags: { reason }",
  );
}

/** The value of a flag accepted through `allowUnknown`: one line of text. */
function unknownValue(source: ErrorSource, property: string, name: string, value: unknown): string {
  if (value === true) return "on";
  if (value === false) return "off";
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
