import type { Construct } from "constructs";
import { dependable, TerraformOutput } from "cdktf";
import { GoogleProvider } from "@cdktf/provider-google/lib/provider";
import { parseConfig } from "../constructs/core/config";
import { suppress } from "../constructs/core/suppress";
import { PlatformStack } from "../constructs/core/stack";
import { ArtifactRegistry } from "../constructs/gcp/artifact-registry";
import { Bucket } from "../constructs/gcp/bucket";
import { CloudBuildPipeline } from "../constructs/gcp/cloud-build";
import { Firewall, type FirewallRule } from "../constructs/gcp/firewall";
import { GkeCluster } from "../constructs/gcp/gke";
import { Monitoring } from "../constructs/gcp/monitoring";
import { Network } from "../constructs/gcp/network";
import { RegionalPlatform, type RegionSpec } from "../constructs/gcp/region";
import { Secret } from "../constructs/gcp/secrets";
import { ServiceAccount } from "../constructs/gcp/service-account";
import type { Vm } from "../constructs/gcp/vm";
import {
  CORE_ENGINE,
  GKE_CLUSTER_NAME,
  TRADING_BOT_NAMESPACE,
  tradingBotConfigSchema,
  VM_ACCOUNT_NAME,
  type TradingBotConfig,
  type TradingBotGkeConfig,
} from "./trading-bot.config";

/** The bot's four trading services, each a container under systemd on every VM. */
export const TRADING_SERVICES = [
  "core-engine",
  "exchange-connector",
  "strategy-worker",
  "capital-manager",
] as const;

/** Secrets the services read at run time with the VM's service account. */
const RUNTIME_SECRETS = ["exchange-api-key", "exchange-api-secret", "telegram-bot-token"];

/**
 * The trading bot platform in one environment: `trading-bot-<environment>`.
 * Settings are validated before anything is built; see help/trading-bot.md.
 */
export class TradingBotStack extends PlatformStack {
  readonly config: TradingBotConfig;
  readonly network: Network;
  readonly firewall: Firewall;
  readonly vmAccount: ServiceAccount;
  readonly registry: ArtifactRegistry;
  readonly secrets: Readonly<Record<string, Secret>>;
  readonly platform: RegionalPlatform;
  readonly monitoring: Monitoring;
  readonly backups: Bucket;
  /** The release record: object `<service>` holds the commit every VM runs. */
  readonly releases: Bucket;
  readonly pipeline: CloudBuildPipeline;
  /** The GKE cluster of the primary region, when the settings have a `gke` section. */
  readonly gke?: GkeCluster;

