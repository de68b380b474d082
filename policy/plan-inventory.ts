import { createHash } from "node:crypto";
import { reasonRecords, STACK_ADDRESS } from "./engine";
import { exposureTable, protectionTable, type Protection } from "./inventory";
import { parseStack } from "./load";
import type { Json, Resource } from "./types";
import { blocks, CREDENTIAL_KEY, get, isObject } from "./values";

/**
 * The plan inventory of a stack: every resource and data source address with the attributes a
 * security review reads (who can reach what, who holds which role, how data is protected, what a
 * VM runs as), sorted by address. It is a pure function of the synthesized Terraform JSON: the
 * stack tests snapshot it, so a change to what the stacks deploy shows up as a short, readable
 * diff, while `audit/` keeps the full JSON.
 *
 * Each resource shows the arguments of its type that matter for security, as Terraform has them
 * with `${...}` unwrapped (`google_compute_network.vpc_1A2B.id`); a multi-line or very long value
 * (a startup script) as its SHA-256 and size; a credential as `(set)`, never its value. Below
 * them come the review tables' own rows for the address (inventory.ts): `exposure` (what it makes
 * reachable from where) and `protection.*` (backups, PITR, deletion protection, versioning,
 * encryption, provider defaults applied), then the opt-outs and suppressions it carries.
 */

/** One resource, data source or the stack itself, with its attributes in a fixed order. */
export interface PlanEntry {
  /** `type.name`, `data.type.name`, or `(stack)` for the stack's own settings. */
  readonly address: string;
  readonly attributes: readonly (readonly [key: string, value: string])[];
}

export interface PlanInventory {
  readonly stack: string;
  /** The `(stack)` entry first, then resources and data sources by address. */
  readonly entries: readonly PlanEntry[];
}

/** Values longer than this, or spanning lines, are written as a hash. */
const LONG_VALUE = 400;

/** Values that are secrets whatever their length: written as `(set)`. */
const MASKED = "(set)";

// ---------------------------------------------------------------------------------------------
// Values

/** Sorts by UTF-16 code units: the same order in every locale. */
function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `${expr}` unwrapped to `expr`; `$${` (a literal `${` in Terraform JSON) is left alone. */
function unwrap(text: string): string {
  return text.replace(/(^|[^$])\$\{([^}]*)\}/g, "$1$2");
}

function digest(text: string): string {
  const hash = createHash("sha256").update(text, "utf8").digest("hex");
  return `sha256:${hash.slice(0, 16)} (${Buffer.byteLength(text, "utf8")} bytes)`;
}

/** One value on one line: scalars as they are, lists joined by `, `, objects as `{k: v}`. */
export function inventoryValue(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") {
    return value.length > LONG_VALUE || value.includes("\n") ? digest(value) : unwrap(value);
  }
  if (typeof value !== "object") return String(value);
  const text = Array.isArray(value)
    ? value.map((v) => inventoryValue(v) ?? "null").join(", ")
    : `{${Object.entries(value)
        .filter(([k]) => k !== "//")
        .map(([k, v]) => `${k}: ${inventoryValue(v) ?? "null"}`)
        .join(", ")}}`;
  return text.length > LONG_VALUE ? digest(JSON.stringify(value)) : text;
}

/** What an attribute shows: a path read from the config, or a value computed from it. */
type Field = string | readonly [key: string, read: (c: Json) => unknown];

const masked = (path: string): Field => [
  path,
  (c) => (get(c, path) === undefined ? undefined : MASKED),
];

/** `tcp:22`, `tcp:80,443`, `udp`, `all` from firewall `allow`/`deny` or policy `layer4_configs`. */
function protocols(items: unknown, protocolKey = "protocol"): string | undefined {
  const list = blocks(items);
  if (list.length === 0) return undefined;
  return list
    .map((b) => {
      const protocol = inventoryValue(b[protocolKey]) ?? "all";
      const ports = Array.isArray(b.ports) && b.ports.length > 0 ? inventoryValue(b.ports) : "";
      return ports ? `${protocol}:${ports.replace(/, /g, ",")}` : protocol;
    })
    .join(", ");
}

/** Each item of a block list through `read`, joined: `a; b`. */
function each(items: unknown, read: (b: Json) => unknown): string | undefined {
  const values = blocks(items)
    .map((b) => inventoryValue(read(b)))
    .filter((v): v is string => v !== undefined);
  return values.length > 0 ? values.join("; ") : undefined;
}

