import { Construct, type IConstruct } from "constructs";
import {
  Aspects,
  TerraformDataSource,
  type TerraformProvider,
  TerraformResource,
  Token,
  type IAspect,
} from "cdktf";
import { z } from "zod";
import { DbInstance } from "@cdktf/provider-aws/lib/db-instance";
import { DbParameterGroup } from "@cdktf/provider-aws/lib/db-parameter-group";
import { DbSubnetGroup } from "@cdktf/provider-aws/lib/db-subnet-group";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { DataAwsRegion } from "@cdktf/provider-aws/lib/data-aws-region";
import { deletionPolicy, refuseProtectionFlags, type DeletionPolicy } from "../core/deletion";
import { invalid } from "../core/errors";
import { integer } from "../core/checks";
import { checkName } from "../core/naming";
import { acceptOptOut, recordOptOut, type OptOut } from "../core/opt-out";
import {
  POSTGRES_MAJORS,
  checkSettings,
  type FlagValue,
  type PostgresMajor,
} from "../core/postgres-settings";
import {
  checkedBy,
  checkOptions,
  checkProps,
  constructRef,
  optOutSchema,
  refusedProtectionFlags,
  type PropsSchema,
} from "../core/props";
import { PlatformStack } from "../core/stack";
import { checkAwsRegion } from "./common";
import { RDS_ENGINE, DEFAULT_PARAMETERS, STATIC_PARAMETERS } from "./rds-parameters";
import type { IGrantablePrincipal, IKmsKey, ISecurityGroup, IVpc } from "./interfaces";
import { IamRole, ServicePrincipal } from "./iam";
import { KmsKey, checkProvider } from "./kms";
import { SecurityGroup } from "./security-group";

// The parameter catalogue, for code that imports it from here as before.
export {
  RDS_PARAMETERS,
  RDS_MANAGED_PARAMETERS,
  RDS_ENGINE,
  DEFAULT_PARAMETERS,
} from "./rds-parameters";

// ---------------------------------------------------------------------------------------------
// Props
// ---------------------------------------------------------------------------------------------

/** Enhanced Monitoring intervals in seconds (0 is off). */
export type MonitoringInterval = 0 | 1 | 5 | 10 | 15 | 30 | 60;
const MONITORING_INTERVALS: readonly number[] = [0, 1, 5, 10, 15, 30, 60];