  constructor(scope: Construct, settings: unknown, source = "trading-bot settings") {
    const config = parseConfig(tradingBotConfigSchema, settings, source);
    super(scope, {
      system: "trading-bot",
      environment: config.environment,
      backend: {
        kind: "gcs",
        bucket: config.stateBucket,
        prefix: `trading-bot/${config.environment}`,
      },
      labels: config.labels,
      allowDeletion: config.allowDeletion,
      source,
    });
    this.config = config;
    const projectId = config.projectId;
    const [primary, ...backups] = config.regions;
    new GoogleProvider(this, "google", { project: projectId, region: primary.region });

    this.network = new Network(this, "network", {
      subnets: config.regions.map((r, i) => ({
        region: r.region,
        cidr: r.subnetCidr,
        // The GKE cluster's pods and Services take addresses from the primary subnet's ranges.
        ...(i === 0 && config.gke ? { secondaryRanges: gkeRanges(config.gke) } : {}),
      })),
      privateServicesAccess: { cidr: config.privateServicesCidr },
      // The firewall's FQDN policy for the package mirrors must be read before the VPC rules.
      firewallPolicyEnforcementOrder:
        config.packageMirrors.length > 0 ? "BEFORE_CLASSIC_FIREWALL" : undefined,
    });

    // Identity: the VMs' account ends with exactly these roles: log and metric writer, accessor of
    // each runtime secret, registry reader, reader of the release record, Cloud SQL client.
    this.vmAccount = new ServiceAccount(this, "vm-account", {
      name: VM_ACCOUNT_NAME,
      displayName: "Trading bot VMs",
      projectId,
    });
    this.vmAccount.grantLogging();
    this.vmAccount.grantMetrics();

    const secrets: Record<string, Secret> = {};
    for (const name of RUNTIME_SECRETS) {
      secrets[name] = new Secret(this, `secret-${name}`, { name });
      secrets[name].grantAccess(this.vmAccount);
    }
    // Break-glass password of the built-in `postgres` user, set out of band; the services log
    // in with IAM database authentication and never read it.
    secrets["db-admin-password"] = new Secret(this, "secret-db-admin-password", {
      name: "db-admin-password",
    });
    this.secrets = secrets;

    this.registry = new ArtifactRegistry(this, "registry", {
      name: "repo",
      region: primary.region,
      projectId,
    });
    this.registry.grantRead(this.vmAccount);

    // The release record, the one source of truth of what runs: one object per service holding
    // the released commit SHA, written by the pipeline, read by every VM's release-sync timer.
    // Versioned, so every earlier release stays as a noncurrent generation to roll back to: a
    // release is a few bytes, so they are kept for the bucket's maximum of 36500 days.
    this.releases = new Bucket(this, "release-record", {
      name: "releases",
      location: primary.region,
      lifecycle: { keepNoncurrentVersions: 36500, deleteNoncurrentAfterDays: 36500 },
    });

    this.platform = new RegionalPlatform(this, "platform", {
      network: this.network,
      primary: regionSpec(primary),
      backups: backups.map(regionSpec),
      vm: {
        serviceAccount: this.vmAccount,
        externalIp: "static", // exchanges allow-list the caller's address
        // Every VM, primary and backup regions, follows the record (and may read it, only it).
        releaseRecord: this.releases,
        services: TRADING_SERVICES.map((name) => ({
          name,
          // The first release only: afterwards the release record names the commit.
          image: this.registry.image(name, { tag: config.release }),
          env: { SERVICE_NAME: name, PROJECT_ID: projectId },
          // Each service is told the real secret ID (`<prefix>-exchange-api-key`) by the Secret
          // that owns it, as <VAR>_SECRET, and the VM's account may read exactly these.
          secrets: {
            EXCHANGE_API_KEY: secrets["exchange-api-key"],
            EXCHANGE_API_SECRET: secrets["exchange-api-secret"],
            TELEGRAM_BOT_TOKEN: secrets["telegram-bot-token"],
          },
        })),
      },
      database: {
        projectId,
        availabilityType: config.databaseAvailability,
        databases: ["trading"],
        iamUsers: [this.vmAccount],
      },
    });
    // Connect, and log in as the IAM database user made by iamUsers above.
    this.platform.database.grantClient(this.vmAccount, { iamLogin: true });

    if (config.gke) this.gke = this.gkeCluster(config.gke, primary.region);

    this.firewall = new Firewall(this, "firewall", {
      network: this.network,
      targets: { serviceAccounts: [this.vmAccount] },
      ssh: { from: config.sshFrom },
      httpsEgress: [
        { name: "exchanges", to: config.exchangeApiRanges },
        { name: "google-apis", to: ["google-private-apis"] },
        // Nodes and pods (whose traffic leaves as the node) reach Google APIs and Artifact
        // Registry through private.googleapis.com, as the VMs do.
        ...(this.gke
          ? [
              {
                name: "gke-google-apis",
                to: ["google-private-apis" as const],
                targets: { serviceAccounts: [this.gke.nodeServiceAccount] },
              },
            ]
          : []),
      ],
      ingress: [
        {
          name: "allow-uptime-checks",
          ports: [config.health.port],
          ranges: ["google-uptime-checkers"],
          description: "Cloud Monitoring uptime checks of the health endpoint",
        },
      ],
      egress: [
        {
          name: "allow-postgres-psa",
          ports: [5432],
          ranges: [config.privateServicesCidr],
          description: "PostgreSQL to Cloud SQL over private services access",
        },
        ...(this.gke ? gkeNodeEgress(this.gke, config) : []),
      ],
      fqdnEgress:
        config.packageMirrors.length > 0
          ? [{ name: "package-mirrors", hosts: config.packageMirrors, ports: [80, 443] }]
          : [],
    });

    this.backups = new Bucket(this, "critical-backups", {
      name: "critical-backups",
      location: primary.region,
      retention: { days: 7 },
      lifecycle: {
        deleteAfterDays: 90,
        transitions: [{ afterDays: 30, storageClass: "NEARLINE" }],
      },
    });

    // Reviewed exceptions to the policy rules, written into the JSON next to the resources.
    for (const region of this.platform.regions) {
      suppress(
        region.vm.instance,
        "GCP-VM-007",
        "The exchanges allow-list this static address for API keys; ingress is only what the firewall admits.",
      );
    }
    for (const bucket of [this.backups, this.releases]) {
      suppress(
        bucket.bucket,
        "GCP-GCS-003",
        "Object reads and writes are recorded by Cloud Audit Logs (data access); a usage-log bucket would duplicate them.",
      );
    }

    // Releases: after an approval (dev may opt out), test, build, push <service>:$COMMIT_SHA and
    // write the SHA into the release record; every VM's release-sync follows it.
    this.pipeline = new CloudBuildPipeline(this, "release", {
      github: config.github,
      services: [...TRADING_SERVICES],
      registry: this.registry,
      releaseRecord: this.releases,
      vms: this.platform.regions.map((region) => region.vm),
      allowWithoutApproval: config.releaseWithoutApproval,
    });

    this.monitoring = this.alerting(config);
    this.outputs();
  }

