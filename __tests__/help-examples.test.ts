import * as fs from "node:fs";
import * as path from "node:path";
import { Testing, TerraformStack, type App } from "cdktf";

// Every ```ts example block in help/ is run as written (imports pointed at this checkout, and
// `app.synth()` replaced by returning the app), then each of its stacks is synthesized with
// validation. A page whose example stops working fails here.
const root = path.resolve(__dirname, "..");
const helpDir = path.join(root, "help");
const generated = path.join(__dirname, ".generated");

interface Example {
  readonly page: string;
  readonly index: number;
  readonly code: string;
}

function examples(): Example[] {
  const found: Example[] = [];
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

function load(example: Example): App {
  fs.mkdirSync(generated, { recursive: true });
  const file = path.join(generated, `${example.page.replace(/\W/g, "-")}-${example.index}.ts`);
  const code = example.code
    .replace(/from "\.\/(constructs|stacks)\//g, `from "${root}/$1/`)
    .replace(/new App\(\)/, `new App({ outdir: ${JSON.stringify(path.join(generated, "out"))} })`)
    .replace(/^app\.synth\(\);\s*$/m, "module.exports = app;");
  if (!code.includes("module.exports = app;")) {
    throw new Error(`${example.page}: example ${example.index} must end with app.synth()`);
  }
  fs.writeFileSync(file, code);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(file) as App;
}

const all = examples();

describe("help examples", () => {
  it("finds examples in the help pages", () => {
    expect(all.map((e) => e.page)).toEqual(expect.arrayContaining(["firewall.md", "network.md"]));
  });

  it.each(all.map((e) => [`${e.page} #${e.index}`, e] as const))("%s synthesizes", (_, example) => {
    const app = load(example);
    const stacks = app.node.findAll().filter((c): c is TerraformStack => TerraformStack.isStack(c));
    expect(stacks.length).toBeGreaterThan(0);
    for (const stack of stacks) {
      const json = JSON.parse(Testing.synth(stack, true)) as { resource?: object };
      expect(Object.keys(json.resource ?? {}).length).toBeGreaterThan(0);
    }
  });
});
