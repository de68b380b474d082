import type { Json, Resource, Rule, RuleContext, Verdict } from "../types";
import {
  blocks,
  COMPLIANT,
  coversPort,
  combine,
  flag,
  get,
  includesWorld,
  isObject,
  isToken,
  NOT_APPLICABLE,
  parsePortRange,
  problemsVerdict,
  referencedAddresses,
  requireFlag,
  show,
  strings,
  unverifiable,
  violation,
  worldRanges,
} from "../values";
import { isBackupName } from "./common";

import {
  ADMIN_PORTS,
  OPT_OUT_IDS,
  PRIMITIVE_ROLES,
  projectRoleRisk,
  PUBLIC_MEMBERS,
  WORLD_INGRESS_PORTS,
} from "../../vocabulary";

export { PRIMITIVE_ROLES, PUBLIC_MEMBERS };

const FIREWALL = ["google_compute_firewall"];
const SQL = ["google_sql_database_instance"];
const SUBNET = ["google_compute_subnetwork"];
const FROM_TEMPLATE = "google_compute_instance_from_template";
const INSTANCE_TYPES = ["google_compute_instance", FROM_TEMPLATE];
const VM = [
  ...INSTANCE_TYPES,
  "google_compute_instance_template",
  "google_compute_region_instance_template",
];
const VM_LABEL =
  "`google_compute_instance`, `google_compute_instance_from_template` and instance templates";
const BUCKET = ["google_storage_bucket"];
const REPOSITORY = ["google_artifact_registry_repository"];
const REPOSITORY_GRANTS = [
  "google_artifact_registry_repository_iam_member",
  "google_artifact_registry_repository_iam_binding",
  "google_artifact_registry_repository_iam_policy",
];
const BUCKET_GRANTS = [
  "google_storage_bucket_iam_member",
  "google_storage_bucket_iam_binding",
  "google_storage_bucket_iam_policy",
];
const IAM_GRANT = /^google_.+_iam_(member|binding|policy)$/;
const PROJECT_GRANT = ["google_project_iam_member", "google_project_iam_binding"];
const AUTHORITATIVE = [
  "google_project_iam_policy",
  "google_project_iam_binding",
  "google_folder_iam_policy",
  "google_folder_iam_binding",
  "google_organization_iam_policy",
  "google_organization_iam_binding",
];
const CLOUD_PLATFORM = ["cloud-platform", "https://www.googleapis.com/auth/cloud-platform"];

// ---------------------------------------------------------------------------------------------
// Firewall

/**
 * Whether an ingress allow rule admits the whole internet. Not applicable to egress, deny-only
 * and disabled rules. An ingress rule without any source admits 0.0.0.0/0.
 */
function firewallFromWorld(c: Json): boolean | "unknown" | "n/a" {
  if (flag(c.disabled) === true) return "n/a";
  if (typeof c.direction === "string" && c.direction.toUpperCase() === "EGRESS") return "n/a";
  if (blocks(c.allow).length === 0) return "n/a";
  // An empty list is what the provider sends when the argument is unset: 0.0.0.0/0.
  if (isUnset(c.source_ranges) && isUnset(c.source_tags) && isUnset(c.source_service_accounts))
    return true;
  if (isUnset(c.source_ranges)) return false;
  if (isUptimeCheckers(c.source_ranges)) return false;
  return includesWorld(c.source_ranges);
}

/** Absent, or an empty list (which the provider treats as absent). */
function isUnset(value: unknown): boolean {
  return value === undefined || value === null || (Array.isArray(value) && value.length === 0);
}

/** `ports` as a list: one literal string or number is a list of one. */
function portList(ports: unknown): unknown[] | undefined {
  if (Array.isArray(ports)) return ports;
  if (typeof ports === "number" || (typeof ports === "string" && !isToken(ports))) return [ports];
  return undefined;
}

/**
 * Source ranges computed only from `data.google_monitoring_uptime_check_ips`: the addresses
 * Google publishes for its uptime checkers, a few dozen hosts, not the internet (the Firewall
 * construct's `uptimeCheckers` source).
 */
function isUptimeCheckers(value: unknown): boolean {
  const items = strings(value);
  return (
    items.length > 0 &&
    items.every((i) => {
      const refs = [...i.matchAll(/\b(data\.)?([a-z][a-z0-9_]*)\.[A-Za-z0-9_-]+\./g)];
      return (
        isToken(i) &&
        refs.length > 0 &&
        refs.every((m) => m[1] === "data." && m[2] === "google_monitoring_uptime_check_ips")
      );
    })
  );
}

/** Whether the rule's allow blocks open a TCP port: true, false or "unknown" (an expression). */
export function firewallAllowsTcp(c: Json, port: number | "every"): boolean | "unknown" {
  let unknown = false;
  for (const allow of blocks(c.allow)) {
    if (isToken(allow.protocol)) {
      unknown = true;
      continue;
    }
    const protocol = String(allow.protocol).toLowerCase();
    if (protocol === "all") return true;
    if (protocol !== "tcp" && protocol !== "6") continue;
    const ports = portList(allow.ports);
    if (allow.ports === undefined || (Array.isArray(ports) && ports.length === 0)) return true;
    if (!ports) {
      unknown = true;
      continue;
    }
    for (const spec of ports) {
      const range = parsePortRange(spec);
      if (!range) unknown = true;
      else if (port === "every" ? range.from <= 1 && range.to >= 65535 : coversPort(range, port)) {
        return true;
      }
    }
  }
  return unknown ? "unknown" : false;
}

/** Firewall policy rule types: network (global and regional) and hierarchical (folder/org). */
const POLICY_RULE = [
  "google_compute_network_firewall_policy_rule",
  "google_compute_region_network_firewall_policy_rule",
  "google_compute_firewall_policy_rule",
];

