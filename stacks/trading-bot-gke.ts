import type { Construct } from "constructs";
import { parseConfig } from "../constructs/core/config";
import { invalid } from "../constructs/core/errors";
import { PlatformStack } from "../constructs/core/stack";
import { GOOGLE_PRIVATE_APIS_CIDR } from "../constructs/gcp/network";
import { Namespace } from "../constructs/k8s/namespace";
import { Workload } from "../constructs/k8s/workload";
import { configureKubernetesAccess } from "./kubernetes-access";
import {
  CORE_ENGINE,
  GKE_CLUSTER_NAME,
  TRADING_BOT_NAMESPACE,
  tradingBotConfigSchema,
  VM_ACCOUNT_NAME,
  type TradingBotConfig,
  type TradingBotGkeConfig,
} from "./trading-bot.config";

/** core-engine's container port: health, readiness and the Service's target. */
export const CORE_ENGINE_PORT = 8080;
/** PostgreSQL on Cloud SQL's private IP. */
export const POSTGRES_PORT = 5432;
/**
 * The GKE metadata server, from which a pod takes its Workload Identity token (tcp/80 on
 * 169.254.169.254, and tcp/988 on 169.254.169.252 where Dataplane V2 serves it).
 */
export const GKE_METADATA_SERVER = [
  { cidr: "169.254.169.254/32", port: 80 },
  { cidr: "169.254.169.252/32", port: 988 },
] as const;

/**
 * The trading bot's workloads on GKE in one environment: `trading-bot-<environment>-gke`,
 * deployed onto the cluster `trading-bot-<environment>-gke` that `trading-bot-<environment>`
 * creates in its primary region (read by name, so that stack is applied first). The namespace
 * `trading-bot` at Pod Security `restricted`, and core-engine: two replicas, its database URL from
 * a Kubernetes Secret by reference, a ClusterIP Service, and a NetworkPolicy that lets it reach
 * only Cloud SQL's private range, DNS and Google APIs. Its Kubernetes service account acts as the
 * services' Google service account (`<prefix>-vm`) through Workload Identity; the binding is made
 * by the main stack. Built from the same settings, when they have a `gke` section; see
 * help/trading-bot.md, GKE option.
 */
export class TradingBotGkeStack extends PlatformStack {
  readonly config: TradingBotConfig;
  readonly namespace: Namespace;
  readonly coreEngine: Workload;

  constructor(scope: Construct, settings: unknown, source = "trading-bot settings") {
    const config = parseConfig(tradingBotConfigSchema, settings, source);
    const gke = gkeOf(config, source);
    super(scope, {
      system: "trading-bot",
      environment: config.environment,
      part: "gke",
      backend: {
        kind: "gcs",
        bucket: config.stateBucket,
        prefix: `trading-bot/${config.environment}/gke`,
      },
      labels: config.labels,
      source,
    });
    this.config = config;
    const main = `trading-bot-${config.environment}`;
    const primary = config.regions[0].region;
    // The cluster the main stack names `<prefix>-gke`, regional in the primary region.
    configureKubernetesAccess(this, {
      kind: "gke",
      project: config.projectId,
      location: primary,
      name: `${main}-${GKE_CLUSTER_NAME}`,
    });

    // Room for core-engine at its two replicas plus a rollout's surge of one: three pods of
    // 500m / 512Mi (limits 1 / 1Gi).
    this.namespace = new Namespace(this, "namespace", {
      name: TRADING_BOT_NAMESPACE,
      quota: { cpu: "2", memory: "2Gi", limitsCpu: "4", limitsMemory: "4Gi", pods: 10 },
    });

    // The image the main stack's registry holds for core-engine, at the settings' release.
    const image = `${primary}-docker.pkg.dev/${config.projectId}/${main}-repo/${CORE_ENGINE}:${config.release}`;
    this.coreEngine = new Workload(this, CORE_ENGINE, {
      namespace: this.namespace,
      name: CORE_ENGINE,
      image,
      containerPorts: [{ port: CORE_ENGINE_PORT, name: "http" }],
      replicas: 2,
      rollingUpdate: { maxUnavailable: 1, maxSurge: 1 },
      resources: {
        requests: { cpu: "500m", memory: "512Mi" },
        limits: { cpu: "1000m", memory: "1Gi" },
      },
      probes: {
        liveness: {
          path: "/health",
          port: CORE_ENGINE_PORT,
          periodSeconds: 30,
          timeoutSeconds: 10,
        },
        readiness: { path: "/ready", port: CORE_ENGINE_PORT, periodSeconds: 5, timeoutSeconds: 5 },
      },
      env: { SERVICE_NAME: CORE_ENGINE, PROJECT_ID: config.projectId },
      secretEnv: {
        DATABASE_URL: { secretName: gke.databaseUrlSecret.name, key: gke.databaseUrlSecret.key },
      },
      // Workload Identity: the services' account, bound to this service account by the main stack.
      serviceAccount: {
        annotations: {
          "iam.gke.io/gcp-service-account": `${main}-${VM_ACCOUNT_NAME}@${config.projectId}.iam.gserviceaccount.com`,
        },
      },
      service: { port: 80, targetPort: CORE_ENGINE_PORT },
    });
    this.coreEngine
      .allowTo({ cidrs: [config.privateServicesCidr], ports: [POSTGRES_PORT] })
      .allowTo("dns")
      .allowTo({ cidrs: [GOOGLE_PRIVATE_APIS_CIDR], ports: [443] });
    // Google APIs need a token first: the pod asks the GKE metadata server for it.
    for (const server of GKE_METADATA_SERVER) {
      this.coreEngine.allowTo({ cidrs: [server.cidr], ports: [server.port] });
    }
  }
}

/** The `gke` section, which the registry builds this stack for. */
function gkeOf(config: TradingBotConfig, source: string): TradingBotGkeConfig {
  if (config.gke === undefined) {
    invalid(
      source,
      "gke",
      undefined,
      "is missing, so there is no cluster to deploy core-engine on",
      "add a gke section ({ podsCidr, servicesCidr, nodePool, databaseUrlSecret }; see npm run settings:example -- trading-bot)",
    );
  }
  return config.gke;
}
