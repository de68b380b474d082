import { Construct } from "constructs";
import { z } from "zod";
import { Token } from "cdktf";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { DataAwsRegion } from "@cdktf/provider-aws/lib/data-aws-region";
import { EcsCluster } from "@cdktf/provider-aws/lib/ecs-cluster";
import { EcsService } from "@cdktf/provider-aws/lib/ecs-service";
import { EcsTaskDefinition } from "@cdktf/provider-aws/lib/ecs-task-definition";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { detectSecret } from "../../vocabulary/secrets";
import { parseCidr } from "../core/cidr";
import { invalid } from "../core/errors";
import { checkName } from "../core/naming";
import { acceptOptOut, recordOptOut, type OptOut } from "../core/opt-out";
import {
  checkedBy,
  checkProps,
  constructRef,
  optOutSchema,
  stringOf,
  type PropsSchema,
} from "../core/props";
import { PlatformStack } from "../core/stack";
import { checkArn } from "./common";
import { whole } from "../core/checks";
import { sidPart, type IEcrRepository } from "./ecr";
import { IamRole, ServicePrincipal } from "./iam";
import type { ISecurityGroup, IVpc } from "./interfaces";

// ---------------------------------------------------------------------------------------------
// Props

/** A Secrets Manager secret, by ARN: a `SecretsManagerSecret` construct or `{ secretArn }`. */
export interface ISecretsManagerSecret {
  readonly secretArn: string;
  /** The customer-managed key the secret is encrypted with, if any. @default aws/secretsmanager */
  readonly kmsKeyArn?: string;
}

/** An existing ECS cluster the service runs in. */
export interface IEcsCluster {
  readonly clusterArn: string;
}

/** The container image, pinned by tag or digest. */
export interface EcsImage {
  /** The ECR repository the image is pulled from; the execution role may pull from it only. */
  readonly repository: IEcrRepository;
  /** An immutable tag (`1.4.2`, `git-3f9c2e1`); `latest` is refused. Exactly one of tag and digest. */
  readonly tag?: string;
  /** A digest (`sha256:...`). Exactly one of tag and digest. */
  readonly digest?: string;
}

export interface EcsFargateServiceProps {
  /** Short name; the service, task family and log group are `${prefix}-${name}`. */
  readonly name: string;
  /** The VPC; tasks run in its private subnets. */
  readonly vpc: IVpc;
  /** The cluster to run in. @default a new cluster `${prefix}-${name}` with Container Insights */
  readonly cluster?: IEcsCluster;
  /**
   * The name of the cluster created for the service (only without {@link cluster}), used as
   * given: 1-255 letters, digits, hyphens and underscores, e.g. `production-cluster`.
   * @default `${prefix}-${name}`
   */
  readonly clusterName?: string;
  readonly image: EcsImage;
  /** Task CPU units: 256, 512, 1024, 2048, 4096, 8192 or 16384. @default 256 */
  readonly cpu?: number;
  /** Task memory in MiB, one of the values Fargate allows for `cpu`. @default 512 */
  readonly memory?: number;
  /** @default "X86_64" */
  readonly cpuArchitecture?: "X86_64" | "ARM64";
  /** The port the container listens on (TCP). @default none (no ingress) */
  readonly containerPort?: number;
  /** Security groups (a load balancer's) allowed to reach `containerPort`. @default [] */
  readonly allowFrom?: readonly ISecurityGroup[];
  /** Plain configuration; a value that looks like a secret is refused (use `secrets`). @default {} */
  readonly environment?: Readonly<Record<string, string>>;
  /** Environment variables read from Secrets Manager at task start (`valueFrom`). @default {} */
  readonly secrets?: Readonly<Record<string, ISecretsManagerSecret>>;
  /** Overrides the image's command. @default the image's */
  readonly command?: readonly string[];
  /** Number of tasks. @default 2 */
  readonly desiredCount?: number;
  /** Days the container logs are kept (a CloudWatch retention value). @default 90 */
  readonly logRetentionDays?: number;
  /**
   * Where the tasks may open HTTPS (tcp/443) connections: ECR, Secrets Manager and CloudWatch Logs
   * through the NAT gateway, or the VPC's range when it has interface endpoints for them.
   * @default ["0.0.0.0/0"]
   */
  readonly httpsEgressCidrs?: readonly string[];
  /**
   * Let the container write to its root filesystem, with a reason (recorded as
   * `writable-root-filesystem`). @default undefined (read-only root filesystem)
   */
  readonly allowWritableRootFilesystem?: OptOut;
}

