import { z } from "zod";
import { allowDeletionSchema, cidrSchema, labelsSchema } from "../constructs/core/schemas";
import { gcpProjectIdSchema, gcpRegionSchema, gcsBucketSchema } from "../constructs/gcp/schemas";

/** One region of the trading bot: the primary comes first, backups follow (help/region.md). */
const regionSchema = z
  .object({
    /** Google Cloud region. */
    region: gcpRegionSchema,
    /** The region's subnet range (RFC 1918). */
    subnetCidr: cidrSchema,
    /** The region's VM machine type. */
    machineType: z.string().min(1, "give a machine type such as e2-standard-4"),
    /** The region's database tier: the primary's in the first region, a replica's after. */
    databaseTier: z.string().min(1, "give a Cloud SQL tier such as db-custom-4-16384"),
  })
  .strict();

/**
 * The optional GKE cluster of the trading bot (help/trading-bot.md, GKE option): built in the
 * primary region on the platform's network by `trading-bot-<environment>`, and deployed onto by
 * `trading-bot-<environment>-gke`.
 */
const gkeSchema = z
  .object({
    /** The pods' secondary range of the primary subnet (RFC 1918, e.g. a /14). */
    podsCidr: cidrSchema,
    /** The Services' secondary range of the primary subnet (RFC 1918, e.g. a /20). */
    servicesCidr: cidrSchema,
    /**
     * Ranges that may reach the cluster's private control plane: the VPN or CI runners the gke
     * stack is applied from. Never the whole internet.
     */
    authorizedNetworks: z
      .array(
        z
          .object({
            name: z
              .string()
              .regex(
                /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}$/,
                "use a label such as ops-vpn: letters, digits, spaces, '.', '_' and '-'",
              ),
            cidr: cidrSchema,
          })
          .strict(),
      )
      .default([]),
    /** How early the cluster gets new GKE versions. */
    releaseChannel: z.enum(["RAPID", "REGULAR", "STABLE"]).default("REGULAR"),
    /** The node pool: autoscaled between minNodes and maxNodes per zone of the primary region. */
    nodePool: z
      .object({
        name: z
          .string()
          .regex(
            /^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$/,
            "use a node pool name: 1-40 lowercase letters, digits and '-', starting with a letter",
          ),
        machineType: z.string().min(1, "give a machine type such as e2-standard-4"),
        minNodes: z.number().int().min(0).max(1000),
        maxNodes: z.number().int().min(1).max(1000),
        diskSizeGb: z.number().int().min(10).max(65536).optional(),
        spot: z.boolean().optional(),
      })
      .strict()
      .refine((p) => p.minNodes <= p.maxNodes, {
        path: ["minNodes"],
        message: "choose minNodes no larger than maxNodes",
      }),
    /**
     * The Kubernetes Secret (in the `trading-bot` namespace) whose key holds core-engine's
     * DATABASE_URL, created out of band: the stack reads it by reference and never holds it.
     */
    databaseUrlSecret: z
      .object({
        name: z
          .string()
          .regex(
            /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/,
            "use a Secret name: lowercase letters, digits, '-' and '.' (DNS-1123)",
          )
          .max(253),
        key: z
          .string()
          .regex(/^[-._a-zA-Z0-9]{1,253}$/, "use a Secret key: letters, digits, '-', '_' and '.'"),
      })
      .strict(),
  })
  .strict();

const commitSha = z
  .string()
  .regex(/^[0-9a-f]{7,40}$/, "use the commit SHA the images are tagged with (7–40 hex digits)");

/**
 * The settings of one trading bot environment. Validated at synth time; every bad field is
 * reported with its path and what to write instead. No secret goes here: secrets are created
 * empty and filled out of band (help/secrets.md).
 */
