import { Construct } from "constructs";
import { Token } from "cdktf";
import { z } from "zod";
import { Vpc as AwsVpc } from "@cdktf/provider-aws/lib/vpc";
import { Subnet as AwsSubnet } from "@cdktf/provider-aws/lib/subnet";
import { InternetGateway } from "@cdktf/provider-aws/lib/internet-gateway";
import { Eip } from "@cdktf/provider-aws/lib/eip";
import { NatGateway } from "@cdktf/provider-aws/lib/nat-gateway";
import { RouteTable } from "@cdktf/provider-aws/lib/route-table";
import { Route } from "@cdktf/provider-aws/lib/route";
import { RouteTableAssociation } from "@cdktf/provider-aws/lib/route-table-association";
import { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint";
import { DefaultSecurityGroup } from "@cdktf/provider-aws/lib/default-security-group";
import { FlowLog } from "@cdktf/provider-aws/lib/flow-log";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { Cidr, findOverlap, parseCidr } from "../core/cidr";
import { deletionPolicy, refuseProtectionFlags } from "../core/deletion";
import { invalid } from "../core/errors";
import { checkName, prefixedName } from "../core/naming";
import { acceptOptOut, recordOptOut, type OptOut } from "../core/opt-out";
import {
  checkedBy,
  checkProps,
  constructRef,
  missingCheckedBy,
  optOutSchema,
  refusedProtectionFlags,
  stringOf,
  type PropsSchema,
} from "../core/props";
import { PlatformStack } from "../core/stack";
import { availabilityZonesOf, checkAwsRegion } from "./common";
import type { IKmsKey, IVpc } from "./interfaces";

/** How private subnets reach the internet. */
export type NatGatewayMode = "single" | "perAz" | "none";

const NAT_MODES: readonly NatGatewayMode[] = ["single", "perAz", "none"];

/** Which traffic the flow log records. */
export type FlowLogTrafficType = "ALL" | "ACCEPT" | "REJECT";

const TRAFFIC_TYPES: readonly FlowLogTrafficType[] = ["ALL", "ACCEPT", "REJECT"];

/** The retention periods CloudWatch Logs accepts, in days. */
export const LOG_RETENTION_DAYS: readonly number[] = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
];

/** VPC flow logs, which are always on. */
export interface VpcFlowLogOptions {
  /** How long CloudWatch Logs keeps the records, one of {@link LOG_RETENTION_DAYS}. @default 90 */
  readonly retentionDays?: number;
  /** @default "ALL" (accepted and rejected traffic) */
  readonly trafficType?: FlowLogTrafficType;
  /** Longest time a flow is aggregated before it is written, in seconds: 60 or 600. @default 600 */
  readonly maxAggregationInterval?: 60 | 600;
  /**
   * A KMS key the log group is encrypted with; its key policy must allow the
   * `logs.<region>.amazonaws.com` service to use it. @default CloudWatch Logs' own encryption
   */
  readonly kmsKey?: IKmsKey;
}