const SECRET_REF = constructRef<ISecretsManagerSecret>(
  "a Secrets Manager secret (an object with secretArn)",
  ["secretArn"],
);

const ECS_PROPS = z.strictObject({
  name: z.string(),
  vpc: constructRef<IVpc>("a Vpc (or Vpc.fromAttributes)", ["vpcId", "privateSubnetIds"]),
  cluster: constructRef<IEcsCluster>("an ECS cluster (an object with clusterArn)", [
    "clusterArn",
  ]).optional(),
  clusterName: z.string().optional(),
  image: z.strictObject({
    repository: constructRef<IEcrRepository>("an EcrRepository", [
      "repositoryUrl",
      "repositoryArn",
      "grantPull",
    ]),
    tag: z.string().optional(),
    digest: z.string().optional(),
  }),
  cpu: z.number().optional(),
  memory: z.number().optional(),
  cpuArchitecture: stringOf<"X86_64" | "ARM64">().optional(),
  containerPort: z.number().optional(),
  allowFrom: z
    .array(constructRef<ISecurityGroup>("a security group", ["securityGroupId"]))
    .optional(),
  environment: z.record(z.string(), checkedBy<string>("checkEnvironment")).optional(),
  secrets: z.record(z.string(), SECRET_REF).optional(),
  command: z.array(z.string()).optional(),
  desiredCount: z.number().optional(),
  logRetentionDays: z.number().optional(),
  httpsEgressCidrs: z.array(z.string()).optional(),
  allowWritableRootFilesystem: optOutSchema.optional(),
}) satisfies PropsSchema<EcsFargateServiceProps>;

/** Fargate's task sizes: the memory values (MiB) each CPU value allows. */
export const FARGATE_SIZES: Readonly<Record<number, readonly number[]>> = {
  256: [512, 1024, 2048],
  512: range(1024, 4096, 1024),
  1024: range(2048, 8192, 1024),
  2048: range(4096, 16384, 1024),
  4096: range(8192, 30720, 1024),
  8192: range(16384, 61440, 4096),
  16384: range(32768, 122880, 8192),
};

/** The retention values CloudWatch Logs accepts, in days. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
] as const;

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;
function range(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let v = from; v <= to; v += step) out.push(v);
  return out;
}

// ---------------------------------------------------------------------------------------------
// The service

/**
 * A Fargate service in private subnets: no public IP, its own security group (HTTPS egress, ingress
 * only from the given groups), a task role with nothing until granted and an execution role that
 * may pull from the one repository, write to the service's log group and read the given secrets;
 * logs in CloudWatch with a retention, a read-only root filesystem, the image pinned by tag or
 * digest, and a deployment circuit breaker that rolls a failed deployment back.
 */
export class EcsFargateService extends Construct {
  /** The cluster created for the service, when none was passed. */
  readonly cluster?: EcsCluster;
  readonly service: EcsService;
  readonly taskDefinition: EcsTaskDefinition;
  readonly logGroup: CloudwatchLogGroup;
  readonly securityGroup: SecurityGroup;
  /** The role the application runs as: grant it what it reads (`bucket.grantRead(taskRole)`). */
  readonly taskRole: IamRole;
  /** The role ECS uses to start the task: image pull, logs, secrets. */
  readonly executionRole: IamRole;
  /** The image reference the task runs (`<repository url>:<tag>` or `@<digest>`). */
  readonly image: string;

