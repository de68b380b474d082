import { Construct } from "constructs";
import { Token } from "cdktf";
import { z } from "zod";
import {
  IngressV1,
  type IngressV1SpecRule,
  type IngressV1SpecRuleHttpPath,
} from "@cdktf/provider-kubernetes/lib/ingress-v1";
import { invalid } from "../core/errors";
import { acceptOptOut, recordOptOut, type OptOut } from "../core/opt-out";
import { checkedBy, checkProps, optOutSchema, stringOf, type PropsSchema } from "../core/props";
import type { INamespace } from "./interfaces";
import { checkDnsLabel, checkDnsSubdomain, isDnsLabel } from "../core/kubernetes-names";
import { namespaceOf } from "./namespace";

/** A Service and one of its ports. */
export interface IngressServiceBackend {
  /** The Service's name, in the ingress's namespace. */
  readonly serviceName: string;
  /** The Service's port: a number (1–65535) or the port's name. */
  readonly port: number | string;
}

/**
 * A workload that exposes a Service (a `Workload` construct): its `serviceName` and
 * `servicePort` are used, and its namespace must be the ingress's.
 */
export interface IngressWorkloadBackend {
  readonly serviceName?: string;
  readonly servicePort?: number;
  readonly namespace?: string;
}

/** Where a path's requests go. */
export type IngressBackend = IngressServiceBackend | IngressWorkloadBackend;

export interface IngressPath {
  /** The path, starting with `/`: letters, digits and `/ . _ ~ -`. */
  readonly path: string;
  /** `Prefix` matches the path and everything below it, `Exact` the path only. @default "Prefix" */
  readonly pathType?: "Prefix" | "Exact";
  /** The Service the requests go to. */
  readonly backend: IngressBackend;
}

export interface IngressRule {
  /** One DNS name (`shop.example.com`); a wildcard only as the leftmost label (`*.example.com`). */
  readonly host: string;
  /** Where `/` (and everything below it) goes, when the rule lists no `paths`. */
  readonly backend?: IngressBackend;
  /** Paths of the host and their backends. @default [{ path: "/", backend }] */
  readonly paths?: readonly IngressPath[];
}

export interface IngressTls {
  /** The Secret that holds (or, with `issuer`, will hold) the certificate: a DNS-1123 subdomain. */
  readonly secretName: string;
  /**
   * The cert-manager ClusterIssuer that issues the certificate into `secretName`
   * (`cert-manager.io/cluster-issuer`). @default none: the Secret is provided some other way
   */
  readonly issuer?: string;
  /** Hosts the certificate covers; every rule's host must be one of them. @default every rule's host */
  readonly hosts?: readonly string[];
}

export interface IngressProps {
  /** The namespace: a name, a `Namespace` construct, or `{ name }` of an existing namespace. */
  readonly namespace: string | INamespace;
  /** The Ingress's name, a DNS-1123 subdomain. @default the construct id */
  readonly name?: string;
  /** The IngressClass (`spec.ingressClassName`). @default "nginx" */
  readonly className?: string;
  /**
   * TLS for every host. Required: an ingress without it needs {@link allowPlainHttp}.
   * @default undefined (refused unless allowPlainHttp)
   */
  readonly tls?: IngressTls;
  /** One rule per host. */
  readonly rules: readonly IngressRule[];
  /**
   * Requests per second accepted from one client IP (ingress-nginx `limit-rps`; bursts of five
   * times as many are delayed, more are answered 503). @default no limit
   */
  readonly rateLimit?: number;
  /**
   * The largest request body accepted, in nginx size syntax: `"10m"`, `"512k"`, `"1g"`
   * (ingress-nginx `proxy-body-size`). @default the controller's (1m for ingress-nginx)
   */
  readonly bodySize?: string;
  /**
   * Redirect plain HTTP to HTTPS (ingress-nginx `ssl-redirect`). Turning it off needs
   * {@link allowPlainHttp}. @default true
   */
  readonly sslRedirect?: boolean;
  /**
   * Serve plain HTTP (no `tls`, or `sslRedirect: false`), with a reason; recorded as the opt-out
   * `plain-http`. @default undefined (HTTPS only)
   */
  readonly allowPlainHttp?: OptOut;
}