export interface RdsPostgresProps {
  /** Short name; the instance identifier is `${prefix}-${name}`. @default "postgres" */
  readonly name?: string;
  /** The VPC; the instance lives in a DB subnet group on its isolated subnets (two zones or more). */
  readonly vpc: IVpc;
  /**
   * PostgreSQL version: a major (`16`, RDS picks the minor and upgrades it) or `major.minor`
   * (`15.4`). Majors 13-17; the parameter group family is `postgres<major>`.
   * @default "16"
   */
  readonly engineVersion?: string;
  /** Instance class, `db.<family>.<size>`. @default "db.m6g.large" */
  readonly instanceClass?: string;
  /** Initial gp3 storage in GiB, 20-65536. @default 20 */
  readonly allocatedStorage?: number;
  /**
   * Storage autoscaling ceiling in GiB: at least 10% above `allocatedStorage`, or equal to it to
   * turn autoscaling off. @default 100 (or `allocatedStorage` when that is larger)
   */
  readonly maxAllocatedStorage?: number;
  /** A standby in another availability zone. @default true */
  readonly multiAz?: boolean;
  /**
   * The key storage, Performance Insights and snapshots are encrypted with.
   * @default a KmsKey created beside the instance (`alias/${prefix}-${name}-rds`, for RDS)
   */
  readonly kmsKey?: IKmsKey;
  /** Security groups allowed to connect on 5432; more with {@link RdsPostgres.allowFrom}. @default [] */
  readonly allowFrom?: readonly ISecurityGroup[];
  /** Days of automated backups and point-in-time recovery, 1-35. @default 7 */
  readonly backupRetentionDays?: number;
  /** Daily backup window, UTC, `hh:mm-hh:mm`, at least 30 minutes. @default "03:00-04:00" */
  readonly backupWindow?: string;
  /**
   * Weekly maintenance window, UTC, `ddd:hh:mm-ddd:hh:mm`, at least 30 minutes, not overlapping
   * the backup window. @default "sun:05:00-sun:06:00"
   */
  readonly maintenanceWindow?: string;
  /** Days Performance Insights keeps, 7 or a multiple of 31 up to 731. @default 7 */
  readonly performanceInsightsRetentionDays?: number;
  /**
   * Enhanced Monitoring interval in seconds; above 0 a monitoring role is created.
   * @default 0 (off; CloudWatch metrics and Performance Insights stay on)
   */
  readonly monitoringInterval?: MonitoringInterval;
  /**
   * Parameters of the parameter group, checked against the settings of the engine's major (read
   * from that PostgreSQL major's `pg_settings`) and RDS's own parameters; merged over
   * {@link DEFAULT_PARAMETERS}. Booleans become `1` / `0`.
   * @default {} (only the defaults)
   */
  readonly parameters?: Readonly<Record<string, FlagValue>>;
  /**
   * Accept parameter names that are neither a setting of the major nor an RDS parameter the
   * library knows, with a reason; recorded as `unknown-database-flag`. Managed parameters stay
   * refused. @default undefined (an unknown name fails, naming the closest known ones)
   */
  readonly allowUnknownParameters?: OptOut;
  /** The master user's name; its password is generated and kept by RDS in Secrets Manager. @default "postgres" */
  readonly masterUsername?: string;
  /** The key of the master password's secret. @default the AWS-managed key aws/secretsmanager */
  readonly masterUserSecretKmsKey?: IKmsKey;
  /** A database to create. @default none (only `postgres`) */
  readonly databaseName?: string;
  /**
   * Let `terraform destroy` delete the instance, with a reason (dev and review environments):
   * turns off deletion protection and `lifecycle.prevent_destroy`, skips the final snapshot and
   * deletes the automated backups with it, and records `deletion-allowed` (the created key too).
   * @default undefined (deletion protection, a final snapshot, backups kept after deletion)
   */
  readonly allowDeletion?: OptOut;
}

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

const KMS_KEY = constructRef<IKmsKey>("a KmsKey (an IKmsKey)", ["keyArn"]);
const SECURITY_GROUP = constructRef<ISecurityGroup>("a SecurityGroup (an ISecurityGroup)", [
  "securityGroupId",
]);

/**
 * Shapes and types of {@link RdsPostgresProps}; the VPC's subnets, the windows, the version and
 * the class are judged by the constructor with their own messages, and each parameter's value by
 * `checkSettings`.
 */
const RDS_POSTGRES_PROPS = z.strictObject({
  name: z.string().optional(),
  vpc: constructRef<IVpc>("a Vpc (or Vpc.fromAttributes)", ["vpcId"]),
  engineVersion: z.string().optional(),
  instanceClass: z.string().optional(),
  allocatedStorage: z.number().optional(),
  maxAllocatedStorage: z.number().optional(),
  multiAz: z.boolean().optional(),
  kmsKey: KMS_KEY.optional(),
  allowFrom: z.array(SECURITY_GROUP).optional(),
  backupRetentionDays: z.number().optional(),
  backupWindow: z.string().optional(),
  maintenanceWindow: z.string().optional(),
  performanceInsightsRetentionDays: z.number().optional(),
  monitoringInterval: checkedBy<MonitoringInterval>("the monitoring interval check").optional(),
  parameters: z.record(z.string(), checkedBy<FlagValue>("checkSettings")).optional(),
  allowUnknownParameters: optOutSchema.optional(),
  masterUsername: z.string().optional(),
  masterUserSecretKmsKey: KMS_KEY.optional(),
  databaseName: z.string().optional(),
  allowDeletion: optOutSchema.optional(),
  ...refusedProtectionFlags,
}) satisfies PropsSchema<RdsPostgresProps>;