/** The keys of an object, sorted, each as its own `prefix.key` attribute. */
function keyed(prefix: string, value: unknown, mask = false): [string, string][] {
  if (!isObject(value)) return [];
  return Object.keys(value)
    .sort(byCodeUnits)
    .flatMap((k) => {
      const v = mask ? MASKED : inventoryValue(value[k]);
      return v === undefined ? [] : [[`${prefix}.${k}`, v] as [string, string]];
    });
}

// ---------------------------------------------------------------------------------------------
// What each resource type shows

const IAM_TARGETS = [
  "project",
  "folder",
  "org_id",
  "secret_id",
  "repository",
  "bucket",
  "instance",
  "instance_name",
  "service_account_id",
  "zone",
  "location",
];
const IAM_FIELDS: readonly Field[] = [
  "role",
  "member",
  "members",
  ...IAM_TARGETS,
  "policy_data",
  "condition.title",
  "condition.expression",
];

const VM_FIELDS: readonly Field[] = [
  "name",
  "zone",
  "region",
  "machine_type",
  "service_account.email",
  "service_account.scopes",
  "shielded_instance_config.enable_secure_boot",
  "shielded_instance_config.enable_vtpm",
  "shielded_instance_config.enable_integrity_monitoring",
  "confidential_instance_config.enable_confidential_compute",
  "can_ip_forward",
  "deletion_protection",
  "boot_disk.initialize_params.image",
  "boot_disk.kms_key_self_link",
  ["disk.source_image", (c) => each(c.disk, (d) => d.source_image)],
  ["network_interface.subnetwork", (c) => each(c.network_interface, (n) => n.subnetwork)],
  [
    "network_interface.access_config",
    (c) =>
      each(c.network_interface, (n) =>
        blocks(n.access_config).length === 0
          ? undefined
          : (each(n.access_config, (a) => a.nat_ip ?? "ephemeral") ?? "ephemeral"),
      ),
  ],
];