/** Shapes and types of {@link IngressProps}; hosts, paths, backends and sizes are checked after. */
const INGRESS_PROPS = z.strictObject({
  namespace: checkedBy<string | INamespace>("namespaceOf"),
  name: z.string().optional(),
  className: z.string().optional(),
  tls: z
    .strictObject({
      secretName: z.string(),
      issuer: z.string().optional(),
      hosts: z.array(z.string()).optional(),
    })
    .optional(),
  rules: z.array(
    z.strictObject({
      host: z.string(),
      backend: checkedBy<IngressBackend>("backendOf").optional(),
      paths: z
        .array(
          z.strictObject({
            path: z.string(),
            pathType: stringOf<"Prefix" | "Exact">().optional(),
            backend: checkedBy<IngressBackend>("backendOf"),
          }),
        )
        .optional(),
    }),
  ),
  rateLimit: z.number().optional(),
  bodySize: z.string().optional(),
  sslRedirect: z.boolean().optional(),
  allowPlainHttp: optOutSchema.optional(),
}) satisfies PropsSchema<IngressProps>;

/** The opt-out recorded on the ingress when it serves plain HTTP. */
export const PLAIN_HTTP = "plain-http";

const NGINX = "nginx.ingress.kubernetes.io";
const PATH = /^\/[A-Za-z0-9._~/-]*$/;
const IANA_SVC_NAME = /^(?=.*[a-z])[a-z0-9]([a-z0-9]|-(?!-))*[a-z0-9]$|^[a-z]$/;
const NGINX_SIZE = /^([0-9]{1,10})([kmg]?)$/i;
const SIZE_FACTOR: Readonly<Record<string, number>> = {
  "": 1,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
};

/**
 * Whether `host` is a DNS name an Ingress rule accepts: lowercase labels of at most 63 letters,
 * digits and `-`, at least two of them, at most 253 characters, a top-level label that is not all
 * digits (no IP addresses), and `*` only as the whole leftmost label.
 */
export function isIngressHost(host: unknown): host is string {
  if (typeof host !== "string" || host.length > 253) return false;
  const labels = host.split(".");
  const named = labels[0] === "*" ? labels.slice(1) : labels;
  return (
    named.length >= 2 &&
    named.every((label) => isDnsLabel(label)) &&
    !/^[0-9]+$/.test(named[named.length - 1])
  );
}

/** Whether a certificate for `tlsHost` (possibly a wildcard) covers `host`. */
export function tlsCovers(tlsHost: string, host: string): boolean {
  if (tlsHost === host) return true;
  if (!tlsHost.startsWith("*.") || host.startsWith("*.")) return false;
  return host.slice(host.indexOf(".") + 1) === tlsHost.slice(2);
}

/** The bytes of an nginx size (`10m`, `512k`, `1g`, `1024`), or undefined when it is not one. */
export function parseNginxSize(text: string): number | undefined {
  const match = NGINX_SIZE.exec(text);
  if (!match) return undefined;
  return Number(match[1]) * SIZE_FACTOR[match[2].toLowerCase()];
}

/**
 * A Kubernetes Ingress (`networking.k8s.io/v1`) that serves HTTPS only: a TLS block covering
 * every host (its certificate issued by a cert-manager ClusterIssuer, when one is named), plain
 * HTTP redirected, one DNS name per rule, and each path routed to a Service in the ingress's
 * namespace, with optional per-client rate limiting and a request body limit (ingress-nginx).
 */
export class Ingress extends Construct {
  /** The ingress (escape hatch). */
  readonly ingress: IngressV1;
  /** The hosts it serves, in rule order. */
  readonly hosts: readonly string[];