const RDS_REPLICA_OPTIONS = z.strictObject({
  region: checkedBy<string>("checkAwsRegion"),
  provider: checkedBy<TerraformProvider>("checkProvider"),
  vpc: constructRef<IVpc>("a Vpc of the replica's region (or Vpc.fromAttributes)", ["vpcId"]),
  instanceClass: z.string().optional(),
  kmsKey: KMS_KEY.optional(),
  name: z.string().optional(),
  multiAz: z.boolean().optional(),
  allowFrom: z.array(SECURITY_GROUP).optional(),
}) satisfies PropsSchema<RdsReplicaOptions>;

const POSTGRES_PORT = 5432;
const LOG_EXPORTS = ["postgresql", "upgrade"];
const INSTANCE_CLASS =
  /^db\.[a-z]+\d+[a-z]*(-flex)?\.(micro|small|medium|large|xlarge|\d{1,2}xlarge|metal(-\d+xl)?)$/;
const SQL_NAME = /^[a-zA-Z][a-zA-Z0-9_]{0,62}$/;
const RESERVED_USERS = ["rdsadmin", "rdsrepladmin", "rds_superuser", "rds_replication", "public"];
const RESERVED_DATABASES = ["rdsadmin", "template0", "template1"];
const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const WEEK = 7 * 24 * 60;

// ---------------------------------------------------------------------------------------------
// The construct
// ---------------------------------------------------------------------------------------------

/**
 * RDS for PostgreSQL: encrypted with a customer-managed KMS key, not publicly accessible, in a DB
 * subnet group on the VPC's isolated subnets behind its own security group (5432 from the groups
 * allowed only), Multi-AZ, automated backups, deletion protection with a final snapshot, the
 * master password generated and kept by RDS in Secrets Manager, IAM database authentication, TLS
 * required, CIS logging parameters validated against PostgreSQL's own settings, Performance
 * Insights, CloudWatch log exports, and cross-region read replicas with their own keys.
 */
export class RdsPostgres extends Construct {
  /** The primary instance (escape hatch). */
  readonly instance: DbInstance;
  /** The parameter group. */
  readonly parameterGroup: DbParameterGroup;
  /** The DB subnet group. */
  readonly subnetGroup: DbSubnetGroup;
  /** The instance's security group. */
  readonly securityGroup: SecurityGroup;
  /** The storage key (given, or created). */
  readonly kmsKey: IKmsKey;
  /** The Enhanced Monitoring role, when `monitoringInterval` is above 0. */
  readonly monitoringRole?: IamRole;
  /** The parameters of the parameter group, as RDS values, sorted. */
  readonly parameters: Readonly<Record<string, string>>;
  /** The PostgreSQL major version. */
  readonly major: PostgresMajor;
  /** The primary's region, when the VPC's zones name it. */
  readonly region: string | undefined;
  /** The replicas added so far. */
  readonly replicas: readonly RdsPostgresReplica[];
  private readonly replicaList: RdsPostgresReplica[] = [];
  private readonly stack: PlatformStack;
  private readonly shortName: string;
  private readonly instanceClass: string;
  private readonly deletion: DeletionPolicy;
  private readonly parameterOptOut?: OptOut;
  private readonly unknownParameters: boolean;
  private readonly masterSecretKey?: IKmsKey;
  private readonly storage: { allocated: number; max: number };
  private readonly monitoringInterval: number;
  private readonly piRetention: number;
  private allowed = 0;
  private grants = 0;
  private identity?: { account: string; partition: string; region: string };

