// GCP rules: Cloud SQL.
import type { Json, Resource, Rule, Verdict } from "../../types";
import {
  blocks,
  COMPLIANT,
  get,
  includesWorld,
  isToken,
  NOT_APPLICABLE,
  requireFlag,
  show,
  unverifiable,
  violation,
  worldRanges,
} from "../../values";
import { OPT_OUT_IDS, POSTGRES_MESSAGE_LEVELS } from "../../../vocabulary";
import { SQL } from "./resources";

const isReplica = (c: Json): boolean => c.master_instance_name !== undefined;
const SECURE_SSL_MODES = ["ENCRYPTED_ONLY", "TRUSTED_CLIENT_CERTIFICATE_REQUIRED"];

/** Checks a PostgreSQL database flag; not applicable to other engines. */
function pgFlag(name: string, wanted: string, ok: (value: string) => boolean) {
  return (r: Resource): Verdict => {
    const version = r.config.database_version;
    if (isToken(version)) return violation(unverifiable("database_version", version));
    if (typeof version !== "string" || !version.startsWith("POSTGRES")) return NOT_APPLICABLE;
    const entry = blocks(get(r.config, "settings.database_flags")).find((f) => f.name === name);
    if (!entry) return violation(`database flag ${name} is not set; set it to ${wanted}`);
    if (isToken(entry.value)) return violation(unverifiable(`database flag ${name}`, entry.value));
    return ok(String(entry.value).toLowerCase())
      ? COMPLIANT
      : violation(`database flag ${name} is ${show(entry.value)}; set it to ${wanted}`);
  };
}

/** `log_min_error_statement` at `error` or a more verbose level logs every failing statement. */
const PG_ERROR_LEVELS = POSTGRES_MESSAGE_LEVELS.slice(
  0,
  POSTGRES_MESSAGE_LEVELS.indexOf("error") + 1,
);

