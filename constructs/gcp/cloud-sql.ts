import { Construct } from "constructs";
import { z } from "zod";
import { OPT_OUT_IDS } from "../../vocabulary";
import { Fn, Lazy, Token, type ITerraformDependable } from "cdktf";
import {
  SqlDatabaseInstance,
  type SqlDatabaseInstanceSettings,
} from "@cdktf/provider-google/lib/sql-database-instance";
import { SqlDatabase } from "@cdktf/provider-google/lib/sql-database";
import { SqlUser } from "@cdktf/provider-google/lib/sql-user";
import { ProjectIamMember } from "@cdktf/provider-google/lib/project-iam-member";
import { parseCidr, worldRangesOf } from "../core/cidr";
import { invalid } from "../core/errors";
import { boolean, integer, oneOf } from "../core/checks";
import type { LabelTarget } from "../core/labels";
import { checkName, prefixedName } from "../core/naming";
import {
  DELETION_ALLOWED,
  deletionPolicy,
  refuseProtectionFlags,
  type DeletionPolicy,
} from "../core/deletion";
import { acceptOptOut, recordOptOut, type OptOut } from "../core/opt-out";
import {
  checkedBy,
  checkOptions,
  checkProps,
  missingCheckedBy,
  objectCheckedBy,
  optOutSchema,
  refusedProtectionFlags,
  stringOf,
  type PropsSchema,
} from "../core/props";
import { PlatformStack } from "../core/stack";
import { checkMember, type IGrantable, type IServiceAccount } from "./iam";
import type { INetwork } from "./network";
import { checkRegion, isGcpRegion } from "./regions";
import { checkProjectId } from "./schemas";
import { checkTier } from "./cloud-sql-tiers";
import {
  DEFAULT_FLAGS,
  POSTGRES_VERSIONS,
  checkFlags,
  type FlagValue,
  type PostgresVersion,
} from "./postgres-flags";

// The flag catalogue and the tier rules live beside the construct; their public names stay
// importable from here.
export { SHARED_CORE_TIERS, checkTier } from "./cloud-sql-tiers";
export {
  CLOUD_SQL_FLAGS,
  CLOUD_SQL_MANAGED_FLAGS,
  COMPRESSION_BUILD_VALUES,
  DEFAULT_FLAGS,
  POSTGRES_SETTINGS,
  POSTGRES_SETTINGS_ORIGIN,
  POSTGRES_VERSIONS,
  checkFlag,
  checkFlags,
  flagSpec,
  type CheckedFlags,
  type FlagCheckOptions,
  type FlagSpec,
  type FlagValue,
  type PostgresSettingsOrigin,
  type PostgresVersion,
} from "./postgres-flags";

// ---------------------------------------------------------------------------------------------
// Props
// ---------------------------------------------------------------------------------------------

/** How the server enforces TLS. */
export type SqlSslMode =
  "ENCRYPTED_ONLY" | "TRUSTED_CLIENT_CERTIFICATE_REQUIRED" | "ALLOW_UNENCRYPTED_AND_ENCRYPTED";

/** Automated backups and point-in-time recovery of the primary. */
export interface SqlBackupOptions {
  /** Daily automated backups. Turning them off needs {@link allowDisabled}. @default true */
  readonly enabled?: boolean;
  /** Point-in-time recovery (WAL archiving); needs backups. @default true */
  readonly pointInTimeRecovery?: boolean;
  /** Start of the daily backup window, UTC, `HH:MM`. @default "03:00" */
  readonly startTime?: string;
  /** Region or multi-region (`us`, `eu`, `asia`) the backups are stored in. @default the instance's region */
  readonly location?: string;
  /** Number of daily backups kept, 1–365. @default 30 */
  readonly retainedBackups?: number;
  /** Days of write-ahead log kept for point-in-time recovery, 1–7. @default 7 */
  readonly transactionLogRetentionDays?: number;
  /** Accept an instance without backups, with a reason. @default undefined (backups required) */
  readonly allowDisabled?: OptOut;
}

/** When Cloud SQL may restart the instance for updates. */
export interface SqlMaintenanceWindow {
  /** Day of the week, 1 (Monday) to 7 (Sunday). @default 7 */
  readonly day?: number;
  /** Hour of the day, UTC, 0–23. @default 4 */
  readonly hour?: number;
  /** How early the instance gets updates. @default "stable" */
  readonly updateTrack?: "stable" | "canary" | "week5";
}

/** Query Insights. */
export interface SqlInsightsOptions {
  /** @default true */
  readonly enabled?: boolean;
  /** Longest query text kept, 256–4500 bytes. @default 1024 */
  readonly queryStringLength?: number;
  /** Keep application tags (sqlcommenter). @default true */
  readonly recordApplicationTags?: boolean;
  /** Keep client IP addresses; off so that Insights stores no client IPs. @default false */
  readonly recordClientAddress?: boolean;
}

