import { Construct } from "constructs";
import { Fn, Token } from "cdktf";
import { z } from "zod";
import { ComputeFirewall } from "@cdktf/provider-google/lib/compute-firewall";
import { DataGoogleMonitoringUptimeCheckIps } from "@cdktf/provider-google/lib/data-google-monitoring-uptime-check-ips";
import { ComputeNetworkFirewallPolicy } from "@cdktf/provider-google/lib/compute-network-firewall-policy";
import { ComputeNetworkFirewallPolicyAssociation } from "@cdktf/provider-google/lib/compute-network-firewall-policy-association";
import { ComputeNetworkFirewallPolicyRule } from "@cdktf/provider-google/lib/compute-network-firewall-policy-rule";
import { Cidr, parseCidr, worldRangesOf } from "../core/cidr";
import { invalid } from "../core/errors";
import { checkName, prefixedName } from "../core/naming";
import { ADMIN_PORTS, OPT_OUT_IDS, WORLD_INGRESS_PORTS } from "../../vocabulary";
import { acceptOptOut, recordOptOut, type OptOut } from "../core/opt-out";
import {
  checkedBy,
  checkProps,
  missingCheckedBy,
  objectCheckedBy,
  optOutSchema,
  stringOf,
  type PropsSchema,
} from "../core/props";
import { PlatformStack } from "../core/stack";
import type { IServiceAccount } from "./iam";
import { GOOGLE_PRIVATE_APIS_CIDR, type INetwork } from "./network";

/**
 * Ranges known by name, so a rule says what it means: `iap` is Identity-Aware Proxy's TCP
 * forwarding range (SSH without public exposure), `google-health-checks` the load balancer health
 * checkers, `google-private-apis` the Private Google Access VIP.
 */
export const NAMED_RANGES = {
  iap: ["35.235.240.0/20"],
  "google-health-checks": ["35.191.0.0/16", "130.211.0.0/22"],
  "google-private-apis": [GOOGLE_PRIVATE_APIS_CIDR],
} as const satisfies Record<string, readonly string[]>;

/**
 * Cloud Monitoring's uptime checkers. Their addresses change, so the rule reads them at deploy
 * time from `data.google_monitoring_uptime_check_ips` instead of listing them; ingress only.
 */
export const UPTIME_CHECKERS = "google-uptime-checkers";

/** A named range from {@link NAMED_RANGES}, or {@link UPTIME_CHECKERS}. */
export type NamedRange = keyof typeof NAMED_RANGES | typeof UPTIME_CHECKERS;

/** Which instances a rule applies to: by service account (preferred) or by network tag. */
export interface FirewallTargets {
  /** Instances running as these service accounts. Cannot be combined with `tags`. */
  readonly serviceAccounts?: readonly Pick<IServiceAccount, "email">[];
  /** Instances carrying these network tags. Cannot be combined with `serviceAccounts`. */
  readonly tags?: readonly string[];
}

/** Egress to named hosts (see {@link FirewallProps.fqdnEgress}). */
export interface FqdnEgress {
  /** Short name, e.g. `package-mirrors`. */
  readonly name: string;
  /** Fully qualified host names, e.g. `deb.debian.org` (no wildcards, at most 100). */
  readonly hosts: readonly string[];
  /** tcp ports. @default [443] */
  readonly ports?: readonly PortSpec[];
  /** @default the firewall's `targets` (service accounts only) */
  readonly targets?: Pick<FirewallTargets, "serviceAccounts">;
}

/** A port (`443`) or an inclusive port range (`"8000-8100"`). */
export type PortSpec = number | string;

/** An allow rule. Names are prefixed: `${prefix}-${name}`. */
export interface FirewallRule {
  /** Short rule name, unique in the stack, e.g. `allow-https`. */
  readonly name: string;
  /** @default "tcp" */
  readonly protocol?: "tcp" | "udp" | "icmp";
  /** Ports or port ranges; required for tcp and udp, not allowed for icmp. */
  readonly ports?: readonly PortSpec[];
  /** CIDRs or named ranges: sources for ingress, destinations for egress. At least one. */
  readonly ranges: readonly (string | NamedRange)[];
  /** @default the firewall's `targets` */
  readonly targets?: FirewallTargets;
  /** 0 (highest) to 65533; 65534 holds the default deny rules. @default 1000 */
  readonly priority?: number;
  /** @default a description generated from the rule */
  readonly description?: string;
  /**
   * Accept the whole internet where the library refuses it: ingress from the world on anything
   * but ICMP and tcp 80/443 (SSH, RDP, any other port, a port range, UDP), or egress to the whole
   * internet. The world is judged on the union of ranges, across every rule of the Firewall that
   * opens the same protocol and port (`0.0.0.0/1` here and `128.0.0.0/1` in another rule count as
   * the world), and each rule taking part needs its own opt-out. Recorded as
   * `admin-port-from-world`, `world-ingress` or `egress-to-world`. @default undefined (refused)
   */
  readonly allowWorld?: OptOut;
}

