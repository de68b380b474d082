import type { Construct } from "constructs";
import { TerraformOutput } from "cdktf";
import { GoogleProvider } from "@cdktf/provider-google/lib/provider";
import { parseConfig } from "../constructs/core/config";
import { suppress } from "../constructs/core/suppress";
import { PlatformStack } from "../constructs/core/stack";
import { renderTemplate } from "../constructs/core/templates";
import { ArtifactRegistry } from "../constructs/gcp/artifact-registry";
import { Bucket } from "../constructs/gcp/bucket";
import { CloudSqlPostgres } from "../constructs/gcp/cloud-sql";
import { Firewall, type FirewallRule } from "../constructs/gcp/firewall";
import { Network } from "../constructs/gcp/network";
import { Secret } from "../constructs/gcp/secrets";
import { ServiceAccount } from "../constructs/gcp/service-account";
import { Vm, type VmFile } from "../constructs/gcp/vm";
import { stockpilotConfigSchema, type StockPilotConfig } from "./stockpilot.config";

/** StockPilot's six systemd services, each a container; ports as on the original host. */
export const STOCKPILOT_SERVICES = [
  { name: "stockpilot-api", port: 8000 },
  { name: "stockpilot-websocket", port: 8765 },
  { name: "stockpilot-health" },
  { name: "stockpilot-cost-dashboard", port: 8004 },
  { name: "stockpilot-korean-data" },
  { name: "stockpilot-failover" },
] as const;

/** The memory limits every service ran with on the original host. */
export const SERVICE_MEMORY = { memoryMax: "2G", memoryHigh: "1.5G" } as const;

/**
 * One Secret per secret value of the original host's `.env.production`, with the variable the
 * services read its Secret Manager ID from. `DATABASE_URL` carried the password "password": the
 * services log in with IAM database authentication instead, so no password exists for them; the
 * built-in `postgres` user's break-glass password is kept for humans, not readable by the VM.
 */
export const STOCKPILOT_SECRETS = [
  { name: "db-admin-password", envVariable: "DATABASE_URL", reader: "humans" },
  { name: "openai-api-key", envVariable: "OPENAI_API_KEY", reader: "services" },
  { name: "alpha-vantage-api-key", envVariable: "ALPHA_VANTAGE_API_KEY", reader: "services" },
  { name: "newsapi-key", envVariable: "NEWSAPI_KEY", reader: "services" },
  { name: "dart-api-key", envVariable: "DART_API_KEY", reader: "services" },
  { name: "jwt-secret-key", envVariable: "JWT_SECRET_KEY", reader: "services" },
  { name: "encrypt-key", envVariable: "ENCRYPT_KEY", reader: "services" },
  { name: "slack-webhook-url", envVariable: "SLACK_WEBHOOK_URL", reader: "services" },
  { name: "email-username", envVariable: "EMAIL_USERNAME", reader: "mail" },
  { name: "email-password", envVariable: "EMAIL_PASSWORD", reader: "mail" },
] as const;

/** Whether the services read a secret at run time (the VM's account may then read it). */
function readAtRunTime(
  secret: (typeof STOCKPILOT_SECRETS)[number],
  config: StockPilotConfig,
): boolean {
  return secret.reader === "services" || (secret.reader === "mail" && !!config.smtpServer);
}

const DATABASE = "stockpilot";
const BACKUP_DAYS = 30;
const ACME_ROOT = "/var/www/html";
const FRONTEND_ROOT = "/opt/stockpilot/frontend/build";
const PG_DUMP = "stockpilot-pg-dump";

/**
 * StockPilot in one environment, `stockpilot-<environment>`: the system's original single
 * production host as one Compute Engine VM running the six services as containers behind nginx,
 * with Cloud SQL (PITR) in place of the local PostgreSQL and its WAL archive, Secret Manager in
 * place of `.env.production`, and a backups bucket for the daily dump. See help/stockpilot.md.
 */
export class StockPilotStack extends PlatformStack {
  readonly config: StockPilotConfig;
  readonly network: Network;
  readonly vmAccount: ServiceAccount;
  readonly registry: ArtifactRegistry;
  readonly secrets: Readonly<Record<string, Secret>>;
  readonly database: CloudSqlPostgres;
  readonly backups: Bucket;
  readonly vm: Vm;
  readonly firewall: Firewall;

