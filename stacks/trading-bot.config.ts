import { z } from "zod";
import { cidrSchema, labelsSchema } from "../constructs/core/schemas";
import { gcpProjectIdSchema, gcpRegionSchema, gcsBucketSchema } from "../constructs/gcp/schemas";

/** One region of the trading bot: the primary comes first, backups follow. */
const regionSchema = z
  .object({
    /** Google Cloud region. */
    region: gcpRegionSchema,
    /** The region's subnet range (RFC 1918). */
    subnetCidr: cidrSchema,
  })
  .strict();

/**
 * The settings of one trading bot environment. Validated at synth time; every bad field is
 * reported with its path and what to write instead.
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
    /** Range reserved for private services access (Cloud SQL private IP). */
    privateServicesCidr: cidrSchema,
    /** Who may SSH to the VM: admin CIDRs and/or "iap". */
    sshFrom: z.array(z.union([z.literal("iap"), cidrSchema])).min(1, 'list admin CIDRs or "iap"'),
    /** The exchanges' API ranges the bot may reach on 443. */
    exchangeApiRanges: z.array(cidrSchema).min(1, "list the exchange API ranges the bot calls"),
    /** Extra labels for every resource. */
    labels: labelsSchema.optional(),
  })
  .strict();

export type TradingBotConfig = z.output<typeof tradingBotConfigSchema>;

/**
 * Built-in example settings: they synthesize without credentials and show every knob. The
 * project IDs and state buckets are placeholders and the address ranges come from the
 * documentation blocks (RFC 5737); point them at real values through a settings file (see
 * help/getting-started.md) before deploying.
 */
export const TRADING_BOT_EXAMPLES: Readonly<Record<TradingBotConfig["environment"], unknown>> = {
  dev: {
    environment: "dev",
    projectId: "example-trading-bot-dev",
    stateBucket: "example-trading-bot-tfstate",
    regions: [{ region: "us-central1", subnetCidr: "10.30.0.0/20" }],
    privateServicesCidr: "10.130.0.0/20",
    sshFrom: ["iap"],
    exchangeApiRanges: ["198.51.100.0/24"],
  },
  staging: {
    environment: "staging",
    projectId: "example-trading-bot-stg",
    stateBucket: "example-trading-bot-tfstate",
    regions: [{ region: "us-central1", subnetCidr: "10.20.0.0/20" }],
    privateServicesCidr: "10.120.0.0/20",
    sshFrom: ["iap"],
    exchangeApiRanges: ["198.51.100.0/24"],
  },
  prod: {
    environment: "prod",
    projectId: "example-trading-bot-prod",
    stateBucket: "example-trading-bot-tfstate",
    regions: [
      { region: "us-central1", subnetCidr: "10.10.0.0/20" },
      { region: "us-east1", subnetCidr: "10.11.0.0/20" },
    ],
    privateServicesCidr: "10.100.0.0/16",
    sshFrom: ["203.0.113.10/32", "iap"],
    exchangeApiRanges: ["198.51.100.0/24", "192.0.2.0/24"],
    labels: { "cost-center": "trading" },
  },
};
