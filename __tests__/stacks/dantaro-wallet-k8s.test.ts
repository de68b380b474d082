import { type ValidationError } from "../../constructs/core/errors";
import { exampleSettings, referenceStackNames } from "../../stacks";
import { DantaroWalletK8sStack } from "../../stacks/dantaro-wallet-k8s";
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
const exampleK8s = example.kubernetes as Record<string, unknown>;

function build(
  overrides: Record<string, unknown> = {},
  k8s: Record<string, unknown> = {},
): DantaroWalletK8sStack {
  return new DantaroWalletK8sStack(testApp(), {
    ...example,
    ...overrides,
    kubernetes: { ...exampleK8s, ...k8s },
  });
}

const stack = build();
const json = synthJson(stack);

type Obj = Record<string, unknown>;
const deployment = (name: string) =>
  findResource(json, "kubernetes_deployment_v1", { metadata: { name } });
const specOf = (name: string) => deployment(name).spec as Obj;
const podOf = (name: string) => (specOf(name).template as { spec: Obj }).spec;
const containerOf = (name: string) => (podOf(name).container as Obj[])[0];
const policyOf = (name: string) =>
  findResource(json, "kubernetes_network_policy_v1", { metadata: { name } }).spec as {
    ingress?: { from: Obj[]; ports: Obj[] }[];
    egress?: { to: Obj[]; ports: Obj[] }[];
  };
const egressPorts = (name: string) =>
  (policyOf(name).egress ?? []).flatMap((e) => e.ports.map((p) => `${p.protocol}/${p.port}`));
const ISOLATED = ["10.0.201.0/24", "10.0.202.0/24", "10.0.203.0/24"];
const cidrsTo = (name: string, port: string) =>
  (policyOf(name).egress ?? [])
    .filter((e) => e.ports.some((p) => p.port === port))
    .flatMap((e) => e.to.map((t) => (t.ip_block as { cidr: string } | undefined)?.cidr));

describe("dantaro-wallet-prod-k8s", () => {
  it("is a part of the environment, with its own state key in the AWS stack's bucket", () => {
    expect(stack.node.id).toBe("dantaro-wallet-prod-k8s");
    expect(referenceStackNames()).toContain("dantaro-wallet-prod-k8s");
    expect(json.terraform?.backend).toEqual({
      s3: {
        bucket: "example-dantaro-tfstate",
        key: "dantaro-wallet/prod/k8s/terraform.tfstate",
        region: "ap-northeast-2",
        encrypt: true,
        use_lockfile: true,
      },
    });
  });

  it("reads the cluster dantaro-eks by name and authenticates with aws eks get-token", () => {
    const data = json.data as Record<string, Record<string, Obj>>;
    expect(Object.values(data.aws_eks_cluster)).toEqual([
      { name: "dantaro-eks", provider: "aws.eks" },
    ]);
    const providers = json.provider as Record<string, Obj[]>;
    expect(providers.aws).toEqual([{ alias: "eks", region: "ap-northeast-2" }]);
    const [kubernetes] = providers.kubernetes;
    expect(kubernetes).toMatchObject({
      host: expect.stringMatching(/data\.aws_eks_cluster\..*\.endpoint/),
      exec: [
        {
          command: "aws",
          args: expect.arrayContaining(["get-token", "--cluster-name", "dantaro-eks"]),
        },
      ],
    });
    expect(kubernetes.config_path).toBeUndefined();
    expect(kubernetes.token).toBeUndefined();
  });

  it("creates the namespace dantaro at Pod Security restricted, with a default-deny policy", () => {
    expect(findResource(json, "kubernetes_namespace_v1").metadata).toMatchObject({
      name: "dantaro",
      labels: { "pod-security.kubernetes.io/enforce": "restricted" },
    });
    expect(
      findResource(json, "kubernetes_network_policy_v1", { metadata: { name: "default-deny" } }),
    ).toMatchObject({ spec: { pod_selector: {}, policy_types: ["Ingress", "Egress"] } });
    expect(findResource(json, "kubernetes_resource_quota_v1").spec).toEqual({
      hard: expect.objectContaining({ "requests.cpu": "14", "limits.cpu": "30", pods: "40" }),
    });
  });
});

