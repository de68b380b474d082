import fc from "fast-check";
import { TerraformVariable, Testing } from "cdktf";
import { ValidationError } from "../../constructs/core/errors";
import { optOutsOf } from "../../constructs/core/opt-out";
import type { PlatformStack } from "../../constructs/core/stack";
import { Ingress } from "../../constructs/k8s/ingress";
import type { IWorkload } from "../../constructs/k8s/interfaces";
import { Namespace } from "../../constructs/k8s/namespace";
import { formatQuantity } from "../../constructs/k8s/quantity";
import { Workload, type WorkloadProps } from "../../constructs/k8s/workload";
import { contextOf, normalizedStack } from "../../policy/context";
import { evaluate } from "../../policy/engine";
import { parseStack } from "../../policy/load";
import { K8S_RULES } from "../../policy/rules/k8s";
import type { Json } from "../../policy/types";
import {
  findResource,
  resourcesOf,
  synthJson,
  synthWithComments,
  testStack,
  type SynthJson,
} from "../helpers/synth";

/* eslint-disable @typescript-eslint/no-explicit-any -- synthesized JSON and untyped props on purpose */

const REASON = "partner webhooks arrive from their fixed egress range, ticket NET-42";

const BASE: WorkloadProps = {
  namespace: "shop",
  name: "api",
  image: "registry.example.com/shop/api:1.4.2",
  containerPort: 8080,
  resources: { requests: { cpu: "250m", memory: "256Mi" }, limits: { cpu: "1", memory: "512Mi" } },
  probes: { liveness: { path: "/healthz" }, readiness: { path: "/ready" } },
  service: { port: 80 },
};

/** A worker without a port: probes run a command. */
const WORKER: WorkloadProps = {
  namespace: "shop",
  name: "worker",
  image: "registry.example.com/shop/api:1.4.2",
  command: ["celery", "-A", "shop", "worker"],
  resources: {
    requests: { cpu: "100m", memory: "128Mi" },
    limits: { cpu: "200m", memory: "256Mi" },
  },
  probes: {
    liveness: { command: ["celery", "inspect", "ping"] },
    readiness: { command: ["celery", "inspect", "ping"] },
  },
};

function build(props: Partial<WorkloadProps> = {}, more?: (stack: PlatformStack) => void) {
  const stack = testStack();
  const workload = new Workload(stack, "api", { ...BASE, ...props });
  more?.(stack);
  return { stack, workload, json: synthJson(stack) };
}

function one(json: SynthJson, type: string, partial: Record<string, unknown> = {}): any {
  return findResource(json, type, partial);
}

const deploymentOf = (json: SynthJson, name = "api") =>
  one(json, "kubernetes_deployment_v1", { metadata: { name } });
const podOf = (json: SynthJson, name = "api") => deploymentOf(json, name).spec.template.spec;
const containerOf = (json: SynthJson, name = "api") => podOf(json, name).container[0];
const policyOf = (json: SynthJson, name = "api") =>
  one(json, "kubernetes_network_policy_v1", { metadata: { name } }).spec;

/** The ValidationError a build throws; fails when it throws anything else or nothing. */
function refusal(run: (stack: PlatformStack) => void): ValidationError {
  const stack = testStack();
  let error: unknown;
  try {
    run(stack);
    Testing.synth(stack);
  } catch (e) {
    error = e;
  }
  if (!(error instanceof ValidationError)) {
    throw new Error(`expected a ValidationError, got ${String(error)}`);
  }
  expect(error.message).toContain("Fix:");
  return error;
}

/** Asserts that building a workload from `props` is refused naming `property`. */
function expectRefused(props: Partial<WorkloadProps>, property: string, problem?: RegExp) {
  const error = refusal((stack) => new Workload(stack, "api", { ...BASE, ...props }));
  expect(error.property).toBe(property);
  if (problem) expect(error.message).toMatch(problem);
  return error;
}

