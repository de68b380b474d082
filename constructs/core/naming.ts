import { invalid, type ErrorSource } from "./errors";

/** The kinds of named cloud resources, each with the naming rule the provider's API enforces. */
export type NameKind =
  | "prefix"
  | "network"
  | "subnetwork"
  | "firewall"
  | "router"
  | "nat"
  | "address"
  | "route"
  | "dns-zone"
  | "instance"
  | "service-account"
  | "sql-instance"
  | "secret"
  | "repository"
  | "bucket"
  | "alert"
  | "trigger"
  // AWS
  | "s3-bucket"
  | "iam-role"
  | "security-group"
  | "rds-instance"
  | "elasticache-group"
  | "ecr-repository"
  | "eks-cluster"
  | "eks-node-group"
  | "kms-alias"
  | "secretsmanager-secret"
  | "ecs-cluster"
  | "ecs-service"
  | "cloudfront-oac"
  | "cloudfront-cache-policy"
  | "cloudfront-headers-policy"
  | "log-delivery-source"
  | "log-delivery-destination";

/** A shape the API refuses although the name's characters and length are fine. */
interface Refusal {
  readonly test: (name: string) => boolean;
  /** What is wrong, e.g. `two consecutive hyphens`. */
  readonly problem: string;
  /** What to write instead. */
  readonly fix: string;
}

interface NameRule {
  readonly pattern: RegExp;
  readonly min: number;
  readonly max: number;
  readonly rule: string;
  /** How messages name the kind (`S3 bucket`). @default the kind */
  readonly label?: string;
  /** Shapes refused on top of the pattern and the length, checked in order. */
  readonly refuse?: readonly Refusal[];
}

const RFC1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const RFC1035_RULE =
  "lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen (RFC 1035)";

function rfc1035(max: number, min = 1): NameRule {
  return { pattern: RFC1035, min, max, rule: RFC1035_RULE };
}

const refuseDoubleHyphen: Refusal = {
  test: (n) => n.includes("--"),
  problem: "it has two consecutive hyphens",
  fix: "use single hyphens between words",
};
const refuseTrailingHyphen: Refusal = {
  test: (n) => n.endsWith("-"),
  problem: "it ends with a hyphen",
  fix: "end the name with a letter or digit",
};
const AWS_NAME_CHARS = /^[A-Za-z0-9_-]+$/;
const AWS_NAME_RULE = "letters, digits, hyphens and underscores";
/** Names of a CloudWatch Logs delivery source or destination: `[\w-]`, 1–60. */
const deliveryName: NameRule = {
  pattern: AWS_NAME_CHARS,
  min: 1,
  max: 60,
  rule: AWS_NAME_RULE,
  label: "log delivery",
};

/**
 * AWS name rules, as each API documents them: S3 general purpose buckets (3–63 of lowercase
 * letters, digits, `.` and `-`, not IP-shaped, reserved prefixes and suffixes refused), IAM role
 * names (64 of `[\w+=,.@-]`), VPC security group names (255, not `sg-...`), RDS instance and
 * ElastiCache replication group identifiers (63 and 40; letter first, no `--`, no trailing `-`),
 * ECR repository names (2–256, lowercase path parts), EKS clusters (100) and node groups (63) of
 * `[A-Za-z0-9_-]` starting alphanumeric, KMS aliases (`alias/...`, 256, not `alias/aws/`),
 * Secrets Manager names (512 of `[\w/+=.@-]`, not ending in `-` and six characters, which reads
 * as the ARN's random suffix), ECS clusters and services (255 of `[A-Za-z0-9_-]`), CloudFront
 * origin access controls and policies (64 and 128), log delivery sources and destinations (60).
 */