describe("dantaro-backend", () => {
  it("runs 3 replicas on port 8000 with 500m/512Mi requests and 1000m/1Gi limits", () => {
    expect(specOf("dantaro-backend").replicas).toBe("3");
    expect(containerOf("dantaro-backend")).toMatchObject({
      image: "111122223333.dkr.ecr.ap-northeast-2.amazonaws.com/dantaro-backend:1.0.0",
      port: [{ container_port: 8000, protocol: "TCP" }],
      resources: {
        requests: { cpu: "500m", memory: "512Mi" },
        limits: { cpu: "1000m", memory: "1Gi" },
      },
      security_context: { run_as_non_root: true, read_only_root_filesystem: true },
    });
  });

  it("checks /health for liveness and /ready for readiness on 8000", () => {
    expect(containerOf("dantaro-backend")).toMatchObject({
      liveness_probe: { http_get: { path: "/health", port: "8000" } },
      readiness_probe: { http_get: { path: "/ready", port: "8000" } },
    });
  });

  it("spreads its pods over nodes (and zones)", () => {
    const keys = (podOf("dantaro-backend").topology_spread_constraint as Obj[]).map(
      (c) => c.topology_key,
    );
    expect(keys).toContain("kubernetes.io/hostname");
  });

  it("reads every configured key of dantaro-secrets by reference, and holds no value", () => {
    for (const name of ["dantaro-backend", "celery-worker", "celery-beat"]) {
      expect(containerOf(name).env).toEqual([
        {
          name: "DATABASE_URL",
          value_from: { secret_key_ref: { name: "dantaro-secrets", key: "database-url" } },
        },
        {
          name: "REDIS_URL",
          value_from: { secret_key_ref: { name: "dantaro-secrets", key: "redis-url" } },
        },
        {
          name: "SECRET_KEY",
          value_from: { secret_key_ref: { name: "dantaro-secrets", key: "secret-key" } },
        },
      ]);
    }
    expect(resourcesOf(json, "kubernetes_secret_v1")).toEqual([]);
  });

  it("has a ClusterIP Service 80 -> 8000", () => {
    expect(
      findResource(json, "kubernetes_service_v1", { metadata: { name: "dantaro-backend" } }).spec,
    ).toMatchObject({ type: "ClusterIP", port: [{ port: 80, target_port: "8000" }] });
    expect(resourcesOf(json, "kubernetes_service_v1")).toHaveLength(1);
  });

  it("scales from 3 to 20 at 70% CPU and 80% memory", () => {
    expect(findResource(json, "kubernetes_horizontal_pod_autoscaler_v2").spec).toMatchObject({
      min_replicas: 3,
      max_replicas: 20,
      scale_target_ref: { kind: "Deployment", name: "dantaro-backend" },
      metric: [
        { resource: { name: "cpu", target: { type: "Utilization", average_utilization: 70 } } },
        { resource: { name: "memory", target: { type: "Utilization", average_utilization: 80 } } },
      ],
    });
  });

  it("admits only the ingress controller, on 8000", () => {
    expect(policyOf("dantaro-backend").ingress).toEqual([
      {
        from: [
          {
            namespace_selector: {
              match_labels: { "kubernetes.io/metadata.name": "ingress-nginx" },
            },
            pod_selector: { match_labels: { "app.kubernetes.io/name": "ingress-nginx" } },
          },
        ],
        ports: [{ port: "8000", protocol: "TCP" }],
      },
    ]);
  });

  it("reaches PostgreSQL and Redis in the isolated subnets, DNS and public HTTPS only", () => {
    expect(egressPorts("dantaro-backend").sort()).toEqual(
      ["TCP/443", "TCP/53", "TCP/5432", "TCP/6379", "UDP/53"].sort(),
    );
    expect(cidrsTo("dantaro-backend", "5432")).toEqual(ISOLATED);
    expect(cidrsTo("dantaro-backend", "6379")).toEqual(ISOLATED);
    const https = policyOf("dantaro-backend").egress!.find((e) => e.ports[0].port === "443")!;
    expect(https.to[0]).toEqual({
      ip_block: { cidr: "0.0.0.0/0", except: expect.arrayContaining(["10.0.0.0/8"]) },
    });
  });

  it("has no IRSA annotation unless the settings name a role, and then that role", () => {
    const account = (j: typeof json) =>
      findResource(j, "kubernetes_service_account_v1", { metadata: { name: "dantaro-backend" } });
    expect((account(json).metadata as Obj).annotations).toBeUndefined();
    const role = "arn:aws:iam::111122223333:role/dantaro-backend";
    const withRole = synthJson(build({}, { backend: { roleArn: role } }));
    expect((account(withRole).metadata as Obj).annotations).toEqual({
      "eks.amazonaws.com/role-arn": role,
    });
  });
});