describe("Workload defaults", () => {
  it("runs the container non-root, read-only, without escalation, capabilities or a token", () => {
    const { json } = build();
    const pod = podOf(json);
    expect(containerOf(json).security_context).toEqual({
      allow_privilege_escalation: false,
      privileged: false,
      read_only_root_filesystem: true,
      run_as_non_root: true,
      run_as_user: "10001",
      run_as_group: "10001",
      capabilities: { drop: ["ALL"] },
      seccomp_profile: { type: "RuntimeDefault" },
    });
    expect(pod.security_context).toEqual({
      run_as_non_root: true,
      run_as_user: "10001",
      run_as_group: "10001",
      fs_group: "10001",
      seccomp_profile: { type: "RuntimeDefault" },
    });
    expect(pod.automount_service_account_token).toBe(false);
    expect(pod.enable_service_links).toBe(false);
    expect(pod.host_network).toBeUndefined();
  });

  it("mounts an emptyDir at /tmp and at each writable path", () => {
    const { json } = build({ writablePaths: ["/var/cache/app", "/run/app"] });
    expect(podOf(json).volume).toEqual([
      { name: "tmp", empty_dir: {} },
      { name: "writable-1", empty_dir: {} },
      { name: "writable-2", empty_dir: {} },
    ]);
    expect(containerOf(json).volume_mount).toEqual([
      { name: "tmp", mount_path: "/tmp" },
      { name: "writable-1", mount_path: "/var/cache/app" },
      { name: "writable-2", mount_path: "/run/app" },
    ]);
  });

  it("runs as its own ServiceAccount, whose token is not mounted", () => {
    const { json } = build();
    const sa = one(json, "kubernetes_service_account_v1");
    expect(sa).toMatchObject({
      metadata: { name: "api", namespace: "shop" },
      automount_service_account_token: false,
    });
    expect(sa.metadata.annotations).toBeUndefined();
    expect(podOf(json).service_account_name).toMatch(
      /^\$\{kubernetes_service_account_v1\.api_service-account_[0-9A-F]+\.metadata\[0\]\.name\}$/,
    );
  });

  it("annotates the ServiceAccount for Workload Identity or IRSA, and mounts the token when asked", () => {
    const gsa = "shop-api@acme-prod.iam.gserviceaccount.com";
    const gke = build({
      serviceAccount: { annotations: { "iam.gke.io/gcp-service-account": gsa } },
    });
    expect(one(gke.json, "kubernetes_service_account_v1").metadata.annotations).toEqual({
      "iam.gke.io/gcp-service-account": gsa,
    });
    const role = "arn:aws:iam::123456789012:role/shop-api";
    const eks = build({
      serviceAccount: { annotations: { "eks.amazonaws.com/role-arn": role } },
      automountServiceAccountToken: true,
    });
    expect(one(eks.json, "kubernetes_service_account_v1")).toMatchObject({
      metadata: { annotations: { "eks.amazonaws.com/role-arn": role } },
      automount_service_account_token: true,
    });
    expect(podOf(eks.json).automount_service_account_token).toBe(true);
  });

  it("takes an existing Google service account with a short name for Workload Identity", () => {
    const gsa = "ci@acme-prod.iam.gserviceaccount.com";
    const { json } = build({
      serviceAccount: { annotations: { "iam.gke.io/gcp-service-account": gsa } },
    });
    expect(one(json, "kubernetes_service_account_v1").metadata.annotations).toEqual({
      "iam.gke.io/gcp-service-account": gsa,
    });
  });

  it("sets requests and limits as given", () => {
    expect(containerOf(build().json).resources).toEqual({
      requests: { cpu: "250m", memory: "256Mi" },
      limits: { cpu: "1", memory: "512Mi" },
    });
  });

  it("probes over HTTP, TCP or a command, on the port named", () => {
    const { json } = build({
      containerPort: undefined,
      containerPorts: [
        { port: 8080, name: "http" },
        { port: 9090, name: "metrics" },
      ],
      probes: {
        liveness: { path: "/healthz", port: "metrics", periodSeconds: 20 },
        readiness: { port: 8080 },
        startup: { command: ["/app/started"], failureThreshold: 30 },
      },
    });
    const c = containerOf(json);
    expect(c.liveness_probe).toEqual({
      http_get: { path: "/healthz", port: "9090" },
      period_seconds: 20,
      timeout_seconds: 2,
      failure_threshold: 3,
    });
    expect(c.readiness_probe).toEqual({
      tcp_socket: [{ port: "8080" }],
      period_seconds: 10,
      timeout_seconds: 2,
      failure_threshold: 3,
    });
    expect(c.startup_probe).toMatchObject({
      exec: { command: ["/app/started"] },
      failure_threshold: 30,
    });
    expect(c.port).toEqual([
      { container_port: 8080, name: "http", protocol: "TCP" },
      { container_port: 9090, name: "metrics", protocol: "TCP" },
    ]);
  });

  it("leaves probes to a worker that neither has a port nor a Service", () => {
    const stack = testStack();
    new Workload(stack, "worker", { ...WORKER, probes: undefined });
    const c = containerOf(synthJson(stack), "worker");
    expect(c.liveness_probe).toBeUndefined();
    expect(c.readiness_probe).toBeUndefined();
    expect(c.port).toBeUndefined();
  });

  it("reads secrets by reference and passes plain configuration as values", () => {
    const { json } = build({
      env: { LOG_LEVEL: "info" },
      secretEnv: { DB_PASSWORD: { secretName: "shop-db", key: "password" } },
    });
    expect(containerOf(json).env).toEqual([
      { name: "LOG_LEVEL", value: "info" },
      {
        name: "DB_PASSWORD",
        value_from: { secret_key_ref: { name: "shop-db", key: "password" } },
      },
    ]);
  });

  it("runs two replicas, rolls out without losing a pod and spreads across zones and nodes", () => {
    const { json } = build();
    const d = deploymentOf(json);
    expect(d.spec.replicas).toBe("2");
    expect(d.spec.selector).toEqual({ match_labels: { "app.kubernetes.io/name": "api" } });
    expect(d.spec.template.metadata.labels["app.kubernetes.io/name"]).toBe("api");
    expect(d.spec.strategy).toEqual({
      type: "RollingUpdate",
      rolling_update: { max_surge: "25%", max_unavailable: "0" },
    });
    expect(
      d.spec.template.spec.topology_spread_constraint.map((t: any) => [
        t.topology_key,
        t.when_unsatisfiable,
        t.max_skew,
        t.label_selector[0].match_labels,
      ]),
    ).toEqual([
      ["topology.kubernetes.io/zone", "ScheduleAnyway", 1, { "app.kubernetes.io/name": "api" }],
      ["kubernetes.io/hostname", "ScheduleAnyway", 1, { "app.kubernetes.io/name": "api" }],
    ]);
    expect(d.lifecycle).toBeUndefined();
  });

  it("spreads across nodes only, or as a requirement, when asked", () => {
    const spread = (props: Partial<WorkloadProps>) =>
      podOf(build(props).json).topology_spread_constraint.map((t: any) => [
        t.topology_key,
        t.when_unsatisfiable,
      ]);
    expect(spread({ spread: { across: "node" } })).toEqual([
      ["kubernetes.io/hostname", "ScheduleAnyway"],
    ]);
    expect(spread({ spread: { mode: "required" } })).toEqual([
      ["topology.kubernetes.io/zone", "DoNotSchedule"],
      ["kubernetes.io/hostname", "DoNotSchedule"],
    ]);
  });

  it("takes rolling-update settings as numbers or percentages", () => {
    const { json } = build({ rollingUpdate: { maxSurge: 1, maxUnavailable: "10%" } });
    expect(deploymentOf(json).spec.strategy.rolling_update).toEqual({
      max_surge: "1",
      max_unavailable: "10%",
    });
  });

  it("has a PodDisruptionBudget of one unavailable pod", () => {
    const { json } = build();
    expect(one(json, "kubernetes_pod_disruption_budget_v1").spec).toEqual({
      max_unavailable: "1",
      selector: { match_labels: { "app.kubernetes.io/name": "api" } },
    });
    const min = build({ replicas: 3, disruption: { minAvailable: 2 } });
    expect(one(min.json, "kubernetes_pod_disruption_budget_v1").spec.min_available).toBe("2");
  });

  it("puts a ClusterIP Service in front of the pods, port to targetPort", () => {
    const { json, workload } = build({
      containerPort: undefined,
      containerPorts: [{ port: 8080, name: "http" }, { port: 9090 }],
      service: { port: 443, targetPort: "http" },
    });
    expect(one(json, "kubernetes_service_v1")).toMatchObject({
      metadata: { name: "api", namespace: "shop" },
      spec: {
        type: "ClusterIP",
        selector: { "app.kubernetes.io/name": "api" },
        port: [{ name: "http", port: 443, target_port: "8080", protocol: "TCP" }],
      },
    });
    expect(workload.serviceName).toBe("api");
    expect(workload.servicePort).toBe(443);
    expect(resourcesOf(build({ service: undefined }).json, "kubernetes_service_v1")).toHaveLength(
      0,
    );
  });

  it("labels every object with the stack's labels, the user's and the selector label", () => {
    const { json } = build({ labels: { team: "storefront" } });
    for (const type of [
      "kubernetes_deployment_v1",
      "kubernetes_service_v1",
      "kubernetes_service_account_v1",
      "kubernetes_pod_disruption_budget_v1",
      "kubernetes_network_policy_v1",
    ]) {
      expect(one(json, type).metadata.labels).toMatchObject({
        team: "storefront",
        "app.kubernetes.io/name": "api",
        environment: "dev",
        system: "test",
      });
    }
  });

  it("is placed in a Namespace construct by reference", () => {
    const stack = testStack();
    const ns = new Namespace(stack, "shop", { name: "shop" });
    new Workload(stack, "api", { ...BASE, namespace: ns });
    const json = synthJson(stack);
    expect(deploymentOf(json).metadata.namespace).toBe(
      "${kubernetes_namespace_v1.shop_namespace_09DF68E0.metadata[0].name}",
    );
  });

  it("backs an Ingress with its Service", () => {
    const stack = testStack();
    const api = new Workload(stack, "api", BASE);
    new Ingress(stack, "web", {
      namespace: "shop",
      tls: { secretName: "shop-tls", issuer: "letsencrypt-prod" },
      rules: [{ host: "shop.example.com", backend: api }],
    });
    const ingress = one(synthJson(stack), "kubernetes_ingress_v1");
    expect(ingress.spec.rule[0].http.path[0].backend).toEqual({
      service: { name: "api", port: { number: 80 } },
    });
  });
});

