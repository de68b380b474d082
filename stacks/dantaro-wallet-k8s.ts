import type { Construct } from "constructs";
import { parseConfig } from "../constructs/core/config";
import { invalid } from "../constructs/core/errors";
import { PlatformStack } from "../constructs/core/stack";
import { Ingress } from "../constructs/k8s/ingress";
import { Namespace } from "../constructs/k8s/namespace";
import { Workload, type SecretKeyRef } from "../constructs/k8s/workload";
import { dantaroWalletConfigSchema, type DantaroWalletConfig } from "./dantaro-wallet.config";
import { configureKubernetesAccess } from "./kubernetes-access";
import { s3Backend } from "./aws-state.config";

/** The backend's container port. */
export const BACKEND_PORT = 8000;
/** PostgreSQL and Redis, in the VPC's isolated subnets. */
export const POSTGRES_PORT = 5432;
export const REDIS_PORT = 6379;

type KubernetesConfig = NonNullable<DantaroWalletConfig["kubernetes"]>;

/**
 * The Dantaro Wallet workloads in one environment: `dantaro-wallet-<environment>-k8s`, deployed
 * onto the EKS cluster `<namePrefix>-eks` that `dantaro-wallet-<environment>` creates (read by name,
 * so that stack is applied first). A namespace at Pod Security `restricted` with a default-deny
 * network policy; the API backend (autoscaled, behind ingress-nginx with a cert-manager
 * certificate); the Celery worker; and the Celery scheduler, exactly one. Each reaches PostgreSQL
 * and Redis in the isolated subnets and nothing else it does not need. Built from the same
 * settings as the AWS stack, when they have a `kubernetes` section; see help/dantaro-wallet.md.
 */
export class DantaroWalletK8sStack extends PlatformStack {
  readonly config: DantaroWalletConfig;
  readonly namespace: Namespace;
  readonly backend: Workload;
  readonly worker: Workload;
  readonly beat: Workload;
  readonly ingress: Ingress;

  constructor(scope: Construct, settings: unknown, source = "dantaro-wallet settings") {
    const config = parseConfig(dantaroWalletConfigSchema, settings, source);
    const k8s = kubernetesOf(config, source);
    super(scope, {
      system: "dantaro-wallet",
      environment: config.environment,
      part: "k8s",
      prefix: config.namePrefix,
      backend: s3Backend(
        config.state,
        `dantaro-wallet/${config.environment}/k8s/terraform.tfstate`,
      ),
      labels: config.labels,
      source,
    });
    this.config = config;
    // The cluster the AWS stack of this environment names `<namePrefix>-eks`.
    configureKubernetesAccess(this, {
      kind: "eks",
      region: config.region,
      name: `${config.namePrefix}-eks`,
    });

    // Room for every workload at its most replicas plus a rollout's surge (25%): the backend at
    // 20 + 5 pods of 500m / 512Mi (limits 1 / 1Gi), the worker at 2 + 1 of 250m / 1Gi (1 / 2Gi)
    // and the scheduler's one pod of 100m / 256Mi (250m / 512Mi).
    this.namespace = new Namespace(this, "namespace", {
      name: k8s.namespace,
      quota: { cpu: "14", memory: "16Gi", limitsCpu: "30", limitsMemory: "32Gi", pods: 40 },
    });

    const secretEnv: Record<string, SecretKeyRef> = Object.fromEntries(
      Object.entries(k8s.secrets.keys).map(([env, key]) => [
        env,
        { secretName: k8s.secrets.name, key },
      ]),
    );
    const data = { cidrs: config.vpc.isolatedSubnetCidrs, ports: [POSTGRES_PORT, REDIS_PORT] };

    this.backend = new Workload(this, "dantaro-backend", {
      namespace: this.namespace,
      name: "dantaro-backend",
      image: k8s.image,
      containerPorts: [{ port: BACKEND_PORT, name: "http" }],
      resources: {
        requests: { cpu: "500m", memory: "512Mi" },
        limits: { cpu: "1000m", memory: "1Gi" },
      },
      probes: { liveness: { path: "/health" }, readiness: { path: "/ready" } },
      secretEnv,
      ...(k8s.backend?.roleArn
        ? { serviceAccount: { annotations: { "eks.amazonaws.com/role-arn": k8s.backend.roleArn } } }
        : {}),
      service: { port: 80 },
      autoscaling: { min: 3, max: 20, cpuPercent: 70, memoryPercent: 80 },
      // Never two backends on one node while another node has fewer: the scheduler keeps the
      // pods spread over zones and nodes (max skew 1) and places them anyway when it cannot.
      spread: { across: "zone", mode: "preferred" },
    });
    this.backend
      .allowFrom("ingress-controller", BACKEND_PORT)
      .allowTo("dns")
      .allowTo(data)
      .allowTo("internet-https");

    this.worker = new Workload(this, "celery-worker", {
      namespace: this.namespace,
      name: "celery-worker",
      image: k8s.image,
      command: k8s.worker.command,
      replicas: 2,
      resources: {
        requests: { cpu: "250m", memory: "1Gi" },
        limits: { cpu: "1", memory: "2Gi" },
      },
      probes: {
        liveness: { command: k8s.worker.probe, periodSeconds: 60, timeoutSeconds: 10 },
        readiness: { command: k8s.worker.probe, periodSeconds: 60, timeoutSeconds: 10 },
      },
      secretEnv,
    });
    this.worker.allowTo("dns").allowTo(data).allowTo("internet-https");

    this.beat = Workload.singleton(this, "celery-beat", {
      namespace: this.namespace,
      name: "celery-beat",
      image: k8s.image,
      command: k8s.beat.command,
      resources: {
        requests: { cpu: "100m", memory: "256Mi" },
        limits: { cpu: "250m", memory: "512Mi" },
      },
      probes: {
        liveness: { command: k8s.beat.probe, periodSeconds: 60, timeoutSeconds: 10 },
        readiness: { command: k8s.beat.probe, periodSeconds: 30, timeoutSeconds: 10 },
      },
      secretEnv,
    });
    this.beat.allowTo("dns").allowTo(data);

    this.ingress = new Ingress(this, "api-ingress", {
      namespace: this.namespace,
      name: "dantaro-api",
      className: "nginx",
      tls: { secretName: k8s.ingress.tlsSecretName, issuer: k8s.ingress.issuer },
      rules: [{ host: k8s.ingress.host, backend: this.backend }],
      rateLimit: 100,
      bodySize: "10m",
    });
  }
}

/** The `kubernetes` section, which the registry builds this stack for. */
function kubernetesOf(config: DantaroWalletConfig, source: string): KubernetesConfig {
  if (config.kubernetes === undefined) {
    invalid(
      source,
      "kubernetes",
      undefined,
      "is missing, so there is nothing to deploy on the cluster",
      "add a kubernetes section ({ namespace, image, secrets, worker, beat, ingress }; see npm run settings:example -- dantaro-wallet)",
    );
  }
  return config.kubernetes;
}