describe("celery-worker and celery-beat", () => {
  it("runs 2 workers with 1Gi/2Gi of memory, a command probe, and no Service", () => {
    expect(specOf("celery-worker").replicas).toBe("2");
    expect(containerOf("celery-worker")).toMatchObject({
      command: ["celery", "-A", "app.worker", "worker", "--loglevel=info"],
      resources: {
        requests: { cpu: "250m", memory: "1Gi" },
        limits: { cpu: "1", memory: "2Gi" },
      },
      liveness_probe: { exec: { command: expect.arrayContaining(["inspect", "ping"]) } },
    });
    expect(containerOf("celery-worker").port).toBeUndefined();
  });

  it("runs exactly one scheduler: one replica, Recreate, no autoscaler or disruption budget", () => {
    expect(specOf("celery-beat")).toMatchObject({ replicas: "1", strategy: { type: "Recreate" } });
    const budgets = resourcesOf(json, "kubernetes_pod_disruption_budget_v1").map(
      (r) => (r.config.metadata as Obj).name,
    );
    expect(budgets.sort()).toEqual(["celery-worker", "dantaro-backend"]);
    expect(resourcesOf(json, "kubernetes_horizontal_pod_autoscaler_v2")).toHaveLength(1);
  });

  it("lets the workers reach the database and Redis (and HTTPS for the worker), nothing in", () => {
    expect(egressPorts("celery-worker").sort()).toEqual(
      ["TCP/443", "TCP/53", "TCP/5432", "TCP/6379", "UDP/53"].sort(),
    );
    expect(egressPorts("celery-beat").sort()).toEqual(
      ["TCP/53", "TCP/5432", "TCP/6379", "UDP/53"].sort(),
    );
    expect(cidrsTo("celery-beat", "6379")).toEqual(ISOLATED);
    expect(policyOf("celery-worker").ingress).toBeUndefined();
    expect(policyOf("celery-beat").ingress).toBeUndefined();
  });
});

describe("dantaro api ingress", () => {
  it("serves api.dantarowallet.com over TLS from letsencrypt-prod, rate- and size-limited", () => {
    const ingress = findResource(json, "kubernetes_ingress_v1");
    expect(ingress.metadata).toMatchObject({
      annotations: {
        "cert-manager.io/cluster-issuer": "letsencrypt-prod",
        "nginx.ingress.kubernetes.io/limit-rps": "100",
        "nginx.ingress.kubernetes.io/proxy-body-size": "10m",
        "nginx.ingress.kubernetes.io/ssl-redirect": "true",
      },
    });
    expect(ingress.spec).toEqual({
      ingress_class_name: "nginx",
      tls: [{ hosts: ["api.dantarowallet.com"], secret_name: "dantaro-tls" }],
      rule: [
        {
          host: "api.dantarowallet.com",
          http: {
            path: [
              {
                path: "/",
                path_type: "Prefix",
                backend: { service: { name: "dantaro-backend", port: { number: 80 } } },
              },
            ],
          },
        },
      ],
    });
  });
});

describe("dantaro-wallet-prod-k8s policy review", () => {
  it("has no unsuppressed policy finding", () => {
    expect(openFindings(build())).toEqual([]);
  });
});

describe("dantaro-wallet-prod-k8s settings", () => {
  const errorsOf = (settings: unknown): ValidationError[] =>
    validationErrorsOf(
      () => new DantaroWalletK8sStack(testApp(), settings, "settings.json dantaro-wallet.prod"),
    );

  it("round-trips the example settings of the registry", () => {
    expect(exampleSettings("dantaro-wallet")).toEqual({
      "dantaro-wallet": DANTARO_WALLET_EXAMPLES,
    });
    const again = new DantaroWalletK8sStack(
      testApp(),
      JSON.parse(JSON.stringify(exampleSettings("dantaro-wallet")["dantaro-wallet"].prod)),
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
        namespace: "kube-system",
        secrets: { name: "Dantaro_Secrets", keys: { "database-url": "database-url" } },
        backend: { roleArn: "arn:aws:iam::1:user/x" },
        ingress: { host: "API", tlsSecretName: "dantaro-tls", issuer: "letsencrypt-prod" },
        token: "hunter2",
      },
    });
    expect(errors.map((e) => e.property)).toEqual([
      "kubernetes.namespace",
      "kubernetes.secrets.name",
      "kubernetes.secrets.keys.database-url",
      "kubernetes.backend.roleArn",
      "kubernetes.ingress.host",
      "kubernetes.token",
    ]);
    expect(errors.map((e) => e.message).join("\n")).toMatch(
      /namespace = "kube-system" is invalid\.\n\s+Fix: use a namespace of your own/,
    );
  });

  it("refuses an image on the moving tag latest, from the Workload", () => {
    expect(() =>
      build({}, { image: "111122223333.dkr.ecr.ap-northeast-2.amazonaws.com/dantaro:latest" }),
    ).toThrow(/image = .*uses the moving tag latest/);
  });
});
