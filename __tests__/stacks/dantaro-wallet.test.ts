import { type ValidationError } from "../../constructs/core/errors";
import { exampleSettings } from "../../stacks";
import { DantaroWalletStack } from "../../stacks/dantaro-wallet";
import { DANTARO_WALLET_EXAMPLES } from "../../stacks/dantaro-wallet.config";
import {
  findResource,
  resourcesOf,
  synthJson,
  validationErrorsOf,
  openFindings,
  testApp,
} from "../helpers/synth";

const example = DANTARO_WALLET_EXAMPLES.prod as Record<string, unknown>;
const eksExample = example.eks as Record<string, unknown>;

function build(overrides: Record<string, unknown> = {}): DantaroWalletStack {
  return new DantaroWalletStack(testApp(), { ...example, ...overrides });
}

const stack = build();
const json = synthJson(stack);

describe("dantaro-wallet-prod", () => {
  it("keeps its state in S3, encrypted and locked", () => {
    expect(stack.node.id).toBe("dantaro-wallet-prod");
    expect(json.terraform?.backend).toEqual({
      s3: {
        bucket: "example-dantaro-tfstate",
        key: "dantaro-wallet/prod/terraform.tfstate",
        region: "ap-northeast-2",
        encrypt: true,
        use_lockfile: true,
      },
    });
  });

  it("has dantaro-vpc 10.0.0.0/16 over three zones with the listed subnets and NAT", () => {
    expect(findResource(json, "aws_vpc")).toMatchObject({
      cidr_block: "10.0.0.0/16",
      enable_dns_hostnames: true,
      enable_dns_support: true,
      tags: { Name: "dantaro-vpc" },
    });
    const subnets = resourcesOf(json, "aws_subnet").map((s) => s.config);
    const tier = (t: string) =>
      subnets
        .filter((s) => (s.tags as { Name: string }).Name.includes(`-${t}-`))
        .map((s) => [s.availability_zone, s.cidr_block]);
    expect(tier("private")).toEqual([
      ["ap-northeast-2a", "10.0.1.0/24"],
      ["ap-northeast-2b", "10.0.2.0/24"],
      ["ap-northeast-2c", "10.0.3.0/24"],
    ]);
    expect(tier("public")).toEqual([
      ["ap-northeast-2a", "10.0.101.0/24"],
      ["ap-northeast-2b", "10.0.102.0/24"],
      ["ap-northeast-2c", "10.0.103.0/24"],
    ]);
    expect(subnets.every((s) => s.map_public_ip_on_launch === false)).toBe(true);
    expect(resourcesOf(json, "aws_nat_gateway")).toHaveLength(3);
  });

  it("runs EKS dantaro-eks on a supported version, private endpoint, secrets encrypted", () => {
    expect(findResource(json, "aws_eks_cluster")).toMatchObject({
      name: "dantaro-eks",
      version: "1.33",
      vpc_config: { endpoint_private_access: true, endpoint_public_access: false },
      encryption_config: { resources: ["secrets"] },
    });
  });

  it("has the general and spot node groups with their sizes", () => {
    expect(
      findResource(json, "aws_eks_node_group", { nodeGroupName: "dantaro-eks-general" }),
    ).toMatchObject({
      capacity_type: "ON_DEMAND",
      instance_types: ["t3.large"],
      scaling_config: { min_size: 2, max_size: 10, desired_size: 3 },
    });
    expect(
      findResource(json, "aws_eks_node_group", { nodeGroupName: "dantaro-eks-spot" }),
    ).toMatchObject({
      capacity_type: "SPOT",
      instance_types: ["t3.large", "t3a.large"],
      scaling_config: { min_size: 1, max_size: 5, desired_size: 2 },
    });
  });

  it("is dantaro-db: PostgreSQL 15.4, db.r6g.xlarge, 100 GB, encrypted, Multi-AZ, protected", () => {
    expect(findResource(json, "aws_db_instance")).toMatchObject({
      identifier: "dantaro-db",
      engine_version: "15.4",
      instance_class: "db.r6g.xlarge",
      allocated_storage: 100,
      storage_encrypted: true,
      multi_az: true,
      deletion_protection: true,
      publicly_accessible: false,
      backup_retention_period: 30,
      backup_window: "03:00-06:00",
      maintenance_window: "mon:00:00-mon:03:00",
      enabled_cloudwatch_logs_exports: ["postgresql", "upgrade"],
    });
  });

  it("is dantaro-cache: cache.r6g.large, encrypted, 5 snapshots at 03:00-05:00", () => {
    expect(findResource(json, "aws_elasticache_replication_group")).toMatchObject({
      replication_group_id: "dantaro-cache",
      node_type: "cache.r6g.large",
      at_rest_encryption_enabled: "true", // a string in the AWS provider's schema
      transit_encryption_enabled: true,
      snapshot_retention_limit: 5,
      snapshot_window: "03:00-05:00",
    });
  });

  it("serves the static assets through CloudFront on cdn.dantarowallet.com over HTTPS", () => {
    expect(findResource(json, "aws_cloudfront_distribution")).toMatchObject({
      aliases: ["cdn.dantarowallet.com"],
      price_class: "PriceClass_200",
      default_cache_behavior: { viewer_protocol_policy: "redirect-to-https" },
      viewer_certificate: {
        minimum_protocol_version: "TLSv1.2_2021",
        ssl_support_method: "sni-only",
      },
    });
    expect(findResource(json, "aws_cloudfront_cache_policy")).toMatchObject({
      min_ttl: 0,
      default_ttl: 3600,
      max_ttl: 86400,
    });
    findResource(json, "aws_s3_bucket", { bucket: "dantaro-static-assets-prod" });
  });

  it("moves backups to STANDARD_IA at 30 days, GLACIER at 90, and expires them at 365", () => {
    findResource(json, "aws_s3_bucket", { bucket: "dantaro-backups-prod" });
    const rules = resourcesOf(json, "aws_s3_bucket_lifecycle_configuration").flatMap(
      (r) => r.config.rule as { id: string }[],
    );
    expect(rules.find((r) => r.id === "backups")).toMatchObject({
      transition: [
        { days: 30, storage_class: "STANDARD_IA" },
        { days: 90, storage_class: "GLACIER" },
      ],
      expiration: [{ days: 365 }],
    });
  });

  it("outputs the EKS cluster's name and endpoint for the Kubernetes stack", () => {
    expect(Object.keys(json.output ?? {})).toEqual(
      expect.arrayContaining(["eks-cluster-name", "eks-cluster-endpoint"]),
    );
  });

  it("has no unsuppressed policy finding", () => {
    expect(openFindings(build())).toEqual([]);
  });
});

