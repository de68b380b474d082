import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { optOutsOf } from "../../constructs/core/opt-out";
import { ValidationError } from "../../constructs/core/errors";
import { IamRole, ServicePrincipal } from "../../constructs/aws/iam";
import { KmsKey } from "../../constructs/aws/kms";
import {
  DEFAULT_PARAMETERS,
  RDS_ENGINE,
  RDS_MANAGED_PARAMETERS,
  RdsPostgres,
  type RdsPostgresProps,
} from "../../constructs/aws/rds";
import { SecurityGroup } from "../../constructs/aws/security-group";
import { Vpc } from "../../constructs/aws/vpc";
import {
  POSTGRES_MAJORS,
  POSTGRES_MAJOR_SETTINGS,
  checkSetting,
} from "../../constructs/core/postgres-settings";
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

function awsStack(environment = "dev") {
  const stack = testStack({
    system: "sf",
    environment,
    backend: {
      kind: "s3",
      bucket: "sf-state",
      key: `sf/${environment}.tfstate`,
      region: "ap-northeast-2",
    },
  });
  new AwsProvider(stack, "aws", { region: "ap-northeast-2" });
  const vpc = new Vpc(stack, "vpc", { region: "ap-northeast-2", cidr: "10.20.0.0/16" });
  return { stack, vpc };
}

function drSetup(stack: ReturnType<typeof awsStack>["stack"]) {
  const provider = new AwsProvider(stack, "dr", { region: "us-west-2", alias: "dr" });
  const vpc = Vpc.fromAttributes(stack, "dr-vpc", {
    vpcId: "vpc-0123456789abcdef0",
    azs: ["us-west-2a", "us-west-2b"],
    publicSubnetIds: [],
    privateSubnetIds: [],
    isolatedSubnetIds: ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
  });
  return { provider, vpc };
}

function build(props: Partial<RdsPostgresProps> = {}) {
  const { stack, vpc } = awsStack();
  const db = new RdsPostgres(stack, "db", { vpc, ...props } as RdsPostgresProps);
  return { stack, vpc, db, json: synthJson(stack) };
}

const primaryOf = (json: SynthJson) =>
  findResource(json, "aws_db_instance", { identifier: "sf-dev-postgres" });

const parametersOf = (json: SynthJson, name = "sf-dev-postgres") =>
  Object.fromEntries(
    (
      findResource(json, "aws_db_parameter_group", { name }).parameter as {
        name: string;
        value: string;
        apply_method: string;
      }[]
    ).map((p) => [p.name, p.value]),
  );

