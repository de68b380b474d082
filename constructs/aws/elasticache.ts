import { Construct } from "constructs";
import { Token } from "cdktf";
import { z } from "zod";
import { ElasticacheReplicationGroup } from "@cdktf/provider-aws/lib/elasticache-replication-group";
import { ElasticacheSubnetGroup } from "@cdktf/provider-aws/lib/elasticache-subnet-group";
import { ElasticacheUser } from "@cdktf/provider-aws/lib/elasticache-user";
import { ElasticacheUserGroup } from "@cdktf/provider-aws/lib/elasticache-user-group";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { invalid } from "../core/errors";
import { deletionPolicy, refuseProtectionFlags } from "../core/deletion";
import { checkName } from "../core/naming";
import type { OptOut } from "../core/opt-out";
import {
  constructRef,
  checkProps,
  optOutSchema,
  refusedProtectionFlags,
  stringOf,
  type PropsSchema,
} from "../core/props";
import { PlatformStack } from "../core/stack";
import type { IGrantablePrincipal, IKmsKey, ISecurityGroup, IVpc } from "./interfaces";

/** Redis OSS versions with role-based access control and IAM authentication. */
export const REDIS_VERSIONS = ["7.0", "7.1"] as const;
export type RedisVersion = (typeof REDIS_VERSIONS)[number];

/** Previous-generation node families: no Multi-AZ with automatic failover, or no longer sold. */
const PREVIOUS_GENERATION = ["t1", "t2", "m1", "m2", "m3", "c1", "r3"];
const NODE_TYPE = /^cache\.([a-z]+[0-9]+[a-z]*)\.(micro|small|medium|large|xlarge|[0-9]+xlarge)$/;
const DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
const HHMM = "([01][0-9]|2[0-3]):([0-5][0-9])";
const WEEK = 7 * 1440;
/** The port the group listens on. */
export const REDIS_PORT = 6379;

export interface RedisReplicationGroupProps {
  /**
   * The replication group's id, used as given: 1-40 lowercase letters, digits and single hyphens,
   * starting with a letter. Also names its subnet group, security group and users.
   * @default `${prefix}-${id}`
   */
  readonly name?: string;
  /** The VPC the cache lives in. */
  readonly vpc: IVpc;
  /**
   * The subnet tier of the subnet group: `isolated` (no internet route) or `private` (NAT only).
   * At least two subnets, in different zones, for Multi-AZ.
   * @default "isolated"
   */
  readonly subnets?: "isolated" | "private";
  /** Security groups whose members may connect on 6379 (also {@link RedisReplicationGroup.allowFrom}). @default [] (nobody) */
  readonly allowFrom?: readonly ISecurityGroup[];
  /** Redis OSS version, 7.0 or newer (IAM authentication needs it). @default "7.1" */
  readonly engineVersion?: RedisVersion;
  /** Node type, `cache.<family>.<size>` (`cache.r7g.large`). @default "cache.t4g.small" */
  readonly nodeType?: string;
  /** Nodes: one primary and replicas in other zones, 2-6. @default 2 */
  readonly nodes?: number;
  /** A customer-managed KMS key for encryption at rest. @default the `aws/elasticache` key */
  readonly kmsKey?: IKmsKey;
  /** Days of daily snapshots kept, 1-35. @default 5 */
  readonly snapshotRetentionDays?: number;
  /**
   * Daily snapshot window, UTC, `HH:MM-HH:MM`, at least 60 minutes, not overlapping the
   * maintenance window on any day.
   * @default "03:00-04:00"
   */
  readonly snapshotWindow?: string;
  /** Weekly maintenance window, UTC, `ddd:HH:MM-ddd:HH:MM`, 60 minutes to 24 hours. @default "sun:05:00-sun:06:00" */
  readonly maintenanceWindow?: string;
  /**
   * The Redis ACL rules of the IAM-authenticated user (`on ~app:* +@read`); no password rules.
   * ElastiCache itself refuses its admin commands.
   * @default "on ~* +@all"
   */
  readonly accessString?: string;
  /**
   * Let `terraform destroy` delete the group, with a reason (dev and review environments): drops
   * `lifecycle.prevent_destroy` and records `deletion-allowed`. A final snapshot
   * (`<name>-final`) is still taken on deletion.
   * @default undefined (Terraform refuses to destroy the group)
   */
  readonly allowDeletion?: OptOut;
}

