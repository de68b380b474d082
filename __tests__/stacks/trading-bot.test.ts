import { Testing } from "cdktf";
import { TradingBotStack } from "../../stacks/trading-bot";
import { TRADING_BOT_EXAMPLES } from "../../stacks/trading-bot.config";
import { resourcesOf, synthJson, type SynthJson } from "../helpers/synth";

function synthEnv(env: keyof typeof TRADING_BOT_EXAMPLES): SynthJson {
  return synthJson(new TradingBotStack(Testing.app(), TRADING_BOT_EXAMPLES[env]));
}

const prod = synthEnv("prod");

describe("trading-bot stacks", () => {
  it.each(["dev", "staging", "prod"] as const)(
    "trading-bot-%s synthesizes with a GCS backend under its own prefix",
    (env) => {
      const json = synthEnv(env);
      expect(json.terraform?.backend).toEqual({
        gcs: { bucket: "example-trading-bot-tfstate", prefix: `trading-bot/${env}` },
      });
    },
  );

  it("prod has a subnet in the primary and the backup region", () => {
    const subnets = resourcesOf(prod, "google_compute_subnetwork").map((s) => s.config);
    expect(subnets.map((s) => [s.region, s.ip_cidr_range])).toEqual([
      ["us-central1", "10.10.0.0/20"],
      ["us-east1", "10.11.0.0/20"],
    ]);
    expect(subnets.every((s) => s.private_ip_google_access === true)).toBe(true);
  });

  it("no firewall rule opens SSH or RDP to the world, and deny-all closes both directions", () => {
    const rules = resourcesOf(prod, "google_compute_firewall").map((r) => r.config);
    const worldAdmin = rules.filter((r) => {
      const sources = (r.source_ranges as string[] | undefined) ?? [];
      const allow = (r.allow as { ports?: string[] }[] | undefined) ?? [];
      return (
        r.direction === "INGRESS" &&
        sources.some((s) => s.endsWith("/0")) &&
        allow.some((a) => (a.ports ?? []).some((p) => p === "22" || p === "3389"))
      );
    });
    expect(worldAdmin).toEqual([]);
    const denies = rules.filter((r) => r.deny !== undefined).map((r) => r.direction);
    expect(denies.sort()).toEqual(["EGRESS", "INGRESS"]);
    expect(rules.every((r) => r.log_config !== undefined)).toBe(true);
  });

  it("every labelled resource carries the environment, system and managed-by labels", () => {
    const labelled = Object.values(prod.resource ?? {})
      .flatMap((byName) => Object.values(byName))
      .filter((r) => r.labels !== undefined);
    expect(labelled.length).toBeGreaterThan(0);
    for (const r of labelled) {
      expect(r.labels).toMatchObject({
        environment: "prod",
        system: "trading-bot",
        "managed-by": "cdktf",
      });
    }
  });

  it("rejects a bad settings file with every bad field named", () => {
    const bad = {
      ...(TRADING_BOT_EXAMPLES.prod as object),
      projectId: "Bad_Project",
      sshFrom: ["0.0.0.0/33"],
      regions: [{ region: "us-central", subnetCidr: "10.10.0.0/20" }],
    };
    expect(() => new TradingBotStack(Testing.app(), bad, "settings.json trading-bot.prod")).toThrow(
      /settings\.json trading-bot\.prod: projectId = "Bad_Project"[\s\S]*regions\[0\]\.region = "us-central"[\s\S]*sshFrom\[0\] = "0\.0\.0\.0\/33"/,
    );
  });

  it("refuses SSH from the world even when the settings ask for it", () => {
    const open = { ...(TRADING_BOT_EXAMPLES.prod as object), sshFrom: ["0.0.0.0/0"] };
    expect(() => new TradingBotStack(Testing.app(), open)).toThrow(
      /trading-bot-prod\/firewall: ssh\.from = \["0\.0\.0\.0\/0"\] opens SSH/,
    );
  });

  it("trading-bot-prod matches the reviewed snapshot", () => {
    expect(prod).toMatchSnapshot();
  });
});
