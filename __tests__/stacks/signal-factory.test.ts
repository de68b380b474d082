import { type ValidationError } from "../../constructs/core/errors";
import { exampleSettings } from "../../stacks";
import { SERVICE_DB_USER, SignalFactoryStack } from "../../stacks/signal-factory";
import { SIGNAL_FACTORY_EXAMPLES } from "../../stacks/signal-factory.config";
import {
  findResource,
  resourcesOf,
  synthJson,
  validationErrorsOf,
  openFindings,
  testApp,
} from "../helpers/synth";

const example = SIGNAL_FACTORY_EXAMPLES.prod as Record<string, unknown>;

function build(overrides: Record<string, unknown> = {}): SignalFactoryStack {
  return new SignalFactoryStack(testApp(), { ...example, ...overrides });
}

const stack = build();
const json = synthJson(stack);

describe("signal-factory-prod", () => {
  it("keeps its state in S3, encrypted and locked, under signal-factory/prod", () => {
    expect(stack.node.id).toBe("signal-factory-prod");
    expect(json.terraform?.backend).toEqual({
      s3: {
        bucket: "example-signal-factory-tfstate",
        key: "signal-factory/prod/terraform.tfstate",
        region: "ap-northeast-2",
        encrypt: true,
        use_lockfile: true,
      },
    });
  });

  it("runs in ap-northeast-2, with an aliased provider for the replica's region", () => {
    expect(json.provider).toMatchObject({
      aws: [{ region: "ap-northeast-2" }, { region: "us-west-2", alias: "replica" }],
    });
  });

  it("has a VPC of the settings' ranges, with no public addresses on launch", () => {
    expect(findResource(json, "aws_vpc")).toMatchObject({
      cidr_block: "10.40.0.0/16",
      enable_dns_hostnames: true,
    });
    const subnets = resourcesOf(json, "aws_subnet").map((s) => s.config);
    expect(subnets.map((s) => s.cidr_block).sort()).toEqual(
      [
        ...["10.40.0.0/24", "10.40.1.0/24", "10.40.2.0/24"],
        ...["10.40.10.0/24", "10.40.11.0/24", "10.40.12.0/24"],
        ...["10.40.20.0/24", "10.40.21.0/24", "10.40.22.0/24"],
      ].sort(),
    );
    expect(subnets.every((s) => s.map_public_ip_on_launch === false)).toBe(true);
  });
});

describe("signal-factory images and service", () => {
  it("keeps images in the ECR repository with immutable tags, scanned and KMS-encrypted", () => {
    expect(findResource(json, "aws_ecr_repository")).toMatchObject({
      name: "signal-factory-app",
      image_tag_mutability: "IMMUTABLE",
      image_scanning_configuration: { scan_on_push: true },
      encryption_configuration: [{ encryption_type: "KMS" }],
    });
  });

  it("runs signal-factory-service on Fargate in production-cluster, private and without a public IP", () => {
    expect(findResource(json, "aws_ecs_cluster")).toMatchObject({
      name: "production-cluster",
      setting: [{ name: "containerInsights", value: "enabled" }],
    });
    const service = findResource(json, "aws_ecs_service");
    expect(service).toMatchObject({
      name: "signal-factory-service",
      launch_type: "FARGATE",
      network_configuration: { assign_public_ip: false },
    });
    const subnets = (service.network_configuration as { subnets: string[] }).subnets;
    expect(subnets).toHaveLength(3);
    expect(subnets.every((s) => s.includes("aws_subnet.vpc_private-"))).toBe(true);
  });

  it("runs the image of the release and reads the secret by ARN, never by value", () => {
    const task = findResource(json, "aws_ecs_task_definition");
    const [container] = JSON.parse(task.container_definitions as string) as {
      image: string;
      secrets: { name: string; valueFrom: string }[];
      environment: { name: string; value: string }[];
    }[];
    expect(container.image).toMatch(
      /aws_ecr_repository\.images_repository_.*repository_url\}:3f9c2ab$/,
    );
    expect(container.secrets).toEqual([
      {
        name: "APP_SECRETS",
        valueFrom: expect.stringMatching(/aws_secretsmanager_secret\..*\.arn/),
      },
    ]);
    expect(container.environment).toEqual([
      { name: "DB_USER", value: SERVICE_DB_USER },
      { name: "SIGNAL_FACTORY_ENV", value: "prod" },
    ]);
  });

  it("creates the secret signal-factory/prod with no value", () => {
    expect(findResource(json, "aws_secretsmanager_secret")).toMatchObject({
      name: "signal-factory/prod",
      recovery_window_in_days: 30,
    });
    expect(resourcesOf(json, "aws_secretsmanager_secret_version")).toEqual([]);
  });
});

