import { ADMIN_PORTS, OPT_OUT_IDS, WORLD_INGRESS_PORTS } from "../../vocabulary";
import type { Json, Resource, Rule, RuleContext, Verdict } from "../types";
import {
  ALL_PORTS,
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
  type PortRange,
  problemsVerdict,
  requireFlag,
  show,
  strings,
  unverifiable,
  violation,
  worldRanges,
} from "../values";
import { isBackupName } from "./common";

// ---------------------------------------------------------------------------------------------
// Security groups: inline ingress blocks, aws_security_group_rule, aws_vpc_security_group_ingress_rule

const SG_TYPES = [
  "aws_security_group",
  "aws_vpc_security_group_ingress_rule",
  "aws_security_group_rule",
];

/** One ingress permission, whatever resource declared it. */
export interface SgIngress {
  /** Where it was declared, e.g. `ingress[0]`, or `` for a rule resource. */
  readonly where: string;
  readonly cidrs: readonly unknown[];
  readonly protocol: unknown;
  /** The port range; `undefined` when it cannot be read (an expression). */
  readonly ports: PortRange | undefined;
  /** Security group or prefix list sources, for the exposure table. */
  readonly peers: readonly string[];
}

function portsOf(protocol: unknown, from: unknown, to: unknown): PortRange | undefined {
  if (String(protocol) === "-1" || String(protocol).toLowerCase() === "all") return ALL_PORTS;
  const low = typeof from === "string" && /^\d+$/.test(from) ? Number(from) : from;
  const high = typeof to === "string" && /^\d+$/.test(to) ? Number(to) : to;
  if (typeof low !== "number" || typeof high !== "number") return undefined;
  return low === -1 ? ALL_PORTS : { from: low, to: high };
}

/** The ingress permissions a security group resource declares. */
export function sgIngress(r: Resource): SgIngress[] {
  const c = r.config;
  if (r.type === "aws_vpc_security_group_ingress_rule") {
    return [
      {
        where: "",
        cidrs: [c.cidr_ipv4, c.cidr_ipv6].filter((v) => v !== undefined),
        protocol: c.ip_protocol,
        ports: portsOf(c.ip_protocol, c.from_port, c.to_port),
        peers: strings(c.referenced_security_group_id ?? c.prefix_list_id),
      },
    ];
  }
  const permissions =
    r.type === "aws_security_group_rule" ? (c.type === "ingress" ? [c] : []) : blocks(c.ingress);
  return permissions.map((p, i) => ({
    where: r.type === "aws_security_group" ? `ingress[${i}]` : "",
    cidrs: [...strings(p.cidr_blocks), ...strings(p.ipv6_cidr_blocks)],
    protocol: p.protocol,
    ports: portsOf(p.protocol, p.from_port, p.to_port),
    peers: [
      ...strings(p.security_groups),
      ...strings(p.source_security_group_id),
      ...strings(p.prefix_list_ids),
    ],
  }));
}

function sgWorldPort(r: Resource, port: number, what: string): Verdict {
  const permissions = sgIngress(r);
  if (permissions.length === 0) return r.type === "aws_security_group" ? COMPLIANT : NOT_APPLICABLE;
  const problems = permissions.flatMap((p) => {
    const world = includesWorld(p.cidrs);
    const protocol = String(p.protocol).toLowerCase();
    const tcp = ["tcp", "6", "-1", "all"].includes(protocol) || isToken(p.protocol);
    if (world === false || !tcp) return [];
    const at = p.where ? `${p.where} ` : "";
    if (!p.ports)
      return [
        `${at}allows ports that cannot be verified from ${show(p.cidrs)}; they may include ${what}`,
      ];
    if (!coversPort(p.ports, port)) return [];
    return world === "unknown"
      ? [`${at}${unverifiable("source CIDRs", p.cidrs)}; it allows ${what}`]
      : [`${at}allows ${what} from ${worldRanges(p.cidrs)}`];
  });
  return problemsVerdict(problems);
}

