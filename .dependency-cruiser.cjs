/**
 * The project's import rules, checked by dependency-cruiser in `npm run lint` (and, on a
 * deliberately bad tree, by __tests__/lint.test.ts). Data flows one way:
 * settings -> stacks -> constructs -> JSON -> policy; vocabulary/ is the one module both sides share.
 */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "An import cycle: split the shared part into its own module.",
      from: {},
      to: { circular: true },
    },
    {
      name: "policy-reads-json-only",
      severity: "error",
      comment:
        "policy/ judges synthesized JSON from any source; it never imports the construct library, the stacks or cdktf.",
      from: { path: "^policy/" },
      to: {
        path: [
          "^constructs/",
          "^stacks/",
          "^main\\.ts$",
          "node_modules/(cdktf|constructs|@cdktf)/",
        ],
      },
    },
    {
      name: "vocabulary-stands-alone",
      severity: "error",
      comment: "vocabulary/ is imported by both sides and imports neither.",
      from: { path: "^vocabulary/" },
      to: {
        path: [
          "^constructs/",
          "^policy/",
          "^stacks/",
          "^main\\.ts$",
          "node_modules/(cdktf|constructs|@cdktf)/",
        ],
      },
    },
    {
      name: "constructs-know-no-stacks",
      severity: "error",
      comment: "The library never imports the reference systems built from it.",
      from: { path: "^constructs/" },
      to: { path: ["^stacks/", "^main\\.ts$"] },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(node_modules|cdktf\\.out|audit|coverage)/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { extensions: [".ts", ".js", ".json"] },
  },
};
