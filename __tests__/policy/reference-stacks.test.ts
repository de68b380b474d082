import { App } from "cdktf";
import { checkSynthesized, formatPolicyFailure } from "../../constructs/core/policy/engine";
import { loadOutdir } from "../../constructs/core/policy/load";
import { TradingBotStack } from "../../stacks/trading-bot";
import { TRADING_BOT_EXAMPLES } from "../../stacks/trading-bot.config";
import { tempDir } from "./helpers";

// The reference stacks are the library's own output: they must pass the policy check with no
// unsuppressed error finding. A finding here is reported to the stack's owner, not fixed by
// weakening the rule.
describe("reference stacks", () => {
  const outdir = tempDir("review-reference-");
  const app = new App({ outdir });
  for (const example of Object.values(TRADING_BOT_EXAMPLES)) new TradingBotStack(app, example);
  app.synth();

  it("synthesize every example environment", () => {
    expect(loadOutdir(outdir).map((s) => s.name)).toEqual([
      "trading-bot-dev",
      "trading-bot-prod",
      "trading-bot-staging",
    ]);
  });

  it("have no unsuppressed error finding", () => {
    const result = checkSynthesized(outdir);
    expect(result.errors.length === 0 ? "" : formatPolicyFailure(result)).toBe("");
  });
});
