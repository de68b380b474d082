import { Construct } from "constructs";
import { Token } from "cdktf";
import { ComputeNetwork } from "@cdktf/provider-google/lib/compute-network";
import { ComputeSubnetwork } from "@cdktf/provider-google/lib/compute-subnetwork";
import { ComputeGlobalAddress } from "@cdktf/provider-google/lib/compute-global-address";
import { ServiceNetworkingConnection } from "@cdktf/provider-google/lib/service-networking-connection";
import { ComputeRouter } from "@cdktf/provider-google/lib/compute-router";
import { ComputeRouterNat } from "@cdktf/provider-google/lib/compute-router-nat";
import { ComputeRoute } from "@cdktf/provider-google/lib/compute-route";
import { DnsManagedZone } from "@cdktf/provider-google/lib/dns-managed-zone";
import { DnsRecordSet } from "@cdktf/provider-google/lib/dns-record-set";
import { type Cidr, findOverlap, parseCidr, worldRangesOf } from "../core/cidr";
import { invalid } from "../core/errors";
import { checkName, prefixedName, type NameKind } from "../core/naming";
import { acceptOptOut, recordOptOut } from "../core/opt-out";
import { checkProps } from "../core/props";
import { PlatformStack } from "../core/stack";
import { checkRegion } from "./regions";
import { checkProjectId } from "./schemas";
import {
  ENFORCEMENT_ORDERS,
  NETWORK_PROPS,
  NETWORK_ATTRIBUTES,
  type SubnetSpec,
  type FirewallPolicyEnforcementOrder,
  type NetworkProps,
  type SubnetAttributes,
  type NetworkAttributes,
  type ISubnetwork,
  type IPrivateServicesAccess,
  type INetwork,
  type Subnet,
} from "./network-props";

// The props and interfaces, for code that imports them from here as before.
export type * from "./network-props";

/** `private.googleapis.com`: the Google APIs VIP reachable with Private Google Access. */
export const GOOGLE_PRIVATE_APIS_CIDR = "199.36.153.8/30";
const GOOGLE_PRIVATE_APIS_IPS = ["199.36.153.8", "199.36.153.9", "199.36.153.10", "199.36.153.11"];

const DEFAULT_NAME = "vpc";
const SUBNET_MIN_PREFIX = 8;
const SUBNET_MAX_PREFIX = 29;

/**
 * A custom-mode VPC: regional subnets with Private Google Access and flow logs, private services
 * access for Cloud SQL, Cloud NAT per region, and private DNS for Google APIs.
 */
export class Network extends Construct implements INetwork {
  /** The VPC (escape hatch). */
  readonly vpc: ComputeNetwork;
  /** The private services range reservation, when private services access is on. */
  readonly privateServicesRange?: ComputeGlobalAddress;
  /** The peering with Google's service producer network, when private services access is on. */
  readonly privateServicesConnection?: ServiceNetworkingConnection;
  /** The private services CIDR, when private services access is on. */
  readonly privateServicesCidr?: Cidr;
  /** When the VPC evaluates network firewall policies; see {@link NetworkProps.firewallPolicyEnforcementOrder}. */
  readonly firewallPolicyEnforcementOrder: FirewallPolicyEnforcementOrder;
  private readonly subnetsByRegion = new Map<string, Subnet>();
  private nameParts: readonly string[] = [];

