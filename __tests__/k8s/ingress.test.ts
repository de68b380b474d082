import { Construct } from "constructs";
import { Token } from "cdktf";
import { optOutsOf } from "../../constructs/core/opt-out";
import type { PlatformStack } from "../../constructs/core/stack";
import {
  Ingress,
  isIngressHost,
  parseNginxSize,
  PLAIN_HTTP,
  tlsCovers,
  type IngressProps,
} from "../../constructs/k8s/ingress";
import { Namespace } from "../../constructs/k8s/namespace";
import { evaluate } from "../../policy/engine";
import { parseStack } from "../../policy/load";
import type { Json } from "../../policy/types";
import { findResource, synthJson, synthWithComments, testStack } from "../helpers/synth";

const REASON = "internal health endpoint behind the VPN, TLS ends at the load balancer";
const WEB = { serviceName: "web", port: 80 };

const BASE: IngressProps = {
  namespace: "shop",
  tls: { secretName: "shop-tls", issuer: "letsencrypt-prod" },
  rules: [{ host: "shop.example.com", backend: WEB }],
};

function build(props: Partial<IngressProps> = {}, id = "web") {
  const stack = testStack();
  const ingress = new Ingress(stack, id, { ...BASE, ...props });
  return { stack, ingress, json: synthJson(stack) };
}

function ingressOf(props: Partial<IngressProps> = {}) {
  return findResource(build(props).json, "kubernetes_ingress_v1") as {
    metadata: { name: string; namespace: string; annotations?: Record<string, string> };
    spec: {
      ingress_class_name: string;
      rule: { host: string; http: { path: Record<string, unknown>[] } }[];
      tls?: { secret_name: string; hosts: string[] }[];
    };
  };
}

/** A workload as the Workload construct exposes it: getters for its Service. */
class FakeWorkload extends Construct {
  constructor(
    scope: Construct,
    id: string,
    private readonly service: { name?: string; port?: number; namespace: string },
  ) {
    super(scope, id);
  }
  get serviceName(): string | undefined {
    return this.service.name;
  }
  get servicePort(): number | undefined {
    return this.service.port;
  }
  get namespace(): string {
    return this.service.namespace;
  }
}