export interface FirewallProps {
  /**
   * The VPC the rules belong to: a {@link Network}, or an existing one from
   * `Network.fromAttributes` (the rules are then created in the VPC's project).
   */
  readonly network: INetwork;
  /**
   * Infix of every rule name (`${prefix}-${name}-allow-ssh`), needed when a stack has more than
   * one Firewall. @default none (`${prefix}-allow-ssh`)
   */
  readonly name?: string;
  /** Default targets of every allow rule. @default all instances of the network */
  readonly targets?: FirewallTargets;
  /** SSH (tcp/22) from the listed CIDRs or `iap` only. @default no SSH */
  readonly ssh?: {
    readonly from: readonly (string | NamedRange)[];
    /** @default the firewall's `targets` */
    readonly targets?: FirewallTargets;
    /**
     * Accept SSH from the whole internet (`0.0.0.0/0`, or ranges whose union is every address,
     * here or together with other rules on tcp/22), with a reason. @default undefined (refused)
     */
    readonly allowWorld?: OptOut;
  };
  /** HTTPS (tcp/443) egress to listed destinations, e.g. the exchanges' API ranges. @default [] */
  readonly httpsEgress?: readonly {
    /** Short name, e.g. `exchanges`: the rule is `${prefix}-allow-https-${name}`. */
    readonly name: string;
    readonly to: readonly (string | NamedRange)[];
    readonly targets?: FirewallTargets;
  }[];
  /**
   * Egress to hosts by name, for destinations without fixed addresses (package mirrors behind a
   * CDN, APIs behind a load balancer). Written as a network firewall policy whose rules match
   * Cloud NGFW FQDN objects, evaluated before the VPC rules, so everything else still meets the
   * deny-all egress rule. Targets are service accounts (policies cannot target network tags).
   * The network must evaluate policies first: set `firewallPolicyEnforcementOrder:
   * "BEFORE_CLASSIC_FIREWALL"` on it. FQDN objects are a Cloud NGFW Standard feature, billed by
   * traffic. @default []
   */
  readonly fqdnEgress?: readonly FqdnEgress[];
  /** Further ingress allow rules. @default [] */
  readonly ingress?: readonly FirewallRule[];
  /** Further egress allow rules. @default [] */
  readonly egress?: readonly FirewallRule[];
  /**
   * Leave out the deny-all egress rule, so anything not denied may leave the VPC, with a reason.
   * @default undefined (everything not allowed is denied, both ways)
   */
  readonly allowUnlistedEgress?: OptOut;
  /** Firewall rule logging metadata; logging itself is always on. @default "INCLUDE_ALL_METADATA" */
  readonly logMetadata?: "INCLUDE_ALL_METADATA" | "EXCLUDE_ALL_METADATA";
}

/**
 * Shapes and types of {@link FirewallProps}. Left to the construct, whose messages are more
 * specific: `network` (`checkNetwork`: "is missing" / "is not a network"), a port's form
 * (`checkPorts`, number or `"from-to"`), a service account without an email (`checkTargets`), a
 * missing range list (`resolveRanges`: "is empty"), a missing host list ("must list 1 to 100 host
 * names"), and a rule that is not an object (`allow`: "is not a rule").
 */
const TARGETS = z.strictObject({
  serviceAccounts: z.array(checkedBy<Pick<IServiceAccount, "email">>("checkTargets")).optional(),
  tags: z.array(z.string()).optional(),
}) satisfies PropsSchema<FirewallTargets>;

const PORTS = z.array(checkedBy<PortSpec>("checkPorts"));
const RANGES = missingCheckedBy(z.array(z.string()), "resolveRanges");

const FIREWALL_RULE = objectCheckedBy(
  z.strictObject({
    name: z.string(),
    protocol: stringOf<"tcp" | "udp" | "icmp">().optional(),
    ports: PORTS.optional(),
    ranges: RANGES,
    targets: TARGETS.optional(),
    priority: z.number().optional(),
    description: z.string().optional(),
    allowWorld: optOutSchema.optional(),
  }) satisfies PropsSchema<FirewallRule>,
  "allow",
);

