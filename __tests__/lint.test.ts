import { spawnSync } from "node:child_process";
import * as path from "node:path";

const root = path.resolve(__dirname, "..");

interface Finding {
  readonly ruleId: string | null;
  readonly message: string;
}

function lint(code: string): { status: number | null; findings: Finding[] } {
  const result = spawnSync(
    path.join(root, "node_modules", ".bin", "eslint"),
    ["--stdin", "--stdin-filename", "constructs/gcp/example.ts", "--format", "json"],
    { cwd: root, input: code, encoding: "utf8" },
  );
  const [file] = JSON.parse(result.stdout) as { messages: Finding[] }[];
  return { status: result.status, findings: file.messages };
}

describe("lint rule against provider package roots", () => {
  it.each([
    "@cdktf/provider-google",
    "@cdktf/provider-google/lib",
    "@cdktf/provider-aws/lib/index",
    "@cdktf/provider-kubernetes",
  ])("rejects importing %s", (spec) => {
    const { status, findings } = lint(`import { X } from "${spec}";\nexport const y = X;\n`);
    expect(status).toBe(1);
    expect(findings).toEqual([
      expect.objectContaining({
        ruleId: "no-restricted-imports",
        message: expect.stringMatching(/the package root loads the whole provider/),
      }),
    ]);
  });

  it("accepts a deep import of one resource module", () => {
    const { status, findings } = lint(
      'import { ComputeNetwork } from "@cdktf/provider-google/lib/compute-network";\nexport const y = ComputeNetwork;\n',
    );
    expect(findings).toEqual([]);
    expect(status).toBe(0);
  });
});
