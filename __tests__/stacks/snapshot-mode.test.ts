import { spawnSync } from "node:child_process";
import * as path from "node:path";

// The inventory snapshots are a review artefact: CI must fail on a missing or changed one, never
// write it, and only `npm run audit:update` (`--ci=false --updateSnapshot`) rewrites them. Reads
// the project's Jest configuration in a child process, since Jest decides CI mode from the
// environment it starts in.
const root = path.resolve(__dirname, "../..");

function snapshotMode(env: Record<string, string>, argv: Record<string, unknown> = {}): unknown {
  const script = `require("jest-config")
    .readConfig({ $0: "jest", _: [], ...${JSON.stringify(argv)} }, ${JSON.stringify(root)})
    .then((c) => process.stdout.write(JSON.stringify(c.globalConfig.updateSnapshot)));`;
  const run = spawnSync(process.execPath, ["-e", script], {
    cwd: root,
    env: { PATH: process.env.PATH ?? "", ...env },
    encoding: "utf8",
  });
  expect(run.stderr).toBe("");
  return JSON.parse(run.stdout);
}

describe("snapshot writing", () => {
  it("is off under CI=true: a missing or changed snapshot fails the run", () => {
    expect(snapshotMode({ CI: "true" })).toBe("none");
  });

  it("writes only new snapshots outside CI", () => {
    expect(snapshotMode({})).toBe("new");
  });

  it("rewrites every snapshot with the flags npm run audit:update passes, even under CI=true", () => {
    expect(snapshotMode({ CI: "true" }, { ci: false, updateSnapshot: true })).toBe("all");
  });
});