  constructor(scope: Construct, id: string, props: IngressProps) {
    super(scope, id);
    checkProps(
      this,
      INGRESS_PROPS,
      props,
      "{ namespace, tls: { secretName }, rules: [{ host, backend }] }",
    );
    const namespace = namespaceOf(this, "namespace", props.namespace);
    const name = checkDnsSubdomain(this, "name", props.name ?? id);
    const className = checkDnsSubdomain(this, "className", props.className ?? "nginx");
    const plainHttp = this.plainHttp(props);

    if (props.rules.length === 0) {
      invalid(this, "rules", props.rules, "lists no host", "give at least one { host, backend }");
    }
    const hosts: string[] = [];
    const rules: IngressV1SpecRule[] = props.rules.map((rule, i) => {
      const p = `rules[${i}]`;
      const host = this.checkHost(`${p}.host`, rule.host);
      if (hosts.includes(host)) {
        invalid(
          this,
          `${p}.host`,
          host,
          "has a rule already",
          "give each host one rule and list all its paths there",
        );
      }
      hosts.push(host);
      return { host, http: { path: this.pathsOf(p, rule, namespace) } };
    });

    const annotations: Record<string, string> = {};
    let tls: { secretName: string; hosts: string[] }[] | undefined;
    if (props.tls !== undefined) {
      tls = [this.tlsOf(props.tls, hosts)];
      if (props.tls.issuer !== undefined) {
        annotations["cert-manager.io/cluster-issuer"] = checkDnsSubdomain(
          this,
          "tls.issuer",
          props.tls.issuer,
        );
      }
      annotations[`${NGINX}/ssl-redirect`] = String(props.sslRedirect ?? true);
    }
    if (props.rateLimit !== undefined) {
      annotations[`${NGINX}/limit-rps`] = String(this.rateLimit(props.rateLimit));
    }
    if (props.bodySize !== undefined) {
      annotations[`${NGINX}/proxy-body-size`] = this.bodySize(props.bodySize);
    }

    this.hosts = hosts;
    this.ingress = new IngressV1(this, "ingress", {
      metadata: {
        name,
        namespace,
        ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
      },
      spec: { ingressClassName: className, rule: rules, ...(tls ? { tls } : {}) },
    });
    if (plainHttp) recordOptOut(this.ingress, PLAIN_HTTP, props.allowPlainHttp as OptOut);
  }

  /** The ingress's name. */
  get name(): string {
    return this.ingress.metadata.name;
  }

  /** True when the ingress serves plain HTTP on purpose; refuses plain HTTP without the opt-out. */
  private plainHttp(props: IngressProps): boolean {
    const plain = props.tls === undefined || props.sslRedirect === false;
    if (!plain) {
      if (props.allowPlainHttp !== undefined) {
        invalid(
          this,
          "allowPlainHttp",
          props.allowPlainHttp,
          "opts out of nothing: the ingress has TLS and redirects plain HTTP",
          "drop allowPlainHttp",
        );
      }
      return false;
    }
    if (!acceptOptOut(this, "allowPlainHttp", props.allowPlainHttp)) {
      if (props.tls === undefined) {
        invalid(
          this,
          "tls",
          undefined,
          "is missing: the ingress would serve plain HTTP",
          "pass tls: { secretName, issuer } (cert-manager issues the certificate), or allowPlainHttp: { reason }",
        );
      }
      invalid(
        this,
        "sslRedirect",
        false,
        "would serve plain HTTP next to HTTPS",
        "keep the redirect, or set allowPlainHttp: { reason } as well",
      );
    }
    return true;
  }

  private checkHost(property: string, host: unknown): string {
    if (!isIngressHost(host)) {
      invalid(
        this,
        property,
        host,
        "is not a DNS name an ingress can serve",
        "use a lowercase name of at least two labels such as shop.example.com (a wildcard only as the leftmost label: *.example.com; no IP addresses)",
      );
    }
    return host;
  }

  private pathsOf(p: string, rule: IngressRule, namespace: string): IngressV1SpecRuleHttpPath[] {
    if (rule.paths !== undefined && rule.backend !== undefined) {
      invalid(
        this,
        `${p}.backend`,
        rule.backend,
        "is given with paths",
        "give the backend of each path in paths, or only backend for the whole host",
      );
    }
    const paths: readonly IngressPath[] =
      rule.paths ?? (rule.backend !== undefined ? [{ path: "/", backend: rule.backend }] : []);
    if (paths.length === 0) {
      invalid(
        this,
        rule.paths === undefined ? `${p}.backend` : `${p}.paths`,
        rule.paths,
        "leaves the host without a backend",
        `give ${p}.backend, or at least one { path, backend } in ${p}.paths`,
      );
    }
    const seen = new Set<string>();
    return paths.map((entry, j) => {
      const q = rule.paths === undefined ? p : `${p}.paths[${j}]`;
      const path = entry.path;
      if (typeof path !== "string" || !PATH.test(path)) {
        invalid(
          this,
          `${q}.path`,
          path,
          "is not an ingress path",
          "start with / and use letters, digits and / . _ ~ - (no regular expressions)",
        );
      }
      const pathType = entry.pathType ?? "Prefix";
      if (pathType !== "Prefix" && pathType !== "Exact") {
        invalid(this, `${q}.pathType`, pathType, "is not a path type", 'use "Prefix" or "Exact"');
      }
      const key = `${pathType} ${path}`;
      if (seen.has(key)) {
        invalid(this, `${q}.path`, path, `is listed twice (${pathType})`, "list each path once");
      }
      seen.add(key);
      return {
        path,
        pathType,
        backend: { service: this.backendOf(`${q}.backend`, entry.backend, namespace) },
      };
    });
  }

