import { type App } from "cdktf";
import { ValidationError, ValidationErrors } from "../../constructs/core/errors";
import { addReferenceStacks, referenceStackNames } from "../../stacks";
import { TradingBotStack } from "../../stacks/trading-bot";
import { TradingBotGkeStack } from "../../stacks/trading-bot-gke";
import { TRADING_BOT_EXAMPLES } from "../../stacks/trading-bot.config";
import { findResource, resourcesOf, synthJson, openFindings, testApp } from "../helpers/synth";

type Obj = Record<string, unknown>;
const example = TRADING_BOT_EXAMPLES.prod as Obj;
const exampleGke = example.gke as Obj;

function build(overrides: Obj = {}, gke: Obj = {}): TradingBotGkeStack {
  return new TradingBotGkeStack(testApp(), {
    ...example,
    ...overrides,
    gke: { ...exampleGke, ...gke },
  });
}

const stack = build();
const json = synthJson(stack);

const deployment = () =>
  findResource(json, "kubernetes_deployment_v1", { metadata: { name: "core-engine" } });
const spec = () => deployment().spec as Obj;
const pod = () => (spec().template as { spec: Obj }).spec;
const container = () => (pod().container as Obj[])[0];
const policy = () =>
  findResource(json, "kubernetes_network_policy_v1", { metadata: { name: "core-engine" } })
    .spec as {
    policy_types: string[];
    ingress?: unknown[];
    egress: { to: Obj[]; ports: { port: string; protocol: string }[] }[];
  };

describe("trading-bot-prod-gke", () => {
  it("is a part of the environment, with its own prefix in the state bucket", () => {
    expect(stack.node.id).toBe("trading-bot-prod-gke");
    expect(referenceStackNames()).toContain("trading-bot-prod-gke");
    expect(json.terraform?.backend).toEqual({
      gcs: { bucket: "example-trading-bot-tfstate", prefix: "trading-bot/prod/gke" },
    });
  });

  it("reads the cluster trading-bot-prod-gke by name and uses the caller's short-lived token", () => {
    const data = json.data as Record<string, Record<string, Obj>>;
    expect(Object.values(data.google_container_cluster)).toEqual([
      {
        project: "example-trading-bot-prod",
        location: "us-central1",
        name: "trading-bot-prod-gke",
        provider: "google.gke",
      },
    ]);
    expect(Object.values(data.google_client_config)).toEqual([{ provider: "google.gke" }]);
    const providers = json.provider as Record<string, Obj[]>;
    expect(providers.google).toEqual([{ project: "example-trading-bot-prod", alias: "gke" }]);
    expect(providers.kubernetes).toHaveLength(1);
    const [kubernetes] = providers.kubernetes;
    expect(kubernetes).toEqual({
      host: expect.stringMatching(/^https:\/\/\$\{data\.google_container_cluster\..*\.endpoint\}$/),
      cluster_ca_certificate: expect.stringMatching(
        /^\$\{base64decode\(data\.google_container_cluster\..*\.master_auth\[0\]\.cluster_ca_certificate\)\}$/,
      ),
      token: expect.stringMatching(/^\$\{data\.google_client_config\..*\.access_token\}$/),
    });
    expect(kubernetes.config_path).toBeUndefined();
    expect(kubernetes.client_certificate).toBeUndefined();
  });

  it("creates the namespace trading-bot at Pod Security restricted", () => {
    expect(resourcesOf(json, "kubernetes_namespace_v1").map((r) => r.config.metadata)).toEqual([
      expect.objectContaining({
        name: "trading-bot",
        labels: expect.objectContaining({ "pod-security.kubernetes.io/enforce": "restricted" }),
      }),
    ]);
  });

  it("runs 2 replicas of core-engine from the registry at the release, rolling one at a time", () => {
    expect(spec().replicas).toBe("2");
    expect(spec().strategy).toEqual({
      type: "RollingUpdate",
      rolling_update: { max_unavailable: "1", max_surge: "1" },
    });
    expect(container().image).toBe(
      "us-central1-docker.pkg.dev/example-trading-bot-prod/trading-bot-prod-repo/core-engine:3f9c2ab",
    );
    expect(container().resources).toEqual({
      requests: { cpu: "500m", memory: "512Mi" },
      limits: { cpu: "1000m", memory: "1Gi" },
    });
  });

  it("probes /health every 30 s and /ready every 5 s on 8080", () => {
    expect(container().liveness_probe).toMatchObject({
      http_get: { path: "/health", port: "8080" },
      period_seconds: 30,
      timeout_seconds: 10,
    });
    expect(container().readiness_probe).toMatchObject({
      http_get: { path: "/ready", port: "8080" },
      period_seconds: 5,
      timeout_seconds: 5,
    });
    expect(container().port).toEqual([{ container_port: 8080, name: "http", protocol: "TCP" }]);
  });

  it("reads DATABASE_URL from the settings' Secret by reference, and holds no value of it", () => {
    const env = container().env as { name: string; value?: string; value_from?: Obj }[];
    expect(env.find((e) => e.name === "DATABASE_URL")).toEqual({
      name: "DATABASE_URL",
      value_from: { secret_key_ref: { name: "core-engine-database", key: "url" } },
    });
    const other = synthJson(
      build({}, { databaseUrlSecret: { name: "engine-db", key: "database-url" } }),
    );
    const otherEnv = (
      (
        (
          findResource(other, "kubernetes_deployment_v1", { metadata: { name: "core-engine" } })
            .spec as { template: { spec: Obj } }
        ).template.spec.container as Obj[]
      )[0].env as { name: string; value_from?: Obj }[]
    ).find((e) => e.name === "DATABASE_URL");
    expect(otherEnv?.value_from).toEqual({
      secret_key_ref: { name: "engine-db", key: "database-url" },
    });
  });

  it("puts a ClusterIP Service on 80 in front of 8080", () => {
    const service = findResource(json, "kubernetes_service_v1", {
      metadata: { name: "core-engine" },
    });
    expect(service.spec).toMatchObject({
      type: "ClusterIP",
      port: [{ port: 80, target_port: "8080", protocol: "TCP" }],
    });
  });

  it("runs as a service account that acts as the services' account through Workload Identity", () => {
    const account = findResource(json, "kubernetes_service_account_v1", {
      metadata: { name: "core-engine" },
    });
    const email = "trading-bot-prod-vm@example-trading-bot-prod.iam.gserviceaccount.com";
    expect((account.metadata as Obj).annotations).toEqual({
      "iam.gke.io/gcp-service-account": email,
    });
    expect(pod().service_account_name).toMatch(/kubernetes_service_account_v1\.core-engine/);
    // The account is the main stack's VM account, and the main stack binds this service account.
    const main = synthJson(new TradingBotStack(testApp(), example));
    const vm = findResource(main, "google_service_account", { display_name: "Trading bot VMs" });
    expect(`${vm.account_id as string}@${vm.project as string}.iam.gserviceaccount.com`).toBe(
      email,
    );
    expect(resourcesOf(main, "google_service_account_iam_member").map((r) => r.config)).toEqual([
      expect.objectContaining({
        role: "roles/iam.workloadIdentityUser",
        member: "serviceAccount:example-trading-bot-prod.svc.id.goog[trading-bot/core-engine]",
        service_account_id: expect.stringMatching(/google_service_account\.vm-account.*\.name/),
      }),
    ]);
    // And this stack makes no IAM of its own: nothing it reads is made by the same apply.
    expect(Object.keys(json.resource ?? {}).filter((t) => t.startsWith("google_"))).toEqual([]);
  });

  it("lets core-engine reach Cloud SQL's range on 5432, DNS, Google APIs and their token, nothing else", () => {
    expect(policy().policy_types).toEqual(["Ingress", "Egress"]);
    expect(policy().ingress ?? []).toEqual([]);
    const flows = policy().egress.flatMap((e) =>
      e.ports.map((p) => {
        const to = e.to[0] as {
          ip_block?: { cidr: string; except?: string[] };
          pod_selector?: Obj;
        };
        return `${p.protocol}/${p.port} ${to.ip_block ? to.ip_block.cidr : "kube-dns"}${to.ip_block?.except ? " except" : ""}`;
      }),
    );
    expect(flows.sort()).toEqual(
      [
        "TCP/5432 10.100.0.0/16",
        "UDP/53 kube-dns",
        "TCP/53 kube-dns",
        "TCP/443 199.36.153.8/30",
        "TCP/80 169.254.169.254/32",
        "TCP/988 169.254.169.252/32",
      ].sort(),
    );
    const dns = policy().egress.find((e) => e.ports[0].port === "53")!;
    expect(dns.to[0]).toEqual({
      namespace_selector: { match_labels: { "kubernetes.io/metadata.name": "kube-system" } },
      pod_selector: { match_labels: { "k8s-app": "kube-dns" } },
    });
    const other = synthJson(build({ privateServicesCidr: "10.101.0.0/16" }));
    const postgres = (
      findResource(other, "kubernetes_network_policy_v1", { metadata: { name: "core-engine" } })
        .spec as { egress: { to: Obj[]; ports: { port: string }[] }[] }
    ).egress.find((e) => e.ports[0].port === "5432");
    expect(postgres?.to).toEqual([{ ip_block: { cidr: "10.101.0.0/16" } }]);
  });
});

