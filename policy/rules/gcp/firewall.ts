// GCP rules: Firewall.
import type { Json, Resource, Rule, Verdict } from "../../types";
import {
  blocks,
  COMPLIANT,
  coversPort,
  flag,
  includesWorld,
  isObject,
  isToken,
  NOT_APPLICABLE,
  parsePortRange,
  show,
  strings,
  unverifiable,
  violation,
  worldRanges,
} from "../../values";
import { ADMIN_PORTS, OPT_OUT_IDS, WORLD_INGRESS_PORTS } from "../../../vocabulary";
import { FIREWALL } from "./resources";

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
function firewallAllowsTcp(c: Json, port: number | "every"): boolean | "unknown" {
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

export const firewallRules: Rule[] = [
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
