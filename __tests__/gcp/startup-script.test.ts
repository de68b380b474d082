import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ArtifactRegistryRepository } from "@cdktf/provider-google/lib/artifact-registry-repository";
import { StorageBucket } from "@cdktf/provider-google/lib/storage-bucket";
import { ValidationError } from "../../constructs/core/errors";
import { renderTemplate, TEMPLATES_DIR } from "../../constructs/core/templates";
import { TOKEN_MARKER } from "../../constructs/core/terraform-text";
import { Network } from "../../constructs/gcp/network";
import {
  checkInstanceMetadata,
  METADATA_TOTAL_MAX_BYTES,
  METADATA_VALUE_MAX_BYTES,
  Vm,
  type VmProps,
  type VmService,
} from "../../constructs/gcp/vm";
import { synthJson, testStack } from "../helpers/synth";
import {
  bashSyntax,
  DIGEST,
  hasShellcheck,
  hasSystemdAnalyze,
  REGISTRY,
  sa,
  setup,
  SHA,
  shellcheck,
  tradingVm,
} from "../helpers/vm";

describe("Vm startup script", () => {
  const { stack, vm } = tradingVm();
  const script = vm.renderedStartupScript;
  const names = ["core-engine", "exchange-connector", "strategy-worker", "capital-manager"];

  it("passes bash -n", () => {
    expect(bashSyntax(script)).toEqual({ status: 0, stderr: "" });
  });

  (hasShellcheck ? it : it.skip)(
    "passes shellcheck -S warning (skipped: shellcheck not on PATH)",
    () => {
      expect(shellcheck(script)).toEqual({ status: 0, stdout: "" });
    },
  );

  it("is strict, installs docker when missing and enables every service", () => {
    expect(script.startsWith("#!/bin/bash\n")).toBe(true);
    expect(script).toContain("set -euo pipefail");
    expect(script).toContain("if ! command -v docker >/dev/null 2>&1; then");
    expect(script).toContain("apt-get install -y -q --no-install-recommends docker.io");
    expect(script).toContain(
      `systemctl enable --now ${names.map((n) => `${n}.service`).join(" ")}`,
    );
  });

  it("writes one unit per service and deploy.sh to their system paths", () => {
    for (const name of names) {
      expect(script).toContain(
        `install_file 0644 /etc/systemd/system/${name}.service <<'EOF_CONTAINER_UNIT'\n${vm.renderedUnits[name]}EOF_CONTAINER_UNIT\n`,
      );
    }
    expect(script).toContain(
      `install_file 0755 /opt/scripts/deploy.sh <<'EOF_DEPLOY_SCRIPT' || true\n${vm.renderedDeployScript}EOF_DEPLOY_SCRIPT\n`,
    );
    expect(Object.keys(vm.renderedUnits)).toEqual(names);
  });

  it("contains no Terraform interpolation and only secret names, never values", () => {
    expect(script).not.toMatch(/[$%]\{/);
    expect(script).toContain("--env DB_PASSWORD_SECRET=trading-bot-db-password");
  });

  it("runs each container under systemd: restarted, pulled before start, logging to journald", () => {
    const unit = vm.renderedUnits["core-engine"];
    const image = `${REGISTRY}/core-engine:${SHA}`;
    expect(unit).toContain("Restart=always\n");
    expect(unit).toContain("RestartSec=10s\n");
    expect(unit).toContain("Requires=docker.service\n");
    expect(unit).toContain("ExecStartPre=-/usr/bin/docker kill core-engine\n");
    expect(unit).toContain("ExecStartPre=-/usr/bin/docker rm core-engine\n");
    // The unit pins the image in IMAGE, which a deploy.sh release drop-in can override.
    expect(unit).toContain(`Environment=IMAGE=${image}\n`);
    expect(unit).toContain("ExecStartPre=/usr/bin/docker pull $IMAGE\n");
    expect(unit).toContain(
      "ExecStart=/usr/bin/docker run --rm --name core-engine --network=host --log-driver=journald --env LOG_LEVEL=info --env DB_PASSWORD_SECRET=trading-bot-db-password $IMAGE\n",
    );
    expect(unit).toContain("ExecStop=-/usr/bin/docker stop core-engine\n");
    expect(unit).toContain("WantedBy=multi-user.target");
    expect(vm.renderedUnits["strategy-worker"]).toMatch(
      /strategy-worker:3f9c2ab\n[\s\S]*\$IMAGE --strategies=momentum,mean-reversion --interval=5s\n/,
    );
  });

  it("has a deploy.sh that passes bash -n and whose case lists exactly the services", () => {
    const deploy = vm.renderedDeployScript;
    expect(bashSyntax(deploy)).toEqual({ status: 0, stderr: "" });
    const branches = [
      ...deploy.matchAll(
        /^ {2}([a-z][-a-z0-9]*)\)\n {4}pinned="([^"]+)"\n {4}repository="([^"]+)"\n {4};;$/gm,
      ),
    ];
    expect(branches.map((m) => m[1])).toEqual(names);
    expect(branches[1][2]).toBe(`${REGISTRY}/exchange-connector@${DIGEST}`);
    expect(branches[1][3]).toBe(`${REGISTRY}/exchange-connector`);
    expect(branches[0][3]).toBe(`${REGISTRY}/core-engine`);
    expect(deploy).toMatch(
      /\n {2}\*\)\n {4}echo "deploy\.sh: unknown service '\$service'" >&2\n {4}usage\n/,
    );
    expect(deploy).toContain('systemctl restart "$service.service"');
  });

  it.each([
    [["strategy-wrker"], /unknown service 'strategy-wrker'/],
    [["core-engine", "latest"], /'latest' is not a commit SHA/],
    [["core-engine", "3F9C2AB"], /'3F9C2AB' is not a commit SHA/],
    [["core-engine", "abc", "extra"], /usage: deploy\.sh SERVICE \[COMMIT_SHA\]/],
  ])("deploy.sh %j exits 2 before touching anything", (args, message) => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "deploy-")), "deploy.sh");
    fs.writeFileSync(file, vm.renderedDeployScript);
    const result = spawnSync("bash", [file, ...args], { encoding: "utf8" });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(message);
  });

  (hasShellcheck ? it : it.skip)(
    "has a deploy.sh that passes shellcheck (skipped: no shellcheck)",
    () => {
      expect(shellcheck(vm.renderedDeployScript)).toEqual({ status: 0, stdout: "" });
    },
  );

  it("puts no path of this machine into the synthesized JSON", () => {
    const text = JSON.stringify(synthJson(stack));
    expect(text).not.toContain(path.resolve(__dirname, "../.."));
    // As a path prefix: the VM's own HOME=/root may equal this machine's home directory.
    expect(text).not.toContain(`${os.homedir()}/`);
    expect(text).not.toContain("templates/");
  });
});

