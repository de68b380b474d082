/**
 * What a {@link Network} takes and gives: its props and the attributes of an existing VPC
 * (`Network.fromAttributes`), the zod shapes `checkProps` holds them to, and the interfaces other
 * constructs read a network and its subnets through (`constructs/gcp/network.ts`).
 */
import type { IConstruct } from "constructs";
import type { ITerraformDependable } from "cdktf";
import { z } from "zod";
import type { ComputeSubnetwork } from "@cdktf/provider-google/lib/compute-subnetwork";
import type { ComputeRouter } from "@cdktf/provider-google/lib/compute-router";
import type { ComputeRouterNat } from "@cdktf/provider-google/lib/compute-router-nat";
import type { Cidr } from "../core/cidr";
import type { OptOut } from "../core/opt-out";
import {
  checkedBy,
  missingCheckedBy,
  optOutSchema,
  stringOf,
  type PropsSchema,
} from "../core/props";

/** VPC flow log settings of a subnet. */
export interface FlowLogOptions {
  /** @default "INTERVAL_5_SEC" */
  readonly aggregationInterval?:
    | "INTERVAL_5_SEC"
    | "INTERVAL_30_SEC"
    | "INTERVAL_1_MIN"
    | "INTERVAL_5_MIN"
    | "INTERVAL_10_MIN"
    | "INTERVAL_15_MIN";
  /** Share of flows logged, greater than 0 and at most 1. @default 0.5 */
  readonly sampling?: number;
  /** @default "INCLUDE_ALL_METADATA" */
  readonly metadata?: "INCLUDE_ALL_METADATA" | "EXCLUDE_ALL_METADATA";
}

/** A secondary range of a subnet (GKE pods or services). */
export interface SecondaryRange {
  /** Range name, RFC 1035. */
  readonly name: string;
  /** IPv4 CIDR, RFC 1918 unless the subnet opts out. */
  readonly cidr: string;
}

/** One regional subnet. */
export interface SubnetSpec {
  /** Google Cloud region; one subnet per region. */
  readonly region: string;
  /** Primary IPv4 range, `/8` to `/29`, inside RFC 1918 unless {@link allowNonRfc1918} is set. */
  readonly cidr: string;
  /** Secondary ranges. @default [] */
  readonly secondaryRanges?: readonly SecondaryRange[];
  /** Flow log settings; flow logs are always on. @default see {@link FlowLogOptions} */
  readonly flowLogs?: FlowLogOptions;
  /**
   * Accept ranges outside 10/8, 172.16/12 and 192.168/16 for this subnet, with a reason.
   * @default undefined (RFC 1918 only)
   */
  readonly allowNonRfc1918?: OptOut;
}

/**
 * Whether a VPC evaluates its network firewall policies before or after its VPC firewall rules.
 * GCP's default for a VPC is `AFTER_CLASSIC_FIREWALL`.
 */
export type FirewallPolicyEnforcementOrder = "BEFORE_CLASSIC_FIREWALL" | "AFTER_CLASSIC_FIREWALL";

export const ENFORCEMENT_ORDERS: readonly FirewallPolicyEnforcementOrder[] = [
  "BEFORE_CLASSIC_FIREWALL",
  "AFTER_CLASSIC_FIREWALL",
];

export interface NetworkProps {
  /** Short name; the VPC is `${prefix}-${name}`. @default "vpc" */
  readonly name?: string;
  /** Regional subnets, at least one, in distinct regions, with disjoint ranges. */
  readonly subnets: readonly SubnetSpec[];
  /**
   * Private services access: a range reserved for Google-managed services (Cloud SQL private IP)
   * and the peering to them. Cloud SQL refuses to build on a network without it.
   * @default undefined (no private services access)
   */
  readonly privateServicesAccess?: {
    /** An RFC 1918 range of `/8` to `/24`, disjoint from every subnet, e.g. `10.100.0.0/16`. */
    readonly cidr: string;
  };
  /** Cloud Router + Cloud NAT in every subnet's region, for instances without external IPs. @default true */
  readonly nat?: boolean;
  /** @default "GLOBAL" (routes learned by one region's router are used in all regions) */
  readonly routingMode?: "GLOBAL" | "REGIONAL";
  /**
   * Delete the default `0.0.0.0/0` route to the internet when the VPC is created. The VPC keeps a
   * route to `private.googleapis.com` and gets one route per {@link internetRoutes} entry.
   * @default false
   */
  readonly deleteDefaultInternetRoute?: boolean;
  /**
   * With {@link deleteDefaultInternetRoute}: the only destinations routed to the internet, e.g.
   * the exchanges' API ranges. IPv4, `/1` or longer; ranges whose union is every address
   * (`0.0.0.0/1` + `128.0.0.0/1`) are refused, since they restore the deleted route. @default []
   */
  readonly internetRoutes?: readonly string[];
  /**
   * Private DNS zones that resolve `*.googleapis.com`, `*.pkg.dev` and `*.gcr.io` to
   * `private.googleapis.com`, so instances (and GKE nodes, whose system images come from
   * `gke.gcr.io`) reach Google APIs, Artifact Registry and Container Registry through Private
   * Google Access and the firewall can allow them by one small range. @default true
   */
  readonly privateGoogleApisDns?: boolean;
  /**
   * When the VPC evaluates its network firewall policies: `BEFORE_CLASSIC_FIREWALL` lets a
   * policy's allow rules (the Firewall's `fqdnEgress`) take effect ahead of the VPC rules' deny-all
   * egress, and the Firewall requires it for `fqdnEgress`.
   * @default "AFTER_CLASSIC_FIREWALL" (GCP's default; left out of the JSON unless set)
   */
  readonly firewallPolicyEnforcementOrder?: FirewallPolicyEnforcementOrder;
}

