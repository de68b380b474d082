import js from "@eslint/js";
import tseslint from "typescript-eslint";

/**
 * Importing a provider package root loads every resource class of the provider: seconds and
 * hundreds of MB per process. Import the class's own module instead.
 */
const providerRootMessage =
  "Import the resource's own module (e.g. '@cdktf/provider-google/lib/compute-network'); the package root loads the whole provider.";

export default tseslint.config(
  { ignores: ["node_modules/", "cdktf.out/", "coverage/", "**/*.d.ts"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              regex: "^@cdktf/provider-[a-z0-9-]+(/lib)?(/index(\\.js)?)?/?$",
              message: providerRootMessage,
            },
          ],
        },
      ],
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
    },
  },
  {
    files: ["**/*.js", "**/*.mjs", "**/*.cjs"],
    languageOptions: {
      globals: {
        require: "readonly",
        module: "writable",
        process: "readonly",
        console: "readonly",
        __dirname: "readonly",
      },
    },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
);
