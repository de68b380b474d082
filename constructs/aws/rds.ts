import { Construct } from "constructs";
import { type TerraformProvider, Token } from "cdktf";
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
import { checkSettings, type FlagValue, type PostgresMajor } from "../core/postgres-settings";
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
import {
  LOG_EXPORTS,
  POSTGRES_PORT,
  RESERVED_DATABASES,
  RESERVED_USERS,
  SQL_NAME,
  checkEngineVersion,
  checkGrantee,
  checkInstanceClass,
  checkPiRetention,
  checkWindows,
  isolatedSubnets,
  pascal,
  regionOfVpc,
  sortKeys,
} from "./rds-checks";
import {
  RdsPostgresReplica,
  type RdsReplicaOptions,
  type ReplicaBase,
  type ReplicaPrimary,
} from "./rds-replica";

// The replica and the parameter catalogue, for code that imports them from here as before.
export { RdsPostgresReplica, type RdsReplicaOptions } from "./rds-replica";
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
export class RdsPostgres extends Construct implements ReplicaPrimary {
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
  replicaBase(): ReplicaBase {
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