/** What an ingress permission from the world opens beyond the web ports, or [] when nothing. */
function sgBeyondWeb(p: SgIngress): string[] {
  const protocol = String(p.protocol).toLowerCase();
  if (["icmp", "1", "icmpv6", "58"].includes(protocol)) return [];
  const name = protocol === "-1" ? "all" : protocol === "6" ? "tcp" : protocol;
  if (!p.ports) return [`${name}:(unverifiable ports)`];
  const { from, to } = p.ports;
  if (
    name === "tcp" &&
    from === to &&
    (WORLD_INGRESS_PORTS.includes(from) || from in ADMIN_PORTS)
  ) {
    return [];
  }
  if (name === "all") return ["all"];
  return [`${name}:${from === to ? from : `${from}-${to}`}`];
}

const securityGroupRules: Rule[] = [
  {
    id: "AWS-SG-003",
    severity: "error",
    title: `Security group opens only web ports (${WORLD_INGRESS_PORTS.join(", ")}) to the internet`,
    types: SG_TYPES,
    fix: "Limit the sources to the networks or security groups that need the service, or put it behind a load balancer; a reviewed exception is the construct's allowWorld opt-out (world-ingress).",
    acceptedOptOuts: [OPT_OUT_IDS.worldIngress, OPT_OUT_IDS.adminPortFromWorld],
    check: (r) => {
      const permissions = sgIngress(r);
      if (permissions.length === 0)
        return r.type === "aws_security_group" ? COMPLIANT : NOT_APPLICABLE;
      const problems = permissions.flatMap((p) => {
        const world = includesWorld(p.cidrs);
        if (world === false) return [];
        const beyond = sgBeyondWeb(p);
        if (beyond.length === 0) return [];
        const at = p.where ? `${p.where} ` : "";
        return world === "unknown"
          ? [`${at}${unverifiable("source CIDRs", p.cidrs)}; it allows ${beyond.join(", ")}`]
          : [`${at}allows ${beyond.join(", ")} from ${worldRanges(p.cidrs)}`];
      });
      return problemsVerdict(problems);
    },
  },
  {
    id: "AWS-SG-001",
    checkovNote:
      "Judges the union of IPv4 and IPv6 ranges and fails closed on expressions; checkov compares with `0.0.0.0/0` and `::/0`.",
    checkov: "CKV_AWS_24",
    severity: "error",
    title: "Security group does not allow SSH (tcp/22) from the internet",
    types: SG_TYPES,
    fix: "Restrict the source to admin CIDRs or use SSM Session Manager instead of SSH.",
    acceptedOptOuts: [OPT_OUT_IDS.adminPortFromWorld],
    check: (r) => sgWorldPort(r, 22, "SSH (tcp/22)"),
  },
  {
    id: "AWS-SG-002",
    checkovNote: "As AWS-SG-001.",
    checkov: "CKV_AWS_25",
    severity: "error",
    title: "Security group does not allow RDP (tcp/3389) from the internet",
    types: SG_TYPES,
    fix: "Restrict the source to admin CIDRs or use SSM Fleet Manager instead of RDP.",
    acceptedOptOuts: [OPT_OUT_IDS.adminPortFromWorld],
    check: (r) => sgWorldPort(r, 3389, "RDP (tcp/3389)"),
  },
];

// ---------------------------------------------------------------------------------------------
// RDS

const RDS = ["aws_db_instance"];
/** CKV_AWS_17 lists Aurora's instances too: an Aurora instance can be public on its own. */
const RDS_PUBLIC = ["aws_db_instance", "aws_rds_cluster_instance"];
/** CKV_AWS_133 lists Aurora clusters too: they keep the backups of their instances. */
const RDS_BACKUP = ["aws_db_instance", "aws_rds_cluster"];
const isAurora = (c: Json): boolean =>
  typeof c.engine === "string" && c.engine.startsWith("aurora");