  /**
   * An existing VPC, such as a Shared VPC whose host project differs from the stack's project,
   * described by its self link (or name and project), its subnets and its private services access.
   * Creates no resources: the constructs that take an {@link INetwork} join it as they would a
   * created one. Every attribute is checked here; nothing is read from the cloud.
   */
  static fromAttributes(scope: Construct, id: string, attrs: NetworkAttributes): INetwork {
    return new ImportedNetwork(scope, id, attrs);
  }

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    const stack = PlatformStack.of(this);
    checkProps(this, NETWORK_PROPS, props, "{ subnets: [{ region, cidr }] }");
    const name = checkName(this, "name", "network", props.name ?? DEFAULT_NAME);
    // Names derived from the VPC carry its name unless it is the default, so two networks in one
    // stack do not clash: trading-bot-prod-us-central1, or trading-bot-prod-dmz-us-central1.
    this.nameParts = name === DEFAULT_NAME ? [] : [name];
    const vpcName = stack.claimName(
      this,
      "name",
      "network",
      prefixedName(this, "name", "network", stack.prefix, name),
    );
    const deleteDefaultRoute = props.deleteDefaultInternetRoute ?? false;
    const nat = props.nat ?? true;
    const internetRoutes = (props.internetRoutes ?? []).map((c, i) =>
      parseCidr(this, `internetRoutes[${i}]`, c, { minPrefix: 1 }),
    );
    const routingMode = props.routingMode ?? "GLOBAL";
    if (routingMode !== "GLOBAL" && routingMode !== "REGIONAL") {
      invalid(
        this,
        "routingMode",
        routingMode,
        "is not a routing mode",
        'use "GLOBAL" or "REGIONAL"',
      );
    }
    if (internetRoutes.length > 0 && !deleteDefaultRoute) {
      invalid(
        this,
        "internetRoutes",
        props.internetRoutes,
        "has no effect while the default internet route exists",
        "set deleteDefaultInternetRoute: true, or drop internetRoutes",
      );
    }
    // Judged on the union: 0.0.0.0/1 and 128.0.0.0/1 are the deleted default route again.
    const worldRoutes = worldRangesOf(internetRoutes);
    if (worldRoutes) {
      invalid(
        this,
        "internetRoutes",
        worldRoutes.map((r) => r.toString()),
        "together route every IPv4 address to the internet, which restores the default route that deleteDefaultInternetRoute removes",
        "list only the destinations the instances need, or keep the default route (deleteDefaultInternetRoute: false)",
      );
    }
    if (deleteDefaultRoute && nat && internetRoutes.length === 0) {
      invalid(
        this,
        "nat",
        nat,
        "cannot reach anything once the default internet route is deleted and no internetRoutes are given",
        "list the destinations instances may reach in internetRoutes, or set nat: false",
      );
    }

    const order = props.firewallPolicyEnforcementOrder;
    if (order !== undefined && !ENFORCEMENT_ORDERS.includes(order)) {
      invalid(
        this,
        "firewallPolicyEnforcementOrder",
        order,
        "is not a firewall policy enforcement order",
        'use "BEFORE_CLASSIC_FIREWALL" or "AFTER_CLASSIC_FIREWALL"',
      );
    }
    this.firewallPolicyEnforcementOrder = order ?? "AFTER_CLASSIC_FIREWALL";

    const subnets = this.checkSubnets(props.subnets);
    const psaCidr =
      props.privateServicesAccess === undefined
        ? undefined
        : parseCidr(this, "privateServicesAccess.cidr", props.privateServicesAccess?.cidr, {
            minPrefix: 8,
            maxPrefix: 24,
          });
    if (psaCidr) {
      if (!psaCidr.isRfc1918) {
        invalid(
          this,
          "privateServicesAccess.cidr",
          psaCidr.toString(),
          "is outside RFC 1918",
          'reserve a private range such as "10.100.0.0/16"',
        );
      }
      subnets.forEach((s, i) => {
        const clash = [s.cidr, ...s.secondary.map((r) => r.cidr)].find((c) => c.overlaps(psaCidr));
        if (clash) {
          invalid(
            this,
            "privateServicesAccess.cidr",
            psaCidr.toString(),
            `overlaps subnets[${i}] range ${clash.toString()}`,
            "reserve a range that no subnet uses",
          );
        }
      });
    }

    this.vpc = new ComputeNetwork(this, "vpc", {
      name: vpcName,
      autoCreateSubnetworks: false,
      routingMode,
      deleteDefaultRoutesOnCreate: deleteDefaultRoute,
      networkFirewallPolicyEnforcementOrder: order,
    });

