import { contextOf, normalizedStack } from "./context";
import { policyStatements, sgIngress, type PolicyStatement } from "./rules/aws";
import { grantsOf } from "./rules/gcp";
import type { Json, Resource, SynthStack } from "./types";
import {
  blocks,
  flag,
  formatPorts,
  get,
  isToken,
  parsePortRange,
  readable,
  referenceOf,
  strings,
} from "./values";

/**
 * The review tables of a stack, built from its Terraform JSON: what is reachable from where, who
 * holds which role on what, and how each stateful resource is protected. The `review` report
 * prints them and the diff compares them between two versions of the output.
 */

/** Something reachable from outside its network. */
export interface ExposureRow {
  readonly stack: string;
  readonly address: string;
  readonly kind: string;
  /** Sources: CIDRs, `tag:x`, `sa:x`, `internet`. */
  readonly from: readonly string[];
  /** `tcp:22`, `tcp:443, udp:53`, `all`, `-` for a bare IP address. */
  readonly ports: string;
  /** What it reaches. */
  readonly to: string;
}

/** One role held by one member. */
export interface GrantRow {
  readonly stack: string;
  readonly address: string;
  readonly member: string;
  readonly role: string;
  /** What the role is granted on: `project example-prod`, `secret trading-bot-prod-api-key`. */
  readonly on: string;
  /** From an `*_iam_policy` or `*_iam_binding`: applying it removes grants it does not list. */
  readonly authoritative: boolean;
  /**
   * The IAM condition that limits the grant (`title: expression`), when there is one: a
   * project-level grant with a condition on one instance is not project-wide.
   */
  readonly condition?: string;
}

export type Flag = boolean | "unknown";
export type ProtectionColumn =
  "backups" | "pitr" | "retention" | "deletion" | "encryption" | "versioning";

/** One protection of a stateful resource, shown in a column of the data-protection table. */
export interface Protection {
  readonly column: ProtectionColumn;
  /** What it is, when the column holds several (`terraform`, `API`, `at rest`). */
  readonly label?: string;
  /** On, off or unknown; absent for purely descriptive entries (`retention`). */
  readonly value?: Flag;
  /** Shown instead of on/off: `7 days`, `CMEK`. */
  readonly text?: string;
}

export interface ProtectionRow {
  readonly stack: string;
  readonly address: string;
  /** `Cloud SQL POSTGRES_15`, `S3 bucket`, ... */
  readonly kind: string;
  readonly name: string;
  readonly protections: readonly Protection[];
  /** Replica of, region, ... */
  readonly notes: readonly string[];
}

// ---------------------------------------------------------------------------------------------
// Names

const NAME_KEYS = [
  "name",
  "account_id",
  "secret_id",
  "repository_id",
  "bucket",
  "identifier",
  "replication_group_id",
  "cluster_id",
];

/** The name a reviewer knows a resource by: its literal name argument, else its address. */
export function displayName(r: Resource): string {
  for (const key of NAME_KEYS) {
    const value = r.config[key];
    if (typeof value === "string" && !isToken(value)) return value;
  }
  const meta = get(r.config, "metadata.name");
  return typeof meta === "string" && !isToken(meta) ? meta : r.address;
}

/** A value with each `${...}` that references a stack resource replaced by that resource's name. */
export function display(value: unknown, stack: SynthStack): string {
  if (Array.isArray(value)) return value.map((v) => display(v, stack)).join(", ");
  if (typeof value !== "string") return readable(value);
  return value.replace(/\$\{[^}]*\}/g, (expression) => {
    const target = stack.byAddress.get(referenceOf(expression) ?? "");
    return target ? displayName(target) : expression.slice(2, -1);
  });
}

// ---------------------------------------------------------------------------------------------
// Exposure

/**
 * Google ranges a reviewer should recognise (constructs/gcp/firewall.ts names them too; it loads
 * the provider, which the review CLI must not).
 */
const KNOWN_RANGES: Readonly<Record<string, string>> = {
  "35.235.240.0/20": "IAP",
  "35.191.0.0/16": "Google health checks",
  "130.211.0.0/22": "Google health checks",
  "199.36.153.8/30": "Private Google Access",
  "0.0.0.0/0": "internet",
  "::/0": "internet",
};