/** Password policy for built-in (password) database users. Always on. */
export interface SqlPasswordValidation {
  /** Shortest password, 12–256. @default 16 */
  readonly minLength?: number;
  /** @default "COMPLEXITY_DEFAULT" (upper and lower case, digits and symbols) */
  readonly complexity?: "COMPLEXITY_DEFAULT";
  /** Number of earlier passwords that may not be reused, 0–100. @default 5 */
  readonly reuseInterval?: number;
  /** Refuse passwords containing the user name. @default true */
  readonly disallowUsernameSubstring?: boolean;
}

/** A client range allowed on the public IP. */
export interface SqlAuthorizedNetwork {
  /** A label for the range, e.g. `office`. */
  readonly name: string;
  /**
   * IPv4 CIDR. `/0`, or ranges that together cover every IPv4 address (`0.0.0.0/1` +
   * `128.0.0.0/1`), need {@link SqlPublicIp.allowWorld}.
   */
  readonly cidr: string;
}

/** A public IPv4 address on the instance, only with an opt-out. */
export interface SqlPublicIp {
  /** Ranges allowed to connect directly; empty means connectors / Auth Proxy only. */
  readonly authorizedNetworks: readonly SqlAuthorizedNetwork[];
  /** Why the instance needs a public IP. */
  readonly optOut: OptOut;
  /**
   * Accept authorized networks that are the whole internet (`0.0.0.0/0`, or ranges whose union
   * is), with its own reason. @default undefined (refused)
   */
  readonly allowWorld?: OptOut;
}

export interface CloudSqlPostgresProps {
  /** Short name; the instance is `${prefix}-${name}`. @default "postgres" */
  readonly name?: string;
  /** The VPC; it must have private services access (the instance gets a private IP only). */
  readonly network: INetwork;
  /** Region of the primary. */
  readonly region: string;
  /**
   * Project of the instance and of the IAM grants; required by {@link CloudSqlPostgres.grantClient}.
   * @default undefined (the provider's project; grantClient refuses)
   */
  readonly projectId?: string;
  /** @default "POSTGRES_15" */
  readonly databaseVersion?: PostgresVersion;
  /** Machine tier (Enterprise edition), see {@link checkTier}. @default "db-custom-2-8192" */
  readonly tier?: string;
  /** REGIONAL is high availability with a standby in another zone. @default "REGIONAL" */
  readonly availabilityType?: "ZONAL" | "REGIONAL";
  /** Initial data disk size in GB, at least 10. @default 20 */
  readonly diskSizeGb?: number;
  /** @default "PD_SSD" */
  readonly diskType?: "PD_SSD" | "PD_HDD";
  /** Grow the disk automatically when it fills up. @default true */
  readonly diskAutoresize?: boolean;
  /** @default see {@link SqlBackupOptions} */
  readonly backup?: SqlBackupOptions;
  /** @default see {@link SqlMaintenanceWindow} */
  readonly maintenanceWindow?: SqlMaintenanceWindow;
  /** @default see {@link SqlInsightsOptions} */
  readonly insights?: SqlInsightsOptions;
  /** @default see {@link SqlPasswordValidation} */
  readonly passwordValidation?: SqlPasswordValidation;
  /**
   * Database flags, checked against the settings of `databaseVersion` (read from that PostgreSQL
   * major's `pg_settings`) and Cloud SQL's own flags; merged over {@link DEFAULT_FLAGS}.
   * @default {} (only the defaults)
   */
  readonly flags?: Readonly<Record<string, FlagValue>>;
  /**
   * Accept flag names that are neither a setting of `databaseVersion` nor a Cloud SQL flag the
   * library knows (a Cloud SQL flag added after this release, say), with a reason. Their values
   * are passed on as one-line text; known flags keep their type, range and enum checks, and flags
   * Cloud SQL manages stay refused. Recorded as `unknown-database-flag` on every instance when a
   * flag needs it.
   * @default undefined (an unknown name fails, naming the closest known flags)
   */
  readonly allowUnknownFlags?: OptOut;
  /** Databases to create on the primary (UTF8, en_US.UTF8); protected from `destroy`. @default [] */
  readonly databases?: readonly string[];
  /** Service accounts that log in with IAM database authentication. @default [] */
  readonly iamUsers?: readonly IServiceAccount[];
  /** Keep automated backups after the instance is deleted. @default true */
  readonly retainBackupsOnDelete?: boolean;
  /**
   * TLS enforcement. `ALLOW_UNENCRYPTED_AND_ENCRYPTED` needs {@link allowUnencrypted}.
   * @default "ENCRYPTED_ONLY"
   */
  readonly sslMode?: SqlSslMode;
  /** Accept `ALLOW_UNENCRYPTED_AND_ENCRYPTED`, with a reason. @default undefined (refused) */
  readonly allowUnencrypted?: OptOut;
  /** A public IP with authorized networks, with a reason. @default undefined (private IP only) */
  readonly publicIp?: SqlPublicIp;
  /**
   * Turn off both deletion protections (Terraform's `deletion_protection` and the API's
   * `deletion_protection_enabled`) and `prevent_destroy` on databases, with a reason.
   * @default undefined (the instance and its databases cannot be deleted)
   */
  readonly allowDeletion?: OptOut;
}

