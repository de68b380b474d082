import { helpExampleStack } from "../helpers/help";
import { TerraformOutput, Testing } from "cdktf";
import { CloudSqlPostgres, type CloudSqlPostgresProps } from "../../constructs/gcp/cloud-sql";
import { Network } from "../../constructs/gcp/network";
import { ServiceAccount } from "@cdktf/provider-google/lib/service-account";
import { type PlatformStack } from "../../constructs/core/stack";
import { resourcesOf, synthJson, testStack, type SynthJson } from "../helpers/synth";

const REASON = { reason: "reviewed by the platform team, ticket OPS-1234" };
const BOT = {
  email: "bot@my-project-1.iam.gserviceaccount.com",
  member: "serviceAccount:bot@my-project-1.iam.gserviceaccount.com",
};

function networkIn(stack: PlatformStack, psa = true): Network {
  return new Network(stack, "network", {
    subnets: [
      { region: "us-central1", cidr: "10.10.0.0/20" },
      { region: "us-east1", cidr: "10.20.0.0/20" },
    ],
    privateServicesAccess: psa ? { cidr: "10.100.0.0/16" } : undefined,
  });
}

function make(props: Partial<CloudSqlPostgresProps> = {}) {
  const stack = testStack({ labels: { team: "platform" } });
  const network = networkIn(stack);
  const db = new CloudSqlPostgres(stack, "db", { network, region: "us-central1", ...props });
  return { stack, network, db };
}

type Config = Record<string, unknown> & { settings: Record<string, unknown> };

function instances(json: SynthJson): Config[] {
  return resourcesOf(json, "google_sql_database_instance").map((r) => r.config as Config);
}

function primary(json: SynthJson): Config {
  const found = instances(json).filter((i) => i.master_instance_name === undefined);
  expect(found).toHaveLength(1);
  return found[0];
}

/** Opt-outs recorded on each instance (`Testing.synth` strips `//` keys, `toTerraform` keeps them). */
function optOutIds(stack: PlatformStack): string[][] {
  const tf = stack.toTerraform() as { resource: Record<string, Record<string, Config>> };
  return Object.values(tf.resource.google_sql_database_instance).map((i) =>
    ((i["//"] as { opt_outs?: { id: string; reason: string }[] } | undefined)?.opt_outs ?? []).map(
      (o) => `${o.id}: ${o.reason}`,
    ),
  );
}

function flagsOf(config: Config): Record<string, string> {
  const list = config.settings.database_flags as { name: string; value: string }[];
  return Object.fromEntries(list.map((f) => [f.name, f.value]));
}

