/** @slow builds every reference stack several times */
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { type App, TerraformStack } from "cdktf";
import { z } from "zod";
import type { PlatformStack } from "../../constructs/core/stack";
import {
  addReferenceStacks,
  createRegistry,
  referenceStackNames,
  referenceStacks,
  referenceSystem,
} from "../../stacks";
import { TRADING_BOT_EXAMPLES } from "../../stacks/trading-bot.config";
import { synthJson, testApp } from "../helpers/synth";

function stacksOf(overrides = {}, source = "settings.json") {
  const app = testApp();
  addReferenceStacks(app, overrides, source);
  return app.node.findAll().filter((c): c is TerraformStack => TerraformStack.isStack(c));
}

describe("addReferenceStacks", () => {
  it("builds every reference stack from the built-in examples", () => {
    const stacks = stacksOf() as PlatformStack[];
    expect(stacks.map((s) => s.node.id)).toEqual(referenceStackNames());
    expect(stacks.map((s) => ({ system: s.system, environment: s.environment }))).toEqual(
      referenceStacks().map(({ system, environment }) => ({ system, environment })),
    );
  });

  it("registers the trading bot's three environments and StockPilot's prod, each once", () => {
    expect(referenceStackNames()).toEqual(
      expect.arrayContaining([
        "trading-bot-dev",
        "trading-bot-staging",
        "trading-bot-prod",
        "stockpilot-prod",
      ]),
    );
    expect(new Set(referenceStackNames()).size).toBe(referenceStackNames().length);
  });

  it("replaces the examples of the environments a settings file lists, and only those", () => {
    const prod = { ...(TRADING_BOT_EXAMPLES.prod as object), projectId: "acme-trading-prod" };
    const stacks = stacksOf({ "trading-bot": { prod } });
    const projectOf = (id: string) => {
      const json = synthJson(stacks.find((s) => s.node.id === id)!);
      return (json.provider as { google: { project: string }[] }).google[0].project;
    };
    expect(projectOf("trading-bot-prod")).toBe("acme-trading-prod");
    expect(projectOf("trading-bot-dev")).toBe("example-trading-bot-dev");
  });

  it("names the settings file in the errors of the settings it gave", () => {
    const prod = { ...(TRADING_BOT_EXAMPLES.prod as object), projectId: "Acme" };
    expect(() => stacksOf({ "trading-bot": { prod } }, "acme.json")).toThrow(
      /^acme\.json trading-bot\.prod: projectId = "Acme" is invalid/,
    );
  });

  it.each([
    [
      { tradingbot: {} },
      /settings\.json: tradingbot = \{\} is not a reference system\.\n {2}Fix: use one of trading-bot, stockpilot/,
    ],
    [
      { "trading-bot": { qa: {} } },
      /settings\.json: trading-bot\.qa = "qa" is not an environment of this system\.\n {2}Fix: use one of dev, staging, prod/,
    ],
    [{ stockpilot: [] }, /settings\.json: stockpilot = \[\] is not an object of environments/],
    [[], /settings\.json: \(root\) = \[\] is not an object/],
  ])("refuses the settings %j instead of ignoring them", (overrides, message) => {
    expect(() => stacksOf(overrides as never)).toThrow(message);
  });
});

describe("a system's stacks as parts", () => {
  const schema = z.strictObject({ environment: z.enum(["dev", "prod"]), kubernetes: z.boolean() });
  /** A stack of the part's name, as a later Kubernetes stack names itself. */
  const create = (suffix: string) => (app: App, settings: unknown) => {
    const config = schema.parse(settings);
    const name =
      suffix === "" ? `parts-${config.environment}` : `parts-${config.environment}-${suffix}`;
    return new TerraformStack(app, name);
  };
  const registry = createRegistry([
    referenceSystem({
      system: "parts",
      examples: {
        dev: { environment: "dev", kubernetes: false },
        prod: { environment: "prod", kubernetes: true },
      },
      schema,
      stacks: [
        { suffix: "", create: create("") },
        { suffix: "k8s", when: (settings) => settings.kubernetes, create: create("k8s") },
      ],
    }),
  ]);
  const built = (overrides = {}, only?: string[]) => {
    const app = testApp();
    registry.addReferenceStacks(app, overrides, "settings.json", only);
    return app.node
      .findAll()
      .filter((c) => TerraformStack.isStack(c))
      .map((s) => s.node.id);
  };

  it("lists every part whose condition the example settings meet, with its name and suffix", () => {
    expect(registry.referenceStacks()).toEqual([
      { system: "parts", environment: "dev", name: "parts-dev", part: "" },
      { system: "parts", environment: "prod", name: "parts-prod", part: "" },
      { system: "parts", environment: "prod", name: "parts-prod-k8s", part: "k8s" },
    ]);
    expect(built()).toEqual(registry.referenceStackNames());
  });

  it("builds a part selected alone, without its system's other parts", () => {
    expect(built({}, ["parts-prod-k8s"])).toEqual(["parts-prod-k8s"]);
    expect(built({}, ["parts-prod"])).toEqual(["parts-prod"]);
  });

  it("builds no stack for a part whose condition is false, and judges the given settings", () => {
    expect(built({ parts: { prod: { environment: "prod", kubernetes: false } } })).toEqual([
      "parts-dev",
      "parts-prod",
    ]);
    expect(built({ parts: { dev: { environment: "dev", kubernetes: true } } })).toEqual([
      "parts-dev",
      "parts-dev-k8s",
      "parts-prod",
      "parts-prod-k8s",
    ]);
  });

  it("refuses a selected part the settings do not build, and an unknown part name", () => {
    expect(() => built({}, ["parts-dev-k8s"])).toThrow(
      /stack selection: stacks = "parts-dev-k8s" is not built from the settings of parts\.dev/,
    );
    expect(() => built({}, ["parts-prod-gke"])).toThrow(
      /stack selection: stacks = "parts-prod-gke" is not a reference stack\.\n {2}Fix: use one of parts-dev, parts-dev-k8s, parts-prod, parts-prod-k8s/,
    );
  });

  it("reports bad settings of a part with a condition by their source", () => {
    const bad = { parts: { prod: { environment: "prod", kubernetes: "yes" } } };
    expect(() => built(bad, ["parts-prod-k8s"])).toThrow(
      /settings\.json parts\.prod: kubernetes = "yes" has the wrong type/,
    );
  });

  it("refuses two parts with one suffix, and a suffix that is not a word", () => {
    const entry = (suffixes: string[]) =>
      referenceSystem({
        system: "parts",
        examples: {},
        schema,
        stacks: suffixes.map((suffix) => ({ suffix, create: create(suffix) })),
      });
    expect(() => createRegistry([entry(["", ""])])).toThrow(/parts\.stacks\[1\]\.suffix = ""/);
    expect(() => createRegistry([entry(["", "K8s"])])).toThrow(
      /parts\.stacks\[1\]\.suffix = "K8s" is not a distinct part suffix/,
    );
  });
});

describe("start-up", () => {
  it("loading the registry loads no provider module: those come with a selected stack", () => {
    const probe = [
      'require("./stacks");',
      "const loaded = Object.keys(require.cache).filter((k) => /@cdktf[\\\\/]provider-/.test(k));",
      "process.stdout.write(JSON.stringify(loaded));",
    ].join("\n");
    const out = execFileSync(process.execPath, ["-r", "@swc-node/register", "-e", probe], {
      cwd: path.resolve(__dirname, "../.."),
      env: { ...process.env, SWC_NODE_SOURCE_MAP_MODE: "store" },
      encoding: "utf8",
    });
    expect(JSON.parse(out)).toEqual([]);
  });
});