export interface VpcProps {
  /** Short name; the VPC's `Name` tag is `${prefix}-${name}`. @default "vpc" */
  readonly name?: string;
  /** The region the VPC is in, the AWS provider's region, e.g. `ap-northeast-2`. */
  readonly region: string;
  /**
   * The VPC's IPv4 range, `/16` to `/28`, inside RFC 1918 unless {@link allowNonRfc1918} is set,
   * e.g. `10.20.0.0/16`.
   */
  readonly cidr: string;
  /**
   * How many availability zones the subnets are spread over, the first ones of the region.
   * @default 3 (every zone of a region with fewer)
   */
  readonly azCount?: number;
  /**
   * The availability zones, by name (`ap-northeast-2a`), instead of {@link azCount}.
   * @default the first {@link azCount} zones of the region
   */
  readonly availabilityZones?: readonly string[];
  /**
   * Public subnets (load balancers, NAT gateways), one CIDR per availability zone, in zone order;
   * `[]` for none (then there is no internet gateway).
   * @default carved from the first quarter of the VPC range
   */
  readonly publicSubnetCidrs?: readonly string[];
  /**
   * Private subnets (workloads, egress through NAT only), one CIDR per availability zone; `[]`
   * for none. @default carved from the second quarter of the VPC range
   */
  readonly privateSubnetCidrs?: readonly string[];
  /**
   * Isolated subnets (databases, caches: no route to the internet at all), one CIDR per
   * availability zone; `[]` for none. @default carved from the third quarter of the VPC range
   */
  readonly isolatedSubnetCidrs?: readonly string[];
  /**
   * Prefix length of the carved subnets (the tiers whose CIDRs are not listed), `/16` to `/28`.
   * @default 24, or longer when the VPC range is too small for /24s
   */
  readonly subnetPrefixLength?: number;
  /**
   * NAT gateways for the private subnets: `single` (one, in the first zone: cheaper, but egress
   * stops when that zone fails), `perAz` (one per zone, each zone's private subnet routes through
   * its own) or `none` (private subnets reach nothing outside the VPC).
   * @default "perAz" in an environment named prod or production, "single" elsewhere, "none" without public or private subnets
   */
  readonly natGateways?: NatGatewayMode;
  /**
   * Give instances launched in the public subnets a public IPv4 address by default, with a
   * reason; recorded as `public-ip-on-launch` on each public subnet. Private and isolated
   * subnets never do. @default undefined (no public address unless an instance asks for one)
   */
  readonly mapPublicIpOnLaunch?: OptOut;
  /** Flow log settings; flow logs to CloudWatch Logs are always on. @default see {@link VpcFlowLogOptions} */
  readonly flowLogs?: VpcFlowLogOptions;
  /**
   * Accept a VPC range outside 10/8, 172.16/12 and 192.168/16 (it would hide the internet
   * addresses it covers from the VPC), with a reason; recorded as `non-rfc1918-subnet`.
   * @default undefined (RFC 1918 only)
   */
  readonly allowNonRfc1918?: OptOut;
  /**
   * Let `terraform destroy` delete the flow-log group and the records in it, with a reason (dev
   * and review environments): drops its deletion protection and `lifecycle.prevent_destroy` and
   * records `deletion-allowed` on it. @default undefined (the flow logs are kept)
   */
  readonly allowDeletion?: OptOut;
}

/**
 * Shapes and types of {@link VpcProps}. The region is judged by `checkAwsRegion` (with a
 * suggestion), ranges by `parseCidr`, enum values by the constructor, which lists them.
 */
const CIDR = missingCheckedBy(z.string(), "parseCidr");

const VPC_PROPS = z.strictObject({
  name: z.string().optional(),
  region: checkedBy<string>("checkAwsRegion"),
  cidr: CIDR,
  azCount: z.number().optional(),
  availabilityZones: z.array(z.string()).optional(),
  publicSubnetCidrs: z.array(z.string()).optional(),
  privateSubnetCidrs: z.array(z.string()).optional(),
  isolatedSubnetCidrs: z.array(z.string()).optional(),
  subnetPrefixLength: z.number().optional(),
  natGateways: stringOf<NatGatewayMode>().optional(),
  mapPublicIpOnLaunch: optOutSchema.optional(),
  flowLogs: z
    .strictObject({
      retentionDays: z.number().optional(),
      trafficType: stringOf<FlowLogTrafficType>().optional(),
      maxAggregationInterval: checkedBy<60 | 600>("checkFlowLogs").optional(),
      kmsKey: constructRef<IKmsKey>("a KMS key (IKmsKey)", ["keyArn"]).optional(),
    })
    .optional(),
  allowNonRfc1918: optOutSchema.optional(),
  allowDeletion: optOutSchema.optional(),
  ...refusedProtectionFlags,
}) satisfies PropsSchema<VpcProps>;

/** An existing VPC and its subnets (see {@link Vpc.fromAttributes}). */
export interface VpcAttributes {
  /** The VPC's id, `vpc-0123456789abcdef0` (or a Terraform reference). */
  readonly vpcId: string;
  /** The VPC's primary IPv4 range, when you want constructs to know it. @default unknown */
  readonly cidr?: string;
  /** The availability zones of the subnets, in the order the subnet lists follow. */
  readonly azs: readonly string[];
  /** Public subnet ids, one per zone in {@link azs} order, or `[]` when the VPC has none. */
  readonly publicSubnetIds: readonly string[];
  /** Private subnet ids (egress through NAT), one per zone, or `[]`. */
  readonly privateSubnetIds: readonly string[];
  /** Isolated subnet ids (no internet route), one per zone, or `[]`. */
  readonly isolatedSubnetIds: readonly string[];
}

const ID_LIST = missingCheckedBy(z.array(z.string()), "checkIds");

