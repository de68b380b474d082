import type { ErrorSource } from "../core/errors";
import type { OptOut } from "../core/opt-out";
import {
  COMPRESSION_BUILD_VALUES,
  POSTGRES_MAJOR_ORIGIN,
  POSTGRES_MAJOR_SETTINGS,
  checkSetting,
  checkSettings,
  settingSpec,
  type FlagSpec,
  type FlagValue,
  type PostgresEngine,
  type PostgresMajor,
  type PostgresSettingsOrigin,
} from "../core/postgres-settings";

// The catalogues and the engine-generic checks live in core/postgres-settings (RDS uses them
// too); this module says what Cloud SQL adds and manages, and keeps its public names.
export { COMPRESSION_BUILD_VALUES, type FlagSpec, type FlagValue, type PostgresSettingsOrigin };

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

/** `15` for `POSTGRES_15`. */
function major(version: PostgresVersion): PostgresMajor {
  return Number(version.slice("POSTGRES_".length)) as PostgresMajor;
}

/**
 * Every settable setting of each PostgreSQL major, generated from the `pg_settings` of a real
 * server of that major by `constructs/gcp/data/generate-postgres-settings.sh`.
 */
export const POSTGRES_SETTINGS: Readonly<
  Record<PostgresVersion, Readonly<Record<string, FlagSpec>>>
> = Object.fromEntries(
  POSTGRES_VERSIONS.map((v) => [v, POSTGRES_MAJOR_SETTINGS[major(v)]]),
) as Record<PostgresVersion, Readonly<Record<string, FlagSpec>>>;

/** Where the settings of each major were read from (exact server version and binaries). */
export const POSTGRES_SETTINGS_ORIGIN: Readonly<Record<PostgresVersion, PostgresSettingsOrigin>> =
  Object.fromEntries(POSTGRES_VERSIONS.map((v) => [v, POSTGRES_MAJOR_ORIGIN[major(v)]])) as Record<
    PostgresVersion,
    PostgresSettingsOrigin
  >;

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

/** Cloud SQL as a {@link PostgresEngine}: its flags, what it manages, its `on`/`off` booleans. */
const CLOUD_SQL: PostgresEngine = {
  name: "Cloud SQL",
  mapName: "flags",
  ownSettings: CLOUD_SQL_FLAGS,
  ownWhat: "a Cloud SQL flag the library knows",
  managed: CLOUD_SQL_MANAGED_FLAGS,
  unknownFix:
    "check the name in the PostgreSQL documentation (pg_settings) and Cloud SQL's list of " +
    "supported flags; if Cloud SQL takes it, set allowUnknownFlags: { reason }",
};

/**
 * What a flag accepts on a version: Cloud SQL's own flags first, then the version's PostgreSQL
 * setting (with the compression values of Cloud SQL's build). `undefined` when the name is unknown.
 */
export function flagSpec(version: PostgresVersion, name: string): FlagSpec | undefined {
  return settingSpec(CLOUD_SQL, major(version), name);
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
  return checkSetting(source, property, name, value, {
    engine: CLOUD_SQL,
    major: major(options.version),
    allowUnknown: options.allowUnknown,
  });
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
  const checked = checkSettings(source, property, flags, {
    engine: CLOUD_SQL,
    major: major(options.version),
    allowUnknown: options.allowUnknown,
  });
  return { flags: checked.values, unknown: checked.unknown };
}