  constructor(scope: Construct, id: string, props: RdsPostgresProps) {
    super(scope, id);
    this.stack = PlatformStack.of(this);
    checkProps(this, RDS_POSTGRES_PROPS, props, "{ vpc }");
    refuseProtectionFlags(this, props, "RdsPostgres");
    this.deletion = deletionPolicy(this, props.allowDeletion);
    this.shortName = props.name ?? "postgres";
    const identifier = this.claimIdentifier("name", this.shortName);
    const subnetIds = isolatedSubnets(this, "vpc", props.vpc);
    this.region = regionOfVpc(props.vpc);

    const version = checkEngineVersion(this, "engineVersion", props.engineVersion ?? "16");
    this.major = version.major;
    this.instanceClass = checkInstanceClass(this, "instanceClass", props.instanceClass);
    this.storage = this.checkStorage(props.allocatedStorage, props.maxAllocatedStorage);
    const backupRetentionPeriod = integer(
      this,
      "backupRetentionDays",
      props.backupRetentionDays ?? 7,
      1,
      35,
    );
    const windows = checkWindows(
      this,
      props.backupWindow ?? "03:00-04:00",
      props.maintenanceWindow ?? "sun:05:00-sun:06:00",
    );
    this.piRetention = checkPiRetention(this, props.performanceInsightsRetentionDays ?? 7);
    // Only a missing prop means off: null is a mistake, refused below like any other value.
    this.monitoringInterval = props.monitoringInterval === undefined ? 0 : props.monitoringInterval;
    if (!MONITORING_INTERVALS.includes(this.monitoringInterval)) {
      invalid(
        this,
        "monitoringInterval",
        props.monitoringInterval,
        "is not an Enhanced Monitoring interval",
        `use one of ${MONITORING_INTERVALS.join(", ")} seconds (0 is off)`,
      );
    }
    const username = props.masterUsername ?? "postgres";
    if (!SQL_NAME.test(username) || RESERVED_USERS.includes(username.toLowerCase())) {
      invalid(
        this,
        "masterUsername",
        username,
        "is not a master user name RDS accepts",
        "use 1-63 letters, digits and underscores, starting with a letter, not an RDS role (rdsadmin, ...)",
      );
    }
    if (
      props.databaseName !== undefined &&
      (!SQL_NAME.test(props.databaseName) || RESERVED_DATABASES.includes(props.databaseName))
    ) {
      invalid(
        this,
        "databaseName",
        props.databaseName,
        "is not a database name RDS accepts",
        "use 1-63 letters, digits and underscores, starting with a letter, not template0/template1/rdsadmin",
      );
    }
    this.parameterOptOut = acceptOptOut(
      this,
      "allowUnknownParameters",
      props.allowUnknownParameters,
    )
      ? props.allowUnknownParameters
      : undefined;
    const checked = checkSettings(this, "parameters", props.parameters ?? {}, {
      engine: RDS_ENGINE,
      major: this.major,
      allowUnknown: this.parameterOptOut,
    });
    this.parameters = sortKeys({
      ...DEFAULT_PARAMETERS,
      ...checked.values,
      "rds.force_ssl": "1",
    });
    this.unknownParameters = checked.unknown.length > 0;
    this.masterSecretKey = props.masterUserSecretKmsKey;

    this.kmsKey =
      props.kmsKey ??
      new KmsKey(this, "key", {
        name: `${this.shortName}-rds`,
        description: `Storage, snapshots and Performance Insights of RDS ${identifier}`,
        services: ["rds"],
        allowDeletion: props.allowDeletion,
      });
    this.subnetGroup = new DbSubnetGroup(this, "subnet-group", {
      name: identifier,
      description: `Isolated subnets of RDS ${identifier}`,
      subnetIds,
    });
    this.securityGroup = new SecurityGroup(this, "security-group", {
      vpc: props.vpc,
      name: `${this.shortName}-db`,
      description: `PostgreSQL ${identifier}`,
    });
    (props.allowFrom ?? []).forEach((sg) => this.allowFrom(sg));
    this.parameterGroup = this.createParameterGroup(this, identifier);
    if (this.parameterOptOut && this.unknownParameters) {
      recordOptOut(this.parameterGroup, "unknown-database-flag", this.parameterOptOut);
    }
    if (this.monitoringInterval > 0) {
      this.monitoringRole = new IamRole(this, "monitoring-role", {
        name: `${identifier}-monitoring`,
        description: `Enhanced Monitoring of RDS ${identifier}`,
        assumedBy: ServicePrincipal("monitoring.rds.amazonaws.com"),
        managedPolicyArns: ["arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"],
      });
    }

    const protect = this.deletion.protect;
    this.instance = new DbInstance(this, "instance", {
      identifier,
      engine: "postgres",
      engineVersion: version.text,
      instanceClass: this.instanceClass,
      allocatedStorage: this.storage.allocated,
      maxAllocatedStorage: this.storage.max,
      storageType: "gp3",
      storageEncrypted: true,
      kmsKeyId: this.kmsKey.keyArn,
      username,
      manageMasterUserPassword: true,
      masterUserSecretKmsKeyId: this.masterSecretKey?.keyArn,
      dbName: props.databaseName,
      port: POSTGRES_PORT,
      dbSubnetGroupName: this.subnetGroup.name,
      vpcSecurityGroupIds: [this.securityGroup.securityGroupId],
      publiclyAccessible: false,
      multiAz: props.multiAz ?? true,
      backupRetentionPeriod,
      backupWindow: windows.backup,
      maintenanceWindow: windows.maintenance,
      copyTagsToSnapshot: true,
      deletionProtection: protect,
      skipFinalSnapshot: !protect,
      finalSnapshotIdentifier: protect ? `${identifier}-final` : undefined,
      deleteAutomatedBackups: !protect,
      parameterGroupName: this.parameterGroup.name,
      iamDatabaseAuthenticationEnabled: true,
      autoMinorVersionUpgrade: true,
      allowMajorVersionUpgrade: false,
      applyImmediately: false,
      enabledCloudwatchLogsExports: LOG_EXPORTS,
      performanceInsightsEnabled: true,
      performanceInsightsKmsKeyId: this.kmsKey.keyArn,
      performanceInsightsRetentionPeriod: this.piRetention,
      monitoringInterval: this.monitoringInterval,
      monitoringRoleArn: this.monitoringRole?.roleArn,
      lifecycle: this.deletion.lifecycle(),
    });
    this.deletion.record(this.instance);
    this.replicas = this.replicaList;
  }

