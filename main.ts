import { runApp } from "./constructs/core/app";
import { readConfigFile } from "./constructs/core/config";
import { addReferenceStacks, type SettingsOverrides } from "./stacks";

/**
 * The composition root. Without settings it synthesizes every reference stack from the built-in
 * example settings. `PLATFORM_SETTINGS=path/to/settings.json` replaces the examples of the
 * environments the file lists:
 *
 *     { "trading-bot": { "prod": { "environment": "prod", "projectId": "...", ... } } }
 */
runApp((app) => {
  const file = process.env.PLATFORM_SETTINGS;
  const overrides = file ? (readConfigFile(file, "PLATFORM_SETTINGS") as SettingsOverrides) : {};
  addReferenceStacks(app, overrides, file);
});