describe("dantaro-wallet settings", () => {
  const errorsOf = (settings: unknown): ValidationError[] =>
    validationErrorsOf(
      () => new DantaroWalletStack(testApp(), settings, "settings.json dantaro-wallet.prod"),
    );

  it("round-trips the example settings of the registry", () => {
    expect(exampleSettings("dantaro-wallet")).toEqual({
      "dantaro-wallet": DANTARO_WALLET_EXAMPLES,
    });
    const again = new DantaroWalletStack(
      testApp(),
      JSON.parse(JSON.stringify(exampleSettings("dantaro-wallet")["dantaro-wallet"].prod)),
    );
    expect(synthJson(again)).toEqual(json);
  });

  it("accepts Kubernetes 1.28 only with an extended-support reason", () => {
    expect(() => build({ eks: { ...eksExample, version: "1.28" } })).toThrow(
      /allowExtendedSupport/,
    );
    const kept = build({
      eks: {
        ...eksExample,
        version: "1.28",
        extendedSupport: {
          reason: "the wallet's node agent is certified on 1.28 only, ticket OPS-7",
        },
      },
    });
    expect(findResource(synthJson(kept), "aws_eks_cluster")).toMatchObject({
      version: "1.28",
      upgrade_policy: { support_type: "EXTENDED" },
    });
  });

  it("reports bad fields with their fixes", () => {
    const errors = errorsOf({
      ...example,
      region: "moon-1",
      cdn: {
        ...(example.cdn as object),
        certificateArn: "arn:aws:acm:eu-west-1:111122223333:certificate/x",
      },
      eks: { ...eksExample, admins: [] },
    });
    expect(errors.map((e) => e.property)).toEqual(["region", "eks.admins", "cdn.certificateArn"]);
    expect(errors.map((e) => e.message).join("\n")).toMatch(
      /use an ACM certificate ARN in us-east-1/,
    );
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
