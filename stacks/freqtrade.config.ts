import { z } from "zod";
import { Cidr } from "../constructs/core/cidr";
import { allowDeletionSchema, labelsSchema } from "../constructs/core/schemas";
import { parseQuantity } from "../constructs/k8s/quantity";
import { clusterReferenceSchema } from "./kubernetes-access.config";
import { awsRegionSchema, s3BucketNameSchema, s3StateSchema } from "./aws-state.config";

/**
 * CPU and memory as Kubernetes quantities, in the plain forms (`1000m`, `1.5`; `2Gi`, `512Mi`);
 * the Workload parses them and compares limits with requests.
 */
const amounts = z
  .object({
    /** CPU, e.g. `1000m` or `1`. */
    cpu: z
      .string()
      .regex(/^[0-9]+(\.[0-9]+)?m?$/, "use a CPU quantity such as 1000m or 1")
      .refine((q) => !/^[0.]+m?$/.test(q), "use a CPU quantity above zero, such as 500m"),
    /** Memory, e.g. `2Gi`. */
    memory: z
      .string()
      .regex(/^[1-9][0-9]*(Ki|Mi|Gi|Ti|k|M|G|T)$/, "use a memory quantity such as 2Gi or 512Mi"),
  })
  .strict();

/** A DNS-1123 label: a namespace or a Secret name. */
const dnsLabel = (what: string, example: string) =>
  z
    .string()
    .regex(
      /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/,
      `use ${what}: lowercase letters, digits and '-', at most 63, e.g. ${example}`,
    );

/** A key inside a Kubernetes Secret. */
const secretKey = z
  .string()
  .regex(/^[-._a-zA-Z0-9]{1,253}$/, "use a Secret key: letters, digits, '-', '_' and '.'");

/** An internal range: inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16. */
const internalCidr = z
  .string()
  .refine(
    (v) => Cidr.tryParse(v)?.isRfc1918 === true,
    'use an internal range in CIDR notation (inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16), e.g. "10.0.0.0/8"',
  );

/**
 * Where a data service the API talks to runs: outside the cluster at internal addresses (a managed
 * database in the VPC), or in a namespace of the cluster. The API's egress opens to exactly that
 * and the service's port; the other side's own firewall (a security group, that namespace's
 * policy) decides who it admits.
 */
const dataServiceSchema = z.union([
  z
    .object({
      /** Internal ranges the service's addresses are in (RFC 1918 only, never the internet). */
      cidrs: z.array(internalCidr).min(1, "list at least one internal range"),
    })
    .strict(),
  z
    .object({
      /** The namespace of the cluster it runs in. */
      namespace: dnsLabel("a namespace name", "data"),
    })
    .strict(),
]);

/**
 * The settings of one Freqtrade environment: the API in its own namespace of a cluster made by
 * another stack, reachable through an HTTPS ingress, talking to PostgreSQL and Redis, scraped by
 * Prometheus, and a backups bucket. Validated at synth time, each bad field reported with its fix.
 * No secret goes here: the exchange credentials are read from a Kubernetes Secret by name.
 */