const REDIS_PROPS = z.strictObject({
  name: z.string().optional(),
  vpc: constructRef<IVpc>("a Vpc (or an IVpc)", ["vpcId", "privateSubnetIds", "isolatedSubnetIds"]),
  subnets: stringOf<"isolated" | "private">().optional(),
  allowFrom: z
    .array(
      constructRef<ISecurityGroup>("a security group (an ISecurityGroup)", ["securityGroupId"]),
    )
    .optional(),
  engineVersion: stringOf<RedisVersion>().optional(),
  nodeType: z.string().optional(),
  nodes: z.number().optional(),
  kmsKey: constructRef<IKmsKey>("a KMS key (an IKmsKey)", ["keyArn"]).optional(),
  snapshotRetentionDays: z.number().optional(),
  snapshotWindow: z.string().optional(),
  maintenanceWindow: z.string().optional(),
  accessString: z.string().optional(),
  allowDeletion: optOutSchema.optional(),
  ...refusedProtectionFlags,
}) satisfies PropsSchema<RedisReplicationGroupProps>;

/**
 * A Redis OSS replication group on ElastiCache: encrypted at rest (KMS) and in transit (TLS
 * required), Multi-AZ with automatic failover, daily snapshots, in the VPC's isolated subnets
 * behind its own security group (6379 from the given groups only, no egress), protected from
 * `terraform destroy` with a final snapshot.
 *
 * Authentication is IAM: the group's user group holds a disabled `default` user and one user that
 * authenticates with IAM (`elasticache:Connect`, granted by {@link grantConnect}), so no password
 * or AUTH token exists anywhere: not in props, not in the JSON, not in Terraform state. The
 * trade-off: clients must sign an IAM auth token (SigV4, valid 15 minutes) as the password, with
 * the user's id as the user name, and reconnect within 12 hours; IAM authentication is limited to
 * Redis 7.0+ and to a rate of new connections per node. The alternative, `auth_token` read from a
 * Secrets Manager secret through the `aws_secretsmanager_secret_version` data source, keeps the
 * token out of the JSON but writes it in plain text into the state (data source and resource), so
 * it is not offered.
 */
export class RedisReplicationGroup extends Construct {
  /** The replication group (escape hatch). */
  readonly replicationGroup: ElasticacheReplicationGroup;
  /** The subnet group. */
  readonly subnetGroup: ElasticacheSubnetGroup;
  /** The group's own security group. */
  readonly securityGroup: SecurityGroup;
  /** The user that authenticates with IAM; its id is the Redis user name. */
  readonly user: ElasticacheUser;
  /** The disabled `default` user that every user group must hold. */
  readonly defaultUser: ElasticacheUser;
  /** The user group attached to the replication group. */
  readonly userGroup: ElasticacheUserGroup;
  private readonly ingress: VpcSecurityGroupIngressRule[] = [];
  private readonly allowed = new Set<string>();

