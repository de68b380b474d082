/**
 * A cross-region read replica of an RdsPostgres (`constructs/aws/rds.ts`), with the options it is
 * made from. It reads what it copies from its primary through {@link ReplicaPrimary}.
 */
import { Construct, type IConstruct } from "constructs";
import {
  Aspects,
  TerraformDataSource,
  type TerraformProvider,
  TerraformResource,
  type IAspect,
} from "cdktf";
import { DbInstance } from "@cdktf/provider-aws/lib/db-instance";
import { type DbParameterGroup } from "@cdktf/provider-aws/lib/db-parameter-group";
import { DbSubnetGroup } from "@cdktf/provider-aws/lib/db-subnet-group";
import { type DeletionPolicy } from "../core/deletion";
import { invalid } from "../core/errors";
import { recordOptOut, type OptOut } from "../core/opt-out";
import { type PlatformStack } from "../core/stack";
import type { IKmsKey, ISecurityGroup, IVpc } from "./interfaces";
import { KmsKey } from "./kms";
import { SecurityGroup } from "./security-group";
import { LOG_EXPORTS, POSTGRES_PORT, checkInstanceClass, isolatedSubnets } from "./rds-checks";

/** A cross-region read replica, as given to {@link RdsPostgres.addReplica}. */
export interface RdsReplicaOptions {
  /** The replica's region; another region than the primary's. */
  readonly region: string;
  /** An `AwsProvider` for that region, with an `alias`; every resource of the replica uses it. */
  readonly provider: TerraformProvider;
  /** A VPC in that region; the replica's subnet group takes its isolated subnets. */
  readonly vpc: IVpc;
  /** @default the primary's instance class */
  readonly instanceClass?: string;
  /** A key in the replica's region. @default a KmsKey created there with `provider` */
  readonly kmsKey?: IKmsKey;
  /** Short name; the identifier is `${prefix}-${name}`. @default `${primary name}-${region}` */
  readonly name?: string;
  /** A standby for the replica too. @default false */
  readonly multiAz?: boolean;
  /** Security groups of the replica's VPC allowed to connect on 5432. @default [] */
  readonly allowFrom?: readonly ISecurityGroup[];
}

/** What a replica copies from its primary, as `RdsPostgres.replicaBase()` gives it. */
export interface ReplicaBase {
  readonly stack: PlatformStack;
  readonly instanceClass: string;
  readonly deletion: DeletionPolicy;
  readonly parameterOptOut?: OptOut;
  readonly unknownParameters: boolean;
  readonly storage: { readonly allocated: number; readonly max: number };
  readonly monitoringInterval: number;
  readonly monitoringRoleArn?: string;
  readonly piRetention: number;
}

/** What a replica needs of its primary: an RdsPostgres. */
export interface ReplicaPrimary extends Construct {
  /** The primary instance's ARN, the replica's source. */
  readonly arn: string;
  replicaBase(): ReplicaBase;
  createParameterGroup(scope: Construct, name: string): DbParameterGroup;
  claimIdentifier(property: string, short: string): string;
}

/** What {@link RdsPostgresReplica} is built from. */
export interface ReplicaSpec {
  readonly primary: ReplicaPrimary;
  readonly short: string;
  readonly region: string;
  readonly provider: TerraformProvider;
  readonly options: RdsReplicaOptions;
}

/**
 * A cross-region read replica of an {@link RdsPostgres}, created by
 * {@link RdsPostgres.addReplica}. Every resource under it is created with the replica's provider.
 */
export class RdsPostgresReplica extends Construct {
  /** The replica instance (escape hatch). */
  readonly instance: DbInstance;
  /** The replica's parameter group (in its region). */
  readonly parameterGroup: DbParameterGroup;
  /** The replica's DB subnet group. */
  readonly subnetGroup: DbSubnetGroup;
  /** The replica's security group. */
  readonly securityGroup: SecurityGroup;
  /** The replica's key, in its region (given, or created). */
  readonly kmsKey: IKmsKey;
  /** The replica's region. */
  readonly region: string;
  /** The provider of the replica's region. */
  readonly provider: TerraformProvider;
  private allowed = 0;