    for (const spec of subnets) {
      const flow = spec.flowLogs;
      const subnet = new ComputeSubnetwork(this, `subnet-${spec.region}`, {
        name: this.resourceName(`subnets[${spec.index}].region`, "subnetwork", spec.region),
        network: this.vpc.id,
        region: spec.region,
        ipCidrRange: spec.cidr.toString(),
        privateIpGoogleAccess: true,
        secondaryIpRange:
          spec.secondary.length > 0
            ? spec.secondary.map((r) => ({ rangeName: r.name, ipCidrRange: r.cidr.toString() }))
            : undefined,
        logConfig: {
          aggregationInterval: flow.aggregationInterval,
          flowSampling: flow.sampling,
          metadata: flow.metadata,
        },
      });
      if (spec.optOut) recordOptOut(subnet, "non-rfc1918-subnet", spec.optOut);
      let router: ComputeRouter | undefined;
      let routerNat: ComputeRouterNat | undefined;
      if (nat) {
        router = new ComputeRouter(this, `router-${spec.region}`, {
          name: this.resourceName("name", "router", "router", spec.region),
          network: this.vpc.id,
          region: spec.region,
        });
        routerNat = new ComputeRouterNat(this, `nat-${spec.region}`, {
          name: this.resourceName("name", "nat", "nat", spec.region),
          router: router.name,
          region: spec.region,
          natIpAllocateOption: "AUTO_ONLY",
          sourceSubnetworkIpRangesToNat: "LIST_OF_SUBNETWORKS",
          subnetwork: [{ name: subnet.id, sourceIpRangesToNat: ["ALL_IP_RANGES"] }],
          logConfig: { enable: true, filter: "ERRORS_ONLY" },
        });
      }
      this.subnetsByRegion.set(spec.region, {
        region: spec.region,
        cidr: spec.cidr,
        secondaryRanges: spec.secondary,
        selfLink: subnet.selfLink,
        resource: subnet,
        router,
        nat: routerNat,
      });
    }

    if (psaCidr) {
      this.privateServicesCidr = psaCidr;
      this.privateServicesRange = new ComputeGlobalAddress(this, "psa-range", {
        name: this.resourceName("privateServicesAccess", "address", "psa"),
        purpose: "VPC_PEERING",
        addressType: "INTERNAL",
        address: psaCidr.networkAddress,
        prefixLength: psaCidr.prefixLength,
        network: this.vpc.id,
      });
      this.privateServicesConnection = new ServiceNetworkingConnection(this, "psa-connection", {
        network: this.vpc.id,
        service: "servicenetworking.googleapis.com",
        reservedPeeringRanges: [this.privateServicesRange.name],
        // Destroying the peering fails while Google still holds Cloud SQL instances in it; the
        // peering goes away with the VPC instead.
        deletionPolicy: "ABANDON",
      });
    }

    if (deleteDefaultRoute) {
      new ComputeRoute(this, "route-private-googleapis", {
        name: this.resourceName("deleteDefaultInternetRoute", "route", "private-googleapis"),
        network: this.vpc.id,
        destRange: GOOGLE_PRIVATE_APIS_CIDR,
        nextHopGateway: "default-internet-gateway",
        description: "Private Google Access to private.googleapis.com",
      });
      internetRoutes.forEach((cidr, i) => {
        new ComputeRoute(this, `route-internet-${i}`, {
          name: this.resourceName(`internetRoutes[${i}]`, "route", "internet", String(i)),
          network: this.vpc.id,
          destRange: cidr.toString(),
          nextHopGateway: "default-internet-gateway",
        });
      });
    }