function source(range: string, stack: SynthStack): string {
  const known = KNOWN_RANGES[range];
  return known ? `${range} (${known})` : display(range, stack);
}

function firewallPorts(c: Json): string {
  return blocks(c.allow)
    .map((a) => {
      const protocol = String(a.protocol ?? "all").toLowerCase();
      const ports =
        Array.isArray(a.ports) && a.ports.length > 0 ? a.ports.map(parsePortRange) : "all";
      if (ports !== "all" && ports.some((p) => p === undefined))
        return `${protocol}:${readable(a.ports)}`;
      return formatPorts(protocol, ports === "all" ? "all" : ports.filter((p) => p !== undefined));
    })
    .join(", ");
}

function exposureOf(r: Resource, stack: SynthStack): Omit<ExposureRow, "stack" | "address">[] {
  const c = r.config;
  const show = (v: unknown): string => display(v, stack);
  switch (r.type) {
    case "google_compute_firewall": {
      const ingress = typeof c.direction !== "string" || c.direction.toUpperCase() === "INGRESS";
      if (blocks(c.allow).length === 0 || flag(c.disabled) === true) return [];
      if (!ingress) {
        const sources = [
          ...strings(c.target_tags).map((t) => `tag:${show(t)}`),
          ...strings(c.target_service_accounts).map((s) => `sa:${show(s)}`),
        ];
        const to = strings(c.destination_ranges).map((d) => source(d, stack));
        return [
          {
            kind: "firewall egress",
            from: [
              `${sources.length > 0 ? sources.join(", ") : "all instances"} in ${show(c.network)}`,
            ],
            ports: firewallPorts(c),
            to: to.length > 0 ? to.join(", ") : "0.0.0.0/0 (no destination given)",
          },
        ];
      }
      const from = [
        ...strings(c.source_ranges).map((s) => source(s, stack)),
        ...strings(c.source_tags).map((t) => `tag:${show(t)}`),
        ...strings(c.source_service_accounts).map((s) => `sa:${show(s)}`),
      ];
      const targets = [
        ...strings(c.target_tags).map((t) => `tag:${show(t)}`),
        ...strings(c.target_service_accounts).map((s) => `sa:${show(s)}`),
      ];
      return [
        {
          kind: "firewall ingress",
          from: from.length > 0 ? from : ["0.0.0.0/0 (no source given)"],
          ports: firewallPorts(c),
          to: `${targets.length > 0 ? targets.join(", ") : "all instances"} in ${show(c.network)}`,
        },
      ];
    }
    case "google_compute_address":
    case "google_compute_global_address":
      return c.address_type === undefined || c.address_type === "EXTERNAL"
        ? [{ kind: "public IP address", from: ["internet"], ports: "-", to: displayName(r) }]
        : [];
    case "google_compute_instance":
    case "google_compute_instance_template":
    case "google_compute_region_instance_template":
      return blocks(c.network_interface).flatMap((nic) =>
        blocks(nic.access_config).map((ac) => ({
          kind: "VM external IP",
          from: ["internet"],
          ports: "as the firewall allows",
          to: `${displayName(r)}${ac.nat_ip ? ` (${show(ac.nat_ip)})` : " (ephemeral IP)"}`,
        })),
      );
    case "google_sql_database_instance": {
      if (flag(get(c, "settings.ip_configuration.ipv4_enabled")) === false) return [];
      const networks = blocks(get(c, "settings.ip_configuration.authorized_networks")).map((n) =>
        show(n.value),
      );
      return [
        {
          kind: "Cloud SQL public IP",
          from: networks.length > 0 ? networks : ["Cloud SQL Auth Proxy / connectors only"],
          ports: String(c.database_version ?? "").startsWith("MYSQL")
            ? "tcp:3306"
            : String(c.database_version ?? "").startsWith("SQLSERVER")
              ? "tcp:1433"
              : "tcp:5432",
          to: displayName(r),
        },
      ];
    }
    case "google_compute_network_firewall_policy_rule":
    case "google_compute_region_network_firewall_policy_rule":
    case "google_compute_firewall_policy_rule": {
      const match = blocks(c.match)[0] ?? {};
      if (c.action !== "allow" || flag(c.disabled) === true) return [];
      const ports = blocks(match.layer4_configs)
        .map(
          (l) => `${readable(l.ip_protocol)}:${l.ports === undefined ? "all" : readable(l.ports)}`,
        )
        .join(", ");
      const egress = typeof c.direction === "string" && c.direction.toUpperCase() === "EGRESS";
      const policy = show(c.firewall_policy ?? c.policy);
      if (egress) {
        // Named hosts (FQDN rules) and ranges: what the workloads may reach.
        const to = [
          ...strings(match.dest_fqdns).map((f) => `host:${show(f)}`),
          ...strings(match.dest_ip_ranges).map((d) => source(d, stack)),
          ...strings(match.dest_address_groups).map((g) => `address group:${show(g)}`),
        ];
        return [
          {
            kind: "firewall policy egress",
            from: [`policy ${policy}`],
            ports: ports || "all",
            to: to.length > 0 ? to.join(", ") : "0.0.0.0/0 (no destination given)",
          },
        ];
      }
      const from = [
        ...strings(match.src_ip_ranges).map((x) => source(x, stack)),
        ...strings(match.src_fqdns).map((f) => `host:${show(f)}`),
      ];
      return [
        {
          kind: "firewall policy ingress",
          from: from.length > 0 ? from : ["(policy match)"],
          ports: ports || "all",
          to: `policy ${policy}`,
        },
      ];
    }
    case "aws_vpc_security_group_egress_rule":
      return [
        {
          kind: "security group egress",
          from: [show(c.security_group_id)],
          ports: formatPorts(String(c.ip_protocol).toLowerCase(), [
            parsePortRange(c.from_port) && parsePortRange(c.to_port)
              ? { from: Number(c.from_port), to: Number(c.to_port) }
              : { from: 0, to: 65535 },
          ]),
          to:
            [c.cidr_ipv4, c.cidr_ipv6, c.referenced_security_group_id, c.prefix_list_id]
              .filter((v) => v !== undefined)
              .map((v) => source(String(v), stack))
              .join(", ") || "(none)",
        },
      ];
    case "aws_security_group":
    case "aws_security_group_rule":
    case "aws_vpc_security_group_ingress_rule": {
      const egress = (
        r.type === "aws_security_group"
          ? blocks(c.egress)
          : r.type === "aws_security_group_rule" && c.type === "egress"
            ? [c]
            : []
      ).map((p) => ({
        kind: "security group egress",
        from: [r.type === "aws_security_group" ? displayName(r) : show(c.security_group_id)],
        ports:
          String(p.protocol) === "-1"
            ? "all"
            : `${readable(p.protocol)}:${readable(p.from_port)}-${readable(p.to_port)}`,
        to:
          [...strings(p.cidr_blocks), ...strings(p.ipv6_cidr_blocks)]
            .map((x) => source(x, stack))
            .concat(strings(p.security_groups).map((x) => `sg:${show(x)}`))
            .join(", ") || "(none)",
      }));
      return [...ingressRows(r, stack), ...egress];
    }
    default:
      return [];
  }
}