  constructor(primary: ReplicaPrimary, id: string, spec: ReplicaSpec) {
    super(primary, id);
    const p = "addReplica";
    const { options } = spec;
    const base = primary.replicaBase();
    this.region = spec.region;
    this.provider = spec.provider;
    Aspects.of(this).add(new UseProvider(spec.provider));
    const identifier = primary.claimIdentifier(`${p}.name`, spec.short);
    const subnetIds = isolatedSubnets(primary, `${p}.vpc`, options.vpc);
    const instanceClass =
      options.instanceClass === undefined
        ? base.instanceClass
        : checkInstanceClass(primary, `${p}.instanceClass`, options.instanceClass);
    this.kmsKey =
      options.kmsKey ??
      new KmsKey(this, "key", {
        name: `${spec.short}-rds`,
        description: `Storage and Performance Insights of RDS replica ${identifier}`,
        services: ["rds"],
        provider: spec.provider,
        allowDeletion: base.deletion.optOut,
      });
    this.subnetGroup = new DbSubnetGroup(this, "subnet-group", {
      name: identifier,
      description: `Isolated subnets of RDS replica ${identifier}`,
      subnetIds,
    });
    this.securityGroup = new SecurityGroup(this, "security-group", {
      vpc: options.vpc,
      name: `${spec.short}-db`,
      description: `PostgreSQL replica ${identifier}`,
    });
    (options.allowFrom ?? []).forEach((sg) => this.allowFrom(sg));
    this.parameterGroup = primary.createParameterGroup(this, identifier);
    const parameterOptOut = base.parameterOptOut;
    if (parameterOptOut && base.unknownParameters) {
      recordOptOut(this.parameterGroup, "unknown-database-flag", parameterOptOut);
    }
    this.instance = new DbInstance(this, "instance", {
      identifier,
      replicateSourceDb: primary.arn,
      instanceClass,
      maxAllocatedStorage: base.storage.max,
      storageType: "gp3",
      storageEncrypted: true,
      kmsKeyId: this.kmsKey.keyArn,
      port: POSTGRES_PORT,
      dbSubnetGroupName: this.subnetGroup.name,
      vpcSecurityGroupIds: [this.securityGroup.securityGroupId],
      publiclyAccessible: false,
      multiAz: options.multiAz ?? false,
      copyTagsToSnapshot: true,
      deletionProtection: base.deletion.protect,
      // RDS takes no final snapshot of a read replica; the primary keeps its own.
      skipFinalSnapshot: true,
      parameterGroupName: this.parameterGroup.name,
      iamDatabaseAuthenticationEnabled: true,
      autoMinorVersionUpgrade: true,
      applyImmediately: false,
      enabledCloudwatchLogsExports: LOG_EXPORTS,
      performanceInsightsEnabled: true,
      performanceInsightsKmsKeyId: this.kmsKey.keyArn,
      performanceInsightsRetentionPeriod: base.piRetention,
      monitoringInterval: base.monitoringInterval,
      monitoringRoleArn: base.monitoringRoleArn,
      lifecycle: base.deletion.lifecycle(),
    });
    base.deletion.record(this.instance);
  }

  /** The replica's ARN. */
  get arn(): string {
    return this.instance.arn;
  }

  /** The replica's identifier. */
  get identifier(): string {
    return this.instance.identifier;
  }

  /** The host name clients of the replica connect to. */
  get address(): string {
    return this.instance.address;
  }

  /** `host:port`. */
  get endpoint(): string {
    return this.instance.endpoint;
  }

  /** Lets members of a security group of the replica's VPC connect on 5432. */
  allowFrom(group: ISecurityGroup): void {
    const property = `addReplica.allowFrom(${this.allowed})`;
    if (typeof group?.securityGroupId !== "string") {
      invalid(this, property, group, "is not a security group", "pass a SecurityGroup");
    }
    this.allowed++;
    this.securityGroup.allowFrom(group, POSTGRES_PORT, "PostgreSQL clients");
  }
}

/** Gives every resource and data source under a construct the provider of its region. */
class UseProvider implements IAspect {
  constructor(private readonly provider: TerraformProvider) {}

  visit(node: IConstruct): void {
    if (
      (node instanceof TerraformResource || node instanceof TerraformDataSource) &&
      node.provider === undefined
    ) {
      node.provider = this.provider;
    }
  }
}