const VPC_ATTRIBUTES = z.strictObject({
  vpcId: missingCheckedBy(z.string(), "checkId"),
  cidr: z.string().optional(),
  azs: missingCheckedBy(z.array(z.string()), "checkAzs"),
  publicSubnetIds: ID_LIST,
  privateSubnetIds: ID_LIST,
  isolatedSubnetIds: ID_LIST,
}) satisfies PropsSchema<VpcAttributes>;

/** The subnet tiers, in the order their default ranges are carved. */
export type SubnetTier = "public" | "private" | "isolated";

const TIERS: readonly SubnetTier[] = ["public", "private", "isolated"];

const TIER_PROPS: Readonly<Record<SubnetTier, keyof VpcProps>> = {
  public: "publicSubnetCidrs",
  private: "privateSubnetCidrs",
  isolated: "isolatedSubnetCidrs",
};

const DEFAULT_NAME = "vpc";
const DEFAULT_AZ_COUNT = 3;
const DEFAULT_SUBNET_PREFIX = 24;
const VPC_MIN_PREFIX = 16;
const VPC_MAX_PREFIX = 28;
/** The opt-out recorded on a VPC whose range is outside RFC 1918 (the GCP network's word). */
const NON_RFC1918 = "non-rfc1918-subnet";
/** The opt-out recorded on a public subnet that gives instances public addresses. */
const PUBLIC_IP_ON_LAUNCH = "public-ip-on-launch";

/** A subnet of a tier as created. */
export interface VpcSubnet {
  readonly tier: SubnetTier;
  readonly availabilityZone: string;
  readonly cidr: Cidr;
  readonly resource: AwsSubnet;
}

/**
 * A VPC in public, private and isolated tiers across availability zones. Always on: DNS support
 * and hostnames, flow logs to a CloudWatch log group of its own (written by a role that can write
 * only there), the default security group stripped of every rule, no public addresses on launch,
 * an S3 gateway endpoint on the private and isolated route tables, and no internet route from the
 * isolated tier. Every subnet is checked to lie inside the VPC range and to overlap no other.
 */
export class Vpc extends Construct implements IVpc {
  /** The VPC (escape hatch). */
  readonly vpc: AwsVpc;
  /** Every subnet created, tier by tier, each tier in zone order. */
  readonly subnets: readonly VpcSubnet[];
  /** The internet gateway, when there are public subnets. */
  readonly internetGateway?: InternetGateway;
  /** The NAT gateways, one or one per zone (empty with `natGateways: "none"`). */
  readonly natGateways: readonly NatGateway[];
  /** The route tables: `public`, `private-<zone>` per zone, `isolated`, when the tier exists. */
  readonly routeTables: Readonly<Record<string, RouteTable>>;
  /** The S3 gateway endpoint, when there are private or isolated subnets. */
  readonly s3Endpoint?: VpcEndpoint;
  /** The default security group, held with no rules. */
  readonly defaultSecurityGroup: DefaultSecurityGroup;
  /** The flow log, its log group and the role that writes it. */
  readonly flowLog: FlowLog;
  readonly flowLogGroup: CloudwatchLogGroup;
  readonly flowLogRole: IamRole;
  /** The region the VPC is in. */
  readonly region: string;
  readonly availabilityZones: readonly string[];
  /** The VPC range, parsed. */
  readonly cidrRange: Cidr;

  /**
   * An existing VPC described by its ids, for constructs that take an {@link IVpc}. Creates no
   * resources and reads nothing from the cloud: ids are checked for their form (`vpc-...`,
   * `subnet-...`, or Terraform references) and each subnet list for one id per zone.
   */
  static fromAttributes(scope: Construct, id: string, attrs: VpcAttributes): IVpc {
    return new ImportedVpc(scope, id, attrs);
  }

