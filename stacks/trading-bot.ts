import type { Construct } from "constructs";
import { GoogleProvider } from "@cdktf/provider-google/lib/provider";
import { parseConfig } from "../constructs/core/config";
import { PlatformStack } from "../constructs/core/stack";
import { Firewall } from "../constructs/gcp/firewall";
import { Network } from "../constructs/gcp/network";
import { tradingBotConfigSchema, type TradingBotConfig } from "./trading-bot.config";

/** The network tag of the trading bot's VMs; the firewall targets it. */
export const TRADING_BOT_VM_TAG = "trading-bot-vm";

/**
 * The trading bot platform (seed 000) in one environment: `trading-bot-<environment>`.
 * Settings are validated before anything is built.
 */
export class TradingBotStack extends PlatformStack {
  readonly config: TradingBotConfig;
  readonly network: Network;
  readonly firewall: Firewall;

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
    });
    this.config = config;
    const primary = config.regions[0].region;
    new GoogleProvider(this, "google", { project: config.projectId, region: primary });

    this.network = new Network(this, "network", {
      subnets: config.regions.map((r) => ({ region: r.region, cidr: r.subnetCidr })),
      privateServicesAccess: { cidr: config.privateServicesCidr },
    });

    const targets = { tags: [TRADING_BOT_VM_TAG] };
    this.firewall = new Firewall(this, "firewall", {
      network: this.network,
      targets,
      ssh: { from: config.sshFrom },
      httpsEgress: [
        { name: "exchanges", to: config.exchangeApiRanges },
        { name: "google-apis", to: ["google-private-apis"] },
      ],
      egress: [
        {
          name: "allow-postgres-psa",
          ports: [5432],
          ranges: [config.privateServicesCidr],
          description: "PostgreSQL to Cloud SQL over private services access",
        },
      ],
    });
  }
}