/**
 * A firewall policy rule in the shape of a VPC firewall rule, so one check covers both: an
 * `allow` action becomes allow blocks from `match.layer4_configs`, `match.src_ip_ranges` the
 * source ranges. A rule matching other sources only (FQDNs, tags, address groups, regions) is
 * not from the whole internet by range; one matching no source at all is.
 */
function asVpcRule(r: Resource): Json {
  if (!POLICY_RULE.includes(r.type)) return r.config;
  const c = r.config;
  const match = isObject(c.match) ? c.match : (blocks(c.match)[0] ?? {});
  const otherSources = [
    "src_fqdns",
    "src_secure_tags",
    "src_address_groups",
    "src_region_codes",
    "src_threat_intelligences",
  ].some((k) => match[k] !== undefined);
  return {
    disabled: c.disabled,
    direction: c.direction,
    allow:
      c.action === "allow"
        ? blocks(match.layer4_configs).map((l) => ({ protocol: l.ip_protocol, ports: l.ports }))
        : [],
    source_ranges: match.src_ip_ranges,
    ...(match.src_ip_ranges === undefined && otherSources
      ? { source_tags: ["(policy match)"] }
      : {}),
  };
}

/**
 * What an ingress allow rule opens beyond the web ports ({@link WORLD_INGRESS_PORTS}), as
 * `tcp:5432`-style items; "unknown" when a protocol or port is an expression.
 */
function beyondWebPorts(c: Json): string[] | "unknown" {
  const found: string[] = [];
  for (const allow of blocks(c.allow)) {
    if (isToken(allow.protocol)) return "unknown";
    const protocol = String(allow.protocol).toLowerCase();
    const ports = allow.ports;
    if (protocol !== "tcp") {
      // ICMP from the world is ping; everything else (udp, all, esp, ...) is a service.
      if (protocol !== "icmp" && protocol !== "ipv6-icmp" && protocol !== "58") {
        found.push(ports === undefined ? protocol : `${protocol}:${strings(ports).join(",")}`);
      }
      continue;
    }
    if (ports === undefined || (Array.isArray(ports) && ports.length === 0)) {
      found.push("tcp:all");
      continue;
    }
    const list = portList(ports);
    if (!list) return "unknown";
    for (const spec of list) {
      const range = parsePortRange(spec);
      if (!range) return "unknown";
      // A single admin port is GCP-FW-001/002's finding; do not report it twice.
      const single = range.from === range.to ? range.from : undefined;
      const known =
        single !== undefined && (WORLD_INGRESS_PORTS.includes(single) || single in ADMIN_PORTS);
      if (!known)
        found.push(`tcp:${range.from === range.to ? range.from : `${range.from}-${range.to}`}`);
    }
  }
  return found;
}

function worldPort(c: Json, port: number | "every", what: string): Verdict {
  const world = firewallFromWorld(c);
  if (world === "n/a") return NOT_APPLICABLE;
  if (world === false) return COMPLIANT;
  const opens = firewallAllowsTcp(c, port);
  if (opens === false) return COMPLIANT;
  if (world === "unknown") {
    return violation(`${unverifiable("source_ranges", c.source_ranges)}; the rule allows ${what}`);
  }
  const sources = isUnset(c.source_ranges)
    ? "0.0.0.0/0 (no source given)"
    : worldRanges(c.source_ranges);
  if (opens === "unknown") {
    return violation(
      `allows ports that cannot be verified (${show(c.allow)}) from ${sources}; they may include ${what}`,
    );
  }
  return violation(`allows ${what} from ${sources}`);
}

const firewallRules: Rule[] = [
  {
    id: "GCP-FW-001",
    checkovNote:
      "Stricter: checkov's CKV_GCP_2 reads `google_compute_firewall` only and the literal `0.0.0.0/0`; this rule also reads firewall policy rules, judges the union of ranges (two /1 halves are the world), counts a rule with no source as the world and fails closed on expressions.",
    checkov: "CKV_GCP_2",
    severity: "error",
    title: "Firewall does not allow SSH (tcp/22) from the internet",
    types: [...FIREWALL, ...POLICY_RULE],
    fix: "Restrict source_ranges to admin CIDRs or the IAP range 35.235.240.0/20 (Firewall ssh.from: ['iap']).",
    acceptedOptOuts: [OPT_OUT_IDS.adminPortFromWorld],
    check: (r) => worldPort(asVpcRule(r), 22, "SSH (tcp/22)"),
  },
  {
    id: "GCP-FW-002",
    checkovNote:
      "Stricter, as GCP-FW-001 (checkov's CKV_GCP_3 reads `google_compute_firewall` and the literal `0.0.0.0/0` only).",
    checkov: "CKV_GCP_3",
    severity: "error",
    title: "Firewall does not allow RDP (tcp/3389) from the internet",
    types: [...FIREWALL, ...POLICY_RULE],
    fix: "Restrict source_ranges to admin CIDRs or the IAP range 35.235.240.0/20.",
    acceptedOptOuts: [OPT_OUT_IDS.adminPortFromWorld],
    check: (r) => worldPort(asVpcRule(r), 3389, "RDP (tcp/3389)"),
  },
  {
    id: "GCP-FW-003",
    severity: "error",
    title: "Firewall does not open every port to the internet",
    types: [...FIREWALL, ...POLICY_RULE],
    fix: "List the ports the service needs in allow[].ports (e.g. 443) instead of protocol all or no ports.",
    acceptedOptOuts: [OPT_OUT_IDS.worldIngress],
    check: (r) => worldPort(asVpcRule(r), "every", "every port"),
  },
  {
    id: "GCP-FW-006",
    severity: "error",
    title: `Firewall opens only web ports (${WORLD_INGRESS_PORTS.join(", ")}) to the internet`,
    types: [...FIREWALL, ...POLICY_RULE],
    fix: "Limit the sources to the networks that need the service, or front it with a load balancer; a reviewed exception is Firewall allowWorld: { reason } (opt-out world-ingress).",
    acceptedOptOuts: [OPT_OUT_IDS.worldIngress, OPT_OUT_IDS.adminPortFromWorld],
    check: (r) => {
      const c = asVpcRule(r);
      const world = firewallFromWorld(c);
      if (world === "n/a" || world === false) return world === false ? COMPLIANT : NOT_APPLICABLE;
      const beyond = beyondWebPorts(c);
      if (beyond === "unknown") {
        return violation(
          `allows ports that cannot be verified (${show(c.allow)}) from the internet`,
        );
      }
      if (beyond.length === 0) return COMPLIANT;
      const sources = isUnset(c.source_ranges)
        ? "0.0.0.0/0 (no source given)"
        : worldRanges(c.source_ranges);
      if (world === "unknown") {
        return violation(
          `${unverifiable("source_ranges", c.source_ranges)}; the rule allows ${beyond.join(", ")}`,
        );
      }
      return violation(`allows ${beyond.join(", ")} from ${sources}`);
    },
  },
  {
    id: "GCP-FW-004",
    severity: "warning",
    title: "Firewall rule logging is on",
    types: FIREWALL,
    fix: 'Set log_config { metadata = "INCLUDE_ALL_METADATA" } (the Firewall construct always does).',
    check: (r) =>
      flag(r.config.disabled) === true
        ? NOT_APPLICABLE
        : blocks(r.config.log_config).length > 0
          ? COMPLIANT
          : violation("log_config is not set: allowed and denied connections are not logged"),
  },
  {
    id: "GCP-FW-005",
    severity: "warning",
    title: "VPC denies egress that no rule allows",
    types: ["google_compute_network"],
    fix: "Add a deny-all egress rule to 0.0.0.0/0 at the lowest priority (the Firewall construct does, unless allowUnlistedEgress is given).",
    check: (r, context) => {
      const denies = context
        .referencing(r, FIREWALL, { attrs: ["network"], literal: r.config.name })
        .filter(
          (fw) =>
            flag(fw.config.disabled) !== true &&
            String(fw.config.direction).toUpperCase() === "EGRESS" &&
            blocks(fw.config.deny).some((d) => d.protocol === "all") &&
            includesWorld(fw.config.destination_ranges) === true,
        );
      return denies.length > 0
        ? COMPLIANT
        : violation("no firewall rule denies egress to 0.0.0.0/0: anything not denied may leave");
    },
  },
];

