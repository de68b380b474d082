/**
 * The parameters of RDS for PostgreSQL: PostgreSQL's settings (core/postgres-settings) plus what
 * RDS adds and what it manages itself, the defaults every RdsPostgres instance gets, and which
 * parameters take effect only after a reboot. Data for `constructs/aws/rds.ts`.
 */
import { POSTGRES_MESSAGE_LEVELS } from "../../vocabulary";
import type { FlagSpec, PostgresEngine } from "../core/postgres-settings";

const bool: FlagSpec = { type: "bool" };

/**
 * RDS's own parameters (and those of the extensions it offers) accepted on top of PostgreSQL's
 * settings on every version. Kept short on purpose: add one here, with its type, when a stack
 * needs it, or pass `allowUnknownParameters` for a one-off.
 */
export const RDS_PARAMETERS: Readonly<Record<string, FlagSpec>> = {
  "rds.adaptive_autovacuum": bool,
  "rds.allowed_extensions": { type: "string" },
  "rds.force_autovacuum_logging_level": {
    type: "enum",
    enumValues: ["disabled", ...POSTGRES_MESSAGE_LEVELS],
  },
  "rds.log_retention_period": { type: "integer", min: 1440, max: 10080, unit: "min" },
  "rds.logical_replication": bool,
  "rds.restrict_password_commands": bool,
  "pgaudit.log": { type: "string" },
  "pgaudit.log_parameter": bool,
  "pgaudit.role": { type: "string" },
  "pg_stat_statements.max": { type: "integer", min: 100, max: 2147483647 },
  "pg_stat_statements.track": { type: "enum", enumValues: ["none", "top", "all"] },
};

const MANAGED_PARAMETER_GROUPS: readonly (readonly [reason: string, names: string])[] = [
  [
    "RDS owns the server's files, sockets and listeners",
    "config_file data_directory dynamic_library_path external_pid_file hba_file ident_file " +
      "krb_server_keyfile listen_addresses port stats_temp_directory unix_socket_directories " +
      "unix_socket_group unix_socket_permissions",
  ],
  [
    "TLS is managed by RDS and required by the construct (rds.force_ssl = 1)",
    "rds.force_ssl ssl ssl_ca_file ssl_cert_file ssl_crl_dir ssl_crl_file ssl_dh_params_file " +
      "ssl_key_file ssl_passphrase_command ssl_passphrase_command_supports_reload",
  ],
  [
    "WAL archiving, recovery and replication are managed by RDS for backups, point-in-time " +
      "recovery and replicas (use rds.logical_replication for logical replication)",
    "archive_cleanup_command archive_command archive_library archive_mode primary_conninfo " +
      "primary_slot_name promote_trigger_file recovery_end_command restore_command wal_level",
  ],
  ["turning it off risks silent data corruption on a crash", "fsync full_page_writes"],
  [
    "RDS writes the server log itself and exports it to CloudWatch Logs",
    "event_source log_directory log_file_mode logging_collector syslog_facility syslog_ident " +
      "syslog_sequence_numbers syslog_split_messages",
  ],
  [
    "it bypasses catalog or checksum safety and is for superuser repair only",
    "allow_in_place_tablespaces allow_system_table_mods data_sync_retry ignore_checksum_failure " +
      "ignore_invalid_pages ignore_system_indexes jit_provider zero_damaged_pages",
  ],
];

/** The parameters RDS (or this construct) manages itself, each with the reason it is refused. */
export const RDS_MANAGED_PARAMETERS: Readonly<Record<string, string>> = Object.fromEntries(
  MANAGED_PARAMETER_GROUPS.flatMap(([reason, names]) => names.split(" ").map((n) => [n, reason])),
);

/** RDS as a {@link PostgresEngine}: its parameters, what it manages, `1`/`0` booleans. */
export const RDS_ENGINE: PostgresEngine = {
  name: "RDS",
  mapName: "parameters",
  ownSettings: RDS_PARAMETERS,
  ownWhat: "an RDS parameter the library knows",
  managed: RDS_MANAGED_PARAMETERS,
  booleans: { on: "1", off: "0" },
  unknownFix:
    "check the name in the PostgreSQL documentation (pg_settings) and the RDS parameter group " +
    "of the family; if RDS takes it, set allowUnknownParameters: { reason }",
};

/**
 * Parameters set unless overridden: TLS required (`rds.force_ssl`, not overridable), and the
 * logging the CIS Benchmark checks: connections, disconnections, checkpoints, lock waits, every
 * temporary file, statements that fail with an error, and schema changes (DDL).
 */
export const DEFAULT_PARAMETERS: Readonly<Record<string, string>> = {
  log_checkpoints: "1",
  log_connections: "1",
  log_disconnections: "1",
  log_lock_waits: "1",
  log_min_error_statement: "error",
  log_statement: "ddl",
  log_temp_files: "0",
};

/**
 * Parameters that take effect only after a reboot (`postmaster` context): RDS refuses the
 * `immediate` apply method for them, so they are applied as `pending-reboot`.
 */
export const STATIC_PARAMETERS = new Set(
  (
    "autovacuum_max_workers huge_pages max_connections max_locks_per_transaction " +
    "max_logical_replication_workers max_pred_locks_per_transaction max_prepared_transactions " +
    "max_replication_slots max_wal_senders max_worker_processes old_snapshot_threshold " +
    "rds.logical_replication shared_buffers shared_preload_libraries track_activity_query_size " +
    "track_commit_timestamp wal_buffers"
  ).split(" "),
);