  /**
   * The GKE cluster of the primary region: private, on the primary subnet's pods and Services
   * ranges, pulling from the stack's registry, with the settings' node pool, and core-engine's
   * Kubernetes service account bound to the services' account (`<prefix>-vm`) by Workload Identity.
   */
  private gkeCluster(gke: TradingBotGkeConfig, region: string): GkeCluster {
    const cluster = new GkeCluster(this, "gke", {
      name: GKE_CLUSTER_NAME,
      projectId: this.config.projectId,
      location: region,
      network: this.network,
      podsRangeName: GKE_PODS_RANGE,
      servicesRangeName: GKE_SERVICES_RANGE,
      releaseChannel: gke.releaseChannel,
      authorizedNetworks: gke.authorizedNetworks,
      registries: [this.registry],
    });
    cluster.addNodePool({
      name: gke.nodePool.name,
      machineType: gke.nodePool.machineType,
      minNodes: gke.nodePool.minNodes,
      maxNodes: gke.nodePool.maxNodes,
      diskSizeGb: gke.nodePool.diskSizeGb,
      spot: gke.nodePool.spot,
    });
    // The binding lives here, beside the account and the cluster it joins: it references the
    // account resource itself, and the gke stack, applied after this one, reads nothing at plan
    // time but the cluster. IAM refuses a member of a Workload Identity pool that does not exist
    // yet, and the pool is the cluster's, so the binding waits for the cluster.
    const binding = cluster.bindWorkloadIdentity(
      this.vmAccount,
      TRADING_BOT_NAMESPACE,
      CORE_ENGINE,
    );
    binding.dependsOn = [...(binding.dependsOn ?? []), dependable(cluster.cluster)];
    return cluster;
  }

  private alerting(config: TradingBotConfig): Monitoring {
    // An existing secret (see TradingBotConfig alerts.pagerDutyKeySecret): the channel reads its
    // latest version at plan time, which a secret made by the same deploy would not have yet.
    const pagerDutyKey = config.alerts.pagerDutyKeySecret
      ? { secretId: config.alerts.pagerDutyKeySecret }
      : undefined;
    const monitoring = new Monitoring(this, "monitoring", {
      emails: config.alerts.emails,
      webhooks: config.alerts.telegramRelayUrl
        ? [{ name: "telegram", url: config.alerts.telegramRelayUrl }]
        : [],
      pagerDuty: pagerDutyKey ? { integrationKeySecret: pagerDutyKey } : undefined,
    });
    const sql = (instance: string) =>
      `resource.type="cloudsql_database" AND resource.label.database_id="${this.config.projectId}:${instance}"`;
    const db = this.platform.database;
    for (const region of this.platform.regions) {
      const vm: Vm = region.vm;
      monitoring.absenceAlert({
        name: `${vm.node.id}-down`,
        title: `VM ${vm.instanceName} stopped reporting`,
        severity: region.role === "primary" ? "critical" : "high",
        filter: `metric.type="compute.googleapis.com/instance/uptime" AND resource.type="gce_instance" AND metadata.system_labels.name="${vm.instanceName}"`,
        runbook: `Check ${vm.instanceName} in ${region.region}: serial console, then 'systemctl status' of the services. If the primary region is lost, follow the DR runbook in help/trading-bot.md.`,
      });
      if (vm.externalIp) {
        monitoring.uptimeCheck({
          name: `${vm.node.id}-health`,
          projectId: this.config.projectId,
          host: vm.externalIp,
          path: config.health.path,
          port: config.health.port,
          useSsl: false,
          severity: region.role === "primary" ? "critical" : "high",
        });
      }
    }
    monitoring.thresholdAlert({
      name: "sql-cpu",
      title: "Cloud SQL primary CPU above 80 %",
      severity: "high",
      filter: `metric.type="cloudsql.googleapis.com/database/cpu/utilization" AND ${sql(db.instance.name)}`,
      threshold: 0.8,
      runbook:
        "Look at Query Insights for the heaviest queries; raise the tier if the load is real.",
    });
    monitoring.thresholdAlert({
      name: "sql-disk",
      title: "Cloud SQL primary disk above 85 %",
      severity: "medium",
      filter: `metric.type="cloudsql.googleapis.com/database/disk/utilization" AND ${sql(db.instance.name)}`,
      threshold: 0.85,
      runbook: "Disk autoresize is on; check for runaway tables or WAL before raising the limit.",
    });
    this.platform.backups.forEach((region) => {
      monitoring.thresholdAlert({
        name: `sql-replica-lag-${region.region}`,
        title: `Replica in ${region.region} more than 60 s behind`,
        severity: "high",
        filter: `metric.type="cloudsql.googleapis.com/database/replication/replica_lag" AND ${sql(region.database.instance.name)}`,
        threshold: 60,
        aligner: "ALIGN_MAX",
        runbook:
          "Replication lag eats the 5 minute RPO: check the primary's write load and the replica's tier.",
      });
    });
    monitoring.thresholdAlert({
      name: "error-log-rate",
      title: "More than 10 error log entries a minute",
      severity: "medium",
      filter: `metric.type="logging.googleapis.com/log_entry_count" AND resource.type="gce_instance" AND metric.label.severity="ERROR"`,
      threshold: 10 / 60,
      aligner: "ALIGN_RATE",
      runbook:
        "Read the services' error logs in Cloud Logging (resource gce_instance, severity ERROR).",
    });
    return monitoring;
  }