const AWS_NAME_RULES = {
  "s3-bucket": {
    pattern: /^[a-z0-9][a-z0-9.-]*[a-z0-9]$/,
    min: 3,
    max: 63,
    rule: "lowercase letters, digits, '.' and '-', starting and ending with a letter or digit",
    label: "S3 bucket",
    refuse: [
      {
        test: (n) => n.includes(".."),
        problem: "it has two adjacent periods",
        fix: "use a single '.' (or '-') between words",
      },
      {
        test: (n) => /^\d{1,3}(\.\d{1,3}){3}$/.test(n),
        problem: "it is formatted as an IP address",
        fix: 'use words, e.g. "signal-factory-prod-reports"',
      },
      ...["xn--", "sthree-", "amzn-s3-demo-"].map((prefix): Refusal => ({
        test: (n) => n.startsWith(prefix),
        problem: `the prefix "${prefix}" is reserved`,
        fix: "start the name differently, e.g. with the system's name",
      })),
      ...["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"].map((suffix): Refusal => ({
        test: (n) => n.endsWith(suffix),
        problem: `the suffix "${suffix}" is reserved`,
        fix: "end the name differently, e.g. with what the bucket holds",
      })),
    ],
  },
  "iam-role": {
    pattern: /^[\w+=,.@-]+$/,
    min: 1,
    max: 64,
    rule: "letters, digits and + = , . @ _ -",
    label: "IAM role",
  },
  "security-group": {
    pattern: /^[a-zA-Z0-9. _\-:/()#,@[\]+=&;{}!$*]+$/,
    min: 1,
    max: 255,
    rule: "letters, digits, spaces and . _ - : / ( ) # , @ [ ] + = & ; { } ! $ *",
    label: "security group",
    refuse: [
      {
        test: (n) => n.toLowerCase().startsWith("sg-"),
        problem: 'it starts with "sg-", which AWS keeps for group ids',
        fix: "start the name differently, e.g. with the stack prefix",
      },
    ],
  },
  "rds-instance": {
    pattern: /^[a-z][a-z0-9-]*$/,
    min: 1,
    max: 63,
    rule: "lowercase letters, digits and hyphens, starting with a letter",
    label: "RDS instance",
    refuse: [refuseDoubleHyphen, refuseTrailingHyphen],
  },
  "elasticache-group": {
    pattern: /^[a-z][a-z0-9-]*$/,
    min: 1,
    max: 40,
    rule: "lowercase letters, digits and hyphens, starting with a letter",
    label: "ElastiCache replication group",
    refuse: [refuseDoubleHyphen, refuseTrailingHyphen],
  },
  "ecr-repository": {
    pattern: /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/,
    min: 2,
    max: 256,
    rule: "lowercase letters and digits, single '.', '_' or '-' between them, '/' between path parts",
    label: "ECR repository",
  },
  "eks-cluster": {
    pattern: /^[A-Za-z0-9][A-Za-z0-9_-]*$/,
    min: 1,
    max: 100,
    rule: `${AWS_NAME_RULE}, starting with a letter or digit`,
    label: "EKS cluster",
  },
  "eks-node-group": {
    pattern: /^[A-Za-z0-9][A-Za-z0-9_-]*$/,
    min: 1,
    max: 63,
    rule: `${AWS_NAME_RULE}, starting with a letter or digit`,
    label: "EKS node group",
  },
  "kms-alias": {
    pattern: /^alias\/[A-Za-z0-9/_-]+$/,
    min: 7,
    max: 256,
    rule: "\"alias/\" followed by letters, digits, '/', '_' and '-'",
    label: "KMS alias",
    refuse: [
      {
        test: (n) => n.startsWith("alias/aws/"),
        problem: '"alias/aws/" is reserved for AWS managed keys',
        fix: "choose a name that does not start with aws/",
      },
    ],
  },
  "secretsmanager-secret": {
    pattern: /^[A-Za-z0-9/_+=.@-]+$/,
    min: 1,
    max: 512,
    rule: "letters, digits and / _ + = . @ -",
    label: "Secrets Manager secret",
    refuse: [
      {
        test: (n) => /-[A-Za-z0-9]{6}$/.test(n),
        problem:
          "it ends in a hyphen and six characters, which reads as the random suffix of a secret ARN: a partial ARN could match another secret",
        fix: "end the name differently, e.g. with a word of another length",
      },
    ],
  },
  "ecs-cluster": {
    pattern: AWS_NAME_CHARS,
    min: 1,
    max: 255,
    rule: AWS_NAME_RULE,
    label: "ECS cluster",
  },
  "ecs-service": {
    pattern: AWS_NAME_CHARS,
    min: 1,
    max: 255,
    rule: AWS_NAME_RULE,
    label: "ECS service",
  },
  "cloudfront-oac": {
    pattern: AWS_NAME_CHARS,
    min: 1,
    max: 64,
    rule: AWS_NAME_RULE,
    label: "CloudFront origin access control",
  },
  "cloudfront-cache-policy": {
    pattern: AWS_NAME_CHARS,
    min: 1,
    max: 128,
    rule: AWS_NAME_RULE,
    label: "CloudFront cache policy",
  },
  "cloudfront-headers-policy": {
    pattern: AWS_NAME_CHARS,
    min: 1,
    max: 128,
    rule: AWS_NAME_RULE,
    label: "CloudFront response headers policy",
  },
  "log-delivery-source": { ...deliveryName, label: "log delivery source" },
  "log-delivery-destination": { ...deliveryName, label: "log delivery destination" },
} satisfies Partial<Record<NameKind, NameRule>>;

/**
 * Name rules per resource kind, as documented by each API: Compute Engine resources follow RFC 1035
 * with at most 63 characters, service account IDs 6–30, Cloud SQL instance IDs at most 98 less the
 * project ID (84 is kept as a safe bound), Secret Manager IDs 255 of `[A-Za-z0-9_-]`, buckets 3–63.
 */
export const NAME_RULES: Readonly<Record<NameKind, NameRule>> = {
  prefix: rfc1035(30),
  network: rfc1035(63),
  subnetwork: rfc1035(63),
  firewall: rfc1035(63),
  router: rfc1035(63),
  nat: rfc1035(63),
  address: rfc1035(63),
  route: rfc1035(63),
  "dns-zone": rfc1035(63),
  instance: rfc1035(63),
  "service-account": rfc1035(30, 6),
  "sql-instance": rfc1035(84),
  repository: rfc1035(63),
  alert: rfc1035(63),
  trigger: rfc1035(64),
  secret: {
    pattern: /^[A-Za-z0-9_-]+$/,
    min: 1,
    max: 255,
    rule: "letters, digits, underscores and hyphens",
  },
  bucket: {
    pattern: /^[a-z0-9][a-z0-9_-]*[a-z0-9]$/,
    min: 3,
    max: 63,
    rule: "lowercase letters, digits, hyphens and underscores, starting and ending with a letter or digit",
  },
  ...AWS_NAME_RULES,
};

/** Checks a finished name against the rule of its kind and returns it. */
export function checkName(
  source: ErrorSource,
  property: string,
  kind: NameKind,
  name: unknown,
): string {
  const rule = NAME_RULES[kind];
  const label = rule.label ?? kind;
  if (typeof name !== "string" || !rule.pattern.test(name)) {
    invalid(
      source,
      property,
      name,
      `is not a valid ${label} name`,
      `use ${rule.rule}, ${rule.min}–${rule.max} characters`,
    );
  }
  if (name.length < rule.min || name.length > rule.max) {
    invalid(
      source,
      property,
      name,
      `is ${name.length} characters long; ${/^([aeiou]|RDS|S3)/i.test(label) ? "an" : "a"} ${label} name takes ${rule.min}–${rule.max}`,
      name.length > rule.max
        ? "shorten the name or the environment prefix"
        : "use a longer, more descriptive name",
    );
  }
  const refused = rule.refuse?.find((r) => r.test(name));
  if (refused !== undefined) {
    invalid(
      source,
      property,
      name,
      `is not a valid ${label} name: ${refused.problem}`,
      refused.fix,
    );
  }
  return name;
}

/**
 * Builds `${prefix}-${part}-...` and checks it against the rule of its kind; the error names the
 * property the user controls.
 */
export function prefixedName(
  source: ErrorSource,
  property: string,
  kind: NameKind,
  prefix: string,
  ...parts: string[]
): string {
  return checkName(source, property, kind, [prefix, ...parts].join("-"));
}
