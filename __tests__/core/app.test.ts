import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ComputeGlobalAddress } from "@cdktf/provider-google/lib/compute-global-address";
import { ComputeNetwork } from "@cdktf/provider-google/lib/compute-network";
import { GoogleProvider } from "@cdktf/provider-google/lib/provider";
import { StorageBucket } from "@cdktf/provider-google/lib/storage-bucket";
import type { App } from "cdktf";
import { runApp } from "../../constructs/core/app";
import { invalid } from "../../constructs/core/errors";
import { PlatformStack } from "../../constructs/core/stack";
import { suppress } from "../../constructs/core/suppress";

const backend = { kind: "gcs", bucket: "test-state", prefix: "test/dev" } as const;

/** A network without instances: the egress warning (GCP-FW-005) is accepted for it. */
function network(stack: PlatformStack, autoCreateSubnetworks: boolean): ComputeNetwork {
  const vpc = new ComputeNetwork(stack, "vpc", { name: "test-dev-vpc", autoCreateSubnetworks });
  suppress(vpc, "GCP-FW-005", "A test network without instances, so nothing can egress from it.");
  return vpc;
}

function build(app: App): void {
  const stack = new PlatformStack(app, { system: "test", environment: "dev", backend });
  new GoogleProvider(stack, "google", { project: "test-project" });
  network(stack, false);
}

describe("runApp", () => {
  let dir: string;
  let outdir: string;
  let savedExitCode: typeof process.exitCode;
  let messages: string[];
  const stderr = { write: (text: string) => messages.push(text) };
  const stackFile = () => path.join(outdir, "stacks", "test-dev", "cdk.tf.json");

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "run-app-"));
    outdir = path.join(dir, "cdktf.out");
    savedExitCode = process.exitCode;
    messages = [];
  });
  afterEach(() => {
    process.exitCode = savedExitCode;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("writes the stacks into the outdir and keeps unrelated files there", () => {
    const keep = path.join(outdir, "stacks", "x", ".terraform", "keep");
    fs.mkdirSync(path.dirname(keep), { recursive: true });
    fs.writeFileSync(keep, "terraform state");
    fs.mkdirSync(path.dirname(stackFile()), { recursive: true });
    fs.writeFileSync(stackFile(), "old");

    expect(runApp(build, { outdir, stderr })).toBe(true);

    const json = JSON.parse(fs.readFileSync(stackFile(), "utf8"));
    expect(json.resource.google_compute_network).toBeDefined();
    expect(fs.existsSync(path.join(outdir, "manifest.json"))).toBe(true);
    expect(fs.readFileSync(keep, "utf8")).toBe("terraform state");
    expect(fs.existsSync(`${outdir}.staging`)).toBe(false);
    expect(messages).toEqual([]);
    expect(process.exitCode).toBe(savedExitCode);
  });

  it.each([
    [
      "while building",
      (app: App) => {
        build(app);
        invalid("settings.json", "regions", [], "is empty", "list a region");
      },
      "settings.json: regions = [] is empty.\n  Fix: list a region",
    ],
    [
      "in an aspect during synthesis",
      (app: App) => {
        build(app);
        const stack = app.node.findChild("test-dev");
        new ComputeGlobalAddress(stack, "address", { name: "a", labels: { Bad: "x" } });
      },
      'test-dev/address: labels key = "Bad" is not a valid GCP label key',
    ],
  ])(
    "on a ValidationError %s writes nothing, prints the message alone and sets exit code 1",
    (_when, failing, message) => {
      expect(runApp(build, { outdir, stderr })).toBe(true);
      const before = fs.readFileSync(stackFile(), "utf8");
      fs.writeFileSync(path.join(outdir, "marker"), "previous output");

      expect(runApp(failing, { outdir, stderr })).toBe(false);

      expect(process.exitCode).toBe(1);
      expect(fs.readFileSync(stackFile(), "utf8")).toBe(before);
      expect(fs.readFileSync(path.join(outdir, "marker"), "utf8")).toBe("previous output");
      expect(fs.existsSync(`${outdir}.staging`)).toBe(false);
      const printed = messages.join("");
      expect(printed).toContain("Synthesis stopped; nothing was written.\n");
      expect(printed).toContain(message);
      expect(printed).not.toMatch(/\n\s+at /);
    },
  );

  it("writes nothing at all when the first run fails", () => {
    expect(runApp(() => invalid("s", "p", 1, "is bad", "fix it"), { outdir, stderr })).toBe(false);
    expect(fs.existsSync(outdir)).toBe(false);
    expect(process.exitCode).toBe(1);
  });

  it("rethrows other errors and leaves no staging directory behind", () => {
    expect(() =>
      runApp(
        () => {
          throw new TypeError("boom");
        },
        { outdir, stderr },
      ),
    ).toThrow("boom");
    expect(fs.existsSync(`${outdir}.staging`)).toBe(false);
    expect(messages).toEqual([]);
    expect(process.exitCode).toBe(savedExitCode);
  });

  it("stops on an unsuppressed error-level policy finding, listing it, and writes nothing", () => {
    expect(runApp(build, { outdir, stderr })).toBe(true);
    const before = fs.readFileSync(stackFile(), "utf8");
    const insecure = (app: App) => {
      const stack = new PlatformStack(app, { system: "test", environment: "dev", backend });
      new GoogleProvider(stack, "google", { project: "test-project" });
      // An escape hatch the constructs would refuse: the rules read the JSON, so they see it.
      new StorageBucket(stack, "bucket", {
        name: "test-dev-open",
        location: "US",
        publicAccessPrevention: "inherited",
      });
    };
    expect(runApp(insecure, { outdir, stderr })).toBe(false);
    expect(process.exitCode).toBe(1);
    expect(fs.readFileSync(stackFile(), "utf8")).toBe(before);
    expect(fs.existsSync(`${outdir}.staging`)).toBe(false);
    const printed = messages.join("");
    expect(printed).toContain("Synthesis stopped; nothing was written.\n");
    expect(printed).toContain("GCP-GCS-001");
    expect(printed).toContain("google_storage_bucket.bucket");
    expect(printed).not.toMatch(/\n\s+at /);
  });

  it("prints each unsuppressed warning on one line with its rule and fix after a passing synth", () => {
    const autoMode = (app: App) => {
      const stack = new PlatformStack(app, { system: "test", environment: "dev", backend });
      new GoogleProvider(stack, "google", { project: "test-project" });
      // Auto mode: GCP-NET-003 is a warning, so the synth passes and names it.
      network(stack, true);
    };
    expect(runApp(autoMode, { outdir, stderr })).toBe(true);
    expect(fs.existsSync(stackFile())).toBe(true);
    const lines = messages
      .join("")
      .split("\n")
      .filter((l) => l !== "");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^WARN GCP-NET-003 test-dev google_compute_network\.vpc .*auto_create_subnetworks.* Fix: Set auto_create_subnetworks = false/,
    );
  });

  it("prints no warning that a suppression accepted", () => {
    const accepted = (app: App) => {
      const stack = new PlatformStack(app, { system: "test", environment: "dev", backend });
      new GoogleProvider(stack, "google", { project: "test-project" });
      const vpc = network(stack, true);
      suppress(vpc, "GCP-NET-003", "A throwaway test network whose auto subnets are never used.");
    };
    expect(runApp(accepted, { outdir, stderr })).toBe(true);
    expect(messages).toEqual([]);
  });
});