/** A read replica, as given to {@link CloudSqlPostgres.addReplica}. */
export interface SqlReplicaOptions {
  /** Region of the replica; a `dr` replica must be in another region than the primary. */
  readonly region: string;
  /** @default the primary's tier */
  readonly tier?: string;
  /** Short name; the replica is `${prefix}-${name}`. @default `${primary name}-replica-${region}` */
  readonly name?: string;
  /** @default "ZONAL" */
  readonly availabilityType?: "ZONAL" | "REGIONAL";
  /** `dr`: cross-region disaster recovery; `read`: read scaling. @default "dr" */
  readonly purpose?: "dr" | "read";
}

/** A replica created by {@link CloudSqlPostgres.addReplica}. */
export interface CloudSqlReplica {
  /** The replica instance (escape hatch). */
  readonly instance: SqlDatabaseInstance;
  readonly region: string;
  readonly purpose: "dr" | "read";
  /** `project:region:instance`, for the connectors and Auth Proxy. */
  readonly connectionName: string;
  /** The replica's private IP address. */
  readonly privateIp: string;
}

/** Options of {@link CloudSqlPostgres.grantClient}. */
export interface GrantClientOptions {
  /** Also grant `roles/cloudsql.instanceUser`, needed to log in as an IAM database user. @default false */
  readonly iamLogin?: boolean;
}

/**
 * Shapes and types of {@link CloudSqlPostgresProps}. Left to the construct, whose messages are more
 * specific: `network` ("is missing", "has no private services access"), `region` (`checkRegion`,
 * which says where regions are listed), each flag's value (`checkFlags`, by the flag's type), each
 * IAM user (`createIamUsers`, "is not a service account email"), and a public IP without its
 * `optOut` or a range without a name (`checkPublicIp`). Enum values are listed by `oneOf`.
 */
const CLOUD_SQL_PROPS = z.strictObject({
  name: z.string().optional(),
  network: checkedBy<INetwork>("the constructor's network check"),
  region: checkedBy<string>("checkRegion"),
  projectId: z.string().optional(),
  databaseVersion: stringOf<PostgresVersion>().optional(),
  tier: z.string().optional(),
  availabilityType: stringOf<"ZONAL" | "REGIONAL">().optional(),
  diskSizeGb: z.number().optional(),
  diskType: stringOf<"PD_SSD" | "PD_HDD">().optional(),
  diskAutoresize: z.boolean().optional(),
  backup: z
    .strictObject({
      enabled: z.boolean().optional(),
      pointInTimeRecovery: z.boolean().optional(),
      startTime: z.string().optional(),
      location: z.string().optional(),
      retainedBackups: z.number().optional(),
      transactionLogRetentionDays: z.number().optional(),
      allowDisabled: optOutSchema.optional(),
    })
    .optional(),
  maintenanceWindow: z
    .strictObject({
      day: z.number().optional(),
      hour: z.number().optional(),
      updateTrack: stringOf<"stable" | "canary" | "week5">().optional(),
    })
    .optional(),
  insights: z
    .strictObject({
      enabled: z.boolean().optional(),
      queryStringLength: z.number().optional(),
      recordApplicationTags: z.boolean().optional(),
      recordClientAddress: z.boolean().optional(),
    })
    .optional(),
  passwordValidation: z
    .strictObject({
      minLength: z.number().optional(),
      complexity: stringOf<"COMPLEXITY_DEFAULT">().optional(),
      reuseInterval: z.number().optional(),
      disallowUsernameSubstring: z.boolean().optional(),
    })
    .optional(),
  flags: z.record(z.string(), checkedBy<FlagValue>("checkFlags")).optional(),
  allowUnknownFlags: optOutSchema.optional(),
  databases: z.array(z.string()).optional(),
  iamUsers: z.array(checkedBy<IServiceAccount>("createIamUsers")).optional(),
  retainBackupsOnDelete: z.boolean().optional(),
  sslMode: stringOf<SqlSslMode>().optional(),
  allowUnencrypted: optOutSchema.optional(),
  publicIp: z
    .strictObject({
      authorizedNetworks: missingCheckedBy(
        z.array(
          objectCheckedBy(
            z.strictObject({
              name: missingCheckedBy(z.string(), "checkPublicIp"),
              cidr: missingCheckedBy(z.string(), "parseCidr"),
            }),
            "checkPublicIp",
          ),
        ),
        "checkPublicIp",
      ),
      optOut: missingCheckedBy(optOutSchema, "checkPublicIp"),
      allowWorld: optOutSchema.optional(),
    })
    .optional(),
  allowDeletion: optOutSchema.optional(),
  ...refusedProtectionFlags,
}) satisfies PropsSchema<CloudSqlPostgresProps>;

