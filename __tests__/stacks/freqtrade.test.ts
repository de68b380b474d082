import { type ValidationError } from "../../constructs/core/errors";
import { exampleSettings } from "../../stacks";
import { FreqtradeStack } from "../../stacks/freqtrade";
import { FREQTRADE_EXAMPLES } from "../../stacks/freqtrade.config";
import {
  findResource,
  resourcesOf,
  synthJson,
  validationErrorsOf,
  openFindings,
  testApp,
} from "../helpers/synth";

type Environment = "staging" | "production";

function exampleOf(environment: Environment): Record<string, unknown> {
  return FREQTRADE_EXAMPLES[environment] as Record<string, unknown>;
}

function build(environment: Environment, overrides: Record<string, unknown> = {}): FreqtradeStack {
  return new FreqtradeStack(testApp(), { ...exampleOf(environment), ...overrides });
}

interface Rule {
  readonly from?: Record<string, unknown>[];
  readonly to?: Record<string, unknown>[];
  readonly ports: { port: string; protocol: string }[];
}

const EXPECTED = {
  staging: {
    replicas: "2",
    requests: { cpu: "500m", memory: "1Gi" },
    limits: { cpu: "1000m", memory: "2Gi" },
    host: "staging-api.freqtrade.local",
    bucket: "freqtrade-backups-staging",
    cluster: "staging-cluster",
  },
  production: {
    replicas: "5",
    requests: { cpu: "1000m", memory: "2Gi" },
    limits: { cpu: "2000m", memory: "4Gi" },
    host: "api.freqtrade.local",
    bucket: "freqtrade-backups",
    cluster: "production-cluster",
  },
} as const;

