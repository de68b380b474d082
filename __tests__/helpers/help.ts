import * as fs from "node:fs";
import * as path from "node:path";
import { TerraformStack, type App } from "cdktf";

const root = path.resolve(__dirname, "..", "..");
const helpDir = path.join(root, "help");
const generated = path.join(root, "__tests__", ".generated");

/** A ```ts example block of a help page. */
export interface HelpExample {
  readonly page: string;
  readonly index: number;
  readonly code: string;
}

/** Every ```ts example block in help/, page by page. */
export function helpExamples(): HelpExample[] {
  const found: HelpExample[] = [];
  for (const page of fs
    .readdirSync(helpDir)
    .filter((f) => f.endsWith(".md"))
    .sort()) {
    const text = fs.readFileSync(path.join(helpDir, page), "utf8");
    const blocks = [...text.matchAll(/```ts example\n([\s\S]*?)```/g)];
    blocks.forEach((m, index) => found.push({ page, index, code: m[1] }));
  }
  return found;
}

/**
 * Runs a help example as written, with its imports pointed at this checkout, its App writing to
 * a scratch directory and its final `app.synth()` replaced by returning the app, so a test can
 * assert on what the page's own code builds.
 */
export function runHelpExample(example: HelpExample): App {
  const worker = process.env.JEST_WORKER_ID ?? "0";
  const dir = path.join(generated, `worker-${worker}`);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${example.page.replace(/\W/g, "-")}-${example.index}.ts`);
  const code = example.code
    .replace(/from "\.\/(constructs|stacks)\//g, `from "${root}/$1/`)
    .replace(/new App\(\)/, `new App({ outdir: ${JSON.stringify(path.join(dir, "out"))} })`)
    .replace(/^app\.synth\(\);\s*$/m, "module.exports = app;");
  if (!code.includes("module.exports = app;")) {
    throw new Error(`${example.page}: example ${example.index} must end with app.synth()`);
  }
  fs.writeFileSync(file, code);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(file) as App;
}

/** The first stack the example of `page` (its `index`-th block) builds. */
export function helpExampleStack(page: string, index = 0): TerraformStack {
  const example = helpExamples().find((e) => e.page === page && e.index === index);
  if (!example) throw new Error(`help/${page} has no example #${index}`);
  const stack = runHelpExample(example)
    .node.findAll()
    .find((c): c is TerraformStack => TerraformStack.isStack(c));
  if (!stack) throw new Error(`help/${page} example #${index} builds no stack`);
  return stack;
}
