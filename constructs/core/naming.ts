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
  | "trigger";

interface NameRule {
  readonly pattern: RegExp;
  readonly min: number;
  readonly max: number;
  readonly rule: string;
}

const RFC1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const RFC1035_RULE =
  "lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen (RFC 1035)";

function rfc1035(max: number, min = 1): NameRule {
  return { pattern: RFC1035, min, max, rule: RFC1035_RULE };
}

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
};

/** Checks a finished name against the rule of its kind and returns it. */
export function checkName(
  source: ErrorSource,
  property: string,
  kind: NameKind,
  name: unknown,
): string {
  const rule = NAME_RULES[kind];
  if (typeof name !== "string" || !rule.pattern.test(name)) {
    invalid(
      source,
      property,
      name,
      `is not a valid ${kind} name`,
      `use ${rule.rule}, ${rule.min}–${rule.max} characters`,
    );
  }
  if (name.length < rule.min || name.length > rule.max) {
    invalid(
      source,
      property,
      name,
      `is ${name.length} characters long; a ${kind} name takes ${rule.min}–${rule.max}`,
      name.length > rule.max
        ? "shorten the name or the environment prefix"
        : "use a longer, more descriptive name",
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