  /** The instance's ARN (`arn:aws:rds:<region>:<account>:db:<identifier>`). */
  get arn(): string {
    return this.instance.arn;
  }

  /** The instance identifier. */
  get identifier(): string {
    return this.instance.identifier;
  }

  /** The host name clients connect to. */
  get address(): string {
    return this.instance.address;
  }

  /** `host:port`. */
  get endpoint(): string {
    return this.instance.endpoint;
  }

  /** The port, 5432. */
  get port(): number {
    return POSTGRES_PORT;
  }

  /** The instance's resource id (`db-...`), as IAM database authentication names it. */
  get resourceId(): string {
    return this.instance.resourceId;
  }

  /** The ARN of the Secrets Manager secret RDS keeps the master password in. */
  get masterUserSecretArn(): string {
    return this.instance.masterUserSecret.get(0).secretArn;
  }

  /** Lets members of a security group connect on 5432. */
  allowFrom(group: ISecurityGroup): void {
    const property = `allowFrom(${this.allowed})`;
    if (typeof group?.securityGroupId !== "string") {
      invalid(this, property, group, "is not a security group", "pass a SecurityGroup");
    }
    this.allowed++;
    this.securityGroup.allowFrom(group, POSTGRES_PORT, "PostgreSQL clients");
  }

  /**
   * Lets a principal log in as database user `dbUser` with IAM database authentication
   * (`rds-db:connect` on that user of this instance only). The user must exist in the database
   * with the `rds_iam` role.
   */
  grantConnect(grantee: IGrantablePrincipal, dbUser: string): void {
    checkGrantee(this, "grantConnect(grantee)", grantee);
    if (typeof dbUser !== "string" || !SQL_NAME.test(dbUser)) {
      invalid(
        this,
        "grantConnect(dbUser)",
        dbUser,
        "is not a database user name",
        "use 1-63 letters, digits and underscores, starting with a letter",
      );
    }
    const id = this.identityData();
    grantee.addToPolicy({
      sid: `RdsConnect${this.grants++}${pascal(this.shortName)}`,
      effect: "Allow",
      actions: ["rds-db:connect"],
      resources: [
        `arn:${id.partition}:rds-db:${id.region}:${id.account}:dbuser:${this.resourceId}/${dbUser}`,
      ],
    });
  }

