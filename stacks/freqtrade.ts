import type { Construct } from "constructs";
import { TerraformOutput } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { parseConfig } from "../constructs/core/config";
import { PlatformStack } from "../constructs/core/stack";
import { eksServiceAccountRole } from "../constructs/aws/eks";
import type { IamRole } from "../constructs/aws/iam";
import { S3Bucket } from "../constructs/aws/s3-bucket";
import { Ingress } from "../constructs/k8s/ingress";
import { Namespace } from "../constructs/k8s/namespace";
import { formatQuantity, millicores, parseQuantity } from "../constructs/k8s/quantity";
import { Workload, type CidrPeer } from "../constructs/k8s/workload";
import { freqtradeConfigSchema, type FreqtradeConfig } from "./freqtrade.config";
import { configureKubernetesAccess } from "./kubernetes-access";
import { s3Backend } from "./aws-state.config";

/** The port the Freqtrade API server listens on. */
export const API_PORT = 8080;
/** The API's Deployment, its `app` label and its ServiceAccount (the Workload names it so). */
const API_NAME = "freqtrade-app";
/** PostgreSQL's port. */
export const POSTGRES_PORT = 5432;
/** Redis's port. */
export const REDIS_PORT = 6379;
/** The labels the ingress-nginx controller's pods carry. */
const INGRESS_NGINX_PODS = { "app.kubernetes.io/name": "ingress-nginx" };

/**
 * Freqtrade in one environment: `freqtrade-<environment>`. The API (`freqtrade-app`) runs in the
 * namespace `freqtrade-<environment>` of a cluster another stack made, behind an HTTPS ingress;
 * its NetworkPolicy admits the ingress controller on 8080 and Prometheus on the metrics port, and
 * lets it reach PostgreSQL on 5432, Redis on 6379 and the exchange over HTTPS, nothing else.
 * Backups and audit logs go to an S3 bucket. Settings are validated before anything is built;
 * see help/freqtrade.md.
 */
export class FreqtradeStack extends PlatformStack {
  readonly config: FreqtradeConfig;
  readonly namespace: Namespace;
  readonly api: Workload;
  readonly ingress: Ingress;
  readonly accessLogs: S3Bucket;
  readonly backups: S3Bucket;
  /** The IAM role the API's pods write backups as (IRSA), on an EKS cluster. */
  readonly backupWriter?: IamRole;

