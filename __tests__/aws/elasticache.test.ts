import { Construct } from "constructs";
import {
  RedisReplicationGroup,
  type RedisReplicationGroupProps,
} from "../../constructs/aws/elasticache";
import { IamRole, ServicePrincipal } from "../../constructs/aws/iam";
import type { IKmsKey, ISecurityGroup, IVpc } from "../../constructs/aws/interfaces";
import { optOutsOf } from "../../constructs/core/opt-out";
import type { PlatformStack } from "../../constructs/core/stack";
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
const KEY_ARN = "arn:aws:kms:ap-northeast-2:111122223333:key/1234abcd";

function vpcIn(stack: PlatformStack, overrides: Partial<IVpc> = {}): IVpc {
  return Object.assign(new Construct(stack, "vpc"), {
    vpcId: "vpc-0123456789abcdef0",
    availabilityZones: ["ap-northeast-2a", "ap-northeast-2c"],
    publicSubnetIds: ["subnet-0aaa", "subnet-0ccc"],
    privateSubnetIds: ["subnet-1aaa", "subnet-1ccc"],
    isolatedSubnetIds: ["subnet-2aaa", "subnet-2ccc"],
    ...overrides,
  });
}

function groupIn(stack: PlatformStack, id: string, securityGroupId: string): ISecurityGroup {
  return Object.assign(new Construct(stack, id), { securityGroupId });
}

class Key extends Construct implements IKmsKey {
  readonly keyArn = KEY_ARN;
}

function redis(props: Partial<RedisReplicationGroupProps> = {}, vpc: Partial<IVpc> = {}) {
  const stack = testStack();
  const cache = new RedisReplicationGroup(stack, "cache", { vpc: vpcIn(stack, vpc), ...props });
  return { stack, cache };
}

function policyStatements(json: SynthJson): unknown[] {
  const docs = (json.data as Record<string, Record<string, { statement: unknown[] }>>)
    .aws_iam_policy_document;
  const entry = Object.entries(docs).find(([name]) => name.includes("_policy-document_"));
  return entry ? entry[1].statement : [];
}