describe("CloudSqlPostgres defaults", () => {
  const { stack } = make();
  const json = synthJson(stack);
  const db = primary(json);
  const settings = db.settings;

  test("private IP only, on the network's private services range, TLS required", () => {
    const ip = settings.ip_configuration as Record<string, unknown>;
    expect(ip.ipv4_enabled).toBe(false);
    expect(ip.private_network).toMatch(/^\$\{google_compute_network\.network_vpc_.*\.id\}$/);
    expect(ip.allocated_ip_range).toMatch(/google_compute_global_address\.network_psa-range/);
    expect(ip.enable_private_path_for_google_cloud_services).toBe(true);
    expect(ip.ssl_mode).toBe("ENCRYPTED_ONLY");
    expect(ip.authorized_networks).toBeUndefined();
  });

  test("name, version, tier, edition, HA and disk", () => {
    expect(db.name).toBe("test-dev-postgres");
    expect(db.database_version).toBe("POSTGRES_15");
    expect(db.region).toBe("us-central1");
    expect(settings).toMatchObject({
      tier: "db-custom-2-8192",
      edition: "ENTERPRISE",
      availability_type: "REGIONAL",
      disk_size: 20,
      disk_type: "PD_SSD",
      disk_autoresize: true,
    });
  });

  test("backups with PITR and retention, kept after deletion", () => {
    expect(settings.backup_configuration).toEqual({
      enabled: true,
      point_in_time_recovery_enabled: true,
      start_time: "03:00",
      location: "us-central1",
      transaction_log_retention_days: 7,
      backup_retention_settings: { retained_backups: 30, retention_unit: "COUNT" },
    });
    expect(settings.retain_backups_on_delete).toBe(true);
  });

  test("both deletion protections on", () => {
    expect(db.deletion_protection).toBe(true);
    expect(settings.deletion_protection_enabled).toBe(true);
  });

  test("Query Insights without client addresses, maintenance window, password policy", () => {
    expect(settings.insights_config).toEqual({
      query_insights_enabled: true,
      query_string_length: 1024,
      record_application_tags: true,
      record_client_address: false,
    });
    expect(settings.maintenance_window).toEqual({ day: 7, hour: 4, update_track: "stable" });
    expect(settings.password_validation_policy).toEqual({
      enable_password_policy: true,
      min_length: 16,
      complexity: "COMPLEXITY_DEFAULT",
      reuse_interval: 5,
      disallow_username_substring: true,
    });
  });

  test("IAM authentication, pgAudit and CIS logging flags", () => {
    expect(flagsOf(db)).toEqual({
      "cloudsql.iam_authentication": "on",
      "cloudsql.enable_pgaudit": "on",
      log_min_error_statement: "error",
      log_statement: "ddl",
      log_checkpoints: "on",
      log_connections: "on",
      log_disconnections: "on",
      log_lock_waits: "on",
      log_temp_files: "0",
    });
  });

  test("stack labels land in settings.user_labels", () => {
    expect(settings.user_labels).toEqual({
      environment: "dev",
      "managed-by": "cdktf",
      system: "test",
      team: "platform",
    });
    expect(db.labels).toBeUndefined();
  });

  test("depends on the private services connection", () => {
    expect(db.depends_on).toEqual([
      expect.stringMatching(/^google_service_networking_connection\.network_psa-connection_/),
    ]);
  });

  test("the synthesized JSON holds no machine path", () => {
    expect(Testing.synth(stack)).not.toContain(process.cwd());
  });
});

