import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { type PlatformStack } from "../../constructs/core/stack";
import { Network } from "../../constructs/gcp/network";
import { Vm, type VmProps } from "../../constructs/gcp/vm";
import { findResource, synthJson, testStack } from "./synth";

/** Shared set-up of the Vm construct's tests: a VM in a two-region network, and script checks. */

export const REGISTRY = "us-central1-docker.pkg.dev/example-trading-bot/trading-bot-repo";
export const SHA = "3f9c2ab";
export const DIGEST = `sha256:${"a".repeat(64)}`;
export const sa = {
  email: "vm@p.iam.gserviceaccount.com",
  member: "serviceAccount:vm@p.iam.gserviceaccount.com",
};
export const hasShellcheck = spawnSync("which", ["shellcheck"]).status === 0;
export const hasSystemdAnalyze = spawnSync("which", ["systemd-analyze"]).status === 0;

export function setup(overrides: Partial<VmProps> = {}): { stack: PlatformStack; vm: Vm } {
  const stack = testStack();
  const network = new Network(stack, "network", {
    subnets: [
      { region: "us-central1", cidr: "10.10.0.0/20" },
      { region: "us-east1", cidr: "10.11.0.0/20" },
    ],
  });
  const vm = new Vm(stack, "vm", {
    name: "bot",
    zone: "us-central1-a",
    network,
    machineType: "e2-standard-4",
    serviceAccount: sa,
    services: [{ name: "core-engine", image: `${REGISTRY}/core-engine:${SHA}` }],
    ...overrides,
  });
  return { stack, vm };
}

export function instanceOf(stack: PlatformStack): Record<string, unknown> {
  return findResource(synthJson(stack), "google_compute_instance");
}

/** The four services of the trading bot, with secret names (never values) in env. */
export const TRADING_SERVICES: VmProps["services"] = [
  {
    name: "core-engine",
    image: `${REGISTRY}/core-engine:${SHA}`,
    env: { LOG_LEVEL: "info", DB_PASSWORD_SECRET: "trading-bot-db-password" },
  },
  {
    name: "exchange-connector",
    image: { uri: `${REGISTRY}/exchange-connector@${DIGEST}` },
    env: { EXCHANGE_API_KEY_SECRET: "projects/example-trading-bot/secrets/binance-api-key" },
  },
  {
    name: "strategy-worker",
    image: `${REGISTRY}/strategy-worker:${SHA}`,
    args: ["--strategies=momentum,mean-reversion", "--interval=5s"],
  },
  {
    name: "capital-manager",
    image: `${REGISTRY}/capital-manager:0123456789abcdef0123456789abcdef01234567`,
    env: { TELEGRAM_BOT_TOKEN_SECRET: "telegram-bot-token" },
  },
];

export function tradingVm(overrides: Partial<VmProps> = {}): { stack: PlatformStack; vm: Vm } {
  return setup({ externalIp: "static", services: TRADING_SERVICES, ...overrides });
}

export function bashSyntax(script: string): { status: number | null; stderr: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vm-test-"));
  const file = path.join(dir, "script.sh");
  fs.writeFileSync(file, script);
  const result = spawnSync("bash", ["-n", file], { encoding: "utf8" });
  fs.rmSync(dir, { recursive: true, force: true });
  return { status: result.status, stderr: result.stderr };
}

export function shellcheck(script: string): { status: number | null; stdout: string } {
  const result = spawnSync("shellcheck", ["-S", "warning", "-s", "bash", "-"], {
    input: script,
    encoding: "utf8",
  });
  return { status: result.status, stdout: result.stdout };
}