export const freqtradeConfigSchema = z
  .object({
    /** staging or production: the stack is `freqtrade-<environment>`. */
    environment: z.enum(["staging", "production"]),
    /** Terraform state. */
    state: s3StateSchema,
    /** The AWS region of the backups buckets. */
    region: awsRegionSchema,
    /** The cluster the stack deploys to (made and applied by another stack). */
    cluster: clusterReferenceSchema,
    /** The Freqtrade image, pinned by digest. */
    image: z
      .string()
      .regex(
        /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)+@sha256:[0-9a-f]{64}$/,
        "use an image by digest, <registry>/<repository>@sha256:<64 hex digits>, never a tag such as latest",
      ),
    /** The API Deployment `freqtrade-app`. */
    api: z
      .object({
        /** Number of pods. */
        replicas: z.number().int().min(1, "run at least one pod").max(20),
        /** What the scheduler reserves per pod. */
        requests: amounts,
        /** What a pod may use at most; each at least its request. */
        limits: amounts,
      })
      .strict()
      // Checked here, before the namespace's quota is computed from both.
      .superRefine((api, ctx) => {
        for (const kind of ["cpu", "memory"] as const) {
          const request = parseQuantity(api.requests[kind]);
          const limit = parseQuantity(api.limits[kind]);
          if (request !== undefined && limit !== undefined && limit < request) {
            ctx.addIssue({
              code: "custom",
              path: ["limits", kind],
              input: api.limits[kind],
              message: `use a ${kind} limit at least the request (${api.requests[kind]})`,
            });
          }
        }
      }),
    /** The Kubernetes Secret (in the namespace) the exchange credentials are read from. */
    exchangeSecret: z
      .object({
        /** The Secret's name. */
        name: dnsLabel("a Secret name", "freqtrade-exchange"),
        /** The key holding the exchange API key. */
        apiKeyKey: secretKey,
        /** The key holding the exchange API secret. */
        apiSecretKey: secretKey,
      })
      .strict(),
    /** PostgreSQL (port 5432), reached from the API only. */
    database: dataServiceSchema,
    /** Redis (port 6379), reached from the API only. */
    redis: dataServiceSchema,
    /** Prometheus, which scrapes the API's metrics port. */
    monitoring: z
      .object({
        /** The namespace Prometheus runs in. */
        namespace: dnsLabel("a namespace name", "monitoring"),
        /** The API's metrics port. */
        metricsPort: z.number().int().min(1024).max(65535),
      })
      .strict(),
    /** The HTTPS ingress of the API. */
    ingress: z
      .object({
        /** The API's host name. */
        host: z
          .string()
          .regex(
            /^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/,
            "use a DNS name such as api.freqtrade.local",
          ),
        /** The Secret holding the host's TLS certificate. */
        tlsSecretName: dnsLabel("a Secret name", "freqtrade-tls"),
        /** The namespace of the ingress controller the API admits. */
        controllerNamespace: dnsLabel("a namespace name", "ingress-nginx"),
      })
      .strict(),
    /** The backups bucket and the bucket its access logs go to. */
    backups: z
      .object({
        /** The bucket's name (S3 names are global: one environment owns a name). */
        bucket: s3BucketNameSchema,
        /** The bucket that receives the backups bucket's S3 server access logs. */
        accessLogsBucket: s3BucketNameSchema,
        /** Days a backup under `freqtrade/<environment>/` is kept. */
        expireAfterDays: z.number().int().min(1).max(3650),
        /** Days an audit log under `audit/` is kept. */
        auditRetentionDays: z
          .number()
          .int()
          .min(365, "keep audit logs at least 365 days")
          .max(3650),
      })
      .strict(),
    /** Extra labels for every resource. */
    labels: labelsSchema.optional(),
    /** For an environment that is torn down: lets `cdktf destroy` delete the buckets. */
    allowDeletion: allowDeletionSchema.optional(),
  })
  .strict();

export type FreqtradeConfig = z.output<typeof freqtradeConfigSchema>;

const DIGEST = "sha256:4f1c9e2d7b6a5c3e8f0a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5a6";

const common = {
  state: { bucket: "example-freqtrade-tfstate", region: "us-east-1" },
  region: "us-east-1",
  image: `docker.io/freqtradeorg/freqtrade@${DIGEST}`,
  exchangeSecret: { name: "freqtrade-exchange", apiKeyKey: "api-key", apiSecretKey: "api-secret" },
  database: { cidrs: ["10.0.0.0/8"] },
  redis: { cidrs: ["10.0.0.0/8"] },
  monitoring: { namespace: "monitoring", metricsPort: 9090 },
};

/**
 * Built-in example settings: they synthesize without credentials. The state bucket, the cluster
 * and the image digest are placeholders; point them at real values through a settings file (see
 * help/getting-started.md) before deploying. Production owns the bucket name `freqtrade-backups`.
 */
export const FREQTRADE_EXAMPLES: Readonly<
  Partial<Record<FreqtradeConfig["environment"], unknown>>
> = {
  staging: {
    environment: "staging",
    ...common,
    cluster: { kind: "eks", region: "us-east-1", name: "staging-cluster" },
    api: {
      replicas: 2,
      requests: { cpu: "500m", memory: "1Gi" },
      limits: { cpu: "1000m", memory: "2Gi" },
    },
    ingress: {
      host: "staging-api.freqtrade.local",
      tlsSecretName: "freqtrade-tls",
      controllerNamespace: "ingress-nginx",
    },
    backups: {
      bucket: "freqtrade-backups-staging",
      accessLogsBucket: "freqtrade-access-logs-staging",
      expireAfterDays: 90,
      auditRetentionDays: 365,
    },
  },
  production: {
    environment: "production",
    ...common,
    cluster: { kind: "eks", region: "us-east-1", name: "production-cluster" },
    api: {
      replicas: 5,
      requests: { cpu: "1000m", memory: "2Gi" },
      limits: { cpu: "2000m", memory: "4Gi" },
    },
    ingress: {
      host: "api.freqtrade.local",
      tlsSecretName: "freqtrade-tls",
      controllerNamespace: "ingress-nginx",
    },
    backups: {
      bucket: "freqtrade-backups",
      accessLogsBucket: "freqtrade-access-logs",
      expireAfterDays: 90,
      auditRetentionDays: 365,
    },
  },
};
