import { Testing, TerraformStack } from "cdktf";
import type { PlatformStack } from "../../constructs/core/stack";
import { addReferenceStacks, referenceStackNames, referenceStacks } from "../../stacks";
import { TRADING_BOT_EXAMPLES } from "../../stacks/trading-bot.config";
import { synthJson } from "../helpers/synth";

function stacksOf(overrides = {}, source = "settings.json") {
  const app = Testing.app();
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