describe("CloudSqlPostgres options", () => {
  test("the trading bot's sizes: 4 vCPU REGIONAL primary, 2 vCPU DR replica in us-east1", () => {
    const { stack, db } = make({
      tier: "db-custom-4-16384",
      availabilityType: "REGIONAL",
      databaseVersion: "POSTGRES_15",
      backup: { retainedBackups: 30, transactionLogRetentionDays: 7 },
    });
    const replica = db.addReplica({
      region: "us-east1",
      tier: "db-custom-2-8192",
      name: "postgres-backup-replica",
    });
    expect(replica.purpose).toBe("dr");
    const json = synthJson(stack);
    expect(primary(json).settings.tier).toBe("db-custom-4-16384");
    const rep = instances(json).find((i) => i.master_instance_name !== undefined)!;
    expect(rep.name).toBe("test-dev-postgres-backup-replica");
    expect(rep.region).toBe("us-east1");
    expect(rep.settings.tier).toBe("db-custom-2-8192");
  });

  test("replicas inherit version, flags, disk, insights, maintenance, TLS, network and protections", () => {
    const { stack, db } = make({
      databaseVersion: "POSTGRES_16",
      diskSizeGb: 100,
      flags: { max_connections: 400 },
      sslMode: "TRUSTED_CLIENT_CERTIFICATE_REQUIRED",
      maintenanceWindow: { day: 2, hour: 5, updateTrack: "canary" },
    });
    db.addReplica({ region: "us-east1" });
    const json = synthJson(stack);
    const main = primary(json);
    const rep = instances(json).find((i) => i.master_instance_name !== undefined)!;
    expect(rep.master_instance_name).toMatch(
      /^\$\{google_sql_database_instance\.db_instance_.*\.name\}$/,
    );
    expect(rep.name).toBe("test-dev-postgres-replica-us-east1");
    expect(rep.database_version).toBe("POSTGRES_16");
    expect(rep.replica_configuration).toEqual({ failover_target: false });
    expect(rep.deletion_protection).toBe(true);
    expect(rep.depends_on).toEqual(main.depends_on);
    expect(flagsOf(rep)).toEqual(flagsOf(main));
    expect(flagsOf(rep).max_connections).toBe("400");
    for (const key of [
      "disk_size",
      "disk_type",
      "disk_autoresize",
      "insights_config",
      "maintenance_window",
      "ip_configuration",
      "deletion_protection_enabled",
      "edition",
      "user_labels",
    ]) {
      expect([key, rep.settings[key]]).toEqual([key, main.settings[key]]);
    }
    expect((rep.settings.ip_configuration as Record<string, unknown>).ssl_mode).toBe(
      "TRUSTED_CLIENT_CERTIFICATE_REQUIRED",
    );
    expect(rep.settings.availability_type).toBe("ZONAL");
    expect(rep.settings.backup_configuration).toEqual({
      enabled: false,
      point_in_time_recovery_enabled: false,
    });
    expect(rep.settings.password_validation_policy).toBeUndefined();
    expect((main.settings.backup_configuration as Record<string, unknown>).enabled).toBe(true);
  });

  test("a read replica may share the primary's region", () => {
    const { stack, db } = make();
    const replica = db.addReplica({ region: "us-central1", purpose: "read", name: "reader" });
    expect(replica.region).toBe("us-central1");
    expect(db.replicas).toHaveLength(1);
    const names = instances(synthJson(stack)).map((i) => i.name);
    expect(names).toContain("test-dev-reader");
  });

  test("IAM users are CLOUD_IAM_SERVICE_ACCOUNT users named without .gserviceaccount.com", () => {
    const { stack, db } = make({ iamUsers: [BOT] });
    expect(db.iamUsers).toHaveLength(1);
    const users = resourcesOf(synthJson(stack), "google_sql_user").map((u) => u.config);
    expect(users).toHaveLength(1);
    expect(users[0]).toMatchObject({
      name: "bot@my-project-1.iam",
      type: "CLOUD_IAM_SERVICE_ACCOUNT",
      deletion_policy: "ABANDON",
    });
    expect(users[0].instance).toMatch(/google_sql_database_instance\.db_instance_.*\.name/);
  });

  test("an IAM user whose email is computed by Terraform is trimmed by Terraform", () => {
    const stack = testStack();
    const network = networkIn(stack);
    const sa = new ServiceAccount(stack, "sa", { accountId: "bot-runtime" });
    new CloudSqlPostgres(stack, "db", {
      network,
      region: "us-central1",
      iamUsers: [{ email: sa.email, member: sa.member }],
    });
    const user = resourcesOf(synthJson(stack), "google_sql_user")[0].config;
    expect(user.name).toMatch(
      /^\$\{trimsuffix\(google_service_account\.sa.*\.email, "\.gserviceaccount\.com"\)\}$/,
    );
  });

  test("databases are UTF8 and protected from destroy", () => {
    const { stack, db } = make({ databases: ["trading", "audit"] });
    expect(Object.keys(db.databases)).toEqual(["trading", "audit"]);
    const dbs = resourcesOf(synthJson(stack), "google_sql_database").map((d) => d.config);
    expect(dbs.map((d) => d.name).sort()).toEqual(["audit", "trading"]);
    expect(dbs[0]).toMatchObject({
      charset: "UTF8",
      collation: "en_US.UTF8",
      lifecycle: { prevent_destroy: true },
    });
  });

  test("grantClient: cloudsql.client on the project, narrowed to the instance and its replicas", () => {
    const { stack, db } = make({ projectId: "my-project-1" });
    db.grantClient(BOT);
    db.addReplica({ region: "us-east1" });
    const members = resourcesOf(synthJson(stack), "google_project_iam_member").map((m) => m.config);
    expect(members).toHaveLength(1);
    expect(members[0]).toMatchObject({
      project: "my-project-1",
      role: "roles/cloudsql.client",
      member: BOT.member,
    });
    const expression = (members[0].condition as Record<string, string>).expression;
    expect(expression).toContain("resource.type == 'sqladmin.googleapis.com/Instance'");
    expect(expression).toContain("'projects/my-project-1/instances/test-dev-postgres'");
    expect(expression).toContain(
      "'projects/my-project-1/instances/test-dev-postgres-replica-us-east1'",
    );
  });

  test("grantClient with iamLogin also grants cloudsql.instanceUser", () => {
    const { stack, db } = make({ projectId: "my-project-1" });
    db.grantClient(BOT, { iamLogin: true });
    const roles = resourcesOf(synthJson(stack), "google_project_iam_member").map(
      (m) => m.config.role,
    );
    expect(roles).toEqual(["roles/cloudsql.client", "roles/cloudsql.instanceUser"]);
  });

  test("user flags are validated, converted and merged over the defaults", () => {
    const { stack, db } = make({
      flags: {
        log_min_duration_statement: 1000,
        "cloudsql.enable_pgaudit": true,
        log_min_messages: "warning",
        random_page_cost: "1.1",
        log_connections: false,
      },
    });
    expect(db.flags.log_min_duration_statement).toBe("1000");
    const flags = flagsOf(primary(synthJson(stack)));
    expect(flags).toMatchObject({
      log_min_duration_statement: "1000",
      "cloudsql.enable_pgaudit": "on",
      log_min_messages: "warning",
      random_page_cost: "1.1",
      log_connections: "off",
      log_temp_files: "0",
    });
    expect(Object.keys(flags)).toEqual([...Object.keys(flags)].sort());
  });

  test("public IP with an opt-out: authorized networks, recorded in the JSON", () => {
    const { stack } = make({
      publicIp: {
        authorizedNetworks: [{ name: "office", cidr: "203.0.113.0/24" }],
        optOut: REASON,
      },
    });
    const db = primary(synthJson(stack));
    expect(db.settings.ip_configuration).toMatchObject({
      ipv4_enabled: true,
      authorized_networks: [{ name: "office", value: "203.0.113.0/24" }],
    });
    expect(optOutIds(stack)).toEqual([[`public-ip: ${REASON.reason}`]]);
  });

  test("a /0 authorized network with its own opt-out", () => {
    const { stack } = make({
      publicIp: {
        authorizedNetworks: [{ name: "all", cidr: "0.0.0.0/0" }],
        optOut: REASON,
        allowWorld: REASON,
      },
    });
    expect(optOutIds(stack)).toEqual([
      [`public-ip: ${REASON.reason}`, `sql-open-to-world: ${REASON.reason}`],
    ]);
  });

  test("allowDeletion turns off both protections and prevent_destroy, recorded", () => {
    const { stack, db } = make({ allowDeletion: REASON, databases: ["scratch"] });
    db.addReplica({ region: "us-east1" });
    const json = synthJson(stack);
    for (const i of instances(json)) {
      expect(i.deletion_protection).toBe(false);
      expect(i.settings.deletion_protection_enabled).toBe(false);
    }
    expect(optOutIds(stack)).toEqual([
      [`deletion-allowed: ${REASON.reason}`],
      [`deletion-allowed: ${REASON.reason}`],
    ]);
    expect(resourcesOf(json, "google_sql_database")[0].config.lifecycle).toBeUndefined();
  });

  test("unencrypted connections with an opt-out", () => {
    const { stack } = make({
      sslMode: "ALLOW_UNENCRYPTED_AND_ENCRYPTED",
      allowUnencrypted: REASON,
    });
    const db = primary(synthJson(stack));
    expect((db.settings.ip_configuration as Record<string, unknown>).ssl_mode).toBe(
      "ALLOW_UNENCRYPTED_AND_ENCRYPTED",
    );
    expect(optOutIds(stack)).toEqual([[`unencrypted-connections: ${REASON.reason}`]]);
  });

  test("ZONAL without backups, with an opt-out", () => {
    const { stack } = make({
      availabilityType: "ZONAL",
      backup: { enabled: false, pointInTimeRecovery: false, allowDisabled: REASON },
    });
    const db = primary(synthJson(stack));
    expect(db.settings.backup_configuration).toMatchObject({
      enabled: false,
      point_in_time_recovery_enabled: false,
    });
    expect(optOutIds(stack)).toEqual([[`backups-disabled: ${REASON.reason}`]]);
  });

  test("getters expose the instance's attributes", () => {
    const { stack, db } = make();
    new TerraformOutput(stack, "connection", { value: db.connectionName });
    new TerraformOutput(stack, "ip", { value: db.privateIp });
    new TerraformOutput(stack, "name", { value: db.name });
    const output = synthJson(stack).output!;
    expect(output.connection.value).toMatch(
      /^\$\{google_sql_database_instance\.db_instance_.*\.connection_name\}$/,
    );
    expect(output.ip.value).toMatch(/\.private_ip_address\}$/);
    expect(output.name.value).toMatch(/db_instance_.*\.name\}$/);
    expect(db.instance.terraformResourceType).toBe("google_sql_database_instance");
  });
});