    if (props.privateGoogleApisDns ?? true) {
      this.privateDnsZone("googleapis", "googleapis.com.", "private.googleapis.com.");
      this.privateDnsZone("pkg-dev", "pkg.dev.", "pkg.dev.");
      // Container Registry hosts: GKE's own system images come from gke.gcr.io, and with the
      // deny-all egress only private.googleapis.com is reachable.
      this.privateDnsZone("gcr-io", "gcr.io.", "gcr.io.");
    }
  }

  /** The VPC's id (`projects/.../global/networks/...`). */
  get id(): string {
    return this.vpc.id;
  }

  /** The VPC's self link. */
  get selfLink(): string {
    return this.vpc.selfLink;
  }

  /** The VPC's name. */
  get name(): string {
    return this.vpc.name;
  }

  /** Undefined: the VPC is created in the provider's project, and so are its firewall rules. */
  get projectId(): string | undefined {
    return undefined;
  }

  /** Private services access, when it is on. */
  get privateServices(): IPrivateServicesAccess | undefined {
    if (!this.privateServicesRange || !this.privateServicesConnection) return undefined;
    return {
      rangeName: this.privateServicesRange.name,
      cidr: this.privateServicesCidr,
      dependable: this.privateServicesConnection,
    };
  }

  /** The regions that have a subnet, in the order given. */
  get regions(): readonly string[] {
    return [...this.subnetsByRegion.keys()];
  }

  /** The subnet of a region; throws a ValidationError naming the regions that exist. */
  subnet(region: string): Subnet {
    const subnet = this.subnetsByRegion.get(region);
    if (!subnet) {
      invalid(
        this,
        "region",
        region,
        "has no subnet in this network",
        `use one of ${this.regions.join(", ")}, or add a subnet for it`,
      );
    }
    return subnet;
  }

  /** `${prefix}[-${name}]-${parts}`, checked against the kind's rule and claimed in the stack. */
  private resourceName(property: string, kind: NameKind, ...parts: string[]): string {
    const stack = PlatformStack.of(this);
    const name = prefixedName(this, property, kind, stack.prefix, ...this.nameParts, ...parts);
    return stack.claimName(this, property, kind, name);
  }

  private privateDnsZone(id: string, dnsName: string, aName: string): void {
    const zone = new DnsManagedZone(this, `dns-${id}`, {
      name: this.resourceName("privateGoogleApisDns", "dns-zone", id),
      dnsName,
      description: `Resolves ${dnsName} to private.googleapis.com (Private Google Access)`,
      visibility: "private",
      privateVisibilityConfig: { networks: [{ networkUrl: this.vpc.id }] },
    });
    new DnsRecordSet(this, `dns-${id}-a`, {
      managedZone: zone.name,
      name: aName,
      type: "A",
      ttl: 300,
      rrdatas: GOOGLE_PRIVATE_APIS_IPS,
    });
    new DnsRecordSet(this, `dns-${id}-cname`, {
      managedZone: zone.name,
      name: `*.${dnsName}`,
      type: "CNAME",
      ttl: 300,
      rrdatas: [aName],
    });
  }

  private checkSubnets(specs: readonly SubnetSpec[] | undefined) {
    if (!Array.isArray(specs) || specs.length === 0) {
      invalid(
        this,
        "subnets",
        specs,
        "must list at least one subnet",
        "pass subnets: [{ region: 'us-central1', cidr: '10.10.0.0/20' }]",
      );
    }
    const list: readonly SubnetSpec[] = specs;
    const seen = new Map<string, number>();
    const checked = list.map((spec, index) => {
      const p = `subnets[${index}]`;
      const region = checkRegion(this, `${p}.region`, spec?.region);
      const earlier = seen.get(region);
      if (earlier !== undefined) {
        invalid(
          this,
          `${p}.region`,
          region,
          `is already used by subnets[${earlier}]`,
          "give each region one subnet",
        );
      }
      seen.set(region, index);
      const optOut = acceptOptOut(this, `${p}.allowNonRfc1918`, spec.allowNonRfc1918)
        ? spec.allowNonRfc1918
        : undefined;
      const checkPrivate = (property: string, cidr: Cidr): Cidr => {
        if (!cidr.isRfc1918 && !optOut) {
          invalid(
            this,
            property,
            cidr.toString(),
            "is outside the RFC 1918 private ranges",
            "use a range inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16, or set allowNonRfc1918: { reason } on the subnet",
          );
        }
        return cidr;
      };
      const cidr = checkPrivate(
        `${p}.cidr`,
        parseCidr(this, `${p}.cidr`, spec.cidr, {
          minPrefix: SUBNET_MIN_PREFIX,
          maxPrefix: SUBNET_MAX_PREFIX,
        }),
      );
      const secondaryNames = new Set<string>();
      const secondary = (spec.secondaryRanges ?? []).map((r, j) => {
        const name = checkName(this, `${p}.secondaryRanges[${j}].name`, "subnetwork", r?.name);
        if (secondaryNames.has(name)) {
          invalid(
            this,
            `${p}.secondaryRanges[${j}].name`,
            name,
            "is used twice in this subnet",
            "give each secondary range its own name",
          );
        }
        secondaryNames.add(name);
        const range = checkPrivate(
          `${p}.secondaryRanges[${j}].cidr`,
          parseCidr(this, `${p}.secondaryRanges[${j}].cidr`, r.cidr, {
            minPrefix: SUBNET_MIN_PREFIX,
            maxPrefix: SUBNET_MAX_PREFIX,
          }),
        );
        return { name, cidr: range };
      });
      const flowLogs = {
        aggregationInterval: spec.flowLogs?.aggregationInterval ?? "INTERVAL_5_SEC",
        sampling: spec.flowLogs?.sampling ?? 0.5,
        metadata: spec.flowLogs?.metadata ?? "INCLUDE_ALL_METADATA",
      };
      const intervals = [
        "INTERVAL_5_SEC",
        "INTERVAL_30_SEC",
        "INTERVAL_1_MIN",
        "INTERVAL_5_MIN",
        "INTERVAL_10_MIN",
        "INTERVAL_15_MIN",
      ];
      if (!intervals.includes(flowLogs.aggregationInterval)) {
        invalid(
          this,
          `${p}.flowLogs.aggregationInterval`,
          flowLogs.aggregationInterval,
          "is not a flow log aggregation interval",
          `use one of ${intervals.join(", ")}`,
        );
      }
      if (!["INCLUDE_ALL_METADATA", "EXCLUDE_ALL_METADATA"].includes(flowLogs.metadata)) {
        invalid(
          this,
          `${p}.flowLogs.metadata`,
          flowLogs.metadata,
          "is not a flow log metadata setting",
          'use "INCLUDE_ALL_METADATA" or "EXCLUDE_ALL_METADATA"',
        );
      }
      if (!(
        typeof flowLogs.sampling === "number" &&
        flowLogs.sampling > 0 &&
        flowLogs.sampling <= 1
      )) {
        invalid(
          this,
          `${p}.flowLogs.sampling`,
          flowLogs.sampling,
          "is outside (0, 1]",
          "use a share such as 0.5; flow logs cannot be turned off",
        );
      }
      return { index, region, cidr, secondary, flowLogs, optOut };
    });

    // Every range of every subnet must be disjoint from every other.
    const all = checked.flatMap((s) => [
      { label: `subnets[${s.index}].cidr`, cidr: s.cidr },
      ...s.secondary.map((r, j) => ({
        label: `subnets[${s.index}].secondaryRanges[${j}].cidr`,
        cidr: r.cidr,
      })),
    ]);
    const clash = findOverlap(all.map((r) => r.cidr));
    if (clash) {
      const [first, second] = [all[clash.a], all[clash.b]];
      invalid(
        this,
        second.label,
        second.cidr.toString(),
        `overlaps ${first.label} (${first.cidr.toString()})`,
        "give every subnet and secondary range its own, disjoint range",
      );
    }
    return checked;
  }
}