  private outputs(): void {
    for (const region of this.platform.regions) {
      if (region.vm.externalIp) {
        new TerraformOutput(this, `static-ip-${region.region}`, {
          value: region.vm.externalIp,
          description: `Static egress IP of the ${region.role} VM: give it to the exchanges' allow-lists`,
        });
      }
      new TerraformOutput(this, `sql-connection-${region.region}`, {
        value: region.database.connectionName,
        description: `Cloud SQL ${region.role === "primary" ? "primary" : "DR replica"} connection name`,
      });
    }
    new TerraformOutput(this, "release-record-url", {
      value: this.releases.url,
      description:
        "Release record: object <service> holds the commit every VM runs (rollback: help/trading-bot.md)",
    });
    if (this.gke) {
      new TerraformOutput(this, "gke-cluster-name", {
        value: this.gke.name,
        description: `GKE cluster in ${this.gke.location}: trading-bot-${this.config.environment}-gke deploys core-engine onto it`,
      });
    }
    new TerraformOutput(this, "registry-url", {
      value: this.registry.url,
      description: "Artifact Registry repository for the service images",
    });
  }
}

/** The primary subnet's secondary ranges of the GKE cluster. */
const GKE_PODS_RANGE = "gke-pods";
const GKE_SERVICES_RANGE = "gke-services";

function gkeRanges(gke: TradingBotGkeConfig): { name: string; cidr: string }[] {
  return [
    { name: GKE_PODS_RANGE, cidr: gke.podsCidr },
    { name: GKE_SERVICES_RANGE, cidr: gke.servicesCidr },
  ];
}

/**
 * What the cluster's nodes may send past the VPC's deny-all egress, as the node service account:
 * each other, their pods and the control plane's private endpoint (an address of the primary
 * subnet) on every port, and core-engine's PostgreSQL to Cloud SQL over private services access.
 * A pod's traffic leaves as its node, so the pods' NetworkPolicies narrow it further.
 */
function gkeNodeEgress(cluster: GkeCluster, config: TradingBotConfig): FirewallRule[] {
  const gke = config.gke!;
  const targets = { serviceAccounts: [cluster.nodeServiceAccount] };
  const inCluster = [config.regions[0].subnetCidr, gke.podsCidr];
  return [
    {
      name: "allow-gke-cluster-tcp",
      ports: ["1-65535"],
      ranges: inCluster,
      targets,
      description: "GKE nodes and pods to each other and to the control plane",
    },
    {
      name: "allow-gke-cluster-udp",
      protocol: "udp",
      ports: ["1-65535"],
      ranges: inCluster,
      targets,
      description: "GKE nodes and pods to each other (DNS, Dataplane V2)",
    },
    {
      name: "allow-gke-postgres-psa",
      ports: [5432],
      ranges: [config.privateServicesCidr],
      targets,
      description: "core-engine on GKE to Cloud SQL over private services access",
    },
  ];
}

/** A region of the settings as RegionalPlatform takes it (the subnet range goes to the Network). */
function regionSpec(r: TradingBotConfig["regions"][number]): RegionSpec {
  return { region: r.region, machineType: r.machineType, databaseTier: r.databaseTier };
}