describe("Vm service units", () => {
  const image = `${REGISTRY}/core-engine:${SHA}`;
  it.each<[VmProps["services"], RegExp]>([
    [
      [{ name: "core-engine", image, args: ["--x", "a b"] }],
      /services\[0\].args\[1\] = "a b" contains characters/,
    ],
    [[{ name: "core-engine", image, args: ["%n"] }], /args\[0\] = "%n" contains characters/],
  ])("rejects services %#", (services, message) => {
    let error: unknown;
    try {
      setup({ services });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toMatch(message);
  });
});

describe("Vm memory limits", () => {
  const limited = (memory: Pick<VmService, "memoryMax" | "memoryHigh">) =>
    setup({
      services: [
        { name: "core-engine", image: `${REGISTRY}/core-engine:${SHA}`, ...memory },
        { name: "strategy-worker", image: `${REGISTRY}/strategy-worker:${SHA}` },
      ],
    }).vm;

  it("puts the container into a slice that carries MemoryMax and MemoryHigh", () => {
    const vm = limited({ memoryMax: "2G", memoryHigh: "1.5G" });
    expect(vm.renderedSlices["core-engine"]).toContain("[Slice]\nMemoryHigh=1.5G\nMemoryMax=2G\n");
    const unit = vm.renderedUnits["core-engine"];
    expect(unit).toContain("\nSlice=core-engine.slice\n");
    expect(unit).toContain(
      "--log-driver=journald --cgroup-parent=core-engine.slice --memory=2G $IMAGE\n",
    );
    expect(vm.renderedStartupScript).toContain(
      `install_file 0644 /etc/systemd/system/core-engine.slice <<'EOF_CONTAINER_SLICE'\n${vm.renderedSlices["core-engine"]}EOF_CONTAINER_SLICE\n`,
    );
    expect(vm.renderedStartupScript).toContain('sliced=" core-engine "');
  });

  (hasSystemdAnalyze ? it : it.skip)(
    "writes slices systemd accepts (skipped: no systemd-analyze)",
    () => {
      const vm = limited({ memoryMax: "2G", memoryHigh: "1.5G" });
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vm-slice-"));
      const file = path.join(dir, "core-engine.slice");
      fs.writeFileSync(file, vm.renderedSlices["core-engine"]);
      const result = spawnSync("systemd-analyze", ["verify", file], { encoding: "utf8" });
      fs.rmSync(dir, { recursive: true, force: true });
      expect(result.stderr).toBe("");
      expect(result.status).toBe(0);
    },
  );

  it("has a slice template without ${ or %{, which Terraform would interpolate", () => {
    const template = fs.readFileSync(path.join(TEMPLATES_DIR, "container.slice.hbs"), "utf8");
    expect(template).not.toMatch(/[$%]\{/);
    expect(template).toMatch(/^# managed-by: vm-construct/);
  });

  it("leaves services without limits out of slices", () => {
    const vm = limited({ memoryMax: "1536M" });
    expect(Object.keys(vm.renderedSlices)).toEqual(["core-engine"]);
    expect(vm.renderedSlices["core-engine"]).not.toContain("MemoryHigh");
    expect(vm.renderedUnits["strategy-worker"]).not.toMatch(/Slice=|cgroup-parent|--memory/);
  });

  it("sets only MemoryHigh when memoryMax is not given, and no docker --memory", () => {
    const vm = limited({ memoryHigh: "1073741824" });
    expect(vm.renderedSlices["core-engine"]).toContain("[Slice]\nMemoryHigh=1073741824\n");
    expect(vm.renderedSlices["core-engine"]).not.toContain("MemoryMax");
    expect(vm.renderedUnits["core-engine"]).not.toContain("--memory");
    expect(vm.renderedUnits["core-engine"]).toContain("--cgroup-parent=core-engine.slice");
  });

  it.each<[Pick<VmService, "memoryMax" | "memoryHigh">, RegExp]>([
    [
      { memoryMax: "2GB" },
      /services\[0\].memoryMax = "2GB" is not a systemd memory size.*'1536M'/s,
    ],
    [{ memoryMax: "2g" }, /memoryMax = "2g" is not a systemd memory size/],
    [{ memoryMax: "-1G" }, /memoryMax = "-1G" is not a systemd memory size/],
    [{ memoryMax: "50%" }, /memoryMax = "50%" is not a systemd memory size/],
    [{ memoryMax: 2 as never }, /memoryMax = 2 is not a systemd memory size/],
    [{ memoryHigh: "512K" }, /memoryHigh = "512K" is below 1M/],
    [{ memoryMax: "0" }, /memoryMax = "0" is below 1M/],
    [
      { memoryMax: "1G", memoryHigh: "1.5G" },
      /services\[0\].memoryHigh = "1.5G" is above memoryMax \(1G\)/,
    ],
  ])("rejects memory %p", (memory, message) => {
    expect(() => limited(memory)).toThrow(message);
  });
});

describe("every rendered script passes bash -n and shellcheck", () => {
  // A VM with everything that reaches a shell line: host packages, files (one conditional),
  // units to enable, memory limits, and a registry host Terraform computes.
  const stack = testStack();
  const repo = new ArtifactRegistryRepository(stack, "repo", {
    repositoryId: "repo",
    format: "DOCKER",
    location: "us-central1",
  });
  const bucket = new StorageBucket(stack, "bucket", { name: "backups", location: "US" });
  const pgDump = renderTemplate(stack, "pg-dump.sh.hbs", {
    system: "stockpilot",
    unit: "stockpilot-pg-dump",
    database: "stockpilot",
    bucket: bucket.name,
    retentionDays: 30,
    host: "10.20.0.3",
    user: "stockpilot-prod-vm@example-stockpilot-prod.iam",
  });
  const network = new Network(stack, "network", {
    subnets: [{ region: "us-central1", cidr: "10.10.0.0/20" }],
  });
  const vm = new Vm(stack, "vm", {
    name: "host",
    zone: "us-central1-a",
    network,
    machineType: "e2-standard-4",
    serviceAccount: sa,
    services: [
      {
        name: "api",
        image: `${repo.location}-docker.pkg.dev/${repo.project}/repo/api:${SHA}`,
        memoryMax: "2G",
        memoryHigh: "1.5G",
      },
      { name: "worker", image: `${REGISTRY}/worker@${DIGEST}` },
    ],
    hostPackages: ["nginx", "postgresql-client"],
    files: [
      { path: "/opt/scripts/pg-dump.sh", content: pgDump, mode: "0750" },
      {
        path: "/etc/nginx/conf.d/tls.conf",
        content: "server {}\n",
        reloadService: "nginx",
        onlyIfExists: "/etc/letsencrypt/live/example.com/fullchain.pem",
      },
    ],
    enableUnits: ["nginx.service", "pg-dump.timer"],
  });
  const scripts: [string, string][] = [
    ["startup", vm.renderedStartupScript],
    ["deploy", vm.renderedDeployScript],
    ["pg-dump", pgDump],
  ];

  it.each(scripts)("%s passes bash -n", (_, script) => {
    expect(bashSyntax(script)).toEqual({ status: 0, stderr: "" });
  });

  (hasShellcheck ? it.each(scripts) : it.skip.each(scripts))(
    "%s passes shellcheck -S warning",
    (_, script) => {
      // What the VM runs: Terraform has put a value where each reference was.
      expect(shellcheck(script.replace(TOKEN_MARKER, "tfvalue"))).toEqual({
        status: 0,
        stdout: "",
      });
    },
  );

  it("quotes the values Terraform fills in where they land in a shell line", () => {
    expect(vm.renderedStartupScript).toMatch(
      /^gcloud auth configure-docker --quiet '\$\{TfToken\[TOKEN\.\d+\]\}-docker\.pkg\.dev,us-central1-docker\.pkg\.dev'$/m,
    );
    expect(vm.renderedDeployScript).toMatch(/^ {4}pinned="\$\{TfToken\[TOKEN\.\d+\]\}-docker/m);
    expect(pgDump).toContain('object="gs://${TfToken[');
  });

  it("leaves safe values bare, so the reference stacks' scripts do not change", () => {
    expect(vm.renderedStartupScript).toContain("for pkg in nginx postgresql-client; do");
    expect(vm.renderedStartupScript).toContain(
      "systemctl enable --now nginx.service pg-dump.timer",
    );
    expect(vm.renderedStartupScript).toContain(
      "if [ -e /etc/letsencrypt/live/example.com/fullchain.pem ]; then",
    );
    expect(vm.renderedDeployScript).toContain('  worker)\n    pinned="us-central1-docker.pkg.dev/');
  });
});

describe("checkInstanceMetadata", () => {
  const stack = testStack();

  it("refuses a value over 256 KiB, naming the limit and the size", () => {
    const big = "x".repeat(METADATA_VALUE_MAX_BYTES + 1);
    expect(() => checkInstanceMetadata(stack, { "startup-script": big })).toThrow(
      /metadata\.startup-script = "\(262145 bytes\)" is 262145 bytes; Compute Engine takes at most 262144 bytes \(256 KiB\) per metadata value/,
    );
    expect(checkInstanceMetadata(stack, { "startup-script": big.slice(1) })).toBeDefined();
  });

  it("counts UTF-8 bytes, not characters", () => {
    expect(() =>
      checkInstanceMetadata(stack, { x: "é".repeat(METADATA_VALUE_MAX_BYTES / 2 + 1) }),
    ).toThrow(/is 262146 bytes/);
  });

  it("refuses more than 512 KiB of keys and values in total", () => {
    const half = "x".repeat(METADATA_VALUE_MAX_BYTES);
    expect(() => checkInstanceMetadata(stack, { a: half, b: half })).toThrow(
      /metadata = "\(524290 bytes in total\)" is 524290 bytes in all; Compute Engine takes at most 524288 bytes \(512 KiB\)/,
    );
    expect(METADATA_TOTAL_MAX_BYTES).toBe(524288);
  });

  it("refuses a credential in any metadata value", () => {
    expect(() => checkInstanceMetadata(stack, { note: "AKIAIOSFODNN7EXAMPLE" })).toThrow(
      /metadata\.note = "\(not shown\)" holds an AWS access key ID/,
    );
  });

  it("refuses a VM whose startup script is too large, at synth time", () => {
    const content = "# filler line of a large host file\n".repeat(8000);
    expect(() =>
      setup({
        files: [
          { path: "/etc/a.conf", content },
          { path: "/etc/b.conf", content },
        ],
      }),
    ).toThrow(
      /metadata\.startup-script = "\(\d+ bytes\)" is \d+ bytes; Compute Engine takes at most 262144/,
    );
  });
});