  constructor(scope: Construct, id: string, props: RedisReplicationGroupProps) {
    super(scope, id);
    checkProps(this, REDIS_PROPS, props, "{ vpc, allowFrom: [service] }");
    refuseProtectionFlags(this, props, "RedisReplicationGroup");
    const stack = PlatformStack.of(this);
    const deletion = deletionPolicy(this, props.allowDeletion);
    const name = stack.claimName(
      this,
      "name",
      "elasticache-group",
      checkName(this, "name", "elasticache-group", props.name ?? `${stack.prefix}-${id}`),
    );

    const tier = props.subnets ?? "isolated";
    if (tier !== "isolated" && tier !== "private") {
      invalid(this, "subnets", tier, "is not a subnet tier", 'use "isolated" or "private"');
    }
    const subnetIds =
      tier === "isolated" ? props.vpc.isolatedSubnetIds : props.vpc.privateSubnetIds;
    if (!Token.isUnresolved(subnetIds) && subnetIds.length < 2) {
      invalid(
        this,
        "subnets",
        tier,
        `has ${subnetIds.length} subnet(s) in the VPC; Multi-AZ needs at least two, in different zones`,
        tier === "isolated"
          ? 'give the VPC isolated subnets in two zones, or use subnets: "private"'
          : "give the VPC private subnets in two zones",
      );
    }
    const engineVersion = props.engineVersion ?? "7.1";
    if (!(REDIS_VERSIONS as readonly string[]).includes(engineVersion)) {
      invalid(
        this,
        "engineVersion",
        engineVersion,
        "is not a Redis OSS version with IAM authentication",
        `use one of ${REDIS_VERSIONS.join(", ")}`,
      );
    }
    const nodeType = this.checkNodeType(props.nodeType ?? "cache.t4g.small");
    const nodes = props.nodes ?? 2;
    if (!Number.isInteger(nodes) || nodes < 2 || nodes > 6) {
      invalid(
        this,
        "nodes",
        nodes,
        "is not a whole number from 2 to 6",
        "keep at least 2 nodes (a primary and a replica in another zone) for automatic failover",
      );
    }
    const retention = props.snapshotRetentionDays ?? 5;
    if (!Number.isInteger(retention) || retention < 1 || retention > 35) {
      invalid(
        this,
        "snapshotRetentionDays",
        retention,
        "is not a whole number of days from 1 to 35",
        "keep 1-35 days of snapshots (5 is the default)",
      );
    }
    const snapshotWindow = props.snapshotWindow ?? "03:00-04:00";
    const maintenanceWindow = props.maintenanceWindow ?? "sun:05:00-sun:06:00";
    const snapshot = this.parseSnapshotWindow(snapshotWindow);
    const maintenance = this.parseMaintenanceWindow(maintenanceWindow);
    for (let day = 0; day < 7; day++) {
      if (overlaps(maintenance, { start: day * 1440 + snapshot.start, length: snapshot.length })) {
        invalid(
          this,
          "snapshotWindow",
          snapshotWindow,
          `overlaps the maintenance window ${maintenanceWindow} on ${DAYS[day]}`,
          "move one of the windows so they never meet, e.g. snapshots 03:00-04:00 and maintenance sun:05:00-sun:06:00",
        );
      }
    }
    const accessString = this.checkAccessString(props.accessString ?? "on ~* +@all");

    this.securityGroup = new SecurityGroup(this, "security-group", {
      name: `${name}-redis`,
      description: `Redis replication group ${name}: ${REDIS_PORT} from the allowed groups only`,
      vpcId: props.vpc.vpcId,
      // No ingress or egress blocks: the rules are their own resources, and Terraform removes
      // the default allow-all egress (the cache starts no connections).
    });
    this.subnetGroup = new ElasticacheSubnetGroup(this, "subnet-group", {
      name,
      description: `${tier} subnets of ${name}`,
      subnetIds: [...subnetIds],
    });
    this.defaultUser = new ElasticacheUser(this, "default-user", {
      userId: `${name}-default`,
      userName: "default",
      engine: "redis",
      // Disabled ("off") and allowed nothing: every user group must hold a user named default,
      // and a disabled one can never log in, so it needs no password.
      accessString: "off -@all",
      authenticationMode: { type: "no-password-required" },
    });
    this.user = new ElasticacheUser(this, "iam-user", {
      userId: `${name}-app`,
      userName: `${name}-app`,
      engine: "redis",
      accessString,
      authenticationMode: { type: "iam" },
    });
    this.userGroup = new ElasticacheUserGroup(this, "user-group", {
      userGroupId: `${name}-users`,
      engine: "redis",
      userIds: [this.defaultUser.userId, this.user.userId],
    });
    this.replicationGroup = new ElasticacheReplicationGroup(this, "replication-group", {
      replicationGroupId: name,
      description: `Redis ${engineVersion}, ${nodes} nodes, Multi-AZ`,
      engine: "redis",
      engineVersion,
      nodeType,
      numCacheClusters: nodes,
      port: REDIS_PORT,
      automaticFailoverEnabled: true,
      multiAzEnabled: true,
      subnetGroupName: this.subnetGroup.name,
      securityGroupIds: [this.securityGroup.id],
      atRestEncryptionEnabled: "true",
      kmsKeyId: props.kmsKey?.keyArn,
      transitEncryptionEnabled: true,
      transitEncryptionMode: "required",
      userGroupIds: [this.userGroup.userGroupId],
      snapshotRetentionLimit: retention,
      snapshotWindow,
      maintenanceWindow,
      finalSnapshotIdentifier: `${name}-final`,
      autoMinorVersionUpgrade: "true",
      applyImmediately: false,
      lifecycle: deletion.lifecycle(),
    });
    deletion.record(this.replicationGroup);
    (props.allowFrom ?? []).forEach((group, i) => this.allow(`allowFrom[${i}]`, group));
  }