const FIREWALL_PROPS = z.strictObject({
  network: checkedBy<INetwork>("checkNetwork"),
  name: z.string().optional(),
  targets: TARGETS.optional(),
  ssh: z
    .strictObject({
      from: RANGES,
      targets: TARGETS.optional(),
      allowWorld: optOutSchema.optional(),
    })
    .optional(),
  httpsEgress: z
    .array(
      objectCheckedBy(
        z.strictObject({ name: z.string(), to: RANGES, targets: TARGETS.optional() }),
        "checkName",
      ),
    )
    .optional(),
  fqdnEgress: z
    .array(
      objectCheckedBy(
        z.strictObject({
          name: z.string(),
          hosts: missingCheckedBy(z.array(z.string()), "fqdnEgress"),
          ports: PORTS.optional(),
          // tags too, so that fqdnEgress refuses them with its own message
          targets: TARGETS.optional(),
        }) satisfies PropsSchema<FqdnEgress>,
        "checkName",
      ),
    )
    .optional(),
  ingress: z.array(FIREWALL_RULE).optional(),
  egress: z.array(FIREWALL_RULE).optional(),
  allowUnlistedEgress: optOutSchema.optional(),
  logMetadata: stringOf<"INCLUDE_ALL_METADATA" | "EXCLUDE_ALL_METADATA">().optional(),
}) satisfies PropsSchema<FirewallProps>;

const DEFAULT_PRIORITY = 1000;
const DENY_PRIORITY = 65534;
const DENY_INGRESS = "deny-all-ingress";
const DENY_EGRESS = "deny-all-egress";
const FQDN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const TAG = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

interface PortRange {
  readonly from: number;
  readonly to: number;
}

/** An allow rule as judged for world exposure, once every rule of the construct is known. */
interface Exposure {
  readonly direction: "ingress" | "egress";
  /** The prop of the rule (`ingress[0]`, `ssh`, `httpsEgress[1]`). */
  readonly property: string;
  /** The prop of its ranges (`ingress[0].ranges`, `ssh.from`, `httpsEgress[1].to`). */
  readonly rangesProperty: string;
  readonly protocol: string;
  readonly ports: readonly PortRange[];
  readonly cidrs: readonly Cidr[];
  readonly allowWorld?: OptOut;
  /** False for intents without an `allowWorld` prop (httpsEgress). */
  readonly canOptOut: boolean;
  readonly resource: ComputeFirewall;
}

/** What one rule takes part in opening to the whole internet. */
interface WorldNeed {
  /** Opt-out IDs the exposure needs ({@link OPT_OUT_IDS}). */
  readonly ids: Set<string>;
  /** Admin ports exposed, as `SSH (port 22)`. */
  readonly admin: Set<string>;
  /** Other ports exposed, as the rule's own specs (`tcp:5432`, `udp:53`, `icmp`). */
  readonly ports: Set<string>;
  /** The rule's own ranges that are part of the world. */
  readonly mine: Set<string>;
  /** The other rules, with their ranges, that complete the world with this one. */
  readonly partners: Map<Exposure, Set<string>>;
}

/**
 * VPC firewall rules from intents: SSH only from listed ranges or IAP, HTTPS egress to listed
 * destinations, explicit allow rules, and logged deny-all rules for both directions at the lowest
 * priority. Insecure rules need a named opt-out with a reason, which lands in the JSON: the whole
 * internet (judged on the union of ranges) may reach only ICMP and tcp 80/443 without one.
 */
export class Firewall extends Construct {
  /** Every rule created, by short name (escape hatch). */
  readonly rules: Readonly<Record<string, ComputeFirewall>>;
  private readonly created: Record<string, ComputeFirewall> = {};
  private readonly stack: PlatformStack;
  private readonly network: INetwork;
  private readonly logMetadata: string;
  private defaultTargets?: FirewallTargets;
  private nameParts: readonly string[] = [];
  private uptimeCheckIps?: DataGoogleMonitoringUptimeCheckIps;
  private policy?: ComputeNetworkFirewallPolicy;
  private readonly exposures: Exposure[] = [];