  constructor(scope: Construct, id: string, props: VpcProps) {
    super(scope, id);
    const stack = PlatformStack.of(this);
    checkProps(this, VPC_PROPS, props, '{ region: "ap-northeast-2", cidr: "10.20.0.0/16" }');
    refuseProtectionFlags(this, props, "Vpc");
    const name = checkName(this, "name", "network", props.name ?? DEFAULT_NAME);
    const vpcName = stack.claimName(
      this,
      "name",
      "network",
      prefixedName(this, "name", "network", stack.prefix, name),
    );
    this.region = checkAwsRegion(this, "region", props.region);
    this.cidrRange = parseCidr(this, "cidr", props.cidr, {
      minPrefix: VPC_MIN_PREFIX,
      maxPrefix: VPC_MAX_PREFIX,
    });
    const nonRfc1918 = !this.cidrRange.isRfc1918;
    if (nonRfc1918 && !acceptOptOut(this, "allowNonRfc1918", props.allowNonRfc1918)) {
      invalid(
        this,
        "cidr",
        props.cidr,
        "is outside RFC 1918 (10/8, 172.16/12, 192.168/16): the VPC would hide the internet addresses it covers",
        'choose a private range such as "10.20.0.0/16", or set allowNonRfc1918: { reason }',
      );
    }
    this.availabilityZones = this.checkZones(props);
    const zones = this.availabilityZones;
    const deletion = deletionPolicy(this, props.allowDeletion);
    const publicIp = acceptOptOut(this, "mapPublicIpOnLaunch", props.mapPublicIpOnLaunch);

    const layout = this.layout(props);
    const hasTier = (tier: SubnetTier) => layout[tier].length > 0;
    const nat = this.natMode(props.natGateways, stack.environment, hasTier);
    const flow = this.checkFlowLogs(props.flowLogs);

    this.vpc = new AwsVpc(this, "vpc", {
      cidrBlock: this.cidrRange.toString(),
      enableDnsSupport: true,
      enableDnsHostnames: true,
      tags: { Name: vpcName },
    });
    if (nonRfc1918) recordOptOut(this.vpc, NON_RFC1918, props.allowNonRfc1918!);

    this.defaultSecurityGroup = new DefaultSecurityGroup(this, "default-sg", {
      vpcId: this.vpc.id,
      tags: { Name: `${vpcName}-default-deny` },
    });

    const subnets: VpcSubnet[] = [];
    for (const tier of TIERS) {
      layout[tier].forEach((cidr, i) => {
        const zone = zones[i];
        const resource = new AwsSubnet(this, `${tier}-${zone}`, {
          vpcId: this.vpc.id,
          availabilityZone: zone,
          cidrBlock: cidr.toString(),
          mapPublicIpOnLaunch: tier === "public" && publicIp,
          tags: { Name: `${vpcName}-${tier}-${zone}` },
        });
        if (tier === "public" && publicIp) {
          recordOptOut(resource, PUBLIC_IP_ON_LAUNCH, props.mapPublicIpOnLaunch!);
        }
        subnets.push({ tier, availabilityZone: zone, cidr, resource });
      });
    }
    this.subnets = subnets;
    const ofTier = (tier: SubnetTier) => subnets.filter((s) => s.tier === tier);

    const tables: Record<string, RouteTable> = {};
    const table = (key: string) => {
      tables[key] = new RouteTable(this, `rt-${key}`, {
        vpcId: this.vpc.id,
        tags: { Name: `${vpcName}-${key}` },
      });
      return tables[key];
    };
    const associate = (subnet: VpcSubnet, rt: RouteTable) =>
      new RouteTableAssociation(this, `rta-${subnet.tier}-${subnet.availabilityZone}`, {
        subnetId: subnet.resource.id,
        routeTableId: rt.id,
      });

    const natGateways: NatGateway[] = [];
    if (hasTier("public")) {
      const igw = new InternetGateway(this, "igw", {
        vpcId: this.vpc.id,
        tags: { Name: vpcName },
      });
      this.internetGateway = igw;
      const rt = table("public");
      new Route(this, "public-default-route", {
        routeTableId: rt.id,
        destinationCidrBlock: "0.0.0.0/0",
        gatewayId: igw.id,
      });
      ofTier("public").forEach((s) => associate(s, rt));
      const natSubnets =
        nat === "perAz" ? ofTier("public") : nat === "single" ? [ofTier("public")[0]] : [];
      for (const s of natSubnets) {
        const eip = new Eip(this, `nat-eip-${s.availabilityZone}`, {
          domain: "vpc",
          tags: { Name: `${vpcName}-nat-${s.availabilityZone}` },
          dependsOn: [igw],
        });
        natGateways.push(
          new NatGateway(this, `nat-${s.availabilityZone}`, {
            allocationId: eip.id,
            subnetId: s.resource.id,
            connectivityType: "public",
            tags: { Name: `${vpcName}-nat-${s.availabilityZone}` },
            dependsOn: [igw],
          }),
        );
      }
    }
    this.natGateways = natGateways;

    const endpointTables: RouteTable[] = [];
    ofTier("private").forEach((s, i) => {
      const rt = table(`private-${s.availabilityZone}`);
      endpointTables.push(rt);
      associate(s, rt);
      const gateway =
        natGateways.length === 0 ? undefined : natGateways[Math.min(i, natGateways.length - 1)];
      if (gateway) {
        new Route(this, `private-default-route-${s.availabilityZone}`, {
          routeTableId: rt.id,
          destinationCidrBlock: "0.0.0.0/0",
          natGatewayId: gateway.id,
        });
      }
    });
    if (hasTier("isolated")) {
      // Only the VPC's local route: no internet gateway, no NAT.
      const rt = table("isolated");
      endpointTables.push(rt);
      ofTier("isolated").forEach((s) => associate(s, rt));
    }
    this.routeTables = tables;

    if (endpointTables.length > 0) {
      this.s3Endpoint = new VpcEndpoint(this, "s3-endpoint", {
        vpcId: this.vpc.id,
        serviceName: `com.amazonaws.${this.region}.s3`,
        vpcEndpointType: "Gateway",
        routeTableIds: endpointTables.map((t) => t.id),
        tags: { Name: `${vpcName}-s3` },
      });
    }

    // Flow logs: a log group of their own, written by a role that may write only to it.
    this.flowLogGroup = new CloudwatchLogGroup(this, "flow-log-group", {
      name: `/aws/vpc-flow-logs/${vpcName}`,
      retentionInDays: flow.retentionDays,
      kmsKeyId: flow.kmsKey?.keyArn,
      deletionProtectionEnabled: deletion.protect,
      lifecycle: deletion.lifecycle(),
    });
    deletion.record(this.flowLogGroup);
    const roleName = stack.claimName(
      this,
      "name",
      "iam-role",
      checkName(this, "name", "iam-role", `${vpcName}-flow-logs`),
    );
    const account = new DataAwsCallerIdentity(this, "account");
    const partition = new DataAwsPartition(this, "partition");
    const trust = new DataAwsIamPolicyDocument(this, "flow-log-trust", {
      statement: [
        {
          sid: "VpcFlowLogsAssume",
          effect: "Allow",
          actions: ["sts:AssumeRole"],
          principals: [{ type: "Service", identifiers: ["vpc-flow-logs.amazonaws.com"] }],
          condition: [
            { test: "StringEquals", variable: "aws:SourceAccount", values: [account.accountId] },
            {
              test: "ArnLike",
              variable: "aws:SourceArn",
              values: [
                `arn:${partition.partition}:ec2:${this.region}:${account.accountId}:vpc-flow-log/*`,
              ],
            },
          ],
        },
      ],
    });
    this.flowLogRole = new IamRole(this, "flow-log-role", {
      name: roleName,
      description: `Writes the flow logs of ${vpcName} to ${this.flowLogGroup.name}`,
      assumeRolePolicy: trust.json,
    });
    const write = new DataAwsIamPolicyDocument(this, "flow-log-write", {
      statement: [
        {
          sid: "WriteFlowLogs",
          effect: "Allow",
          actions: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
          resources: [this.flowLogGroup.arn, `${this.flowLogGroup.arn}:*`],
        },
      ],
    });
    new IamRolePolicy(this, "flow-log-policy", {
      name: "write-flow-logs",
      role: this.flowLogRole.id,
      policy: write.json,
    });
    this.flowLog = new FlowLog(this, "flow-log", {
      vpcId: this.vpc.id,
      trafficType: flow.trafficType,
      logDestinationType: "cloud-watch-logs",
      logDestination: this.flowLogGroup.arn,
      iamRoleArn: this.flowLogRole.arn,
      maxAggregationInterval: flow.maxAggregationInterval,
      tags: { Name: vpcName },
    });
  }

