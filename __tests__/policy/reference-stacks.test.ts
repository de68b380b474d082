import { checkSynthesized, formatFinding, formatPolicyFailure } from "../../policy/engine";
import { loadOutdir } from "../../policy/load";
import { referenceStackNames } from "../../stacks";
import { referenceSynth } from "../helpers/reference-synth";

// The reference stacks are the library's own output: they must pass the policy check with no
// unsuppressed finding at all, warnings included. A finding here is fixed in the stack or
// suppressed there with a reviewed reason, never by weakening the rule.
describe("reference stacks", () => {
  // What `npm run synth` writes (the synth the test files share).
  const synth = referenceSynth();
  const outdir = synth.outdir;
  const result = checkSynthesized(outdir);

  it("synthesize every example environment", () => {
    expect(synth).toMatchObject({ status: 0, stderr: "" });
    expect(loadOutdir(outdir).map((s) => s.name)).toEqual([...referenceStackNames()].sort());
  });

  it("have no unsuppressed error finding", () => {
    expect(result.errors.length === 0 ? "" : formatPolicyFailure(result)).toBe("");
  });

  it("have no unsuppressed warning or info finding either", () => {
    const open = result.findings.filter((f) => f.suppressed === undefined);
    expect(open.map(formatFinding)).toEqual([]);
  });
});
