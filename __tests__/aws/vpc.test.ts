import { Token } from "cdktf";
import { optOutsOf } from "../../constructs/core/opt-out";
import { ValidationError } from "../../constructs/core/errors";
import { Vpc, type VpcProps } from "../../constructs/aws/vpc";
import { evaluate } from "../../policy/engine";
import { parseStack } from "../../policy/load";
import type { Json } from "../../policy/types";
import {
  findResource,
  resourcesOf,
  synthJson,
  synthWithComments,
  testStack,
  type SynthJson,
} from "../helpers/synth";

const REASON = "review environment, destroyed when the merge request closes";
const BASE: VpcProps = { region: "ap-northeast-2", cidr: "10.20.0.0/16" };

function awsStack(environment = "dev") {
  return testStack({
    system: "sf",
    environment,
    backend: {
      kind: "s3",
      bucket: "sf-state",
      key: `sf/${environment}.tfstate`,
      region: "ap-northeast-2",
    },
  });
}

function build(props: Partial<VpcProps> = {}, environment = "dev") {
  const stack = awsStack(environment);
  const vpc = new Vpc(stack, "vpc", { ...BASE, ...props } as VpcProps);
  return { stack, vpc, json: synthJson(stack) };
}

const cidrsOf = (json: SynthJson, tier: string) =>
  resourcesOf(json, "aws_subnet")
    .filter((s) => (s.config.tags as Record<string, string>).Name.includes(`-${tier}-`))
    .map((s) => s.config.cidr_block);

/** The address a `${aws_x.name.id}` reference points at. */
const ref = (value: unknown) => String(value).replace(/^\$\{(.*)\.[a-z_]+\}$/, "$1");