describe("Ingress", () => {
  it("serves HTTPS only with a cert-manager certificate, through nginx, by default", () => {
    expect(ingressOf()).toEqual({
      metadata: {
        name: "web",
        namespace: "shop",
        annotations: {
          "cert-manager.io/cluster-issuer": "letsencrypt-prod",
          "nginx.ingress.kubernetes.io/ssl-redirect": "true",
        },
      },
      spec: {
        ingress_class_name: "nginx",
        rule: [
          {
            host: "shop.example.com",
            http: {
              path: [
                {
                  path: "/",
                  path_type: "Prefix",
                  backend: { service: { name: "web", port: { number: 80 } } },
                },
              ],
            },
          },
        ],
        tls: [{ secret_name: "shop-tls", hosts: ["shop.example.com"] }],
      },
    });
  });

  it("has no issuer annotation when the certificate Secret is provided some other way", () => {
    const ing = ingressOf({ tls: { secretName: "shop-tls" } });
    expect(ing.metadata.annotations).toEqual({
      "nginx.ingress.kubernetes.io/ssl-redirect": "true",
    });
    expect(ing.spec.tls).toEqual([{ secret_name: "shop-tls", hosts: ["shop.example.com"] }]);
  });

  it("takes a name and a class", () => {
    const ing = ingressOf({ name: "storefront.public", className: "nginx-public" });
    expect(ing.metadata.name).toBe("storefront.public");
    expect(ing.spec.ingress_class_name).toBe("nginx-public");
  });

  it("lives in a Namespace construct's namespace by reference, or in { name }", () => {
    const stack = testStack();
    const ns = new Namespace(stack, "shop", { name: "shop" });
    new Ingress(stack, "a", { ...BASE, namespace: ns });
    new Ingress(stack, "b", { ...BASE, namespace: { name: "legacy" } });
    const json = synthJson(stack);
    expect(findResource(json, "kubernetes_ingress_v1", { metadata: { name: "a" } })).toMatchObject({
      metadata: {
        namespace: "${kubernetes_namespace_v1.shop_namespace_09DF68E0.metadata[0].name}",
      },
    });
    expect(findResource(json, "kubernetes_ingress_v1", { metadata: { name: "b" } })).toMatchObject({
      metadata: { namespace: "legacy" },
    });
  });

  it("routes paths to Services by port number, port name or a workload's Service", () => {
    const stack = testStack();
    const api = new FakeWorkload(stack, "api", { name: "api", port: 8080, namespace: "shop" });
    new Ingress(stack, "web", {
      ...BASE,
      rules: [
        {
          host: "shop.example.com",
          paths: [
            { path: "/", backend: { serviceName: "web", port: "http" } },
            { path: "/api", backend: api },
            { path: "/healthz", pathType: "Exact", backend: WEB },
          ],
        },
        { host: "admin.example.com", backend: WEB },
      ],
    });
    const ing = findResource(synthJson(stack), "kubernetes_ingress_v1") as ReturnType<
      typeof ingressOf
    >;
    expect(ing.spec.rule).toEqual([
      {
        host: "shop.example.com",
        http: {
          path: [
            {
              path: "/",
              path_type: "Prefix",
              backend: { service: { name: "web", port: { name: "http" } } },
            },
            {
              path: "/api",
              path_type: "Prefix",
              backend: { service: { name: "api", port: { number: 8080 } } },
            },
            {
              path: "/healthz",
              path_type: "Exact",
              backend: { service: { name: "web", port: { number: 80 } } },
            },
          ],
        },
      },
      {
        host: "admin.example.com",
        http: {
          path: [
            {
              path: "/",
              path_type: "Prefix",
              backend: { service: { name: "web", port: { number: 80 } } },
            },
          ],
        },
      },
    ]);
    expect(ing.spec.tls).toEqual([
      { secret_name: "shop-tls", hosts: ["shop.example.com", "admin.example.com"] },
    ]);
  });

  it("accepts a workload whose Service name is a reference", () => {
    const stack = testStack();
    const ns = new Namespace(stack, "shop", { name: "shop" });
    const ref = ns.namespace.metadata.uid; // any token stands in for a Service's name
    const api = new FakeWorkload(stack, "api", { name: ref, port: 80, namespace: "other" });
    // A reference namespace cannot be compared with a literal one; the check is left to the API.
    expect(
      () =>
        new Ingress(stack, "web", {
          ...BASE,
          namespace: ns,
          rules: [{ host: "shop.example.com", backend: api }],
        }),
    ).not.toThrow();
    expect(Token.isUnresolved(ref)).toBe(true);
  });

  it("covers hosts with the given TLS hosts, wildcards one label deep", () => {
    const ing = ingressOf({
      tls: { secretName: "wild-tls", hosts: ["*.example.com", "example.com"] },
      rules: [
        { host: "shop.example.com", backend: WEB },
        { host: "example.com", backend: WEB },
        { host: "*.example.com", backend: WEB },
      ],
    });
    expect(ing.spec.tls).toEqual([
      { secret_name: "wild-tls", hosts: ["*.example.com", "example.com"] },
    ]);
    expect(ing.spec.rule.map((r) => r.host)).toEqual([
      "shop.example.com",
      "example.com",
      "*.example.com",
    ]);
  });

  it("limits the request rate and the body size (ingress-nginx annotations)", () => {
    const ing = ingressOf({ rateLimit: 20, bodySize: "10M" });
    expect(ing.metadata.annotations).toMatchObject({
      "nginx.ingress.kubernetes.io/limit-rps": "20",
      "nginx.ingress.kubernetes.io/proxy-body-size": "10m",
    });
    expect(ingressOf().metadata.annotations).not.toHaveProperty(
      "nginx.ingress.kubernetes.io/limit-rps",
    );
    expect(ingressOf().metadata.annotations).not.toHaveProperty(
      "nginx.ingress.kubernetes.io/proxy-body-size",
    );
  });

  describe("allowPlainHttp", () => {
    it("allows an ingress without TLS and records the opt-out", () => {
      const { stack, ingress } = build({ tls: undefined, allowPlainHttp: { reason: REASON } });
      const ing = findResource(synthWithComments(stack), "kubernetes_ingress_v1") as Record<
        string,
        unknown
      > & { spec: Record<string, unknown>; metadata: Record<string, unknown> };
      expect(ing.spec.tls).toBeUndefined();
      expect(ing.metadata.annotations).toBeUndefined();
      expect(optOutsOf(ingress.ingress)).toEqual([{ id: PLAIN_HTTP, reason: REASON }]);
      expect(ing["//"]).toMatchObject({ opt_outs: [{ id: PLAIN_HTTP, reason: REASON }] });
    });

    it("allows turning the redirect off next to TLS", () => {
      const { ingress, json } = build({ sslRedirect: false, allowPlainHttp: { reason: REASON } });
      const ing = findResource(json, "kubernetes_ingress_v1") as ReturnType<typeof ingressOf>;
      expect(ing.metadata.annotations).toMatchObject({
        "nginx.ingress.kubernetes.io/ssl-redirect": "false",
      });
      expect(ing.spec.tls).toHaveLength(1);
      expect(optOutsOf(ingress.ingress)).toEqual([{ id: PLAIN_HTTP, reason: REASON }]);
    });

    it("records nothing by default", () => {
      expect(optOutsOf(build().ingress.ingress)).toEqual([]);
    });
  });

  it("exposes its hosts and name", () => {
    const { ingress } = build();
    expect(ingress.hosts).toEqual(["shop.example.com"]);
    expect(Token.isUnresolved(ingress.name)).toBe(true);
  });

  const host = (h: unknown) => ({ rules: [{ host: h, backend: WEB }] });
  const backend = (b: unknown) => ({ rules: [{ host: "shop.example.com", backend: b }] });
  const path = (p: unknown) => ({
    rules: [{ host: "shop.example.com", paths: [p] }],
  });

  it.each([
    // TLS and plain HTTP
    [{ tls: undefined }, /tls = undefined is missing: the ingress would serve plain HTTP/],
    [{ sslRedirect: false }, /sslRedirect = false would serve plain HTTP next to HTTPS/],
    [
      { allowPlainHttp: { reason: REASON } },
      /allowPlainHttp = .* opts out of nothing: the ingress has TLS and redirects plain HTTP/,
    ],
    [
      { tls: undefined, allowPlainHttp: { reason: "dev" } },
      /allowPlainHttp\.reason = "dev" is too short/,
    ],
    [
      { tls: { secretName: "Shop_TLS" } },
      /tls\.secretName = "Shop_TLS" is not a DNS-1123 subdomain/,
    ],
    [
      { tls: { secretName: "shop-tls", issuer: "Lets Encrypt" } },
      /tls\.issuer = "Lets Encrypt" is not a DNS-1123 subdomain/,
    ],
    [
      { tls: { secretName: "shop-tls", hosts: ["other.example.com"] } },
      /rules\[0\]\.host = "shop\.example\.com" is not covered by tls\.hosts \(other\.example\.com\)/,
    ],
    [
      {
        tls: { secretName: "shop-tls", hosts: ["*.example.com"] },
        rules: [{ host: "eu.shop.example.com", backend: WEB }],
      },
      /rules\[0\]\.host = "eu\.shop\.example\.com" is not covered by tls\.hosts/,
    ],
    [
      {
        tls: { secretName: "shop-tls", hosts: ["shop.example.com"] },
        rules: [{ host: "*.example.com", backend: WEB }],
      },
      /rules\[0\]\.host = "\*\.example\.com" is not covered by tls\.hosts/,
    ],
    [{ tls: { secretName: "shop-tls", hosts: [] } }, /tls\.hosts = \[\] is empty/],
    [
      { tls: { secretName: "shop-tls", hosts: ["not a host"] } },
      /tls\.hosts\[0\] = "not a host" is not a DNS name/,
    ],
    // hosts
    [host("Shop.example.com"), /rules\[0\]\.host = "Shop\.example\.com" is not a DNS name/],
    [host("localhost"), /rules\[0\]\.host = "localhost" is not a DNS name/],
    [host("10.0.0.1"), /rules\[0\]\.host = "10\.0\.0\.1" is not a DNS name/],
    [host("shop.example.com."), /rules\[0\]\.host = "shop\.example\.com\." is not a DNS name/],
    [host("a.*.example.com"), /rules\[0\]\.host = "a\.\*\.example\.com" is not a DNS name/],
    [host("*.com"), /rules\[0\]\.host = "\*\.com" is not a DNS name/],
    [host("*shop.example.com"), /rules\[0\]\.host = "\*shop\.example\.com" is not a DNS name/],
    [host("-shop.example.com"), /rules\[0\]\.host = "-shop\.example\.com" is not a DNS name/],
    [host("shop_1.example.com"), /rules\[0\]\.host = "shop_1\.example\.com" is not a DNS name/],
    [host(`${"a".repeat(64)}.example.com`), /rules\[0\]\.host = "a{64}\.example\.com" is not/],
    [host(`${"a.".repeat(126)}com`), /rules\[0\]\.host = .* is not a DNS name/],
    [host(["a.example.com", "b.example.com"]), /rules\[0\]\.host .*wrong type/],
    [
      {
        rules: [
          { host: "shop.example.com", backend: WEB },
          { host: "shop.example.com", backend: WEB },
        ],
      },
      /rules\[1\]\.host = "shop\.example\.com" has a rule already/,
    ],
    [{ rules: [] }, /rules = \[\] lists no host/],
    // paths and backends
    [{ rules: [{ host: "shop.example.com" }] }, /rules\[0\]\.backend = undefined leaves the host/],
    [
      { rules: [{ host: "shop.example.com", paths: [] }] },
      /rules\[0\]\.paths = \[\] leaves the host/,
    ],
    [
      { rules: [{ host: "shop.example.com", backend: WEB, paths: [{ path: "/", backend: WEB }] }] },
      /rules\[0\]\.backend = .* is given with paths/,
    ],
    [
      path({ path: "shop", backend: WEB }),
      /rules\[0\]\.paths\[0\]\.path = "shop" is not an ingress path/,
    ],
    [
      path({ path: "/a b", backend: WEB }),
      /rules\[0\]\.paths\[0\]\.path = "\/a b" is not an ingress path/,
    ],
    [path({ path: "/(.*)", backend: WEB }), /rules\[0\]\.paths\[0\]\.path = "\/\(\.\*\)" is not/],
    [
      path({ path: "/", pathType: "ImplementationSpecific", backend: WEB }),
      /rules\[0\]\.paths\[0\]\.pathType = "ImplementationSpecific" is not a path type/,
    ],
    [
      {
        rules: [
          {
            host: "shop.example.com",
            paths: [
              { path: "/api", backend: WEB },
              { path: "/api", backend: WEB },
            ],
          },
        ],
      },
      /rules\[0\]\.paths\[1\]\.path = "\/api" is listed twice \(Prefix\)/,
    ],
    [backend("web"), /rules\[0\]\.backend = "web" is not a backend/],
    [backend(null), /rules\[0\]\.backend = null is not a backend/],
    [
      backend({ serviceName: "Web", port: 80 }),
      /rules\[0\]\.backend\.serviceName = "Web" is not a DNS-1123 label/,
    ],
    [backend({ port: 80 }), /rules\[0\]\.backend\.serviceName = undefined is not a DNS-1123 label/],
    [
      backend({ serviceName: "web" }),
      /rules\[0\]\.backend\.port = undefined is not a Service port/,
    ],
    [
      backend({ serviceName: "web", port: 0 }),
      /rules\[0\]\.backend\.port = 0 is not a Service port/,
    ],
    [backend({ serviceName: "web", port: 70000 }), /backend\.port = 70000 is not a Service port/],
    [backend({ serviceName: "web", port: 80.5 }), /backend\.port = 80\.5 is not a Service port/],
    [backend({ serviceName: "web", port: "HTTP" }), /backend\.port = "HTTP" is not a Service port/],
    [
      backend({ serviceName: "web", port: "a-very-long-port-name" }),
      /backend\.port = "a-very-long-port-name" is not/,
    ],
    [backend({ serviceName: "web", port: "80" }), /backend\.port = "80" is not a Service port/],
    // rate limit and body size
    [{ rateLimit: 0 }, /rateLimit = 0 is not a whole number of requests per second/],
    [{ rateLimit: -5 }, /rateLimit = -5 is not a whole number/],
    [{ rateLimit: 1.5 }, /rateLimit = 1\.5 is not a whole number/],
    [{ rateLimit: "10" }, /rateLimit = "10" has the wrong type/],
    [{ bodySize: "lots" }, /bodySize = "lots" is not an nginx size/],
    [{ bodySize: "10MB" }, /bodySize = "10MB" is not an nginx size/],
    [{ bodySize: "10Mi" }, /bodySize = "10Mi" is not an nginx size/],
    [{ bodySize: "1.5m" }, /bodySize = "1\.5m" is not an nginx size/],
    [{ bodySize: "-1m" }, /bodySize = "-1m" is not an nginx size/],
    [{ bodySize: "" }, /bodySize = "" is not an nginx size/],
    [{ bodySize: "0" }, /bodySize = "0" turns the body size limit off/],
    [{ bodySize: "0m" }, /bodySize = "0m" turns the body size limit off/],
    // names, class, namespace, types
    [{ name: "Web_1" }, /name = "Web_1" is not a DNS-1123 subdomain/],
    [{ className: "NGINX" }, /className = "NGINX" is not a DNS-1123 subdomain/],
    [{ namespace: "Shop" }, /namespace = "Shop" is not a DNS-1123 label/],
    [{ namespace: "kube system" }, /namespace = "kube system" is not a DNS-1123 label/],
    [{ namespace: 42 }, /namespace = 42 is not a namespace/],
    [{ namespace: {} }, /namespace = \{\} is not a namespace/],
    [{ sslRedirect: "true" }, /sslRedirect = "true" has the wrong type/],
    [{ rateLimt: 10 }, /rateLimt/],
  ])("refuses %j", (override, message) => {
    expect(() => build(override as Partial<IngressProps>)).toThrow(message);
  });

  it("defaults the name to the construct id, which must then be a valid name", () => {
    expect(() => build({}, "Web_Ingress")).toThrow(
      /name = "Web_Ingress" is not a DNS-1123 subdomain/,
    );
  });

  it("refuses a workload without a Service, or in another namespace", () => {
    const stack = testStack();
    const worker = new FakeWorkload(stack, "worker", { namespace: "shop" });
    const other = new FakeWorkload(stack, "other", { name: "api", port: 80, namespace: "billing" });
    const badPort = new FakeWorkload(stack, "bad", { name: "api", port: 0, namespace: "shop" });
    const rules = (b: unknown) => [{ host: "shop.example.com", backend: b as never }];
    expect(() => new Ingress(stack, "a", { ...BASE, rules: rules(worker) })).toThrow(
      /rules\[0\]\.backend\.serviceName = undefined is missing: the workload has no Service/,
    );
    expect(() => new Ingress(stack, "b", { ...BASE, rules: rules(other) })).toThrow(
      /rules\[0\]\.backend\.namespace = "billing" is not the ingress's namespace \(shop\)/,
    );
    expect(() => new Ingress(stack, "c", { ...BASE, rules: rules(badPort) })).toThrow(
      /rules\[0\]\.backend\.servicePort = 0 is not a Service port/,
    );
  });

  describe("Terraform text", () => {
    const PAYLOAD = '${file("/etc/passwd")}';
    it.each([
      ["namespace", { namespace: PAYLOAD }],
      ["name", { name: PAYLOAD }],
      ["className", { className: PAYLOAD }],
      ["tls.secretName", { tls: { secretName: PAYLOAD } }],
      ["tls.issuer", { tls: { secretName: "shop-tls", issuer: PAYLOAD } }],
      ["tls.hosts[0]", { tls: { secretName: "shop-tls", hosts: [PAYLOAD] } }],
      ["rules[0].host", host(PAYLOAD)],
      ["rules[0].paths[0].path", path({ path: PAYLOAD, backend: WEB })],
      ["rules[0].paths[0].pathType", path({ path: "/", pathType: PAYLOAD, backend: WEB })],
      ["rules[0].backend.serviceName", backend({ serviceName: PAYLOAD, port: 80 })],
      ["rules[0].backend.port", backend({ serviceName: "web", port: PAYLOAD })],
      ["bodySize", { bodySize: PAYLOAD }],
    ])("refuses an expression in %s", (prop, override) => {
      expect(() => build(override as Partial<IngressProps>)).toThrow(
        new RegExp(`: ${prop.replace(/[.[\]]/g, "\\$&")} = `),
      );
    });
  });

  it("refuses missing props", () => {
    expect(() => new Ingress(testStack(), "web", undefined as never)).toThrow(
      /props = undefined are missing/,
    );
  });

  describe("helpers", () => {
    it.each([
      ["shop.example.com", true],
      ["*.example.com", true],
      ["a-b.c-d.example", true],
      ["xn--bcher-kva.example", true],
      ["example", false],
      ["*.example", false],
      ["1.2.3.4", false],
      ["*", false],
      ["", false],
      ["shop..example.com", false],
    ])("isIngressHost(%j) is %s", (h, expected) => {
      expect(isIngressHost(h)).toBe(expected);
    });

    it("wildcards cover one label, never the apex or a deeper name", () => {
      expect(tlsCovers("*.example.com", "shop.example.com")).toBe(true);
      expect(tlsCovers("*.example.com", "example.com")).toBe(false);
      expect(tlsCovers("*.example.com", "a.shop.example.com")).toBe(false);
      expect(tlsCovers("*.example.com", "*.example.com")).toBe(true);
      expect(tlsCovers("shop.example.com", "*.example.com")).toBe(false);
      expect(tlsCovers("*.example.com", "shop.example.org")).toBe(false);
    });

    it("parses nginx sizes to bytes", () => {
      expect(parseNginxSize("1024")).toBe(1024);
      expect(parseNginxSize("512k")).toBe(512 * 1024);
      expect(parseNginxSize("10M")).toBe(10 * 1024 ** 2);
      expect(parseNginxSize("1g")).toBe(1024 ** 3);
      expect(parseNginxSize("1.5m")).toBeUndefined();
      expect(parseNginxSize("10mb")).toBeUndefined();
    });
  });

  it("passes the policy pack with zero unsuppressed findings", () => {
    const stack: PlatformStack = testStack();
    const ns = new Namespace(stack, "shop", { name: "shop" });
    new Ingress(stack, "web", { ...BASE, namespace: ns, rateLimit: 20, bodySize: "10m" });
    const json = JSON.parse(JSON.stringify(synthWithComments(stack))) as Json;
    const findings = evaluate([parseStack("test", json)]).filter(
      (f) => f.severity !== "info" && f.suppressed === undefined,
    );
    expect(findings).toEqual([]);
  });
});
