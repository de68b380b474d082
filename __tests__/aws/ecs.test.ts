import { Construct } from "constructs";
import { blocking, evaluate } from "../../policy/engine";
import { parseStack } from "../../policy/load";
import type { Json } from "../../policy/types";
import { optOutsOf } from "../../constructs/core/opt-out";
import { EcrRepository } from "../../constructs/aws/ecr";
import { EcsFargateService, type EcsFargateServiceProps } from "../../constructs/aws/ecs";
import type { IVpc } from "../../constructs/aws/interfaces";
import type { PlatformStack } from "../../constructs/core/stack";
import {
  findResource,
  resourcesOf,
  synthJson,
  synthWithComments,
  testStack,
} from "../helpers/synth";

const REASON = "the vendor agent writes its cache under /var/lib, ticket OPS-42";
const SECRET = "arn:aws:secretsmanager:ap-northeast-2:111122223333:secret:prod/db-AbCdEf";
const DIGEST = `sha256:${"a1".repeat(32)}`;

/** An existing VPC, described by its attributes. */
class TestVpc extends Construct implements IVpc {
  readonly vpcId = "vpc-0123456789abcdef0";
  readonly cidr = "10.20.0.0/16";
  readonly availabilityZones = ["ap-northeast-2a", "ap-northeast-2c"];
  readonly publicSubnetIds = ["subnet-pub-a", "subnet-pub-c"];
  readonly privateSubnetIds: readonly string[] = ["subnet-priv-a", "subnet-priv-c"];
  readonly isolatedSubnetIds = ["subnet-iso-a", "subnet-iso-c"];
}

function awsStack() {
  return testStack({
    backend: {
      kind: "s3",
      bucket: "test-state",
      key: "test/dev.tfstate",
      region: "ap-northeast-2",
    },
  });
}

function setup(props: Partial<EcsFargateServiceProps> = {}, stack: PlatformStack = awsStack()) {
  const vpc = new TestVpc(stack, "vpc");
  const repository = new EcrRepository(stack, "repo", { name: "api" });
  const service = new EcsFargateService(stack, "api", {
    name: "api",
    vpc,
    image: { repository, tag: "1.4.2" },
    ...props,
  });
  return { stack, vpc, repository, service };
}

function container(json: ReturnType<typeof synthJson>) {
  const task = findResource(json, "aws_ecs_task_definition");
  return (JSON.parse(task.container_definitions as string) as Record<string, unknown>[])[0];
}

function policyStatements(json: ReturnType<typeof synthJson>, role: string) {
  const docs = (json.data as Record<string, Record<string, { statement?: unknown[] }>>)
    .aws_iam_policy_document;
  const doc = Object.entries(docs).find(
    ([k]) => k.includes(role) && k.includes("policy-document"),
  )?.[1];
  return (doc?.statement ?? []) as { sid: string; actions: string[]; resources: string[] }[];
}

