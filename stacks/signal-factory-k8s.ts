import type { Construct } from "constructs";
import { parseConfig } from "../constructs/core/config";
import { invalid } from "../constructs/core/errors";
import { PlatformStack } from "../constructs/core/stack";
import { Namespace } from "../constructs/k8s/namespace";
import { Workload, type WorkloadServiceProps } from "../constructs/k8s/workload";
import { configureKubernetesAccess } from "./kubernetes-access";
import { signalFactoryConfigSchema, type SignalFactoryConfig } from "./signal-factory.config";
import { s3Backend } from "./aws-state.config";

/** The port `trading-service` listens on. */
export const TRADING_PORT = 3000;
/** PostgreSQL, in the VPC's isolated subnets. */
export const POSTGRES_PORT = 5432;

type KubernetesConfig = NonNullable<SignalFactoryConfig["kubernetes"]>;

/**
 * Signal Factory's `trading-service` on Kubernetes in one environment:
 * `signal-factory-<environment>-k8s`. Signal Factory itself runs on ECS and creates no cluster;
 * this stack deploys onto the cluster its settings name, read by name through data sources. A
 * namespace at Pod Security `restricted` with a default-deny network policy, and the service:
 * the release's image from the stack's ECR repository, its database URL from a Secret by
 * reference, autoscaled between 2 and 10 pods, behind a ClusterIP Service (a LoadBalancer only as
 * a reasoned opt-out). Built from the same settings as the AWS stack, when they have a
 * `kubernetes` section; see help/signal-factory.md.
 */
export class SignalFactoryK8sStack extends PlatformStack {
  readonly config: SignalFactoryConfig;
  readonly namespace: Namespace;
  readonly trading: Workload;

  constructor(scope: Construct, settings: unknown, source = "signal-factory settings") {
    const config = parseConfig(signalFactoryConfigSchema, settings, source);
    const k8s = kubernetesOf(config, source);
    super(scope, {
      system: "signal-factory",
      environment: config.environment,
      part: "k8s",
      prefix: config.namePrefix,
      backend: s3Backend(
        config.state,
        `signal-factory/${config.environment}/k8s/terraform.tfstate`,
      ),
      labels: config.labels,
      source,
    });
    this.config = config;
    configureKubernetesAccess(this, k8s.cluster);

    // The default quota holds the service at 10 pods plus a rollout's surge (3 more) of
    // 250m / 256Mi each (limits 500m / 512Mi); a LoadBalancer needs its one quota slot.
    this.namespace = new Namespace(this, "namespace", {
      name: k8s.namespace,
      ...(k8s.loadBalancer ? { quota: { loadBalancers: 1 } } : {}),
    });

    this.trading = new Workload(this, "trading-service", {
      namespace: this.namespace,
      name: "trading-service",
      image: `${k8s.registry}/${config.namePrefix}-${config.repository}:${config.release}`,
      containerPorts: [{ port: TRADING_PORT, name: "http" }],
      resources: {
        requests: { cpu: "250m", memory: "256Mi" },
        limits: { cpu: "500m", memory: "512Mi" },
      },
      probes: {
        liveness: { path: "/health", periodSeconds: 30, timeoutSeconds: 10 },
        readiness: { path: "/ready", periodSeconds: 5, timeoutSeconds: 5 },
      },
      secretEnv: { DATABASE_URL: { secretName: "db-credentials", key: "url" } },
      service: serviceOf(k8s),
      autoscaling: {
        min: 2,
        max: 10,
        cpuPercent: 70,
        memoryPercent: 80,
        scaleDown: {
          stabilizationWindowSeconds: 300,
          policies: [{ type: "Percent", value: 50, periodSeconds: 15 }],
        },
        scaleUp: {
          stabilizationWindowSeconds: 0,
          policies: [
            { type: "Percent", value: 100, periodSeconds: 15 },
            { type: "Pods", value: 4, periodSeconds: 15 },
          ],
          selectPolicy: "Max",
        },
      },
    });
    for (const caller of k8s.callers) this.trading.allowFrom({ name: caller }, TRADING_PORT);
    this.trading
      .allowTo("dns")
      .allowTo({ cidrs: config.vpc.isolatedSubnetCidrs, ports: [POSTGRES_PORT] });
  }
}

/** ClusterIP by default; a LoadBalancer only through the Workload's reasoned opt-out. */
function serviceOf(k8s: KubernetesConfig): WorkloadServiceProps {
  const lb = k8s.loadBalancer;
  if (lb === undefined) return { port: 80, targetPort: TRADING_PORT };
  return {
    port: 80,
    targetPort: TRADING_PORT,
    type: "LoadBalancer",
    loadBalancer: {
      sourceRanges: lb.sourceRanges,
      reason: lb.reason,
      ...(lb.internal ? { internal: k8s.cluster.kind } : {}),
    },
  };
}

/** The `kubernetes` section, which the registry builds this stack for. */
function kubernetesOf(config: SignalFactoryConfig, source: string): KubernetesConfig {
  if (config.kubernetes === undefined) {
    invalid(
      source,
      "kubernetes",
      undefined,
      "is missing, so there is nothing to deploy on a cluster",
      "add a kubernetes section ({ cluster, namespace, registry }; see npm run settings:example -- signal-factory)",
    );
  }
  return config.kubernetes;
}