function ingressRows(r: Resource, stack: SynthStack): Omit<ExposureRow, "stack" | "address">[] {
  const c = r.config;
  const show = (v: unknown): string => display(v, stack);
  return sgIngress(r).map((p) => ({
    kind: "security group ingress",
    from: [
      ...strings(p.cidrs).map((x) => source(x, stack)),
      ...p.peers.map((x) => `sg:${show(x)}`),
    ],
    ports: p.ports
      ? formatPorts(String(p.protocol).toLowerCase(), [p.ports])
      : `${readable(p.protocol)}:?`,
    to: r.type === "aws_security_group" ? displayName(r) : show(c.security_group_id),
  }));
}

function moreExposure(r: Resource, stack: SynthStack): Omit<ExposureRow, "stack" | "address">[] {
  const c = r.config;
  const show = (v: unknown): string => display(v, stack);
  switch (r.type) {
    case "aws_db_instance":
      return flag(c.publicly_accessible) === true
        ? [
            {
              kind: "public RDS instance",
              from: ["internet (security groups decide)"],
              ports: c.port ? `tcp:${readable(c.port)}` : "engine port",
              to: displayName(r),
            },
          ]
        : [];
    case "aws_eks_cluster":
      return flag(get(c, "vpc_config.endpoint_public_access")) === false
        ? []
        : [
            {
              kind: "EKS public API endpoint",
              from: (strings(get(c, "vpc_config.public_access_cidrs")).length > 0
                ? strings(get(c, "vpc_config.public_access_cidrs"))
                : ["0.0.0.0/0"]
              ).map(show),
              ports: "tcp:443",
              to: displayName(r),
            },
          ];
    case "kubernetes_service":
    case "kubernetes_service_v1": {
      const type = get(c, "spec.type");
      if (type !== "LoadBalancer" && type !== "NodePort") return [];
      const ranges = strings(get(c, "spec.load_balancer_source_ranges"));
      return [
        {
          kind: `Kubernetes ${type} service`,
          from: ranges.length > 0 ? ranges.map(show) : ["0.0.0.0/0 (no source ranges)"],
          ports: blocks(get(c, "spec.port"))
            .map(
              (p) =>
                `${String(p.protocol ?? "TCP").toLowerCase()}:${readable(type === "NodePort" ? (p.node_port ?? p.port) : p.port)}`,
            )
            .join(", "),
          to: `${displayName(r)} in namespace ${show(get(c, "metadata.namespace") ?? "default")}`,
        },
      ];
    }
    default:
      return [];
  }
}

