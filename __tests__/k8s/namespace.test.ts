import { Token } from "cdktf";
import { optOutsOf } from "../../constructs/core/opt-out";
import type { PlatformStack } from "../../constructs/core/stack";
import {
  Namespace,
  namespaceOf,
  POD_SECURITY_RELAXED,
  type NamespaceProps,
} from "../../constructs/k8s/namespace";
import { evaluate } from "../../policy/engine";
import { parseStack } from "../../policy/load";
import type { Json } from "../../policy/types";
import { findResource, synthJson, synthWithComments, testStack } from "../helpers/synth";

const REASON = "legacy node exporter needs hostPath until the chart is replaced";

function build(props: Partial<NamespaceProps> = {}): {
  stack: PlatformStack;
  ns: Namespace;
  json: ReturnType<typeof synthJson>;
} {
  const stack = testStack();
  const ns = new Namespace(stack, "shop", { name: "shop", ...props });
  return { stack, ns, json: synthJson(stack) };
}

function quotaOf(props: Partial<NamespaceProps>): Record<string, string> {
  const q = findResource(build(props).json, "kubernetes_resource_quota_v1") as {
    spec: { hard: Record<string, string> };
  };
  return q.spec.hard;
}

function limitsOf(props: Partial<NamespaceProps>): Record<string, Record<string, string>> {
  const l = findResource(build(props).json, "kubernetes_limit_range_v1") as {
    spec: { limit: Record<string, Record<string, string>>[] };
  };
  return l.spec.limit[0];
}

const NS_REF = "${kubernetes_namespace_v1.shop_namespace_09DF68E0.metadata[0].name}";