  constructor(scope: Construct, settings: unknown, source = "stockpilot settings") {
    const config = parseConfig(stockpilotConfigSchema, settings, source);
    super(scope, {
      system: "stockpilot",
      environment: config.environment,
      backend: {
        kind: "gcs",
        bucket: config.stateBucket,
        prefix: `stockpilot/${config.environment}`,
      },
      labels: config.labels,
      allowDeletion: config.allowDeletion,
      source,
    });
    this.config = config;
    const { projectId, region } = config;
    new GoogleProvider(this, "google", { project: projectId, region });

    this.network = new Network(this, "network", {
      subnets: [{ region, cidr: config.subnetCidr }],
      privateServicesAccess: { cidr: config.privateServicesCidr },
      // The firewall's FQDN policy for the outbound hosts must be read before the VPC rules.
      firewallPolicyEnforcementOrder:
        config.outboundHosts.length > 0 ? "BEFORE_CLASSIC_FIREWALL" : undefined,
    });

    // Identity: the VM's account, with only what the services and the host need.
    this.vmAccount = new ServiceAccount(this, "vm-account", {
      name: "vm",
      displayName: "StockPilot host",
      projectId,
    });
    this.vmAccount.grantLogging();
    this.vmAccount.grantMetrics();

    const secrets: Record<string, Secret> = {};
    for (const s of STOCKPILOT_SECRETS) {
      secrets[s.name] = new Secret(this, `secret-${s.name}`, { name: s.name });
      if (readAtRunTime(s, config)) {
        secrets[s.name].grantAccess(this.vmAccount);
      }
    }
    this.secrets = secrets;

    this.registry = new ArtifactRegistry(this, "registry", {
      name: "repo",
      region,
      projectId,
      readers: [this.vmAccount],
    });

    // Availability from the settings: ZONAL suits one host in one zone (help/stockpilot.md).
    this.database = new CloudSqlPostgres(this, "database", {
      network: this.network,
      region,
      projectId,
      tier: config.database.tier,
      availabilityType: config.database.availability,
      diskSizeGb: config.database.diskSizeGb,
      databases: [DATABASE],
      iamUsers: [this.vmAccount],
    });
    this.database.grantClient(this.vmAccount, { iamLogin: true });

    this.backups = new Bucket(this, "backups", {
      name: "backups",
      location: region,
      lifecycle: { deleteAfterDays: BACKUP_DAYS },
    });
    // Create only: a compromised host cannot overwrite or delete earlier dumps.
    this.backups.grantWrite(this.vmAccount);

    this.vm = this.host(config);
    this.firewall = this.rules(config);

    // Reviewed exceptions to the policy rules, written into the JSON next to the resources.
    suppress(
      this.vm.instance,
      "GCP-VM-007",
      "The public web site: the domains' DNS records point at this static address; ingress is only 80/443 from anywhere and SSH/9090/3001 from the admin ranges.",
    );
    suppress(
      this.backups.bucket,
      "GCP-GCS-003",
      "One create-only writer (the host's dumps) and admins restoring; Cloud Audit Logs record IAM and bucket changes, and Data Access logs can be enabled for object reads.",
    );
    this.outputs();
  }