describe("trading-bot-prod-gke policy review", () => {
  it("has no unsuppressed policy finding", () => {
    expect(openFindings(build())).toEqual([]);
  });
});

describe("trading-bot gke part", () => {
  const stackIds = (app: App) => app.node.children.map((c) => c.node.id);

  it("is built for an environment with a gke section, after its main stack", () => {
    const app = testApp();
    addReferenceStacks(app, {}, "settings", ["trading-bot-prod", "trading-bot-prod-gke"]);
    expect(stackIds(app)).toEqual(["trading-bot-prod", "trading-bot-prod-gke"]);
  });

  it("is absent when the settings have no gke section, and so is the cluster", () => {
    expect(referenceStackNames()).not.toContain("trading-bot-dev-gke");
    expect(referenceStackNames()).not.toContain("trading-bot-staging-gke");
    const app = testApp();
    addReferenceStacks(app, { "trading-bot": { prod: { ...example, gke: undefined } } });
    const ids = stackIds(app);
    expect(ids).toContain("trading-bot-prod");
    expect(ids.filter((id) => id.startsWith("trading-bot-") && id.endsWith("-gke"))).toEqual([]);
    const main = app.node.findChild("trading-bot-prod") as TradingBotStack;
    expect(main.gke).toBeUndefined();
  });

  it("refuses settings without a gke section, saying what to add", () => {
    let errors: ValidationError[] = [];
    try {
      new TradingBotGkeStack(testApp(), { ...example, gke: undefined }, "settings.json");
    } catch (e) {
      if (e instanceof ValidationErrors) errors = [...e.errors];
      else if (e instanceof ValidationError) errors = [e];
      else throw e;
    }
    expect(errors.map((e) => [e.property, e.message])).toEqual([
      ["gke", expect.stringMatching(/is missing[\s\S]*Fix: add a gke section/)],
    ]);
  });
});