const FIELDS: Readonly<Record<string, readonly Field[]>> = {
  google_compute_firewall: [
    "name",
    "network",
    "direction",
    "priority",
    "disabled",
    ["allow", (c) => protocols(c.allow)],
    ["deny", (c) => protocols(c.deny)],
    "source_ranges",
    "source_tags",
    "source_service_accounts",
    "destination_ranges",
    "target_tags",
    "target_service_accounts",
    "log_config.metadata",
  ],
  google_compute_network_firewall_policy: ["name"],
  google_compute_network_firewall_policy_association: ["attachment_target", "firewall_policy"],
  google_compute_network_firewall_policy_rule: [
    "rule_name",
    "firewall_policy",
    "direction",
    "action",
    "priority",
    "disabled",
    "match.src_ip_ranges",
    "match.src_fqdns",
    "match.dest_ip_ranges",
    "match.dest_fqdns",
    ["match.layer4_configs", (c) => protocols(get(c, "match.layer4_configs"), "ip_protocol")],
    "target_service_accounts",
    "enable_logging",
  ],
  google_compute_network: [
    "name",
    "auto_create_subnetworks",
    "routing_mode",
    "delete_default_routes_on_create",
    "network_firewall_policy_enforcement_order",
  ],
  google_compute_subnetwork: [
    "name",
    "region",
    "network",
    "ip_cidr_range",
    ["secondary_ip_range", (c) => each(c.secondary_ip_range, (r) => r.ip_cidr_range)],
    "private_ip_google_access",
    "log_config.aggregation_interval",
    "log_config.flow_sampling",
    "log_config.metadata",
  ],
  google_compute_router: ["name", "region", "network"],
  google_compute_router_nat: [
    "name",
    "region",
    "router",
    "nat_ip_allocate_option",
    "nat_ips",
    "source_subnetwork_ip_ranges_to_nat",
    ["subnetwork", (c) => each(c.subnetwork, (s) => s.name)],
    "log_config.enable",
    "log_config.filter",
  ],
  google_compute_address: [
    "name",
    "region",
    "address_type",
    "address",
    "network_tier",
    "purpose",
    "subnetwork",
  ],
  google_compute_global_address: [
    "name",
    "address_type",
    "address",
    "prefix_length",
    "purpose",
    "network",
  ],
  google_service_networking_connection: [
    "network",
    "service",
    "reserved_peering_ranges",
    "deletion_policy",
  ],
  google_dns_managed_zone: [
    "name",
    "dns_name",
    "visibility",
    [
      "private_visibility_config.networks",
      (c) => each(get(c, "private_visibility_config.networks"), (n) => n.network_url),
    ],
    "dnssec_config.state",
  ],
  google_dns_record_set: ["name", "type", "managed_zone", "rrdatas"],
  google_compute_instance: VM_FIELDS,
  google_compute_instance_template: VM_FIELDS,
  google_compute_region_instance_template: VM_FIELDS,
  google_service_account: ["account_id", "project", "disabled"],
  google_project_iam_custom_role: ["role_id", "project", "stage", "permissions"],
  google_sql_database_instance: [
    "name",
    "database_version",
    "region",
    "master_instance_name",
    "settings.tier",
    "settings.edition",
    "settings.availability_type",
    "settings.ip_configuration.ipv4_enabled",
    "settings.ip_configuration.private_network",
    "settings.ip_configuration.allocated_ip_range",
    "settings.ip_configuration.ssl_mode",
    "settings.ip_configuration.enable_private_path_for_google_cloud_services",
    [
      "settings.ip_configuration.authorized_networks",
      (c) =>
        each(get(c, "settings.ip_configuration.authorized_networks"), (n) =>
          n.name === undefined ? n.value : `${String(n.name)}=${String(n.value)}`,
        ),
    ],
    "settings.backup_configuration.location",
    "settings.retain_backups_on_delete",
    [
      "settings.database_flags",
      (c) => each(get(c, "settings.database_flags"), (f) => `${String(f.name)}=${String(f.value)}`),
    ],
    "settings.password_validation_policy.enable_password_policy",
    "settings.password_validation_policy.min_length",
    masked("root_password"),
  ],
  google_sql_database: ["name", "instance", "deletion_policy"],
  google_sql_user: [
    "name",
    "instance",
    "type",
    masked("password"),
    masked("password_wo"),
    "deletion_policy",
  ],
  google_storage_bucket: [
    "name",
    "location",
    "public_access_prevention",
    "uniform_bucket_level_access",
    "retention_policy.is_locked",
    "soft_delete_policy.retention_duration_seconds",
    "logging.log_bucket",
  ],
  google_secret_manager_secret: [
    "secret_id",
    "replication",
    "rotation.rotation_period",
    "expire_time",
    "ttl",
  ],
  google_secret_manager_secret_version: ["secret", masked("secret_data"), masked("secret_data_wo")],
  google_artifact_registry_repository: [
    "repository_id",
    "location",
    "format",
    "mode",
    "cleanup_policy_dry_run",
  ],
  google_cloudbuild_trigger: [
    "name",
    "location",
    "service_account",
    "github.owner",
    "github.name",
    "github.push.branch",
    "github.push.tag",
    "github.pull_request.branch",
    "repository_event_config.repository",
    "included_files",
    "approval_config.approval_required",
    "filename",
    ["build.step", (c) => each(get(c, "build.step"), (s) => `${String(s.id)} ${String(s.name)}`)],
    ["build", (c) => (c.build === undefined ? undefined : digest(JSON.stringify(c.build)))],
  ],
  google_monitoring_alert_policy: ["display_name", "severity", "enabled", "notification_channels"],
  google_monitoring_notification_channel: ["display_name", "type", "labels", "enabled"],
  google_monitoring_uptime_check_config: [
    "display_name",
    "monitored_resource.type",
    "monitored_resource.labels.host",
    "http_check.path",
    "http_check.port",
    "http_check.use_ssl",
    "http_check.validate_ssl",
    "period",
  ],
  "data.google_secret_manager_secret_version": ["secret", "version", "project"],
};

/** Arguments a type without its own list never shows: they say nothing about security. */
const NOT_SHOWN = new Set(["//", "labels", "tags", "description", "depends_on", "lifecycle"]);

/** Every scalar (or list of scalars) argument, credentials masked: for types not listed above. */
function fallbackAttributes(c: Json): [string, string][] {
  return Object.keys(c)
    .filter((k) => !NOT_SHOWN.has(k))
    .sort(byCodeUnits)
    .flatMap((k) => {
      const v = c[k];
      const scalar = (x: unknown) => x === null || typeof x !== "object";
      if (!scalar(v) && !(Array.isArray(v) && v.every(scalar))) return [];
      const text = CREDENTIAL_KEY.test(k) ? MASKED : inventoryValue(v);
      return text === undefined ? [] : [[k, text] as [string, string]];
    });
}

function fieldAttributes(c: Json, fields: readonly Field[]): [string, string][] {
  return fields.flatMap((field) => {
    const [key, value] =
      typeof field === "string" ? [field, get(c, field)] : [field[0], field[1](c)];
    const text = inventoryValue(value);
    return text === undefined ? [] : [[key, text] as [string, string]];
  });
}

/** A data-protection entry of the review tables as one attribute: `protection.deletion (API): on`. */
function protectionAttribute(p: Protection): [string, string] {
  const value =
    p.value === undefined ? undefined : p.value === "unknown" ? "unknown" : p.value ? "on" : "off";
  return [`protection.${p.column}${p.label ? ` (${p.label})` : ""}`, p.text ?? value ?? ""];
}