export function exposureTable(stack: SynthStack): ExposureRow[] {
  return normalizedStack(stack).resources.flatMap((r) =>
    [...exposureOf(r, stack), ...moreExposure(r, stack)].map((row) => ({
      stack: stack.name,
      address: r.address,
      ...row,
    })),
  );
}

// ---------------------------------------------------------------------------------------------
// IAM

const IAM = /^google_(.+)_iam_(member|binding|policy)$/;
const NOT_TARGET = [
  "role",
  "member",
  "members",
  "condition",
  "policy_data",
  "location",
  "region",
  // Terraform meta-arguments say when or how a grant is made, never what it is on.
  "depends_on",
  "provider",
  "lifecycle",
  "count",
  "for_each",
  "//",
];

/** What an IAM resource grants on: `project <id>` or `<kind> <name>`. */
function grantTarget(r: Resource, stack: SynthStack): string {
  const kind = (IAM.exec(r.type)?.[1] ?? r.type).replace(/_/g, " ");
  if (kind === "project" || kind === "folder" || kind === "organization") {
    const id = r.config.project ?? r.config.folder ?? r.config.org_id;
    return `${kind} ${id === undefined ? "(provider default)" : display(id, stack)}`;
  }
  const key = Object.keys(r.config).find((k) => !NOT_TARGET.includes(k) && k !== "project");
  return key ? `${kind} ${display(r.config[key], stack)}` : kind;
}

/** A condition as the table shows it: at most 160 characters. */
function clip(text: string): string {
  return text.length > 160 ? `${text.slice(0, 157)}...` : text;
}

/** An IAM condition for the table: `title: expression`, expressions made readable. */
function conditionText(condition: Json): string {
  const expression = readable(condition.expression);
  const title = typeof condition.title === "string" ? condition.title : "";
  return clip(title && expression ? `${title}: ${expression}` : title || expression || "(empty)");
}

/** A statement's conditions for the table: `StringEquals aws:SourceArn = x`. */
function awsConditionText(
  conditions: PolicyStatement["conditions"],
  stack: SynthStack,
): string | undefined {
  if (conditions.length === 0) return undefined;
  return clip(
    conditions
      .map(
        (c) =>
          `${readable(c.test)} ${awsDisplay(c.variable, stack)} = ${awsDisplay(c.values, stack)}`,
      )
      .join("; "),
  );
}