  constructor(scope: Construct, id: string, props: FirewallProps) {
    super(scope, id);
    this.stack = PlatformStack.of(this);
    checkProps(this, FIREWALL_PROPS, props, "{ network, ssh, httpsEgress, ingress, egress }");
    this.checkNetwork(props);
    this.network = props.network;
    this.rules = this.created;
    const logMetadata = props.logMetadata ?? "INCLUDE_ALL_METADATA";
    if (logMetadata !== "INCLUDE_ALL_METADATA" && logMetadata !== "EXCLUDE_ALL_METADATA") {
      invalid(
        this,
        "logMetadata",
        logMetadata,
        "is not a log metadata setting",
        'use "INCLUDE_ALL_METADATA" or "EXCLUDE_ALL_METADATA"',
      );
    }
    this.logMetadata = logMetadata;
    if (props.name !== undefined)
      this.nameParts = [checkName(this, "name", "firewall", props.name)];
    if (props.targets) this.checkTargets("targets", props.targets);
    this.defaultTargets = props.targets;
    const allowEgress = acceptOptOut(this, "allowUnlistedEgress", props.allowUnlistedEgress);
    // The default rules' names are claimed first, so a user rule that takes one is reported.
    const denyIngress = this.ruleName("name", DENY_INGRESS, true);
    const denyEgress = allowEgress ? undefined : this.ruleName("name", DENY_EGRESS, true);

    if (props.ssh !== undefined) {
      if (!Array.isArray(props.ssh.from) || props.ssh.from.length === 0) {
        invalid(
          this,
          "ssh.from",
          props.ssh.from,
          "is empty",
          "list the admin CIDRs or 'iap', or leave ssh out to allow no SSH",
        );
      }
      this.allow(
        "ingress",
        "ssh",
        {
          name: "allow-ssh",
          ports: [22],
          ranges: props.ssh.from,
          targets: props.ssh.targets,
          allowWorld: props.ssh.allowWorld,
          description: "SSH from the listed admin ranges",
        },
        "from",
      );
    }
    (props.httpsEgress ?? []).forEach((intent, i) => {
      const name = checkName(this, `httpsEgress[${i}].name`, "firewall", intent?.name);
      this.allow(
        "egress",
        `httpsEgress[${i}]`,
        {
          name: `allow-https-${name}`,
          ports: [443],
          ranges: intent.to,
          targets: intent.targets,
          description: `HTTPS to ${name}`,
        },
        "to",
      );
    });
    if (props.fqdnEgress !== undefined && props.fqdnEgress.length > 0) {
      // Policy rules must come first: an allow there ends evaluation, and anything unmatched
      // falls through to the VPC rules and their deny-all egress. After them, the deny-all egress
      // rule would drop the traffic before the policy is read.
      const order = this.network.firewallPolicyEnforcementOrder;
      if (order !== "BEFORE_CLASSIC_FIREWALL") {
        invalid(
          this,
          "network.firewallPolicyEnforcementOrder",
          order,
          `of ${this.network.node.path} evaluates the VPC rules, and their deny-all egress, before the policy that fqdnEgress writes`,
          'set firewallPolicyEnforcementOrder: "BEFORE_CLASSIC_FIREWALL" on the Network (for Network.fromAttributes: set it on the VPC and state it there)',
        );
      }
      this.fqdnEgress(props.fqdnEgress);
    }
    (props.ingress ?? []).forEach((rule, i) => this.allow("ingress", `ingress[${i}]`, rule));
    (props.egress ?? []).forEach((rule, i) => this.allow("egress", `egress[${i}]`, rule));
    this.judgeWorldExposure();

    this.denyAll("ingress", denyIngress);
    if (denyEgress) {
      this.denyAll("egress", denyEgress);
    } else {
      // No deny-all egress: the opt-out is recorded on the deny-all ingress rule, which exists.
      recordOptOut(
        this.created[DENY_INGRESS],
        "unlisted-egress-allowed",
        props.allowUnlistedEgress!,
      );
    }
  }

  /** The network the rules belong to: a Network or Network.fromAttributes. */
  private checkNetwork(props: FirewallProps): void {
    if (typeof props.network?.id !== "string" || typeof props.network.subnet !== "function") {
      invalid(
        this,
        "network",
        props.network,
        props.network === undefined ? "is missing" : "is not a network",
        "pass the Network construct (or Network.fromAttributes) the rules belong to",
      );
    }
  }

  /** The network firewall policy holding the FQDN egress rules, when there are any. */
  get fqdnPolicy(): ComputeNetworkFirewallPolicy | undefined {
    return this.policy;
  }