  /** A Service backend from `{ serviceName, port }` or a workload with a Service. */
  private backendOf(
    property: string,
    backend: unknown,
    namespace: string,
  ): { name: string; port: { number: number } | { name: string } } {
    if (typeof backend !== "object" || backend === null || Array.isArray(backend)) {
      invalid(
        this,
        property,
        backend,
        "is not a backend",
        "pass { serviceName, port } or a Workload that has a Service",
      );
    }
    const b = backend as Partial<IngressServiceBackend & IngressWorkloadBackend>;
    const isWorkload = b.port === undefined && "servicePort" in b;
    const serviceName = b.serviceName;
    if (serviceName === undefined && isWorkload) {
      invalid(
        this,
        `${property}.serviceName`,
        undefined,
        "is missing: the workload has no Service",
        "give the workload a service: { port }, or pass { serviceName, port }",
      );
    }
    if (
      typeof serviceName !== "string" ||
      !(Token.isUnresolved(serviceName) || isDnsLabel(serviceName))
    ) {
      checkDnsLabel(this, `${property}.serviceName`, serviceName);
    }
    const workloadNamespace = b.namespace;
    if (
      typeof workloadNamespace === "string" &&
      workloadNamespace !== namespace &&
      !Token.isUnresolved(workloadNamespace) &&
      !Token.isUnresolved(namespace)
    ) {
      invalid(
        this,
        `${property}.namespace`,
        workloadNamespace,
        `is not the ingress's namespace (${namespace}): an ingress reaches Services of its own namespace only`,
        "create the ingress in the workload's namespace",
      );
    }
    const port = isWorkload ? b.servicePort : b.port;
    const portProp = isWorkload ? `${property}.servicePort` : `${property}.port`;
    return { name: serviceName as string, port: this.portOf(portProp, port) };
  }

  private portOf(property: string, port: unknown): { number: number } | { name: string } {
    if (typeof port === "number") {
      if (Token.isUnresolved(port)) return { number: port };
      if (Number.isInteger(port) && port >= 1 && port <= 65535) return { number: port };
    } else if (typeof port === "string" && port.length <= 15 && IANA_SVC_NAME.test(port)) {
      return { name: port };
    }
    return invalid(
      this,
      property,
      port,
      "is not a Service port",
      "give the port number (1-65535) or the port's name (at most 15 lowercase letters, digits and '-')",
    );
  }

  private tlsOf(
    tls: IngressTls,
    hosts: readonly string[],
  ): { secretName: string; hosts: string[] } {
    const secretName = checkDnsSubdomain(this, "tls.secretName", tls.secretName);
    const tlsHosts = (tls.hosts ?? hosts).map((h, i) => this.checkHost(`tls.hosts[${i}]`, h));
    if (tls.hosts !== undefined) {
      if (tlsHosts.length === 0) {
        invalid(
          this,
          "tls.hosts",
          tls.hosts,
          "is empty",
          "list the hosts, or drop tls.hosts to cover every rule's host",
        );
      }
      hosts.forEach((host, i) => {
        if (!tlsHosts.some((t) => tlsCovers(t, host))) {
          invalid(
            this,
            `rules[${i}].host`,
            host,
            `is not covered by tls.hosts (${tlsHosts.join(", ")})`,
            "add the host (or a wildcard for its parent domain) to tls.hosts, or drop tls.hosts to cover every rule's host",
          );
        }
      });
    }
    return { secretName, hosts: [...tlsHosts] };
  }

  private rateLimit(value: number): number {
    if (!Number.isInteger(value) || value < 1 || value > 100000) {
      invalid(
        this,
        "rateLimit",
        value,
        "is not a whole number of requests per second from 1 to 100000",
        "give the requests per second one client may send, e.g. 20",
      );
    }
    return value;
  }

  private bodySize(value: string): string {
    const bytes = parseNginxSize(value);
    if (bytes === undefined || bytes === 0) {
      invalid(
        this,
        "bodySize",
        value,
        bytes === 0 ? "turns the body size limit off" : "is not an nginx size",
        'write a positive number of bytes with an optional k, m or g suffix, e.g. "10m" or "512k"',
      );
    }
    return value.toLowerCase();
  }
}