/**
 * Regions are judged by `checkRegion`, which says where regions are listed also when one is
 * missing; ranges by `parseCidr`, whose message shows a range also when one is missing; enum
 * values by the constructors, which list them.
 */
export const REGION = checkedBy<string>("checkRegion");
export const CIDR = missingCheckedBy(z.string(), "parseCidr");

export const SECONDARY_RANGE = z.strictObject({
  name: z.string(),
  cidr: CIDR,
}) satisfies PropsSchema<SecondaryRange>;

export const SUBNET_SPEC = z.strictObject({
  region: REGION,
  cidr: CIDR,
  secondaryRanges: z.array(SECONDARY_RANGE).optional(),
  flowLogs: z
    .strictObject({
      aggregationInterval:
        stringOf<NonNullable<FlowLogOptions["aggregationInterval"]>>().optional(),
      sampling: z.number().optional(),
      metadata: stringOf<NonNullable<FlowLogOptions["metadata"]>>().optional(),
    })
    .optional(),
  allowNonRfc1918: optOutSchema.optional(),
}) satisfies PropsSchema<SubnetSpec>;

/** Shapes and types of {@link NetworkProps}; `subnets` missing is reported by `checkSubnets`. */
export const NETWORK_PROPS = z.strictObject({
  name: z.string().optional(),
  subnets: missingCheckedBy(z.array(SUBNET_SPEC), "checkSubnets"),
  privateServicesAccess: z.strictObject({ cidr: CIDR }).optional(),
  nat: z.boolean().optional(),
  routingMode: stringOf<"GLOBAL" | "REGIONAL">().optional(),
  deleteDefaultInternetRoute: z.boolean().optional(),
  internetRoutes: z.array(z.string()).optional(),
  privateGoogleApisDns: z.boolean().optional(),
  firewallPolicyEnforcementOrder: stringOf<FirewallPolicyEnforcementOrder>().optional(),
}) satisfies PropsSchema<NetworkProps>;

/** An existing subnet of an existing VPC (see {@link Network.fromAttributes}). */
export interface SubnetAttributes {
  /** The subnet's region; one subnet per region. */
  readonly region: string;
  /**
   * The subnet's self link, `https://www.googleapis.com/compute/v1/projects/HOST/regions/REGION/subnetworks/NAME`
   * (or the same path from `projects/`). Give either this or {@link name}.
   * @default built from {@link name} and {@link projectId}
   */
  readonly selfLink?: string;
  /** The subnet's name. Give either this or {@link selfLink}. @default taken from {@link selfLink} */
  readonly name?: string;
  /**
   * The project of the subnet, which is the VPC's (the Shared VPC host project).
   * @default the network's project
   */
  readonly projectId?: string;
  /** The subnet's primary IPv4 range, when you want constructs to know it. @default unknown */
  readonly cidr?: string;
  /**
   * The subnet's secondary ranges (GKE pods and services). Left out, they are unknown, and a
   * construct that names a range (a GKE cluster's pods range, say) takes it on trust; `[]` states
   * that the subnet has none. @default unknown
   */
  readonly secondaryRanges?: readonly SecondaryRange[];
}

