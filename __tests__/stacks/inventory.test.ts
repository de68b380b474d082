import * as fs from "node:fs";
import * as path from "node:path";
import { loadOutdir, parseJson, stackFile } from "../../policy/load";
import { formatPlanInventory, planInventory } from "../../policy/plan-inventory";
import { referenceStackNames } from "../../stacks";
import { referenceSynth } from "../helpers/reference-synth";

// What a reviewer reads of each reference stack: every resource address with its
// security-relevant attributes (policy/plan-inventory.ts), one snapshot per stack. The full JSON
// is committed in audit/; `npm run audit:update` refreshes both. Read from the synth of
// `npm run synth` that the test files share.
const synth = referenceSynth();
const outdir = synth.outdir;

function jsonOf(name: string) {
  const file = path.join(outdir, stackFile(name));
  return parseJson(fs.readFileSync(file, "utf8"), file);
}

describe("plan inventory", () => {
  it("covers exactly the reference stacks of the registry", () => {
    expect(synth).toMatchObject({ status: 0, stderr: "" });
    expect(loadOutdir(outdir).map((s) => s.name)).toEqual([...referenceStackNames()].sort());
  });

  describe.each(referenceStackNames())("%s", (name) => {
    const inventory = planInventory(name, jsonOf(name));

    it("lists every resource and data source address once, sorted", () => {
      const [stack] = loadOutdir(outdir).filter((s) => s.name === name);
      const addresses = [...stack.resources, ...stack.data].map((r) => r.address);
      const listed = inventory.entries.slice(1).map((e) => e.address);
      expect(inventory.entries[0].address).toBe("(stack)");
      expect([...listed].sort()).toEqual([...addresses].sort());
      expect(listed).toEqual([...listed].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    });

    it("matches the reviewed snapshot", () => {
      expect(formatPlanInventory(inventory)).toMatchSnapshot();
    });
  });
});