const COMPUTE_API = "https://www.googleapis.com/compute/v1/";
const NETWORK_LINK =
  /^(?:https:\/\/www\.googleapis\.com\/compute\/v1\/)?projects\/([^/]+)\/global\/networks\/([^/]+)$/;
const SUBNET_LINK =
  /^(?:https:\/\/www\.googleapis\.com\/compute\/v1\/)?projects\/([^/]+)\/regions\/([^/]+)\/subnetworks\/([^/]+)$/;

/** A VPC that exists outside this stack; see {@link Network.fromAttributes}. */
class ImportedNetwork extends Construct implements INetwork {
  readonly id: string;
  readonly selfLink: string;
  readonly name: string;
  readonly projectId: string;
  readonly firewallPolicyEnforcementOrder: FirewallPolicyEnforcementOrder;
  readonly privateServices?: IPrivateServicesAccess;
  private readonly subnetsByRegion = new Map<string, ISubnetwork>();

  constructor(scope: Construct, id: string, attrs: NetworkAttributes) {
    super(scope, id);
    if (attrs === undefined || attrs === null || typeof attrs !== "object") {
      invalid(
        this,
        "attrs",
        attrs,
        "are missing",
        "pass { selfLink, subnets: [{ region, selfLink }] }",
      );
    }
    checkProps(this, NETWORK_ATTRIBUTES, attrs, "{ selfLink, subnets: [{ region, selfLink }] }");
    const { project, name } = this.checkNetworkLink(attrs);
    this.projectId = project;
    this.name = name;
    this.id = `projects/${project}/global/networks/${name}`;
    this.selfLink = `${COMPUTE_API}${this.id}`;

    const order = attrs.firewallPolicyEnforcementOrder ?? "AFTER_CLASSIC_FIREWALL";
    if (!ENFORCEMENT_ORDERS.includes(order)) {
      invalid(
        this,
        "firewallPolicyEnforcementOrder",
        order,
        "is not a firewall policy enforcement order",
        'use "BEFORE_CLASSIC_FIREWALL" or "AFTER_CLASSIC_FIREWALL", as the VPC has it',
      );
    }
    this.firewallPolicyEnforcementOrder = order;

    const ranges = this.checkSubnets(attrs.subnets);
    const psa = attrs.privateServicesAccess;
    if (psa !== undefined) {
      if (psa === null || typeof psa !== "object") {
        invalid(
          this,
          "privateServicesAccess",
          psa,
          "is not an object",
          "pass { rangeName } with the name of the VPC's reserved range",
        );
      }
      const rangeName = Token.isUnresolved(psa.rangeName)
        ? psa.rangeName
        : checkName(this, "privateServicesAccess.rangeName", "address", psa.rangeName);
      const cidr =
        psa.cidr === undefined
          ? undefined
          : parseCidr(this, "privateServicesAccess.cidr", psa.cidr, {
              minPrefix: 8,
              maxPrefix: 24,
            });
      if (cidr) ranges.push({ label: "privateServicesAccess.cidr", cidr });
      this.privateServices = { rangeName, cidr };
    }

    // The VPC's own ranges cannot overlap, so an overlap here is a mistyped attribute.
    const clash = findOverlap(ranges.map((r) => r.cidr));
    if (clash) {
      const [first, second] = [ranges[clash.a], ranges[clash.b]];
      invalid(
        this,
        second.label,
        second.cidr.toString(),
        `overlaps ${first.label} (${first.cidr.toString()})`,
        "copy the ranges as the VPC has them; no two ranges of one VPC overlap",
      );
    }
  }