  private fqdnEgress(intents: readonly FqdnEgress[]): void {
    const policyName = this.ruleName("fqdnEgress", "egress-fqdn", true);
    this.policy = new ComputeNetworkFirewallPolicy(this, "fqdn-policy", {
      name: policyName.full,
      project: this.network.projectId,
      description:
        "Egress to named hosts (Cloud NGFW FQDN objects); everything else meets the VPC rules",
    });
    new ComputeNetworkFirewallPolicyAssociation(this, "fqdn-policy-association", {
      name: policyName.full,
      project: this.network.projectId,
      attachmentTarget: this.network.id,
      firewallPolicy: this.policy.id,
    });
    const seen = new Set<string>();
    intents.forEach((intent, i) => {
      const p = `fqdnEgress[${i}]`;
      const name = checkName(this, `${p}.name`, "firewall", intent?.name);
      if (seen.has(name)) {
        invalid(
          this,
          `${p}.name`,
          name,
          "is used twice in fqdnEgress",
          "give each intent its own name",
        );
      }
      seen.add(name);
      const hosts = intent.hosts;
      if (!Array.isArray(hosts) || hosts.length === 0 || hosts.length > 100) {
        invalid(
          this,
          `${p}.hosts`,
          hosts,
          "must list 1 to 100 host names",
          "list the hosts, e.g. ['deb.debian.org']",
        );
      }
      hosts.forEach((host, j) => {
        if (typeof host !== "string" || !FQDN.test(host)) {
          invalid(
            this,
            `${p}.hosts[${j}]`,
            host,
            "is not a fully qualified host name",
            "write a host such as deb.debian.org (no scheme, path, port or wildcard)",
          );
        }
      });
      const ports = this.checkPorts(`${p}.ports`, "tcp", intent.ports ?? [443]);
      const given: FirewallTargets | undefined = intent.targets ?? this.defaultTargets;
      if (given?.tags !== undefined && given.tags.length > 0) {
        invalid(
          this,
          `${p}.targets`,
          { tags: given.tags },
          "targets network tags, which firewall policies cannot match",
          "target the instances' service accounts",
        );
      }
      const accounts = given ? this.checkTargets(`${p}.targets`, given).serviceAccounts : undefined;
      new ComputeNetworkFirewallPolicyRule(this, `fqdn-${name}`, {
        firewallPolicy: this.policy!.name,
        project: this.network.projectId,
        ruleName: name,
        description: `Egress to ${hosts.join(", ")}`,
        priority: 1000 + i,
        direction: "EGRESS",
        action: "allow",
        enableLogging: true,
        match: {
          destFqdns: [...hosts],
          layer4Configs: [{ ipProtocol: "tcp", ports: ports.map(formatPort) }],
        },
        targetServiceAccounts: accounts,
      });
    });
  }

  /** `rangesKey` names the prop the user wrote the ranges in (`ssh.from`, `httpsEgress[0].to`). */
  private allow(
    direction: "ingress" | "egress",
    property: string,
    rule: FirewallRule,
    rangesKey = "ranges",
  ): void {
    if (rule === undefined || rule === null || typeof rule !== "object") {
      invalid(this, property, rule, "is not a rule", "pass { name, ports, ranges }");
    }
    const name = this.ruleName(`${property}.name`, rule.name);
    const protocol = rule.protocol ?? "tcp";
    if (!["tcp", "udp", "icmp"].includes(protocol)) {
      invalid(
        this,
        `${property}.protocol`,
        protocol,
        "is not a supported protocol",
        'use "tcp", "udp" or "icmp"',
      );
    }
    const ports = this.checkPorts(`${property}.ports`, protocol, rule.ports);
    const rangesProperty = `${property}.${rangesKey}`;
    const { cidrs: ranges, uptimeCheckers } = this.resolveRanges(rangesProperty, rule.ranges);
    if (uptimeCheckers && direction === "egress") {
      invalid(
        this,
        rangesProperty,
        rule.ranges,
        `uses ${UPTIME_CHECKERS} in an egress rule`,
        "use it as an ingress source only",
      );
    }
    const priority = this.checkPriority(`${property}.priority`, rule.priority ?? DEFAULT_PRIORITY);
    const given = rule.targets ?? this.defaultTargets;
    const targets = given ? this.checkTargets(`${property}.targets`, given) : {};

    const fw = new ComputeFirewall(this, name.short, {
      name: name.full,
      project: this.network.projectId,
      network: this.network.id,
      direction: direction.toUpperCase(),
      priority,
      description:
        rule.description ??
        `Allow ${[protocol, ...ports.map(formatPort)].join(" ")} ${direction === "ingress" ? "from" : "to"} the listed ranges`,
      allow: [{ protocol, ports: ports.length > 0 ? ports.map(formatPort) : undefined }],
      ...(direction === "ingress"
        ? { sourceRanges: this.sources(ranges, uptimeCheckers) }
        : { destinationRanges: ranges.map((r) => r.toString()) }),
      targetTags: targets.tags,
      targetServiceAccounts: targets.serviceAccounts,
      logConfig: { metadata: this.logMetadata },
    });
    this.created[name.short] = fw;
    this.exposures.push({
      direction,
      property,
      rangesProperty,
      protocol,
      ports,
      cidrs: ranges,
      allowWorld: rule.allowWorld,
      canOptOut: !property.startsWith("httpsEgress"),
      resource: fw,
    });
  }