  /** `vpc-...`. */
  get vpcId(): string {
    return this.vpc.id;
  }

  /** The VPC range, e.g. `10.20.0.0/16`. */
  get cidr(): string {
    return this.cidrRange.toString();
  }

  get publicSubnetIds(): readonly string[] {
    return this.idsOf("public");
  }

  get privateSubnetIds(): readonly string[] {
    return this.idsOf("private");
  }

  get isolatedSubnetIds(): readonly string[] {
    return this.idsOf("isolated");
  }

  /**
   * The S3 prefix list of the gateway endpoint, for a security group's egress rule to S3
   * (`sg.allowTo(Peer.prefixList(vpc.s3PrefixListId), 443, ...)`); undefined without an endpoint.
   */
  get s3PrefixListId(): string | undefined {
    return this.s3Endpoint?.prefixListId;
  }

  /** The flow-log group's name. */
  get flowLogGroupName(): string {
    return this.flowLogGroup.name;
  }

  private idsOf(tier: SubnetTier): string[] {
    return this.subnets.filter((s) => s.tier === tier).map((s) => s.resource.id);
  }

  private checkZones(props: VpcProps): string[] {
    const all = availabilityZonesOf(this, this.region);
    if (props.availabilityZones !== undefined) {
      if (props.azCount !== undefined) {
        invalid(
          this,
          "azCount",
          props.azCount,
          "is given together with availabilityZones",
          "give either azCount or availabilityZones",
        );
      }
      const given = props.availabilityZones;
      if (given.length === 0) {
        invalid(
          this,
          "availabilityZones",
          given,
          "is empty",
          `list at least one zone of ${this.region}: ${all.join(", ")}`,
        );
      }
      given.forEach((zone, i) => {
        if (!all.includes(zone)) {
          invalid(
            this,
            `availabilityZones[${i}]`,
            zone,
            `is not an availability zone of ${this.region}`,
            `use one of ${all.join(", ")}`,
          );
        }
        if (given.indexOf(zone) !== i) {
          invalid(this, `availabilityZones[${i}]`, zone, "is listed twice", "list each zone once");
        }
      });
      return [...given];
    }
    const count = props.azCount ?? Math.min(DEFAULT_AZ_COUNT, all.length);
    if (!Number.isInteger(count) || count < 1 || count > all.length) {
      invalid(
        this,
        "azCount",
        count,
        `is not a whole number from 1 to ${all.length} (the zones of ${this.region})`,
        `use 1 to ${all.length}; ${this.region} has ${all.join(", ")}`,
      );
    }
    return all.slice(0, count);
  }