  get regions(): readonly string[] {
    return [...this.subnetsByRegion.keys()];
  }

  subnet(region: string): ISubnetwork {
    const subnet = this.subnetsByRegion.get(region);
    if (!subnet) {
      invalid(
        this,
        "region",
        region,
        "has no subnet in this network",
        `use one of ${this.regions.join(", ")}, or list the VPC's subnet of that region in subnets`,
      );
    }
    return subnet;
  }

  private checkNetworkLink(attrs: NetworkAttributes): { project: string; name: string } {
    if (attrs.selfLink !== undefined) {
      if (attrs.name !== undefined || attrs.projectId !== undefined) {
        invalid(
          this,
          attrs.name !== undefined ? "name" : "projectId",
          attrs.name ?? attrs.projectId,
          "is given together with selfLink",
          "give either selfLink, or name with projectId",
        );
      }
      const m = typeof attrs.selfLink === "string" ? NETWORK_LINK.exec(attrs.selfLink) : null;
      if (!m) {
        invalid(
          this,
          "selfLink",
          attrs.selfLink,
          "is not a VPC self link",
          'use "https://www.googleapis.com/compute/v1/projects/HOST_PROJECT/global/networks/NAME", or give name and projectId',
        );
      }
      return {
        project: checkProjectId(this, "selfLink", m[1])!,
        name: checkName(this, "selfLink", "network", m[2]),
      };
    }
    if (attrs.name === undefined || attrs.projectId === undefined) {
      invalid(
        this,
        attrs.name === undefined ? "name" : "projectId",
        undefined,
        "is missing",
        "give the VPC's selfLink, or its name with the projectId of the project that holds it",
      );
    }
    return {
      project: checkProjectId(this, "projectId", attrs.projectId)!,
      name: Token.isUnresolved(attrs.name)
        ? attrs.name
        : checkName(this, "name", "network", attrs.name),
    };
  }