describe("RdsPostgres", () => {
  it("is encrypted, private, Multi-AZ, backed up, protected and monitored by default", () => {
    const { json } = build();
    const db = primaryOf(json);
    expect(db).toMatchObject({
      identifier: "sf-dev-postgres",
      engine: "postgres",
      engine_version: "16",
      instance_class: "db.m6g.large",
      allocated_storage: 20,
      max_allocated_storage: 100,
      storage_type: "gp3",
      storage_encrypted: true,
      publicly_accessible: false,
      multi_az: true,
      port: 5432,
      username: "postgres",
      manage_master_user_password: true,
      backup_retention_period: 7,
      backup_window: "03:00-04:00",
      maintenance_window: "sun:05:00-sun:06:00",
      copy_tags_to_snapshot: true,
      deletion_protection: true,
      skip_final_snapshot: false,
      final_snapshot_identifier: "sf-dev-postgres-final",
      delete_automated_backups: false,
      iam_database_authentication_enabled: true,
      auto_minor_version_upgrade: true,
      allow_major_version_upgrade: false,
      enabled_cloudwatch_logs_exports: ["postgresql", "upgrade"],
      performance_insights_enabled: true,
      performance_insights_retention_period: 7,
      monitoring_interval: 0,
      lifecycle: { prevent_destroy: true },
      tags: { environment: "dev", system: "sf", "managed-by": "cdktf" },
    });
    expect(db.password).toBeUndefined();
    expect(db.master_user_secret_kms_key_id).toBeUndefined();
    expect(db.monitoring_role_arn).toBeUndefined();
    // The key it created encrypts storage and Performance Insights.
    const [key] = resourcesOf(json, "aws_kms_key");
    const keyRef = `\${${key.address}.arn}`;
    expect(db.kms_key_id).toBe(keyRef);
    expect(db.performance_insights_kms_key_id).toBe(keyRef);
    expect(findResource(json, "aws_kms_alias")).toMatchObject({
      name: "alias/sf-dev-postgres-rds",
    });
  });

  it("lives in a subnet group on the isolated subnets, behind its own security group", () => {
    const { json } = build();
    const group = findResource(json, "aws_db_subnet_group");
    const isolated = resourcesOf(json, "aws_subnet")
      .filter((s) => (s.config.tags as Record<string, string>).Name.includes("-isolated-"))
      .map((s) => `\${${s.address}.id}`);
    expect(isolated).toHaveLength(3);
    expect(group.subnet_ids).toEqual(isolated);
    const sg = findResource(json, "aws_security_group", { name: "sf-dev-postgres-db" });
    expect(sg.ingress).toBeUndefined();
    expect(sg.egress).toBeUndefined();
    expect(resourcesOf(json, "aws_vpc_security_group_ingress_rule")).toEqual([]);
    const db = primaryOf(json);
    expect(db.db_subnet_group_name).toMatch(/aws_db_subnet_group\..*\.name/);
    expect((db.vpc_security_group_ids as string[])[0]).toMatch(/aws_security_group\.db_.*\.id/);
  });

  it("admits 5432 only from the security groups allowed, by prop and by allowFrom", () => {
    const { stack, vpc } = awsStack();
    const app = new SecurityGroup(stack, "app", { vpc, description: "app tasks" });
    const jobs = new SecurityGroup(stack, "jobs", { vpc, description: "batch jobs" });
    const db = new RdsPostgres(stack, "db", { vpc, allowFrom: [app] });
    db.allowFrom(jobs);
    const rules = resourcesOf(synthJson(stack), "aws_vpc_security_group_ingress_rule");
    expect(rules.map((r) => r.config)).toEqual([
      expect.objectContaining({
        from_port: 5432,
        to_port: 5432,
        ip_protocol: "tcp",
        referenced_security_group_id: expect.stringContaining("aws_security_group.app_"),
      }),
      expect.objectContaining({
        from_port: 5432,
        referenced_security_group_id: expect.stringContaining("aws_security_group.jobs_"),
      }),
    ]);
    for (const r of rules) expect(r.config.cidr_ipv4).toBeUndefined();
  });

  it("has a postgres<major> parameter group with TLS forced and the CIS logging parameters", () => {
    const { json } = build({ engineVersion: "15.4" });
    expect(primaryOf(json).engine_version).toBe("15.4");
    const group = findResource(json, "aws_db_parameter_group");
    expect(group.family).toBe("postgres15");
    expect(parametersOf(json)).toEqual({ ...DEFAULT_PARAMETERS, "rds.force_ssl": "1" });
    expect(primaryOf(json).parameter_group_name).toMatch(/aws_db_parameter_group\..*\.name/);
  });

  it("checks parameters against the major's real settings and RDS's own", () => {
    const { json } = build({
      engineVersion: "17",
      parameters: {
        log_min_duration_statement: 1000,
        log_connections: false,
        "rds.logical_replication": true,
        shared_preload_libraries: "pg_stat_statements,pgaudit",
        "pgaudit.log": "ddl,role",
        transaction_timeout: 60000,
      },
    });
    const params = parametersOf(json);
    expect(params).toMatchObject({
      log_min_duration_statement: "1000",
      log_connections: "0",
      "rds.logical_replication": "1",
      shared_preload_libraries: "pg_stat_statements,pgaudit",
      "pgaudit.log": "ddl,role",
      transaction_timeout: "60000",
      "rds.force_ssl": "1",
    });
    const methods = Object.fromEntries(
      (
        findResource(json, "aws_db_parameter_group").parameter as {
          name: string;
          apply_method: string;
        }[]
      ).map((p) => [p.name, p.apply_method]),
    );
    expect(methods.shared_preload_libraries).toBe("pending-reboot");
    expect(methods["rds.logical_replication"]).toBe("pending-reboot");
    expect(methods.log_min_duration_statement).toBe("immediate");
  });

  it.each([
    [{ transaction_timeout: 1 }, "16", /transaction_timeout is a setting of PostgreSQL 17 only/],
    [{ log_conections: "on" }, "16", /did you mean log_connections/],
    [{ max_connections: 0 }, "16", /is out of range for max_connections on PostgreSQL 16/],
    [{ log_lock_waits: "yes" }, "16", /is not a boolean for log_lock_waits/],
    [{ "rds.force_ssl": 0 }, "16", /sets rds.force_ssl, which RDS manages itself \(TLS/],
    [{ wal_level: "logical" }, "16", /which RDS manages itself.*rds.logical_replication/],
    [{ fsync: "off" }, "16", /sets fsync, which RDS manages itself/],
    [
      { "rds.made_up": "1" },
      "16",
      /is not a PostgreSQL 16 setting or an RDS parameter the library knows/,
    ],
  ])("refuses parameters %j on %s", (parameters, engineVersion, message) => {
    expect(() => build({ parameters, engineVersion } as never)).toThrow(message);
  });

  it("accepts an unknown parameter with allowUnknownParameters and records it", () => {
    const { stack, vpc } = awsStack();
    const db = new RdsPostgres(stack, "db", {
      vpc,
      parameters: { "rds.some_new_parameter": "1" },
      allowUnknownParameters: { reason: "an RDS parameter newer than the catalogue" },
    });
    expect(db.parameters["rds.some_new_parameter"]).toBe("1");
    expect(optOutsOf(db.parameterGroup)).toEqual([
      { id: "unknown-database-flag", reason: "an RDS parameter newer than the catalogue" },
    ]);
    // Managed parameters stay refused.
    expect(
      () =>
        new RdsPostgres(stack, "db2", {
          vpc,
          name: "other",
          parameters: { fsync: "off" },
          allowUnknownParameters: { reason: "an RDS parameter newer than the catalogue" },
        }),
    ).toThrow(/sets fsync, which RDS manages itself/);
  });

  it("every managed parameter is a PostgreSQL setting of some version, or RDS's own", () => {
    const unknown = Object.keys(RDS_MANAGED_PARAMETERS).filter(
      (name) =>
        !name.startsWith("rds.") &&
        !POSTGRES_MAJORS.some((major) => POSTGRES_MAJOR_SETTINGS[major][name] !== undefined),
    );
    expect(unknown).toEqual([]);
  });

  it("every default parameter is valid on every major", () => {
    for (const major of POSTGRES_MAJORS) {
      for (const [name, value] of Object.entries(DEFAULT_PARAMETERS)) {
        expect(checkSetting("db", name, name, value, { engine: RDS_ENGINE, major })).toBe(value);
      }
    }
  });

  it("renders the options: class, storage, windows, retention, monitoring, names, keys", () => {
    const { stack, vpc } = awsStack();
    const key = new KmsKey(stack, "shared-key", { services: ["rds"] });
    const secretKey = new KmsKey(stack, "secret-key", { services: ["secretsmanager"] });
    const db = new RdsPostgres(stack, "db", {
      vpc,
      name: "ledger",
      instanceClass: "db.r6g.xlarge",
      allocatedStorage: 100,
      maxAllocatedStorage: 100,
      multiAz: false,
      kmsKey: key,
      masterUserSecretKmsKey: secretKey,
      backupRetentionDays: 35,
      backupWindow: "23:30-00:30",
      maintenanceWindow: "Sat:01:00-Sat:02:00",
      performanceInsightsRetentionDays: 93,
      monitoringInterval: 30,
      masterUsername: "ledger_admin",
      databaseName: "ledger",
    });
    const json = synthJson(stack);
    const instance = findResource(json, "aws_db_instance");
    expect(instance).toMatchObject({
      identifier: "sf-dev-ledger",
      instance_class: "db.r6g.xlarge",
      allocated_storage: 100,
      max_allocated_storage: 0,
      multi_az: false,
      backup_retention_period: 35,
      backup_window: "23:30-00:30",
      maintenance_window: "sat:01:00-sat:02:00",
      performance_insights_retention_period: 93,
      monitoring_interval: 30,
      username: "ledger_admin",
      db_name: "ledger",
    });
    expect(instance.kms_key_id).toMatch(/aws_kms_key\.shared-key_/);
    expect(instance.master_user_secret_kms_key_id).toMatch(/aws_kms_key\.secret-key_/);
    expect(instance.monitoring_role_arn).toMatch(/aws_iam_role\..*\.arn/);
    const role = findResource(json, "aws_iam_role", { name: "sf-dev-ledger-monitoring" });
    expect(role).toBeDefined();
    expect(
      findResource(json, "aws_iam_role_policy_attachment", {
        policyArn: "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole",
      }).role,
    ).toMatch(/aws_iam_role\.db_monitoring-role/);
    // No second key is created when one is given.
    expect(resourcesOf(json, "aws_kms_key")).toHaveLength(2);
    expect(db.kmsKey).toBe(key);
  });

  it("exposes typed getters and the master secret's ARN", () => {
    const { db } = build();
    expect(db.port).toBe(5432);
    expect(db.major).toBe(16);
    expect(db.region).toBe("ap-northeast-2");
    for (const value of [db.arn, db.address, db.endpoint, db.identifier, db.resourceId]) {
      expect(typeof value).toBe("string");
    }
    expect(db.masterUserSecretArn).toMatch(/TOKEN/);
  });

  it.each([
    [{ name: "Bad_Name" }, /name = "sf-dev-Bad_Name" is not a valid RDS instance name/],
    [
      { engineVersion: "12" },
      /engineVersion = "12" is not a PostgreSQL version the construct builds/,
    ],
    [{ engineVersion: "16.x" }, /engineVersion = "16.x" is not a PostgreSQL version/],
    [{ instanceClass: "m6g.large" }, /instanceClass = "m6g.large" is not an RDS instance class/],
    [{ instanceClass: "db.m6g" }, /is not an RDS instance class \(db.<family>.<size>\)/],
    [{ allocatedStorage: 10 }, /allocatedStorage = 10 is outside 20–65536/],
    [
      { allocatedStorage: 100, maxAllocatedStorage: 105 },
      /is less than 10% above allocatedStorage/,
    ],
    [
      { allocatedStorage: 100, maxAllocatedStorage: 50 },
      /maxAllocatedStorage = 50 is outside 100–65536/,
    ],
    [{ backupRetentionDays: 0 }, /backupRetentionDays = 0 is outside 1–35/],
    [{ backupRetentionDays: 36 }, /backupRetentionDays = 36 is outside 1–35/],
    [{ backupWindow: "3:00-4:00" }, /backupWindow = "3:00-4:00" is not a daily window hh:mm-hh:mm/],
    [{ backupWindow: "03:00-03:20" }, /backupWindow = "03:00-03:20" is shorter than 30 minutes/],
    [{ maintenanceWindow: "sun:05:00-06:00" }, /is not a weekly window ddd:hh:mm-ddd:hh:mm/],
    [{ maintenanceWindow: "sun:25:00-sun:26:00" }, /is not a weekly window/],
    [{ maintenanceWindow: "fun:05:00-fun:06:00" }, /is not a weekly window/],
    [{ maintenanceWindow: "sun:05:00-sun:05:10" }, /is shorter than 30 minutes/],
    [
      { maintenanceWindow: "tue:03:30-tue:04:30" },
      /maintenanceWindow = "tue:03:30-tue:04:30" overlaps the daily backup window 03:00-04:00/,
    ],
    [
      { backupWindow: "23:30-00:30", maintenanceWindow: "sun:23:00-mon:00:00" },
      /overlaps the daily backup window 23:30-00:30/,
    ],
    [
      { backupWindow: "23:30-00:30", maintenanceWindow: "mon:00:00-mon:01:00" },
      /overlaps the daily backup window/,
    ],
    [{ performanceInsightsRetentionDays: 30 }, /is not a Performance Insights retention/],
    [{ monitoringInterval: 2 }, /monitoringInterval = 2 is not an Enhanced Monitoring interval/],
    [
      { monitoringInterval: null },
      /monitoringInterval = null is not an Enhanced Monitoring interval/,
    ],
    [{ masterUsername: "rdsadmin" }, /masterUsername = "rdsadmin" is not a master user name/],
    [{ masterUsername: "1admin" }, /is not a master user name RDS accepts/],
    [{ databaseName: "template1" }, /databaseName = "template1" is not a database name/],
    [{ multiAz: "yes" }, /multiAz/],
    [{ password: "hunter2hunter2" }, /password/],
    [{ deletionProtection: false }, /deletionProtection = false is not a prop of RdsPostgres/],
    [{ allowDeletion: { reason: "dev" } }, /allowDeletion\.reason = "dev" is too short/],
  ])("refuses %j", (override, message) => {
    let error: unknown;
    try {
      build(override as never);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect(String((error as Error).message)).toMatch(message);
  });

  it("accepts windows that touch but do not overlap", () => {
    const { json } = build({
      backupWindow: "03:00-04:00",
      maintenanceWindow: "mon:04:00-mon:05:00",
    });
    expect(primaryOf(json).maintenance_window).toBe("mon:04:00-mon:05:00");
  });

  it("refuses a VPC without two isolated subnets", () => {
    const { stack } = awsStack();
    const vpc = Vpc.fromAttributes(stack, "old", {
      vpcId: "vpc-0123456789abcdef1",
      azs: ["ap-northeast-2a"],
      publicSubnetIds: [],
      privateSubnetIds: [],
      isolatedSubnetIds: ["subnet-0123456789abcdef0"],
    });
    expect(() => new RdsPostgres(stack, "db", { vpc })).toThrow(
      /vpc = .* has 1 isolated subnets; a DB subnet group needs subnets in at least two availability zones/,
    );
  });

  it("refuses a second instance with the same identifier", () => {
    const { stack, vpc } = awsStack();
    new RdsPostgres(stack, "a", { vpc });
    expect(() => new RdsPostgres(stack, "b", { vpc })).toThrow(
      /name = "sf-dev-postgres" is already used by another RDS instance in this stack/,
    );
  });

  describe("allowDeletion", () => {
    it("drops deletion protection, prevent_destroy and the final snapshot, and records it", () => {
      const { db, json } = build({ allowDeletion: { reason: REASON } });
      const instance = primaryOf(json);
      expect(instance).toMatchObject({
        deletion_protection: false,
        skip_final_snapshot: true,
        delete_automated_backups: true,
      });
      expect(instance.final_snapshot_identifier).toBeUndefined();
      expect(instance.lifecycle).toBeUndefined();
      expect(findResource(json, "aws_kms_key").lifecycle).toBeUndefined();
      expect(optOutsOf(db.instance)).toEqual([{ id: "deletion-allowed", reason: REASON }]);
    });

    it("records nothing by default", () => {
      const { db } = build();
      expect(optOutsOf(db.instance)).toEqual([]);
    });
  });

  describe("grants", () => {
    it("grantConnect gives rds-db:connect on one database user of this instance", () => {
      const { stack, vpc } = awsStack();
      const db = new RdsPostgres(stack, "db", { vpc });
      const role = new IamRole(stack, "task", {
        assumedBy: ServicePrincipal("ecs-tasks.amazonaws.com"),
        description: "api task",
      });
      db.grantConnect(role, "api");
      db.grantReadMasterSecret(role);
      const json = synthJson(stack) as SynthJson & { data: Record<string, Record<string, Json>> };
      const doc = Object.values(json.data.aws_iam_policy_document).find((d) =>
        JSON.stringify(d).includes("rds-db:connect"),
      ) as { statement: { actions: string[]; resources: string[] }[] };
      const [connect, secret] = doc.statement;
      expect(connect.actions).toEqual(["rds-db:connect"]);
      expect(connect.resources[0]).toMatch(
        /:rds-db:.*:dbuser:\$\{aws_db_instance\..*\.resource_id\}\/api$/,
      );
      expect(secret.actions).toEqual([
        "secretsmanager:DescribeSecret",
        "secretsmanager:GetSecretValue",
      ]);
      expect(secret.resources[0]).toMatch(/master_user_secret\[0\]\.secret_arn/);
      expect(() => db.grantConnect(role, "bad user")).toThrow(
        /grantConnect\(dbUser\) = "bad user" is not a database user name/,
      );
      expect(() => db.grantConnect({} as never, "api")).toThrow(/is not a principal/);
    });
  });

  describe("cross-region replica", () => {
    function withReplica() {
      const { stack, vpc } = awsStack();
      const dr = drSetup(stack);
      const db = new RdsPostgres(stack, "db", { vpc, monitoringInterval: 60 });
      const replica = db.addReplica({
        region: "us-west-2",
        provider: dr.provider,
        vpc: dr.vpc,
        instanceClass: "db.r6g.large",
      });
      return { stack, db, replica, dr, json: synthJson(stack) };
    }

    it("replicates the primary's ARN in the other region, through its provider", () => {
      const { json, replica, db } = withReplica();
      const instance = findResource(json, "aws_db_instance", {
        identifier: "sf-dev-postgres-us-west-2",
      });
      expect(instance).toMatchObject({
        provider: "aws.dr",
        replicate_source_db: expect.stringMatching(/^\$\{aws_db_instance\.db_instance_.*\.arn\}$/),
        instance_class: "db.r6g.large",
        storage_encrypted: true,
        publicly_accessible: false,
        deletion_protection: true,
        skip_final_snapshot: true,
        performance_insights_enabled: true,
        iam_database_authentication_enabled: true,
        storage_type: "gp3",
        monitoring_interval: 60,
        enabled_cloudwatch_logs_exports: ["postgresql", "upgrade"],
        lifecycle: { prevent_destroy: true },
      });
      expect(instance.monitoring_role_arn).toBe(primaryOf(json).monitoring_role_arn);
      expect(instance.engine).toBeUndefined();
      expect(instance.manage_master_user_password).toBeUndefined();
      expect(replica.region).toBe("us-west-2");
      expect(db.replicas).toEqual([replica]);
    });

    it("has its own key, subnet group, security group and parameter group in that region", () => {
      const { json } = withReplica();
      const keys = resourcesOf(json, "aws_kms_key");
      expect(keys).toHaveLength(2);
      const drKey = keys.find((k) => k.config.provider === "aws.dr")!;
      const primaryKey = keys.find((k) => k.config.provider === undefined)!;
      const instance = findResource(json, "aws_db_instance", {
        identifier: "sf-dev-postgres-us-west-2",
      });
      expect(instance.kms_key_id).toBe(`\${${drKey.address}.arn}`);
      expect(instance.performance_insights_kms_key_id).toBe(`\${${drKey.address}.arn}`);
      expect(primaryOf(json).kms_key_id).toBe(`\${${primaryKey.address}.arn}`);
      expect(drKey.config).toMatchObject({ enable_key_rotation: true });
      expect(findResource(json, "aws_kms_alias", { provider: "aws.dr" }).name).toBe(
        "alias/sf-dev-postgres-us-west-2-rds",
      );
      expect(findResource(json, "aws_db_subnet_group", { provider: "aws.dr" }).subnet_ids).toEqual([
        "subnet-0123456789abcdef0",
        "subnet-0123456789abcdef1",
      ]);
      expect(findResource(json, "aws_security_group", { provider: "aws.dr" })).toMatchObject({
        name: "sf-dev-postgres-us-west-2-db",
        vpc_id: "vpc-0123456789abcdef0",
      });
      expect(findResource(json, "aws_db_parameter_group", { provider: "aws.dr" })).toMatchObject({
        family: "postgres16",
        name: "sf-dev-postgres-us-west-2",
      });
      expect(parametersOf(json, "sf-dev-postgres-us-west-2")).toEqual(parametersOf(json));
      // The key policy's data sources read the replica's region too.
      const data = (json as { data: Record<string, Record<string, Record<string, unknown>>> }).data;
      const drData = Object.values(data.aws_region).filter((d) => d.provider === "aws.dr");
      expect(drData).toHaveLength(1);
    });

    it("takes a given key and security groups of the replica's VPC", () => {
      const { stack, vpc } = awsStack();
      const dr = drSetup(stack);
      const key = new KmsKey(stack, "dr-key", { provider: dr.provider, services: ["rds"] });
      const drApp = new SecurityGroup(stack, "dr-app", { vpc: dr.vpc, description: "dr app" });
      const db = new RdsPostgres(stack, "db", { vpc });
      const replica = db.addReplica({
        region: "us-west-2",
        provider: dr.provider,
        vpc: dr.vpc,
        kmsKey: key,
        name: "ledger-dr",
        allowFrom: [drApp],
      });
      const json = synthJson(stack);
      expect(replica.kmsKey).toBe(key);
      expect(resourcesOf(json, "aws_kms_key")).toHaveLength(2);
      const rule = findResource(json, "aws_vpc_security_group_ingress_rule", {
        provider: "aws.dr",
      });
      expect(rule).toMatchObject({ from_port: 5432, to_port: 5432 });
      expect(
        findResource(json, "aws_db_instance", { identifier: "sf-dev-ledger-dr" }),
      ).toMatchObject({ instance_class: "db.m6g.large", provider: "aws.dr" });
    });

    it("drops the replica's protections with the primary's allowDeletion", () => {
      const { stack, vpc } = awsStack();
      const dr = drSetup(stack);
      const db = new RdsPostgres(stack, "db", { vpc, allowDeletion: { reason: REASON } });
      const replica = db.addReplica({ region: "us-west-2", provider: dr.provider, vpc: dr.vpc });
      const json = synthJson(stack);
      const instance = findResource(json, "aws_db_instance", {
        identifier: "sf-dev-postgres-us-west-2",
      });
      expect(instance.deletion_protection).toBe(false);
      expect(instance.lifecycle).toBeUndefined();
      expect(optOutsOf(replica.instance)).toEqual([{ id: "deletion-allowed", reason: REASON }]);
    });

    it.each([
      [{ region: "us-west-9" }, /addReplica\.region = "us-west-9" is not a known AWS region/],
      [{ region: "ap-northeast-2" }, /is the primary's region/],
      [
        { region: "eu-west-1" },
        /addReplica\.provider = "us-west-2" is a provider for us-west-2, not eu-west-1/,
      ],
      [{ provider: "aws.dr" }, /addReplica\.provider = "aws.dr" is not a Terraform provider/],
      [
        { instanceClass: "large" },
        /addReplica\.instanceClass = "large" is not an RDS instance class/,
      ],
      [{ name: "postgres" }, /addReplica\.name = "sf-dev-postgres" is already used/],
      [{ extra: 1 }, /extra/],
    ])("refuses %j", (override, message) => {
      const { stack, vpc } = awsStack();
      const dr = drSetup(stack);
      const db = new RdsPostgres(stack, "db", { vpc });
      expect(() =>
        db.addReplica({
          region: "us-west-2",
          provider: dr.provider,
          vpc: dr.vpc,
          ...override,
        } as never),
      ).toThrow(message);
    });

    it("refuses a VPC of another region", () => {
      const { stack, vpc } = awsStack();
      const dr = drSetup(stack);
      const db = new RdsPostgres(stack, "db", { vpc });
      expect(() => db.addReplica({ region: "us-west-2", provider: dr.provider, vpc })).toThrow(
        /addReplica\.vpc = .* is in ap-northeast-2, not in the replica's region us-west-2/,
      );
    });
  });

  it("passes the policy pack with no unsuppressed finding, replica included", () => {
    const { stack, vpc } = awsStack("prod");
    const dr = drSetup(stack);
    const app = new SecurityGroup(stack, "app", { vpc, description: "app tasks" });
    const db = new RdsPostgres(stack, "db", { vpc, allowFrom: [app], monitoringInterval: 60 });
    db.addReplica({ region: "us-west-2", provider: dr.provider, vpc: dr.vpc });
    const json = JSON.parse(JSON.stringify(synthWithComments(stack))) as Json;
    const findings = evaluate([parseStack("test", json)]).filter(
      (f) => f.severity !== "info" && f.suppressed === undefined,
    );
    expect(findings).toEqual([]);
    const rds = evaluate([parseStack("test", json)], undefined).filter((f) =>
      f.ruleId.startsWith("AWS-RDS"),
    );
    expect(rds).toEqual([]);
  });
});