  /**
   * The subnet ranges of each tier: the listed ones, or carved from the tier's quarter of the VPC
   * range (public the first, private the second, isolated the third; the fourth is left free),
   * one block per zone. Every range must lie inside the VPC range and overlap no other.
   */
  private layout(props: VpcProps): Record<SubnetTier, Cidr[]> {
    const zones = this.availabilityZones;
    const vpc = this.cidrRange;
    const carve = TIERS.some((t) => props[TIER_PROPS[t]] === undefined);
    const slotsBits = Math.ceil(Math.log2(zones.length));
    const needed = vpc.prefixLength + 2 + slotsBits;
    let prefix = Math.max(DEFAULT_SUBNET_PREFIX, needed);
    if (props.subnetPrefixLength !== undefined) {
      prefix = props.subnetPrefixLength;
      if (
        !Number.isInteger(prefix) ||
        prefix < VPC_MIN_PREFIX ||
        prefix > VPC_MAX_PREFIX ||
        prefix < needed
      ) {
        invalid(
          this,
          "subnetPrefixLength",
          prefix,
          `cannot carve ${zones.length} subnets per tier from a quarter of ${vpc.toString()}`,
          `use a whole number from ${Math.max(needed, VPC_MIN_PREFIX)} to ${VPC_MAX_PREFIX}, or list each tier's CIDRs`,
        );
      }
    } else if (carve && prefix > VPC_MAX_PREFIX) {
      invalid(
        this,
        "cidr",
        vpc.toString(),
        `is too small to carve ${zones.length} subnets per tier (each at least /${VPC_MAX_PREFIX}) from its quarters`,
        `use a range of /${VPC_MAX_PREFIX - 2 - slotsBits} or larger, or list each tier's CIDRs (publicSubnetCidrs, privateSubnetCidrs, isolatedSubnetCidrs)`,
      );
    }
    const layout = {} as Record<SubnetTier, Cidr[]>;
    const placed: { label: string; cidr: Cidr; carved?: boolean }[] = [];
    TIERS.forEach((tier, t) => {
      const property = TIER_PROPS[tier];
      const given = props[property] as readonly string[] | undefined;
      if (given === undefined) {
        const quarter = blockOf(vpc, vpc.prefixLength + 2, t);
        layout[tier] = zones.map((_, i) => blockOf(quarter, prefix, i));
        layout[tier].forEach((cidr, i) =>
          placed.push({ label: `${tier} subnet in ${zones[i]} (carved)`, cidr, carved: true }),
        );
        return;
      }
      if (given.length !== 0 && given.length !== zones.length) {
        invalid(
          this,
          property,
          given,
          `lists ${given.length} CIDRs for ${zones.length} availability zones (${zones.join(", ")})`,
          `list one CIDR per zone, in zone order, or [] for no ${tier} subnets`,
        );
      }
      layout[tier] = given.map((text, i) => {
        const label = `${property}[${i}]`;
        const cidr = parseCidr(this, label, text, {
          minPrefix: VPC_MIN_PREFIX,
          maxPrefix: VPC_MAX_PREFIX,
        });
        if (!vpc.contains(cidr)) {
          invalid(
            this,
            label,
            text,
            `is outside the VPC range ${vpc.toString()}`,
            `choose a range inside ${vpc.toString()}`,
          );
        }
        placed.push({ label, cidr });
        return cidr;
      });
    });
    const clash = findOverlap(placed.map((p) => p.cidr));
    if (clash) {
      // Name a listed range: a carved one is no prop the user could change (carved ranges never
      // overlap each other, so one of the two is listed).
      const [a, b] = [placed[clash.a], placed[clash.b]];
      const [first, second] = b.carved ? [b, a] : [a, b];
      invalid(
        this,
        second.label,
        second.cidr.toString(),
        `overlaps ${first.label} (${first.cidr.toString()})`,
        "give each subnet a range of its own; carved tiers take the VPC range's first three quarters, in the order public, private, isolated",
      );
    }
    return layout;
  }