describe("Namespace", () => {
  it("enforces, audits and warns at Pod Security restricted by default", () => {
    const ns = findResource(
      build({ labels: { team: "payments" } }).json,
      "kubernetes_namespace_v1",
    );
    expect(ns).toEqual({
      metadata: {
        name: "shop",
        labels: {
          team: "payments",
          "pod-security.kubernetes.io/enforce": "restricted",
          "pod-security.kubernetes.io/enforce-version": "latest",
          "pod-security.kubernetes.io/audit": "restricted",
          "pod-security.kubernetes.io/audit-version": "latest",
          "pod-security.kubernetes.io/warn": "restricted",
          "pod-security.kubernetes.io/warn-version": "latest",
        },
      },
      wait_for_default_service_account: true,
    });
  });

  it("pins the Pod Security version when asked", () => {
    const ns = findResource(build({ podSecurityVersion: "v1.30" }).json, "kubernetes_namespace_v1");
    const labels = (ns.metadata as { labels: Record<string, string> }).labels;
    for (const mode of ["enforce", "audit", "warn"]) {
      expect(labels[`pod-security.kubernetes.io/${mode}-version`]).toBe("v1.30");
    }
  });

  it("has a ResourceQuota with sane defaults, in the namespace", () => {
    const { json } = build();
    expect(findResource(json, "kubernetes_resource_quota_v1")).toEqual({
      metadata: { name: "default-quota", namespace: NS_REF },
      spec: {
        hard: {
          "requests.cpu": "4",
          "requests.memory": "8Gi",
          "limits.cpu": "8",
          "limits.memory": "16Gi",
          pods: "50",
          services: "20",
          persistentvolumeclaims: "10",
          "requests.storage": "100Gi",
          "services.loadbalancers": "0",
          "services.nodeports": "0",
        },
      },
    });
  });

  it("has a LimitRange with container defaults, in the namespace", () => {
    const { json } = build();
    expect(findResource(json, "kubernetes_limit_range_v1")).toEqual({
      metadata: { name: "default-limits", namespace: NS_REF },
      spec: {
        limit: [
          {
            type: "Container",
            default_request: { cpu: "100m", memory: "128Mi" },
            default: { cpu: "500m", memory: "512Mi" },
            max: { cpu: "2", memory: "4Gi" },
          },
        ],
      },
    });
  });

  it("denies all ingress and egress except DNS to kube-dns", () => {
    const { json } = build();
    expect(findResource(json, "kubernetes_network_policy_v1")).toEqual({
      metadata: { name: "default-deny", namespace: NS_REF },
      spec: {
        pod_selector: {},
        policy_types: ["Ingress", "Egress"],
        egress: [
          {
            to: [
              {
                namespace_selector: {
                  match_labels: { "kubernetes.io/metadata.name": "kube-system" },
                },
                pod_selector: { match_labels: { "k8s-app": "kube-dns" } },
              },
            ],
            ports: [
              { port: "53", protocol: "UDP" },
              { port: "53", protocol: "TCP" },
            ],
          },
        ],
      },
    });
  });

  it("names itself by a reference, so what is created in it waits for it", () => {
    const { ns } = build();
    expect(Token.isUnresolved(ns.name)).toBe(true);
    expect(ns.declaredName).toBe("shop");
    expect(namespaceOf(ns, "namespace", ns)).toBe(ns.name);
  });

  describe("quota", () => {
    it("takes the given totals; limits default to twice the requests", () => {
      expect(
        quotaOf({
          quota: {
            cpu: "16",
            memory: "1.5Gi",
            pods: 200,
            services: 5,
            persistentVolumeClaims: 0,
            storage: "1Ti",
            loadBalancers: 1,
            nodePorts: 2,
          },
        }),
      ).toEqual({
        "requests.cpu": "16",
        "requests.memory": "1.5Gi",
        "limits.cpu": "32",
        "limits.memory": "3Gi",
        pods: "200",
        services: "5",
        persistentvolumeclaims: "0",
        "requests.storage": "1Ti",
        "services.loadbalancers": "1",
        "services.nodeports": "2",
      });
    });

    it("compares limits and requests as numbers, not text", () => {
      expect(quotaOf({ quota: { cpu: "1", limitsCpu: "1000m" } })).toMatchObject({
        "requests.cpu": "1",
        "limits.cpu": "1000m",
      });
      expect(quotaOf({ quota: { memory: "1G", limitsMemory: "1000Mi" } })).toMatchObject({
        "limits.memory": "1000Mi",
      });
      expect(quotaOf({ quota: { cpu: "1500m" } })["limits.cpu"]).toBe("3");
    });
  });

  describe("limits", () => {
    it("takes the given container defaults and bounds", () => {
      expect(
        limitsOf({
          limits: {
            defaultRequest: { cpu: "50m", memory: "64Mi" },
            default: { cpu: "250m", memory: "256Mi" },
            max: { cpu: "1", memory: "1Gi" },
          },
        }),
      ).toEqual({
        type: "Container",
        default_request: { cpu: "50m", memory: "64Mi" },
        default: { cpu: "250m", memory: "256Mi" },
        max: { cpu: "1", memory: "1Gi" },
      });
    });

    it("lets the defaults not given follow the ones that are", () => {
      // A large default limit raises the default max; a small one lowers the default request.
      expect(limitsOf({ limits: { default: { cpu: "4", memory: "64Mi" } } })).toMatchObject({
        default_request: { cpu: "100m", memory: "64Mi" },
        default: { cpu: "4", memory: "64Mi" },
        max: { cpu: "4", memory: "4Gi" },
      });
      // A small quota lowers the default max to the quota's total limit.
      expect(limitsOf({ quota: { cpu: "500m", memory: "1Gi" } })).toMatchObject({
        max: { cpu: "1", memory: "2Gi" },
      });
    });
  });

  describe("relaxPodSecurity", () => {
    it("enforces the weaker level, keeps audit and warn at restricted, records the opt-out", () => {
      const { stack, ns } = build({ relaxPodSecurity: { level: "baseline", reason: REASON } });
      const resource = findResource(synthWithComments(stack), "kubernetes_namespace_v1");
      expect((resource.metadata as { labels: Record<string, string> }).labels).toMatchObject({
        "pod-security.kubernetes.io/enforce": "baseline",
        "pod-security.kubernetes.io/audit": "restricted",
        "pod-security.kubernetes.io/warn": "restricted",
      });
      expect(optOutsOf(ns.namespace)).toEqual([{ id: POD_SECURITY_RELAXED, reason: REASON }]);
      expect(resource["//"]).toMatchObject({
        opt_outs: [{ id: POD_SECURITY_RELAXED, reason: REASON }],
      });
    });

    it("records nothing without it", () => {
      expect(optOutsOf(build().ns.namespace)).toEqual([]);
    });
  });

  it.each([
    // names
    [{ name: "Shop" }, /name = "Shop" is not a DNS-1123 label/],
    [{ name: "shop_1" }, /name = "shop_1" is not a DNS-1123 label/],
    [{ name: "-shop" }, /name = "-shop" is not a DNS-1123 label/],
    [{ name: "a".repeat(64) }, /name = "a{64}" is not a DNS-1123 label/],
    [{ name: "" }, /name = "" is not a DNS-1123 label/],
    [{ name: "default" }, /name = "default" is a namespace Kubernetes reserves/],
    [{ name: "kube-system" }, /name = "kube-system" is a namespace Kubernetes reserves/],
    [{ name: "kube-extra" }, /name = "kube-extra" is a namespace Kubernetes reserves/],
    // labels
    [{ labels: { "bad key!": "x" } }, /labels key = "bad key!" is not a Kubernetes label key/],
    [{ labels: { "Bad.Prefix/app": "x" } }, /labels key = "Bad.Prefix\/app" is not a/],
    [{ labels: { ["a".repeat(64)]: "x" } }, /labels key = "a{64}" is not a Kubernetes label key/],
    [{ labels: { app: "has space" } }, /labels\.app = "has space" is not a Kubernetes label value/],
    [{ labels: { app: "x".repeat(64) } }, /labels\.app = "x{64}" is not a Kubernetes label value/],
    [
      { labels: { "pod-security.kubernetes.io/enforce": "privileged" } },
      /labels key = "pod-security.kubernetes.io\/enforce" is set by the construct/,
    ],
    [
      { labels: { "kubernetes.io/metadata.name": "other" } },
      /labels key = "kubernetes.io\/metadata.name" is set by the API server/,
    ],
    // pod security
    [{ podSecurityVersion: "1.30" }, /podSecurityVersion = "1.30" is not a Pod Security/],
    [{ podSecurityVersion: "v2.0" }, /podSecurityVersion = "v2.0" is not a Pod Security/],
    [
      { relaxPodSecurity: { level: "restricted", reason: REASON } },
      /relaxPodSecurity\.level = "restricted" is not a Pod Security level below restricted/,
    ],
    [
      { relaxPodSecurity: { level: "baseline", reason: "dev" } },
      /relaxPodSecurity\.reason = "dev" is too short/,
    ],
    // quota quantities and counts
    [{ quota: { cpu: "lots" } }, /quota\.cpu = "lots" is not a CPU quantity/],
    [{ quota: { cpu: "0" } }, /quota\.cpu = "0" is not a CPU quantity/],
    [{ quota: { cpu: "-1" } }, /quota\.cpu = "-1" is not a CPU quantity/],
    [{ quota: { cpu: "1 core" } }, /quota\.cpu = "1 core" is not a CPU quantity/],
    [{ quota: { cpu: "0.1m" } }, /quota\.cpu = "0.1m" is not a CPU quantity of at least 1m/],
    [{ quota: { memory: "8GB" } }, /quota\.memory = "8GB" is not a positive whole number of bytes/],
    [{ quota: { memory: "500m" } }, /quota\.memory = "500m" is not a positive whole number/],
    [{ quota: { storage: "big" } }, /quota\.storage = "big" is not a positive whole number/],
    [
      { quota: { cpu: "1500m", limitsCpu: "1" } },
      /quota\.cpu = "1500m" is above quota\.limitsCpu \(1\)/,
    ],
    [
      { quota: { memory: "2Gi", limitsMemory: "2G" } },
      /quota\.memory = "2Gi" is above quota\.limitsMemory \(2G\)/,
    ],
    [
      { quota: { limitsCpu: "2" } },
      /quota\.limitsCpu = "2" is below quota\.cpu \(4, its default\)/,
    ],
    [{ quota: { pods: 0 } }, /quota\.pods = 0 is not a whole number from 1 to 100000/],
    [{ quota: { pods: 1.5 } }, /quota\.pods = 1\.5 is not a whole number from 1/],
    [{ quota: { loadBalancers: -1 } }, /quota\.loadBalancers = -1 is not a whole number from 0/],
    [{ quota: { pods: "50" } }, /quota\.pods = "50" has the wrong type/],
    [{ quota: { cpus: "4" } }, /quota\.cpus/],
    // limits
    [
      { limits: { defaultRequest: { cpu: "1" } } },
      /limits\.defaultRequest\.cpu = "1" is above limits\.default\.cpu \(500m, its default\)/,
    ],
    [
      { limits: { defaultRequest: { memory: "1Gi" }, default: { memory: "1000Mi" } } },
      /limits\.defaultRequest\.memory = "1Gi" is above limits\.default\.memory \(1000Mi\)/,
    ],
    [
      { limits: { default: { cpu: "3" }, max: { cpu: "2500m" } } },
      /limits\.default\.cpu = "3" is above limits\.max\.cpu \(2500m\)/,
    ],
    [
      { limits: { max: { memory: "32Gi" } } },
      /limits\.max\.memory = "32Gi" is above quota\.limitsMemory \(16Gi, its default\)/,
    ],
    [
      { quota: { memory: "100Mi" } },
      /quota\.memory = "100Mi" is below limits\.defaultRequest\.memory \(128Mi, its default\)/,
    ],
    [
      { quota: { cpu: "200m" } },
      /limits\.max\.cpu = "500m" \(its default\) is above quota\.limitsCpu \(400m, its default\)/,
    ],
    [{ limits: { default: { cpu: "x" } } }, /limits\.default\.cpu = "x" is not a CPU quantity/],
    [{ limits: { max: { memory: "" } } }, /limits\.max\.memory = "" is not a positive whole/],
    // wrong types and typos
    [{ name: 42 }, /name/],
    [{ labels: { team: 1 } }, /labels\.team/],
    [{ quota: "small" }, /quota/],
    [{ labls: {} }, /labls/],
  ])("refuses %j", (override, message) => {
    expect(
      () => new Namespace(testStack(), "ns", { name: "shop", ...(override as object) }),
    ).toThrow(message);
  });

  describe("Terraform text", () => {
    const PAYLOAD = '${file("/etc/passwd")}';
    it.each([
      ["name", { name: PAYLOAD }],
      ["labels key", { labels: { [PAYLOAD]: "x" } }],
      ["labels.app", { labels: { app: PAYLOAD } }],
      ["podSecurityVersion", { podSecurityVersion: PAYLOAD }],
      ["quota.cpu", { quota: { cpu: PAYLOAD } }],
      ["quota.limitsMemory", { quota: { limitsMemory: PAYLOAD } }],
      ["quota.storage", { quota: { storage: PAYLOAD } }],
      ["limits.defaultRequest.cpu", { limits: { defaultRequest: { cpu: PAYLOAD } } }],
      ["limits.max.memory", { limits: { max: { memory: PAYLOAD } } }],
    ])("refuses an expression in %s", (prop, override) => {
      expect(() => new Namespace(testStack(), "ns", { name: "shop", ...override })).toThrow(
        new RegExp(`: ${prop.replace(/\./g, "\\.")} = `),
      );
    });
  });

  it("refuses missing props", () => {
    expect(() => new Namespace(testStack(), "ns", undefined as never)).toThrow(
      /props = undefined are missing/,
    );
  });

  it("refuses a second namespace with the same name in the stack", () => {
    const stack = testStack();
    new Namespace(stack, "a", { name: "shop" });
    expect(() => new Namespace(stack, "b", { name: "shop" })).toThrow(
      /name = "shop" is already used by another namespace in this stack \(test-dev\/a\)/,
    );
  });

  it("refuses a namespace that is neither a name nor { name }", () => {
    const stack = testStack();
    expect(() => namespaceOf(stack, "namespace", {})).toThrow(
      /namespace = \{\} is not a namespace/,
    );
    expect(() => namespaceOf(stack, "namespace", { name: "Shop" })).toThrow(
      /namespace = "Shop" is not a DNS-1123 label/,
    );
    expect(namespaceOf(stack, "namespace", { name: "payments" })).toBe("payments");
  });

  it("passes the policy pack with zero unsuppressed findings", () => {
    const { stack } = build({ labels: { team: "payments" }, quota: { cpu: "8" } });
    const json = JSON.parse(JSON.stringify(synthWithComments(stack))) as Json;
    const findings = evaluate([parseStack("test", json)]).filter(
      (f) => f.severity !== "info" && f.suppressed === undefined,
    );
    expect(findings).toEqual([]);
  });
});