/** An existing VPC, its subnets and private services access (see {@link Network.fromAttributes}). */
export interface NetworkAttributes {
  /**
   * The VPC's self link, `https://www.googleapis.com/compute/v1/projects/HOST/global/networks/NAME`
   * (or the same path from `projects/`). Give either this or {@link name} with {@link projectId}.
   * @default built from {@link name} and {@link projectId}
   */
  readonly selfLink?: string;
  /** The VPC's name. @default taken from {@link selfLink} */
  readonly name?: string;
  /**
   * The project that holds the VPC: for a Shared VPC the host project, which may differ from the
   * project the stack deploys into. Firewall rules for the VPC are created there.
   * @default taken from {@link selfLink}
   */
  readonly projectId?: string;
  /** The subnets constructs may join, at least one, in distinct regions. */
  readonly subnets: readonly SubnetAttributes[];
  /**
   * The VPC's existing private services access, which Cloud SQL with a private IP needs.
   * @default undefined (no private services access)
   */
  readonly privateServicesAccess?: {
    /** The name of the reserved `VPC_PEERING` global address range, e.g. `google-managed-services-shared`. */
    readonly rangeName: string;
    /** The reserved range, when you want constructs to know it. @default unknown */
    readonly cidr?: string;
  };
  /**
   * The VPC's firewall policy enforcement order, as it is set on the VPC (this states it, it
   * changes nothing). @default "AFTER_CLASSIC_FIREWALL" (GCP's default)
   */
  readonly firewallPolicyEnforcementOrder?: FirewallPolicyEnforcementOrder;
}

export const SUBNET_ATTRIBUTES = z.strictObject({
  region: REGION,
  selfLink: z.string().optional(),
  name: z.string().optional(),
  projectId: z.string().optional(),
  cidr: z.string().optional(),
  secondaryRanges: z.array(SECONDARY_RANGE).optional(),
}) satisfies PropsSchema<SubnetAttributes>;

/**
 * Shapes and types of {@link NetworkAttributes}; which of selfLink, name and projectId must be
 * given is judged by `checkNetworkLink`, a missing `subnets` or `rangeName` by the checks of
 * {@link ImportedNetwork}.
 */
export const NETWORK_ATTRIBUTES = z.strictObject({
  selfLink: z.string().optional(),
  name: z.string().optional(),
  projectId: z.string().optional(),
  subnets: missingCheckedBy(z.array(SUBNET_ATTRIBUTES), "checkSubnets"),
  privateServicesAccess: z
    .strictObject({
      rangeName: missingCheckedBy(z.string(), "checkName"),
      cidr: z.string().optional(),
    })
    .optional(),
  firewallPolicyEnforcementOrder: stringOf<FirewallPolicyEnforcementOrder>().optional(),
}) satisfies PropsSchema<NetworkAttributes>;

/**
 * A subnetwork as the constructs that join it see it: created by {@link Network} or an existing
 * one (a Shared VPC's subnet, say) described by {@link Network.fromAttributes}.
 */
export interface ISubnetwork {
  /** The subnet's region, e.g. `us-central1`. */
  readonly region: string;
  /** The primary range, when known (always for a created subnet). */
  readonly cidr?: Cidr;
  /** The subnet's self link (`https://www.googleapis.com/compute/v1/projects/.../subnetworks/...`). */
  readonly selfLink: string;
  /** The subnet's secondary ranges, when known. */
  readonly secondaryRanges?: readonly { readonly name: string; readonly cidr: Cidr }[];
}

/** Private services access of a VPC: the range Google's producer network takes addresses from. */
export interface IPrivateServicesAccess {
  /** The name of the reserved global address range (`allocated_ip_range` of Cloud SQL). */
  readonly rangeName: string;
  /** The reserved range, when known. */
  readonly cidr?: Cidr;
  /** What a private instance must wait for (the peering), when the same stack creates it. */
  readonly dependable?: ITerraformDependable;
}

/** A VPC as the constructs that join it see it: created by {@link Network} or an existing one. */
export interface INetwork extends IConstruct {
  /** The VPC's id (`projects/.../global/networks/...`). */
  readonly id: string;
  /** The VPC's self link. */
  readonly selfLink: string;
  /** The VPC's name. */
  readonly name: string;
  /**
   * The project holding the VPC, when it is not the provider's (a Shared VPC host project, say);
   * firewall rules and policies of the VPC are created there.
   */
  readonly projectId?: string;
  /** When the VPC evaluates network firewall policies relative to its VPC firewall rules. */
  readonly firewallPolicyEnforcementOrder: FirewallPolicyEnforcementOrder;
  /** The regions that have a subnet the constructs may use, in the order given. */
  readonly regions: readonly string[];
  /** Private services access, when the VPC has it (Cloud SQL with a private IP needs it). */
  readonly privateServices?: IPrivateServicesAccess;
  /** The subnet of a region; throws a ValidationError naming the regions that exist. */
  subnet(region: string): ISubnetwork;
}

/** A subnet of the network, as created. */
export interface Subnet extends ISubnetwork {
  readonly cidr: Cidr;
  readonly secondaryRanges: readonly { readonly name: string; readonly cidr: Cidr }[];
  readonly resource: ComputeSubnetwork;
  readonly router?: ComputeRouter;
  readonly nat?: ComputeRouterNat;
}