describe("CloudSqlPostgres flags follow databaseVersion", () => {
  test("a setting new in PostgreSQL 16 is accepted on 16 and 17 and refused on 14", () => {
    for (const databaseVersion of ["POSTGRES_16", "POSTGRES_17"] as const) {
      const { stack } = make({ databaseVersion, flags: { vacuum_buffer_usage_limit: 2048 } });
      expect(flagsOf(primary(synthJson(stack))).vacuum_buffer_usage_limit).toBe("2048");
    }
    expect(() =>
      make({ databaseVersion: "POSTGRES_14", flags: { vacuum_buffer_usage_limit: 2048 } }),
    ).toThrow(
      /flags.vacuum_buffer_usage_limit = "vacuum_buffer_usage_limit" is not a PostgreSQL 14 setting.*\n.*is a setting of PostgreSQL 16, 17 only/,
    );
  });

  test("a range that changed between versions: maintenance_work_mem may go below 1 MB from 17", () => {
    const { stack } = make({
      databaseVersion: "POSTGRES_17",
      flags: { maintenance_work_mem: 512 },
    });
    expect(flagsOf(primary(synthJson(stack))).maintenance_work_mem).toBe("512");
    expect(() =>
      make({ databaseVersion: "POSTGRES_16", flags: { maintenance_work_mem: 512 } }),
    ).toThrow(
      /flags.maintenance_work_mem = 512 is out of range for maintenance_work_mem on PostgreSQL 16.*\n.*from 1024 to 2147483647 \(in kB\)/,
    );
  });

  test("a type that changed: wal_compression is an enum from 15, a boolean on 14", () => {
    const { stack } = make({ databaseVersion: "POSTGRES_15", flags: { wal_compression: "zstd" } });
    expect(flagsOf(primary(synthJson(stack))).wal_compression).toBe("zstd");
    expect(() =>
      make({ databaseVersion: "POSTGRES_14", flags: { wal_compression: "pglz" } }),
    ).toThrow(/flags.wal_compression = "pglz" is not a boolean for wal_compression/);
  });

  test("replicas get the flags checked for the primary's version", () => {
    const { stack, db } = make({
      databaseVersion: "POSTGRES_17",
      flags: { transaction_timeout: 60000 },
    });
    db.addReplica({ region: "us-east1" });
    for (const i of instances(synthJson(stack))) {
      expect(i.database_version).toBe("POSTGRES_17");
      expect(flagsOf(i).transaction_timeout).toBe("60000");
    }
  });
});

