import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import Handlebars from "handlebars";
import { invalid } from "../constructs/core/errors";

/** A system name: the first part of its stack names and of its resource names. */
const SYSTEM_NAME = /^[a-z](?:[a-z0-9]|-(?=[a-z0-9])){1,23}$/;

/** Names a new system may not take: they would shadow a file of `stacks/` or read as a part. */
const RESERVED = new Set(["index", "settings-cli", "new-system", "kubernetes-access"]);

/** The files a new system consists of, relative to the project root, by template. */
const FILES = {
  "config.ts.hbs": (name: string) => `stacks/${name}.config.ts`,
  "stack.ts.hbs": (name: string) => `stacks/${name}.ts`,
  "test.ts.hbs": (name: string) => `__tests__/stacks/${name}.test.ts`,
  "help.md.hbs": (name: string) => `help/${name}.md`,
} as const;

/** The marker after which a new system's entry goes: the end of the `SYSTEMS` list. */
const SYSTEMS_START = "const SYSTEMS: readonly SystemEntry[] = [";

export interface NewSystem {
  /** The files written, relative to the root. */
  readonly files: readonly string[];
}

/**
 * Scaffolds a GCP system `name` under `root`: its stack (a custom VPC, a deny-by-default firewall
 * and a private bucket), its settings schema with a `dev` example, a test file and a help page,
 * and registers it in `stacks/index.ts`. Refuses a name that is not a lowercase DNS label of 2-24
 * characters, one that exists already, and writes nothing unless every check passed.
 */
export function newSystem(root: string, name: unknown): NewSystem {
  if (typeof name !== "string" || !SYSTEM_NAME.test(name) || RESERVED.has(name)) {
    invalid(
      "new-system",
      "NAME",
      name,
      RESERVED.has(String(name)) ? "is a name the project uses itself" : "is not a system name",
      "use 2-24 lowercase letters, digits and single hyphens, starting with a letter, e.g. npm run new-system -- price-alerts",
    );
  }
  const indexFile = path.join(root, "stacks", "index.ts");
  const index = fs.readFileSync(indexFile, "utf8");
  const targets = Object.entries(FILES).map(([template, target]) => ({
    template,
    file: target(name),
  }));
  for (const { file } of targets) {
    if (fs.existsSync(path.join(root, file))) {
      invalid("new-system", "NAME", name, `exists already (${file})`, "choose another name");
    }
  }
  if (index.includes(`system: "${name}",`)) {
    invalid(
      "new-system",
      "NAME",
      name,
      "is registered already in stacks/index.ts",
      "choose another name",
    );
  }
  const words = name.split("-");
  const pascal = words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join("");
  const context = {
    name,
    pascal,
    camel: pascal[0]!.toLowerCase() + pascal.slice(1),
    upper: words.map((w) => w.toUpperCase()).join("_"),
    title: words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join(" "),
  };
  const registered = register(index, context);
  const templates = path.join(root, "templates", "new-system");
  const rendered = targets.map(({ template, file }) => ({
    file,
    text: Handlebars.compile(fs.readFileSync(path.join(templates, template), "utf8"), {
      noEscape: true,
      strict: true,
    })(context),
  }));
  for (const { file, text } of rendered) fs.writeFileSync(path.join(root, file), text);
  fs.writeFileSync(indexFile, registered);
  return { files: [...rendered.map((r) => r.file), "stacks/index.ts"] };
}

/** `stacks/index.ts` with the system's imports and its entry at the end of `SYSTEMS`. */
function register(
  index: string,
  c: { name: string; pascal: string; camel: string; upper: string },
): string {
  const lines = index.split("\n");
  const start = lines.indexOf(SYSTEMS_START);
  const end = start < 0 ? -1 : lines.indexOf("];", start);
  const lastConfigImport = lines.reduce(
    (last, line, i) => (/^import .* from "\.\/[a-z0-9-]+\.config";$/.test(line) ? i : last),
    -1,
  );
  if (start < 0 || end < 0 || lastConfigImport < 0) {
    invalid(
      "new-system",
      "stacks/index.ts",
      "(file)",
      `has no "${SYSTEMS_START}" list closed by "];", or no config import`,
      "register the system by hand: one entry in SYSTEMS, as the others",
    );
  }
  const imports = [
    `import type * as ${c.pascal} from "./${c.name}";`,
    `import { ${c.upper}_EXAMPLES, ${c.camel}ConfigSchema } from "./${c.name}.config";`,
  ];
  const entry = [
    "  referenceSystem({",
    `    system: "${c.name}",`,
    `    examples: ${c.upper}_EXAMPLES,`,
    `    schema: ${c.camel}ConfigSchema,`,
    "    stacks: [",
    "      {",
    '        suffix: "",',
    "        create: (app: App, settings: unknown, source: string) => {",
    "          // eslint-disable-next-line @typescript-eslint/no-require-imports",
    `          const { ${c.pascal}Stack } = require("./${c.name}") as typeof ${c.pascal};`,
    `          return new ${c.pascal}Stack(app, settings, source);`,
    "        },",
    "      },",
    "    ],",
    "  }),",
  ];
  return [
    ...lines.slice(0, lastConfigImport + 1),
    ...imports,
    ...lines.slice(lastConfigImport + 1, end),
    ...entry,
    ...lines.slice(end),
  ].join("\n");
}

if (require.main === module) {
  const args = process.argv.slice(2);
  try {
    if (args.length !== 1) {
      throw new Error(
        "usage: npm run new-system -- NAME   (e.g. npm run new-system -- price-alerts)",
      );
    }
    const root = path.resolve(__dirname, "..");
    const { files } = newSystem(root, args[0]);
    // The project's formatting, so that the format check in npm test passes on them.
    execFileSync(path.join(root, "node_modules", ".bin", "prettier"), ["--write", ...files], {
      cwd: root,
      stdio: "ignore",
    });
    process.stdout.write(`${files.map((f) => `wrote ${f}`).join("\n")}\n`);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exitCode = 2;
  }
}