  private natMode(
    given: NatGatewayMode | undefined,
    environment: string,
    hasTier: (tier: SubnetTier) => boolean,
  ): NatGatewayMode {
    if (given !== undefined && !NAT_MODES.includes(given)) {
      invalid(
        this,
        "natGateways",
        given,
        "is not a NAT gateway mode",
        `use one of ${NAT_MODES.map((m) => `"${m}"`).join(", ")}`,
      );
    }
    if (given !== undefined && given !== "none") {
      if (!hasTier("public")) {
        invalid(
          this,
          "natGateways",
          given,
          "needs public subnets for the NAT gateways",
          'keep the public tier (publicSubnetCidrs), or set natGateways: "none"',
        );
      }
      if (!hasTier("private")) {
        invalid(
          this,
          "natGateways",
          given,
          "has no private subnets to serve",
          'keep the private tier (privateSubnetCidrs), or set natGateways: "none"',
        );
      }
    }
    if (given !== undefined) return given;
    if (!hasTier("public") || !hasTier("private")) return "none";
    return /^prod(uction)?$/.test(environment) ? "perAz" : "single";
  }

  private checkFlowLogs(options: VpcFlowLogOptions | undefined): {
    retentionDays: number;
    trafficType: FlowLogTrafficType;
    maxAggregationInterval: number;
    kmsKey?: IKmsKey;
  } {
    const retentionDays = options?.retentionDays ?? 90;
    if (!LOG_RETENTION_DAYS.includes(retentionDays)) {
      invalid(
        this,
        "flowLogs.retentionDays",
        retentionDays,
        "is not a retention CloudWatch Logs offers",
        `use one of ${LOG_RETENTION_DAYS.join(", ")}`,
      );
    }
    const trafficType = options?.trafficType ?? "ALL";
    if (!TRAFFIC_TYPES.includes(trafficType)) {
      invalid(
        this,
        "flowLogs.trafficType",
        trafficType,
        "is not a flow log traffic type",
        `use one of ${TRAFFIC_TYPES.map((t) => `"${t}"`).join(", ")}`,
      );
    }
    const interval = options?.maxAggregationInterval ?? 600;
    if (interval !== 60 && interval !== 600) {
      invalid(
        this,
        "flowLogs.maxAggregationInterval",
        interval,
        "is not an aggregation interval flow logs offer",
        "use 60 or 600 (seconds)",
      );
    }
    return {
      retentionDays,
      trafficType,
      maxAggregationInterval: interval,
      kmsKey: options?.kmsKey,
    };
  }
}

/** The `index`-th block of prefix length `prefix` inside `range`. */
function blockOf(range: Cidr, prefix: number, index: number): Cidr {
  const base = range.networkAddress.split(".").reduce((n, octet) => n * 256 + Number(octet), 0);
  const address = base + index * 2 ** (32 - prefix);
  const octets = [24, 16, 8, 0].map((shift) => Math.floor(address / 2 ** shift) % 256);
  return Cidr.parse(`${octets.join(".")}/${prefix}`);
}

