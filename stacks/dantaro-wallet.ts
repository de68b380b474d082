import type { Construct } from "constructs";
import { TerraformOutput } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { parseConfig } from "../constructs/core/config";
import { PlatformStack } from "../constructs/core/stack";
import { StaticSite } from "../constructs/aws/cdn";
import { EksCluster } from "../constructs/aws/eks";
import { RedisReplicationGroup } from "../constructs/aws/elasticache";
import type { ISecurityGroup } from "../constructs/aws/interfaces";
import { RdsPostgres } from "../constructs/aws/rds";
import { S3Bucket } from "../constructs/aws/s3-bucket";
import { Vpc } from "../constructs/aws/vpc";
import { dantaroWalletConfigSchema, type DantaroWalletConfig } from "./dantaro-wallet.config";
import { s3Backend } from "./aws-state.config";

/**
 * Dantaro Wallet in one environment: `dantaro-wallet-<environment>`. An EKS cluster in the private
 * subnets of a three-zone VPC, with PostgreSQL and Redis in the isolated subnets reachable from the
 * cluster only, static assets on CloudFront and a backups bucket. The workloads themselves are a
 * Kubernetes stack of their own, which finds the cluster by the name this stack outputs. Settings
 * are validated before anything is built; see help/dantaro-wallet.md.
 */
export class DantaroWalletStack extends PlatformStack {
  readonly config: DantaroWalletConfig;
  readonly vpc: Vpc;
  readonly eks: EksCluster;
  readonly database: RdsPostgres;
  readonly cache: RedisReplicationGroup;
  readonly accessLogs: S3Bucket;
  readonly assets: StaticSite;
  readonly backups: S3Bucket;

  constructor(scope: Construct, settings: unknown, source = "dantaro-wallet settings") {
    const config = parseConfig(dantaroWalletConfigSchema, settings, source);
    super(scope, {
      system: "dantaro-wallet",
      environment: config.environment,
      prefix: config.namePrefix,
      backend: s3Backend(config.state, `dantaro-wallet/${config.environment}/terraform.tfstate`),
      labels: config.labels,
      allowDeletion: config.allowDeletion,
      source,
    });
    this.config = config;
    new AwsProvider(this, "aws", { region: config.region });

    this.vpc = new Vpc(this, "vpc", {
      name: "vpc",
      region: config.region,
      cidr: config.vpc.cidr,
      azCount: config.vpc.privateSubnetCidrs.length,
      publicSubnetCidrs: config.vpc.publicSubnetCidrs,
      privateSubnetCidrs: config.vpc.privateSubnetCidrs,
      isolatedSubnetCidrs: config.vpc.isolatedSubnetCidrs,
      natGateways: config.vpc.natGateways,
    });

    this.eks = new EksCluster(this, "eks", {
      name: "eks",
      vpc: this.vpc,
      version: config.eks.version,
      ...(config.eks.extendedSupport ? { allowExtendedSupport: config.eks.extendedSupport } : {}),
      admins: config.eks.admins.map((roleArn) => ({ roleArn })),
    });
    for (const group of config.eks.nodeGroups) this.eks.addNodeGroup(group);
    // Managed nodes (and so the pods) carry the cluster security group.
    const cluster: ISecurityGroup = Object.assign(Object.create(null) as object, {
      securityGroupId: this.eks.clusterSecurityGroupId,
    }) as ISecurityGroup;

    this.database = new RdsPostgres(this, "database", {
      vpc: this.vpc,
      name: "db",
      engineVersion: config.database.engineVersion,
      instanceClass: config.database.instanceClass,
      allocatedStorage: config.database.allocatedStorage,
      maxAllocatedStorage: config.database.maxAllocatedStorage,
      multiAz: config.database.multiAz,
      backupRetentionDays: config.database.backupRetentionDays,
      backupWindow: config.database.backupWindow,
      maintenanceWindow: config.database.maintenanceWindow,
      allowFrom: [cluster],
    });

    this.cache = new RedisReplicationGroup(this, "cache", {
      name: config.cache.name,
      vpc: this.vpc,
      nodeType: config.cache.nodeType,
      snapshotRetentionDays: config.cache.snapshotRetentionDays,
      snapshotWindow: config.cache.snapshotWindow,
      allowFrom: [cluster],
    });

    this.accessLogs = new S3Bucket(this, "access-logs", {
      name: config.accessLogsBucket,
      receivesAccessLogs: true,
      lifecycleRules: [{ id: "logs", expirationDays: 400, noncurrentVersionExpirationDays: 30 }],
    });
    this.assets = new StaticSite(this, "static-assets", {
      bucketName: config.cdn.bucket,
      aliases: config.cdn.aliases,
      certificateArn: config.cdn.certificateArn,
      priceClass: config.cdn.priceClass,
      minTtl: config.cdn.minTtl,
      defaultTtl: config.cdn.defaultTtl,
      maxTtl: config.cdn.maxTtl,
      accessLogs: { bucket: this.accessLogs },
    });
    this.backups = new S3Bucket(this, "backups", {
      name: config.backups.bucket,
      accessLogs: { bucket: this.accessLogs },
      lifecycleRules: [
        {
          id: "backups",
          transitions: [
            { days: config.backups.infrequentAccessAfterDays, storageClass: "STANDARD_IA" },
            { days: config.backups.glacierAfterDays, storageClass: "GLACIER" },
          ],
          expirationDays: config.backups.expireAfterDays,
          noncurrentVersionExpirationDays: 30,
        },
      ],
    });

    this.outputs();
  }

  private outputs(): void {
    new TerraformOutput(this, "eks-cluster-name", {
      value: this.eks.clusterName,
      description: "The EKS cluster's name: the Kubernetes stack reads the cluster by it",
    });
    new TerraformOutput(this, "eks-cluster-endpoint", {
      value: this.eks.endpoint,
      description: "The EKS API endpoint (private: reachable from inside the VPC)",
    });
    new TerraformOutput(this, "database-endpoint", {
      value: this.database.endpoint,
      description: "PostgreSQL endpoint; the master password is in Secrets Manager",
    });
    new TerraformOutput(this, "database-master-secret-arn", {
      value: this.database.masterUserSecretArn,
      description: "The Secrets Manager secret RDS keeps the master password in",
    });
    new TerraformOutput(this, "cdn-domain-name", {
      value: this.assets.domainName,
      description: `CloudFront domain: point ${this.config.cdn.aliases.join(", ")} at it`,
    });
  }
}
