import { type ValidationError } from "../../constructs/core/errors";
import { exampleSettings, referenceStackNames } from "../../stacks";
import { SignalFactoryK8sStack } from "../../stacks/signal-factory-k8s";
import { SIGNAL_FACTORY_EXAMPLES } from "../../stacks/signal-factory.config";
import {
  findResource,
  resourcesOf,
  synthJson,
  synthWithComments,
  validationErrorsOf,
  openFindings,
  testApp,
} from "../helpers/synth";

const example = SIGNAL_FACTORY_EXAMPLES.prod as Record<string, unknown>;
const exampleK8s = example.kubernetes as Record<string, unknown>;

function build(k8s: Record<string, unknown> = {}): SignalFactoryK8sStack {
  return new SignalFactoryK8sStack(testApp(), {
    ...example,
    kubernetes: { ...exampleK8s, ...k8s },
  });
}

type Obj = Record<string, unknown>;
const stack = build();
const json = synthJson(stack);
const deployment = findResource(json, "kubernetes_deployment_v1");
const container = (deployment.spec as { template: { spec: { container: Obj[] } } }).template.spec
  .container[0];
const loadBalancer = {
  sourceRanges: ["10.50.0.0/16"],
  reason: "the signals VPC reaches the service over its peering, not through an ingress",
  internal: true,
};

describe("signal-factory-prod-k8s", () => {
  it("is a part of the environment, with its own state key in the AWS stack's bucket", () => {
    expect(stack.node.id).toBe("signal-factory-prod-k8s");
    expect(referenceStackNames()).toContain("signal-factory-prod-k8s");
    expect(json.terraform?.backend).toEqual({
      s3: {
        bucket: "example-signal-factory-tfstate",
        key: "signal-factory/prod/k8s/terraform.tfstate",
        region: "ap-northeast-2",
        encrypt: true,
        use_lockfile: true,
      },
    });
  });

  it("deploys to the EKS cluster the settings name, read by name in ap-northeast-2", () => {
    const data = json.data as Record<string, Record<string, Obj>>;
    expect(Object.values(data.aws_eks_cluster)).toEqual([
      { name: "platform-prod", provider: "aws.eks" },
    ]);
    const providers = json.provider as Record<string, Obj[]>;
    expect(providers.aws).toEqual([{ alias: "eks", region: "ap-northeast-2" }]);
    expect(providers.kubernetes[0]).toMatchObject({
      exec: [{ command: "aws", args: expect.arrayContaining(["--cluster-name", "platform-prod"]) }],
    });
    expect(providers.kubernetes[0].token).toBeUndefined();
  });

  it("creates the namespace production, restricted, with no LoadBalancer in its quota", () => {
    expect(findResource(json, "kubernetes_namespace_v1").metadata).toMatchObject({
      name: "production",
      labels: { "pod-security.kubernetes.io/enforce": "restricted" },
    });
    expect(findResource(json, "kubernetes_resource_quota_v1").spec).toEqual({
      hard: expect.objectContaining({ "services.loadbalancers": "0" }),
    });
  });
});

describe("trading-service", () => {
  it("runs the release's image from the stack's ECR repository on port 3000", () => {
    expect(container).toMatchObject({
      name: "trading-service",
      image: "111122223333.dkr.ecr.ap-northeast-2.amazonaws.com/signal-factory-app:3f9c2ab",
      port: [{ container_port: 3000, protocol: "TCP" }],
      resources: {
        requests: { cpu: "250m", memory: "256Mi" },
        limits: { cpu: "500m", memory: "512Mi" },
      },
    });
  });

  it("leaves the replica count to the autoscaler: it starts at its minimum, 2", () => {
    expect(deployment.spec).toMatchObject({ replicas: "2" });
    expect(deployment.lifecycle).toEqual({ ignore_changes: ["spec[0].replicas"] });
  });

  it("probes /health every 30 s (10 s timeout) and /ready every 5 s (5 s timeout)", () => {
    expect(container).toMatchObject({
      liveness_probe: {
        http_get: { path: "/health", port: "3000" },
        period_seconds: 30,
        timeout_seconds: 10,
      },
      readiness_probe: {
        http_get: { path: "/ready", port: "3000" },
        period_seconds: 5,
        timeout_seconds: 5,
      },
    });
  });

  it("reads DATABASE_URL from db-credentials/url by reference", () => {
    expect(container.env).toEqual([
      {
        name: "DATABASE_URL",
        value_from: { secret_key_ref: { name: "db-credentials", key: "url" } },
      },
    ]);
    expect(resourcesOf(json, "kubernetes_secret_v1")).toEqual([]);
  });

  it("has a ClusterIP Service 80 -> 3000 by default", () => {
    expect(findResource(json, "kubernetes_service_v1").spec).toEqual({
      type: "ClusterIP",
      selector: { "app.kubernetes.io/name": "trading-service" },
      port: [{ name: "http", port: 80, target_port: "3000", protocol: "TCP" }],
    });
  });

  it("scales 2-10 at 70% CPU / 80% memory, down by 50% per 15 s after 300 s, up by 100% or 4 pods per 15 s (Max)", () => {
    expect(findResource(json, "kubernetes_horizontal_pod_autoscaler_v2").spec).toMatchObject({
      min_replicas: 2,
      max_replicas: 10,
      metric: [
        { resource: { name: "cpu", target: { type: "Utilization", average_utilization: 70 } } },
        { resource: { name: "memory", target: { type: "Utilization", average_utilization: 80 } } },
      ],
      behavior: {
        scale_down: [
          {
            stabilization_window_seconds: 300,
            policy: [{ type: "Percent", value: 50, period_seconds: 15 }],
          },
        ],
        scale_up: [
          {
            stabilization_window_seconds: 0,
            select_policy: "Max",
            policy: [
              { type: "Percent", value: 100, period_seconds: 15 },
              { type: "Pods", value: 4, period_seconds: 15 },
            ],
          },
        ],
      },
    });
  });

  it("admits the caller namespaces on 3000 and reaches only DNS and PostgreSQL in the isolated subnets", () => {
    const spec = findResource(json, "kubernetes_network_policy_v1", {
      metadata: { name: "trading-service" },
    }).spec as { ingress: { from: Obj[]; ports: Obj[] }[]; egress: { to: Obj[]; ports: Obj[] }[] };
    expect(spec.ingress).toEqual([
      {
        from: [
          {
            namespace_selector: {
              match_labels: { "kubernetes.io/metadata.name": "signal-consumers" },
            },
          },
        ],
        ports: [{ port: "3000", protocol: "TCP" }],
      },
    ]);
    const postgres = spec.egress.filter((e) => e.ports.some((p) => p.port === "5432"));
    expect(postgres.flatMap((e) => e.to)).toEqual(
      ["10.40.20.0/24", "10.40.21.0/24", "10.40.22.0/24"].map((cidr) => ({ ip_block: { cidr } })),
    );
    expect(spec.egress.flatMap((e) => e.ports.map((p) => p.port)).sort()).toEqual(
      ["53", "53", "5432"].sort(),
    );
  });
});

