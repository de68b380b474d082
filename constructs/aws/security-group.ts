import { Construct } from "constructs";
import { Token } from "cdktf";
import { z } from "zod";
import { SecurityGroup as AwsSecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { ADMIN_PORTS, OPT_OUT_IDS, WORLD_INGRESS_PORTS } from "../../vocabulary";
import { Cidr, parseCidr, worldRangesOf } from "../core/cidr";
import { invalid } from "../core/errors";
import { checkTags } from "../core/labels";
import { checkName } from "../core/naming";
import { acceptOptOut, recordOptOut, type OptOut } from "../core/opt-out";
import {
  checkOptions,
  checkProps,
  constructRef,
  missingCheckedBy,
  optOutSchema,
  stringOf,
  type PropsSchema,
} from "../core/props";
import { PlatformStack } from "../core/stack";
import type { ISecurityGroup, IVpc } from "./interfaces";

/**
 * Who a rule admits or reaches: another security group, listed CIDRs, a managed prefix list, or
 * the whole internet. A security group can also be passed directly wherever a peer is taken.
 */
export class Peer {
  /** Members of another security group (or of this one). */
  static securityGroup(group: ISecurityGroup): Peer {
    return new Peer("security-group", [], group);
  }

  /** Addresses in these ranges (IPv4 or IPv6), one rule per range. */
  static cidrs(cidrs: readonly string[]): Peer {
    return new Peer("cidrs", Array.isArray(cidrs) ? [...cidrs] : (cidrs as never));
  }

  /**
   * Every IPv4 address (`0.0.0.0/0`). Only tcp 80 and 443 may be opened to it without
   * `allowWorld: { reason }`; egress to it always needs one.
   */
  static world(): Peer {
    return new Peer("cidrs", ["0.0.0.0/0"]);
  }

  /** A managed prefix list (`pl-...`), e.g. the S3 gateway endpoint's (`vpc.s3PrefixListId`). */
  static prefixList(prefixListId: string): Peer {
    return new Peer("prefix-list", [prefixListId]);
  }

  private constructor(
    /** What the peer is. */
    readonly kind: "security-group" | "cidrs" | "prefix-list",
    /** The CIDRs or the prefix list id, as given. */
    readonly values: readonly string[],
    /** The security group, for `security-group`. */
    readonly group?: ISecurityGroup,
  ) {}
}

/** A port (`5432`), an inclusive range (`{ from: 8000, to: 8100 }`) or every port (`"all"`). */
export type PortSpec = number | { readonly from: number; readonly to: number } | "all";

/** Options of {@link SecurityGroup.allowFrom} and {@link SecurityGroup.allowTo}. */
export interface RuleOptions {
  /** `all` is every protocol (port `"all"` only). @default "tcp" */
  readonly protocol?: "tcp" | "udp" | "all";
  /**
   * Accept the whole internet where the library refuses it: ingress from the world on anything
   * but tcp 80/443 (recorded as `world-ingress`, or `admin-port-from-world` for SSH and RDP), or
   * egress to the world (`egress-to-world`). The world is judged on the union of the group's
   * ranges for the same protocol and port, so `0.0.0.0/1` in one rule and `128.0.0.0/1` in another
   * count, and every rule taking part needs its own opt-out. @default undefined (refused)
   */
  readonly allowWorld?: OptOut;
}

export interface SecurityGroupProps {
  /** The VPC of the group: a `Vpc`, or `Vpc.fromAttributes` for an existing one. */
  readonly vpc: IVpc;
  /** Short name; the group is `${prefix}-${name}`. @default the construct id */
  readonly name?: string;
  /** What the group is for, e.g. `PostgreSQL of the signal factory` (changing it replaces the group). */
  readonly description: string;
  /**
   * Allow every protocol to the whole internet (IPv4 and IPv6), with a reason; recorded as
   * `egress-to-world`. @default undefined (no egress except the rules added with `allowTo`)
   */
  readonly allowAllOutbound?: OptOut;
}

/**
 * Shapes and types of {@link SecurityGroupProps}; a missing or malformed description is reported
 * by `checkText` with the characters AWS accepts.
 */
const SECURITY_GROUP_PROPS = z.strictObject({
  vpc: constructRef<IVpc>("a Vpc (or Vpc.fromAttributes)", ["vpcId"]),
  name: z.string().optional(),
  description: missingCheckedBy(z.string(), "checkText"),
  allowAllOutbound: optOutSchema.optional(),
}) satisfies PropsSchema<SecurityGroupProps>;

const RULE_OPTIONS = z.strictObject({
  protocol: stringOf<"tcp" | "udp" | "all">().optional(),
  allowWorld: optOutSchema.optional(),
}) satisfies PropsSchema<RuleOptions>;

/** Characters AWS accepts in security group names and descriptions (VPC groups). */
const AWS_TEXT = /^[a-zA-Z0-9. _\-:/()#,@[\]+=&;{}!$*]+$/;
const PREFIX_LIST_ID = /^pl-[0-9a-f]{8,17}$/;
const PROTOCOLS = ["tcp", "udp", "all"] as const;
type Protocol = (typeof PROTOCOLS)[number];

interface PortRange {
  readonly from: number;
  readonly to: number;
}

const ALL_PORTS: PortRange = { from: 0, to: 65535 };

/** One rule call (`allowFrom`, `allowTo`, `allowAllOutbound`), for messages and opt-outs. */
interface RuleCall {
  /** `allowFrom #2 ("web from the internet")`. */
  readonly label: string;
  readonly allowWorld?: OptOut;
}

/** One rule resource with a CIDR, as judged for world exposure. */
interface Exposure {
  readonly direction: "ingress" | "egress";
  readonly protocol: Protocol;
  readonly ports: PortRange;
  readonly cidr: Cidr;
  readonly call: RuleCall;
  /** The rule resource, once created. */
  resource?: VpcSecurityGroupIngressRule | VpcSecurityGroupEgressRule;
  /** Opt-out ids already recorded on the resource. */
  readonly recorded: Set<string>;
}

/**
 * A security group from intents. No rule is open by default: no ingress, and no egress either
 * (Terraform removes AWS's allow-all egress rule), until `allowFrom` / `allowTo` add one rule
 * resource per peer and port, each with a description. The whole internet may reach only tcp 80
 * and 443 without an opt-out, judged on the union of the group's ranges; egress to it always needs
 * one.
 */
export class SecurityGroup extends Construct implements ISecurityGroup {
  /** The group (escape hatch). */
  readonly securityGroup: AwsSecurityGroup;
  /** The group's VPC. */
  readonly vpc: IVpc;
  /** The ingress rules, in the order they were added. */
  readonly ingressRules: readonly VpcSecurityGroupIngressRule[];
  /** The egress rules, in the order they were added. */
  readonly egressRules: readonly VpcSecurityGroupEgressRule[];
  private readonly ingress: VpcSecurityGroupIngressRule[] = [];
  private readonly egress: VpcSecurityGroupEgressRule[] = [];
  private readonly exposures: Exposure[] = [];
  private readonly keys = new Map<string, string>();
  private calls = 0;

  constructor(scope: Construct, id: string, props: SecurityGroupProps) {
    super(scope, id);
    const stack = PlatformStack.of(this);
    checkProps(this, SECURITY_GROUP_PROPS, props, '{ vpc, description: "What the group is for" }');
    this.vpc = props.vpc;
    this.ingressRules = this.ingress;
    this.egressRules = this.egress;
    const name = stack.claimName(
      this,
      "name",
      "security-group",
      checkName(this, "name", "security-group", `${stack.prefix}-${props.name ?? id}`),
    );
    // The name is also the group's Name tag, and tag values take fewer characters than names.
    checkTags(this, "name", { Name: name });
    const description = this.checkText("description", props.description);
    this.securityGroup = new AwsSecurityGroup(this, "group", {
      name,
      description,
      vpcId: props.vpc.vpcId,
      tags: { Name: name },
    });
    if (acceptOptOut(this, "allowAllOutbound", props.allowAllOutbound)) {
      const call = { label: "allowAllOutbound", allowWorld: props.allowAllOutbound };
      this.addRules("egress", call, "all", ALL_PORTS, "All outbound traffic (allowAllOutbound)", [
        { cidr: Cidr.parse("0.0.0.0/0"), config: { cidrIpv4: "0.0.0.0/0" } },
        { cidr: Cidr.parse("::/0"), config: { cidrIpv6: "::/0" } },
      ]);
    }
  }

  /** `sg-...`. */
  get securityGroupId(): string {
    return this.securityGroup.id;
  }

  /** The group's name, `${prefix}-${name}`. */
  get name(): string {
    return this.securityGroup.name;
  }

  /**
   * Admits traffic from `peer` on `port` (tcp unless `options.protocol` says otherwise): one
   * ingress rule per peer range. Ingress from the whole internet is refused outside tcp 80 and 443
   * unless `options.allowWorld` gives a reason.
   */
  allowFrom(
    peer: Peer | ISecurityGroup,
    port: PortSpec,
    description: string,
    options?: RuleOptions,
  ): VpcSecurityGroupIngressRule[] {
    return this.allow("ingress", "allowFrom", peer, port, description, options);
  }

  /**
   * Lets traffic leave for `peer` on `port`: one egress rule per peer range. Egress to the whole
   * internet needs `options.allowWorld` with a reason.
   */
  allowTo(
    peer: Peer | ISecurityGroup,
    port: PortSpec,
    description: string,
    options?: RuleOptions,
  ): VpcSecurityGroupEgressRule[] {
    return this.allow("egress", "allowTo", peer, port, description, options);
  }

  private allow<D extends "ingress" | "egress">(
    direction: D,
    method: "allowFrom" | "allowTo",
    peer: Peer | ISecurityGroup,
    port: PortSpec,
    description: string,
    options: RuleOptions | undefined,
  ): D extends "ingress" ? VpcSecurityGroupIngressRule[] : VpcSecurityGroupEgressRule[] {
    const opts =
      options === undefined
        ? {}
        : checkOptions(this, method, RULE_OPTIONS, options, "{ protocol, allowWorld }");
    const protocol = opts.protocol ?? "tcp";
    if (!(PROTOCOLS as readonly string[]).includes(protocol)) {
      invalid(
        this,
        `${method}.protocol`,
        protocol,
        "is not a supported protocol",
        'use "tcp", "udp" or "all"',
      );
    }
    const ports = this.checkPort(`${method}(port)`, port, protocol);
    const text = this.checkText(`${method}(description)`, description);
    const index = this.calls;
    const call: RuleCall = {
      label: `${method} #${index} (${JSON.stringify(text)})`,
      allowWorld: acceptOptOut(this, `${method}.allowWorld`, opts.allowWorld)
        ? opts.allowWorld
        : undefined,
    };
    const targets = this.peerTargets(`${method}(peer)`, peer);
    const created = this.addRules(direction, call, protocol, ports, text, targets);
    this.calls++;
    return created as never;
  }

  /** What a peer becomes in a rule resource: one entry per range, or one for a group or list. */
  private peerTargets(
    property: string,
    peer: unknown,
  ): { cidr?: Cidr; config: Record<string, string> }[] {
    if (peer instanceof Peer) {
      if (peer.kind === "security-group") return this.peerTargets(property, peer.group);
      if (peer.kind === "prefix-list") {
        const id = peer.values[0];
        if (!Token.isUnresolved(id) && (typeof id !== "string" || !PREFIX_LIST_ID.test(id))) {
          invalid(
            this,
            `${property}.prefixList`,
            id,
            "is not a prefix list id",
            'use e.g. "pl-78a54011" or vpc.s3PrefixListId',
          );
        }
        return [{ config: { prefixListId: id } }];
      }
      const cidrs: unknown = peer.values;
      if (!Array.isArray(cidrs) || cidrs.length === 0) {
        invalid(
          this,
          `${property}.cidrs`,
          cidrs,
          "is empty",
          'list at least one CIDR, e.g. Peer.cidrs(["10.20.0.0/16"])',
        );
      }
      const parsed = cidrs.map((c, i) =>
        parseCidr(this, `${property}.cidrs[${i}]`, c, { allowIpv6: true }),
      );
      const seen = new Set<string>();
      parsed.forEach((c, i) => {
        if (seen.has(c.toString())) {
          invalid(
            this,
            `${property}.cidrs[${i}]`,
            c.toString(),
            "is listed twice",
            "list each range once",
          );
        }
        seen.add(c.toString());
      });
      return parsed.map((cidr) => ({
        cidr,
        config: { [cidr.kind === "ipv4" ? "cidrIpv4" : "cidrIpv6"]: cidr.toString() },
      }));
    }
    const group = peer as Partial<ISecurityGroup> | null | undefined;
    if (
      group === null ||
      typeof group !== "object" ||
      (typeof group.securityGroupId !== "string" && !Token.isUnresolved(group.securityGroupId))
    ) {
      invalid(
        this,
        property,
        peer,
        "is not a peer",
        "pass a SecurityGroup, Peer.securityGroup(sg), Peer.cidrs([...]), Peer.prefixList(id) or Peer.world()",
      );
    }
    const id = group.securityGroupId!;
    if (!Token.isUnresolved(id) && !/^sg-[0-9a-f]{8,17}$/.test(id)) {
      invalid(
        this,
        `${property}.securityGroupId`,
        id,
        "is not a security group id",
        'use e.g. "sg-0123456789abcdef0"',
      );
    }
    return [{ config: { referencedSecurityGroupId: id } }];
  }

  /**
   * Adds one rule resource per target, after every check: a duplicate or a world exposure without
   * its opt-out throws before anything is created, so a refused call leaves the group as it was.
   */
  private addRules(
    direction: "ingress" | "egress",
    call: RuleCall,
    protocol: Protocol,
    ports: PortRange,
    description: string,
    targets: readonly { cidr?: Cidr; config: Record<string, string> }[],
  ): (VpcSecurityGroupIngressRule | VpcSecurityGroupEgressRule)[] {
    const method = call.label.split(" ")[0];
    const keys = new Map<string, string>();
    for (const t of targets) {
      const peerKey = Object.entries(t.config)
        .map(([k, v]) => `${k}=${v}`)
        .join();
      const key = `${direction}|${protocol}|${ports.from}-${ports.to}|${peerKey}`;
      const earlier = this.keys.get(key) ?? keys.get(key);
      if (earlier !== undefined) {
        invalid(
          this,
          `${method}(peer)`,
          Object.values(t.config)[0],
          `repeats ${earlier}: the same peer on the same ${protocol} ports`,
          "add each rule once; AWS refuses a duplicate rule",
        );
      }
      keys.set(key, call.label);
    }
    const pending = targets.map((t) =>
      t.cidr
        ? ({ direction, protocol, ports, cidr: t.cidr, call, recorded: new Set() } as Exposure)
        : undefined,
    );
    const needs = this.judgeWorld(
      direction,
      call,
      pending.filter((e) => e !== undefined),
    );

    const list = direction === "ingress" ? this.ingress : this.egress;
    const created = targets.map((t, i) => {
      const rule = {
        securityGroupId: this.securityGroup.id,
        description,
        ipProtocol: protocol === "all" ? "-1" : protocol,
        ...(protocol === "all" ? {} : { fromPort: ports.from, toPort: ports.to }),
        ...t.config,
      };
      const id = `${direction}-${list.length}`;
      const resource =
        direction === "ingress"
          ? new VpcSecurityGroupIngressRule(this, id, rule)
          : new VpcSecurityGroupEgressRule(this, id, rule);
      (list as (VpcSecurityGroupIngressRule | VpcSecurityGroupEgressRule)[]).push(resource);
      const exposure = pending[i];
      if (exposure) {
        exposure.resource = resource;
        this.exposures.push(exposure);
      }
      return resource;
    });
    keys.forEach((label, key) => this.keys.set(key, label));
    for (const [e, ids] of needs) {
      for (const id of [
        OPT_OUT_IDS.adminPortFromWorld,
        OPT_OUT_IDS.worldIngress,
        OPT_OUT_IDS.egressToWorld,
      ]) {
        if (!ids.has(id) || e.recorded.has(id)) continue;
        e.recorded.add(id);
        recordOptOut(e.resource!, id, e.call.allowWorld!);
      }
    }
    return created;
  }

  /**
   * Judges world exposure on the union of ranges, across every rule of the group in one direction
   * that opens the same protocol and port (`all` counts for tcp and udp), the `pending` rules of
   * the current call included. Ingress from the world needs no opt-out only on tcp 80 and 443;
   * anything else, and any egress to the world, needs `allowWorld` on every rule taking part.
   * Returns the opt-out ids each rule taking part needs.
   */
  private judgeWorld(
    direction: "ingress" | "egress",
    current: RuleCall,
    pending: readonly Exposure[],
  ): Map<Exposure, Set<string>> {
    const needs = new Map<Exposure, Set<string>>();
    const exposedBy = new Map<Exposure, Set<string>>();
    const partnersOf = new Map<Exposure, Set<Exposure>>();
    const all = [...this.exposures, ...pending];
    for (const protocol of ["tcp", "udp"] as const) {
      const rules = all.filter(
        (e) => e.direction === direction && (e.protocol === protocol || e.protocol === "all"),
      );
      if (rules.length === 0) continue;
      for (const segment of segmentsOf(rules)) {
        const open = rules.filter(
          (e) => e.ports.from <= segment.from && segment.from <= e.ports.to,
        );
        const world = worldRangesOf(open.map((e) => e.cidr));
        if (!world) continue;
        const id = riskOf(direction, protocol, segment);
        if (id === undefined) continue;
        const parts = open.filter((e) => world.includes(e.cidr));
        for (const e of parts) {
          const ids = needs.get(e) ?? new Set<string>();
          ids.add(id);
          needs.set(e, ids);
          const what = exposedBy.get(e) ?? new Set<string>();
          what.add(
            id === OPT_OUT_IDS.adminPortFromWorld
              ? `${ADMIN_PORTS[segment.from]} (tcp/${segment.from})`
              : e.protocol === "all"
                ? "every protocol"
                : `${e.protocol}:${formatPorts(e.protocol, e.ports)}`,
          );
          exposedBy.set(e, what);
          const partners = partnersOf.get(e) ?? new Set<Exposure>();
          parts.filter((p) => p !== e).forEach((p) => partners.add(p));
          partnersOf.set(e, partners);
        }
      }
    }
    // The current call is named first when it lacks the opt-out itself.
    const order = [...needs.keys()].sort(
      (a, b) => Number(b.call === current) - Number(a.call === current),
    );
    for (const e of order) {
      if (e.call.allowWorld === undefined) {
        this.refuseWorld(e, exposedBy.get(e)!, partnersOf.get(e)!);
      }
    }
    return needs;
  }

  private refuseWorld(e: Exposure, exposed: Set<string>, partners: Set<Exposure>): never {
    const others = [...partners].filter((p) => p.call !== e.call);
    const together =
      others.length === 0
        ? ""
        : `, together with ${others.map((p) => `${p.call.label}: ${p.cidr.toString()}`).join(" and ")}`;
    const method = e.call.label.split(" ")[0];
    const where =
      others.length === 0
        ? `pass { allowWorld: { reason } } to ${e.call.label}`
        : `pass { allowWorld: { reason } } to each of ${[e, ...others]
            .map((p) => p.call.label)
            .filter((l, i, all) => all.indexOf(l) === i)
            .join(" and ")}`;
    const list = [...exposed].sort(
      (a, b) => Number(b.includes("(tcp/")) - Number(a.includes("(tcp/")),
    );
    const what =
      list.length > 1 ? `${list.slice(0, -1).join(", ")} and ${list[list.length - 1]}` : list[0];
    if (e.direction === "egress") {
      invalid(
        this,
        `${method}(peer)`,
        e.cidr.toString(),
        `opens egress to the whole internet (${what}${together}) in ${e.call.label}`,
        `list the destinations the group needs (CIDRs, security groups, or Peer.prefixList(vpc.s3PrefixListId) for S3); if you must, ${where}`,
      );
    }
    invalid(
      this,
      `${method}(peer)`,
      e.cidr.toString(),
      `opens ${what} to the whole internet${together} in ${e.call.label}`,
      exposed.size > 0 && [...exposed].some((x) => x.includes("(tcp/"))
        ? `list your admin CIDRs or use SSM Session Manager instead; if you must, ${where}`
        : `list the source CIDRs or security groups that need it (only tcp ${WORLD_INGRESS_PORTS.join(" and ")} may be open to the world without an opt-out); if it must be public, ${where}`,
    );
  }

  private checkPort(property: string, port: unknown, protocol: Protocol): PortRange {
    const valid = (n: unknown): n is number =>
      typeof n === "number" && Number.isInteger(n) && n >= 1 && n <= 65535;
    if (protocol === "all") {
      if (port !== "all") {
        invalid(
          this,
          property,
          port,
          'is a port, but protocol "all" covers every port',
          'pass "all" as the port with protocol "all", or choose tcp or udp',
        );
      }
      return ALL_PORTS;
    }
    if (port === "all") return ALL_PORTS;
    if (valid(port)) return { from: port, to: port };
    const range = port as { from?: unknown; to?: unknown } | null;
    if (
      range !== null &&
      typeof range === "object" &&
      Object.keys(range).every((k) => k === "from" || k === "to") &&
      valid(range.from) &&
      valid(range.to) &&
      range.from <= range.to
    ) {
      return { from: range.from, to: range.to };
    }
    return invalid(
      this,
      property,
      port,
      'is not a port, a port range or "all"',
      'use a port from 1 to 65535, { from, to } with from ≤ to, or "all"',
    );
  }

  /** Checks a name or description against what AWS accepts (255 of a-z A-Z 0-9 . _-:/()#,@[]+=&;{}!$* and spaces). */
  private checkText(property: string, value: unknown): string {
    if (typeof value !== "string" || value.trim().length === 0) {
      invalid(
        this,
        property,
        value,
        "is missing",
        'say what the group or rule is for, e.g. "PostgreSQL from the API servers"',
      );
    }
    if (value.length > 255 || !AWS_TEXT.test(value)) {
      invalid(
        this,
        property,
        value,
        value.length > 255
          ? `is ${value.length} characters long (AWS allows 255)`
          : "has characters AWS does not accept",
        "use at most 255 letters, digits, spaces and . _ - : / ( ) # , @ [ ] + = & ; { } ! $ *",
      );
    }
    return value;
  }
}

function formatPorts(protocol: Protocol, ports: PortRange): string {
  if (protocol === "all" || (ports.from === 0 && ports.to === 65535)) return "all";
  return ports.from === ports.to ? String(ports.from) : `${ports.from}-${ports.to}`;
}

/**
 * Splits the ports the rules open into segments on which every rule either opens all ports or
 * none, with each web and admin port a segment of its own.
 */
function segmentsOf(rules: readonly Exposure[]): PortRange[] {
  const cuts = new Set<number>();
  for (const e of rules) {
    cuts.add(e.ports.from);
    cuts.add(e.ports.to + 1);
  }
  for (const port of [...WORLD_INGRESS_PORTS, ...Object.keys(ADMIN_PORTS).map(Number)]) {
    cuts.add(port);
    cuts.add(port + 1);
  }
  const sorted = [...cuts].sort((a, b) => a - b);
  const segments: PortRange[] = [];
  for (let i = 0; i + 1 < sorted.length; i++) {
    const segment = { from: sorted[i], to: sorted[i + 1] - 1 };
    if (rules.some((e) => e.ports.from <= segment.from && segment.from <= e.ports.to)) {
      segments.push(segment);
    }
  }
  return segments;
}

/** The opt-out a segment open to the world needs, or undefined when none is needed. */
function riskOf(
  direction: "ingress" | "egress",
  protocol: "tcp" | "udp",
  segment: PortRange,
): string | undefined {
  if (direction === "egress") return OPT_OUT_IDS.egressToWorld;
  const single = segment.from === segment.to ? segment.from : undefined;
  if (protocol === "tcp" && single !== undefined) {
    if (WORLD_INGRESS_PORTS.includes(single)) return undefined;
    if (ADMIN_PORTS[single] !== undefined) return OPT_OUT_IDS.adminPortFromWorld;
  }
  return OPT_OUT_IDS.worldIngress;
}