describe("CloudSqlPostgres allowUnknownFlags", () => {
  const ADVISOR = { reason: "index advisor is a Cloud SQL flag newer than the catalogue" };

  test("accepts an unknown flag with a reason, on the primary and its replicas, recorded", () => {
    const { stack, db } = make({
      flags: { "cloudsql.enable_index_advisor": true, max_connections: 400 },
      allowUnknownFlags: ADVISOR,
    });
    db.addReplica({ region: "us-east1" });
    expect(db.flags["cloudsql.enable_index_advisor"]).toBe("on");
    for (const i of instances(synthJson(stack))) {
      expect(flagsOf(i)).toMatchObject({
        "cloudsql.enable_index_advisor": "on",
        max_connections: "400",
      });
    }
    expect(optOutIds(stack)).toEqual([
      [`unknown-database-flag: ${ADVISOR.reason}`],
      [`unknown-database-flag: ${ADVISOR.reason}`],
    ]);
  });

  test("is not recorded when every flag is known", () => {
    const { stack } = make({ flags: { max_connections: 400 }, allowUnknownFlags: ADVISOR });
    expect(optOutIds(stack)).toEqual([[]]);
  });

  test("keeps the value checks of known flags and the refusal of managed flags", () => {
    expect(() =>
      make({ flags: { max_connections: 0, "x.custom": "1" }, allowUnknownFlags: ADVISOR }),
    ).toThrow(/flags.max_connections = 0 is out of range for max_connections/);
    expect(() => make({ flags: { listen_addresses: "*" }, allowUnknownFlags: ADVISOR })).toThrow(
      /sets listen_addresses, which Cloud SQL manages itself/,
    );
  });

  test("refuses a multi-line value for an unknown flag", () => {
    expect(() => make({ flags: { "x.custom": "a\nb" }, allowUnknownFlags: ADVISOR })).toThrow(
      /flags.x.custom = "a\\nb" is not a text value for x.custom/,
    );
  });

  test("refuses an override without a real reason", () => {
    expect(() =>
      make({ flags: { "x.custom": "1" }, allowUnknownFlags: { reason: "new" } }),
    ).toThrow(/allowUnknownFlags.reason = "new" is too short/);
  });

  test("without it, the unknown-flag error says how to accept a flag Cloud SQL takes", () => {
    expect(() => make({ flags: { "cloudsql.enable_index_advisor": "on" } })).toThrow(
      /is not a PostgreSQL 15 setting or a Cloud SQL flag the library knows.*\n.*allowUnknownFlags: \{ reason \}/,
    );
  });
});