export const sqlRules: Rule[] = [
  {
    id: "GCP-SQL-001",
    checkovNote:
      "Stricter: checkov's CKV_GCP_60 only judges SQL Server instances; a public IP is a finding on every engine here, and an unset `ipv4_enabled` counts as its default (true).",
    checkov: "CKV_GCP_60",
    severity: "error",
    title: "Cloud SQL instance has no public IP",
    types: SQL,
    fix: "Set settings.ip_configuration.ipv4_enabled = false and connect over private IP (private_network).",
    check: (r) => requireFlag(r.config, "settings.ip_configuration.ipv4_enabled", false, true),
  },
  {
    id: "GCP-SQL-002",
    checkov: "CKV_GCP_11",
    severity: "error",
    title: "Cloud SQL authorized networks do not include the internet",
    types: SQL,
    fix: "Remove 0.0.0.0/0 from settings.ip_configuration.authorized_networks; use private IP or the Cloud SQL Auth Proxy.",
    acceptedOptOuts: [OPT_OUT_IDS.sqlOpenToWorld],
    check: (r) => {
      const networks = blocks(get(r.config, "settings.ip_configuration.authorized_networks"));
      const values = networks.map((n) => n.value);
      const world = includesWorld(values);
      if (world === true) return violation(`authorized_networks admits ${worldRanges(values)}`);
      if (world === "unknown")
        return violation(unverifiable("settings.ip_configuration.authorized_networks", values));
      return COMPLIANT;
    },
  },
  {
    id: "GCP-SQL-003",
    checkovNote:
      "checkov's CKV_GCP_6 reads the deprecated `require_ssl`; this rule reads `ssl_mode`, its replacement in provider 6.x, and an unset mode is a finding.",
    checkov: "CKV_GCP_6",
    severity: "error",
    title: "Cloud SQL accepts encrypted connections only",
    types: SQL,
    fix: 'Set settings.ip_configuration.ssl_mode = "ENCRYPTED_ONLY" (or "TRUSTED_CLIENT_CERTIFICATE_REQUIRED").',
    check: (r) => {
      const mode = get(r.config, "settings.ip_configuration.ssl_mode");
      if (mode === undefined) {
        return violation(
          "settings.ip_configuration.ssl_mode is not set and defaults to ALLOW_UNENCRYPTED_AND_ENCRYPTED",
        );
      }
      if (isToken(mode)) return violation(unverifiable("settings.ip_configuration.ssl_mode", mode));
      return SECURE_SSL_MODES.includes(String(mode))
        ? COMPLIANT
        : violation(`settings.ip_configuration.ssl_mode is ${show(mode)}`);
    },
  },
  {
    id: "GCP-SQL-004",
    checkovNote: "Read replicas are not applicable (their backups are the primary's).",
    checkov: "CKV_GCP_14",
    severity: "error",
    title: "Cloud SQL instance has automated backups",
    types: SQL,
    fix: "Set settings.backup_configuration.enabled = true (read replicas are exempt).",
    check: (r) =>
      isReplica(r.config)
        ? NOT_APPLICABLE
        : requireFlag(r.config, "settings.backup_configuration.enabled", true, false),
  },
  {
    id: "GCP-SQL-005",
    severity: "error",
    title: "Cloud SQL instance has point-in-time recovery",
    types: SQL,
    fix: "Set settings.backup_configuration.point_in_time_recovery_enabled = true (binary_log_enabled for MySQL).",
    check: (r) => {
      if (isReplica(r.config)) return NOT_APPLICABLE;
      const version = r.config.database_version;
      const mysql = typeof version === "string" && version.startsWith("MYSQL");
      const key = mysql ? "binary_log_enabled" : "point_in_time_recovery_enabled";
      return requireFlag(r.config, `settings.backup_configuration.${key}`, true, false);
    },
  },
  {
    id: "GCP-SQL-006",
    severity: "error",
    title: "Cloud SQL instance keeps Terraform deletion protection",
    types: SQL,
    fix: "Leave deletion_protection at its default true; remove it deliberately in a reviewed change before a planned deletion.",
    acceptedOptOuts: [OPT_OUT_IDS.deletionAllowed],
    check: (r) => requireFlag(r.config, "deletion_protection", true, true),
  },
  {
    id: "GCP-SQL-007",
    severity: "warning",
    title: "Cloud SQL instance has API deletion protection",
    types: SQL,
    fix: "Set settings.deletion_protection_enabled = true so the instance cannot be deleted from the console or gcloud either.",
    acceptedOptOuts: [OPT_OUT_IDS.deletionAllowed],
    check: (r) => requireFlag(r.config, "settings.deletion_protection_enabled", true, false),
  },
  {
    id: "GCP-SQL-008",
    checkov: "CKV_GCP_109",
    severity: "warning",
    title: "PostgreSQL logs statements that cause errors",
    types: SQL,
    fix: 'Add the database flag log_min_error_statement = "error" (or a more verbose level).',
    check: pgFlag("log_min_error_statement", "error", (v) => PG_ERROR_LEVELS.includes(v)),
  },
  {
    id: "GCP-SQL-009",
    checkov: "CKV_GCP_110",
    severity: "warning",
    title: "PostgreSQL has pgAudit enabled",
    types: SQL,
    fix: 'Add the database flag cloudsql.enable_pgaudit = "on" and create the pgaudit extension.',
    check: pgFlag("cloudsql.enable_pgaudit", "on", (v) => v === "on"),
  },
  {
    id: "GCP-SQL-010",
    checkov: "CKV_GCP_111",
    severity: "warning",
    title: "PostgreSQL logs SQL statements",
    types: SQL,
    fix: 'Add the database flag log_statement = "ddl" (or "mod" / "all").',
    check: pgFlag("log_statement", "ddl", (v) => ["ddl", "mod", "all"].includes(v)),
  },
  {
    id: "GCP-SQL-011",
    checkovNote:
      "Stricter: checkov's CKV_GCP_52 fails only an explicit `off`; an unset flag is a finding here (PostgreSQL's default is off).",
    checkov: "CKV_GCP_52",
    severity: "warning",
    title: "PostgreSQL logs connections",
    types: SQL,
    fix: 'Add the database flag log_connections = "on".',
    check: pgFlag("log_connections", "on", (v) => v === "on"),
  },
  {
    id: "GCP-SQL-012",
    checkovNote:
      "Stricter: checkov's CKV_GCP_53 fails only an explicit `off`; an unset flag is a finding here (PostgreSQL's default is off).",
    checkov: "CKV_GCP_53",
    severity: "warning",
    title: "PostgreSQL logs disconnections",
    types: SQL,
    fix: 'Add the database flag log_disconnections = "on".',
    check: pgFlag("log_disconnections", "on", (v) => v === "on"),
  },
];