function resourceAttributes(r: Resource, key: string): [string, string][] {
  const fields =
    FIELDS[key] ?? (/_iam_(member|binding|policy)$/.test(r.type) ? IAM_FIELDS : undefined);
  return [
    ...(fields ? fieldAttributes(r.config, fields) : fallbackAttributes(r.config)),
    ...(r.type.startsWith("google_compute_instance") || r.type.endsWith("instance_template")
      ? keyed("metadata", r.config.metadata)
      : []),
    ...(r.type === "google_monitoring_notification_channel"
      ? keyed("sensitive_labels", r.config.sensitive_labels, true)
      : []),
  ];
}

// ---------------------------------------------------------------------------------------------
// The inventory

function stackAttributes(json: Json): [string, string][] {
  const terraform = isObject(json.terraform) ? json.terraform : {};
  const providers = isObject(json.provider) ? json.provider : {};
  const outputs = isObject(json.output) ? json.output : {};
  return [
    ...Object.entries(isObject(terraform.backend) ? terraform.backend : {}).flatMap(
      ([kind, config]) => keyed(`backend.${kind}`, config),
    ),
    ...Object.keys(isObject(terraform.required_providers) ? terraform.required_providers : {})
      .sort(byCodeUnits)
      .flatMap((name) => {
        const p = get(terraform, `required_providers.${name}`);
        const text = inventoryValue(isObject(p) ? `${String(p.source)} ${String(p.version)}` : p);
        return text === undefined ? [] : [[`required_providers.${name}`, text] as [string, string]];
      }),
    ...Object.keys(providers)
      .sort(byCodeUnits)
      .flatMap((name) =>
        blocks(providers[name]).flatMap((config, i) =>
          keyed(
            `provider.${name}${config.alias !== undefined ? `.${String(config.alias)}` : i > 0 ? `[${i}]` : ""}`,
            config,
          ),
        ),
      ),
    ...Object.keys(outputs)
      .sort(byCodeUnits)
      .flatMap((name) => {
        const o = outputs[name];
        if (!isObject(o)) return [];
        const value = inventoryValue(o.value) ?? "null";
        return [
          [`output.${name}`, o.sensitive === true ? `${value} (sensitive)` : value] as [
            string,
            string,
          ],
        ];
      }),
  ];
}

/** The plan inventory of a stack from its synthesized Terraform JSON (`cdk.tf.json`, parsed). */
export function planInventory(name: string, json: Json): PlanInventory {
  const stack = parseStack(name, json);
  const exposure = new Map<string, string[]>();
  for (const row of exposureTable(stack)) {
    const line = `${row.kind} from ${row.from.join(", ")} ports ${row.ports} to ${row.to}`;
    exposure.set(row.address, [...(exposure.get(row.address) ?? []), line]);
  }
  const protection = new Map(
    protectionTable(stack).map((row) => [row.address, row.protections.map(protectionAttribute)]),
  );
  const reasons = new Map<string, [string, string][]>();
  for (const key of ["opt_outs", "suppressions"] as const) {
    for (const record of reasonRecords([stack], key)) {
      const label = key === "opt_outs" ? "opt-out" : "suppressed";
      reasons.set(record.address, [
        ...(reasons.get(record.address) ?? []),
        [`${label} ${record.id}`, inventoryValue(record.reason) ?? ""],
      ]);
    }
  }
  const entries: PlanEntry[] = [...stack.resources, ...stack.data]
    .map((r) => {
      const key = r.address.startsWith("data.") ? `data.${r.type}` : r.type;
      return {
        address: r.address,
        attributes: [
          ...resourceAttributes(r, key),
          ...(exposure.get(r.address) ?? []).map((line) => ["exposure", line] as [string, string]),
          ...(protection.get(r.address) ??
            fieldAttributes(r.config, ["lifecycle.prevent_destroy"])),
          ...(reasons.get(r.address) ?? []),
        ],
      };
    })
    .sort((a, b) => byCodeUnits(a.address, b.address));
  const own: PlanEntry = {
    address: STACK_ADDRESS,
    attributes: [...stackAttributes(json), ...(reasons.get(STACK_ADDRESS) ?? [])],
  };
  return { stack: stack.name, entries: [own, ...entries] };
}

/** The inventory as indented text: an address per line, its attributes under it. */
export function formatPlanInventory(inventory: PlanInventory): string {
  const lines = [`stack ${inventory.stack}`];
  for (const entry of inventory.entries) {
    lines.push("", entry.address);
    for (const [key, value] of entry.attributes) lines.push(`  ${key}: ${value}`);
  }
  return `${lines.join("\n")}\n`;
}