export const tradingBotConfigSchema = z
  .object({
    /** dev, staging or prod: the stack is `trading-bot-<environment>`. */
    environment: z.enum(["dev", "staging", "prod"]),
    /** The GCP project the stack deploys into. */
    projectId: gcpProjectIdSchema,
    /** Terraform state: an existing GCS bucket with versioning on. */
    stateBucket: gcsBucketSchema,
    /** Regions, primary first; a backup region is one more entry. */
    regions: z.array(regionSchema).min(1, "list at least the primary region"),
    /** Primary database availability: REGIONAL (HA) for prod. */
    databaseAvailability: z.enum(["ZONAL", "REGIONAL"]),
    /** Range reserved for private services access (Cloud SQL private IP). */
    privateServicesCidr: cidrSchema,
    /**
     * Who may SSH to the VMs, for operators: "iap" (Identity-Aware Proxy) and admin CIDRs. The
     * release pipeline never logs in: releases go through the release record.
     */
    sshFrom: z.array(z.union([z.literal("iap"), cidrSchema])),
    /** The exchanges' API ranges the bot may reach on 443. */
    exchangeApiRanges: z.array(cidrSchema).min(1, "list the exchange API ranges the bot calls"),
    /**
     * The commit whose images the VMs run until the first release: the bootstrap image. After
     * that the release record (gs://<prefix>-releases/<service>) decides what runs, and changing
     * this value releases nothing to the VMs (help/trading-bot.md, Releases). With `gke`,
     * core-engine's Deployment runs this commit: applying the gke stack after changing it rolls
     * the cluster out (help/trading-bot.md, GKE option).
     */
    release: commitSha,
    /**
     * Let pushes to main release without an approval, with the reason: allowed in dev only;
     * staging and prod builds always wait for a person with roles/cloudbuild.builds.approver.
     */
    releaseWithoutApproval: z.object({ reason: z.string() }).strict().optional(),
    /** The services' health endpoint, checked by an uptime check. */
    health: z
      .object({
        port: z.number().int().min(1).max(65535),
        path: z.string().regex(/^\/[A-Za-z0-9/_.-]*$/, "use a URL path such as /health"),
      })
      .strict(),
    /** Where alerts go. */
    alerts: z
      .object({
        emails: z
          .array(z.email("use an email address"))
          .min(1, "list at least one on-call address"),
        /** A relay that posts to Telegram (the bot token stays in Secret Manager). */
        telegramRelayUrl: z.url({ protocol: /^https$/, error: "use an https:// URL" }).optional(),
        /**
         * Page through PagerDuty for high and critical alerts: the ID of an EXISTING Secret
         * Manager secret holding the integration key, created with a version before the first
         * deploy (the notification channel reads it at plan time, so it cannot be created by the
         * same deploy). Omit for no PagerDuty.
         */
        pagerDutyKeySecret: z
          .string()
          .regex(/^[A-Za-z0-9_-]{1,255}$/, "give the secret's ID, e.g. trading-bot-pagerduty-key")
          .optional(),
      })
      .strict(),
    /** The GitHub repository the release pipeline builds from. */
    github: z
      .object({
        owner: z.string().regex(/^[A-Za-z0-9-]{1,39}$/, "use a GitHub user or organization name"),
        repository: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, "use a GitHub repository name"),
      })
      .strict(),
    /**
     * Package mirrors the VMs install docker and the Ops agent from at first boot, allowed by
     * host name (their addresses are not fixed); `[]` once the VMs boot a baked image.
     */
    packageMirrors: z.array(
      z
        .string()
        .regex(
          /^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
          "use a host name such as deb.debian.org",
        ),
    ),
    /**
     * A GKE cluster beside the VMs, with core-engine deployed onto it by the stack
     * `trading-bot-<environment>-gke`. Omit for VMs only.
     */
    gke: gkeSchema.optional(),
    /** Extra labels for every resource. */
    labels: labelsSchema.optional(),
    allowDeletion: allowDeletionSchema.optional(),
  })
  .strict()
  .refine((c) => c.releaseWithoutApproval === undefined || c.environment === "dev", {
    path: ["releaseWithoutApproval"],
    message: "remove it: staging and prod releases wait for an approval (only dev may opt out)",
  });