/**
 * An AWS value for the table: the account, partition and region data sources the constructs
 * build ARNs from read as what they stand for, then references as the names of their resources.
 */
function awsDisplay(value: unknown, stack: SynthStack): string {
  const known = (v: unknown): unknown =>
    typeof v === "string"
      ? v
          .replace(/\$\{data\.aws_partition\.[^.}]+\.partition\}/g, "aws")
          .replace(/\$\{data\.aws_partition\.[^.}]+\.dns_suffix\}/g, "amazonaws.com")
          .replace(/\$\{data\.aws_caller_identity\.[^.}]+\.account_id\}/g, "(this account)")
          .replace(/\$\{data\.aws_region\.[^.}]+\.(name|region)\}/g, "(this region)")
      : Array.isArray(v)
        ? v.map(known)
        : v;
  return display(known(value), stack);
}

/** Who a statement names: `Service ecs-tasks.amazonaws.com`, `AWS arn:...:root`, `anyone`. */
function principalsOf(st: PolicyStatement, stack: SynthStack): string[] {
  return st.principals.flatMap((p) =>
    [p.identifiers]
      .flat()
      .filter((id) => id !== undefined)
      .map((id) =>
        id === "*" ? "any principal (*)" : `${readable(p.type)} ${awsDisplay(id, stack)}`,
      ),
  );
}

/** One Allow statement of an AWS policy, as the table shows it. */
interface AllowStatement {
  readonly statement: PolicyStatement;
  /** Its actions, joined: the table's Role column. */
  readonly actions: string;
  /** The resources it names, as written. */
  readonly resources: readonly unknown[];
  readonly condition?: string;
}

/**
 * The Allow statements of a policy argument (none when it cannot be read); Deny statements grant
 * nothing and are left out.
 */
function allowStatements(policy: unknown, stack: SynthStack): AllowStatement[] {
  const list = (value: unknown) => [value].flat().filter((x) => x !== undefined);
  return (policyStatements(policy, contextOf(stack)) ?? [])
    .filter((st) => st.effect === "Allow")
    .map((st) => {
      const condition = awsConditionText(st.conditions, stack);
      return {
        statement: st,
        actions: list(st.actions)
          .map((a) => awsDisplay(a, stack))
          .join(", "),
        resources: list(st.resources),
        ...(condition ? { condition } : {}),
      };
    });
}

/**
 * What an AWS IAM role may do, as grant rows: each Allow statement of an inline role policy
 * (`aws_iam_role_policy`: its actions on its resources) and each managed policy attached to the
 * role (`aws_iam_role_policy_attachment`).
 */
function awsGrantRows(r: Resource, stack: SynthStack): Omit<GrantRow, "stack" | "address">[] {
  const member = `role ${display(r.config.role, stack)}`;
  if (r.type === "aws_iam_role_policy_attachment") {
    const arn = display(r.config.policy_arn, stack);
    return [
      {
        member,
        role: `managed policy ${arn.replace(/^arn:aws:iam::aws:policy\//, "")}`,
        on: "what the policy lists",
        authoritative: false,
      },
    ];
  }
  return allowStatements(r.config.policy, stack).map((st) => ({
    member,
    role: st.actions,
    on: awsDisplay(st.resources, stack) || "*",
    authoritative: false,
    ...(st.condition ? { condition: st.condition } : {}),
  }));
}

const AWS_ROLE_GRANTS = new Set(["aws_iam_role_policy", "aws_iam_role_policy_attachment"]);

/**
 * Policies on a resource rather than on a role, by the argument that holds them and what they
 * are on: a role's trust policy (who may assume it), bucket, key, repository and secret policies.
 */
const AWS_RESOURCE_POLICIES: Readonly<
  Record<string, { readonly policy: string; readonly on: (r: Resource, s: SynthStack) => string }>