describe("EcsFargateService", () => {
  it("names the cluster it creates as given by clusterName", () => {
    const { stack } = setup({ clusterName: "production-cluster" });
    const json = synthJson(stack);
    expect(findResource(json, "aws_ecs_cluster")).toMatchObject({
      name: "production-cluster",
      setting: [{ name: "containerInsights", value: "enabled" }],
    });
    expect(findResource(json, "aws_ecs_service")).toMatchObject({ name: "test-dev-api" });
  });

  it("runs private, pinned, logged and rolled back on failure by default", () => {
    const { stack } = setup();
    const json = synthJson(stack);
    expect(findResource(json, "aws_ecs_cluster")).toMatchObject({
      name: "test-dev-api",
      setting: [{ name: "containerInsights", value: "enabled" }],
    });
    expect(findResource(json, "aws_ecs_service")).toMatchObject({
      name: "test-dev-api",
      launch_type: "FARGATE",
      desired_count: 2,
      enable_execute_command: false,
      network_configuration: {
        subnets: ["subnet-priv-a", "subnet-priv-c"],
        assign_public_ip: false,
      },
      deployment_circuit_breaker: { enable: true, rollback: true },
    });
    expect(findResource(json, "aws_ecs_task_definition")).toMatchObject({
      family: "test-dev-api",
      requires_compatibilities: ["FARGATE"],
      network_mode: "awsvpc",
      cpu: "256",
      memory: "512",
    });
    expect(container(json)).toMatchObject({
      image: "${aws_ecr_repository.repo_repository_32FEE1A4.repository_url}:1.4.2",
      readonlyRootFilesystem: true,
      environment: [],
      secrets: [],
      logConfiguration: {
        logDriver: "awslogs",
        options: { "awslogs-stream-prefix": "app" },
      },
    });
    expect(findResource(json, "aws_cloudwatch_log_group")).toMatchObject({
      name: "/ecs/test-dev-api",
      retention_in_days: 90,
    });
    expect(findResource(json, "aws_security_group")).toMatchObject({
      vpc_id: "vpc-0123456789abcdef0",
    });
    expect(findResource(json, "aws_security_group").ingress).toBeUndefined();
    expect(resourcesOf(json, "aws_vpc_security_group_ingress_rule")).toEqual([]);
    expect(resourcesOf(json, "aws_vpc_security_group_egress_rule").map((r) => r.config)).toEqual([
      expect.objectContaining({
        ip_protocol: "tcp",
        from_port: 443,
        to_port: 443,
        cidr_ipv4: "0.0.0.0/0",
      }),
    ]);
  });

  it("scopes the execution role to the repository, the log group and the secrets", () => {
    const { stack, service } = setup({
      secrets: {
        DATABASE_URL: {
          secretArn: SECRET,
          kmsKeyArn: "arn:aws:kms:ap-northeast-2:111122223333:key/k1",
        },
      },
      environment: { LOG_LEVEL: "info" },
    });
    const json = synthJson(stack);
    expect(container(json)).toMatchObject({
      environment: [{ name: "LOG_LEVEL", value: "info" }],
      secrets: [{ name: "DATABASE_URL", valueFrom: SECRET }],
    });
    const statements = policyStatements(json, "execution-role");
    expect(statements.map((s) => [s.sid, s.actions, s.resources])).toEqual([
      [
        "EcrPullTestDevApi",
        ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
        ["${aws_ecr_repository.repo_repository_32FEE1A4.arn}"],
      ],
      ["EcrAuthPullTestDevApi", ["ecr:GetAuthorizationToken"], ["*"]],
      [
        "LogsTestDevApi",
        ["logs:CreateLogStream", "logs:PutLogEvents"],
        ["${aws_cloudwatch_log_group.api_logs_F993657F.arn}:*"],
      ],
      ["SecretsTestDevApi", ["secretsmanager:GetSecretValue"], [SECRET]],
      ["SecretKeysTestDevApi", ["kms:Decrypt"], ["arn:aws:kms:ap-northeast-2:111122223333:key/k1"]],
    ]);
    // The task role holds nothing until granted.
    expect(policyStatements(json, "task-role")).toEqual([]);
    expect(service.taskRole.inlinePolicy).toBeUndefined();
  });

  it("takes a cluster, a digest, a size, a port with allowed groups and narrower egress", () => {
    const stack = awsStack();
    const { service } = setup(
      {
        cluster: { clusterArn: "arn:aws:ecs:ap-northeast-2:111122223333:cluster/shared" },
        image: {
          repository: new EcrRepository(stack, "other", { name: "worker" }),
          digest: DIGEST,
        },
        cpu: 1024,
        memory: 4096,
        cpuArchitecture: "ARM64",
        containerPort: 8080,
        allowFrom: [{ securityGroupId: "sg-0alb", node: new Construct(stack, "alb").node }],
        httpsEgressCidrs: ["10.20.0.0/16"],
        desiredCount: 3,
        logRetentionDays: 30,
        command: ["serve", "--port", "8080"],
      },
      stack,
    );
    const json = synthJson(stack);
    expect(resourcesOf(json, "aws_ecs_cluster")).toEqual([]);
    expect(findResource(json, "aws_ecs_service")).toMatchObject({
      cluster: "arn:aws:ecs:ap-northeast-2:111122223333:cluster/shared",
      desired_count: 3,
    });
    expect(findResource(json, "aws_ecs_task_definition")).toMatchObject({
      cpu: "1024",
      memory: "4096",
      runtime_platform: { cpu_architecture: "ARM64", operating_system_family: "LINUX" },
    });
    expect(service.image).toContain(`@${DIGEST}`);
    expect(container(json)).toMatchObject({
      portMappings: [{ containerPort: 8080, protocol: "tcp" }],
      command: ["serve", "--port", "8080"],
    });
    expect(findResource(json, "aws_vpc_security_group_ingress_rule")).toMatchObject({
      from_port: 8080,
      to_port: 8080,
      referenced_security_group_id: "sg-0alb",
    });
    expect(findResource(json, "aws_vpc_security_group_egress_rule")).toMatchObject({
      cidr_ipv4: "10.20.0.0/16",
    });
    expect(findResource(json, "aws_cloudwatch_log_group").retention_in_days).toBe(30);
  });

  it.each([
    [{ image: { tag: "latest" } }, /image\.tag = "latest" does not pin an image/],
    [{ image: { tag: "LATEST" } }, /image\.tag = "LATEST" does not pin an image/],
    [{ image: {} }, /image = \{\} must pin the image by exactly one of tag and digest/],
    [{ image: { tag: "1", digest: DIGEST } }, /must pin the image by exactly one/],
    [{ image: { digest: "sha256:abc" } }, /image\.digest = "sha256:abc" is not an image digest/],
    [{ image: { tag: "v 1" } }, /image\.tag = "v 1" is not an image tag/],
    [{ cpu: 300 }, /cpu = 300 is not a Fargate CPU value/],
    [{ cpu: 256, memory: 4096 }, /memory = 4096 is not a memory size Fargate allows with cpu 256/],
    [
      { cpu: 1024, memory: 1024 },
      /memory = 1024 is not a memory size Fargate allows with cpu 1024/,
    ],
    [
      { cpu: 8192, memory: 18432 },
      /memory = 18432 is not a memory size[\s\S]*16384-61440 MiB in steps of 4096/,
    ],
    [{ desiredCount: -1 }, /desiredCount = -1 is not a whole number from 0 to 1000/],
    [{ logRetentionDays: 10 }, /logRetentionDays = 10 is not a CloudWatch Logs retention/],
    [{ containerPort: 70000 }, /containerPort = 70000 is not a whole number/],
    [{ cpuArchitecture: "MIPS" }, /cpuArchitecture = "MIPS" is not an allowed value/],
    [
      { httpsEgressCidrs: ["10.0.0.1/8"] },
      /httpsEgressCidrs\[0\] = "10.0.0.1\/8" has host bits set/,
    ],
    [{ environment: { "1X": "a" } }, /environment key = "1X" is not an environment variable name/],
    [{ environment: { AWS_REGION: "x" } }, /environment key = "AWS_REGION"/],
    [
      { environment: { API_TOKEN: "Zr8pQ2xLk9Vb7Nw3Tc5Yh1Jd6Fs4Gm0A" } },
      /environment\.API_TOKEN = "\(not shown\)" looks like a random-looking value/,
    ],
    [
      { environment: { NOTE: "AKIAIOSFODNN7EXAMPLE" } },
      /environment\.NOTE = "\(not shown\)" looks like an AWS access key ID/,
    ],
    [
      { command: ["--key", "AKIAIOSFODNN7EXAMPLE"] },
      /command\[1\] = "\(not shown\)" looks like a secret/,
    ],
    [
      { secrets: { DB: { secretArn: "arn:aws:ssm:ap-northeast-2:111122223333:parameter/db" } } },
      /secrets\.DB = .* is not an ARN of secretsmanager/,
    ],
    [
      { environment: { DB: "x" }, secrets: { DB: { secretArn: SECRET } } },
      /secrets\.DB = "DB" is also set in environment/,
    ],
    [
      { allowWritableRootFilesystem: { reason: "tmp" } },
      /allowWritableRootFilesystem\.reason = "tmp" is too short/,
    ],
    [{ cluster: { clusterArn: "shared" } }, /cluster = "shared" is not an ARN/],
    [
      { clusterName: "prod cluster" },
      /clusterName = "prod cluster" is not a valid ECS cluster name/,
    ],
    [
      {
        cluster: { clusterArn: "arn:aws:ecs:ap-northeast-2:111122223333:cluster/shared" },
        clusterName: "production-cluster",
      },
      /clusterName = "production-cluster" names a cluster to create, but cluster passes an existing one/,
    ],
    [{ desiredCont: 2 }, /desiredCont/],
  ])("rejects %j", (override, message) => {
    const stack = awsStack();
    const repository = new EcrRepository(stack, "repo", { name: "api" });
    const o = override as Record<string, unknown>;
    const image = o.image ? { repository, ...(o.image as object) } : { repository, tag: "1.4.2" };
    expect(
      () =>
        new EcsFargateService(stack, "api", {
          name: "api",
          vpc: new TestVpc(stack, "vpc"),
          ...(override as object),
          image,
        } as EcsFargateServiceProps),
    ).toThrow(message);
  });

  it("refuses allowFrom without a port and a VPC without private subnets", () => {
    expect(() => setup({ allowFrom: [{ securityGroupId: "sg-1" } as never] })).toThrow(
      /allowFrom = \["sg-1"\] needs containerPort/,
    );
    const stack = awsStack();
    const vpc = new TestVpc(stack, "vpc");
    Object.defineProperty(vpc, "privateSubnetIds", { value: [] });
    expect(
      () =>
        new EcsFargateService(stack, "api", {
          name: "api",
          vpc,
          image: { repository: new EcrRepository(stack, "r", { name: "api" }), tag: "1" },
        }),
    ).toThrow(/vpc = "test-dev\/vpc" has no private subnets/);
  });

  it("records the writable root filesystem opt-out", () => {
    const { stack, service } = setup({ allowWritableRootFilesystem: { reason: REASON } });
    expect(container(synthJson(stack)).readonlyRootFilesystem).toBe(false);
    expect(optOutsOf(service.taskDefinition)).toEqual([
      { id: "writable-root-filesystem", reason: REASON },
    ]);
  });

  it("lets other resources grant to the task role", () => {
    const { stack, service, repository } = setup();
    repository.grantPull(service.taskRole);
    const json = synthJson(stack);
    expect(policyStatements(json, "task-role").map((s) => s.sid)).toEqual([
      "EcrPullTestDevApi",
      "EcrAuthPullTestDevApi",
    ]);
  });

  it("passes the policy pack with no unsuppressed finding", () => {
    const { stack } = setup({
      secrets: { DATABASE_URL: { secretArn: SECRET } },
      environment: { LOG_LEVEL: "info" },
    });
    const json = JSON.parse(JSON.stringify(synthWithComments(stack))) as Json;
    const findings = evaluate([parseStack("test", json)]);
    expect(findings.filter((f) => f.suppressed === undefined && f.severity !== "info")).toEqual([]);
    expect(blocking(findings)).toEqual([]);
  });
});