// ---------------------------------------------------------------------------------------------
// Network

/** Proxy-only and PSC subnets have no flow logs and no Private Google Access. */
function isWorkloadSubnet(c: Json): boolean {
  return c.purpose === undefined || c.purpose === "PRIVATE" || c.purpose === "PRIVATE_RFC_1918";
}

const networkRules: Rule[] = [
  {
    id: "GCP-NET-001",
    checkovNote:
      "Subnets with a purpose other than PRIVATE (proxy-only, PSC) are not applicable; checkov's CKV_GCP_26 exempts the proxy-only purposes.",
    checkov: "CKV_GCP_26",
    severity: "warning",
    title: "Subnet has VPC flow logs",
    types: SUBNET,
    fix: "Set log_config on the subnetwork (the Network construct does: 5 s interval, 50% sampling).",
    check: (r) =>
      !isWorkloadSubnet(r.config)
        ? NOT_APPLICABLE
        : blocks(r.config.log_config).length > 0
          ? COMPLIANT
          : violation("log_config is not set: no VPC flow logs"),
  },
  {
    id: "GCP-NET-002",
    checkov: "CKV_GCP_74",
    severity: "warning",
    title: "Subnet has Private Google Access",
    types: SUBNET,
    fix: "Set private_ip_google_access = true so instances reach Google APIs without public IPs.",
    check: (r) =>
      isWorkloadSubnet(r.config)
        ? requireFlag(r.config, "private_ip_google_access", true, false)
        : NOT_APPLICABLE,
  },
  {
    id: "GCP-NET-003",
    severity: "warning",
    title: "VPC does not auto-create subnets",
    types: ["google_compute_network"],
    fix: "Set auto_create_subnetworks = false and declare the subnets (auto mode opens a subnet in every region).",
    check: (r) => requireFlag(r.config, "auto_create_subnetworks", false, true),
  },
];

// ---------------------------------------------------------------------------------------------
// Cloud SQL

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

const PG_ERROR_LEVELS = [
  "debug5",
  "debug4",
  "debug3",
  "debug2",
  "debug1",
  "info",
  "notice",
  "warning",
  "error",
];