describe("Workload autoscaling", () => {
  it("scales on CPU at 70% with bounded scale-up and slow scale-down", () => {
    const { json } = build({ autoscaling: { min: 3, max: 10 } });
    const hpa = one(json, "kubernetes_horizontal_pod_autoscaler_v2");
    expect(hpa.spec).toEqual({
      min_replicas: 3,
      max_replicas: 10,
      scale_target_ref: { api_version: "apps/v1", kind: "Deployment", name: "api" },
      metric: [
        {
          type: "Resource",
          resource: { name: "cpu", target: { type: "Utilization", average_utilization: 70 } },
        },
      ],
      behavior: {
        scale_up: [
          {
            stabilization_window_seconds: 0,
            select_policy: "Max",
            policy: [
              { type: "Percent", value: 100, period_seconds: 60 },
              { type: "Pods", value: 4, period_seconds: 60 },
            ],
          },
        ],
        scale_down: [
          {
            stabilization_window_seconds: 300,
            select_policy: "Min",
            policy: [
              { type: "Percent", value: 50, period_seconds: 60 },
              { type: "Pods", value: 2, period_seconds: 60 },
            ],
          },
        ],
      },
    });
    const d = deploymentOf(json);
    expect(d.spec.replicas).toBe("3");
    expect(d.lifecycle).toEqual({ ignore_changes: ["spec[0].replicas"] });
  });

  it("scales on CPU and memory with the behaviours given", () => {
    const { json } = build({
      autoscaling: {
        min: 2,
        max: 20,
        cpuPercent: 60,
        memoryPercent: 80,
        selectPolicy: "Max",
        scaleUp: {
          stabilizationWindowSeconds: 30,
          policies: [{ type: "Pods", value: 2, periodSeconds: 30 }],
        },
        scaleDown: { selectPolicy: "Disabled" },
      },
    });
    const spec = one(json, "kubernetes_horizontal_pod_autoscaler_v2").spec;
    expect(
      spec.metric.map((m: any) => [m.resource.name, m.resource.target.average_utilization]),
    ).toEqual([
      ["cpu", 60],
      ["memory", 80],
    ]);
    expect(spec.behavior.scale_up[0]).toEqual({
      stabilization_window_seconds: 30,
      select_policy: "Max",
      policy: [{ type: "Pods", value: 2, period_seconds: 30 }],
    });
    expect(spec.behavior.scale_down[0].select_policy).toBe("Disabled");
    const memoryOnly = build({ autoscaling: { min: 2, max: 4, memoryPercent: 75 } });
    expect(
      one(memoryOnly.json, "kubernetes_horizontal_pod_autoscaler_v2").spec.metric.map(
        (m: any) => m.resource.name,
      ),
    ).toEqual(["memory"]);
  });
});

describe("Workload.singleton", () => {
  it("runs exactly one pod, recreated, without an autoscaler, PDB or spread", () => {
    const stack = testStack();
    const beat = Workload.singleton(stack, "beat", { ...WORKER, name: "beat" });
    const json = synthJson(stack);
    const d = deploymentOf(json, "beat");
    expect(beat.isSingleton).toBe(true);
    expect(d.spec.replicas).toBe("1");
    expect(d.spec.strategy).toEqual({ type: "Recreate" });
    expect(d.spec.template.spec.topology_spread_constraint).toBeUndefined();
    expect(resourcesOf(json, "kubernetes_horizontal_pod_autoscaler_v2")).toHaveLength(0);
    expect(resourcesOf(json, "kubernetes_pod_disruption_budget_v1")).toHaveLength(0);
    expect(beat.disruptionBudget).toBeUndefined();
    expect(beat.autoscaler).toBeUndefined();
  });

  it.each([
    ["replicas", { replicas: 2 }],
    ["autoscaling", { autoscaling: { min: 1, max: 2 } }],
    ["disruption", { disruption: { maxUnavailable: 1 } }],
  ])("refuses %s", (property, extra) => {
    const error = refusal((stack) =>
      Workload.singleton(stack, "beat", { ...WORKER, name: "beat", ...(extra as object) }),
    );
    expect(error.message).toContain(property);
  });
});

