import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import SlowFirstSequencer from "../.ci/test-sequencer";

// The order jest starts test files in: files marked `@slow` first on a machine without timings
// (a fresh clone), jest's own longest-first order once it has them.
describe("the test sequencer", () => {
  let dir: string;
  const files = {
    // The largest file: jest's own first pick without timings.
    "big.test.ts": `// a large file\n${"it('x', () => expect(1).toBe(1));\n".repeat(200)}`,
    "spawns.test.ts": "/** @slow runs a tool as a process */\nit('x', () => expect(1).toBe(1));\n",
    // The pragma counts only in the leading docblock.
    "mentions.test.ts": "it('x', () => expect(1).toBe(1));\n/** @slow not leading */\n",
    "small.test.ts": "it('x', () => expect(1).toBe(1));\n",
  };

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "sequencer-"));
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const tests = () => {
    const context = {
      config: { cache: true, cacheDirectory: path.join(dir, "cache"), id: "sequencer", haste: {} },
      hasteFS: { getSize: (file: string) => fs.statSync(file).size },
    };
    return Object.keys(files).map((name) => ({ context, path: path.join(dir, name) }) as never);
  };
  const order = (sorted: readonly { path: string }[]) => sorted.map((t) => path.basename(t.path));

  it("starts the files marked @slow first when jest has no timings, then the largest", async () => {
    expect(order(await new SlowFirstSequencer().sort(tests()))).toEqual([
      "spawns.test.ts",
      "big.test.ts",
      "mentions.test.ts",
      "small.test.ts",
    ]);
  });

  it("keeps jest's longest-first order once it has timings", async () => {
    fs.mkdirSync(path.join(dir, "cache"), { recursive: true });
    const runtime = { "big.test.ts": 100, "spawns.test.ts": 50, "mentions.test.ts": 10 };
    const ran = tests();
    new SlowFirstSequencer().cacheResults(ran, {
      testResults: ran.map((t: { path: string }) => ({
        testFilePath: t.path,
        numFailingTests: 0,
        skipped: false,
        perfStats: { runtime: runtime[path.basename(t.path) as keyof typeof runtime] ?? 9_000 },
      })),
    } as never);
    expect(order(await new SlowFirstSequencer().sort(tests()))).toEqual([
      "small.test.ts",
      "big.test.ts",
      "spawns.test.ts",
      "mentions.test.ts",
    ]);
  });
});