describe("RedisReplicationGroup", () => {
  it("is encrypted, Multi-AZ, snapshotted, isolated and protected by default", () => {
    const { stack } = redis();
    const json = synthJson(stack);
    const group = findResource(json, "aws_elasticache_replication_group");
    expect(group).toMatchObject({
      replication_group_id: "test-dev-cache",
      engine: "redis",
      engine_version: "7.1",
      node_type: "cache.t4g.small",
      num_cache_clusters: 2,
      port: 6379,
      automatic_failover_enabled: true,
      multi_az_enabled: true,
      at_rest_encryption_enabled: "true",
      transit_encryption_enabled: true,
      transit_encryption_mode: "required",
      snapshot_retention_limit: 5,
      snapshot_window: "03:00-04:00",
      maintenance_window: "sun:05:00-sun:06:00",
      final_snapshot_identifier: "test-dev-cache-final",
      auto_minor_version_upgrade: "true",
      apply_immediately: false,
      lifecycle: { prevent_destroy: true },
    });
    expect(group.kms_key_id).toBeUndefined();
    expect(group.auth_token).toBeUndefined();
    expect(group.user_group_ids).toEqual([
      expect.stringMatching(/aws_elasticache_user_group\..*\.user_group_id/),
    ]);
    expect(findResource(json, "aws_elasticache_subnet_group")).toMatchObject({
      name: "test-dev-cache",
      subnet_ids: ["subnet-2aaa", "subnet-2ccc"],
    });
    const sg = findResource(json, "aws_security_group");
    expect(sg).toMatchObject({ name: "test-dev-cache-redis", vpc_id: "vpc-0123456789abcdef0" });
    expect(sg.ingress).toBeUndefined();
    expect(sg.egress).toBeUndefined();
    expect(resourcesOf(json, "aws_vpc_security_group_ingress_rule")).toEqual([]);
    expect(resourcesOf(json, "aws_secretsmanager_secret_version")).toEqual([]);
  });

  it("authenticates with IAM: a disabled default user and an IAM user, no password", () => {
    const { stack, cache } = redis();
    const json = synthJson(stack);
    expect(findResource(json, "aws_elasticache_user", { userName: "default" })).toEqual(
      expect.objectContaining({
        user_id: "test-dev-cache-default",
        access_string: "off -@all",
        authentication_mode: { type: "no-password-required" },
      }),
    );
    const user = findResource(json, "aws_elasticache_user", { userName: "test-dev-cache-app" });
    expect(user).toMatchObject({
      user_id: "test-dev-cache-app",
      access_string: "on ~* +@all",
      authentication_mode: { type: "iam" },
    });
    expect(user.passwords).toBeUndefined();
    expect(findResource(json, "aws_elasticache_user_group")).toMatchObject({
      user_group_id: "test-dev-cache-users",
      engine: "redis",
    });
    expect(JSON.stringify(json)).not.toMatch(/"passwords"|"auth_token"/);
    expect(cache.port).toBe(6379);
  });

  it("passes the policy pack with zero unsuppressed findings", () => {
    const { stack, cache } = redis({ kmsKey: new Key(testStack(), "key") });
    cache.allowFrom(groupIn(stack, "api", "sg-0api"));
    cache.grantConnect(
      new IamRole(stack, "task", {
        assumedBy: ServicePrincipal("ecs-tasks.amazonaws.com"),
        description: "Task role of the api service",
      }),
    );
    const json = JSON.parse(JSON.stringify(synthWithComments(stack))) as Json;
    const findings = evaluate([parseStack("test", json)]).filter(
      (f) => f.severity !== "info" && f.suppressed === undefined,
    );
    expect(findings).toEqual([]);
  });

  it("allows 6379 from the given groups only, once each", () => {
    const stack = testStack();
    const api = groupIn(stack, "api", "sg-0api");
    const cache = new RedisReplicationGroup(stack, "cache", {
      vpc: vpcIn(stack),
      allowFrom: [api],
    });
    cache.allowFrom(groupIn(stack, "worker", "sg-0worker"));
    cache.allowFrom(api);
    const rules = resourcesOf(synthJson(stack), "aws_vpc_security_group_ingress_rule");
    expect(rules.map((r) => r.config)).toEqual([
      expect.objectContaining({
        referenced_security_group_id: "sg-0api",
        ip_protocol: "tcp",
        from_port: 6379,
        to_port: 6379,
      }),
      expect.objectContaining({ referenced_security_group_id: "sg-0worker", from_port: 6379 }),
    ]);
    expect(rules.some((r) => "cidr_ipv4" in r.config)).toBe(false);
  });

  it("grantConnect grants elasticache:Connect on the group and its user only", () => {
    const { stack, cache } = redis();
    const role = new IamRole(stack, "task", {
      assumedBy: ServicePrincipal("ecs-tasks.amazonaws.com"),
      description: "Task role of the api service",
    });
    cache.grantConnect(role);
    cache.grantConnect(role);
    expect(policyStatements(synthJson(stack))).toEqual([
      {
        sid: expect.stringMatching(/^ConnectRedisCache[0-9a-f]{8}$/),
        effect: "Allow",
        actions: ["elasticache:Connect"],
        resources: [
          expect.stringMatching(/^\$\{aws_elasticache_replication_group\..*\.arn\}$/),
          expect.stringMatching(/^\$\{aws_elasticache_user\..*iam-user.*\.arn\}$/),
        ],
      },
    ]);
  });

  it("renders the options", () => {
    const { stack } = redis(
      {
        name: "signal-factory-cache",
        subnets: "private",
        engineVersion: "7.0",
        nodeType: "cache.r7g.large",
        nodes: 3,
        kmsKey: new Key(testStack(), "key"),
        snapshotRetentionDays: 14,
        snapshotWindow: "22:30-23:30",
        maintenanceWindow: "mon:01:00-mon:02:30",
        accessString: "on ~app:* -@all +@read +@write",
      },
      {},
    );
    const json = synthJson(stack);
    expect(findResource(json, "aws_elasticache_replication_group")).toMatchObject({
      replication_group_id: "signal-factory-cache",
      engine_version: "7.0",
      node_type: "cache.r7g.large",
      num_cache_clusters: 3,
      kms_key_id: KEY_ARN,
      snapshot_retention_limit: 14,
      snapshot_window: "22:30-23:30",
      maintenance_window: "mon:01:00-mon:02:30",
    });
    expect(findResource(json, "aws_elasticache_subnet_group").subnet_ids).toEqual([
      "subnet-1aaa",
      "subnet-1ccc",
    ]);
    expect(
      findResource(json, "aws_elasticache_user", { authenticationMode: { type: "iam" } })
        .access_string,
    ).toBe("on ~app:* -@all +@read +@write");
  });

  describe("allowDeletion", () => {
    it("drops prevent_destroy, keeps the final snapshot and records the opt-out", () => {
      const { stack, cache } = redis({ allowDeletion: { reason: REASON } });
      const group = findResource(synthJson(stack), "aws_elasticache_replication_group");
      expect(group.lifecycle).toBeUndefined();
      expect(group.final_snapshot_identifier).toBe("test-dev-cache-final");
      expect(optOutsOf(cache.replicationGroup)).toEqual([
        { id: "deletion-allowed", reason: REASON },
      ]);
    });

    it("needs a reason", () => {
      expect(() => redis({ allowDeletion: { reason: "dev" } })).toThrow(
        /allowDeletion\.reason = "dev" is too short/,
      );
    });
  });

  it.each([
    [{ name: "Cache" }, /name = "Cache" is not a valid ElastiCache replication group name/],
    [
      { name: "a--b" },
      /name = "a--b" is not a valid ElastiCache replication group name: it has two consecutive hyphens/,
    ],
    [
      { name: "cache-" },
      /name = "cache-" is not a valid ElastiCache replication group name: it ends with a hyphen/,
    ],
    [
      { name: "c".repeat(41) },
      /is 41 characters long; an ElastiCache replication group name takes 1–40/,
    ],
    [{ subnets: "public" }, /subnets = "public" is not a subnet tier/],
    [
      { engineVersion: "6.2" },
      /engineVersion = "6.2" is not a Redis OSS version with IAM authentication/,
    ],
    [{ nodeType: "r7g.large" }, /nodeType = "r7g.large" is not an ElastiCache node type/],
    [{ nodeType: "cache.r7g.huge" }, /nodeType = "cache.r7g.huge" is not an ElastiCache node type/],
    [
      { nodeType: "cache.t2.micro" },
      /nodeType = "cache.t2.micro" is of the previous-generation family t2/,
    ],
    [{ nodes: 1 }, /nodes = 1 is not a whole number from 2 to 6/],
    [{ nodes: 7 }, /nodes = 7 is not a whole number from 2 to 6/],
    [
      { snapshotRetentionDays: 0 },
      /snapshotRetentionDays = 0 is not a whole number of days from 1 to 35/,
    ],
    [{ snapshotRetentionDays: 36 }, /snapshotRetentionDays = 36 is not a whole number of days/],
    [{ snapshotWindow: "3:00-4:00" }, /snapshotWindow = "3:00-4:00" is not a daily window/],
    [
      { snapshotWindow: "03:00-03:30" },
      /snapshotWindow = "03:00-03:30" is shorter than 60 minutes/,
    ],
    [
      { maintenanceWindow: "sunday:05:00-sunday:06:00" },
      /maintenanceWindow = .* is not a weekly window/,
    ],
    [
      { maintenanceWindow: "sun:05:00-sun:05:30" },
      /maintenanceWindow = .* is not 60 minutes to 24 hours long/,
    ],
    [{ maintenanceWindow: "sun:05:00-tue:05:00" }, /is not 60 minutes to 24 hours long/],
    [
      { snapshotWindow: "05:30-06:30" },
      /snapshotWindow = "05:30-06:30" overlaps the maintenance window sun:05:00-sun:06:00 on sun/,
    ],
    [
      { snapshotWindow: "23:30-00:30", maintenanceWindow: "wed:00:00-wed:01:00" },
      /overlaps the maintenance window wed:00:00-wed:01:00 on tue/,
    ],
    [
      { snapshotWindow: "04:00-05:00", maintenanceWindow: "sat:23:00-sun:04:30" },
      /overlaps the maintenance window sat:23:00-sun:04:30 on sun/,
    ],
    [
      { accessString: "off ~* +@all" },
      /accessString = "off ~\* \+@all" is not an access string of an enabled user/,
    ],
    [{ accessString: "on" }, /is not an access string of an enabled user/],
    [
      { accessString: "on ~* +@all >hunter2hunter2" },
      /accessString = "\(redacted\)" holds a password rule \(>\.\.\.\)/,
    ],
    [{ accessString: "on ~* +@all nopass" }, /holds a password rule/],
    [{ allowFrom: ["sg-0api"] }, /allowFrom/],
    [{ nodes: "2" }, /nodes/],
    [{ authToken: "hunter2hunter2hunter2" }, /authToken/],
    [{ deletionProtection: false }, /deletionProtection/],
  ])("rejects %j", (override, message) => {
    expect(() => redis(override as Partial<RedisReplicationGroupProps>)).toThrow(message);
  });

  it("accepts windows that only touch", () => {
    expect(() =>
      redis({ snapshotWindow: "04:00-05:00", maintenanceWindow: "sun:05:00-sun:06:00" }),
    ).not.toThrow();
  });

  it("never echoes a password rule", () => {
    expect(() => redis({ accessString: "on ~* +@all >hunter2hunter2" })).not.toThrow(/hunter2/);
  });

  it("needs two subnets of the tier for Multi-AZ", () => {
    expect(() => redis({}, { isolatedSubnetIds: [] })).toThrow(
      /subnets = "isolated" has 0 subnet\(s\) in the VPC; Multi-AZ needs at least two[\s\S]*use subnets: "private"/,
    );
    expect(() => redis({ subnets: "private" }, { privateSubnetIds: ["subnet-1aaa"] })).toThrow(
      /subnets = "private" has 1 subnet\(s\)/,
    );
  });

  it("refuses a bad principal or group", () => {
    const { cache } = redis();
    expect(() => cache.grantConnect({} as never)).toThrow(
      /grantConnect\(principal\) = \{\} is not a grantable principal/,
    );
    expect(() => cache.allowFrom("sg-0api" as never)).toThrow(
      /allowFrom\(group\) = "sg-0api" is not a security group/,
    );
  });

  it("refuses a second group with the same name in the stack", () => {
    const stack = testStack();
    const vpc = vpcIn(stack);
    new RedisReplicationGroup(stack, "a", { vpc, name: "cache" });
    expect(() => new RedisReplicationGroup(stack, "b", { vpc, name: "cache" })).toThrow(
      /name = "cache" is already used by another ElastiCache replication group in this stack/,
    );
  });
});