describe("CloudSqlPostgres validation", () => {
  test("refuses a network without private services access", () => {
    const stack = testStack();
    const network = networkIn(stack, false);
    expect(() => new CloudSqlPostgres(stack, "db", { network, region: "us-central1" })).toThrow(
      /has no private services access.*\n.*enable privateServicesAccess on the Network/,
    );
  });

  test("refuses an unknown region", () => {
    expect(() => make({ region: "us-central" })).toThrow(/region = "us-central" is not a known/);
  });

  test("refuses an unsupported database version", () => {
    expect(() => make({ databaseVersion: "POSTGRES_12" as never })).toThrow(
      /databaseVersion = "POSTGRES_12" is not an accepted value.*\n.*POSTGRES_17/,
    );
  });

  test("refuses an odd vCPU count (db-custom-3-1024)", () => {
    expect(() => make({ tier: "db-custom-3-1024" })).toThrow(
      /tier = "db-custom-3-1024" has 3 vCPUs.*\n.*even number/,
    );
  });

  test("refuses a tier that is not a Cloud SQL tier (large)", () => {
    expect(() => make({ tier: "large" })).toThrow(
      /tier = "large" is not a Cloud SQL for PostgreSQL tier/,
    );
  });

  test("refuses memory outside 0.9–6.5 GB per vCPU", () => {
    expect(() => make({ tier: "db-custom-2-16384" })).toThrow(
      /has 16384 MB of memory.*\n.*3840–13312 MB/,
    );
  });

  test("refuses memory that is not a multiple of 256 MB", () => {
    expect(() => make({ tier: "db-custom-2-8000" })).toThrow(
      /has 8000 MB of memory, not a multiple of 256/,
    );
  });

  test("refuses PITR with backups disabled", () => {
    expect(() =>
      make({
        availabilityType: "ZONAL",
        backup: { enabled: false, pointInTimeRecovery: true, allowDisabled: REASON },
      }),
    ).toThrow(/backup.pointInTimeRecovery = true needs automated backups/);
  });

  test("refuses disabling backups without an opt-out", () => {
    expect(() => make({ availabilityType: "ZONAL", backup: { enabled: false } })).toThrow(
      /backup.enabled = false leaves the database without backups/,
    );
  });

  test("refuses REGIONAL without backups", () => {
    expect(() =>
      make({ backup: { enabled: false, pointInTimeRecovery: false, allowDisabled: REASON } }),
    ).toThrow(/availabilityType = "REGIONAL" needs backups and point-in-time recovery/);
  });

  test.each([0, 366])("refuses retainedBackups %p", (n) => {
    expect(() => make({ backup: { retainedBackups: n } })).toThrow(
      new RegExp(`backup.retainedBackups = ${n} is outside 1–365`),
    );
  });

  test.each([0, 8])("refuses transactionLogRetentionDays %p", (n) => {
    expect(() => make({ backup: { transactionLogRetentionDays: n } })).toThrow(
      new RegExp(`backup.transactionLogRetentionDays = ${n} is outside 1–7`),
    );
  });

  test.each(["3am", "24:00", "3:00"])("refuses startTime %p", (t) => {
    expect(() => make({ backup: { startTime: t } })).toThrow(
      /backup.startTime = .* is not a time of day as HH:MM/,
    );
  });

  test("refuses an unknown backup location", () => {
    expect(() => make({ backup: { location: "mars" } })).toThrow(
      /backup.location = "mars" is not a region or backup multi-region/,
    );
  });

  test("refuses a maintenance day outside 1–7", () => {
    expect(() => make({ maintenanceWindow: { day: 8 } })).toThrow(
      /maintenanceWindow.day = 8 is outside 1–7/,
    );
  });

  test("refuses a disk under 10 GB", () => {
    expect(() => make({ diskSizeGb: 5 })).toThrow(/diskSizeGb = 5 is outside 10–65536/);
  });

  test("refuses a weak password policy", () => {
    expect(() => make({ passwordValidation: { minLength: 8 } })).toThrow(
      /passwordValidation.minLength = 8 is outside 12–256/,
    );
  });

  test("refuses a query string length outside 256–4500", () => {
    expect(() => make({ insights: { queryStringLength: 10000 } })).toThrow(
      /insights.queryStringLength = 10000 is outside 256–4500/,
    );
  });

  test("refuses an unknown flag and names close matches", () => {
    expect(() => make({ flags: { log_conections: "on" } })).toThrow(
      /flags.log_conections = "log_conections" is not a PostgreSQL 15 setting.*\n.*did you mean log_connections/,
    );
  });

  test("refuses a public IP without an opt-out", () => {
    expect(() => make({ publicIp: { authorizedNetworks: [] } as never })).toThrow(
      /publicIp = .* gives the instance a public IP without a reason/,
    );
  });

  test("refuses a 0.0.0.0/0 authorized network even with the public IP opt-out", () => {
    expect(() =>
      make({
        publicIp: { authorizedNetworks: [{ name: "all", cidr: "0.0.0.0/0" }], optOut: REASON },
      }),
    ).toThrow(/authorizedNetworks\[0\].cidr = "0.0.0.0\/0" lets the whole internet reach/);
  });

  // Judged on the union of the ranges: no single /0 is needed for the whole internet to connect.
  test.each<[string, string[], RegExp]>([
    [
      "two halves",
      ["0.0.0.0/1", "128.0.0.0/1"],
      /publicIp\.authorizedNetworks = \["0\.0\.0\.0\/1","128\.0\.0\.0\/1"\] together cover every IPv4 address \(publicIp\.authorizedNetworks\[0\]\.cidr, publicIp\.authorizedNetworks\[1\]\.cidr\), so the whole internet can reach the database port.*publicIp\.allowWorld: \{ reason \}/s,
    ],
    [
      "four quarters beside an office range",
      ["203.0.113.0/24", "0.0.0.0/2", "64.0.0.0/2", "128.0.0.0/2", "192.0.0.0/2"],
      /= \["0\.0\.0\.0\/2","64\.0\.0\.0\/2","128\.0\.0\.0\/2","192\.0\.0\.0\/2"\] together cover every IPv4 address/,
    ],
    [
      "/0 beside a half",
      ["0.0.0.0/1", "0.0.0.0/0"],
      /authorizedNetworks\[1\]\.cidr = "0\.0\.0\.0\/0" lets the whole internet reach/,
    ],
  ])("refuses authorized networks that together are the world: %s", (_what, cidrs, message) => {
    const authorizedNetworks = cidrs.map((cidr, i) => ({ name: `range-${i}`, cidr }));
    expect(() => make({ publicIp: { authorizedNetworks, optOut: REASON } })).toThrow(message);
  });

  test("accepts authorized networks with a gap in their union", () => {
    const cidrs = ["0.0.0.0/1", "128.0.0.0/2", "192.0.0.0/3"];
    const authorizedNetworks = cidrs.map((cidr, i) => ({ name: `range-${i}`, cidr }));
    const { stack } = make({ publicIp: { authorizedNetworks, optOut: REASON } });
    expect(primary(synthJson(stack)).settings.ip_configuration).toMatchObject({
      authorized_networks: cidrs.map((value, i) => ({ name: `range-${i}`, value })),
    });
    expect(optOutIds(stack)).toEqual([[`public-ip: ${REASON.reason}`]]);
  });

  test("accepts halves with allowWorld and records it", () => {
    const { stack } = make({
      publicIp: {
        authorizedNetworks: [
          { name: "low", cidr: "0.0.0.0/1" },
          { name: "high", cidr: "128.0.0.0/1" },
        ],
        optOut: REASON,
        allowWorld: REASON,
      },
    });
    expect(optOutIds(stack)).toEqual([
      [`public-ip: ${REASON.reason}`, `sql-open-to-world: ${REASON.reason}`],
    ]);
  });

  test("refuses unencrypted connections without an opt-out", () => {
    expect(() => make({ sslMode: "ALLOW_UNENCRYPTED_AND_ENCRYPTED" })).toThrow(
      /sslMode = "ALLOW_UNENCRYPTED_AND_ENCRYPTED" lets clients connect without TLS/,
    );
  });

  test("refuses an opt-out without a real reason", () => {
    expect(() => make({ allowDeletion: { reason: "ok" } })).toThrow(
      /allowDeletion.reason = "ok" is too short/,
    );
  });

  test("refuses IAM users when IAM authentication is off", () => {
    expect(() =>
      make({ iamUsers: [BOT], flags: { "cloudsql.iam_authentication": "off" } }),
    ).toThrow(/turns off IAM database authentication, which iamUsers need/);
  });

  test("refuses an IAM user that is not a service account", () => {
    expect(() =>
      make({ iamUsers: [{ email: "alice@example.com", member: "user:alice@example.com" }] }),
    ).toThrow(/iamUsers\[0\].email = "alice@example.com" is not a service account email/);
  });

  test("refuses a reserved database name", () => {
    expect(() => make({ databases: ["postgres"] })).toThrow(
      /databases\[0\] = "postgres" is a database Cloud SQL creates or reserves/,
    );
  });

  test("refuses a database listed twice", () => {
    expect(() => make({ databases: ["app", "app"] })).toThrow(
      /databases\[1\] = "app" is listed twice/,
    );
  });

  test("refuses an invalid project ID", () => {
    expect(() => make({ projectId: "My_Project" })).toThrow(
      /projectId = "My_Project" is not a GCP project ID/,
    );
  });

  test("grantClient refuses without projectId", () => {
    const { db } = make();
    expect(() => db.grantClient(BOT)).toThrow(/projectId = undefined is needed by grantClient/);
  });

  test("addReplica refuses a DR replica in the primary's region", () => {
    const { db } = make();
    expect(() => db.addReplica({ region: "us-central1" })).toThrow(
      /addReplica.region = "us-central1" is the primary's region/,
    );
  });

  test("addReplica refuses an unknown region", () => {
    const { db } = make();
    expect(() => db.addReplica({ region: "us-east" })).toThrow(
      /addReplica.region = "us-east" is not a known Google Cloud region/,
    );
  });

  test("addReplica refuses an invalid tier", () => {
    const { db } = make();
    expect(() => db.addReplica({ region: "us-east1", tier: "db-custom-3-1024" })).toThrow(
      /addReplica.tier = "db-custom-3-1024" has 3 vCPUs/,
    );
  });

  test("addReplica refuses a duplicate name", () => {
    const { db } = make();
    db.addReplica({ region: "us-east1", name: "replica" });
    expect(() => db.addReplica({ region: "us-west1", name: "replica" })).toThrow(
      /addReplica.name = "replica" is already used by this instance or one of its replicas/,
    );
  });
});

