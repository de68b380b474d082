import { runApp } from "./constructs/core/app";
import { readConfigFile } from "./constructs/core/config";
import { TradingBotStack } from "./stacks/trading-bot";
import { TRADING_BOT_EXAMPLES } from "./stacks/trading-bot.config";

/**
 * The composition root. Without settings it synthesizes every reference stack from the built-in
 * example settings. `PLATFORM_SETTINGS=path/to/settings.json` replaces the examples of the
 * environments the file lists:
 *
 *     { "trading-bot": { "prod": { "environment": "prod", "projectId": "...", ... } } }
 */
runApp((app) => {
  const file = process.env.PLATFORM_SETTINGS;
  const overrides = (file ? readConfigFile(file, "PLATFORM_SETTINGS") : {}) as Record<
    string,
    Record<string, unknown> | undefined
  >;
  for (const [env, example] of Object.entries(TRADING_BOT_EXAMPLES)) {
    const given = overrides["trading-bot"]?.[env];
    new TradingBotStack(
      app,
      given ?? example,
      given ? `${file} trading-bot.${env}` : `built-in example trading-bot.${env}`,
    );
  }
});