  constructor(scope: Construct, id: string, props: EcsFargateServiceProps) {
    super(scope, id);
    const stack = PlatformStack.of(this);
    checkProps(this, ECS_PROPS, props, "{ name, vpc, image: { repository, tag } }");
    const name = stack.claimName(
      this,
      "name",
      "ecs-service",
      checkName(this, "name", "ecs-service", `${stack.prefix}-${props.name}`),
    );
    const subnets = [...props.vpc.privateSubnetIds];
    if (subnets.length === 0) {
      invalid(
        this,
        "vpc",
        props.vpc.node?.path ?? props.vpc.vpcId,
        "has no private subnets, and tasks never get a public IP",
        "give the VPC private subnets (egress through NAT)",
      );
    }
    this.image = this.checkImage(props.image);
    const cpu = props.cpu ?? 256;
    const memory = props.memory ?? 512;
    this.checkSize(cpu, memory);
    const architecture = oneOf(this, "cpuArchitecture", props.cpuArchitecture ?? "X86_64", [
      "X86_64",
      "ARM64",
    ]);
    const desiredCount = whole(this, "desiredCount", props.desiredCount ?? 2, 0, 1000);
    const retention = props.logRetentionDays ?? 90;
    if (!(LOG_RETENTION_DAYS as readonly number[]).includes(retention)) {
      invalid(
        this,
        "logRetentionDays",
        retention,
        "is not a CloudWatch Logs retention",
        `use one of ${LOG_RETENTION_DAYS.join(", ")}`,
      );
    }
    const port =
      props.containerPort === undefined
        ? undefined
        : whole(this, "containerPort", props.containerPort, 1, 65535);
    const allowFrom = props.allowFrom ?? [];
    if (allowFrom.length > 0 && port === undefined) {
      invalid(
        this,
        "allowFrom",
        allowFrom.map((g) => g.securityGroupId),
        "needs containerPort, the port it allows",
        "set containerPort",
      );
    }
    const environment = this.checkEnvironment(props.environment ?? {});
    const secrets = this.checkSecrets(props.secrets ?? {}, environment);
    const egress = (props.httpsEgressCidrs ?? ["0.0.0.0/0"]).map((c, i) =>
      parseCidr(this, `httpsEgressCidrs[${i}]`, c).toString(),
    );
    const writable = acceptOptOut(
      this,
      "allowWritableRootFilesystem",
      props.allowWritableRootFilesystem,
    );
    (props.command ?? []).forEach((part, i) => {
      if (detectSecret(part)) {
        invalid(
          this,
          `command[${i}]`,
          "(not shown)",
          "looks like a secret, which would be readable in the task definition",
          "pass it through secrets: { NAME: secret } and read the environment variable",
        );
      }
    });

    // Cluster
    let clusterArn: string;
    if (props.cluster !== undefined) {
      if (props.clusterName !== undefined) {
        invalid(
          this,
          "clusterName",
          props.clusterName,
          "names a cluster to create, but cluster passes an existing one",
          "give either cluster (an existing cluster) or clusterName (the cluster to create)",
        );
      }
      clusterArn = checkArn(this, "cluster", props.cluster.clusterArn, "ecs");
    } else {
      const clusterName =
        props.clusterName === undefined
          ? name
          : stack.claimName(
              this,
              "clusterName",
              "ecs-cluster",
              checkName(this, "clusterName", "ecs-cluster", props.clusterName),
            );
      this.cluster = new EcsCluster(this, "cluster", {
        name: clusterName,
        setting: [{ name: "containerInsights", value: "enabled" }],
      });
      clusterArn = this.cluster.arn;
    }

    // Logs and roles
    this.logGroup = new CloudwatchLogGroup(this, "logs", {
      name: `/ecs/${name}`,
      retentionInDays: retention,
    });
    this.executionRole = new IamRole(this, "execution-role", {
      name: `${name}-exec`,
      description: `Starts the tasks of ECS service ${name}: image pull, logs, secrets`,
      assumedBy: ServicePrincipal("ecs-tasks.amazonaws.com"),
    });
    this.taskRole = new IamRole(this, "task-role", {
      name: `${name}-task`,
      description: `The application role of ECS service ${name}`,
      assumedBy: ServicePrincipal("ecs-tasks.amazonaws.com"),
    });
    props.image.repository.grantPull(this.executionRole);
    const sid = sidPart(name);
    this.executionRole.addToPolicy({
      sid: `Logs${sid}`,
      effect: "Allow",
      actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
      resources: [`${this.logGroup.arn}:*`],
    });
    if (secrets.length > 0) {
      this.executionRole.addToPolicy({
        sid: `Secrets${sid}`,
        effect: "Allow",
        actions: ["secretsmanager:GetSecretValue"],
        resources: [...new Set(secrets.map((s) => s.valueFrom))],
      });
      const keys = [...new Set(secrets.flatMap((s) => (s.kmsKeyArn ? [s.kmsKeyArn] : [])))];
      if (keys.length > 0) {
        this.executionRole.addToPolicy({
          sid: `SecretKeys${sid}`,
          effect: "Allow",
          actions: ["kms:Decrypt"],
          resources: keys,
        });
      }
    }

    // Network
    this.securityGroup = new SecurityGroup(this, "security-group", {
      name,
      description: `ECS service ${name}`,
      vpcId: props.vpc.vpcId,
      revokeRulesOnDelete: true,
    });
    egress.forEach((cidr, i) => {
      new VpcSecurityGroupEgressRule(this, `egress-https-${i}`, {
        securityGroupId: this.securityGroup.id,
        description: "HTTPS to ECR, Secrets Manager and CloudWatch Logs",
        ipProtocol: "tcp",
        fromPort: 443,
        toPort: 443,
        cidrIpv4: cidr,
      });
    });
    allowFrom.forEach((group, i) => {
      new VpcSecurityGroupIngressRule(this, `ingress-${i}`, {
        securityGroupId: this.securityGroup.id,
        description: `tcp/${port} from an allowed security group`,
        ipProtocol: "tcp",
        fromPort: port,
        toPort: port,
        referencedSecurityGroupId: group.securityGroupId,
      });
    });

    // Task and service
    const region = new DataAwsRegion(this, "region");
    const container = {
      name: "app",
      image: this.image,
      essential: true,
      readonlyRootFilesystem: !writable,
      ...(props.command ? { command: [...props.command] } : {}),
      ...(port !== undefined ? { portMappings: [{ containerPort: port, protocol: "tcp" }] } : {}),
      environment: environment.map(([n, value]) => ({ name: n, value })),
      secrets: secrets.map((s) => ({ name: s.name, valueFrom: s.valueFrom })),
      logConfiguration: {
        logDriver: "awslogs",
        options: {
          "awslogs-group": this.logGroup.name,
          "awslogs-region": region.region,
          "awslogs-stream-prefix": "app",
        },
      },
    };
    this.taskDefinition = new EcsTaskDefinition(this, "task", {
      family: name,
      requiresCompatibilities: ["FARGATE"],
      networkMode: "awsvpc",
      cpu: String(cpu),
      memory: String(memory),
      runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: architecture },
      executionRoleArn: this.executionRole.roleArn,
      taskRoleArn: this.taskRole.roleArn,
      containerDefinitions: JSON.stringify([container]),
    });
    if (writable) {
      recordOptOut(
        this.taskDefinition,
        "writable-root-filesystem",
        props.allowWritableRootFilesystem as OptOut,
      );
    }
    this.service = new EcsService(this, "service", {
      name,
      cluster: clusterArn,
      taskDefinition: this.taskDefinition.arn,
      desiredCount,
      launchType: "FARGATE",
      platformVersion: "LATEST",
      networkConfiguration: {
        subnets,
        securityGroups: [this.securityGroup.id],
        assignPublicIp: false,
      },
      deploymentCircuitBreaker: { enable: true, rollback: true },
      deploymentMinimumHealthyPercent: 100,
      deploymentMaximumPercent: 200,
      enableExecuteCommand: false,
      propagateTags: "SERVICE",
    });
  }

  /** The service's name. */
  get serviceName(): string {
    return this.service.name;
  }

  /** The task security group's id, to allow the service into a database or cache. */
  get securityGroupId(): string {
    return this.securityGroup.id;
  }

  private checkImage(image: EcsImage): string {
    const { tag, digest } = image;
    if ((tag === undefined) === (digest === undefined)) {
      invalid(
        this,
        "image",
        { tag, digest },
        "must pin the image by exactly one of tag and digest",
        "pass image: { repository, tag: '1.4.2' } or image: { repository, digest: 'sha256:...' }",
      );
    }
    if (tag !== undefined) {
      if (!TAG.test(tag)) {
        invalid(this, "image.tag", tag, "is not an image tag", "use e.g. '1.4.2' or 'git-3f9c2e1'");
      }
      if (tag.toLowerCase() === "latest") {
        invalid(
          this,
          "image.tag",
          tag,
          "does not pin an image: whatever was pushed last would run",
          "deploy a version tag or a digest",
        );
      }
      return `${image.repository.repositoryUrl}:${tag}`;
    }
    if (!DIGEST.test(digest as string)) {
      invalid(this, "image.digest", digest, "is not an image digest", "use sha256:<64 hex digits>");
    }
    return `${image.repository.repositoryUrl}@${digest}`;
  }

  private checkSize(cpu: unknown, memory: unknown): void {
    const allowed = typeof cpu === "number" ? FARGATE_SIZES[cpu] : undefined;
    if (allowed === undefined) {
      invalid(
        this,
        "cpu",
        cpu,
        "is not a Fargate CPU value",
        `use one of ${Object.keys(FARGATE_SIZES).join(", ")}`,
      );
    }
    if (!allowed.includes(memory as number)) {
      invalid(
        this,
        "memory",
        memory,
        `is not a memory size Fargate allows with cpu ${cpu}`,
        `use ${allowed[0]}-${allowed[allowed.length - 1]} MiB in steps of ${allowed.length > 1 ? allowed[1] - allowed[0] : allowed[0]}${cpu === 256 ? " (512, 1024 or 2048)" : ""}`,
      );
    }
  }

  private checkEnvironment(env: Readonly<Record<string, string>>): [string, string][] {
    return Object.entries(env)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([key, value]) => {
        checkEnvName(this, "environment", key);
        if (typeof value !== "string") {
          invalid(this, `environment.${key}`, value, "is not a string", "pass text");
        }
        if (!Token.isUnresolved(value) && detectSecret(value, key) !== undefined) {
          invalid(
            this,
            `environment.${key}`,
            "(not shown)",
            `looks like ${detectSecret(value, key)?.description}, which would be readable in the task definition by anyone who can describe it`,
            "store it in Secrets Manager and pass the secret through secrets: { NAME: secret }",
          );
        }
        return [key, value];
      });
  }

  private checkSecrets(
    secrets: Readonly<Record<string, ISecretsManagerSecret>>,
    environment: readonly [string, string][],
  ): { name: string; valueFrom: string; kmsKeyArn?: string }[] {
    return Object.entries(secrets)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([key, secret]) => {
        checkEnvName(this, "secrets", key);
        if (environment.some(([n]) => n === key)) {
          invalid(
            this,
            `secrets.${key}`,
            key,
            "is also set in environment",
            "set each variable in one of environment and secrets",
          );
        }
        const valueFrom = checkArn(this, `secrets.${key}`, secret.secretArn, "secretsmanager");
        const kmsKeyArn =
          secret.kmsKeyArn === undefined
            ? undefined
            : checkArn(this, `secrets.${key}.kmsKeyArn`, secret.kmsKeyArn, "kms");
        return { name: key, valueFrom, kmsKeyArn };
      });
  }
}

function checkEnvName(scope: Construct, property: string, key: string): void {
  if (!ENV_NAME.test(key) || key.startsWith("ECS_") || key.startsWith("AWS_")) {
    invalid(
      scope,
      `${property} key`,
      key,
      "is not an environment variable name the task may set",
      "use letters, digits and underscores, not starting with a digit, AWS_ or ECS_",
    );
  }
}

/** Checks that a value is one of `allowed`. */
export function oneOf<T extends string>(
  scope: Construct,
  property: string,
  value: unknown,
  allowed: readonly T[],
): T {
  if (!(allowed as readonly unknown[]).includes(value)) {
    invalid(scope, property, value, "is not an allowed value", `use one of ${allowed.join(", ")}`);
  }
  return value as T;
}