test("help example: cloud-sql.md", () => {
  // The page's own code, run as written.
  const stack = helpExampleStack("cloud-sql.md");
  const json = synthJson(stack);
  const byName = Object.fromEntries(instances(json).map((i) => [i.name, i]));
  expect(Object.keys(byName).sort()).toEqual([
    "trading-bot-prod-postgres",
    "trading-bot-prod-postgres-backup-replica",
  ]);
  expect(byName["trading-bot-prod-postgres"].settings).toMatchObject({
    tier: "db-custom-4-16384",
    availability_type: "REGIONAL",
  });
  expect(byName["trading-bot-prod-postgres-backup-replica"]).toMatchObject({
    region: "us-east1",
    settings: { tier: "db-custom-2-8192", availability_type: "ZONAL" },
  });
  expect(flagsOf(primary(json)).log_min_duration_statement).toBe("1000");
  expect(resourcesOf(json, "google_sql_database")[0].config.name).toBe("trading");
  expect(resourcesOf(json, "google_sql_user")[0].config.name).toBe("bot@acme-trading-prod.iam");
  expect(
    resourcesOf(json, "google_project_iam_member")
      .map((m) => m.config.role)
      .sort(),
  ).toEqual(["roles/cloudsql.client", "roles/cloudsql.instanceUser"]);
});