describe.each<Environment>(["staging", "production"])("freqtrade-%s", (environment) => {
  const stack = build(environment);
  const json = synthJson(stack);
  const want = EXPECTED[environment];
  const deployment = findResource(json, "kubernetes_deployment_v1");
  const spec = deployment.spec as {
    replicas: string;
    template: { metadata: { labels: Record<string, string> }; spec: { container: Container[] } };
  };
  interface Container {
    name: string;
    image: string;
    resources: unknown;
    liveness_probe: unknown;
    readiness_probe: unknown;
    env: { name: string; value?: string; value_from?: unknown }[];
  }
  const [container] = spec.template.spec.container;

  it("is the stack freqtrade-<environment>, its state in S3 under freqtrade/<environment>", () => {
    expect(stack.node.id).toBe(`freqtrade-${environment}`);
    expect(json.terraform?.backend).toEqual({
      s3: {
        bucket: "example-freqtrade-tfstate",
        key: `freqtrade/${environment}/terraform.tfstate`,
        region: "us-east-1",
        encrypt: true,
        use_lockfile: true,
      },
    });
  });

  it("deploys to its EKS cluster, read by name, with a per-run token", () => {
    const data = json.data as Record<string, Record<string, Record<string, unknown>>>;
    expect(Object.values(data.aws_eks_cluster)).toEqual([
      { name: want.cluster, provider: "aws.eks" },
    ]);
    const provider = json.provider as Record<string, Record<string, unknown>[]>;
    expect(provider.aws).toEqual([{ region: "us-east-1" }, { region: "us-east-1", alias: "eks" }]);
    expect(provider.kubernetes).toHaveLength(1);
    expect(provider.kubernetes[0].config_path).toBeUndefined();
    expect(provider.kubernetes[0].exec).toMatchObject([{ command: "aws" }]);
  });

  it("has the restricted namespace freqtrade-<environment> with a default deny", () => {
    expect(findResource(json, "kubernetes_namespace_v1").metadata).toMatchObject({
      name: `freqtrade-${environment}`,
      labels: { "pod-security.kubernetes.io/enforce": "restricted" },
    });
    expect(
      findResource(json, "kubernetes_network_policy_v1", { metadata: { name: "default-deny" } }),
    ).toMatchObject({ spec: { pod_selector: {}, policy_types: ["Ingress", "Egress"] } });
  });

  it("runs freqtrade-app with its replicas, requests and limits, and the container freqtrade", () => {
    expect(deployment.metadata).toMatchObject({ name: "freqtrade-app" });
    expect(spec.replicas).toBe(want.replicas);
    expect(spec.template.metadata.labels).toMatchObject({
      app: "freqtrade-app",
      "app.kubernetes.io/name": "freqtrade-app",
    });
    expect(container.name).toBe("freqtrade");
    expect(container.resources).toEqual({ requests: want.requests, limits: want.limits });
  });

  it("has a quota that holds every replica and the rollout's extra pods", () => {
    const hard = (
      findResource(json, "kubernetes_resource_quota_v1").spec as { hard: Record<string, string> }
    ).hard;
    const pods = Number(want.replicas) + Math.ceil(Number(want.replicas) / 4);
    const cores = (q: string) => Number(q.replace(/m$/, "")) / (q.endsWith("m") ? 1000 : 1);
    expect(cores(hard["requests.cpu"])).toBe(cores(want.requests.cpu) * pods);
    expect(cores(hard["limits.cpu"])).toBe(cores(want.limits.cpu) * pods);
    expect(hard["limits.memory"]).toBe(`${Number(want.limits.memory.replace("Gi", "")) * pods}Gi`);
  });

  it("runs the image by digest, never a tag", () => {
    expect(container.image).toMatch(/^[^:@]+\/[^:@]+@sha256:[0-9a-f]{64}$/);
    expect(container.image).not.toMatch(/:latest/);
  });

  it("probes GET /api/v1/ping on 8080 every 30 s, 10 s timeout, 3 failures", () => {
    const probe = {
      http_get: { path: "/api/v1/ping", port: "8080" },
      period_seconds: 30,
      timeout_seconds: 10,
      failure_threshold: 3,
    };
    expect(container.liveness_probe).toEqual(probe);
    expect(container.readiness_probe).toEqual(probe);
  });

  it("reads the exchange key and secret from the named Secret, by reference only", () => {
    const secretEnv = container.env.filter((e) => e.name.startsWith("FREQTRADE__EXCHANGE__"));
    expect(secretEnv).toEqual([
      {
        name: "FREQTRADE__EXCHANGE__KEY",
        value_from: { secret_key_ref: { name: "freqtrade-exchange", key: "api-key" } },
      },
      {
        name: "FREQTRADE__EXCHANGE__SECRET",
        value_from: { secret_key_ref: { name: "freqtrade-exchange", key: "api-secret" } },
      },
    ]);
    expect(secretEnv.every((e) => e.value === undefined)).toBe(true);
  });

  describe("the API's network policy", () => {
    const policy = findResource(json, "kubernetes_network_policy_v1", {
      metadata: { name: "freqtrade-app" },
    }).spec as { ingress: Rule[]; egress: Rule[]; policy_types: string[] };

    it("admits only the ingress controller on 8080 and Prometheus on the metrics port", () => {
      expect(policy.policy_types).toEqual(["Ingress", "Egress"]);
      expect(policy.ingress).toEqual([
        {
          from: [
            {
              namespace_selector: {
                match_labels: { "kubernetes.io/metadata.name": "ingress-nginx" },
              },
              pod_selector: { match_labels: { "app.kubernetes.io/name": "ingress-nginx" } },
            },
          ],
          ports: [{ port: "8080", protocol: "TCP" }],
        },
        {
          from: [
            {
              namespace_selector: { match_labels: { "kubernetes.io/metadata.name": "monitoring" } },
            },
          ],
          ports: [{ port: "9090", protocol: "TCP" }],
        },
      ]);
    });

    it("reaches only PostgreSQL on 5432 and Redis on 6379 at internal ranges, and HTTPS outside", () => {
      expect(policy.egress).toEqual([
        { to: [{ ip_block: { cidr: "10.0.0.0/8" } }], ports: [{ port: "5432", protocol: "TCP" }] },
        { to: [{ ip_block: { cidr: "10.0.0.0/8" } }], ports: [{ port: "6379", protocol: "TCP" }] },
        {
          to: [
            { ip_block: { cidr: "0.0.0.0/0", except: expect.arrayContaining(["10.0.0.0/8"]) } },
            { ip_block: { cidr: "::/0", except: expect.arrayContaining(["fc00::/7"]) } },
          ],
          ports: [{ port: "443", protocol: "TCP" }],
        },
      ]);
    });

    it("opens no port to the world: every whole-internet block excludes private ranges and is 443 only", () => {
      const all = [...policy.ingress.flatMap((r) => r.from ?? []), ...policy.egress];
      const world = JSON.stringify(all).match(/"cidr":"(0\.0\.0\.0\/0|::\/0)"/g) ?? [];
      expect(world).toHaveLength(2);
      for (const rule of policy.egress) {
        const blocks = (rule.to ?? []).map(
          (t) => t.ip_block as { cidr: string; except?: string[] },
        );
        if (blocks.some((b) => b.cidr.endsWith("/0"))) {
          expect(rule.ports).toEqual([{ port: "443", protocol: "TCP" }]);
          expect(blocks.every((b) => (b.except ?? []).length > 0)).toBe(true);
        }
      }
      const ports = resourcesOf(json, "kubernetes_network_policy_v1").flatMap((p) => {
        const s = p.config.spec as { ingress?: Rule[]; egress?: Rule[] };
        return [...(s.ingress ?? []), ...(s.egress ?? [])].flatMap((r) => r.ports);
      });
      expect(ports.map((p) => p.port)).not.toContain("22");
    });
  });

  it("serves HTTPS on its host from the Secret freqtrade-tls, backed by the API's Service", () => {
    const ingress = findResource(json, "kubernetes_ingress_v1");
    expect(ingress.spec).toEqual({
      ingress_class_name: "nginx",
      rule: [
        {
          host: want.host,
          http: {
            path: [
              {
                path: "/",
                path_type: "Prefix",
                backend: { service: { name: "freqtrade-app", port: { number: 8080 } } },
              },
            ],
          },
        },
      ],
      tls: [{ hosts: [want.host], secret_name: "freqtrade-tls" }],
    });
    expect(findResource(json, "kubernetes_service_v1").spec).toMatchObject({
      type: "ClusterIP",
      port: [{ port: 8080 }],
    });
  });

  it("keeps backups in its own bucket: encrypted, versioned, private, TLS only, expiring", () => {
    const bucket = findResource(json, "aws_s3_bucket", { bucket: want.bucket });
    expect(bucket).toMatchObject({ force_destroy: false, lifecycle: { prevent_destroy: true } });
    expect(resourcesOf(json, "aws_s3_bucket_server_side_encryption_configuration")).toHaveLength(2);
    for (const v of resourcesOf(json, "aws_s3_bucket_versioning")) {
      expect(v.config).toMatchObject({ versioning_configuration: { status: "Enabled" } });
    }
    for (const block of resourcesOf(json, "aws_s3_bucket_public_access_block")) {
      expect(block.config).toMatchObject({
        block_public_acls: true,
        block_public_policy: true,
        ignore_public_acls: true,
        restrict_public_buckets: true,
      });
    }
    const rules = resourcesOf(json, "aws_s3_bucket_lifecycle_configuration")
      .map((r) => r.config)
      .filter((c) => String(c.bucket).includes("backups_bucket"))
      .flatMap((c) => c.rule as Record<string, unknown>[]);
    expect(rules.find((r) => r.id === "backups")).toMatchObject({
      filter: [{ prefix: "freqtrade/" }],
      expiration: [{ days: 90 }],
    });
    expect(rules.find((r) => r.id === "audit-logs")).toMatchObject({
      filter: [{ prefix: "audit/" }],
      expiration: [{ days: 365 }],
      noncurrent_version_expiration: [{ noncurrent_days: 365 }],
    });
    const env = Object.fromEntries(container.env.map((e) => [e.name, e.value]));
    expect(env.BACKUP_BUCKET).toBe(want.bucket);
    expect(env.BACKUP_PREFIX).toBe(`freqtrade/${environment}/`);
  });

  it("writes backups as its own IAM role (IRSA): PutObject into its backups bucket, nothing else", () => {
    const role = findResource(json, "aws_iam_role", {
      name: `${want.cluster}-freqtrade-${environment}-freqtrade-app`,
    });
    expect(role.description).toBe(
      `Kubernetes service account freqtrade-${environment}/freqtrade-app of EKS cluster ${want.cluster}`,
    );
    const [account] = resourcesOf(json, "kubernetes_service_account_v1");
    const roleAddress = resourcesOf(json, "aws_iam_role")[0].address;
    expect((account.config.metadata as { annotations: unknown }).annotations).toEqual({
      "eks.amazonaws.com/role-arn": `\${${roleAddress}.arn}`,
    });
    const docs = (json.data as Record<string, Record<string, { statement: unknown[] }>>)
      .aws_iam_policy_document;
    const [policy] = Object.entries(docs).filter(
      ([k]) => k.includes("irsa") && k.includes("policy-document"),
    );
    const bucket = resourcesOf(json, "aws_s3_bucket").find((b) => b.config.bucket === want.bucket)!;
    expect(policy[1].statement).toEqual([
      {
        sid: expect.stringMatching(/^S3WriteFreqtradeBackups/),
        effect: "Allow",
        actions: ["s3:PutObject", "s3:AbortMultipartUpload"],
        resources: [`\${${bucket.address}.arn}/*`],
      },
    ]);
    expect(resourcesOf(json, "aws_iam_role")).toHaveLength(1);
  });

  it("has no unsuppressed policy finding", () => {
    expect(openFindings(build(environment))).toEqual([]);
  });
});