/** Shapes and types of {@link SqlReplicaOptions}; `region` is left to `checkRegion`. */
const SQL_REPLICA_OPTIONS = z.strictObject({
  region: checkedBy<string>("checkRegion"),
  tier: z.string().optional(),
  name: z.string().optional(),
  availabilityType: stringOf<"ZONAL" | "REGIONAL">().optional(),
  purpose: stringOf<"dr" | "read">().optional(),
}) satisfies PropsSchema<SqlReplicaOptions>;

const GRANT_CLIENT_OPTIONS = z.strictObject({
  iamLogin: z.boolean().optional(),
}) satisfies PropsSchema<GrantClientOptions>;

const SSL_MODES: readonly SqlSslMode[] = [
  "ENCRYPTED_ONLY",
  "TRUSTED_CLIENT_CERTIFICATE_REQUIRED",
  "ALLOW_UNENCRYPTED_AND_ENCRYPTED",
];
const BACKUP_MULTI_REGIONS = ["us", "eu", "asia"];
const HH_MM = /^([01]\d|2[0-3]):[0-5]\d$/;
const DATABASE_NAME = /^[a-z][a-z0-9_]{0,62}$/;
const RESERVED_DATABASES = ["postgres", "cloudsqladmin", "template0", "template1"];
const SA_SUFFIX = ".gserviceaccount.com";

/**
 * Cloud SQL for PostgreSQL: private IP only on a VPC with private services access, TLS required,
 * high availability, daily backups with point-in-time recovery, both deletion protections,
 * Query Insights without client IPs, a password policy, IAM database authentication, CIS logging
 * flags validated against PostgreSQL's own settings, and cross-region read replicas.
 */
export class CloudSqlPostgres extends Construct implements LabelTarget {
  /** The primary instance (escape hatch). */
  readonly instance: SqlDatabaseInstance;
  /** The databases created, by name. */
  readonly databases: Readonly<Record<string, SqlDatabase>>;
  /** The IAM database users created. */
  readonly iamUsers: readonly SqlUser[];
  /** The replicas added so far. */
  readonly replicas: readonly CloudSqlReplica[];
  /** The flags the instance and its replicas get, as API values. */
  readonly flags: Readonly<Record<string, string>>;
  /** The primary's region. */
  readonly region: string;
  private readonly stack: PlatformStack;
  private readonly shortName: string;
  private readonly projectId?: string;
  private readonly instanceNames: string[] = [];
  private readonly replicaList: CloudSqlReplica[] = [];
  private readonly optOuts: { id: string; optOut: OptOut }[] = [];
  private readonly psaDependsOn: ITerraformDependable[];
  private readonly replicaBase: {
    deletionProtection: boolean;
    databaseVersion: string;
    tier: string;
    settings: Omit<SqlDatabaseInstanceSettings, "tier">;
  };
  private grants = 0;