  /**
   * Judges world exposure on the union of ranges, across every rule of one direction that opens
   * the same protocol and port: `0.0.0.0/1` in one rule and `128.0.0.0/1` in another together
   * open the port to the whole internet. Ingress from the world is accepted without an opt-out
   * only for ICMP and the web ports ({@link WORLD_INGRESS_PORTS}); admin ports, any other port,
   * port ranges, UDP and egress need `allowWorld: { reason }` on every rule that takes part.
   */
  private judgeWorldExposure(): void {
    const needs = new Map<Exposure, WorldNeed>();
    for (const direction of ["ingress", "egress"] as const) {
      for (const protocol of ["tcp", "udp", "icmp"] as const) {
        const rules = this.exposures.filter(
          (e) => e.direction === direction && e.protocol === protocol,
        );
        if (rules.length === 0) continue;
        for (const segment of segmentsOf(rules)) {
          const open = rules.filter((e) => e.protocol === "icmp" || opensPort(e, segment.from));
          const world = worldRangesOf(open.flatMap((e) => e.cidrs));
          if (!world) continue;
          const id = riskOf(direction, protocol, segment);
          if (id === undefined) continue;
          const parts = open
            .map((e) => ({ e, mine: e.cidrs.filter((c) => world.includes(c)) }))
            .filter((p) => p.mine.length > 0);
          for (const { e, mine } of parts) {
            const need = needs.get(e) ?? {
              ids: new Set<string>(),
              admin: new Set<string>(),
              ports: new Set<string>(),
              mine: new Set<string>(),
              partners: new Map<Exposure, Set<string>>(),
            };
            needs.set(e, need);
            need.ids.add(id);
            mine.forEach((c) => need.mine.add(c.toString()));
            if (id === OPT_OUT_IDS.adminPortFromWorld) {
              need.admin.add(`${ADMIN_PORTS[segment.from]} (port ${segment.from})`);
            } else {
              exposedSpecs(e, segment).forEach((spec) => need.ports.add(spec));
            }
            for (const other of parts) {
              if (other.e === e) continue;
              const ranges = need.partners.get(other.e) ?? new Set<string>();
              other.mine.forEach((c) => ranges.add(c.toString()));
              need.partners.set(other.e, ranges);
            }
          }
        }
      }
    }
    for (const e of this.exposures) {
      const need = needs.get(e);
      if (!need) continue;
      const allowWorldProperty = `${e.property}.allowWorld`;
      if (!e.canOptOut || !acceptOptOut(this, allowWorldProperty, e.allowWorld)) {
        this.refuseWorld(e, need);
      }
      for (const id of [
        OPT_OUT_IDS.adminPortFromWorld,
        OPT_OUT_IDS.worldIngress,
        OPT_OUT_IDS.egressToWorld,
      ]) {
        if (need.ids.has(id)) recordOptOut(e.resource, id, e.allowWorld!);
      }
    }
  }

  private refuseWorld(e: Exposure, need: WorldNeed): never {
    const partners = [...need.partners.entries()];
    const together =
      partners.length === 0
        ? ""
        : `, together with ${partners.map(([p, r]) => `${p.rangesProperty} (${[...r].join(", ")})`).join(" and ")}`;
    const where =
      partners.length === 0
        ? `set ${e.property}.allowWorld: { reason }`
        : `set allowWorld: { reason } on ${[e, ...partners.map(([p]) => p)].map((x) => x.property).join(" and ")}`;
    if (e.direction === "egress") {
      invalid(
        this,
        e.rangesProperty,
        [...need.mine],
        `egress to the whole internet undoes the default deny (${[...need.ports].join(", ")}${together})`,
        e.canOptOut
          ? `list the destination ranges the instances need; if you must, ${where}`
          : "list the destination ranges the instances need; for egress to the whole internet use an egress rule with allowWorld: { reason }",
      );
    }
    const exposed = [...need.admin, ...need.ports];
    const what = `opens ${exposed.length > 1 ? `${exposed.slice(0, -1).join(", ")} and ${exposed[exposed.length - 1]}` : exposed[0]} to the whole internet${together}`;
    invalid(
      this,
      e.rangesProperty,
      [...need.mine],
      what,
      need.admin.size > 0
        ? `list your admin CIDRs or use 'iap' (SSH through Identity-Aware Proxy); if you must, ${where}`
        : `list the source CIDRs that need it (only tcp ${WORLD_INGRESS_PORTS.join(" and ")} may be open to the world without an opt-out); if it must be public, ${where}`,
    );
  }

