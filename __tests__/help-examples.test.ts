import { Testing, TerraformStack } from "cdktf";
import { helpExamples, runHelpExample } from "./helpers/help";

// Every ```ts example block in help/ is run as written (imports pointed at this checkout, and
// `app.synth()` replaced by returning the app), then each of its stacks is synthesized with
// validation. A page whose example stops working fails here.
const all = helpExamples();

describe("help examples", () => {
  it("finds examples in the help pages", () => {
    expect(all.map((e) => e.page)).toEqual(expect.arrayContaining(["firewall.md", "network.md"]));
  });

  it.each(all.map((e) => [`${e.page} #${e.index}`, e] as const))("%s synthesizes", (_, example) => {
    const app = runHelpExample(example);
    const stacks = app.node.findAll().filter((c): c is TerraformStack => TerraformStack.isStack(c));
    expect(stacks.length).toBeGreaterThan(0);
    for (const stack of stacks) {
      const json = JSON.parse(Testing.synth(stack, true)) as { resource?: object };
      expect(Object.keys(json.resource ?? {}).length).toBeGreaterThan(0);
    }
  });
});