  /**
   * Lets a principal read the master password from its secret (`GetSecretValue`,
   * `DescribeSecret` on that secret, and `kms:Decrypt` on its key when it is a customer key).
   */
  grantReadMasterSecret(grantee: IGrantablePrincipal): void {
    checkGrantee(this, "grantReadMasterSecret(grantee)", grantee);
    const n = this.grants++;
    grantee.addToPolicy({
      sid: `RdsMasterSecret${n}${pascal(this.shortName)}`,
      effect: "Allow",
      actions: ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"],
      resources: [this.masterUserSecretArn],
    });
    if (this.masterSecretKey) {
      grantee.addToPolicy({
        sid: `RdsMasterSecretKey${n}${pascal(this.shortName)}`,
        effect: "Allow",
        actions: ["kms:Decrypt"],
        resources: [this.masterSecretKey.keyArn],
      });
    }
  }

  /**
   * Adds a read replica in another region: `replicate_source_db` is the primary's ARN, and every
   * resource of the replica (its key unless given, subnet group, security group, parameter group
   * and instance) is created with `options.provider`. Encrypted with a key of that region, not
   * publicly accessible, deletion protection, Performance Insights, IAM authentication and the
   * primary's parameters and log exports. A replica keeps no backups and takes no final snapshot
   * (RDS allows neither); the primary keeps both.
   */
  addReplica(options: RdsReplicaOptions): RdsPostgresReplica {
    const p = "addReplica";
    checkOptions(this, p, RDS_REPLICA_OPTIONS, options, "{ region, provider, vpc }");
    const region = checkAwsRegion(this, `${p}.region`, options.region);
    if (this.region !== undefined && region === this.region) {
      invalid(
        this,
        `${p}.region`,
        region,
        "is the primary's region, so a disaster there takes out both",
        "put the replica in another region",
      );
    }
    const provider = checkProvider(this, `${p}.provider`, options.provider);
    if (provider === undefined) {
      invalid(this, `${p}.provider`, undefined, "is missing", "pass an AwsProvider for the region");
    }
    const providerRegion: unknown = (provider as unknown as { region?: unknown }).region;
    if (typeof providerRegion === "string" && !Token.isUnresolved(providerRegion)) {
      if (providerRegion !== region) {
        invalid(
          this,
          `${p}.provider`,
          providerRegion,
          `is a provider for ${providerRegion}, not ${region}`,
          `pass the AwsProvider of ${region}`,
        );
      }
    }
    const vpcRegion = regionOfVpc(options.vpc);
    if (vpcRegion !== undefined && vpcRegion !== region) {
      invalid(
        this,
        `${p}.vpc`,
        options.vpc.node.path,
        `is in ${vpcRegion}, not in the replica's region ${region}`,
        `pass a VPC of ${region}`,
      );
    }
    const short = options.name ?? `${this.shortName}-${region}`;
    const replica = new RdsPostgresReplica(this, `replica-${short}`, {
      primary: this,
      short,
      region,
      provider,
      options,
    });
    this.replicaList.push(replica);
    return replica;
  }

  /** @internal What a replica copies from its primary. */
  replicaBase(): {
    stack: PlatformStack;
    instanceClass: string;
    deletion: DeletionPolicy;
    parameterOptOut?: OptOut;
    unknownParameters: boolean;
    storage: { allocated: number; max: number };
    monitoringInterval: number;
    monitoringRoleArn?: string;
    piRetention: number;
  } {
    return {
      stack: this.stack,
      instanceClass: this.instanceClass,
      deletion: this.deletion,
      parameterOptOut: this.parameterOptOut,
      unknownParameters: this.unknownParameters,
      storage: this.storage,
      monitoringInterval: this.monitoringInterval,
      monitoringRoleArn: this.monitoringRole?.roleArn,
      piRetention: this.piRetention,
    };
  }

  /** @internal A parameter group with this instance's parameters, in `scope`. */
  createParameterGroup(scope: Construct, name: string): DbParameterGroup {
    return new DbParameterGroup(scope, "parameters", {
      name,
      family: `postgres${this.major}`,
      description: `PostgreSQL ${this.major} parameters of ${name}`,
      parameter: Object.entries(this.parameters).map(([n, value]) => ({
        name: n,
        value,
        applyMethod: STATIC_PARAMETERS.has(n) ? "pending-reboot" : "immediate",
      })),
    });
  }