  /** The primary endpoint's address (writes). */
  get primaryEndpoint(): string {
    return this.replicationGroup.primaryEndpointAddress;
  }

  /** The reader endpoint's address (reads, spread over the replicas). */
  get readerEndpoint(): string {
    return this.replicationGroup.readerEndpointAddress;
  }

  /** The port, 6379. */
  get port(): number {
    return REDIS_PORT;
  }

  /** The Redis user name clients log in as (with an IAM auth token as the password). */
  get userName(): string {
    return this.user.userName;
  }

  /** The replication group's ARN. */
  get replicationGroupArn(): string {
    return this.replicationGroup.arn;
  }

  /** The group's security group id. */
  get securityGroupId(): string {
    return this.securityGroup.id;
  }

  /** Allows members of `group` to connect on 6379 (TCP); allowing a group twice is a no-op. */
  allowFrom(group: ISecurityGroup): void {
    this.allow("allowFrom(group)", group);
  }

  /**
   * Lets `principal` connect as the IAM user: `elasticache:Connect` on this replication group and
   * its user, nothing else.
   */
  grantConnect(principal: IGrantablePrincipal): void {
    if (
      principal === null ||
      typeof principal !== "object" ||
      typeof (principal as { addToPolicy?: unknown }).addToPolicy !== "function"
    ) {
      invalid(
        this,
        "grantConnect(principal)",
        principal,
        "is not a grantable principal",
        "pass an IamRole (or another IGrantablePrincipal)",
      );
    }
    principal.addToPolicy({
      sid: `ConnectRedis${pascal(this.node.id)}${this.node.addr.slice(0, 8)}`,
      effect: "Allow",
      actions: ["elasticache:Connect"],
      resources: [this.replicationGroup.arn, this.user.arn],
    });
  }

  private allow(property: string, group: ISecurityGroup): void {
    if (
      group === null ||
      typeof group !== "object" ||
      typeof (group as { securityGroupId?: unknown }).securityGroupId !== "string"
    ) {
      invalid(
        this,
        property,
        group,
        "is not a security group",
        "pass a construct with a securityGroupId (an ISecurityGroup)",
      );
    }
    const key = group.node?.path ?? group.securityGroupId;
    if (this.allowed.has(key)) return;
    this.allowed.add(key);
    this.ingress.push(
      new VpcSecurityGroupIngressRule(this, `ingress-${this.ingress.length}`, {
        securityGroupId: this.securityGroup.id,
        referencedSecurityGroupId: group.securityGroupId,
        ipProtocol: "tcp",
        fromPort: REDIS_PORT,
        toPort: REDIS_PORT,
        description: `Redis from ${group.node?.path ?? "a security group"}`,
      }),
    );
  }