> = {
  aws_iam_role: { policy: "assume_role_policy", on: (r) => `role ${displayName(r)}` },
  aws_s3_bucket_policy: {
    policy: "policy",
    on: (r, s) => `bucket ${display(r.config.bucket, s)}`,
  },
  aws_kms_key: { policy: "policy", on: (r, s) => `KMS key ${kmsKeyName(r, s)}` },
  aws_ecr_repository_policy: {
    policy: "policy",
    on: (r, s) => `repository ${display(r.config.repository, s)}`,
  },
  aws_secretsmanager_secret_policy: {
    policy: "policy",
    on: (r, s) => `secret ${display(r.config.secret_arn, s)}`,
  },
};

/** A KMS key as a reviewer knows it: its alias, else its description, else its address. */
function kmsKeyName(key: Resource, stack: SynthStack): string {
  const alias = stack.resources.find(
    (r) => r.type === "aws_kms_alias" && referenceOf(r.config.target_key_id) === key.address,
  );
  if (typeof alias?.config.name === "string") return alias.config.name;
  const description = key.config.description;
  return typeof description === "string" && !isToken(description) ? description : key.address;
}

/**
 * Who a resource's own policy lets in, as grant rows: each principal of each Allow statement, with
 * its actions, on the resources it names (`*` in a key policy is the key itself). The whole policy
 * is replaced when applied, so the rows are authoritative. Deny statements (TLS only, say) grant
 * nothing and are left out.
 */
function awsResourcePolicyRows(
  r: Resource,
  stack: SynthStack,
): Omit<GrantRow, "stack" | "address">[] {
  const kind = AWS_RESOURCE_POLICIES[r.type];
  const target = kind.on(r, stack);
  return allowStatements(r.config[kind.policy], stack).flatMap((st) =>
    principalsOf(st.statement, stack).map((member) => ({
      member,
      role: st.actions,
      // `*` in a resource's own policy is that resource.
      on:
        awsDisplay(
          st.resources.filter((x) => x !== "*"),
          stack,
        ) || target,
      authoritative: true,
      ...(st.condition ? { condition: st.condition } : {}),
    })),
  );
}

export function iamTable(stack: SynthStack): GrantRow[] {
  const context = contextOf(stack);
  const aws = stack.resources.flatMap((r) =>
    (AWS_ROLE_GRANTS.has(r.type)
      ? awsGrantRows(r, stack)
      : r.type in AWS_RESOURCE_POLICIES
        ? awsResourcePolicyRows(r, stack)
        : []
    ).map((row) => ({ stack: stack.name, address: r.address, ...row })),
  );
  return stack.resources
    .filter((r) => IAM.test(r.type))
    .flatMap((r) =>
      grantsOf(r, context).flatMap((g) =>
        g.members.map((m) => ({
          stack: stack.name,
          address: r.address,
          member: display(m, stack),
          role: display(g.role, stack),
          on: grantTarget(r, stack),
          authoritative: !r.type.endsWith("_iam_member"),
          ...(g.condition ? { condition: conditionText(g.condition) } : {}),
        })),
      ),
    )
    .concat(aws);
}

// ---------------------------------------------------------------------------------------------
// Data protection

/** A boolean argument with its provider default. */
function flagOf(config: unknown, path: string, providerDefault: boolean): Flag {
  const value = flag(get(config, path));
  return value === undefined ? providerDefault : value;
}

function preventDestroy(c: Json): Protection[] {
  return flag(get(c, "lifecycle.prevent_destroy")) === true
    ? [{ column: "deletion", label: "prevent_destroy", value: true }]
    : [];
}

/** `force_destroy` / `force_delete` off is a deletion protection: Terraform will not empty it. */
function notForced(value: unknown, key: string): Protection {
  const forced = flag(value) === true;
  return { column: "deletion", label: key, value: !forced, text: forced ? "on" : "off" };
}

function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function related(r: Resource, stack: SynthStack, type: string): Resource[] {
  return contextOf(stack).referencing(r, [type], { attrs: ["bucket"], literal: r.config.bucket });
}