describe("the LoadBalancer opt-out", () => {
  const lb = build({ loadBalancer });
  const lbJson = synthJson(lb);

  it("makes the Service an internal EKS load balancer of the listed ranges, recorded as an opt-out", () => {
    expect(findResource(lbJson, "kubernetes_service_v1")).toMatchObject({
      metadata: {
        annotations: { "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal" },
      },
      spec: { type: "LoadBalancer", load_balancer_source_ranges: ["10.50.0.0/16"] },
    });
    const service = Object.values(
      (synthWithComments(build({ loadBalancer })).resource as Record<string, Record<string, Obj>>)
        .kubernetes_service_v1,
    )[0];
    expect(JSON.stringify(service["//"])).toContain("load-balancer");
    expect(findResource(lbJson, "kubernetes_resource_quota_v1").spec).toEqual({
      hard: expect.objectContaining({ "services.loadbalancers": "1" }),
    });
  });

  it("refuses a short reason and ranges that cover the internet", () => {
    expect(() => build({ loadBalancer: { ...loadBalancer, reason: "because" } })).toThrow(
      /loadBalancer\.reason/,
    );
    expect(() => build({ loadBalancer: { ...loadBalancer, sourceRanges: ["0.0.0.0/0"] } })).toThrow(
      /together cover the whole internet/,
    );
  });
});

describe("signal-factory-prod-k8s policy review", () => {
  it.each([
    ["the example", {}],
    ["the LoadBalancer opt-out", { loadBalancer }],
  ])("has no unsuppressed policy finding with %s", (_, k8s) => {
    expect(openFindings(build(k8s))).toEqual([]);
  });
});

describe("signal-factory-prod-k8s settings", () => {
  const errorsOf = (settings: unknown): ValidationError[] =>
    validationErrorsOf(
      () => new SignalFactoryK8sStack(testApp(), settings, "settings.json signal-factory.prod"),
    );

  it("round-trips the example settings of the registry", () => {
    expect(exampleSettings("signal-factory")).toEqual({
      "signal-factory": SIGNAL_FACTORY_EXAMPLES,
    });
    const again = new SignalFactoryK8sStack(
      testApp(),
      JSON.parse(JSON.stringify(exampleSettings("signal-factory")["signal-factory"].prod)),
    );
    expect(synthJson(again)).toEqual(json);
  });

  it("refuses settings without a kubernetes section, saying what to add", () => {
    const without = { ...example, kubernetes: undefined };
    expect(errorsOf(without).map((e) => [e.property, e.message])).toEqual([
      ["kubernetes", expect.stringMatching(/is missing[\s\S]*Fix: add a kubernetes section/)],
    ]);
  });

  it("reports every bad kubernetes field at once, each with its fix", () => {
    const errors = errorsOf({
      ...example,
      kubernetes: {
        ...exampleK8s,
        cluster: { kind: "eks", region: "ap-northeast-9", name: "platform-prod" },
        namespace: "default",
        registry: "docker.io",
        loadBalancer: { sourceRanges: [], reason: "short" },
        kubeconfig: "~/.kube/config",
      },
    });
    expect(errors.map((e) => e.property)).toEqual([
      "kubernetes.cluster.region",
      "kubernetes.namespace",
      "kubernetes.registry",
      "kubernetes.loadBalancer.sourceRanges",
      "kubernetes.loadBalancer.reason",
      "kubernetes.kubeconfig",
    ]);
    expect(errors.map((e) => e.message).join("\n")).toMatch(
      /registry = "docker\.io" is invalid\.\n\s+Fix: use an ECR registry host/,
    );
  });
});