export type TradingBotConfig = z.output<typeof tradingBotConfigSchema>;
export type TradingBotGkeConfig = NonNullable<TradingBotConfig["gke"]>;

/** The namespace core-engine runs in on the GKE cluster. */
export const TRADING_BOT_NAMESPACE = "trading-bot";
/** The workload, and its Kubernetes service account, on the GKE cluster. */
export const CORE_ENGINE = "core-engine";
/** The short name of the services' Google service account: `<prefix>-vm`. */
export const VM_ACCOUNT_NAME = "vm";
/** The short name of the GKE cluster: `<prefix>-gke`. */
export const GKE_CLUSTER_NAME = "gke";

const shared = {
  stateBucket: "example-trading-bot-tfstate",
  sshFrom: ["iap"],
  exchangeApiRanges: ["198.51.100.0/24"],
  release: "3f9c2ab",
  health: { port: 8080, path: "/health" },
  github: { owner: "example-org", repository: "trading-bot" },
  packageMirrors: [
    "deb.debian.org",
    "security.debian.org",
    "packages.cloud.google.com",
    "dl.google.com",
  ],
};

/**
 * Built-in example settings: they synthesize without credentials and show every knob. The
 * project IDs and state bucket are placeholders and the address ranges come from the
 * documentation blocks (RFC 5737); point them at real values through a settings file (see
 * help/getting-started.md) before deploying.
 */
export const TRADING_BOT_EXAMPLES: Readonly<Record<TradingBotConfig["environment"], unknown>> = {
  dev: {
    ...shared,
    environment: "dev",
    projectId: "example-trading-bot-dev",
    regions: [
      {
        region: "us-central1",
        subnetCidr: "10.30.0.0/20",
        machineType: "e2-medium",
        databaseTier: "db-custom-1-3840",
      },
    ],
    databaseAvailability: "ZONAL",
    privateServicesCidr: "10.130.0.0/20",
    releaseWithoutApproval: {
      reason:
        "dev: every push to main reaches the dev VM at once so changes are tried within minutes; staging and prod wait for an approval",
    },
    alerts: { emails: ["dev-alerts@example.com"] },
  },
  staging: {
    ...shared,
    environment: "staging",
    projectId: "example-trading-bot-stg",
    regions: [
      {
        region: "us-central1",
        subnetCidr: "10.20.0.0/20",
        machineType: "e2-standard-2",
        databaseTier: "db-custom-2-8192",
      },
    ],
    databaseAvailability: "ZONAL",
    privateServicesCidr: "10.120.0.0/20",
    alerts: { emails: ["staging-alerts@example.com"] },
  },
  prod: {
    ...shared,
    environment: "prod",
    projectId: "example-trading-bot-prod",
    regions: [
      {
        region: "us-central1",
        subnetCidr: "10.10.0.0/20",
        machineType: "e2-standard-4",
        databaseTier: "db-custom-4-16384",
      },
      {
        region: "us-east1",
        subnetCidr: "10.11.0.0/20",
        machineType: "e2-standard-2",
        databaseTier: "db-custom-2-8192",
      },
    ],
    databaseAvailability: "REGIONAL",
    privateServicesCidr: "10.100.0.0/16",
    sshFrom: ["203.0.113.10/32", "iap"],
    exchangeApiRanges: ["198.51.100.0/24", "192.0.2.0/24"],
    alerts: {
      emails: ["oncall@example.com"],
      telegramRelayUrl: "https://alerts-relay.example.com/telegram",
      pagerDutyKeySecret: "trading-bot-pagerduty-integration-key",
    },
    gke: {
      podsCidr: "10.64.0.0/14",
      servicesCidr: "10.68.0.0/20",
      authorizedNetworks: [{ name: "ops-vpn", cidr: "10.200.0.0/24" }],
      releaseChannel: "REGULAR",
      nodePool: { name: "general", machineType: "e2-standard-4", minNodes: 1, maxNodes: 3 },
      databaseUrlSecret: { name: "core-engine-database", key: "url" },
    },
    labels: { "cost-center": "trading" },
  },
};