  private denyAll(direction: "ingress" | "egress", name: { short: string; full: string }): void {
    const everywhere = ["0.0.0.0/0"];
    this.created[name.short] = new ComputeFirewall(this, name.short, {
      name: name.full,
      project: this.network.projectId,
      network: this.network.id,
      direction: direction.toUpperCase(),
      priority: DENY_PRIORITY,
      description: `Deny and log all ${direction} not allowed by a rule above`,
      deny: [{ protocol: "all" }],
      ...(direction === "ingress"
        ? { sourceRanges: everywhere }
        : { destinationRanges: everywhere }),
      logConfig: { metadata: this.logMetadata },
    });
  }

  /**
   * `${prefix}[-${name}]-${short}`, checked and claimed. `ownName` marks the names the construct
   * gives its own resources (the deny-all rules, the FQDN policy), which user rules may not take.
   */
  private ruleName(
    property: string,
    short: unknown,
    ownName = false,
  ): { short: string; full: string } {
    const checked = checkName(this, property, "firewall", short);
    if (!ownName && (checked === DENY_INGRESS || checked === DENY_EGRESS)) {
      invalid(
        this,
        property,
        checked,
        "is reserved for the default deny rules",
        "choose another name",
      );
    }
    const full = prefixedName(
      this,
      property,
      "firewall",
      this.stack.prefix,
      ...this.nameParts,
      checked,
    );
    this.stack.claimName(this, property, "firewall", full);
    return { short: checked, full };
  }

  private checkPorts(
    property: string,
    protocol: string,
    ports: readonly PortSpec[] | undefined,
  ): PortRange[] {
    if (protocol === "icmp") {
      if (ports !== undefined && ports.length > 0) {
        invalid(
          this,
          property,
          ports,
          "is set for icmp, which has no ports",
          "leave ports out for icmp rules",
        );
      }
      return [];
    }
    if (!Array.isArray(ports) || ports.length === 0) {
      invalid(
        this,
        property,
        ports,
        `is empty for ${protocol}`,
        "list the ports the rule opens, e.g. [443] or ['8000-8100']",
      );
    }
    return ports.map((port, i) => {
      const range = parsePort(port);
      if (!range) {
        invalid(
          this,
          `${property}[${i}]`,
          port,
          "is not a valid port or port range",
          "use a port from 1 to 65535, or a range 'low-high' with low ≤ high",
        );
      }
      return range;
    });
  }

  /** Literal sources, plus the uptime checkers' addresses read at deploy time when asked for. */
  private sources(ranges: readonly Cidr[], uptimeCheckers: boolean): string[] {
    const literal = ranges.map((r) => r.toString());
    if (!uptimeCheckers) return literal;
    this.uptimeCheckIps ??= new DataGoogleMonitoringUptimeCheckIps(this, "uptime-check-ips");
    const checkers = Fn.formatlist("%s/32", [
      this.uptimeCheckIps.getListAttribute("uptime_check_ips[*].ip_address"),
    ]);
    return literal.length === 0 ? checkers : Token.asList(Fn.concat([literal, checkers]));
  }

  private resolveRanges(
    property: string,
    ranges: readonly (string | NamedRange)[] | undefined,
  ): { cidrs: Cidr[]; uptimeCheckers: boolean } {
    if (!Array.isArray(ranges) || ranges.length === 0) {
      invalid(
        this,
        property,
        ranges,
        "is empty",
        "list at least one CIDR or named range (iap, google-private-apis, ...)",
      );
    }
    const uptimeCheckers = ranges.includes(UPTIME_CHECKERS);
    const cidrs = ranges.flatMap((range, i) => {
      if (range === UPTIME_CHECKERS) return [];
      if (typeof range === "string" && Object.prototype.hasOwnProperty.call(NAMED_RANGES, range)) {
        return NAMED_RANGES[range as keyof typeof NAMED_RANGES].map((c) => Cidr.parse(c));
      }
      return [parseCidr(this, `${property}[${i}]`, range, { allowIpv6: true })];
    });
    return { cidrs, uptimeCheckers };
  }