  constructor(scope: Construct, settings: unknown, source = "freqtrade settings") {
    const config = parseConfig(freqtradeConfigSchema, settings, source);
    super(scope, {
      system: "freqtrade",
      environment: config.environment,
      backend: s3Backend(config.state, `freqtrade/${config.environment}/terraform.tfstate`),
      labels: config.labels,
      allowDeletion: config.allowDeletion,
      source,
    });
    this.config = config;
    new AwsProvider(this, "aws", { region: config.region });
    const access = configureKubernetesAccess(this, config.cluster);
    // On EKS the API's pods write backups as their own IAM role (IRSA), granted on the backups
    // bucket below; on GKE there is no AWS identity to give them (help/freqtrade.md).
    const namespaceName = `freqtrade-${config.environment}`;
    this.backupWriter =
      access.eks === undefined
        ? undefined
        : eksServiceAccountRole(access.eks, namespaceName, API_NAME);

    const { api } = config;
    this.namespace = new Namespace(this, "namespace", {
      name: namespaceName,
      quota: quotaFor(api.replicas, api.requests, api.limits),
      limits: { max: { cpu: api.limits.cpu, memory: api.limits.memory } },
    });

    const probe = {
      path: "/api/v1/ping",
      port: "http",
      periodSeconds: 30,
      timeoutSeconds: 10,
      failureThreshold: 3,
    };
    this.api = new Workload(this, "api", {
      namespace: this.namespace,
      name: API_NAME,
      labels: { app: API_NAME },
      image: config.image,
      containerPorts: [
        { port: API_PORT, name: "http" },
        { port: config.monitoring.metricsPort, name: "metrics" },
      ],
      resources: { requests: api.requests, limits: api.limits },
      probes: { liveness: probe, readiness: probe },
      env: {
        FREQTRADE__API_SERVER__ENABLED: "true",
        FREQTRADE__API_SERVER__LISTEN_IP_ADDRESS: "0.0.0.0",
        FREQTRADE__API_SERVER__LISTEN_PORT: String(API_PORT),
        BACKUP_BUCKET: config.backups.bucket,
        BACKUP_PREFIX: `freqtrade/${config.environment}/`,
      },
      secretEnv: {
        FREQTRADE__EXCHANGE__KEY: {
          secretName: config.exchangeSecret.name,
          key: config.exchangeSecret.apiKeyKey,
        },
        FREQTRADE__EXCHANGE__SECRET: {
          secretName: config.exchangeSecret.name,
          key: config.exchangeSecret.apiSecretKey,
        },
      },
      writablePaths: ["/freqtrade/user_data"],
      serviceAccount:
        this.backupWriter === undefined
          ? undefined
          : { annotations: { "eks.amazonaws.com/role-arn": this.backupWriter.roleArn } },
      service: { port: API_PORT },
      replicas: api.replicas,
      ingressController: {
        namespace: config.ingress.controllerNamespace,
        podLabels: INGRESS_NGINX_PODS,
      },
    });
    // The Workload names its container after itself; Freqtrade's tooling expects `freqtrade`.
    this.api.deployment.addOverride("spec.template.spec.container.0.name", "freqtrade");

    // Frontend tier: the ingress controller reaches the API port, nothing else does.
    this.api.allowFrom("ingress-controller", "http");
    // Monitoring tier: Prometheus scrapes the metrics port.
    this.api.allowFrom({ name: config.monitoring.namespace }, "metrics");
    // Database and cache tiers: only the API reaches them, each on its own port.
    this.allowToDataService(config.database, POSTGRES_PORT);
    this.allowToDataService(config.redis, REDIS_PORT);
    // The exchange's API: HTTPS to public addresses, never the private ranges or metadata server.
    this.api.allowTo("internet-https");

    this.ingress = new Ingress(this, "ingress", {
      namespace: this.namespace,
      name: "freqtrade-api",
      className: "nginx",
      tls: { secretName: config.ingress.tlsSecretName },
      rules: [{ host: config.ingress.host, backend: this.api }],
    });

    this.accessLogs = new S3Bucket(this, "access-logs", {
      name: config.backups.accessLogsBucket,
      receivesAccessLogs: true,
      lifecycleRules: [
        {
          id: "access-logs",
          expirationDays: config.backups.auditRetentionDays,
          noncurrentVersionExpirationDays: 30,
        },
      ],
    });
    this.backups = new S3Bucket(this, "backups", {
      name: config.backups.bucket,
      accessLogs: { bucket: this.accessLogs },
      lifecycleRules: [
        {
          id: "backups",
          prefix: "freqtrade/",
          expirationDays: config.backups.expireAfterDays,
          noncurrentVersionExpirationDays: 7,
        },
        {
          id: "audit-logs",
          prefix: "audit/",
          expirationDays: config.backups.auditRetentionDays,
          noncurrentVersionExpirationDays: config.backups.auditRetentionDays,
        },
      ],
    });

    if (this.backupWriter !== undefined) this.backups.grantWrite(this.backupWriter);

    this.outputs();
  }

  /** Egress from the API to PostgreSQL or Redis, outside the cluster or in a namespace of it. */
  private allowToDataService(service: FreqtradeConfig["database"], port: number): void {
    if ("cidrs" in service) {
      const peer: CidrPeer = { cidrs: service.cidrs, ports: [port] };
      this.api.allowTo(peer);
    } else {
      this.api.allowTo({ name: service.namespace }, port);
    }
  }

  private outputs(): void {
    new TerraformOutput(this, "namespace-name", {
      value: this.namespace.declaredName,
      description: "The namespace the Freqtrade API runs in",
    });
    new TerraformOutput(this, "api-host", {
      value: this.config.ingress.host,
      description: `The API's HTTPS host (certificate from the Secret ${this.config.ingress.tlsSecretName})`,
    });
    new TerraformOutput(this, "backups-bucket", {
      value: this.backups.bucketName,
      description: "Backups under freqtrade/<environment>/, audit logs under audit/",
    });
  }
}

/**
 * The namespace's quota: room for every replica and the one extra pod per four a rolling update
 * adds (`maxSurge: 25%`, rounded up), at the API's requests and limits.
 */
function quotaFor(
  replicas: number,
  requests: FreqtradeConfig["api"]["requests"],
  limits: FreqtradeConfig["api"]["limits"],
) {
  const pods = replicas + Math.ceil(replicas / 4);
  const cpu = (q: string) => formatQuantity(((millicores(q) ?? 0) * pods) / 1000, "cpu");
  const memory = (q: string) => formatQuantity((parseQuantity(q) ?? 0) * pods, "memory");
  return {
    cpu: cpu(requests.cpu),
    memory: memory(requests.memory),
    limitsCpu: cpu(limits.cpu),
    limitsMemory: memory(limits.memory),
  };
}