describe("freqtrade backups buckets", () => {
  it("are named apart: production owns freqtrade-backups, staging has its own", () => {
    const names = (["staging", "production"] as const).map(
      (env) => (exampleOf(env).backups as { bucket: string; accessLogsBucket: string }).bucket,
    );
    expect(names).toEqual(["freqtrade-backups-staging", "freqtrade-backups"]);
  });
});

describe("freqtrade torn down", () => {
  it("lets cdktf destroy delete the buckets only with a reasoned allowDeletion", () => {
    const json = synthJson(
      build("staging", {
        allowDeletion: { reason: "staging is rebuilt from scratch for each release test" },
      }),
    );
    for (const bucket of resourcesOf(json, "aws_s3_bucket")) {
      expect(bucket.config.lifecycle).toBeUndefined();
    }
    expect(() => build("staging", { allowDeletion: { reason: "tmp" } })).toThrow(
      /allowDeletion\.reason/,
    );
  });
});

describe("freqtrade with PostgreSQL and Redis in the cluster", () => {
  it("opens egress to their namespaces on their ports only", () => {
    const json = synthJson(
      build("staging", { database: { namespace: "data" }, redis: { namespace: "cache" } }),
    );
    const egress = (
      findResource(json, "kubernetes_network_policy_v1", { metadata: { name: "freqtrade-app" } })
        .spec as { egress: Rule[] }
    ).egress;
    expect(egress.slice(0, 2)).toEqual([
      {
        to: [{ namespace_selector: { match_labels: { "kubernetes.io/metadata.name": "data" } } }],
        ports: [{ port: "5432", protocol: "TCP" }],
      },
      {
        to: [{ namespace_selector: { match_labels: { "kubernetes.io/metadata.name": "cache" } } }],
        ports: [{ port: "6379", protocol: "TCP" }],
      },
    ]);
  });
});