describe("Workload network policy", () => {
  it("denies all ingress and egress until flows are declared", () => {
    expect(policyOf(build().json)).toEqual({
      pod_selector: { match_labels: { "app.kubernetes.io/name": "api" } },
      policy_types: ["Ingress", "Egress"],
    });
  });

  it("admits the ingress controller on the container port and opens DNS", () => {
    const stack = testStack();
    new Workload(stack, "api", BASE).allowFrom("ingress-controller").allowTo("dns");
    const spec = policyOf(synthJson(stack));
    expect(spec.ingress).toEqual([
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
    ]);
    expect(spec.egress.map((e: any) => e.ports[0])).toEqual([
      { port: "53", protocol: "UDP" },
      { port: "53", protocol: "TCP" },
    ]);
    expect(spec.egress[0].to).toEqual([
      {
        namespace_selector: { match_labels: { "kubernetes.io/metadata.name": "kube-system" } },
        pod_selector: { match_labels: { "k8s-app": "kube-dns" } },
      },
    ]);
  });

  it("opens both sides of a flow between two workloads, across namespaces too", () => {
    const stack = testStack();
    const api = new Workload(stack, "api", BASE);
    const worker = new Workload(stack, "worker", WORKER);
    const cache = new Workload(stack, "cache", {
      ...BASE,
      namespace: "data",
      name: "cache",
      containerPort: 6379,
      probes: { liveness: {}, readiness: {} },
      service: { port: 6379 },
    });
    worker.allowTo(api);
    api.allowTo(cache, 6379);
    const json = synthJson(stack);
    expect(policyOf(json, "worker").egress).toEqual([
      {
        to: [{ pod_selector: { match_labels: { "app.kubernetes.io/name": "api" } } }],
        ports: [{ port: "8080", protocol: "TCP" }],
      },
    ]);
    expect(policyOf(json, "api").ingress).toEqual([
      {
        from: [{ pod_selector: { match_labels: { "app.kubernetes.io/name": "worker" } } }],
        ports: [{ port: "8080", protocol: "TCP" }],
      },
    ]);
    expect(policyOf(json, "api").egress[0].to).toEqual([
      {
        namespace_selector: { match_labels: { "kubernetes.io/metadata.name": "data" } },
        pod_selector: { match_labels: { "app.kubernetes.io/name": "cache" } },
      },
    ]);
    expect(policyOf(json, "cache").ingress[0]).toEqual({
      from: [
        {
          namespace_selector: { match_labels: { "kubernetes.io/metadata.name": "shop" } },
          pod_selector: { match_labels: { "app.kubernetes.io/name": "api" } },
        },
      ],
      ports: [{ port: "6379", protocol: "TCP" }],
    });
  });

  it("admits a namespace and reaches a namespace on a port", () => {
    const stack = testStack();
    new Workload(stack, "api", BASE)
      .allowFrom({ name: "monitoring" })
      .allowTo({ name: "data" }, 5432);
    const spec = policyOf(synthJson(stack));
    expect(spec.ingress[0].from).toEqual([
      { namespace_selector: { match_labels: { "kubernetes.io/metadata.name": "monitoring" } } },
    ]);
    expect(spec.egress[0]).toEqual({
      to: [{ namespace_selector: { match_labels: { "kubernetes.io/metadata.name": "data" } } }],
      ports: [{ port: "5432", protocol: "TCP" }],
    });
  });

  it("reaches public HTTPS without private ranges or the metadata server", () => {
    const stack = testStack();
    new Workload(stack, "api", BASE).allowTo("internet-https");
    const egress = policyOf(synthJson(stack)).egress;
    expect(egress).toHaveLength(1);
    expect(egress[0].ports).toEqual([{ port: "443", protocol: "TCP" }]);
    const [v4, v6] = egress[0].to.map((t: any) => t.ip_block);
    expect(v4.cidr).toBe("0.0.0.0/0");
    expect(v4.except).toEqual(
      expect.arrayContaining(["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16"]),
    );
    expect(v6.cidr).toBe("::/0");
    expect(v6.except).toEqual(expect.arrayContaining(["fc00::/7", "fe80::/10"]));
  });

  it("reaches CIDRs on the ports given, and the whole internet only with a recorded opt-out", () => {
    const stack = testStack();
    const api = new Workload(stack, "api", BASE);
    api.allowTo({ cidrs: ["10.20.0.0/16"], ports: [5432, 6432] });
    api.allowTo({ cidrs: ["0.0.0.0/0"], ports: [25], allowWorld: { reason: REASON } });
    const egress = policyOf(synthJson(stack)).egress;
    expect(egress.map((e: any) => [e.to[0].ip_block.cidr, e.ports[0].port])).toEqual([
      ["10.20.0.0/16", "5432"],
      ["10.20.0.0/16", "6432"],
      ["0.0.0.0/0", "25"],
    ]);
    expect(optOutsOf(api.networkPolicy)).toEqual([{ id: "egress-to-world", reason: REASON }]);
  });
});