  /** @internal Claims `${prefix}-${short}` as an RDS identifier of the stack. */
  claimIdentifier(property: string, short: string): string {
    const full = checkName(this, property, "rds-instance", `${this.stack.prefix}-${short}`);
    return this.stack.claimName(this, property, "rds-instance", full);
  }

  private identityData(): { account: string; partition: string; region: string } {
    if (this.identity === undefined) {
      this.identity = {
        account: new DataAwsCallerIdentity(this, "account").accountId,
        partition: new DataAwsPartition(this, "partition").partition,
        region: new DataAwsRegion(this, "region").region,
      };
    }
    return this.identity;
  }

  private checkStorage(
    allocatedStorage: number | undefined,
    maxAllocatedStorage: number | undefined,
  ): { allocated: number; max: number } {
    const allocated = integer(this, "allocatedStorage", allocatedStorage ?? 20, 20, 65536);
    const max = integer(
      this,
      "maxAllocatedStorage",
      maxAllocatedStorage ?? Math.max(100, allocated),
      allocated,
      65536,
    );
    if (max !== allocated && max < Math.ceil(allocated * 1.1)) {
      invalid(
        this,
        "maxAllocatedStorage",
        max,
        `is less than 10% above allocatedStorage (${allocated}), which RDS refuses`,
        `use at least ${Math.ceil(allocated * 1.1)}, or ${allocated} to turn storage autoscaling off`,
      );
    }
    return { allocated, max: max === allocated ? 0 : max };
  }
}

/** What {@link RdsPostgresReplica} is built from. */
interface ReplicaSpec {
  readonly primary: RdsPostgres;
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