describe("Vpc", () => {
  it("is a three-zone, three-tier VPC with DNS on and carved /24s by default", () => {
    const { json, vpc } = build();
    expect(findResource(json, "aws_vpc")).toMatchObject({
      cidr_block: "10.20.0.0/16",
      enable_dns_support: true,
      enable_dns_hostnames: true,
      tags: { Name: "sf-dev-vpc", environment: "dev", system: "sf", "managed-by": "cdktf" },
    });
    expect(vpc.availabilityZones).toEqual([
      "ap-northeast-2a",
      "ap-northeast-2b",
      "ap-northeast-2c",
    ]);
    expect(cidrsOf(json, "public")).toEqual(["10.20.0.0/24", "10.20.1.0/24", "10.20.2.0/24"]);
    expect(cidrsOf(json, "private")).toEqual(["10.20.64.0/24", "10.20.65.0/24", "10.20.66.0/24"]);
    expect(cidrsOf(json, "isolated")).toEqual([
      "10.20.128.0/24",
      "10.20.129.0/24",
      "10.20.130.0/24",
    ]);
    expect(vpc.publicSubnetIds).toHaveLength(3);
    expect(vpc.privateSubnetIds).toHaveLength(3);
    expect(vpc.isolatedSubnetIds).toHaveLength(3);
    expect(vpc.cidr).toBe("10.20.0.0/16");
    expect(Token.isUnresolved(vpc.vpcId)).toBe(true);
  });

  it("never maps public IPs on launch by default, in any tier", () => {
    const { json } = build();
    const subnets = resourcesOf(json, "aws_subnet");
    expect(subnets).toHaveLength(9);
    for (const s of subnets) expect(s.config.map_public_ip_on_launch).toBe(false);
  });

  it("strips the default security group of every rule", () => {
    const { json } = build();
    const sg = findResource(json, "aws_default_security_group");
    expect(sg.vpc_id).toMatch(/aws_vpc\./);
    expect(sg.ingress).toBeUndefined();
    expect(sg.egress).toBeUndefined();
  });

  it("routes public subnets to the internet gateway, private ones to one NAT outside prod", () => {
    const { json } = build();
    const igw = resourcesOf(json, "aws_internet_gateway");
    expect(igw).toHaveLength(1);
    const nats = resourcesOf(json, "aws_nat_gateway");
    expect(nats).toHaveLength(1);
    const routes = resourcesOf(json, "aws_route").map((r) => r.config);
    expect(routes.filter((r) => r.gateway_id !== undefined)).toEqual([
      expect.objectContaining({
        destination_cidr_block: "0.0.0.0/0",
        gateway_id: `\${${igw[0].address}.id}`,
      }),
    ]);
    const natRoutes = routes.filter((r) => r.nat_gateway_id !== undefined);
    expect(natRoutes).toHaveLength(3);
    expect(new Set(natRoutes.map((r) => r.nat_gateway_id))).toEqual(
      new Set([`\${${nats[0].address}.id}`]),
    );
    expect(findResource(json, "aws_eip")).toMatchObject({ domain: "vpc" });
  });

  it("puts one NAT gateway in each zone in prod, each private table using its own", () => {
    const { json } = build({}, "prod");
    const nats = resourcesOf(json, "aws_nat_gateway");
    expect(nats).toHaveLength(3);
    const natRoutes = resourcesOf(json, "aws_route")
      .map((r) => r.config)
      .filter((r) => r.nat_gateway_id !== undefined);
    expect(new Set(natRoutes.map((r) => ref(r.nat_gateway_id)))).toEqual(
      new Set(nats.map((n) => n.address)),
    );
    // each NAT gateway sits in the public subnet of its zone
    const publicSubnets = resourcesOf(json, "aws_subnet").filter((s) =>
      (s.config.tags as Record<string, string>).Name.includes("-public-"),
    );
    expect(nats.map((n) => ref(n.config.subnet_id))).toEqual(publicSubnets.map((s) => s.address));
  });

  it("takes natGateways explicitly: perAz outside prod, single in prod, none", () => {
    expect(resourcesOf(build({ natGateways: "perAz" }).json, "aws_nat_gateway")).toHaveLength(3);
    expect(
      resourcesOf(build({ natGateways: "single" }, "prod").json, "aws_nat_gateway"),
    ).toHaveLength(1);
    const none = build({ natGateways: "none" }).json;
    expect(resourcesOf(none, "aws_nat_gateway")).toEqual([]);
    expect(resourcesOf(none, "aws_eip")).toEqual([]);
    expect(resourcesOf(none, "aws_route").map((r) => r.config.gateway_id)).toEqual([
      expect.stringMatching(/aws_internet_gateway/),
    ]);
  });

  it("gives the isolated tier no route to the internet and the S3 endpoint to private and isolated tables", () => {
    const { json, vpc } = build();
    const isolatedTable = resourcesOf(json, "aws_route_table").find((t) =>
      (t.config.tags as Record<string, string>).Name.endsWith("-isolated"),
    )!;
    expect(isolatedTable.config.route).toBeUndefined();
    const routesOfIsolated = resourcesOf(json, "aws_route").filter(
      (r) => ref(r.config.route_table_id) === isolatedTable.address,
    );
    expect(routesOfIsolated).toEqual([]);
    const associations = resourcesOf(json, "aws_route_table_association").filter(
      (a) => ref(a.config.route_table_id) === isolatedTable.address,
    );
    expect(associations).toHaveLength(3);

    const endpoint = findResource(json, "aws_vpc_endpoint");
    expect(endpoint).toMatchObject({
      service_name: "com.amazonaws.ap-northeast-2.s3",
      vpc_endpoint_type: "Gateway",
    });
    const tables = (endpoint.route_table_ids as string[]).map(ref);
    const names = resourcesOf(json, "aws_route_table")
      .filter((t) => tables.includes(t.address))
      .map((t) => (t.config.tags as Record<string, string>).Name);
    expect(names.sort()).toEqual([
      "sf-dev-vpc-isolated",
      "sf-dev-vpc-private-ap-northeast-2a",
      "sf-dev-vpc-private-ap-northeast-2b",
      "sf-dev-vpc-private-ap-northeast-2c",
    ]);
    expect(vpc.s3PrefixListId).toBeDefined();
  });

  it("writes flow logs to its own log group, 90 days, with a role that can write only there", () => {
    const { json, vpc } = build();
    const group = resourcesOf(json, "aws_cloudwatch_log_group");
    expect(group).toHaveLength(1);
    expect(group[0].config).toMatchObject({
      name: "/aws/vpc-flow-logs/sf-dev-vpc",
      retention_in_days: 90,
      deletion_protection_enabled: true,
      lifecycle: { prevent_destroy: true },
    });
    expect(vpc.flowLogGroupName).toBeDefined();
    const flowLog = findResource(json, "aws_flow_log");
    expect(flowLog).toMatchObject({
      traffic_type: "ALL",
      log_destination_type: "cloud-watch-logs",
      log_destination: `\${${group[0].address}.arn}`,
      max_aggregation_interval: 600,
    });
    expect(flowLog.vpc_id).toMatch(/aws_vpc\./);

    const data = json.data as Record<string, Record<string, Record<string, unknown>>>;
    const docs = data.aws_iam_policy_document;
    const write = Object.entries(docs).find(([k]) => k.includes("write"))![1];
    expect(write.statement).toEqual([
      {
        sid: "WriteFlowLogs",
        effect: "Allow",
        actions: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
        resources: [`\${${group[0].address}.arn}`, `\${${group[0].address}.arn}:*`],
      },
    ]);
    const trust = Object.entries(docs).find(([k]) => k.includes("trust"))![1];
    expect(trust.statement).toEqual([
      expect.objectContaining({
        actions: ["sts:AssumeRole"],
        principals: [{ type: "Service", identifiers: ["vpc-flow-logs.amazonaws.com"] }],
        condition: expect.arrayContaining([
          expect.objectContaining({ test: "StringEquals", variable: "aws:SourceAccount" }),
          expect.objectContaining({ test: "ArnLike", variable: "aws:SourceArn" }),
        ]),
      }),
    ]);
    expect(findResource(json, "aws_iam_role")).toMatchObject({ name: "sf-dev-vpc-flow-logs" });
  });

  it("takes flow log retention, traffic type, interval and a KMS key", () => {
    const keyArn = "arn:aws:kms:ap-northeast-2:111122223333:key/1234";
    const stack = awsStack();
    new Vpc(stack, "vpc", {
      ...BASE,
      flowLogs: {
        retentionDays: 365,
        trafficType: "REJECT",
        maxAggregationInterval: 60,
        kmsKey: { keyArn, node: stack.node } as never,
      },
    });
    const json = synthJson(stack);
    expect(findResource(json, "aws_cloudwatch_log_group")).toMatchObject({
      retention_in_days: 365,
      kms_key_id: keyArn,
    });
    expect(findResource(json, "aws_flow_log")).toMatchObject({
      traffic_type: "REJECT",
      max_aggregation_interval: 60,
    });
  });

  it("uses listed CIDRs and zones, and leaves a tier out with []", () => {
    const { json, vpc } = build({
      availabilityZones: ["ap-northeast-2a", "ap-northeast-2c"],
      publicSubnetCidrs: ["10.20.0.0/26", "10.20.0.64/26"],
      privateSubnetCidrs: ["10.20.16.0/20", "10.20.32.0/20"],
      isolatedSubnetCidrs: [],
    });
    expect(vpc.availabilityZones).toEqual(["ap-northeast-2a", "ap-northeast-2c"]);
    expect(cidrsOf(json, "public")).toEqual(["10.20.0.0/26", "10.20.0.64/26"]);
    expect(cidrsOf(json, "private")).toEqual(["10.20.16.0/20", "10.20.32.0/20"]);
    expect(vpc.isolatedSubnetIds).toEqual([]);
    expect(vpc.routeTables.isolated).toBeUndefined();
    expect(findResource(json, "aws_vpc_endpoint").route_table_ids).toHaveLength(2);
  });

  it("carves smaller subnets from a small range and honours subnetPrefixLength", () => {
    expect(cidrsOf(build({ cidr: "10.1.0.0/24" }).json, "private")).toEqual([
      "10.1.0.64/28",
      "10.1.0.80/28",
      "10.1.0.96/28",
    ]);
    expect(cidrsOf(build({ subnetPrefixLength: 20, azCount: 2 }).json, "isolated")).toEqual([
      "10.20.128.0/20",
      "10.20.144.0/20",
    ]);
  });

  it("has no internet gateway or NAT without public subnets", () => {
    const { json, vpc } = build({ publicSubnetCidrs: [] });
    expect(resourcesOf(json, "aws_internet_gateway")).toEqual([]);
    expect(resourcesOf(json, "aws_nat_gateway")).toEqual([]);
    expect(resourcesOf(json, "aws_route")).toEqual([]);
    expect(vpc.internetGateway).toBeUndefined();
  });

  it("defaults to every zone of a region with fewer than three", () => {
    const { vpc } = build({ region: "us-west-1" });
    expect(vpc.availabilityZones).toEqual(["us-west-1a", "us-west-1c"]);
  });

  it.each([
    [
      { region: "ap-northeast2" },
      /region = "ap-northeast2" is not a known AWS region.*ap-northeast-2/s,
    ],
    [{ cidr: "10.20.0.0/33" }, /cidr = "10.20.0.0\/33" is not a valid CIDR range/],
    [{ cidr: "10.20.0.1/16" }, /cidr = "10.20.0.1\/16" has host bits set/],
    [
      { cidr: "10.0.0.0/8" },
      /cidr = "10.0.0.0\/8" has prefix length \/8, outside the allowed \/16 to \/28/,
    ],
    [{ cidr: "100.64.0.0/16" }, /cidr = "100.64.0.0\/16" is outside RFC 1918/],
    [{ cidr: "10.1.0.0/27" }, /cidr = "10.1.0.0\/27" is too small to carve 3 subnets per tier/],
    [{ azCount: 5 }, /azCount = 5 is not a whole number from 1 to 4/],
    [{ azCount: 0 }, /azCount = 0 is not a whole number/],
    [
      { azCount: 2, availabilityZones: ["ap-northeast-2a"] },
      /azCount = 2 is given together with availabilityZones/,
    ],
    [
      { availabilityZones: ["us-east-1a"] },
      /availabilityZones\[0\] = "us-east-1a" is not an availability zone of ap-northeast-2/,
    ],
    [
      { availabilityZones: ["ap-northeast-2a", "ap-northeast-2a"] },
      /availabilityZones\[1\] = "ap-northeast-2a" is listed twice/,
    ],
    [{ availabilityZones: [] }, /availabilityZones = \[\] is empty/],
    [
      { privateSubnetCidrs: ["10.20.1.0/24"] },
      /privateSubnetCidrs = \["10.20.1.0\/24"\] lists 1 CIDRs for 3 availability zones/,
    ],
    [
      { privateSubnetCidrs: ["10.20.10.0/24", "10.20.11.0/24", "10.30.0.0/24"] },
      /privateSubnetCidrs\[2\] = "10.30.0.0\/24" is outside the VPC range 10.20.0.0\/16/,
    ],
    [
      { privateSubnetCidrs: ["10.20.10.0/24", "10.20.11.0/24", "10.20.10.128/25"] },
      /privateSubnetCidrs\[2\] = "10.20.10.128\/25" overlaps privateSubnetCidrs\[0\] \(10.20.10.0\/24\)/,
    ],
    [
      { privateSubnetCidrs: ["10.20.1.0/24", "10.20.11.0/24", "10.20.12.0/24"] },
      /privateSubnetCidrs\[0\] = "10.20.1.0\/24" overlaps public subnet in ap-northeast-2b \(carved\)/,
    ],
    [
      { privateSubnetCidrs: ["10.20.0.0/29", "a", "b"] },
      /privateSubnetCidrs\[0\] = "10.20.0.0\/29" has prefix length \/29/,
    ],
    [
      { subnetPrefixLength: 17 },
      /subnetPrefixLength = 17 cannot carve 3 subnets per tier from a quarter of 10.20.0.0\/16/,
    ],
    [{ subnetPrefixLength: 29 }, /subnetPrefixLength = 29 cannot carve/],
    [{ natGateways: "many" }, /natGateways = "many" is not a NAT gateway mode/],
    [
      { natGateways: "single", publicSubnetCidrs: [] },
      /natGateways = "single" needs public subnets/,
    ],
    [
      { natGateways: "perAz", privateSubnetCidrs: [] },
      /natGateways = "perAz" has no private subnets to serve/,
    ],
    [
      { flowLogs: { retentionDays: 45 } },
      /flowLogs\.retentionDays = 45 is not a retention CloudWatch Logs offers/,
    ],
    [
      { flowLogs: { trafficType: "SOME" } },
      /flowLogs\.trafficType = "SOME" is not a flow log traffic type/,
    ],
    [
      { flowLogs: { maxAggregationInterval: 300 } },
      /flowLogs\.maxAggregationInterval = 300 is not an aggregation interval/,
    ],
    [{ flowLogs: { kmsKey: "arn:aws:kms:x" } }, /flowLogs\.kmsKey/],
    [{ name: "Bad_Name" }, /name = "Bad_Name" is not a valid network name/],
    [
      { mapPublicIpOnLaunch: { reason: "dev" } },
      /mapPublicIpOnLaunch\.reason = "dev" is too short/,
    ],
    [{ cidrBlock: "10.0.0.0/16" }, /cidrBlock/],
    [{ azCount: "3" }, /azCount/],
  ])("rejects %j", (override, message) => {
    expect(
      () => new Vpc(awsStack(), "vpc", { ...BASE, ...(override as object) } as VpcProps),
    ).toThrow(message);
  });

  it("names the listed range when it overlaps a tier carved after it", () => {
    // The private tier is carved from the second quarter: its first subnet is 10.20.64.0/24.
    let error: unknown;
    try {
      new Vpc(awsStack(), "vpc", {
        ...BASE,
        publicSubnetCidrs: ["10.20.64.0/24", "10.20.1.0/24", "10.20.2.0/24"],
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).property).toBe("publicSubnetCidrs[0]");
    expect((error as ValidationError).message).toMatch(
      /publicSubnetCidrs\[0\] = "10.20.64.0\/24" overlaps private subnet in ap-northeast-2a \(carved\) \(10.20.64.0\/24\)/,
    );
  });

  it("refuses props that are missing and protection flags", () => {
    expect(() => new Vpc(awsStack(), "vpc", undefined as unknown as VpcProps)).toThrow(
      /props = undefined are missing/,
    );
    expect(() => new Vpc(awsStack(), "vpc", { region: "ap-northeast-2" } as VpcProps)).toThrow(
      /cidr = undefined/,
    );
    expect(
      () => new Vpc(awsStack(), "vpc", { ...BASE, preventDestroy: false } as unknown as VpcProps),
    ).toThrow(/preventDestroy = false is not a prop of Vpc.*allowDeletion/s);
  });

  it("refuses a second VPC of the same name in the stack", () => {
    const stack = awsStack();
    new Vpc(stack, "a", BASE);
    expect(() => new Vpc(stack, "b", BASE)).toThrow(
      /name = "sf-dev-vpc" is already used by another network in this stack/,
    );
  });

  describe("opt-outs", () => {
    it("maps public IPs in the public tier only, recorded on each public subnet", () => {
      const stack = awsStack();
      const vpc = new Vpc(stack, "vpc", { ...BASE, mapPublicIpOnLaunch: { reason: REASON } });
      const json = synthWithComments(stack);
      for (const s of resourcesOf(json, "aws_subnet")) {
        const isPublic = (s.config.tags as Record<string, string>).Name.includes("-public-");
        expect(s.config.map_public_ip_on_launch).toBe(isPublic);
        expect(s.config["//"]).toEqual(
          isPublic
            ? expect.objectContaining({ opt_outs: [{ id: "public-ip-on-launch", reason: REASON }] })
            : expect.not.objectContaining({ opt_outs: expect.anything() }),
        );
      }
      const publicSubnet = vpc.subnets.find((s) => s.tier === "public")!;
      expect(optOutsOf(publicSubnet.resource)).toEqual([
        { id: "public-ip-on-launch", reason: REASON },
      ]);
    });

    it("accepts a range outside RFC 1918 with a reason, recorded on the VPC", () => {
      const stack = awsStack();
      const vpc = new Vpc(stack, "vpc", {
        ...BASE,
        cidr: "100.64.0.0/16",
        allowNonRfc1918: { reason: "carrier-grade NAT space, agreed with the network team" },
      });
      expect(optOutsOf(vpc.vpc)).toEqual([
        {
          id: "non-rfc1918-subnet",
          reason: "carrier-grade NAT space, agreed with the network team",
        },
      ]);
    });

    it("lets the flow-log group be deleted with allowDeletion, recorded on it", () => {
      const stack = awsStack();
      const vpc = new Vpc(stack, "vpc", { ...BASE, allowDeletion: { reason: REASON } });
      const group = findResource(synthJson(stack), "aws_cloudwatch_log_group");
      expect(group.deletion_protection_enabled).toBe(false);
      expect(group.lifecycle).toBeUndefined();
      expect(optOutsOf(vpc.flowLogGroup)).toEqual([{ id: "deletion-allowed", reason: REASON }]);
    });

    it("records nothing by default", () => {
      const { vpc } = build();
      expect(optOutsOf(vpc.vpc)).toEqual([]);
      expect(optOutsOf(vpc.flowLogGroup)).toEqual([]);
      for (const s of vpc.subnets) expect(optOutsOf(s.resource)).toEqual([]);
    });
  });

  it("passes the policy pack with no unsuppressed finding", () => {
    const stack = awsStack("prod");
    new Vpc(stack, "vpc", BASE);
    const json = JSON.parse(JSON.stringify(synthWithComments(stack))) as Json;
    const findings = evaluate([parseStack("test", json)]).filter(
      (f) => f.severity !== "info" && f.suppressed === undefined,
    );
    expect(findings).toEqual([]);
  });
});

describe("Vpc.fromAttributes", () => {
  const ATTRS = {
    vpcId: "vpc-0123456789abcdef0",
    cidr: "10.30.0.0/16",
    azs: ["ap-northeast-2a", "ap-northeast-2c"],
    publicSubnetIds: ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
    privateSubnetIds: ["subnet-0123456789abcdef2", "subnet-0123456789abcdef3"],
    isolatedSubnetIds: [],
  };

  it("describes an existing VPC and creates nothing", () => {
    const stack = awsStack();
    const vpc = Vpc.fromAttributes(stack, "existing", ATTRS);
    expect(vpc).toMatchObject({
      vpcId: "vpc-0123456789abcdef0",
      cidr: "10.30.0.0/16",
      availabilityZones: ["ap-northeast-2a", "ap-northeast-2c"],
      privateSubnetIds: ["subnet-0123456789abcdef2", "subnet-0123456789abcdef3"],
      isolatedSubnetIds: [],
    });
    expect(synthJson(stack).resource).toBeUndefined();
  });

  it("accepts Terraform references as ids", () => {
    const stack = awsStack();
    const made = new Vpc(stack, "made", BASE);
    const vpc = Vpc.fromAttributes(stack, "again", {
      vpcId: made.vpcId,
      azs: [...made.availabilityZones],
      publicSubnetIds: [...made.publicSubnetIds],
      privateSubnetIds: [...made.privateSubnetIds],
      isolatedSubnetIds: [...made.isolatedSubnetIds],
    });
    expect(Token.isUnresolved(vpc.vpcId)).toBe(true);
    expect(vpc.privateSubnetIds).toHaveLength(3);
  });

  it.each([
    [{ vpcId: "vpc-123" }, /vpcId = "vpc-123" is not a vpc id/],
    [{ vpcId: undefined }, /vpcId = undefined is not a vpc id/],
    [{ cidr: "10.30.0.0" }, /cidr = "10.30.0.0" is not a valid CIDR range/],
    [{ azs: [] }, /azs = \[\] must list at least one availability zone/],
    [
      { azs: ["ap-northeast-2"], publicSubnetIds: [], privateSubnetIds: [] },
      /azs\[0\] = "ap-northeast-2" is not an availability zone name/,
    ],
    [
      { azs: ["ap-northeast-2a", "ap-northeast-2a"] },
      /azs\[1\] = "ap-northeast-2a" is listed twice/,
    ],
    [
      { publicSubnetIds: ["subnet-0123456789abcdef0"] },
      /publicSubnetIds = \["subnet-0123456789abcdef0"\] lists 1 subnets for 2 availability zones/,
    ],
    [{ privateSubnetIds: ["sn-1", "sn-2"] }, /privateSubnetIds\[0\] = "sn-1" is not a subnet id/],
    [{ isolatedSubnetIds: undefined }, /isolatedSubnetIds = undefined is missing/],
    [
      { isolatedSubnetIds: ["subnet-0123456789abcdef0", "subnet-0123456789abcdef9"] },
      /isolatedSubnetIds\[0\] = "subnet-0123456789abcdef0" is already listed as publicSubnetIds\[0\]/,
    ],
    [{ subnets: [] }, /subnets/],
  ])("rejects %j", (override, message) => {
    expect(() =>
      Vpc.fromAttributes(awsStack(), "existing", { ...ATTRS, ...(override as object) } as never),
    ).toThrow(message);
  });
});