/** A literal (not an expression, not empty) string. */
function isLiteral(value: unknown): boolean {
  return typeof value === "string" && value !== "" && !isToken(value);
}

const rdsRules: Rule[] = [
  {
    id: "AWS-RDS-001",
    checkovNote: "An unset `publicly_accessible` is its default (false), as in checkov.",
    checkov: "CKV_AWS_17",
    severity: "error",
    title: "RDS instance is not publicly accessible",
    types: RDS_PUBLIC,
    fix: "Set publicly_accessible = false and reach the database from inside the VPC.",
    check: (r) => requireFlag(r.config, "publicly_accessible", false, false),
  },
  {
    id: "AWS-RDS-002",
    checkovNote:
      "Aurora instances are not applicable: their storage is encrypted on the cluster (checkov's CKV_AWS_96, not a rule here).",
    checkov: "CKV_AWS_16",
    severity: "error",
    title: "RDS storage is encrypted",
    types: RDS,
    fix: "Set storage_encrypted = true (and kms_key_id for a customer-managed key).",
    check: (r) =>
      isAurora(r.config) ? NOT_APPLICABLE : requireFlag(r.config, "storage_encrypted", true, false),
  },
  {
    id: "AWS-RDS-003",
    checkovNote:
      "Stricter: a `backup_retention_period` that is an expression fails closed (checkov: unknown); read replicas and Aurora instances are not applicable (the cluster keeps the backups).",
    checkov: "CKV_AWS_133",
    severity: "error",
    title: "RDS instance keeps automated backups",
    types: RDS_BACKUP,
    fix: "Set backup_retention_period to 7 or more days (0 turns backups and point-in-time recovery off).",
    check: (r) => {
      if (
        r.type === "aws_db_instance" &&
        (r.config.replicate_source_db !== undefined || isAurora(r.config))
      )
        return NOT_APPLICABLE;
      const days = r.config.backup_retention_period;
      if (days === undefined) return COMPLIANT; // the RDS API default is 1 day
      if (isToken(days)) return violation(unverifiable("backup_retention_period", days));
      return Number(days) > 0
        ? COMPLIANT
        : violation(
            `backup_retention_period is ${show(days)}: no backups, no point-in-time recovery`,
          );
    },
  },
  {
    id: "AWS-RDS-004",
    checkov: "CKV_AWS_293",
    severity: "error",
    title: "RDS instance has deletion protection",
    types: RDS,
    fix: "Set deletion_protection = true.",
    check: (r) => requireFlag(r.config, "deletion_protection", true, false),
  },
  {
    id: "AWS-RDS-005",
    severity: "error",
    title: "RDS master password is managed by AWS, not written in code",
    types: RDS,
    fix: "Set manage_master_user_password = true (the password lives in Secrets Manager) and remove password.",
    check: (r) =>
      flag(r.config.manage_master_user_password) === true
        ? COMPLIANT
        : problemsVerdict(
            ["password", "password_wo"]
              .filter((k) => isLiteral(r.config[k]))
              .map((k) => `${k} holds a literal value: it is in the synthesized JSON and in git`),
          ),
  },
];

// ---------------------------------------------------------------------------------------------
// S3: the bucket's settings are separate resources pointing at it

const S3 = ["aws_s3_bucket"];

function related(r: Resource, context: RuleContext, type: string): Resource[] {
  return context.referencing(r, [type], { attrs: ["bucket"], literal: r.config.bucket });
}

function s3Versioning(r: Resource, context: RuleContext): Verdict {
  if (flag(get(r.config, "versioning.enabled")) === true) return COMPLIANT;
  const configs = related(r, context, "aws_s3_bucket_versioning");
  if (configs.length === 0) return violation("has no aws_s3_bucket_versioning resource");
  const status = get(configs[0].config, "versioning_configuration.status");
  if (status === "Enabled") return COMPLIANT;
  return violation(
    isToken(status)
      ? unverifiable(`${configs[0].address} versioning_configuration.status`, status)
      : `${configs[0].address} sets versioning status ${show(status)}`,
  );
}