const VPC_ID = /^vpc-([0-9a-f]{8}|[0-9a-f]{17})$/;
const SUBNET_ID = /^subnet-([0-9a-f]{8}|[0-9a-f]{17})$/;
const AZ_NAME = /^[a-z]{2}(-gov)?-[a-z]+-\d[a-z]$/;

/** An existing VPC: what {@link Vpc.fromAttributes} returns. */
class ImportedVpc extends Construct implements IVpc {
  readonly vpcId: string;
  readonly cidr?: string;
  readonly availabilityZones: readonly string[];
  readonly publicSubnetIds: readonly string[];
  readonly privateSubnetIds: readonly string[];
  readonly isolatedSubnetIds: readonly string[];

  constructor(scope: Construct, id: string, attrs: VpcAttributes) {
    super(scope, id);
    const example =
      '{ vpcId: "vpc-0123456789abcdef0", azs, publicSubnetIds, privateSubnetIds, isolatedSubnetIds }';
    checkProps(this, VPC_ATTRIBUTES, attrs, example);
    this.vpcId = this.checkId("vpcId", attrs.vpcId, VPC_ID, "vpc-0123456789abcdef0");
    if (attrs.cidr !== undefined) {
      this.cidr = parseCidr(this, "cidr", attrs.cidr, {
        minPrefix: VPC_MIN_PREFIX,
        maxPrefix: VPC_MAX_PREFIX,
      }).toString();
    }
    this.availabilityZones = this.checkAzs(attrs.azs);
    this.publicSubnetIds = this.checkIds("publicSubnetIds", attrs.publicSubnetIds);
    this.privateSubnetIds = this.checkIds("privateSubnetIds", attrs.privateSubnetIds);
    this.isolatedSubnetIds = this.checkIds("isolatedSubnetIds", attrs.isolatedSubnetIds);
    const seen = new Map<string, string>();
    for (const [property, ids] of [
      ["publicSubnetIds", this.publicSubnetIds],
      ["privateSubnetIds", this.privateSubnetIds],
      ["isolatedSubnetIds", this.isolatedSubnetIds],
    ] as const) {
      ids.forEach((subnet, i) => {
        if (Token.isUnresolved(subnet)) return;
        const first = seen.get(subnet);
        if (first !== undefined) {
          invalid(
            this,
            `${property}[${i}]`,
            subnet,
            `is already listed as ${first}`,
            "a subnet belongs to one tier and one zone: copy the ids as the VPC has them",
          );
        }
        seen.set(subnet, `${property}[${i}]`);
      });
    }
  }

  private checkId(property: string, value: unknown, pattern: RegExp, example: string): string {
    if (Token.isUnresolved(value)) return value as string;
    if (typeof value !== "string" || !pattern.test(value)) {
      invalid(
        this,
        property,
        value,
        `is not a ${example.split("-")[0]} id`,
        `use the id as AWS shows it, e.g. "${example}", or a Terraform reference`,
      );
    }
    return value;
  }

  private checkAzs(azs: readonly string[] | undefined): string[] {
    if (!Array.isArray(azs) || azs.length === 0) {
      invalid(
        this,
        "azs",
        azs,
        "must list at least one availability zone",
        'list the zones of the subnets in order, e.g. ["ap-northeast-2a", "ap-northeast-2c"]',
      );
    }
    azs.forEach((zone, i) => {
      if (!Token.isUnresolved(zone) && !AZ_NAME.test(zone)) {
        invalid(
          this,
          `azs[${i}]`,
          zone,
          "is not an availability zone name",
          'use e.g. "ap-northeast-2a"',
        );
      }
      if (azs.indexOf(zone) !== i) {
        invalid(this, `azs[${i}]`, zone, "is listed twice", "list each zone once");
      }
    });
    return [...azs];
  }

  private checkIds(property: string, ids: readonly string[] | undefined): string[] {
    const zones = this.availabilityZones;
    if (!Array.isArray(ids)) {
      invalid(
        this,
        property,
        ids,
        "is missing",
        `list one subnet id per zone (${zones.join(", ")}), or [] when the VPC has no such subnets`,
      );
    }
    if (ids.length !== 0 && ids.length !== zones.length) {
      invalid(
        this,
        property,
        ids,
        `lists ${ids.length} subnets for ${zones.length} availability zones (${zones.join(", ")})`,
        "list one subnet id per zone, in the order of azs, or []",
      );
    }
    return ids.map((s, i) =>
      this.checkId(`${property}[${i}]`, s, SUBNET_ID, "subnet-0123456789abcdef0"),
    );
  }
}
