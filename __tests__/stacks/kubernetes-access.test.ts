import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { eksServiceAccountRole } from "../../constructs/aws/eks";
import { parseConfig } from "../../constructs/core/config";
import { ValidationError } from "../../constructs/core/errors";
import {
  clusterReferenceSchema,
  configureKubernetesAccess,
  type ClusterReference,
} from "../../stacks/kubernetes-access";
import { findResource, resourcesOf, synthJson, testStack, type SynthJson } from "../helpers/synth";

type Blocks = Record<string, Record<string, unknown>[]>;
type Data = Record<string, Record<string, Record<string, unknown>>>;

function synthOf(reference: unknown): SynthJson & { provider: Blocks; data: Data } {
  const stack = testStack({
    backend: { kind: "s3", bucket: "test-state", key: "test/dev", region: "us-east-1" },
  });
  configureKubernetesAccess(stack, reference as ClusterReference);
  return synthJson(stack) as SynthJson & { provider: Blocks; data: Data };
}

function only(data: Data, type: string): Record<string, unknown> {
  const blocks = Object.values(data[type] ?? {});
  expect(blocks).toHaveLength(1);
  return blocks[0];
}

describe("an EKS cluster", () => {
  const json = synthOf({ kind: "eks", region: "us-east-1", name: "production-cluster" });

  it("is read by name through an AWS provider of its region, aliased apart from the stack's", () => {
    expect(json.provider.aws).toEqual([{ alias: "eks", region: "us-east-1" }]);
    expect(only(json.data, "aws_eks_cluster")).toEqual({
      name: "production-cluster",
      provider: "aws.eks",
    });
  });

  it("configures the provider from the data source, with exec authentication and no kubeconfig or stored token", () => {
    const [k8s] = json.provider.kubernetes;
    const ref = Object.keys(json.data.aws_eks_cluster)[0];
    expect(k8s).toEqual({
      host: `\${data.aws_eks_cluster.${ref}.endpoint}`,
      cluster_ca_certificate: `\${base64decode(data.aws_eks_cluster.${ref}.certificate_authority[0].data)}`,
      exec: [
        {
          api_version: "client.authentication.k8s.io/v1beta1",
          command: "aws",
          args: [
            "eks",
            "get-token",
            "--cluster-name",
            "production-cluster",
            "--region",
            "us-east-1",
            "--output",
            "json",
          ],
        },
      ],
    });
  });
});

describe("a GKE cluster", () => {
  const json = synthOf({
    kind: "gke",
    project: "acme-trading-prod",
    location: "us-central1",
    name: "trading-gke",
  });

  it("is read through an aliased Google provider of its project, with the caller's token", () => {
    expect(json.provider.google).toEqual([{ alias: "gke", project: "acme-trading-prod" }]);
    expect(only(json.data, "google_container_cluster")).toEqual({
      project: "acme-trading-prod",
      location: "us-central1",
      name: "trading-gke",
      provider: "google.gke",
    });
    expect(only(json.data, "google_client_config")).toEqual({ provider: "google.gke" });
    const [k8s] = json.provider.kubernetes;
    expect(k8s.host).toMatch(/^https:\/\/\$\{data\.google_container_cluster\.[^.]+\.endpoint\}$/);
    expect(k8s.token).toMatch(/^\$\{data\.google_client_config\.[^.]+\.access_token\}$/);
    expect(k8s.config_path).toBeUndefined();
  });

  it("takes a zone for a zonal cluster", () => {
    const zonal = synthOf({
      kind: "gke",
      project: "acme-trading-prod",
      location: "europe-west1-b",
      name: "trading-gke",
    });
    expect(only(zonal.data, "google_container_cluster").location).toBe("europe-west1-b");
  });
});

describe("cluster references that are refused", () => {
  const eks = { kind: "eks", region: "us-east-1", name: "production-cluster" };
  const gke = { kind: "gke", project: "acme-trading-prod", location: "us-central1", name: "gke" };

  test.each<[string, Record<string, unknown>, RegExp]>([
    ["an unknown AWS region", { ...eks, region: "us-east-9" }, /region.*use an AWS region/s],
    ["an EKS name with spaces", { ...eks, name: "prod cluster" }, /name.*EKS cluster name/s],
    ["a Terraform expression as a name", { ...eks, name: "${var.c}" }, /name.*EKS cluster name/s],
    ["an unknown GCP region", { ...gke, location: "mars-1" }, /location.*Google Cloud region/s],
    ["a GKE name with uppercase", { ...gke, name: "Trading" }, /name.*GKE cluster name/s],
    ["a bad project ID", { ...gke, project: "Acme" }, /project.*GCP project ID/s],
    ["a kubeconfig path", { ...eks, kubeconfig: "~/.kube/config" }, /kubeconfig.*not a known/s],
    ["a token", { ...gke, token: "ya29.abc" }, /token.*not a known/s],
  ])("refuses %s", (_what, reference, message) => {
    expect(() =>
      parseConfig(clusterReferenceSchema, reference, "settings.json freqtrade.production.cluster"),
    ).toThrow(message);
    // The provider function refuses the same reference from a caller without settings.
    expect(() => synthOf(reference)).toThrow(ValidationError);
  });

  it("refuses a kind it does not know", () => {
    expect(() =>
      parseConfig(clusterReferenceSchema, { kind: "aks", name: "x" }, "settings"),
    ).toThrow(/kind/);
  });
});

