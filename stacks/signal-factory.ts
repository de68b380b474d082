import type { Construct } from "constructs";
import { TerraformOutput } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { parseConfig } from "../constructs/core/config";
import { PlatformStack } from "../constructs/core/stack";
import { EcrRepository } from "../constructs/aws/ecr";
import { EcsFargateService } from "../constructs/aws/ecs";
import type { IVpc } from "../constructs/aws/interfaces";
import { RdsPostgres, type RdsPostgresReplica } from "../constructs/aws/rds";
import { S3Bucket } from "../constructs/aws/s3-bucket";
import { SecretsManagerSecret } from "../constructs/aws/secrets";
import { Vpc } from "../constructs/aws/vpc";
import { signalFactoryConfigSchema, type SignalFactoryConfig } from "./signal-factory.config";
import { s3Backend } from "./aws-state.config";

/** The database user the service logs in as, with IAM database authentication. */
export const SERVICE_DB_USER = "signal_factory";

/**
 * Signal Factory in one environment: `signal-factory-<environment>`. A Fargate service in private
 * subnets runs the image its ECR repository holds for the release, reads its configuration from a
 * Secrets Manager secret, and writes to a PostgreSQL primary that has a read replica in another
 * region; database dumps go to a bucket that expires them. Settings are validated before anything
 * is built; see help/signal-factory.md.
 */
export class SignalFactoryStack extends PlatformStack {
  readonly config: SignalFactoryConfig;
  readonly vpc: Vpc;
  readonly replicaVpc: IVpc;
  readonly repository: EcrRepository;
  readonly secret: SecretsManagerSecret;
  readonly service: EcsFargateService;
  readonly database: RdsPostgres;
  readonly replica: RdsPostgresReplica;
  readonly accessLogs: S3Bucket;
  readonly backups: S3Bucket;

  constructor(scope: Construct, settings: unknown, source = "signal-factory settings") {
    const config = parseConfig(signalFactoryConfigSchema, settings, source);
    super(scope, {
      system: "signal-factory",
      environment: config.environment,
      prefix: config.namePrefix,
      backend: s3Backend(config.state, `signal-factory/${config.environment}/terraform.tfstate`),
      labels: config.labels,
      allowDeletion: config.allowDeletion,
      source,
    });
    this.config = config;
    new AwsProvider(this, "aws", { region: config.region });
    // Every resource of the replica is created in its region through this provider.
    const replicaProvider = new AwsProvider(this, "replica", {
      region: config.replica.region,
      alias: "replica",
    });

    this.vpc = new Vpc(this, "vpc", {
      region: config.region,
      cidr: config.vpc.cidr,
      azCount: config.vpc.privateSubnetCidrs.length,
      publicSubnetCidrs: config.vpc.publicSubnetCidrs,
      privateSubnetCidrs: config.vpc.privateSubnetCidrs,
      isolatedSubnetCidrs: config.vpc.isolatedSubnetCidrs,
    });
    this.replicaVpc = Vpc.fromAttributes(this, "replica-vpc", {
      vpcId: config.replica.vpc.vpcId,
      azs: config.replica.vpc.azs,
      publicSubnetIds: [],
      privateSubnetIds: [],
      isolatedSubnetIds: config.replica.vpc.isolatedSubnetIds,
    });

    // Images are tagged with the commit SHA; tags are immutable, so a tag names one build.
    this.repository = new EcrRepository(this, "images", { name: config.repository });

    // Created without a value: the on-call puts it (help/signal-factory.md).
    this.secret = new SecretsManagerSecret(this, "app-secret", {
      name: `signal-factory/${config.environment}`,
      description: "Signal Factory application secrets (JSON), put out of band",
    });

    this.service = new EcsFargateService(this, "service", {
      name: "service",
      vpc: this.vpc,
      clusterName: config.clusterName,
      image: { repository: this.repository, tag: config.release },
      cpu: config.service.cpu,
      memory: config.service.memory,
      desiredCount: config.service.desiredCount,
      environment: {
        SIGNAL_FACTORY_ENV: config.environment,
        DB_USER: SERVICE_DB_USER,
      },
      secrets: { APP_SECRETS: this.secret },
    });

    this.database = new RdsPostgres(this, "database", {
      vpc: this.vpc,
      name: "primary",
      engineVersion: config.database.engineVersion,
      instanceClass: config.database.instanceClass,
      backupRetentionDays: config.database.backupRetentionDays,
      backupWindow: config.database.backupWindow,
      allowFrom: [this.service],
    });
    this.database.grantConnect(this.service.taskRole, SERVICE_DB_USER);
    this.replica = this.database.addReplica({
      region: config.replica.region,
      provider: replicaProvider,
      vpc: this.replicaVpc,
    });

    this.accessLogs = new S3Bucket(this, "access-logs", {
      name: config.accessLogsBucket,
      receivesAccessLogs: true,
      lifecycleRules: [{ id: "logs", expirationDays: 400, noncurrentVersionExpirationDays: 30 }],
    });
    this.backups = new S3Bucket(this, "backups", {
      name: config.backups.bucket,
      accessLogs: { bucket: this.accessLogs },
      lifecycleRules: [
        {
          id: "database-dumps",
          expirationDays: config.backups.expireAfterDays,
          noncurrentVersionExpirationDays: 7,
        },
      ],
    });
    this.backups.grantWrite(this.service.taskRole);

    this.outputs();
  }

  private outputs(): void {
    new TerraformOutput(this, "repository-url", {
      value: this.repository.repositoryUrl,
      description: "ECR repository the release pipeline pushes <commit SHA> tags to",
    });
    new TerraformOutput(this, "service-name", {
      value: this.service.serviceName,
      description: "The ECS service, for deployments",
    });
    new TerraformOutput(this, "database-endpoint", {
      value: this.database.endpoint,
      description: "PostgreSQL primary endpoint (IAM authentication, TLS required)",
    });
    new TerraformOutput(this, "replica-endpoint", {
      value: this.replica.endpoint,
      description: `PostgreSQL read replica endpoint in ${this.config.replica.region}`,
    });
    new TerraformOutput(this, "secret-arn", {
      value: this.secret.secretArn,
      description: "The application secret: put its value with aws secretsmanager put-secret-value",
    });
  }
}