const PUBLIC_ACCESS_FLAGS = [
  "block_public_acls",
  "block_public_policy",
  "ignore_public_acls",
  "restrict_public_buckets",
];

const s3Rules: Rule[] = [
  {
    id: "AWS-S3-001",
    checkovNote:
      "Also accepts the separate `aws_s3_bucket_server_side_encryption_configuration` resource (provider 4+), which checkov's CKV_AWS_19 on `aws_s3_bucket` alone does not see.",
    checkov: "CKV_AWS_19",
    severity: "error",
    title: "S3 bucket has default server-side encryption configured",
    types: S3,
    fix: 'Add aws_s3_bucket_server_side_encryption_configuration with sse_algorithm "aws:kms" (or "AES256").',
    check: (r, context) => {
      if (blocks(r.config.server_side_encryption_configuration).length > 0) return COMPLIANT;
      const configs = related(r, context, "aws_s3_bucket_server_side_encryption_configuration");
      if (configs.length === 0)
        return violation("has no aws_s3_bucket_server_side_encryption_configuration resource");
      const algorithm = get(
        configs[0].config,
        "rule.apply_server_side_encryption_by_default.sse_algorithm",
      );
      return typeof algorithm === "string" && algorithm !== ""
        ? COMPLIANT
        : violation(`${configs[0].address} sets no sse_algorithm`);
    },
  },
  {
    id: "AWS-S3-002",
    checkov: "CKV_AWS_21",
    severity: "warning",
    title: "S3 bucket has versioning",
    types: S3,
    fix: 'Add aws_s3_bucket_versioning with versioning_configuration { status = "Enabled" }.',
    check: s3Versioning,
  },
  {
    id: "AWS-S3-003",
    checkov: "CKV_AWS_18",
    severity: "warning",
    title: "S3 bucket has access logging",
    types: S3,
    fix: "Add aws_s3_bucket_logging with a target_bucket.",
    acceptedOptOuts: [OPT_OUT_IDS.accessLogsOff],
    check: (r, context) =>
      blocks(r.config.logging).length > 0 || related(r, context, "aws_s3_bucket_logging").length > 0
        ? COMPLIANT
        : violation("has no aws_s3_bucket_logging resource"),
  },
  {
    id: "AWS-S3-004",
    checkov: "CKV2_AWS_6",
    severity: "error",
    title: "S3 bucket blocks all public access",
    types: S3,
    fix: "Add aws_s3_bucket_public_access_block with block_public_acls, block_public_policy, ignore_public_acls and restrict_public_buckets all true.",
    check: (r, context) => {
      const blocksOf = related(r, context, "aws_s3_bucket_public_access_block");
      if (blocksOf.length === 0)
        return violation("has no aws_s3_bucket_public_access_block resource");
      return combine(
        ...PUBLIC_ACCESS_FLAGS.map((k) => requireFlag(blocksOf[0].config, k, true, false)),
      );
    },
  },
  {
    id: "AWS-S3-005",
    severity: "error",
    title: "Backup bucket has versioning and a lifecycle configuration",
    types: S3,
    fix: "On buckets holding backups add aws_s3_bucket_versioning (Enabled) and aws_s3_bucket_lifecycle_configuration for retention.",
    check: (r, context) =>
      !isBackupName(r, ["bucket", "bucket_prefix"])
        ? NOT_APPLICABLE
        : combine(
            s3Versioning(r, context),
            related(r, context, "aws_s3_bucket_lifecycle_configuration").length > 0 ||
              blocks(r.config.lifecycle_rule).length > 0
              ? COMPLIANT
              : violation(
                  "has no aws_s3_bucket_lifecycle_configuration: backups are kept or lost by hand",
                ),
          ),
  },
];

// ---------------------------------------------------------------------------------------------
// ECR, ElastiCache, EKS, Secrets Manager

const ECR = ["aws_ecr_repository"];