  private checkNodeType(nodeType: unknown): string {
    const match = typeof nodeType === "string" ? NODE_TYPE.exec(nodeType) : null;
    if (!match) {
      invalid(
        this,
        "nodeType",
        nodeType,
        "is not an ElastiCache node type",
        'use cache.<family>.<size>, e.g. "cache.t4g.small" or "cache.r7g.large"',
      );
    }
    if (PREVIOUS_GENERATION.includes(match[1])) {
      invalid(
        this,
        "nodeType",
        nodeType,
        `is of the previous-generation family ${match[1]}`,
        'use a current family, e.g. "cache.t4g.small", "cache.m7g.large" or "cache.r7g.large"',
      );
    }
    return nodeType as string;
  }

  private parseSnapshotWindow(window: unknown): { start: number; length: number } {
    const match = typeof window === "string" ? new RegExp(`^${HHMM}-${HHMM}$`).exec(window) : null;
    const start = match ? Number(match[1]) * 60 + Number(match[2]) : 0;
    const end = match ? Number(match[3]) * 60 + Number(match[4]) : 0;
    const length = (end - start + 1440) % 1440;
    if (!match || length < 60) {
      invalid(
        this,
        "snapshotWindow",
        window,
        match ? "is shorter than 60 minutes" : "is not a daily window (HH:MM-HH:MM, UTC)",
        'give at least an hour, e.g. "03:00-04:00"',
      );
    }
    return { start, length };
  }

  private parseMaintenanceWindow(window: unknown): { start: number; length: number } {
    const day = `(${DAYS.join("|")})`;
    const match =
      typeof window === "string"
        ? new RegExp(`^${day}:${HHMM}-${day}:${HHMM}$`, "i").exec(window)
        : null;
    const at = (d: string, h: string, m: string) =>
      DAYS.indexOf(d.toLowerCase()) * 1440 + Number(h) * 60 + Number(m);
    const start = match ? at(match[1], match[2], match[3]) : 0;
    const end = match ? at(match[4], match[5], match[6]) : 0;
    const length = (end - start + WEEK) % WEEK;
    if (!match || length < 60 || length > 1440) {
      invalid(
        this,
        "maintenanceWindow",
        window,
        match
          ? "is not 60 minutes to 24 hours long"
          : "is not a weekly window (ddd:HH:MM-ddd:HH:MM, UTC)",
        'give at least an hour, e.g. "sun:05:00-sun:06:00"',
      );
    }
    return { start, length };
  }

  private checkAccessString(access: unknown): string {
    const rules = typeof access === "string" ? access.trim().split(/\s+/) : [];
    if (typeof access !== "string" || rules[0] !== "on" || rules.length < 2) {
      invalid(
        this,
        "accessString",
        access,
        'is not an access string of an enabled user ("on" and its rules)',
        'use e.g. "on ~* +@all" or "on ~app:* -@all +@read +@write"',
      );
    }
    const password = rules.find((r) => /^[<>#!]/.test(r) || /^(nopass|resetpass)$/i.test(r));
    if (password !== undefined) {
      invalid(
        this,
        "accessString",
        "(redacted)",
        `holds a password rule (${password.slice(0, 1)}...): the user authenticates with IAM, and a password would land in the JSON and state`,
        "keep only key, channel and command rules; grant access with grantConnect(role)",
      );
    }
    return access;
  }
}

/** Whether two intervals of the week (minutes from Sunday 00:00, wrapping) overlap. */
function overlaps(
  a: { start: number; length: number },
  b: { start: number; length: number },
): boolean {
  const mod = (n: number) => ((n % WEEK) + WEEK) % WEEK;
  return mod(b.start - a.start) < a.length || mod(a.start - b.start) < b.length;
}

function pascal(text: string): string {
  return text
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join("");
}
