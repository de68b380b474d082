import { Construct } from "constructs";
import { TerraformOutput } from "cdktf";
import { blocking, evaluate } from "../../policy/engine";
import { parseStack } from "../../policy/load";
import type { Json } from "../../policy/types";
import { optOutsOf } from "../../constructs/core/opt-out";
import { EcrRepository } from "../../constructs/aws/ecr";
import {
  EKS_LOG_TYPES,
  EksCluster,
  type EksClusterProps,
  type EksNodeGroupOptions,
} from "../../constructs/aws/eks";
import type { IVpc } from "../../constructs/aws/interfaces";
import type { PlatformStack } from "../../constructs/core/stack";
import {
  findResource,
  resourcesOf,
  synthJson,
  synthWithComments,
  testStack,
} from "../helpers/synth";

const REASON = "CI runners outside the VPC deploy to the cluster, ticket PLAT-9";
const ADMIN = "arn:aws:iam::111122223333:role/platform-admins";
const KEY = "arn:aws:kms:ap-northeast-2:111122223333:key/k1";

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

function setup(props: Partial<EksClusterProps> = {}, stack: PlatformStack = awsStack()) {
  const cluster = new EksCluster(stack, "eks", { vpc: new TestVpc(stack, "vpc"), ...props });
  return { stack, cluster };
}

const GROUP: EksNodeGroupOptions = {
  name: "general",
  instanceTypes: ["m7i.large"],
  minSize: 2,
  maxSize: 6,
};