  constructor(scope: Construct, id: string, props: CloudSqlPostgresProps) {
    super(scope, id);
    this.stack = PlatformStack.of(this);
    checkProps(this, CLOUD_SQL_PROPS, props, "{ network, region }");
    refuseProtectionFlags(this, props, "CloudSqlPostgres");
    if (typeof props.network?.subnet !== "function") {
      invalid(
        this,
        "network",
        props.network,
        "is missing",
        "pass the Network construct the instance joins",
      );
    }
    const psa = props.network.privateServices;
    if (psa === undefined) {
      invalid(
        this,
        "network",
        props.network.node.path,
        "has no private services access, so the instance could get no private IP",
        "enable privateServicesAccess on the Network, e.g. privateServicesAccess: { cidr: '10.100.0.0/16' }",
      );
    }
    this.region = checkRegion(this, "region", props.region);
    this.projectId = checkProjectId(this, "projectId", props.projectId);
    this.shortName = checkName(this, "name", "sql-instance", props.name ?? "postgres");
    const name = this.claimInstanceName("name", this.shortName);

    const databaseVersion = oneOf(
      this,
      "databaseVersion",
      props.databaseVersion ?? "POSTGRES_15",
      POSTGRES_VERSIONS,
    );
    const tier = checkTier(this, "tier", props.tier ?? "db-custom-2-8192");
    const availabilityType = oneOf(this, "availabilityType", props.availabilityType ?? "REGIONAL", [
      "ZONAL",
      "REGIONAL",
    ]);
    const diskSize = integer(this, "diskSizeGb", props.diskSizeGb ?? 20, 10, 65536);
    const diskType = oneOf(this, "diskType", props.diskType ?? "PD_SSD", ["PD_SSD", "PD_HDD"]);
    const diskAutoresize = boolean(this, "diskAutoresize", props.diskAutoresize ?? true);
    const retainBackupsOnDelete = boolean(
      this,
      "retainBackupsOnDelete",
      props.retainBackupsOnDelete ?? true,
    );
    const backup = this.checkBackup(props.backup ?? {}, availabilityType);
    const maintenanceWindow = this.checkMaintenance(props.maintenanceWindow ?? {});
    const insightsConfig = this.checkInsights(props.insights ?? {});
    const passwordValidationPolicy = this.checkPasswordPolicy(props.passwordValidation ?? {});
    const allowUnknown = acceptOptOut(this, "allowUnknownFlags", props.allowUnknownFlags)
      ? props.allowUnknownFlags
      : undefined;
    const checked = checkFlags(this, "flags", props.flags ?? {}, {
      version: databaseVersion,
      allowUnknown,
    });
    if (allowUnknown !== undefined && checked.unknown.length > 0) {
      this.optOuts.push({ id: "unknown-database-flag", optOut: allowUnknown });
    }
    this.flags = { ...DEFAULT_FLAGS, ...checked.flags };
    const sslMode = oneOf(this, "sslMode", props.sslMode ?? "ENCRYPTED_ONLY", SSL_MODES);
    if (sslMode === "ALLOW_UNENCRYPTED_AND_ENCRYPTED") {
      if (!acceptOptOut(this, "allowUnencrypted", props.allowUnencrypted)) {
        invalid(
          this,
          "sslMode",
          sslMode,
          "lets clients connect without TLS",
          'keep "ENCRYPTED_ONLY" (or "TRUSTED_CLIENT_CERTIFICATE_REQUIRED"); if clients cannot do TLS, set allowUnencrypted: { reason }',
        );
      }
      this.optOuts.push({ id: "unencrypted-connections", optOut: props.allowUnencrypted });
    }
    const deletion = deletionPolicy(this, props.allowDeletion);
    const allowDeletion = deletion.allowed;
    if (deletion.optOut) this.optOuts.push({ id: DELETION_ALLOWED, optOut: deletion.optOut });
    const authorizedNetworks = this.checkPublicIp(props.publicIp);

    const settings: Omit<SqlDatabaseInstanceSettings, "tier"> = {
      edition: "ENTERPRISE",
      availabilityType,
      diskSize,
      diskType,
      diskAutoresize,
      deletionProtectionEnabled: !allowDeletion,
      ipConfiguration: {
        ipv4Enabled: authorizedNetworks !== undefined,
        privateNetwork: props.network.id,
        allocatedIpRange: psa.rangeName,
        enablePrivatePathForGoogleCloudServices: true,
        sslMode,
        authorizedNetworks,
      },
      databaseFlags: Object.entries(this.flags)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([flag, value]) => ({ name: flag, value })),
      insightsConfig,
      maintenanceWindow,
    };
    this.instance = new SqlDatabaseInstance(this, "instance", {
      name,
      project: this.projectId,
      region: this.region,
      databaseVersion,
      deletionProtection: !allowDeletion,
      settings: {
        ...settings,
        tier,
        backupConfiguration: backup,
        passwordValidationPolicy,
        retainBackupsOnDelete,
      },
      dependsOn: psa.dependable ? [psa.dependable] : undefined,
    });
    this.psaDependsOn = psa.dependable ? [psa.dependable] : [];
    this.replicaBase = { deletionProtection: !allowDeletion, databaseVersion, tier, settings };
    this.recordOptOuts(this.instance);