describe("Workload LoadBalancer", () => {
  it("is a reasoned opt-out with source ranges, and internal when asked", () => {
    const stack = testStack();
    const api = new Workload(stack, "api", {
      ...BASE,
      service: {
        port: 443,
        type: "LoadBalancer",
        loadBalancer: { sourceRanges: ["203.0.113.0/24"], reason: REASON, internal: "gke" },
      },
    });
    const json = synthWithComments(stack);
    const svc = one(json, "kubernetes_service_v1");
    expect(svc.spec).toMatchObject({
      type: "LoadBalancer",
      load_balancer_source_ranges: ["203.0.113.0/24"],
    });
    expect(svc.metadata.annotations).toEqual({
      "networking.gke.io/load-balancer-type": "Internal",
    });
    expect(optOutsOf(api.service!)).toEqual([{ id: "load-balancer", reason: REASON }]);
  });

  it("sets the AWS internal scheme for eks", () => {
    const { json } = build({
      service: {
        port: 443,
        type: "LoadBalancer",
        loadBalancer: { sourceRanges: ["10.0.0.0/8"], reason: REASON, internal: "eks" },
      },
    });
    expect(one(json, "kubernetes_service_v1").metadata.annotations).toEqual({
      "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal",
      "service.beta.kubernetes.io/aws-load-balancer-internal": "true",
    });
  });
});