const sqlRules: Rule[] = [
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

// ---------------------------------------------------------------------------------------------
// Compute instances and templates

/** Who a VM runs as: no identity, a dedicated account, the default compute account, unknown. */
export function vmIdentity(
  r: Resource,
  context: RuleContext,
): "none" | "dedicated" | "default" | "unknown" {
  const account = blocks(r.config.service_account)[0];
  if (!account) return "none";
  const email = account.email;
  if (email === undefined || email === "" || email === "default") return "default";
  if (isToken(email)) {
    const target = context.resolve(email);
    if (target?.address.startsWith("data.google_compute_default_service_account."))
      return "default";
    return target?.type === "google_service_account" ? "dedicated" : "unknown";
  }
  return /-compute@developer\.gserviceaccount\.com$/.test(String(email)) ? "default" : "dedicated";
}

/** A metadata value; the whole expression when the metadata map is one. */
function metadata(c: Json, key: string): unknown {
  if (isToken(c.metadata)) return c.metadata;
  return isObject(c.metadata) ? c.metadata[key] : undefined;
}

function metadataFlag(c: Json, key: string, wanted: boolean, whenUnset: Verdict): Verdict {
  const value = metadata(c, key);
  const parsed = flag(value);
  if (parsed === undefined) return whenUnset;
  if (parsed === wanted) return COMPLIANT;
  if (parsed === "unknown") return violation(unverifiable(`metadata["${key}"]`, value));
  return violation(`metadata["${key}"] is ${show(value)}`);
}

const computeRules: Rule[] = [
  {
    id: "GCP-VM-001",
    checkovNote:
      "Also reads `google_compute_region_instance_template`; a `google_compute_instance_from_template` is read with its source template when that is in the stack, and fails closed when it is not (checkov: unknown).",
    checkov: "CKV_GCP_30",
    severity: "error",
    title: "VM does not run as the default compute service account",
    types: VM,
    appliesTo: VM_LABEL,
    fix: "Create a dedicated service account (ServiceAccount construct) and set service_account.email to it.",
    check: (r, context) => {
      const identity = vmIdentity(r, context);
      if (identity === "default") {
        return violation(
          `runs as the default compute service account (service_account.email = ${show(get(r.config, "service_account.email"))})`,
        );
      }
      if (identity === "unknown")
        return violation(
          unverifiable("service_account.email", get(r.config, "service_account.email")),
        );
      return COMPLIANT;
    },
  },
  {
    id: "GCP-VM-002",
    checkovNote:
      "As GCP-VM-001 for templates; an account that cannot be verified with full scopes is a finding.",
    checkov: "CKV_GCP_31",
    severity: "error",
    title: "VM does not combine the default service account with full API scopes",
    types: VM,
    appliesTo: VM_LABEL,
    fix: "Use a dedicated service account (then cloud-platform scope is fine: IAM roles limit it) or narrow the scopes.",
    check: (r, context) => {
      const identity = vmIdentity(r, context);
      if (identity === "none" || identity === "dedicated") return COMPLIANT;
      const scopes = get(r.config, "service_account.scopes");
      const full =
        isToken(scopes) || strings(scopes).some((s) => CLOUD_PLATFORM.includes(s) || isToken(s));
      if (!full) return COMPLIANT;
      return violation(
        `has scopes ${show(scopes)} with ${identity === "default" ? "the default compute service account" : "a service account that cannot be verified"}`,
      );
    },
  },
  {
    id: "GCP-VM-003",
    checkovNote: "As GCP-VM-001 for templates and instances from templates.",
    checkov: "CKV_GCP_32",
    severity: "error",
    title: "VM blocks project-wide SSH keys",
    types: VM,
    appliesTo: VM_LABEL,
    fix: 'Set metadata "block-project-ssh-keys" = "true" (use OS Login for SSH access).',
    check: (r) =>
      metadataFlag(
        r.config,
        "block-project-ssh-keys",
        true,
        violation(
          'metadata["block-project-ssh-keys"] is not set: project-wide SSH keys are accepted',
        ),
      ),
  },
  {
    id: "GCP-VM-004",
    checkovNote: "As GCP-VM-001 for templates and instances from templates.",
    checkov: "CKV_GCP_35",
    severity: "error",
    title: "VM serial port access is off",
    types: VM,
    appliesTo: VM_LABEL,
    fix: 'Remove metadata "serial-port-enable" or set it to "false".',
    check: (r) => metadataFlag(r.config, "serial-port-enable", false, COMPLIANT),
  },
  {
    id: "GCP-VM-005",
    checkovNote:
      "Stricter: checkov's CKV_GCP_34 reads `google_compute_instance` and fails only an explicit `enable-oslogin = false`; this rule reads templates too and requires OS Login to be on in the instance metadata (project metadata is not visible to the review).",
    checkov: "CKV_GCP_34",
    severity: "error",
    title: "VM uses OS Login",
    types: VM,
    appliesTo: VM_LABEL,
    fix: 'Set metadata "enable-oslogin" = "TRUE" so SSH access is granted through IAM.',
    check: (r) =>
      metadataFlag(
        r.config,
        "enable-oslogin",
        true,
        violation(
          'metadata["enable-oslogin"] is not set: the project metadata decides, which this review cannot see',
        ),
      ),
  },
  {
    id: "GCP-VM-006",
    checkovNote:
      "As GCP-VM-001 for templates and instances from templates; vTPM and integrity monitoring count their provider default (true).",
    checkov: "CKV_GCP_39",
    severity: "error",
    title: "VM is a Shielded VM (secure boot, vTPM, integrity monitoring)",
    types: VM,
    appliesTo: VM_LABEL,
    fix: "Set shielded_instance_config { enable_secure_boot = true, enable_vtpm = true, enable_integrity_monitoring = true }.",
    check: (r) =>
      combine(
        requireFlag(r.config, "shielded_instance_config.enable_secure_boot", true, false),
        requireFlag(r.config, "shielded_instance_config.enable_vtpm", true, true),
        requireFlag(r.config, "shielded_instance_config.enable_integrity_monitoring", true, true),
      ),
  },
  {
    id: "GCP-VM-007",
    checkovNote: "Also reads templates, region templates and instances from templates.",
    checkov: "CKV_GCP_40",
    severity: "warning",
    title: "VM has no external IP",
    types: VM,
    appliesTo: VM_LABEL,
    fix: "Remove network_interface.access_config; reach the internet through Cloud NAT and the VM through IAP.",
    check: (r) =>
      problemsVerdict(
        blocks(r.config.network_interface).flatMap((nic, i) =>
          blocks(nic.access_config).length > 0 || isToken(nic.access_config)
            ? [`network_interface[${i}].access_config gives it an external IP`]
            : [],
        ),
      ),
  },
  {
    id: "GCP-VM-008",
    severity: "warning",
    title: "VM has deletion protection",
    types: INSTANCE_TYPES,
    fix: "Set deletion_protection = true on instances that hold state or are hard to rebuild.",
    acceptedOptOuts: [OPT_OUT_IDS.deletionAllowed],
    check: (r) => requireFlag(r.config, "deletion_protection", true, false),
  },
  {
    id: "GCP-VM-009",
    checkovNote:
      "Stricter: checkov's CKV_GCP_36 reads `google_compute_instance` only and exempts `gke-` names; templates and instances from templates are read here too.",
    checkov: "CKV_GCP_36",
    severity: "warning",
    title: "VM does not forward IP packets",
    types: VM,
    appliesTo: VM_LABEL,
    fix: "Set can_ip_forward = false unless the VM is a router or NAT appliance.",
    check: (r) => requireFlag(r.config, "can_ip_forward", false, false),
  },
  {
    id: "GCP-VM-010",
    severity: "error",
    title: "VM startup script runs only pinned container images",
    types: VM,
    appliesTo: VM_LABEL,
    fix: "Reference images by commit SHA tag or @sha256 digest (ArtifactRegistry.image(name, { tag })), never :latest or untagged.",
    check: (r) => {
      const script = [get(r.config, "metadata.startup-script"), r.config.metadata_startup_script]
        .filter((s): s is string => typeof s === "string")
        .join("\n");
      if (script === "") return NOT_APPLICABLE;
      return problemsVerdict(
        unpinnedImages(script).map((image) => `the startup script runs ${image}, which can move`),
      );
    },
  },
];

/**
 * A `google_compute_instance_from_template` is read as its source template with the instance's
 * own arguments on top (metadata merged key by key), when the template is in the stack. When it
 * is not, only the instance's own arguments can be read: a check they do not satisfy fails
 * closed, saying the rest is inherited from a template the review cannot see.
 */
function fromTemplate(check: Rule["check"]): Rule["check"] {
  return (r, context) => {
    if (r.type !== FROM_TEMPLATE) return check(r, context);
    const source = r.config.source_instance_template;
    const template = context.resolve(source);
    if (template && /instance_template$/.test(template.type)) {
      const metadata =
        isObject(template.config.metadata) && isObject(r.config.metadata)
          ? { ...template.config.metadata, ...r.config.metadata }
          : (r.config.metadata ?? template.config.metadata);
      const config: Json = { ...template.config, ...r.config };
      if (metadata !== undefined) config.metadata = metadata;
      return check({ ...r, config }, context);
    }
    const verdict = check(r, context);
    return verdict.status === "non-compliant"
      ? violation(
          `${verdict.message}; what the instance does not set comes from source_instance_template = ${show(source)}, which cannot be verified: it is not a template of this stack`,
        )
      : verdict;
  };
}

/**
 * Registry image references in a script that carry no digest and no tag, or the tag latest. A
 * bare repository assigned to `repository=` is not an image: deploy.sh appends a checked commit
 * SHA to it.
 */
function unpinnedImages(script: string): string[] {
  const found = new Set<string>();
  for (const m of script.matchAll(IMAGE_REFERENCE)) {
    const image = m[1];
    if (script.slice(Math.max(0, (m.index ?? 0) - 12), m.index).endsWith('repository="')) continue;
    if (image.includes("@sha256:")) continue;
    const last = image.slice(image.lastIndexOf("/") + 1);
    const tag = last.includes(":") ? last.slice(last.lastIndexOf(":") + 1) : undefined;
    if (tag === undefined || tag === "latest") found.add(image);
  }
  return [...found];
}

const IMAGE_REFERENCE =
  /(?<![\w.-])((?:[a-z0-9-]+\.)*(?:pkg\.dev|gcr\.io|docker\.io)\/[A-Za-z0-9._/-]+(?::[A-Za-z0-9._-]+)?(?:@sha256:[0-9a-f]{64})?)/g;

// ---------------------------------------------------------------------------------------------
// IAM

/** One role grant of an IAM resource. */
export interface Grant {
  readonly role: unknown;
  readonly members: readonly unknown[];
  /** The IAM condition (`{ title, expression }`) that limits the grant, when there is one. */
  readonly condition?: Json;
}

/**
 * The grants an IAM resource makes: `*_iam_member` one member, `*_iam_binding` a list,
 * `*_iam_policy` the bindings of the `google_iam_policy` data source it references (or one
 * unverifiable grant when that cannot be read).
 */
export function grantsOf(r: Resource, context: RuleContext): Grant[] {
  const conditionOf = (c: Json): { condition?: Json } => {
    const condition = blocks(c.condition)[0];
    return condition ? { condition } : {};
  };
  if (r.type.endsWith("_iam_member"))
    return [{ role: r.config.role, members: [r.config.member], ...conditionOf(r.config) }];
  if (r.type.endsWith("_iam_binding")) {
    return [
      {
        role: r.config.role,
        members: isToken(r.config.members) ? [r.config.members] : strings(r.config.members),
        ...conditionOf(r.config),
      },
    ];
  }
  const source = context.resolve(r.config.policy_data);
  if (source?.type === "google_iam_policy") {
    return blocks(source.config.binding).map((b) => ({
      role: b.role,
      members: strings(b.members),
      ...conditionOf(b),
    }));
  }
  return [{ role: r.config.policy_data, members: [r.config.policy_data] }];
}

const iamRules: Rule[] = [
  {
    id: "GCP-IAM-001",
    checkovNote:
      "Stricter: checkov's CKV_GCP_117 reads project-level members and bindings; every `google_*_iam_*` grant (and the bindings of an `_iam_policy`) is read here.",
    checkov: "CKV_GCP_117",
    severity: "error",
    title: "IAM grants no primitive role (owner, editor, viewer)",
    types: IAM_GRANT,
    appliesTo: "`google_*_iam_member`, `google_*_iam_binding`, `google_*_iam_policy`",
    fix: "Grant the narrow predefined roles the principal needs (e.g. roles/secretmanager.secretAccessor).",
    check: (r, context) =>
      problemsVerdict(
        grantsOf(r, context).flatMap(({ role }) =>
          isToken(role)
            ? isCustomRoleOfStack(role, context)
              ? []
              : [unverifiable("role", role)]
            : PRIMITIVE_ROLES.includes(String(role))
              ? [`grants the primitive role ${role}`]
              : [],
        ),
      ),
  },
  {
    id: "GCP-IAM-002",
    checkovNote:
      "No checkov ID: repository and bucket grants are GCP-AR-001 (CKV_GCP_101) and GCP-GCS-006 (CKV_GCP_28); this rule covers every other `google_*_iam_*` resource.",
    severity: "error",
    title: "IAM grants nothing to allUsers or allAuthenticatedUsers",
    types: IAM_GRANT,
    appliesTo: "`google_*_iam_member`, `google_*_iam_binding`, `google_*_iam_policy`",
    fix: "Grant named principals (service accounts, groups) instead of allUsers / allAuthenticatedUsers.",
    check: (r, context) =>
      // Repository and bucket grants have their own rule (GCP-AR-001, GCP-GCS-006: checkov's IDs).
      [...REPOSITORY_GRANTS, ...BUCKET_GRANTS].includes(r.type)
        ? NOT_APPLICABLE
        : problemsVerdict(
            grantsOf(r, context).flatMap(({ role, members }) =>
              members.flatMap((m) =>
                PUBLIC_MEMBERS.includes(String(m))
                  ? [`grants ${show(role)} to ${m}`]
                  : typeof m === "string" && m.startsWith("${")
                    ? [unverifiable("member", m)]
                    : [],
              ),
            ),
          ),
  },
  {
    id: "GCP-IAM-003",
    severity: "warning",
    title: "No authoritative IAM policy or binding at project, folder or organization level",
    types: AUTHORITATIVE,
    fix: "Use additive google_project_iam_member grants; an authoritative policy or binding removes every grant it does not list, including Google's service agents.",
    check: (r) =>
      violation(`${r.type} is authoritative: applying it removes grants made elsewhere`),
  },
  {
    id: "GCP-IAM-004",
    checkovNote:
      "Reads the bindings of a `google_project_iam_binding` as checkov does; a role given as an expression is not judged here (GCP-IAM-001 fails it closed).",
    checkov: "CKV_GCP_41",
    severity: "error",
    title: "No Service Account User or Token Creator role at project level",
    types: PROJECT_GRANT,
    fix: "Grant roles/iam.serviceAccountUser or serviceAccountTokenCreator on the one service account (google_service_account_iam_member).",
    check: (r, context) =>
      problemsVerdict(
        grantsOf(r, context).flatMap(({ role }) =>
          ["roles/iam.serviceAccountUser", "roles/iam.serviceAccountTokenCreator"].includes(
            String(role),
          )
            ? [
                `grants ${role} on the whole project: the member can act as every service account in it`,
              ]
            : [],
        ),
      ),
  },
  {
    id: "GCP-IAM-006",
    severity: "error",
    title:
      "No privilege-escalation role (IAM admin, instance admin, build editor, ...) at project level",
    types: PROJECT_GRANT,
    fix: "Grant the role on the one resource that needs it (a service account, an instance); a reviewed exception is ServiceAccount.grantProjectRole(role, reason) (opt-out escalation-role).",
    acceptedOptOuts: [OPT_OUT_IDS.escalationRole],
    check: (r, context) =>
      problemsVerdict(
        grantsOf(r, context).flatMap(({ role }) =>
          // serviceAccountUser and TokenCreator are GCP-IAM-004's (checkov's CKV_GCP_41).
          !isToken(role) &&
          projectRoleRisk(String(role))?.kind === "escalation" &&
          !["roles/iam.serviceAccountUser", "roles/iam.serviceAccountTokenCreator"].includes(
            String(role),
          )
            ? [
                `grants ${role} on the whole project: the member can act as other identities or change IAM`,
              ]
            : [],
        ),
      ),
  },
  {
    id: "GCP-IAM-007",
    severity: "error",
    title: "No project-wide grant of a role that belongs on one secret, repository or bucket",
    types: PROJECT_GRANT,
    fix: "Grant the narrow role on the resource (secret.grantAccess, registry.grantRead/grantWrite, bucket.grantRead/grantWrite); a reviewed exception is grantProjectRole(role, reason) (opt-out project-wide-resource-role).",
    acceptedOptOuts: [OPT_OUT_IDS.projectWideResourceRole],
    check: (r, context) =>
      problemsVerdict(
        grantsOf(r, context).flatMap(({ role }) => {
          const risk = isToken(role) ? undefined : projectRoleRisk(String(role));
          return risk?.kind === "resource-scoped"
            ? [
                `grants ${role} on the whole project${risk.narrow !== role ? ` (it contains ${risk.narrow})` : ""}: instead, ${risk.fix}`,
              ]
            : [];
        }),
      ),
  },
  {
    id: "GCP-IAM-005",
    severity: "warning",
    title: "No user-managed service account keys",
    types: ["google_service_account_key"],
    fix: "Use the metadata server (VMs), Workload Identity (GKE) or Workload Identity Federation (CI) instead of keys.",
    check: () =>
      violation(
        "creates a service account key: a long-lived credential that ends up in the Terraform state",
      ),
  },
];

// ---------------------------------------------------------------------------------------------
// Storage, registries, secrets

/** The public members of a grant resource's grants, as messages; unverifiable ones fail closed. */
function publicMembers(grant: Resource, context: RuleContext, prefix: string): string[] {
  return grantsOf(grant, context).flatMap(({ role, members }) =>
    members.flatMap((m) =>
      PUBLIC_MEMBERS.includes(String(m))
        ? [
            prefix
              ? `${prefix}grants access to ${m} (${show(role)})`
              : `grants ${show(role)} to ${m}`,
          ]
        : isToken(m) && context.resolve(m) === undefined && referencedAddresses(m).length === 0
          ? [`${prefix}${unverifiable("member", m)}`]
          : [],
    ),
  );
}

/**
 * A public grant is reported twice, as checkov reports it and as a reviewer looks for it: on the
 * IAM resource that grants (`*_iam_member` / `_binding` / `_policy`) and on the resource it
 * exposes (found through the grant's `attr`, by reference or by literal name).
 */
function publicGrantCheck(grantTypes: readonly string[], attr: string, nameKey: string) {
  return (r: Resource, context: RuleContext): Verdict => {
    if (grantTypes.includes(r.type)) return problemsVerdict(publicMembers(r, context, ""));
    return problemsVerdict(
      context
        .referencing(r, grantTypes, { attrs: [attr], literal: r.config[nameKey] })
        .flatMap((grant) => publicMembers(grant, context, `${grant.address} `)),
    );
  };
}

const storageRules: Rule[] = [
  {
    id: "GCP-GCS-001",
    checkov: "CKV_GCP_114",
    severity: "error",
    title: "Bucket enforces public access prevention",
    types: BUCKET,
    fix: 'Set public_access_prevention = "enforced".',
    check: (r) => {
      const value = r.config.public_access_prevention;
      if (value === "enforced") return COMPLIANT;
      if (value === undefined)
        return violation("public_access_prevention is not set and defaults to inherited");
      return isToken(value)
        ? violation(unverifiable("public_access_prevention", value))
        : violation(`public_access_prevention is ${show(value)}`);
    },
  },
  {
    id: "GCP-GCS-002",
    checkov: "CKV_GCP_29",
    severity: "error",
    title: "Bucket uses uniform bucket-level access",
    types: BUCKET,
    fix: "Set uniform_bucket_level_access = true (IAM only, no object ACLs).",
    check: (r) => requireFlag(r.config, "uniform_bucket_level_access", true, false),
  },
  {
    id: "GCP-GCS-003",
    checkov: "CKV_GCP_62",
    severity: "warning",
    title: "Bucket has access logging",
    types: BUCKET,
    fix: "Set logging { log_bucket = <a log bucket> }.",
    check: (r) =>
      get(r.config, "logging.log_bucket") ? COMPLIANT : violation("logging.log_bucket is not set"),
  },
  {
    id: "GCP-GCS-004",
    checkov: "CKV_GCP_78",
    severity: "warning",
    title: "Bucket has object versioning",
    types: BUCKET,
    fix: "Set versioning { enabled = true } and a lifecycle rule that expires old versions.",
    check: (r) => requireFlag(r.config, "versioning.enabled", true, false),
  },
  {
    id: "GCP-GCS-005",
    severity: "error",
    title: "Backup bucket has versioning and a lifecycle policy",
    types: BUCKET,
    fix: "On buckets holding backups set versioning { enabled = true } and lifecycle_rule entries for retention.",
    check: (r) =>
      !isBackupName(r, ["name"])
        ? NOT_APPLICABLE
        : combine(
            requireFlag(r.config, "versioning.enabled", true, false),
            blocks(r.config.lifecycle_rule).length > 0
              ? COMPLIANT
              : violation("has no lifecycle_rule: backups are kept or lost by hand"),
          ),
  },
  {
    id: "GCP-GCS-006",
    checkovNote:
      "Reported on the `_iam_member` / `_iam_binding` as checkov's CKV_GCP_28 does, on `_iam_policy` too, and again on the bucket it exposes.",
    checkov: "CKV_GCP_28",
    severity: "error",
    title: "Bucket is not readable by allUsers or allAuthenticatedUsers",
    types: [...BUCKET, ...BUCKET_GRANTS],
    appliesTo: "`google_storage_bucket` and its `_iam_member`, `_iam_binding`, `_iam_policy`",
    fix: "Grant storage roles to named principals; serve public content through a CDN or signed URLs instead of allUsers.",
    check: publicGrantCheck(BUCKET_GRANTS, "bucket", "name"),
  },
  {
    id: "GCP-AR-001",
    checkovNote:
      "Reported on the `_iam_member` / `_iam_binding` as checkov's CKV_GCP_101 does, on `_iam_policy` too, and again on the repository it exposes.",
    checkov: "CKV_GCP_101",
    severity: "error",
    title: "Artifact Registry repository is not public",
    types: [...REPOSITORY, ...REPOSITORY_GRANTS],
    appliesTo:
      "`google_artifact_registry_repository` and its `_iam_member`, `_iam_binding`, `_iam_policy`",
    fix: "Grant roles/artifactregistry.reader to named principals, not allUsers / allAuthenticatedUsers.",
    check: publicGrantCheck(REPOSITORY_GRANTS, "repository", "repository_id"),
  },
  {
    id: "GCP-AR-002",
    severity: "warning",
    title: "Docker repository has immutable tags",
    types: REPOSITORY,
    fix: "Set docker_config { immutable_tags = true } so a tag always names the same image.",
    check: (r) => {
      const format = r.config.format;
      const mode = r.config.mode ?? "STANDARD_REPOSITORY";
      if (
        typeof format !== "string" ||
        format.toUpperCase() !== "DOCKER" ||
        mode !== "STANDARD_REPOSITORY"
      ) {
        return NOT_APPLICABLE;
      }
      return requireFlag(r.config, "docker_config.immutable_tags", true, false);
    },
  },
  {
    id: "GCP-SM-001",
    severity: "error",
    title: "Secret Manager versions hold no literal secret",
    types: ["google_secret_manager_secret_version"],
    fix: "Add the secret value outside Terraform (gcloud secrets versions add) or from a generated value (random_password), never a literal in code.",
    check: (r) =>
      problemsVerdict(
        ["secret_data", "secret_data_wo"].flatMap((key) => {
          const value = r.config[key];
          return typeof value === "string" && value !== "" && !isToken(value)
            ? [`${key} holds a literal value: it is in the synthesized JSON and in git`]
            : [];
        }),
      ),
  },
];

// ---------------------------------------------------------------------------------------------
// Cloud Build

const buildRules: Rule[] = [
  {
    id: "GCP-CB-001",
    severity: "error",
    title: "Cloud Build trigger waits for an approval before it builds",
    types: ["google_cloudbuild_trigger"],
    fix: "Set approval_config { approval_required = true }, so a push builds and releases only once a person with roles/cloudbuild.builds.approver approves it.",
    acceptedOptOuts: [OPT_OUT_IDS.buildWithoutApproval],
    check: (r) =>
      flag(r.config.disabled) === true
        ? NOT_APPLICABLE
        : requireFlag(r.config, "approval_config.approval_required", true, false),
  },
];

// ---------------------------------------------------------------------------------------------
// GKE

const GKE_CLUSTER = ["google_container_cluster"];
const GKE_NODES = ["google_container_cluster", "google_container_node_pool"];

/**
 * What exposes a cluster's control plane: a public endpoint without authorized networks, ranges
 * whose union is the whole internet, or every Google Cloud public address.
 */
function controlPlaneExposure(c: Json): string[] {
  const privateEndpoint = flag(get(c, "private_cluster_config.enable_private_endpoint"));
  const man = blocks(c.master_authorized_networks_config);
  if (man.length === 0) {
    return privateEndpoint === true
      ? []
      : ["master_authorized_networks_config is not set: the public endpoint admits every address"];
  }
  const problems: string[] = [];
  const cidrs = blocks(man[0].cidr_blocks).map((b) => b.cidr_block);
  const world = includesWorld(cidrs);
  if (world === true) {
    problems.push(`master_authorized_networks_config admits ${worldRanges(cidrs)}`);
  } else if (world === "unknown") {
    problems.push(unverifiable("master_authorized_networks_config.cidr_blocks", cidrs));
  }
  const gcp = flag(man[0].gcp_public_cidrs_access_enabled);
  if (gcp === true) {
    problems.push(
      "gcp_public_cidrs_access_enabled is true: every Google Cloud public address, anyone's VM, reaches the control plane",
    );
  } else if (gcp === "unknown") {
    problems.push(
      unverifiable("gcp_public_cidrs_access_enabled", man[0].gcp_public_cidrs_access_enabled),
    );
  }
  return problems;
}

const gkeRules: Rule[] = [
  {
    id: "GCP-GKE-001",
    checkov: "CKV_GCP_25",
    checkovNote:
      "Stricter: checkov's CKV_GCP_25 passes any private_cluster_config block; enable_private_nodes must be true here.",
    severity: "error",
    title: "GKE cluster has private nodes",
    types: GKE_CLUSTER,
    fix: "Set private_cluster_config { enable_private_nodes = true } so nodes have internal addresses only (the GkeCluster construct does).",
    check: (r) => requireFlag(r.config, "private_cluster_config.enable_private_nodes", true, false),
  },
  {
    id: "GCP-GKE-002",
    checkov: "CKV_GCP_20",
    checkovNote:
      "Stricter: checkov's CKV_GCP_20 passes any master_authorized_networks_config; here its ranges may not cover the whole internet (judged on their union) nor admit every Google Cloud public address, and a private endpoint without it passes.",
    severity: "error",
    title: "GKE control plane is not reachable from the whole internet",
    types: GKE_CLUSTER,
    fix: "Keep the private endpoint (private_cluster_config.enable_private_endpoint = true), or list only administrative ranges in master_authorized_networks_config with gcp_public_cidrs_access_enabled = false.",
    check: (r) => problemsVerdict(controlPlaneExposure(r.config)),
  },
  {
    id: "GCP-GKE-003",
    checkov: "CKV_GCP_7",
    severity: "error",
    title: "GKE cluster has legacy ABAC off",
    types: GKE_CLUSTER,
    fix: "Set enable_legacy_abac = false (the default) and authorize with Kubernetes RBAC and IAM.",
    check: (r) => requireFlag(r.config, "enable_legacy_abac", false, false),
  },
  {
    id: "GCP-GKE-004",
    checkov: "CKV_GCP_69",
    checkovNote:
      "Autopilot clusters (always on the GKE metadata server) and clusters whose default pool is removed without a node_config are not applicable.",
    severity: "warning",
    title: "GKE nodes run the GKE metadata server",
    types: GKE_NODES,
    fix: 'Set node_config { workload_metadata_config { mode = "GKE_METADATA" } } so pods get Workload Identity tokens, never the node\'s credentials.',
    check: (r) => {
      if (r.type === "google_container_cluster") {
        if (flag(r.config.enable_autopilot) === true) return NOT_APPLICABLE;
        if (
          blocks(r.config.node_config).length === 0 &&
          flag(r.config.remove_default_node_pool) === true
        )
          return NOT_APPLICABLE;
      }
      const mode = get(r.config, "node_config.workload_metadata_config.mode");
      if (mode === "GKE_METADATA") return COMPLIANT;
      if (isToken(mode))
        return violation(unverifiable("node_config.workload_metadata_config.mode", mode));
      return violation(
        `node_config.workload_metadata_config.mode is ${show(mode)}: pods can reach the node's metadata and credentials`,
      );
    },
  },
];

export const GCP_RULES: readonly Rule[] = [
  ...firewallRules,
  ...networkRules,
  ...sqlRules,
  ...computeRules.map((rule) => ({ ...rule, check: fromTemplate(rule.check) })),
  ...iamRules,
  ...storageRules,
  ...gkeRules,
  ...buildRules,
];

const CUSTOM_ROLE_TYPES = ["google_project_iam_custom_role", "google_organization_iam_custom_role"];

/**
 * True when a computed role refers only to custom roles defined in the same stack (a custom role
 * is never a primitive one); anything else stays unverifiable.
 */
function isCustomRoleOfStack(role: unknown, context: RuleContext): boolean {
  const addresses = referencedAddresses(role);
  return (
    addresses.length > 0 &&
    addresses.every((a) => CUSTOM_ROLE_TYPES.includes(context.stack.byAddress.get(a)?.type ?? ""))
  );
}