  /** The production host: six containers, nginx, Redis, and the daily dump. */
  private host(config: StockPilotConfig): Vm {
    const { projectId, region } = config;
    // Known at synth time, so they can go into the units: `<project>:<region>:<instance>` and
    // the IAM database user of the VM's account (`<account>@<project>.iam`).
    const connectionName = `${projectId}:${region}:${this.prefix}-postgres`;
    const dbUser = `${this.vmAccount.accountId}@${projectId}.iam`;
    const readable = STOCKPILOT_SECRETS.filter((s) => readAtRunTime(s, config));
    const env: Record<string, string> = {
      PROJECT_ID: projectId,
      LOG_LEVEL: config.logLevel,
      REDIS_URL: "redis://127.0.0.1:6379/0",
      DB_INSTANCE_CONNECTION_NAME: connectionName,
      DB_NAME: DATABASE,
      DB_IAM_USER: dbUser,
      ...(config.smtpServer ? { EMAIL_SMTP_SERVER: config.smtpServer } : {}),
      ...Object.fromEntries(
        readable.map((s) => [`${s.envVariable}_SECRET`, this.secrets[s.name].secretId]),
      ),
    };
    const [certName] = config.domains;
    const certDir = `/etc/letsencrypt/live/${certName}`;
    const site = {
      system: this.system,
      serverNames: config.domains.join(" "),
      acmeRoot: ACME_ROOT,
      tlsConfig: "/etc/nginx/conf.d/stockpilot-tls.conf",
      certDir,
      sessionCache: "stockpilot_tls",
      frontendRoot: FRONTEND_ROOT,
      apiPort: 8000,
      websocketPort: 8765,
    };
    const dump = {
      system: this.system,
      unit: PG_DUMP,
      script: `/opt/scripts/${PG_DUMP}.sh`,
      database: DATABASE,
      bucket: this.backups.name,
      host: this.database.privateIp,
      user: dbUser,
      retentionDays: BACKUP_DAYS,
      // After Cloud SQL's own backup window (03:00 UTC).
      time: "04:30",
    };
    const render = (template: string) => renderTemplate(this, template, { ...site, ...dump });
    const files: VmFile[] = [
      {
        path: "/etc/nginx/sites-enabled/default",
        content:
          "# Debian's welcome site, disabled by the stockpilot stack: the site is in /etc/nginx/conf.d/.\n",
        reloadService: "nginx",
      },
      {
        path: "/etc/nginx/conf.d/stockpilot.conf",
        content: render("nginx-site.conf.hbs"),
        reloadService: "nginx",
      },
      {
        path: site.tlsConfig,
        content: render("nginx-site-tls.conf.hbs"),
        reloadService: "nginx",
        onlyIfExists: `${certDir}/fullchain.pem`,
      },
      {
        path: "/etc/letsencrypt/renewal-hooks/deploy/reload-nginx",
        content:
          "#!/bin/sh\n# Written by the stockpilot stack: nginx loads a renewed certificate.\nsystemctl reload nginx\n",
        mode: "0755",
      },
      { path: dump.script, content: render("pg-dump.sh.hbs"), mode: "0750" },
      { path: `/etc/systemd/system/${PG_DUMP}.service`, content: render("pg-dump.service.hbs") },
      {
        path: `/etc/systemd/system/${PG_DUMP}.timer`,
        content: render("pg-dump.timer.hbs"),
        reloadService: `${PG_DUMP}.timer`,
      },
    ];

    return new Vm(this, "vm", {
      name: "host",
      zone: config.zone,
      network: this.network,
      machineType: config.vm.machineType,
      serviceAccount: this.vmAccount,
      bootDisk: { sizeGb: config.vm.bootDiskGb, type: "pd-ssd", image: "debian-cloud/debian-12" },
      externalIp: "static", // the public site's address, for the DNS records
      services: STOCKPILOT_SERVICES.map((s) => ({
        name: s.name,
        image: this.registry.image(s.name, { tag: config.release }),
        env: { ...env, SERVICE_NAME: s.name, ...("port" in s ? { PORT: String(s.port) } : {}) },
        ...SERVICE_MEMORY,
      })),
      hostPackages: ["nginx", "certbot", "redis-server", "postgresql-client"],
      files,
      enableUnits: ["nginx.service", "redis-server.service", `${PG_DUMP}.timer`],
    });
  }

  /** What the original firewall meant to do: web to the world, admin ports to admins only. */
  private rules(config: StockPilotConfig): Firewall {
    const admin = config.adminRanges;
    const sshFrom = [...admin, ...(config.sshViaIap ? ["iap"] : [])];
    const ingress: FirewallRule[] = [
      {
        name: "allow-web",
        ports: [80, 443],
        ranges: ["0.0.0.0/0"],
        description: "The public site: nginx (80 redirects to 443 and answers ACME challenges)",
      },
    ];
    if (admin.length > 0) {
      ingress.push({
        name: "allow-monitoring",
        ports: [9090, 3001],
        ranges: admin,
        description: "Prometheus (9090) and Grafana (3001) from the admin ranges",
      });
    }
    const egress: FirewallRule[] = [
      {
        name: "allow-postgres-psa",
        ports: [5432, 3307],
        ranges: [config.privateServicesCidr],
        description: "Cloud SQL over private services access: PostgreSQL, and 3307 for connectors",
      },
    ];
    return new Firewall(this, "firewall", {
      network: this.network,
      targets: { serviceAccounts: [this.vmAccount] },
      ssh: sshFrom.length > 0 ? { from: sshFrom } : undefined,
      httpsEgress: [{ name: "google-apis", to: ["google-private-apis"] }],
      fqdnEgress: config.outboundHosts.map((o) => ({
        name: o.name,
        hosts: o.hosts,
        ports: o.ports,
      })),
      ingress,
      egress,
    });
  }

  private outputs(): void {
    new TerraformOutput(this, "static-ip", {
      value: this.vm.externalIp,
      description: `The site's address: point the A records of ${this.config.domains.join(", ")} at it`,
    });
    new TerraformOutput(this, "sql-connection-name", {
      value: this.database.connectionName,
      description: "Cloud SQL connection name, for the connectors and the Auth Proxy",
    });
    new TerraformOutput(this, "registry-url", {
      value: this.registry.url,
      description: "Artifact Registry repository the release pipeline pushes the images to",
    });
  }
}