/** Whether an IAM principal (`"*"`, `{ AWS: "*" }`, `{ AWS: ["*"] }`) is everyone. */
/**
 * Condition keys that narrow who the principal is (or where the request comes from). A condition
 * on anything else (`aws:SecureTransport`, `aws:RequestedRegion`, `aws:CurrentTime`, ...) leaves
 * `Principal: "*"` public: anyone can meet it.
 */
const PRINCIPAL_CONDITION_KEYS = [
  "aws:principalorgid",
  "aws:principalorgpaths",
  "aws:principalaccount",
  "aws:principalarn",
  "aws:principalservicename",
  "aws:sourcearn",
  "aws:sourceaccount",
  "aws:sourceorgid",
  "aws:sourceorgpaths",
  "aws:sourceowner",
  "aws:sourcevpc",
  "aws:sourcevpce",
  "aws:sourceip",
  "aws:userid",
  "aws:username",
];

/**
 * Whether a condition restricts the principal: one of its tests is on a
 * {@link PRINCIPAL_CONDITION_KEYS} key with values that are not all wildcards, under an operator
 * that is not a negation or `IfExists` (both let a request without the key through).
 */
export function conditionRestrictsPrincipal(
  tests: readonly { operator: unknown; key: unknown; values: unknown }[],
): boolean {
  return tests.some(({ operator, key, values }) => {
    if (typeof operator !== "string" || typeof key !== "string") return false;
    if (/^(StringNot|ArnNot|NotIpAddress)|IfExists$|^Null$/i.test(operator)) return false;
    if (!PRINCIPAL_CONDITION_KEYS.includes(key.toLowerCase())) return false;
    const list = strings(values);
    return list.length > 0 && list.every((v) => v !== "*" && v !== "");
  });
}

/** One statement of an AWS policy, in the `aws_iam_policy_document` data source's words. */
export interface PolicyStatement {
  /** `Allow` or `Deny` (a data source's statement without one is `Allow`). */
  readonly effect: unknown;
  /** An action or a list of them, as written (`s3:GetObject`). */
  readonly actions: unknown;
  /** A resource or a list of them, as written (ARNs or references). */
  readonly resources: unknown;
  /** Who it names: `{ type: "Service", identifiers: [...] }`, `*` as `{ type: "*" }`. */
  readonly principals: readonly { readonly type: unknown; readonly identifiers: unknown }[];
  /** Its condition tests: `{ test: "StringEquals", variable: "aws:SourceArn", values }`. */
  readonly conditions: readonly {
    readonly test: unknown;
    readonly variable: unknown;
    readonly values: unknown;
  }[];
}

/**
 * The statements of an AWS policy argument, from the `aws_iam_policy_document` data source it
 * references or from literal JSON (`Principal: "*"` and `{ AWS: [...] }`, `Condition: { test:
 * { variable: values } }` read as the data source writes them). `undefined` when the policy
 * cannot be read: another expression, or JSON that does not parse.
 */
export function policyStatements(
  policy: unknown,
  context: Pick<RuleContext, "resolve">,
): PolicyStatement[] | undefined {
  const source = context.resolve(policy);
  if (source?.type === "aws_iam_policy_document") {
    return blocks(source.config.statement).map((st) => ({
      effect: st.effect ?? "Allow",
      actions: st.actions,
      resources: st.resources,
      principals: blocks(st.principals).map((p) => ({ type: p.type, identifiers: p.identifiers })),
      conditions: blocks(st.condition).map((c) => ({
        test: c.test,
        variable: c.variable,
        values: c.values,
      })),
    }));
  }
  if (typeof policy !== "string" || isToken(policy)) return undefined;
  let document: { Statement?: unknown };
  try {
    document = JSON.parse(policy);
  } catch {
    return undefined;
  }
  return [document.Statement]
    .flat()
    .filter(isObject)
    .map((st) => ({
      effect: st.Effect,
      actions: st.Action,
      resources: st.Resource,
      principals: jsonPrincipals(st.Principal),
      conditions: isObject(st.Condition)
        ? Object.entries(st.Condition).flatMap(([test, byKey]) =>
            isObject(byKey)
              ? Object.entries(byKey).map(([variable, values]) => ({ test, variable, values }))
              : [],
          )
        : [],
    }));
}