    const iamAuth = this.flags["cloudsql.iam_authentication"] === "on";
    this.databases = this.createDatabases(props.databases ?? [], deletion);
    this.iamUsers = this.createIamUsers(props.iamUsers ?? [], iamAuth);
    this.replicas = this.replicaList;
  }

  /** `project:region:instance`, for the Cloud SQL connectors and Auth Proxy. */
  get connectionName(): string {
    return this.instance.connectionName;
  }

  /** The primary's private IP address. */
  get privateIp(): string {
    return this.instance.privateIpAddress;
  }

  /** The primary's instance name. */
  get name(): string {
    return this.instance.name;
  }

  /**
   * Adds a read replica with the primary's version, flags, disk, Insights, maintenance window, TLS
   * mode, network and deletion protections. Backups stay on the primary (replicas cannot have any).
   */
  addReplica(options: SqlReplicaOptions): CloudSqlReplica {
    const p = "addReplica";
    checkOptions(this, p, SQL_REPLICA_OPTIONS, options, "{ region: 'us-east1' }");
    const region = checkRegion(this, `${p}.region`, options.region);
    const purpose = oneOf(this, `${p}.purpose`, options.purpose ?? "dr", ["dr", "read"]);
    if (purpose === "dr" && region === this.region) {
      invalid(
        this,
        `${p}.region`,
        region,
        "is the primary's region, so a disaster there takes out both",
        "put a dr replica in another region, or set purpose: 'read'",
      );
    }
    const tier = checkTier(this, `${p}.tier`, options.tier ?? this.replicaBase.tier);
    const availabilityType = oneOf(
      this,
      `${p}.availabilityType`,
      options.availabilityType ?? "ZONAL",
      ["ZONAL", "REGIONAL"],
    );
    const short = checkName(
      this,
      `${p}.name`,
      "sql-instance",
      options.name ?? `${this.shortName}-replica-${region}`,
    );
    const full = prefixedName(this, `${p}.name`, "sql-instance", this.stack.prefix, short);
    if (this.instanceNames.includes(full)) {
      invalid(
        this,
        `${p}.name`,
        short,
        "is already used by this instance or one of its replicas",
        "give each replica its own name",
      );
    }
    const name = this.claimInstanceName(`${p}.name`, short);
    const instance = new SqlDatabaseInstance(this, `replica-${short}`, {
      name,
      project: this.projectId,
      region,
      databaseVersion: this.replicaBase.databaseVersion,
      masterInstanceName: this.instance.name,
      deletionProtection: this.replicaBase.deletionProtection,
      replicaConfiguration: { failoverTarget: false },
      settings: {
        ...this.replicaBase.settings,
        tier,
        availabilityType,
        backupConfiguration: { enabled: false, pointInTimeRecoveryEnabled: false },
      },
      dependsOn: this.psaDependsOn.length > 0 ? this.psaDependsOn : undefined,
    });
    this.recordOptOuts(instance);
    const replica: CloudSqlReplica = {
      instance,
      region,
      purpose,
      connectionName: instance.connectionName,
      privateIp: instance.privateIpAddress,
    };
    this.replicaList.push(replica);
    return replica;
  }

  /**
   * Lets a principal connect (`roles/cloudsql.client`) and, with `iamLogin`, log in as an IAM
   * database user (`roles/cloudsql.instanceUser`). Cloud SQL has no per-instance IAM, so these are
   * additive project-level bindings, narrowed by an IAM condition to this instance and its
   * replicas. Needs `projectId`.
   */
  grantClient(grantee: IGrantable, options: GrantClientOptions = {}): ProjectIamMember[] {
    const member = checkMember(this, "grantClient.grantee", grantee?.member);
    checkOptions(this, "grantClient", GRANT_CLIENT_OPTIONS, options, "{ iamLogin: true }");
    if (this.projectId === undefined) {
      invalid(
        this,
        "projectId",
        undefined,
        "is needed by grantClient (Cloud SQL roles are granted on the project)",
        "pass projectId to CloudSqlPostgres",
      );
    }
    const project = this.projectId;
    const roles = [
      "roles/cloudsql.client",
      ...(options.iamLogin ? ["roles/cloudsql.instanceUser"] : []),
    ];
    const n = this.grants++;
    return roles.map(
      (role) =>
        new ProjectIamMember(this, `grant-${n}-${role.split(".").pop()}`, {
          project,
          role,
          member,
          condition: {
            title: `${this.instanceNames[0]} only`.slice(0, 100),
            description: "Limits the Cloud SQL role to this instance and its replicas",
            expression: Lazy.stringValue({
              produce: () =>
                `resource.type == 'sqladmin.googleapis.com/Instance' && (${this.instanceNames
                  .map((i) => `resource.name == 'projects/${project}/instances/${i}'`)
                  .join(" || ")})`,
            }),
          },
        }),
    );
  }

  /** Called by the stack's LabelsAspect: Cloud SQL keeps labels in `settings.user_labels`. */
  applyLabels(labels: Readonly<Record<string, string>>): void {
    const sorted = Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)));
    for (const instance of [this.instance, ...this.replicaList.map((r) => r.instance)]) {
      instance.settings.userLabels = { ...sorted };
    }
  }

  private claimInstanceName(property: string, short: string): string {
    const full = this.stack.claimName(
      this,
      property,
      "sql-instance",
      prefixedName(this, property, "sql-instance", this.stack.prefix, short),
    );
    this.instanceNames.push(full);
    return full;
  }

  private recordOptOuts(instance: SqlDatabaseInstance): void {
    for (const o of this.optOuts) recordOptOut(instance, o.id, o.optOut);
  }

  private checkBackup(b: SqlBackupOptions, availabilityType: string) {
    const p = "backup";
    const enabled = boolean(this, `${p}.enabled`, b.enabled ?? true);
    const pitr = boolean(this, `${p}.pointInTimeRecovery`, b.pointInTimeRecovery ?? enabled);
    if (!enabled) {
      if (!acceptOptOut(this, `${p}.allowDisabled`, b.allowDisabled)) {
        invalid(
          this,
          `${p}.enabled`,
          false,
          "leaves the database without backups",
          "keep backups on; if the data can be rebuilt, set backup.allowDisabled: { reason }",
        );
      }
      this.optOuts.push({ id: "backups-disabled", optOut: b.allowDisabled });
    }
    if (pitr && !enabled) {
      invalid(
        this,
        `${p}.pointInTimeRecovery`,
        pitr,
        "needs automated backups",
        "turn backup.enabled on, or pointInTimeRecovery off",
      );
    }
    if (availabilityType === "REGIONAL" && !(enabled && pitr)) {
      invalid(
        this,
        "availabilityType",
        availabilityType,
        "needs backups and point-in-time recovery (Cloud SQL requires them for high availability on PostgreSQL)",
        "keep backups and pointInTimeRecovery on, or use ZONAL",
      );
    }
    const startTime = b.startTime ?? "03:00";
    if (typeof startTime !== "string" || !HH_MM.test(startTime)) {
      invalid(
        this,
        `${p}.startTime`,
        startTime,
        "is not a time of day as HH:MM",
        'use 24-hour UTC time such as "03:00"',
      );
    }
    const location = b.location ?? this.region;
    if (!isGcpRegion(location) && !BACKUP_MULTI_REGIONS.includes(location)) {
      invalid(
        this,
        `${p}.location`,
        location,
        "is not a region or backup multi-region",
        `use a region such as ${this.region}, or one of ${BACKUP_MULTI_REGIONS.join(", ")}`,
      );
    }
    return {
      enabled,
      pointInTimeRecoveryEnabled: pitr,
      startTime,
      location,
      transactionLogRetentionDays: integer(
        this,
        `${p}.transactionLogRetentionDays`,
        b.transactionLogRetentionDays ?? 7,
        1,
        7,
      ),
      backupRetentionSettings: {
        retainedBackups: integer(this, `${p}.retainedBackups`, b.retainedBackups ?? 30, 1, 365),
        retentionUnit: "COUNT",
      },
    };
  }

  private checkMaintenance(m: SqlMaintenanceWindow) {
    return {
      day: integer(this, "maintenanceWindow.day", m.day ?? 7, 1, 7),
      hour: integer(this, "maintenanceWindow.hour", m.hour ?? 4, 0, 23),
      updateTrack: oneOf(this, "maintenanceWindow.updateTrack", m.updateTrack ?? "stable", [
        "stable",
        "canary",
        "week5",
      ]),
    };
  }

  private checkInsights(i: SqlInsightsOptions) {
    if (!boolean(this, "insights.enabled", i.enabled ?? true))
      return { queryInsightsEnabled: false };
    return {
      queryInsightsEnabled: true,
      queryStringLength: integer(
        this,
        "insights.queryStringLength",
        i.queryStringLength ?? 1024,
        256,
        4500,
      ),
      recordApplicationTags: boolean(
        this,
        "insights.recordApplicationTags",
        i.recordApplicationTags ?? true,
      ),
      recordClientAddress: boolean(
        this,
        "insights.recordClientAddress",
        i.recordClientAddress ?? false,
      ),
    };
  }

  private checkPasswordPolicy(v: SqlPasswordValidation) {
    return {
      enablePasswordPolicy: true,
      minLength: integer(this, "passwordValidation.minLength", v.minLength ?? 16, 12, 256),
      complexity: oneOf(
        this,
        "passwordValidation.complexity",
        v.complexity ?? "COMPLEXITY_DEFAULT",
        ["COMPLEXITY_DEFAULT"],
      ),
      reuseInterval: integer(
        this,
        "passwordValidation.reuseInterval",
        v.reuseInterval ?? 5,
        0,
        100,
      ),
      disallowUsernameSubstring: boolean(
        this,
        "passwordValidation.disallowUsernameSubstring",
        v.disallowUsernameSubstring ?? true,
      ),
    };
  }

  private checkPublicIp(publicIp: SqlPublicIp | undefined) {
    if (publicIp === undefined) return undefined;
    if (!acceptOptOut(this, "publicIp.optOut", publicIp?.optOut)) {
      invalid(
        this,
        "publicIp",
        publicIp,
        "gives the instance a public IP without a reason",
        "connect over the private IP; if a public IP is needed, set publicIp.optOut: { reason }",
      );
    }
    this.optOuts.push({ id: "public-ip", optOut: publicIp.optOut });
    if (!Array.isArray(publicIp.authorizedNetworks)) {
      invalid(
        this,
        "publicIp.authorizedNetworks",
        publicIp.authorizedNetworks,
        "is not a list",
        "pass [{ name, cidr }] (or [] for connectors only)",
      );
    }
    const networks = publicIp.authorizedNetworks.map((n, i) => {
      const p = `publicIp.authorizedNetworks[${i}]`;
      if (typeof n?.name !== "string" || n.name.trim() === "") {
        invalid(this, `${p}.name`, n?.name, "is empty", "name the range, e.g. 'office'");
      }
      return { name: n.name, cidr: parseCidr(this, `${p}.cidr`, n.cidr), property: `${p}.cidr` };
    });
    // Judged on the union: 0.0.0.0/1 and 128.0.0.0/1 together admit every client.
    const world = worldRangesOf(networks.map((n) => n.cidr));
    if (world) {
      if (!acceptOptOut(this, "publicIp.allowWorld", publicIp.allowWorld)) {
        const parts = networks.filter((n) => world.includes(n.cidr));
        const single = parts.length === 1 ? parts[0] : undefined;
        invalid(
          this,
          single ? single.property : "publicIp.authorizedNetworks",
          single ? single.cidr.toString() : parts.map((n) => n.cidr.toString()),
          single
            ? "lets the whole internet reach the database port"
            : `together cover every IPv4 address (${parts.map((n) => n.property).join(", ")}), so the whole internet can reach the database port`,
          "list the client ranges; if it must be open to all, set publicIp.allowWorld: { reason }",
        );
      }
      this.optOuts.push({ id: OPT_OUT_IDS.sqlOpenToWorld, optOut: publicIp.allowWorld });
    }
    return networks.map((n) => ({ name: n.name, value: n.cidr.toString() }));
  }

  private createDatabases(
    names: readonly string[],
    deletion: DeletionPolicy,
  ): Record<string, SqlDatabase> {
    const created: Record<string, SqlDatabase> = {};
    names.forEach((db, i) => {
      const p = `databases[${i}]`;
      if (typeof db !== "string" || !DATABASE_NAME.test(db)) {
        invalid(
          this,
          p,
          db,
          "is not a valid database name",
          "use lowercase letters, digits and underscores, starting with a letter, at most 63",
        );
      }
      if (RESERVED_DATABASES.includes(db)) {
        invalid(this, p, db, "is a database Cloud SQL creates or reserves", "choose another name");
      }
      if (created[db]) invalid(this, p, db, "is listed twice", "list each database once");
      created[db] = new SqlDatabase(this, `db-${db}`, {
        name: db,
        instance: this.instance.name,
        project: this.projectId,
        charset: "UTF8",
        collation: "en_US.UTF8",
        lifecycle: deletion.lifecycle(),
      });
    });
    return created;
  }

  private createIamUsers(accounts: readonly IServiceAccount[], iamAuth: boolean): SqlUser[] {
    if (accounts.length > 0 && !iamAuth) {
      invalid(
        this,
        "flags.cloudsql.iam_authentication",
        "off",
        "turns off IAM database authentication, which iamUsers need",
        "leave cloudsql.iam_authentication on, or drop iamUsers",
      );
    }
    const seen = new Set<string>();
    return accounts.map((sa, i) => {
      const p = `iamUsers[${i}]`;
      const email = sa?.email;
      let name: string;
      if (typeof email === "string" && Token.isUnresolved(email)) {
        name = Fn.trimsuffix(email, SA_SUFFIX);
      } else {
        if (
          typeof email !== "string" ||
          !/^[a-z0-9-]+@[a-z0-9-]+\.iam\.gserviceaccount\.com$/.test(email)
        ) {
          invalid(
            this,
            `${p}.email`,
            email,
            "is not a service account email",
            "pass a ServiceAccount construct or { email: 'name@project.iam.gserviceaccount.com' }",
          );
        }
        if (seen.has(email))
          invalid(this, `${p}.email`, email, "is listed twice", "list each service account once");
        seen.add(email);
        name = email.slice(0, -SA_SUFFIX.length);
      }
      return new SqlUser(this, `iam-user-${i}`, {
        instance: this.instance.name,
        project: this.projectId,
        name,
        type: "CLOUD_IAM_SERVICE_ACCOUNT",
        // PostgreSQL refuses to drop a role that owns objects; Terraform forgets it instead.
        deletionPolicy: "ABANDON",
      });
    });
  }
}