describe("Workload refusals", () => {
  const lb = (loadBalancer: any) => ({
    service: { port: 443, type: "LoadBalancer" as const, loadBalancer },
  });

  it.each(
    (
      [
        [
          "a probe on a port the container does not expose",
          { probes: { liveness: { path: "/healthz", port: 9090 }, readiness: { path: "/ready" } } },
          "probes.liveness.port",
          /does not expose|not a port the container exposes/,
        ],
        [
          "a probe by a port name the container does not have",
          { probes: { liveness: { port: "admin" }, readiness: { path: "/ready" } } },
          "probes.liveness.port",
        ],
        [
          "a probe on a port of a workload without ports",
          {
            containerPort: undefined,
            service: undefined,
            probes: { liveness: { path: "/healthz" }, readiness: { command: ["true"] } },
          },
          "probes.liveness.port",
          /exposes none/,
        ],
        [
          "a serving workload without a readiness probe",
          { probes: { liveness: { path: "/healthz" } } },
          "probes.readiness",
          /is missing/,
        ],
        [
          "a serving workload without a liveness probe",
          { probes: { readiness: { path: "/ready" } } },
          "probes.liveness",
          /is missing/,
        ],
        [
          "a probe with a command and a path",
          {
            probes: { liveness: { command: ["true"], path: "/x" }, readiness: { path: "/ready" } },
          },
          "probes.liveness.command",
        ],
        [
          "a Service targeting a port the container does not expose",
          { service: { port: 80, targetPort: 9999 } },
          "service.targetPort",
        ],
        [
          "HPA min above max",
          { autoscaling: { min: 5, max: 3 } },
          "autoscaling.min",
          /above autoscaling.max/,
        ],
        [
          "HPA min below the PDB's minAvailable",
          { autoscaling: { min: 2, max: 5 }, disruption: { minAvailable: 3 } },
          "autoscaling.min",
          /below the PodDisruptionBudget's minAvailable/,
        ],
        [
          "a PDB minAvailable equal to HPA min",
          { autoscaling: { min: 2, max: 5 }, disruption: { minAvailable: 2 } },
          "disruption.minAvailable",
          /blocks every node drain/,
        ],
        [
          "a PDB minAvailable percentage that rounds up to every pod",
          { replicas: 1, disruption: { minAvailable: "50%" } },
          "disruption.minAvailable",
          /blocks every node drain/,
        ],
        [
          "a PDB minAvailable of 100%",
          { replicas: 4, disruption: { minAvailable: "100%" } },
          "disruption.minAvailable",
        ],
        [
          "a PDB maxUnavailable of 0",
          { disruption: { maxUnavailable: 0 } },
          "disruption.maxUnavailable",
        ],
        ["both PDB bounds", { disruption: { maxUnavailable: 1, minAvailable: 1 } }, "disruption"],
        ["replicas with autoscaling", { replicas: 3, autoscaling: { min: 2, max: 4 } }, "replicas"],
        [
          "an HPA CPU target above 100%",
          { autoscaling: { min: 2, max: 4, cpuPercent: 150 } },
          "autoscaling.cpuPercent",
        ],
        [
          "an HPA policy with a period over 30 minutes",
          {
            autoscaling: {
              min: 2,
              max: 4,
              scaleUp: { policies: [{ type: "Pods", value: 1, periodSeconds: 3600 }] },
            },
          },
          "autoscaling.scaleUp.policies[0].periodSeconds",
        ],
        [
          "an HPA policy of an unknown type",
          {
            autoscaling: {
              min: 2,
              max: 4,
              scaleDown: { policies: [{ type: "Nodes" as never, value: 1, periodSeconds: 60 }] },
            },
          },
          "autoscaling.scaleDown.policies[0].type",
        ],
        [
          "an HPA select policy that does not exist",
          { autoscaling: { min: 2, max: 4, scaleUp: { selectPolicy: "Avg" as never } } },
          "autoscaling.scaleUp.selectPolicy",
        ],
        [
          "an HPA stabilization window over an hour",
          { autoscaling: { min: 2, max: 4, scaleDown: { stabilizationWindowSeconds: 7200 } } },
          "autoscaling.scaleDown.stabilizationWindowSeconds",
        ],
        [
          "an HPA without policies",
          { autoscaling: { min: 2, max: 4, scaleUp: { policies: [] } } },
          "autoscaling.scaleUp.policies",
        ],
        [
          "a CPU limit below its request",
          {
            resources: {
              requests: { cpu: "1", memory: "256Mi" },
              limits: { cpu: "500m", memory: "512Mi" },
            },
          },
          "resources.limits.cpu",
          /below the request/,
        ],
        [
          "a memory limit below its request",
          {
            resources: {
              requests: { cpu: "250m", memory: "1Gi" },
              limits: { cpu: "1", memory: "1000Mi" },
            },
          },
          "resources.limits.memory",
          /below the request/,
        ],
        [
          "a CPU quantity that does not parse",
          {
            resources: {
              requests: { cpu: "lots", memory: "256Mi" },
              limits: { cpu: "1", memory: "512Mi" },
            },
          },
          "resources.requests.cpu",
          /not a CPU quantity/,
        ],
        [
          "memory in millibytes",
          {
            resources: {
              requests: { cpu: "250m", memory: "256Mi" },
              limits: { cpu: "1", memory: "500m" },
            },
          },
          "resources.limits.memory",
        ],
        [
          "memory as text with a unit Kubernetes does not know",
          {
            resources: {
              requests: { cpu: "250m", memory: "256MB" },
              limits: { cpu: "1", memory: "512Mi" },
            },
          },
          "resources.requests.memory",
        ],
        [
          "a zero CPU request",
          {
            resources: {
              requests: { cpu: "0", memory: "256Mi" },
              limits: { cpu: "1", memory: "512Mi" },
            },
          },
          "resources.requests.cpu",
        ],
        [
          "a label that changes the selector label",
          { labels: { "app.kubernetes.io/name": "web" } },
          "labels.app.kubernetes.io/name",
          /selector label/,
        ],
        ["a label key Kubernetes rejects", { labels: { "bad key": "x" } }, "labels key"],
        ["the latest tag", { image: "registry.example.com/shop/api:latest" }, "image", /latest/],
        ["an untagged image", { image: "registry.example.com/shop/api" }, "image", /no tag/],
        ["an image that is not a reference", { image: "Not An Image" }, "image"],
        [
          "a literal secret under a secret-like name",
          { env: { API_KEY: "sk-not-so-secret" } },
          "env.API_KEY",
          /named like a secret/,
        ],
        ["a literal password", { env: { DB_PASSWORD: "hunter2" } }, "env.DB_PASSWORD"],
        [
          "a credential by its shape under a plain name",
          { env: { UPSTREAM: "AKIAABCDEFGHIJKLMNOP" } },
          "env.UPSTREAM",
          /AWS access key ID/,
        ],
        [
          "a URL with a password",
          { env: { DATABASE_URL: "postgres://app:s3cr3tpass@db:5432/app" } },
          "env.DATABASE_URL",
        ],
        [
          "a credential in args",
          { args: ["--token", "ghp_abcdefghijklmnopqrstuvwxyz0123456789"] },
          "args[1]",
        ],
        [
          "a variable in env and secretEnv",
          { env: { MODE: "x" }, secretEnv: { MODE: { secretName: "s", key: "k" } } },
          "secretEnv.MODE",
        ],
        [
          "a Secret name that is not DNS-1123",
          { secretEnv: { DB_PASSWORD: { secretName: "Shop_DB", key: "password" } } },
          "secretEnv.DB_PASSWORD.secretName",
        ],
        ["an env name that is not one", { env: { "1BAD": "x" } }, "env key"],
        ["a name with uppercase letters", { name: "Api" }, "name", /DNS-1035/],
        ["a name with an underscore", { name: "shop_api" }, "name"],
        ["a name over 63 characters", { name: "a".repeat(64) }, "name"],
        ["a namespace that is not DNS-1123", { namespace: "Shop" }, "namespace"],
        ["zero replicas", { replicas: 0 }, "replicas", /from 1/],
        ["a fractional replica count", { replicas: 1.5 }, "replicas"],
        [
          "a rollout that can neither surge nor lose a pod",
          { rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } },
          "rollingUpdate",
        ],
        [
          "a rolling-update percentage over 100",
          { rollingUpdate: { maxSurge: "150%" } },
          "rollingUpdate.maxSurge",
        ],
        ["an unknown spread", { spread: { across: "region" as never } }, "spread.across"],
        ["an unknown spread mode", { spread: { mode: "sometimes" as never } }, "spread.mode"],
        ["a root UID", { runAsUser: 0 }, "runAsUser"],
        [
          "a writable path that is not absolute",
          { writablePaths: ["var/cache"] },
          "writablePaths[0]",
        ],
        ["a writable path with ..", { writablePaths: ["/var/../etc"] }, "writablePaths[0]"],
        [
          "a writable path listed twice",
          { writablePaths: ["/var/cache", "/run", "/var/cache"] },
          "writablePaths[2]",
          /twice/,
        ],
        ["a port out of range", { containerPort: 70000 }, "containerPort"],
        [
          "a Workload Identity annotation that is not a service account email",
          { serviceAccount: { annotations: { "iam.gke.io/gcp-service-account": "shop-api" } } },
          "serviceAccount.annotations.iam.gke.io/gcp-service-account",
        ],
        [
          "an annotation key whose prefix has an empty part",
          { serviceAccount: { annotations: { "example..com/owner": "shop" } } },
          "serviceAccount.annotations key",
          /is not an annotation key/,
        ],
        [
          "an annotation key whose prefix part is longer than 63",
          { serviceAccount: { annotations: { [`${"a".repeat(64)}.example.com/owner`]: "shop" } } },
          "serviceAccount.annotations key",
          /is not an annotation key/,
        ],
        [
          "an IRSA annotation that is not a role ARN",
          {
            serviceAccount: {
              annotations: { "eks.amazonaws.com/role-arn": "arn:aws:iam::123:user/x" },
            },
          },
          "serviceAccount.annotations.eks.amazonaws.com/role-arn",
        ],
        [
          "a LoadBalancer without its opt-out",
          { service: { port: 443, type: "LoadBalancer" } },
          "service.loadBalancer",
          /is missing/,
        ],
        [
          "a LoadBalancer whose reason is too short",
          lb({ sourceRanges: ["203.0.113.0/24"], reason: "needed" }),
          "service.loadBalancer.reason",
        ],
        [
          "a LoadBalancer without source ranges",
          lb({ sourceRanges: [], reason: REASON }),
          "service.loadBalancer.sourceRanges",
        ],
        [
          "a LoadBalancer open to the world",
          lb({ sourceRanges: ["0.0.0.0/1", "128.0.0.0/1"], reason: REASON }),
          "service.loadBalancer.sourceRanges",
          /whole internet/,
        ],
        [
          "a LoadBalancer range that is not a CIDR",
          lb({ sourceRanges: ["203.0.113.7"], reason: REASON }),
          "service.loadBalancer.sourceRanges[0]",
        ],
        [
          "an internal load balancer of an unknown cloud",
          lb({ sourceRanges: ["10.0.0.0/8"], reason: REASON, internal: "azure" }),
          "service.loadBalancer.internal",
        ],
        [
          "loadBalancer on a ClusterIP Service",
          { service: { port: 80, loadBalancer: { sourceRanges: ["10.0.0.0/8"], reason: REASON } } },
          "service.loadBalancer",
          /ClusterIP/,
        ],
        [
          "a NodePort Service",
          { service: { port: 80, type: "NodePort" as never } },
          "service.type",
        ],
      ] as [string, Partial<WorkloadProps>, string, RegExp?][]
    ).map(([what, props, property, problem]) => [what, props, property, problem ?? null] as const),
  )("refuses %s", (_, props, property, problem) => {
    expectRefused(props, property, problem ?? undefined);
  });

  it("refuses unknown props", () => {
    const error = refusal(
      (stack) =>
        new Workload(stack, "api", { ...BASE, hostNetwork: true } as unknown as WorkloadProps),
    );
    expect(error.message).toContain("hostNetwork");
  });

  it("refuses a second workload of the same name in a namespace", () => {
    const error = refusal((stack) => {
      new Workload(stack, "a", BASE);
      new Workload(stack, "b", BASE);
    });
    expect(error.property).toBe("name");
    expect(error.message).toContain("already used");
  });

  it("refuses a flow to a workload that was not created in this stack", () => {
    const impostor = {
      name: "ghost",
      namespace: "shop",
      podLabels: { "app.kubernetes.io/name": "ghost" },
      ports: [{ port: 80, protocol: "TCP" }],
    } as unknown as IWorkload;
    const error = refusal((stack) => new Workload(stack, "api", BASE).allowTo(impostor));
    expect(error.property).toBe("allowTo(peer)");
    expect(error.message).toContain("not a Workload created in this stack");
    const from = refusal((stack) => new Workload(stack, "api", BASE).allowFrom(impostor));
    expect(from.property).toBe("allowFrom(peer)");
  });

  it("refuses a flow to a workload of another stack", () => {
    const other = new Workload(testStack({ system: "other" }), "db", { ...BASE, name: "db" });
    const error = refusal((stack) => new Workload(stack, "api", BASE).allowFrom(other));
    expect(error.property).toBe("allowFrom(peer)");
    expect(error.message).toContain("another stack");
  });

  it("refuses flows on ports the workloads do not expose", () => {
    const stack = testStack();
    const api = new Workload(stack, "api", BASE);
    const worker = new Workload(stack, "worker", WORKER);
    expect(() => api.allowFrom("ingress-controller", 9090)).toThrow(/allowFrom\(port\)/);
    expect(() => worker.allowFrom("ingress-controller")).toThrow(/exposes none/);
    expect(() => worker.allowTo(api, 443)).toThrow(/allowTo\(port\)/);
    expect(() => api.allowTo("dns", 5353)).toThrow(/DNS is 53/);
    expect(() => api.allowTo("internet-https", 80)).toThrow(/internet-https is TCP 443/);
    expect(() => api.allowTo({ name: "data" })).toThrow(/port number for a namespace peer/);
  });

  it.each([[["0.0.0.0/0"]], [["0.0.0.0/1", "128.0.0.0/1"]], [["::/0"]]])(
    "refuses allowTo CIDRs that cover the whole internet (%j) without allowWorld",
    (cidrs) => {
      const error = refusal((stack) =>
        new Workload(stack, "api", BASE).allowTo({ cidrs, ports: [443] }),
      );
      expect(error.property).toBe("allowTo(peer).cidrs");
      expect(error.message).toContain("whole internet");
    },
  );

  it("refuses allowTo CIDRs that are not ranges, and a world opt-out without a reason", () => {
    const bad = refusal((stack) =>
      new Workload(stack, "api", BASE).allowTo({ cidrs: ["10.0.0.1/8"], ports: [443] }),
    );
    expect(bad.property).toBe("allowTo(peer).cidrs[0]");
    const short = refusal((stack) =>
      new Workload(stack, "api", BASE).allowTo({
        cidrs: ["0.0.0.0/0"],
        ports: [443],
        allowWorld: { reason: "ok" },
      }),
    );
    expect(short.property).toBe("allowTo(peer).allowWorld.reason");
  });

  it("refuses a null or misspelt key in an allowTo CIDR peer instead of reading it as the default", () => {
    const allowTo = (peer: unknown) =>
      refusal((stack) => new Workload(stack, "api", BASE).allowTo(peer as never));
    const nullProtocol = allowTo({ cidrs: ["203.0.113.0/24"], ports: [443], protocol: null });
    expect(nullProtocol.property).toBe("allowTo(peer).protocol");
    const misspelt = allowTo({ cidrs: ["203.0.113.0/24"], ports: [53], protocl: "UDP" });
    expect(misspelt.message).toContain("protocl");
    const nullOptOut = allowTo({ cidrs: ["203.0.113.0/24"], ports: [443], allowWorld: null });
    expect(nullOptOut.property).toBe("allowTo(peer).allowWorld");
  });

  it("never shows a refused secret value", () => {
    const error = expectRefused({ env: { UPSTREAM: "AKIAABCDEFGHIJKLMNOP" } }, "env.UPSTREAM");
    expect(error.message).not.toContain("AKIAABCDEFGHIJKLMNOP");
  });
});