describe("signal-factory database", () => {
  const instances = resourcesOf(json, "aws_db_instance").map((r) => r.config);
  const primary = instances.find((i) => i.identifier === "signal-factory-primary")!;
  const replica = instances.find((i) => i.replicate_source_db !== undefined)!;

  it("is signal-factory-primary: db.t3.medium, 7 days of backups at 03:00-04:00, protected", () => {
    expect(primary).toMatchObject({
      engine: "postgres",
      instance_class: "db.t3.medium",
      backup_retention_period: 7,
      backup_window: "03:00-04:00",
      storage_encrypted: true,
      publicly_accessible: false,
      deletion_protection: true,
      multi_az: true,
      iam_database_authentication_enabled: true,
      lifecycle: { prevent_destroy: true },
    });
    expect(primary.kms_key_id).toMatch(/aws_kms_key\./);
  });

  it("has a read replica in us-west-2 with its own key there, encrypted and private", () => {
    expect(replica).toMatchObject({
      provider: "aws.replica",
      storage_encrypted: true,
      publicly_accessible: false,
      deletion_protection: true,
    });
    expect(replica.replicate_source_db).toMatch(/signal-factory-primary|aws_db_instance\..*\.arn/);
    const keys = resourcesOf(json, "aws_kms_key").map((k) => k.config);
    const replicaKey = keys.find((k) => k.provider === "aws.replica");
    expect(replicaKey).toMatchObject({ enable_key_rotation: true });
    expect(replica.kms_key_id).not.toEqual(primary.kms_key_id);
  });

  it("admits only the service's security group on 5432", () => {
    const ingress = resourcesOf(json, "aws_vpc_security_group_ingress_rule")
      .map((r) => r.config)
      .filter((r) => r.from_port === 5432);
    expect(ingress).toHaveLength(1);
    expect(ingress[0].referenced_security_group_id).toMatch(
      /aws_security_group\.service_security-group/,
    );
    expect(ingress[0].cidr_ipv4).toBeUndefined();
  });
});

describe("signal-factory backups bucket", () => {
  it("is private and encrypted, and expires database dumps after 30 days", () => {
    expect(findResource(json, "aws_s3_bucket", { bucket: "signal-factory-backups" })).toMatchObject(
      {
        force_destroy: false,
      },
    );
    const rules = resourcesOf(json, "aws_s3_bucket_lifecycle_configuration")
      .map((r) => r.config)
      .flatMap((c) => c.rule as { id: string; expiration?: unknown }[]);
    expect(rules.find((r) => r.id === "database-dumps")).toMatchObject({
      expiration: [{ days: 30 }],
    });
    for (const block of resourcesOf(json, "aws_s3_bucket_public_access_block")) {
      expect(block.config).toMatchObject({
        block_public_acls: true,
        block_public_policy: true,
        ignore_public_acls: true,
        restrict_public_buckets: true,
      });
    }
    expect(resourcesOf(json, "aws_s3_bucket_server_side_encryption_configuration")).toHaveLength(2);
  });
});

describe("signal-factory policy review", () => {
  it("has no unsuppressed policy finding", () => {
    expect(openFindings(build())).toEqual([]);
  });
});

describe("signal-factory settings", () => {
  const errorsOf = (settings: unknown): ValidationError[] =>
    validationErrorsOf(
      () => new SignalFactoryStack(testApp(), settings, "settings.json signal-factory.prod"),
    );

  it("round-trips the example settings of the registry", () => {
    expect(exampleSettings("signal-factory")).toEqual({
      "signal-factory": SIGNAL_FACTORY_EXAMPLES,
    });
    const again = new SignalFactoryStack(
      testApp(),
      JSON.parse(JSON.stringify(exampleSettings("signal-factory")["signal-factory"].prod)),
    );
    expect(synthJson(again)).toEqual(json);
  });

  it("reports every bad field at once, each with its fix", () => {
    const errors = errorsOf({
      ...example,
      region: "ap-northeast-9",
      release: "latest",
      state: { bucket: "Example_State", region: "ap-northeast-2" },
      database: { ...(example.database as object), backupRetentionDays: 0 },
      password: "hunter2",
    });
    expect(errors.map((e) => e.property)).toEqual([
      "region",
      "state.bucket",
      "release",
      "database.backupRetentionDays",
      "password",
    ]);
    const message = errors.map((e) => e.message).join("\n");
    expect(message).toMatch(/release = "latest" is invalid\.\n\s+Fix: use the git commit SHA/);
    expect(message).toMatch(/region = "ap-northeast-9" is invalid\.\n\s+Fix: use an AWS region/);
    expect(message).toMatch(/password = \["password"\] is not a known setting/);
  });

  it("refuses a public VPC range and a replica in the primary's region, from the constructs", () => {
    expect(() => build({ vpc: { ...(example.vpc as object), cidr: "8.8.0.0/16" } })).toThrow(
      /cidr = "8\.8\.0\.0\/16" is outside RFC 1918/,
    );
    expect(() =>
      build({ replica: { ...(example.replica as object), region: "ap-northeast-2" } }),
    ).toThrow(/addReplica\.region = "ap-northeast-2"/);
  });
});

describe("allowDeletion in the settings (teardown)", () => {
  const reason = "review environment, destroyed when its pull request closes";

  it("turns off the database's deletion protection and records the reason on it", () => {
    const out = synthJson(build({ allowDeletion: { reason } }));
    const db = resourcesOf(out, "aws_db_instance").find(
      (r) => r.config.replicate_source_db === undefined,
    )!.config;
    expect(db.deletion_protection).toBe(false);
    expect(db.lifecycle).toBeUndefined();
  });

  it("keeps every protection in the example", () => {
    const dbs = resourcesOf(synthJson(build()), "aws_db_instance");
    expect(dbs.length).toBeGreaterThan(0);
    for (const db of dbs) expect(db.config.deletion_protection).toBe(true);
  });

  it("needs a reason of 20 characters or more", () => {
    expect(() => build({ allowDeletion: { reason: "tmp" } })).toThrow(/allowDeletion\.reason/);
  });
});