  private checkPriority(property: string, priority: unknown): number {
    if (
      !Number.isInteger(priority) ||
      (priority as number) < 0 ||
      (priority as number) >= DENY_PRIORITY
    ) {
      invalid(
        this,
        property,
        priority,
        `is outside 0–${DENY_PRIORITY - 1}`,
        `use an integer from 0 (highest) to ${DENY_PRIORITY - 1}; ${DENY_PRIORITY} holds the default deny rules`,
      );
    }
    return priority as number;
  }

  private checkTargets(
    property: string,
    targets: FirewallTargets,
  ): { tags?: string[]; serviceAccounts?: string[] } {
    const tags = targets.tags ?? [];
    const accounts = targets.serviceAccounts ?? [];
    if (tags.length > 0 && accounts.length > 0) {
      invalid(
        this,
        property,
        { tags },
        "mixes network tags and service accounts",
        "target either service accounts or tags in one rule, not both",
      );
    }
    tags.forEach((tag, i) => {
      if (typeof tag !== "string" || !TAG.test(tag)) {
        invalid(
          this,
          `${property}.tags[${i}]`,
          tag,
          "is not a valid network tag",
          "use lowercase letters, digits and hyphens, 1–63 characters, starting with a letter",
        );
      }
    });
    accounts.forEach((sa, i) => {
      if (typeof sa?.email !== "string" || sa.email.length === 0) {
        invalid(
          this,
          `${property}.serviceAccounts[${i}]`,
          sa,
          "has no email",
          "pass a ServiceAccount construct or { email }",
        );
      }
    });
    return {
      tags: tags.length > 0 ? [...tags] : undefined,
      serviceAccounts: accounts.length > 0 ? accounts.map((a) => a.email) : undefined,
    };
  }
}

function parsePort(port: PortSpec): PortRange | undefined {
  const valid = (n: number) => Number.isInteger(n) && n >= 1 && n <= 65535;
  if (typeof port === "number") return valid(port) ? { from: port, to: port } : undefined;
  if (typeof port !== "string") return undefined;
  const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(port);
  if (!m) return undefined;
  const from = Number(m[1]);
  const to = m[2] === undefined ? from : Number(m[2]);
  return valid(from) && valid(to) && from <= to ? { from, to } : undefined;
}

function formatPort(range: PortRange): string {
  return range.from === range.to ? String(range.from) : `${range.from}-${range.to}`;
}

/**
 * Splits the ports the rules open into segments on which every rule either opens all ports or
 * none, with each web and admin port a segment of its own. ICMP has one segment (no ports).
 */
function segmentsOf(rules: readonly Exposure[]): PortRange[] {
  if (rules.every((e) => e.protocol === "icmp")) return [{ from: 0, to: 0 }];
  const cuts = new Set<number>();
  for (const e of rules) {
    for (const r of e.ports) {
      cuts.add(r.from);
      cuts.add(r.to + 1);
    }
  }
  for (const port of [...WORLD_INGRESS_PORTS, ...Object.keys(ADMIN_PORTS).map(Number)]) {
    cuts.add(port);
    cuts.add(port + 1);
  }
  const sorted = [...cuts].sort((a, b) => a - b);
  const segments: PortRange[] = [];
  for (let i = 0; i + 1 < sorted.length; i++) {
    const segment = { from: sorted[i], to: sorted[i + 1] - 1 };
    if (rules.some((e) => opensPort(e, segment.from))) segments.push(segment);
  }
  return segments;
}

function opensPort(e: Exposure, port: number): boolean {
  return e.ports.some((r) => r.from <= port && port <= r.to);
}

/** The opt-out a segment open to the world needs, or undefined when none is needed. */
function riskOf(
  direction: "ingress" | "egress",
  protocol: string,
  segment: PortRange,
): string | undefined {
  if (direction === "egress") return OPT_OUT_IDS.egressToWorld;
  if (protocol === "icmp") return undefined;
  const single = segment.from === segment.to ? segment.from : undefined;
  if (protocol === "tcp" && single !== undefined) {
    if (WORLD_INGRESS_PORTS.includes(single)) return undefined;
    if (ADMIN_PORTS[single] !== undefined) return OPT_OUT_IDS.adminPortFromWorld;
  }
  return OPT_OUT_IDS.worldIngress;
}

/** The rule's own port specs that overlap a segment, as `tcp:5432`, or `icmp`. */
function exposedSpecs(e: Exposure, segment: PortRange): string[] {
  if (e.protocol === "icmp") return ["icmp"];
  return e.ports
    .filter((r) => r.from <= segment.to && segment.from <= r.to)
    .map((r) => `${e.protocol}:${formatPort(r)}`);
}