describe("Workload and the policy pack", () => {
  function stackOf(build: (stack: PlatformStack) => void) {
    const stack = testStack();
    build(stack);
    return parseStack("test", synthWithComments(stack) as unknown as Json);
  }

  /** A namespace, a serving workload with an autoscaler, a worker and a singleton, flows declared. */
  const compliant = () =>
    stackOf((stack) => {
      const ns = new Namespace(stack, "shop", { name: "shop" });
      const api = new Workload(stack, "api", {
        ...BASE,
        namespace: ns,
        autoscaling: { min: 2, max: 6 },
        secretEnv: { DB_PASSWORD: { secretName: "shop-db", key: "password" } },
        service: {
          port: 443,
          type: "LoadBalancer",
          loadBalancer: { sourceRanges: ["203.0.113.0/24"], reason: REASON },
        },
      });
      const worker = new Workload(stack, "worker", { ...WORKER, namespace: ns });
      const beat = Workload.singleton(stack, "beat", { ...WORKER, namespace: ns, name: "beat" });
      api.allowFrom("ingress-controller").allowTo("internet-https");
      worker.allowTo(api);
      beat.allowTo(api);
    });

  it("passes every rule with no finding, suppressed or not", () => {
    expect(evaluate([compliant()])).toEqual([]);
  });

  it.each(K8S_RULES.filter((r) => r.id !== "K8S-SEC-001").map((r) => [r.id, r] as const))(
    "%s judges the workload's resources compliant",
    (_, rule) => {
      const stack = normalizedStack(compliant());
      const context = contextOf(stack);
      const types = rule.types as readonly string[];
      const applicable = stack.resources.filter((r) => types.includes(r.type));
      expect(applicable.length).toBeGreaterThan(0);
      for (const resource of applicable) {
        expect([resource.address, rule.check(resource, context).status]).toEqual([
          resource.address,
          "compliant",
        ]);
      }
    },
  );

  it("K8S-SEC-001 has nothing to judge: secrets stay out of the workload's JSON", () => {
    const stack = compliant();
    const types = K8S_RULES.find((r) => r.id === "K8S-SEC-001")!.types as readonly string[];
    expect(stack.resources.filter((r) => types.includes(r.type))).toEqual([]);
    expect(JSON.stringify(stack)).toContain('"secret_key_ref"');
  });

  it("finds a container made privileged through the escape hatch", () => {
    const stack = stackOf((s) => {
      const w = new Workload(s, "api", BASE);
      w.deployment.addOverride("spec.template.spec.container.0.security_context.privileged", true);
    });
    expect(evaluate([stack]).map((f) => f.ruleId)).toContain("K8S-POD-001");
  });
});