  constructor(primary: RdsPostgres, id: string, spec: ReplicaSpec) {
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

// ---------------------------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------------------------

/** The VPC's isolated subnets, at least two (a DB subnet group spans two zones or more). */
function isolatedSubnets(scope: Construct, property: string, vpc: IVpc): string[] {
  const ids: unknown = vpc?.isolatedSubnetIds;
  if (!Array.isArray(ids) || ids.length < 2) {
    invalid(
      scope,
      property,
      vpc?.node?.path,
      `has ${Array.isArray(ids) ? ids.length : "no"} isolated subnets; a DB subnet group needs subnets in at least two availability zones`,
      "give the VPC isolated subnets in two or more zones (Vpc creates one per zone)",
    );
  }
  return [...(ids as string[])];
}

/** The region a VPC's zones are in (`ap-northeast-2` for `ap-northeast-2a`), when they say. */
function regionOfVpc(vpc: IVpc): string | undefined {
  const zone: unknown = vpc?.availabilityZones?.[0];
  if (typeof zone !== "string" || Token.isUnresolved(zone)) return undefined;
  const match = /^([a-z]{2}(-[a-z]+)+-\d+)[a-z]$/.exec(zone);
  return match ? match[1] : undefined;
}

function checkEngineVersion(
  scope: Construct,
  property: string,
  value: string,
): { text: string; major: PostgresMajor } {
  const match = typeof value === "string" ? /^(\d{2})(\.\d{1,2})?$/.exec(value) : null;
  const major = match ? (Number(match[1]) as PostgresMajor) : undefined;
  if (major === undefined || !POSTGRES_MAJORS.includes(major)) {
    invalid(
      scope,
      property,
      value,
      "is not a PostgreSQL version the construct builds",
      `use a major (${POSTGRES_MAJORS.join(", ")}) or major.minor such as "16.4"`,
    );
  }
  return { text: value, major };
}

function checkInstanceClass(scope: Construct, property: string, value: unknown): string {
  const text = value ?? "db.m6g.large";
  if (typeof text !== "string" || !INSTANCE_CLASS.test(text)) {
    invalid(
      scope,
      property,
      value,
      "is not an RDS instance class (db.<family>.<size>)",
      'use e.g. "db.m6g.large", "db.r6g.xlarge" or "db.t4g.medium"',
    );
  }
  return text;
}

function checkPiRetention(scope: Construct, days: unknown): number {
  if (
    !Number.isInteger(days) ||
    !(days === 7 || days === 731 || ((days as number) % 31 === 0 && (days as number) <= 713))
  ) {
    invalid(
      scope,
      "performanceInsightsRetentionDays",
      days,
      "is not a Performance Insights retention",
      "use 7 (free), a multiple of 31 up to 713 (months), or 731 (two years)",
    );
  }
  return days as number;
}

/** `hh:mm` to minutes of the day, or undefined. */
function clock(text: string): number | undefined {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(text);
  return m ? Number(m[1]) * 60 + Number(m[2]) : undefined;
}

/** Checks both windows' formats and lengths and that they do not overlap; returns them lowercase. */
function checkWindows(
  scope: Construct,
  backup: string,
  maintenance: string,
): { backup: string; maintenance: string } {
  const [bFrom, bTo] = typeof backup === "string" ? backup.split("-") : [];
  const bStart = bFrom !== undefined ? clock(bFrom) : undefined;
  const bEnd = bTo !== undefined ? clock(bTo) : undefined;
  if (bStart === undefined || bEnd === undefined || backup.split("-").length !== 2) {
    invalid(
      scope,
      "backupWindow",
      backup,
      "is not a daily window hh:mm-hh:mm (UTC)",
      'use e.g. "03:00-04:00"',
    );
  }
  const bLength = (bEnd - bStart + 1440) % 1440;
  if (bLength < 30) {
    invalid(
      scope,
      "backupWindow",
      backup,
      "is shorter than 30 minutes",
      "give it 30 minutes or more",
    );
  }
  const text = typeof maintenance === "string" ? maintenance.toLowerCase() : "";
  const m = /^([a-z]{3}):(\d\d:\d\d)-([a-z]{3}):(\d\d:\d\d)$/.exec(text);
  const mStartDay = m ? DAYS.indexOf(m[1]) : -1;
  const mEndDay = m ? DAYS.indexOf(m[3]) : -1;
  const mStartClock = m ? clock(m[2]) : undefined;
  const mEndClock = m ? clock(m[4]) : undefined;
  if (mStartDay < 0 || mEndDay < 0 || mStartClock === undefined || mEndClock === undefined) {
    invalid(
      scope,
      "maintenanceWindow",
      maintenance,
      "is not a weekly window ddd:hh:mm-ddd:hh:mm (UTC)",
      `use e.g. "sun:05:00-sun:06:00", days ${DAYS.join(", ")}`,
    );
  }
  const mStart = mStartDay * 1440 + mStartClock;
  const mLength = (mEndDay * 1440 + mEndClock - mStart + WEEK) % WEEK;
  if (mLength < 30) {
    invalid(
      scope,
      "maintenanceWindow",
      maintenance,
      "is shorter than 30 minutes",
      "give it 30 minutes or more",
    );
  }
  for (let day = 0; day < 7; day++) {
    if (overlaps(day * 1440 + bStart, bLength, mStart, mLength)) {
      invalid(
        scope,
        "maintenanceWindow",
        maintenance,
        `overlaps the daily backup window ${backup}`,
        "move one of them so they do not overlap, e.g. backups 03:00-04:00 and maintenance sun:05:00-sun:06:00",
      );
    }
  }
  return { backup, maintenance: text };
}

/** Whether two spans of the week (start, length in minutes) overlap, wrapping at the week's end. */
function overlaps(aStart: number, aLength: number, bStart: number, bLength: number): boolean {
  return [-WEEK, 0, WEEK].some(
    (shift) => aStart < bStart + shift + bLength && bStart + shift < aStart + aLength,
  );
}

function checkGrantee(scope: Construct, property: string, grantee: unknown): void {
  if (typeof (grantee as IGrantablePrincipal | undefined)?.addToPolicy !== "function") {
    invalid(
      scope,
      property,
      grantee,
      "is not a principal that can be granted permissions",
      "pass an IamRole (an IGrantablePrincipal)",
    );
  }
}

function sortKeys(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : 1)));
}

function pascal(text: string): string {
  return text
    .split(/[^a-zA-Z0-9]+/)
    .filter((p) => p !== "")
    .map((p) => p[0].toUpperCase() + p.slice(1))
    .join("");
}