describe("EksCluster", () => {
  it("is private, encrypted, logged, API-authenticated and protected by default", () => {
    const { stack } = setup({ admins: [{ roleArn: ADMIN }] });
    const json = synthJson(stack);
    const cluster = findResource(json, "aws_eks_cluster");
    expect(cluster).toMatchObject({
      name: "test-dev-eks",
      version: "1.33",
      vpc_config: {
        subnet_ids: ["subnet-priv-a", "subnet-priv-c"],
        endpoint_private_access: true,
        endpoint_public_access: false,
      },
      encryption_config: {
        resources: ["secrets"],
        provider: { key_arn: "${aws_kms_key.eks_secrets-key_5FDBA834.arn}" },
      },
      enabled_cluster_log_types: [...EKS_LOG_TYPES],
      access_config: {
        authentication_mode: "API",
        bootstrap_cluster_creator_admin_permissions: false,
      },
      deletion_protection: true,
      lifecycle: { prevent_destroy: true },
    });
    expect((cluster.vpc_config as Record<string, unknown>).public_access_cidrs).toBeUndefined();
    expect(cluster.depends_on).toEqual(
      expect.arrayContaining(["aws_cloudwatch_log_group.eks_logs_54E521A3"]),
    );
    expect(findResource(json, "aws_kms_key")).toMatchObject({
      enable_key_rotation: true,
      lifecycle: { prevent_destroy: true },
    });
    expect(findResource(json, "aws_cloudwatch_log_group")).toMatchObject({
      name: "/aws/eks/test-dev-eks/cluster",
      retention_in_days: 90,
    });
    expect(findResource(json, "aws_eks_access_entry")).toMatchObject({
      principal_arn: ADMIN,
      type: "STANDARD",
    });
    expect(findResource(json, "aws_eks_access_policy_association")).toMatchObject({
      policy_arn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
      access_scope: { type: "cluster" },
    });
    const oidc = findResource(json, "aws_iam_openid_connect_provider");
    expect(oidc).toMatchObject({
      client_id_list: ["sts.amazonaws.com"],
      url: "${aws_eks_cluster.eks_cluster_55B0C966.identity[0].oidc[0].issuer}",
    });
    expect(oidc.thumbprint_list).toBeUndefined();
    // Only AmazonEKSClusterPolicy on the cluster role, no inline policy, no aws-auth ConfigMap.
    expect(
      resourcesOf(json, "aws_iam_role_policy_attachment").map((r) => r.config.policy_arn),
    ).toEqual(["arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"]);
    expect(resourcesOf(json, "aws_iam_role_policy")).toEqual([]);
    expect(resourcesOf(json, "kubernetes_config_map")).toEqual([]);
  });

  it("takes a key, a retention, a version and a public endpoint from admin ranges", () => {
    const stack = awsStack();
    const { cluster } = setup(
      {
        name: "apps",
        version: "1.31",
        secretsKey: { keyArn: KEY, node: new Construct(stack, "key").node },
        logRetentionDays: 365,
        publicEndpoint: {
          cidrs: ["203.0.113.0/24", "198.51.100.7/32"],
          optOut: { reason: REASON },
        },
      },
      stack,
    );
    const json = synthJson(stack);
    expect(resourcesOf(json, "aws_kms_key")).toEqual([]);
    expect(findResource(json, "aws_eks_cluster")).toMatchObject({
      name: "test-dev-apps",
      version: "1.31",
      vpc_config: {
        endpoint_private_access: true,
        endpoint_public_access: true,
        public_access_cidrs: ["203.0.113.0/24", "198.51.100.7/32"],
      },
      encryption_config: { provider: { key_arn: KEY } },
    });
    expect(findResource(json, "aws_cloudwatch_log_group").retention_in_days).toBe(365);
    expect(optOutsOf(cluster.cluster)).toEqual([{ id: "eks-public-endpoint", reason: REASON }]);
  });

  it("runs a version past standard support only with the opt-out", () => {
    expect(() => setup({ version: "1.28" })).toThrow(
      /version = "1.28" is past the end of EKS standard support/,
    );
    const { stack, cluster } = setup({ version: "1.28", allowExtendedSupport: { reason: REASON } });
    expect(findResource(synthJson(stack), "aws_eks_cluster")).toMatchObject({
      version: "1.28",
      upgrade_policy: { support_type: "EXTENDED" },
    });
    expect(optOutsOf(cluster.cluster)).toEqual([{ id: "eks-extended-support", reason: REASON }]);
    expect(() => setup({ version: "1.33", allowExtendedSupport: { reason: REASON } })).toThrow(
      /allowExtendedSupport = .* is not needed: 1.33 has standard support/,
    );
  });

  it("adds managed node groups with IMDSv2, encrypted volumes, private subnets and a narrow role", () => {
    const { stack, cluster } = setup();
    cluster.addNodeGroup(GROUP);
    cluster.addNodeGroup({
      name: "spot",
      capacityType: "SPOT",
      instanceTypes: ["m7i.large", "m6i.large"],
      minSize: 0,
      maxSize: 10,
      desiredSize: 2,
      diskSize: 100,
      metadataHopLimit: 2,
      volumeKey: { keyArn: KEY, node: new Construct(stack, "vk").node },
      labels: { pool: "spot" },
    });
    const json = synthJson(stack);
    const general = findResource(json, "aws_eks_node_group", {
      nodeGroupName: "test-dev-eks-general",
    });
    expect(general).toMatchObject({
      subnet_ids: ["subnet-priv-a", "subnet-priv-c"],
      capacity_type: "ON_DEMAND",
      instance_types: ["m7i.large"],
      ami_type: "AL2023_x86_64_STANDARD",
      scaling_config: { min_size: 2, max_size: 6, desired_size: 2 },
      lifecycle: { ignore_changes: ["scaling_config[0].desired_size"] },
    });
    expect(general.disk_size).toBeUndefined();
    const templates = resourcesOf(json, "aws_launch_template").map((r) => r.config);
    expect(templates[0]).toMatchObject({
      metadata_options: {
        http_endpoint: "enabled",
        http_tokens: "required",
        http_put_response_hop_limit: 1,
      },
      block_device_mappings: [
        {
          device_name: "/dev/xvda",
          ebs: { encrypted: "true", volume_size: 50, volume_type: "gp3" },
        },
      ],
    });
    expect(templates[1]).toMatchObject({
      metadata_options: { http_tokens: "required", http_put_response_hop_limit: 2 },
      block_device_mappings: [{ ebs: { encrypted: "true", volume_size: 100, kms_key_id: KEY } }],
    });
    expect(findResource(json, "aws_eks_node_group", { capacityType: "SPOT" })).toMatchObject({
      labels: { pool: "spot" },
      scaling_config: { min_size: 0, max_size: 10, desired_size: 2 },
    });
    expect(
      resourcesOf(json, "aws_iam_role_policy_attachment")
        .map((r) => r.config.policy_arn)
        .sort(),
    ).toEqual([
      "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
      "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy",
      "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
      "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
    ]);
    expect(cluster.nodeGroups).toHaveLength(2);
  });

  it("warns about a SPOT group with one instance type", () => {
    const { cluster } = setup();
    cluster.addNodeGroup({ ...GROUP, name: "spot", capacityType: "SPOT" });
    const warnings = cluster.node.metadata.filter((m) => m.type === "@cdktf/warn");
    expect(warnings.map((w) => w.data)).toEqual([
      expect.stringMatching(/a SPOT group with one instance type stops scaling/),
    ]);
  });

  it.each([
    [
      { minSize: 3, maxSize: 2 },
      /addNodeGroup = .* does not satisfy minSize ≤ desiredSize ≤ maxSize/,
    ],
    [{ desiredSize: 9 }, /does not satisfy minSize ≤ desiredSize ≤ maxSize/],
    [{ minSize: -1 }, /addNodeGroup\.minSize = -1 is not a whole number/],
    [{ maxSize: 0 }, /addNodeGroup\.maxSize = 0 is not a whole number from 1/],
    [{ instanceTypes: [] }, /addNodeGroup\.instanceTypes = \[\] is empty/],
    [
      { instanceTypes: ["large"] },
      /addNodeGroup\.instanceTypes\[0\] = "large" is not an instance type/,
    ],
    [{ instanceTypes: ["m7i.large", "m7i.large"] }, /lists a type twice/],
    [
      { capacityType: "RESERVED" },
      /addNodeGroup\.capacityType = "RESERVED" is not an allowed value/,
    ],
    [{ diskSize: 10 }, /addNodeGroup\.diskSize = 10 is not a whole number from 20/],
    [{ amiType: "AL2_x86_64" }, /addNodeGroup\.amiType = "AL2_x86_64" is not an allowed value/],
    [{ metadataHopLimit: 3 }, /metadataHopLimit/],
    [
      { name: "Bad Name" },
      /addNodeGroup\.name = "test-dev-eks-Bad Name" is not a valid EKS node group name/,
    ],
    [{ sshKey: "k" }, /sshKey/],
  ])("addNodeGroup rejects %j", (override, message) => {
    const { cluster } = setup();
    expect(() =>
      cluster.addNodeGroup({ ...GROUP, ...(override as object) } as EksNodeGroupOptions),
    ).toThrow(message);
  });

  it("refuses two node groups with one name", () => {
    const { cluster } = setup();
    cluster.addNodeGroup(GROUP);
    expect(() => cluster.addNodeGroup(GROUP)).toThrow(/is already used/);
  });

  it.each([
    [{ version: "1.99" }, /version = "1.99" is not a Kubernetes version EKS supports/],
    [{ version: 1.3 }, /version/],
    [{ logRetentionDays: 45 }, /logRetentionDays = 45 is not a CloudWatch Logs retention/],
    [
      { publicEndpoint: { cidrs: ["0.0.0.0/0"], optOut: { reason: REASON } } },
      /publicEndpoint\.cidrs = \["0.0.0.0\/0"\] together cover the whole internet/,
    ],
    [
      { publicEndpoint: { cidrs: ["0.0.0.0/1", "128.0.0.0/1"], optOut: { reason: REASON } } },
      /together cover the whole internet/,
    ],
    [
      { publicEndpoint: { cidrs: [], optOut: { reason: REASON } } },
      /publicEndpoint\.cidrs = \[\] is empty, which EKS reads as 0.0.0.0\/0/,
    ],
    [
      { publicEndpoint: { cidrs: ["203.0.113.0/24"] } },
      /publicEndpoint\.optOut = undefined is missing: a public API endpoint needs a reason/,
    ],
    [
      { publicEndpoint: { cidrs: ["203.0.113.0/24"], optOut: { reason: "ci" } } },
      /publicEndpoint\.optOut\.reason = "ci" is too short/,
    ],
    [
      { publicEndpoint: { cidrs: ["203.0.113.1/24"], optOut: { reason: REASON } } },
      /publicEndpoint\.cidrs\[0\] = "203.0.113.1\/24" has host bits set/,
    ],
    [{ admins: [{ roleArn: "platform-admins" }] }, /admins\[0\] = "platform-admins" is not an ARN/],
    [
      { admins: [{ roleArn: "arn:aws:iam::111122223333:user/alice" }] },
      /admins\[0\] = .* is not an IAM role ARN/,
    ],
    [{ admins: [{ roleArn: ADMIN }, { roleArn: ADMIN }] }, /admins = .* lists a role twice/],
    [
      { secretsKey: { keyArn: "arn:aws:iam::111122223333:role/x" } },
      /secretsKey = .* is not an ARN of kms/,
    ],
    [{ name: "bad name" }, /name = "test-dev-bad name" is not a valid EKS cluster name/],
    [{ deletionProtection: false }, /deletionProtection = false is not a prop of EksCluster/],
    [{ allowDeletion: { reason: "dev" } }, /allowDeletion\.reason = "dev" is too short/],
  ])("rejects %j", (override, message) => {
    expect(() => setup(override as Partial<EksClusterProps>)).toThrow(message);
  });

  it("refuses a VPC with fewer than two private subnets", () => {
    const stack = awsStack();
    const vpc = new TestVpc(stack, "vpc");
    Object.defineProperty(vpc, "privateSubnetIds", { value: ["subnet-a"] });
    expect(() => new EksCluster(stack, "eks", { vpc })).toThrow(
      /vpc = "test-dev\/vpc" has 1 private subnet\(s\); EKS needs subnets in at least two/,
    );
  });

  it("allowDeletion turns off deletion protection on the cluster and its key", () => {
    const { stack, cluster } = setup({ allowDeletion: { reason: REASON } });
    const json = synthJson(stack);
    const c = findResource(json, "aws_eks_cluster");
    expect(c.deletion_protection).toBe(false);
    expect(c.lifecycle).toBeUndefined();
    expect(findResource(json, "aws_kms_key").lifecycle).toBeUndefined();
    expect(optOutsOf(cluster.cluster)).toEqual([{ id: "deletion-allowed", reason: REASON }]);
  });

  it("creates IRSA roles pinned to one service account, which take grants", () => {
    const { stack, cluster } = setup();
    const role = cluster.serviceAccountRole("trading", "bot");
    expect(cluster.serviceAccountRole("trading", "bot")).toBe(role);
    new EcrRepository(stack, "repo", { name: "bot" }).grantPull(role);
    const json = synthJson(stack);
    const docs = (json.data as Record<string, Record<string, Record<string, unknown>>>)
      .aws_iam_policy_document;
    const trust = Object.entries(docs).find(
      ([k]) => k.includes("irsa") && k.includes("assume-role"),
    )?.[1];
    const issuer =
      '${replace(aws_eks_cluster.eks_cluster_55B0C966.identity[0].oidc[0].issuer, "https://", "")}';
    expect(trust?.statement).toEqual([
      expect.objectContaining({
        actions: ["sts:AssumeRoleWithWebIdentity"],
        principals: [
          {
            type: "Federated",
            identifiers: ["${aws_iam_openid_connect_provider.eks_oidc_6E1343DF.arn}"],
          },
        ],
        condition: expect.arrayContaining([
          {
            test: "StringEquals",
            variable: `${issuer}:sub`,
            values: ["system:serviceaccount:trading:bot"],
          },
          { test: "StringEquals", variable: `${issuer}:aud`, values: ["sts.amazonaws.com"] },
        ]),
      }),
    ]);
    // The trust IamRole checked is the one written: no placeholder key, no second statement.
    expect(JSON.stringify(trust)).not.toContain("oidc-issuer");
    expect(JSON.stringify(trust)).not.toContain("$${");
    expect(findResource(json, "aws_iam_role", { name: "test-dev-eks-trading-bot" })).toBeDefined();
    expect(resourcesOf(json, "aws_iam_role_policy")).toHaveLength(1);
  });

  it.each([
    [
      ["Trading", "bot"],
      /serviceAccountRole\(namespace\) = "Trading" is not a Kubernetes namespace/,
    ],
    [
      ["trading", "bot_1"],
      /serviceAccountRole\(name\) = "bot_1" is not a Kubernetes service account/,
    ],
    [
      ["a-very-long-namespace-name-for-sure", "and-a-long-service-account-name"],
      /serviceAccountRole\(namespace, name\) = .* makes the role name .* IAM allows 64/,
    ],
  ])("serviceAccountRole rejects %j", ([ns, name], message) => {
    const { cluster } = setup();
    expect(() => cluster.serviceAccountRole(ns, name)).toThrow(message);
  });

  it("refuses a second service account whose role would have the first one's name", () => {
    const { cluster } = setup();
    const first = cluster.serviceAccountRole("a-b", "c");
    expect(cluster.serviceAccountRole("a-b", "c")).toBe(first);
    expect(() => cluster.serviceAccountRole("a", "b-c")).toThrow(
      /serviceAccountRole\(namespace, name\) = "a\/b-c" makes the role name test-dev-eks-a-b-c, which a-b\/c has already/,
    );
  });

  it("configures a Kubernetes provider with exec auth, not a token", () => {
    const { stack, cluster } = setup();
    const config = cluster.kubernetesProviderConfig();
    expect(config).toMatchObject({
      exec: [
        {
          apiVersion: "client.authentication.k8s.io/v1beta1",
          command: "aws",
          args: expect.arrayContaining(["eks", "get-token", "--cluster-name"]),
        },
      ],
    });
    expect(config).not.toHaveProperty("token");
    new TerraformOutput(stack, "endpoint", { value: cluster.endpoint });
    new TerraformOutput(stack, "ca", { value: config.clusterCaCertificate });
    new TerraformOutput(stack, "name", { value: cluster.clusterName });
    const outputs = synthJson(stack).output ?? {};
    const c = "aws_eks_cluster.eks_cluster_55B0C966";
    expect(outputs.endpoint.value).toBe(`\${${c}.endpoint}`);
    expect(outputs.ca.value).toBe(`\${base64decode(${c}.certificate_authority[0].data)}`);
    expect(outputs.name.value).toBe(`\${${c}.name}`);
  });

  it("passes the policy pack with no unsuppressed finding", () => {
    const { stack, cluster } = setup({ admins: [{ roleArn: ADMIN }] });
    cluster.addNodeGroup(GROUP);
    cluster.serviceAccountRole("trading", "bot");
    const json = JSON.parse(JSON.stringify(synthWithComments(stack))) as Json;
    const findings = evaluate([parseStack("test", json)]);
    expect(findings.filter((f) => f.suppressed === undefined && f.severity !== "info")).toEqual([]);
    expect(blocking(findings)).toEqual([]);
  });

  it("passes the policy pack with a public endpoint from admin ranges", () => {
    const { stack } = setup({
      publicEndpoint: { cidrs: ["203.0.113.0/24"], optOut: { reason: REASON } },
    });
    const json = JSON.parse(JSON.stringify(synthWithComments(stack))) as Json;
    expect(blocking(evaluate([parseStack("test", json)]))).toEqual([]);
  });
});