describe("Workload properties", () => {
  const millicores = fc.integer({ min: 1, max: 64000 });
  const mebibytes = fc.integer({ min: 1, max: 65536 });
  const resources = (reqCpu: number, limCpu: number, reqMem: number, limMem: number) => ({
    requests: {
      cpu: formatQuantity(reqCpu / 1000, "cpu"),
      memory: formatQuantity(reqMem * 2 ** 20, "memory"),
    },
    limits: {
      cpu: formatQuantity(limCpu / 1000, "cpu"),
      memory: formatQuantity(limMem * 2 ** 20, "memory"),
    },
  });

  it("accepts limits at or above requests and refuses limits below, naming the limit", () => {
    fc.assert(
      fc.property(millicores, millicores, mebibytes, mebibytes, (rc, lc, rm, lm) => {
        const r = resources(rc, lc, rm, lm);
        const build = (stack: PlatformStack) =>
          new Workload(stack, "api", { ...BASE, resources: r });
        if (lc >= rc && lm >= rm) {
          const stack = testStack();
          build(stack);
          expect(containerOf(synthJson(stack)).resources).toEqual(r);
        } else {
          const error = refusal(build);
          expect(error.property).toBe(lc < rc ? "resources.limits.cpu" : "resources.limits.memory");
        }
      }),
      { numRuns: 40 },
    );
  });

  it("accepts HPA and PDB bounds exactly when a drain can evict a pod and min ≤ max", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 12 }),
        fc.oneof(
          fc.integer({ min: 1, max: 12 }),
          fc.integer({ min: 1, max: 100 }).map((p) => `${p}%`),
        ),
        (min, max, minAvailable) => {
          const props = { ...BASE, autoscaling: { min, max }, disruption: { minAvailable } };
          const kept =
            typeof minAvailable === "number"
              ? minAvailable
              : Math.ceil((parseInt(minAvailable, 10) * min) / 100);
          if (min <= max && kept < min) {
            const stack = testStack();
            new Workload(stack, "api", props);
            const json = synthJson(stack);
            expect(one(json, "kubernetes_horizontal_pod_autoscaler_v2").spec.min_replicas).toBe(
              min,
            );
            expect(one(json, "kubernetes_pod_disruption_budget_v1").spec.min_available).toBe(
              String(minAvailable),
            );
          } else {
            const error = refusal((stack) => new Workload(stack, "api", props));
            expect(["autoscaling.min", "disruption.minAvailable"]).toContain(error.property);
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it("never lets an env value of a known credential format through", () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Z][A-Z0-9_]{0,10}$/),
        fc.stringMatching(/^[A-Z0-9]{16}$/),
        (name, tail) => {
          const error = refusal(
            (stack) => new Workload(stack, "api", { ...BASE, env: { [name]: `AKIA${tail}` } }),
          );
          expect(error.property).toBe(`env.${name}`);
          expect(error.message).not.toContain(`AKIA${tail}`);
        },
      ),
      { numRuns: 20 },
    );
  });
});

describe("values reach the process as written (no Kubernetes $(VAR) expansion)", () => {
  it("doubles every $ of command, args and env values, so $(id) stays text", () => {
    const { json } = build({
      command: ["sh", "-c", "echo $(id) $HOME"],
      args: ["--price=$5"],
      env: { GREETING: "cost $(PRICE) or $$" },
    });
    const c = containerOf(json);
    expect(c.command).toEqual(["sh", "-c", "echo $$(id) $$HOME"]);
    expect(c.args).toEqual(["--price=$$5"]);
    expect(c.env).toContainEqual({ name: "GREETING", value: "cost $$(PRICE) or $$$$" });
  });

  it("keeps a Terraform reference in an env value intact", () => {
    const stack = testStack();
    const host = new TerraformVariable(stack, "db_host", { type: "string" });
    new Workload(stack, "api", { ...BASE, env: { DB_HOST: host.stringValue } });
    const c = containerOf(synthJson(stack));
    expect(c.env).toContainEqual({ name: "DB_HOST", value: "${var.db_host}" });
  });

  it("leaves exec probe commands alone (Kubernetes does not expand them)", () => {
    const { json } = build({
      probes: {
        liveness: { command: ["sh", "-c", "test -n $HOME"] },
        readiness: { command: ["true"] },
      },
    });
    expect(containerOf(json).liveness_probe.exec.command).toEqual(["sh", "-c", "test -n $HOME"]);
  });
});