/** A JSON policy's `Principal` (`"*"`, or `{ Service: [...] }`) as the data source's blocks. */
function jsonPrincipals(principal: unknown): PolicyStatement["principals"] {
  if (principal === "*") return [{ type: "*", identifiers: ["*"] }];
  if (!isObject(principal)) return [];
  return Object.entries(principal).map(([type, identifiers]) => ({ type, identifiers }));
}

/**
 * The statements of a resource policy that allow everyone without a condition that restricts the
 * principal: from the JSON string, or from the `aws_iam_policy_document` data source it
 * references. `undefined` when the policy cannot be read.
 */
function publicStatements(policy: unknown, context: RuleContext): number[] | undefined {
  return policyStatements(policy, context)?.flatMap((st, i) =>
    st.effect === "Allow" &&
    !conditionRestrictsPrincipal(
      st.conditions.map((c) => ({ operator: c.test, key: c.variable, values: c.values })),
    ) &&
    st.principals.some((p) => p.type === "*" || strings(p.identifiers).includes("*"))
      ? [i]
      : [],
  );
}

const otherRules: Rule[] = [
  {
    id: "AWS-ECR-001",
    checkov: "CKV_AWS_136",
    severity: "warning",
    title: "ECR repository is encrypted with KMS",
    types: ECR,
    fix: 'Set encryption_configuration { encryption_type = "KMS" }.',
    check: (r) => {
      const type = get(r.config, "encryption_configuration.encryption_type");
      if (type === "KMS" || type === "KMS_DSSE") return COMPLIANT;
      if (type === undefined)
        return violation(
          "encryption_configuration.encryption_type is not set and defaults to AES256",
        );
      return violation(
        isToken(type)
          ? unverifiable("encryption_configuration.encryption_type", type)
          : `encryption_configuration.encryption_type is ${show(type)}`,
      );
    },
  },
  {
    id: "AWS-ECR-002",
    checkov: "CKV_AWS_51",
    severity: "warning",
    title: "ECR repository has immutable tags",
    types: ECR,
    fix: 'Set image_tag_mutability = "IMMUTABLE".',
    check: (r) => {
      const value = r.config.image_tag_mutability;
      if (value === "IMMUTABLE" || value === "IMMUTABLE_WITH_EXCLUSION") return COMPLIANT;
      if (value === undefined)
        return violation("image_tag_mutability is not set and defaults to MUTABLE");
      return violation(
        isToken(value)
          ? unverifiable("image_tag_mutability", value)
          : `image_tag_mutability is ${show(value)}`,
      );
    },
  },
  {
    id: "AWS-ECR-003",
    checkov: "CKV_AWS_163",
    severity: "warning",
    title: "ECR repository scans images on push",
    types: ECR,
    fix: "Set image_scanning_configuration { scan_on_push = true }.",
    check: (r) => requireFlag(r.config, "image_scanning_configuration.scan_on_push", true, false),
  },
  {
    id: "AWS-ECR-004",
    checkovNote:
      'checkov\'s CKV_AWS_32 fails `Principal: "*"`; this rule also reads `aws_iam_policy_document`, and counts a statement as public unless its Condition restricts the principal (aws:PrincipalOrgID, aws:SourceAccount, ...): a condition on aws:SecureTransport alone does not.',
    checkov: "CKV_AWS_32",
    severity: "error",
    title: "ECR repository policy does not allow everyone",
    types: ["aws_ecr_repository_policy"],
    fix: "Name the accounts or roles that may pull in Principal, or add a condition (aws:PrincipalOrgID).",
    check: (r, context) => {
      const found = publicStatements(r.config.policy, context);
      if (found === undefined) return violation(unverifiable("policy", r.config.policy));
      return problemsVerdict(
        found.map(
          (i) =>
            `statement ${i} allows Principal "*" without a condition that restricts the principal (aws:PrincipalOrgID, aws:SourceAccount, ...)`,
        ),
      );
    },
  },
  {
    id: "AWS-EC-001",
    checkov: "CKV_AWS_29",
    severity: "error",
    title: "ElastiCache replication group is encrypted at rest",
    types: ["aws_elasticache_replication_group"],
    fix: "Set at_rest_encryption_enabled = true (only possible when the group is created).",
    check: (r) => requireFlag(r.config, "at_rest_encryption_enabled", true, false),
  },
  {
    id: "AWS-EC-002",
    checkov: "CKV_AWS_30",
    severity: "error",
    title: "ElastiCache replication group encrypts traffic in transit",
    types: ["aws_elasticache_replication_group"],
    fix: "Set transit_encryption_enabled = true (with an auth token or RBAC user group).",
    check: (r) => requireFlag(r.config, "transit_encryption_enabled", true, false),
  },
  {
    id: "AWS-EKS-001",
    checkovNote:
      "An empty `public_access_cidrs` is the world, as in checkov; the union of ranges is judged and an expression fails closed.",
    checkov: "CKV_AWS_38",
    severity: "error",
    title: "EKS API endpoint is not open to the internet",
    types: ["aws_eks_cluster"],
    fix: "Set vpc_config.endpoint_public_access = false, or list admin CIDRs in vpc_config.public_access_cidrs.",
    check: (r) => {
      const isPublic = flag(get(r.config, "vpc_config.endpoint_public_access"));
      if (isPublic === false) return COMPLIANT;
      if (isPublic === "unknown")
        return violation(
          unverifiable(
            "vpc_config.endpoint_public_access",
            get(r.config, "vpc_config.endpoint_public_access"),
          ),
        );
      const cidrs = get(r.config, "vpc_config.public_access_cidrs");
      // An empty list is what the provider sends when the argument is unset: 0.0.0.0/0.
      if (cidrs === undefined || cidrs === null || (Array.isArray(cidrs) && cidrs.length === 0))
        return violation(
          `the API endpoint is public and public_access_cidrs defaults to 0.0.0.0/0 (${cidrs === undefined ? "not set" : "an empty list is unset"})`,
        );
      const world = includesWorld(cidrs);
      if (world === "unknown")
        return violation(unverifiable("vpc_config.public_access_cidrs", cidrs));
      return world ? violation("the public API endpoint admits 0.0.0.0/0") : COMPLIANT;
    },
  },
  {
    id: "AWS-EKS-002",
    checkov: "CKV_AWS_58",
    severity: "warning",
    title: "EKS encrypts Kubernetes secrets with KMS",
    types: ["aws_eks_cluster"],
    fix: 'Set encryption_config { resources = ["secrets"], provider { key_arn = <KMS key> } }.',
    check: (r) =>
      blocks(r.config.encryption_config).some((e) => strings(e.resources).includes("secrets"))
        ? COMPLIANT
        : violation("encryption_config does not cover secrets"),
  },
  {
    id: "AWS-SM-001",
    severity: "error",
    title: "Secrets Manager versions hold no literal secret",
    types: ["aws_secretsmanager_secret_version"],
    fix: "Write the value outside Terraform, or generate it (random_password / manage_master_user_password); never a literal in code.",
    check: (r) =>
      problemsVerdict(
        ["secret_string", "secret_binary", "secret_string_wo"]
          .filter((k) => isLiteral(r.config[k]))
          .map((k) => `${k} holds a literal value: it is in the synthesized JSON and in git`),
      ),
  },
];

export const AWS_RULES: readonly Rule[] = [
  ...securityGroupRules,
  ...rdsRules,
  ...s3Rules,
  ...otherRules,
];