  /** Registers the subnets and returns their stated ranges, labelled by property. */
  private checkSubnets(
    specs: readonly SubnetAttributes[] | undefined,
  ): { label: string; cidr: Cidr }[] {
    if (!Array.isArray(specs) || specs.length === 0) {
      invalid(
        this,
        "subnets",
        specs,
        "must list at least one subnet",
        "list the subnets to use, e.g. subnets: [{ region: 'us-central1', selfLink: '...' }]",
      );
    }
    const list: readonly SubnetAttributes[] = specs;
    const seen = new Map<string, number>();
    const ranges: { label: string; cidr: Cidr }[] = [];
    list.forEach((spec, index) => {
      const p = `subnets[${index}]`;
      if (spec === undefined || spec === null || typeof spec !== "object") {
        invalid(this, p, spec, "is not a subnet", "pass { region, selfLink } or { region, name }");
      }
      const region = checkRegion(this, `${p}.region`, spec.region);
      const earlier = seen.get(region);
      if (earlier !== undefined) {
        invalid(
          this,
          `${p}.region`,
          region,
          `is already used by subnets[${earlier}]`,
          "list one subnet per region",
        );
      }
      seen.set(region, index);
      const name = this.checkSubnetLink(p, region, spec);
      const cidr =
        spec.cidr === undefined
          ? undefined
          : parseCidr(this, `${p}.cidr`, spec.cidr, {
              minPrefix: SUBNET_MIN_PREFIX,
              maxPrefix: SUBNET_MAX_PREFIX,
            });
      if (cidr) ranges.push({ label: `${p}.cidr`, cidr });
      const given = spec.secondaryRanges ?? [];
      if (!Array.isArray(given)) {
        invalid(
          this,
          `${p}.secondaryRanges`,
          given,
          "is not a list",
          "pass [{ name, cidr }] or leave it out",
        );
      }
      const names = new Set<string>();
      const secondaryRanges = given.map((r, j) => {
        const q = `${p}.secondaryRanges[${j}]`;
        const rangeName = checkName(this, `${q}.name`, "subnetwork", r?.name);
        if (names.has(rangeName)) {
          invalid(
            this,
            `${q}.name`,
            rangeName,
            "is used twice in this subnet",
            "list each secondary range once",
          );
        }
        names.add(rangeName);
        const range = parseCidr(this, `${q}.cidr`, r.cidr, {
          minPrefix: SUBNET_MIN_PREFIX,
          maxPrefix: SUBNET_MAX_PREFIX,
        });
        ranges.push({ label: `${q}.cidr`, cidr: range });
        return { name: rangeName, cidr: range };
      });
      this.subnetsByRegion.set(region, {
        region,
        cidr,
        selfLink: `${COMPUTE_API}projects/${this.projectId}/regions/${region}/subnetworks/${name}`,
        // Not given is unknown, not none: constructs check a named range only when it is known.
        secondaryRanges: spec.secondaryRanges === undefined ? undefined : secondaryRanges,
      });
    });
    return ranges;
  }

  /** The subnet's name, from its self link or its name; its project must be the VPC's. */
  private checkSubnetLink(p: string, region: string, spec: SubnetAttributes): string {
    const sameProject = (property: string, project: string): void => {
      if (
        project !== this.projectId &&
        !Token.isUnresolved(project) &&
        !Token.isUnresolved(this.projectId)
      ) {
        invalid(
          this,
          property,
          project,
          `is not the network's project ${this.projectId}`,
          "a subnet belongs to the project of its VPC (the Shared VPC host project); use that project",
        );
      }
    };
    if (spec.selfLink !== undefined) {
      if (spec.name !== undefined || spec.projectId !== undefined) {
        invalid(
          this,
          spec.name !== undefined ? `${p}.name` : `${p}.projectId`,
          spec.name ?? spec.projectId,
          "is given together with selfLink",
          "give either selfLink, or name (with projectId when you want to state it)",
        );
      }
      const m = typeof spec.selfLink === "string" ? SUBNET_LINK.exec(spec.selfLink) : null;
      if (!m) {
        invalid(
          this,
          `${p}.selfLink`,
          spec.selfLink,
          "is not a subnet self link",
          'use "https://www.googleapis.com/compute/v1/projects/HOST_PROJECT/regions/REGION/subnetworks/NAME", or give name',
        );
      }
      const [, project, linkRegion, name] = m;
      if (linkRegion !== region) {
        invalid(
          this,
          `${p}.selfLink`,
          spec.selfLink,
          `names region ${linkRegion}, not the subnet's region ${region}`,
          "give the self link of the subnet in that region, or correct region",
        );
      }
      sameProject(`${p}.selfLink`, project);
      return checkName(this, `${p}.selfLink`, "subnetwork", name);
    }
    if (spec.name === undefined) {
      invalid(
        this,
        `${p}.name`,
        undefined,
        "is missing",
        "give the subnet's selfLink, or its name",
      );
    }
    if (spec.projectId !== undefined) {
      sameProject(`${p}.projectId`, checkProjectId(this, `${p}.projectId`, spec.projectId)!);
    }
    return Token.isUnresolved(spec.name)
      ? spec.name
      : checkName(this, `${p}.name`, "subnetwork", spec.name);
  }
}