function protectionsOf(
  r: Resource,
  stack: SynthStack,
): Omit<ProtectionRow, "stack" | "address" | "name"> | undefined {
  const c = r.config;
  const text = (v: unknown): string => display(v, stack);
  switch (r.type) {
    case "google_sql_database_instance": {
      const replica = c.master_instance_name !== undefined;
      const mysql = String(c.database_version ?? "").startsWith("MYSQL");
      const backup = "settings.backup_configuration";
      return {
        kind: `Cloud SQL ${readable(c.database_version)}`,
        protections: [
          replica
            ? { column: "backups", text: "replica (none)" }
            : { column: "backups", value: flagOf(c, `${backup}.enabled`, false) },
          ...(replica
            ? []
            : [
                {
                  column: "pitr" as const,
                  value: flagOf(
                    c,
                    `${backup}.${mysql ? "binary_log_enabled" : "point_in_time_recovery_enabled"}`,
                    false,
                  ),
                },
              ]),
          ...(replica
            ? []
            : [
                {
                  column: "retention" as const,
                  text: `${readable(get(c, `${backup}.backup_retention_settings.retained_backups`) ?? 7)} backups, ${readable(get(c, `${backup}.transaction_log_retention_days`) ?? 7)} days of logs`,
                },
              ]),
          { column: "deletion", label: "terraform", value: flagOf(c, "deletion_protection", true) },
          {
            column: "deletion",
            label: "API",
            value: flagOf(c, "settings.deletion_protection_enabled", false),
          },
          ...preventDestroy(c),
          {
            column: "encryption",
            value: true,
            text: c.encryption_key_name ? "CMEK" : "Google-managed",
          },
        ],
        notes: [
          ...(c.region ? [`region ${readable(c.region)}`] : []),
          ...(replica ? [`replica of ${text(c.master_instance_name)}`] : []),
        ],
      };
    }
    case "google_storage_bucket":
      return {
        kind: "GCS bucket",
        protections: [
          { column: "versioning", value: flagOf(c, "versioning.enabled", false) },
          {
            column: "retention",
            text: `${count(blocks(c.lifecycle_rule).length, "lifecycle rule")}${get(c, "retention_policy.retention_period") ? `, retention ${readable(get(c, "retention_policy.retention_period"))}s` : ""}`,
          },
          notForced(c.force_destroy, "force_destroy"),
          ...preventDestroy(c),
          {
            column: "encryption",
            value: true,
            text: get(c, "encryption.default_kms_key_name") ? "CMEK" : "Google-managed",
          },
        ],
        notes: c.location ? [`location ${readable(c.location)}`] : [],
      };
    case "google_secret_manager_secret":
      return {
        kind: "Secret Manager secret",
        protections: [
          {
            column: "deletion",
            label: "deletion_protection",
            value: flagOf(c, "deletion_protection", false),
          },
          ...preventDestroy(c),
          {
            column: "encryption",
            value: true,
            text: JSON.stringify(c.replication ?? {}).includes("kms_key_name")
              ? "CMEK"
              : "Google-managed",
          },
          ...(c.version_destroy_ttl
            ? [
                {
                  column: "retention" as const,
                  text: `destroyed versions kept ${readable(c.version_destroy_ttl)}`,
                },
              ]
            : []),
        ],
        notes: [],
      };
    case "google_artifact_registry_repository":
      return {
        kind: `Artifact Registry ${readable(c.format)}`,
        protections: [
          {
            column: "versioning",
            label: "immutable tags",
            value: flagOf(c, "docker_config.immutable_tags", false),
          },
          {
            column: "retention",
            text: count(blocks(c.cleanup_policies).length, "cleanup policy", "cleanup policies"),
          },
          ...preventDestroy(c),
          { column: "encryption", value: true, text: c.kms_key_name ? "CMEK" : "Google-managed" },
        ],
        notes: c.location ? [`location ${readable(c.location)}`] : [],
      };
    case "aws_db_instance": {
      const days = c.backup_retention_period ?? 1;
      const backups: Flag = isToken(days) ? "unknown" : Number(days) > 0;
      const replica = c.replicate_source_db !== undefined;
      return {
        kind: `RDS ${readable(c.engine ?? "instance")}`,
        protections: [
          replica ? { column: "backups", text: "replica" } : { column: "backups", value: backups },
          ...(replica
            ? []
            : [
                { column: "pitr" as const, value: backups },
                { column: "retention" as const, text: `${readable(days)} days` },
              ]),
          {
            column: "deletion",
            label: "deletion_protection",
            value: flagOf(c, "deletion_protection", false),
          },
          ...preventDestroy(c),
          {
            column: "encryption",
            value: flagOf(c, "storage_encrypted", false),
            text:
              flag(c.storage_encrypted) === true
                ? c.kms_key_id
                  ? "KMS (CMK)"
                  : "KMS (aws/rds)"
                : undefined,
          },
        ],
        notes: [
          ...(replica ? [`replica of ${text(c.replicate_source_db)}`] : []),
          ...(flag(c.skip_final_snapshot) === true ? ["no final snapshot"] : []),
        ],
      };
    }
    case "aws_s3_bucket": {
      const versioning = related(r, stack, "aws_s3_bucket_versioning")[0];
      const sse = related(r, stack, "aws_s3_bucket_server_side_encryption_configuration")[0];
      const algorithm = sse
        ? get(sse.config, "rule.apply_server_side_encryption_by_default.sse_algorithm")
        : undefined;
      return {
        kind: "S3 bucket",
        protections: [
          {
            column: "versioning",
            value: versioning
              ? get(versioning.config, "versioning_configuration.status") === "Enabled"
              : false,
          },
          {
            column: "retention",
            text:
              related(r, stack, "aws_s3_bucket_lifecycle_configuration").length > 0
                ? "lifecycle configuration"
                : "no lifecycle configuration",
          },
          notForced(c.force_destroy, "force_destroy"),
          ...preventDestroy(c),
          {
            column: "encryption",
            value: algorithm !== undefined,
            text: algorithm !== undefined ? `SSE ${readable(algorithm)}` : "no SSE configuration",
          },
        ],
        notes: [],
      };
    }
    case "aws_secretsmanager_secret": {
      const window = c.recovery_window_in_days ?? 30;
      return {
        kind: "Secrets Manager secret",
        protections: [
          {
            column: "deletion",
            label: "recovery window",
            value: isToken(window) ? "unknown" : Number(window) > 0,
          },
          { column: "retention", text: `${readable(window)} days recovery window` },
          ...preventDestroy(c),
          {
            column: "encryption",
            value: true,
            text: c.kms_key_id ? "KMS (CMK)" : "KMS (aws/secretsmanager)",
          },
        ],
        notes: [],
      };
    }
    case "aws_ecr_repository":
      return {
        kind: "ECR repository",
        protections: [
          {
            column: "versioning",
            label: "immutable tags",
            value: String(c.image_tag_mutability ?? "MUTABLE").startsWith("IMMUTABLE"),
          },
          notForced(c.force_delete, "force_delete"),
          ...preventDestroy(c),
          {
            column: "encryption",
            value: true,
            text: readable(get(c, "encryption_configuration.encryption_type") ?? "AES256"),
          },
        ],
        notes: [],
      };
    case "aws_elasticache_replication_group": {
      const snapshots = c.snapshot_retention_limit ?? 0;
      return {
        kind: "ElastiCache replication group",
        protections: [
          { column: "backups", value: isToken(snapshots) ? "unknown" : Number(snapshots) > 0 },
          { column: "retention", text: `${readable(snapshots)} days of snapshots` },
          ...preventDestroy(c),
          {
            column: "encryption",
            label: "at rest",
            value: flagOf(c, "at_rest_encryption_enabled", false),
          },
          {
            column: "encryption",
            label: "in transit",
            value: flagOf(c, "transit_encryption_enabled", false),
          },
        ],
        notes: [],
      };
    }
    default:
      return undefined;
  }
}

export function protectionTable(stack: SynthStack): ProtectionRow[] {
  return stack.resources.flatMap((r) => {
    const row = protectionsOf(r, stack);
    return row ? [{ stack: stack.name, address: r.address, name: displayName(r), ...row }] : [];
  });
}

/** Resource counts by type, most first. */
export function resourceCounts(stack: SynthStack): { type: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const r of stack.resources) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
  return [...counts.entries()]
    .map(([type, count]) => ({ type, count }))
    .sort((a, b) => b.count - a.count || a.type.localeCompare(b.type));
}