describe("an IRSA role for a service account of an EKS cluster another stack made", () => {
  function build(namespace: unknown = "trading", name: unknown = "bot") {
    const stack = testStack({
      backend: { kind: "s3", bucket: "test-state", key: "test/dev", region: "us-east-1" },
    });
    new AwsProvider(stack, "aws", { region: "us-east-1" });
    const access = configureKubernetesAccess(stack, {
      kind: "eks",
      region: "ap-northeast-2",
      name: "production-cluster",
    });
    const role = eksServiceAccountRole(access.eks!, namespace as string, name as string);
    return { stack, access, role };
  }

  it("trusts only that service account, through the cluster's OIDC provider looked up by its issuer", () => {
    const { stack, access, role } = build();
    expect(eksServiceAccountRole(access.eks!, "trading", "bot")).toBe(role);
    const json = synthJson(stack) as SynthJson & { data: Data };
    const cluster = Object.keys(json.data.aws_eks_cluster)[0];
    const issuer = `data.aws_eks_cluster.${cluster}.identity[0].oidc[0].issuer`;
    expect(only(json.data, "aws_iam_openid_connect_provider")).toEqual({
      url: `\${${issuer}}`,
      provider: "aws.eks",
    });
    const oidc = Object.keys(json.data.aws_iam_openid_connect_provider)[0];
    const trust = Object.entries(json.data.aws_iam_policy_document).find(([k]) =>
      k.includes("assume-role"),
    )![1];
    const key = `\${replace(${issuer}, "https://", "")}`;
    expect(trust.statement).toEqual([
      {
        actions: ["sts:AssumeRoleWithWebIdentity"],
        effect: "Allow",
        principals: [
          {
            type: "Federated",
            identifiers: [`\${data.aws_iam_openid_connect_provider.${oidc}.arn}`],
          },
        ],
        condition: [
          {
            test: "StringEquals",
            variable: `${key}:sub`,
            values: ["system:serviceaccount:trading:bot"],
          },
          { test: "StringEquals", variable: `${key}:aud`, values: ["sts.amazonaws.com"] },
        ],
      },
    ]);
    expect(findResource(json, "aws_iam_role", { name: "production-cluster-trading-bot" })).toEqual(
      expect.objectContaining({
        description: "Kubernetes service account trading/bot of EKS cluster production-cluster",
      }),
    );
  });

  it("makes one OIDC lookup for several roles of one cluster", () => {
    const { stack, access } = build();
    eksServiceAccountRole(access.eks!, "trading", "worker");
    const json = synthJson(stack) as SynthJson & { data: Data };
    expect(Object.keys(json.data.aws_iam_openid_connect_provider)).toHaveLength(1);
    expect(resourcesOf(json, "aws_iam_role").map((r) => r.config.name)).toEqual([
      "production-cluster-trading-bot",
      "production-cluster-trading-worker",
    ]);
  });

  it.each([
    [
      ["Trading", "bot"],
      /eksServiceAccountRole\(namespace\) = "Trading" is not a Kubernetes namespace/,
    ],
    [
      ["trading", "bot_1"],
      /eksServiceAccountRole\(name\) = "bot_1" is not a Kubernetes service account/,
    ],
    [[42, "bot"], /eksServiceAccountRole\(namespace\) = 42 is not a Kubernetes namespace/],
    [
      ["a-very-long-namespace-name-for-sure", "and-a-long-service-account-name"],
      /eksServiceAccountRole\(namespace, name\) = .* makes the role name .* IAM allows 64/,
    ],
  ])("refuses %j with a ValidationError", ([namespace, name], message) => {
    expect(() => build(namespace, name)).toThrow(ValidationError);
    expect(() => build(namespace, name)).toThrow(message);
  });

  it("never hands one service account's role to another whose role name is the same", () => {
    const { access } = build("a-b", "c");
    expect(() => eksServiceAccountRole(access.eks!, "a", "b-c")).toThrow(ValidationError);
    expect(() => eksServiceAccountRole(access.eks!, "a", "b-c")).toThrow(
      /eksServiceAccountRole\(namespace, name\) = "a\/b-c" makes the role name production-cluster-a-b-c, which a-b\/c has already/,
    );
  });

  it("is not offered for a GKE cluster: there is no AWS identity to give", () => {
    const stack = testStack();
    const access = configureKubernetesAccess(stack, {
      kind: "gke",
      project: "example-project",
      location: "us-central1",
      name: "trading-bot-prod",
    });
    expect(access.eks).toBeUndefined();
    expect(access.provider).toBeDefined();
  });
});