describe("freqtrade on GKE", () => {
  it("reads the cluster through the Google provider instead", () => {
    const json = synthJson(
      build("production", {
        cluster: {
          kind: "gke",
          project: "acme-trading-prod",
          location: "us-east1",
          name: "trading",
        },
      }),
    );
    const data = json.data as Record<string, Record<string, Record<string, unknown>>>;
    expect(Object.values(data.google_container_cluster)).toEqual([
      {
        project: "acme-trading-prod",
        location: "us-east1",
        name: "trading",
        provider: "google.gke",
      },
    ]);
    expect(data.aws_eks_cluster).toBeUndefined();
    // No AWS identity for the pods there: no IRSA role, no annotation.
    expect(resourcesOf(json, "aws_iam_role")).toEqual([]);
    const [account] = resourcesOf(json, "kubernetes_service_account_v1");
    expect((account.config.metadata as { annotations?: unknown }).annotations).toBeUndefined();
  });
});

describe("freqtrade settings", () => {
  const errorsOf = (settings: unknown): ValidationError[] =>
    validationErrorsOf(
      () => new FreqtradeStack(testApp(), settings, "settings.json freqtrade.production"),
    );
  const production = exampleOf("production");

  it.each<Environment>(["staging", "production"])(
    "round-trips the example settings of %s through the registry",
    (environment) => {
      expect(exampleSettings("freqtrade")).toEqual({ freqtrade: FREQTRADE_EXAMPLES });
      const again = new FreqtradeStack(
        testApp(),
        JSON.parse(JSON.stringify(exampleSettings("freqtrade").freqtrade[environment])),
      );
      expect(synthJson(again)).toEqual(synthJson(build(environment)));
    },
  );

  it("reports every bad field at once, each with its fix", () => {
    const errors = errorsOf({
      ...production,
      image: "docker.io/freqtradeorg/freqtrade:latest",
      api: { ...(production.api as object), replicas: 0 },
      database: { cidrs: ["0.0.0.0/0"] },
      redis: { cidrs: ["8.8.8.0/24"] },
      ingress: { ...(production.ingress as object), host: "API.Freqtrade" },
      sshPort: 22,
    });
    expect(errors.map((e) => e.property)).toEqual([
      "image",
      "api.replicas",
      "database.cidrs[0]",
      "redis.cidrs[0]",
      "ingress.host",
      "sshPort",
    ]);
    const message = errors.map((e) => e.message).join("\n");
    expect(message).toMatch(/image = ".*:latest" is invalid\.\n\s+Fix: use an image by digest/);
    expect(message).toMatch(/sshPort = \["sshPort"\] is not a known setting/);
  });

  it("refuses a database range outside the internal ranges, with the reason", () => {
    expect(() => build("production", { database: { cidrs: ["0.0.0.0/0"] } })).toThrow(
      /internal range/,
    );
  });

  it("refuses limits below requests and a bad exchange Secret name, from the constructs and schema", () => {
    expect(() =>
      build("staging", {
        api: {
          replicas: 2,
          requests: { cpu: "2", memory: "1Gi" },
          limits: { cpu: "1000m", memory: "2Gi" },
        },
      }),
    ).toThrow(
      /api\.limits\.cpu = "1000m" is invalid\.\n\s+Fix: use a cpu limit at least the request \(2\)/,
    );
    expect(() =>
      build("staging", {
        exchangeSecret: { name: "Exchange_Keys", apiKeyKey: "k", apiSecretKey: "s" },
      }),
    ).toThrow(/exchangeSecret\.name/);
    expect(() =>
      build("staging", {
        api: {
          replicas: 2,
          requests: { cpu: "0m", memory: "1Gi" },
          limits: { cpu: "1", memory: "2Gi" },
        },
      }),
    ).toThrow(/above zero/);
  });

  it("refuses an audit retention under a year and an unknown cluster kind", () => {
    expect(() =>
      build("production", {
        backups: { ...(production.backups as object), auditRetentionDays: 30 },
      }),
    ).toThrow(/at least 365 days/);
    expect(() => build("production", { cluster: { kind: "aks", name: "x" } })).toThrow(/cluster/);
  });
});
