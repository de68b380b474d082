import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ArtifactRegistryRepository } from "@cdktf/provider-google/lib/artifact-registry-repository";
import { StorageBucket } from "@cdktf/provider-google/lib/storage-bucket";
import { ValidationError } from "../../constructs/core/errors";
import { renderTemplate, TEMPLATES_DIR } from "../../constructs/core/templates";
import { TOKEN_MARKER } from "../../constructs/core/terraform-text";
import { Bucket } from "../../constructs/gcp/bucket";
import { Network } from "../../constructs/gcp/network";
import {
  checkInstanceMetadata,
  METADATA_TOTAL_MAX_BYTES,
  METADATA_VALUE_MAX_BYTES,
  Vm,
  type VmProps,
  type VmService,
} from "../../constructs/gcp/vm";
import { resourcesOf, synthJson, testStack } from "../helpers/synth";
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
  TRADING_SERVICES,
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
      `install_file 0755 /opt/scripts/deploy.sh <<'EOF_DEPLOY_SCRIPT' || true\n${vm.renderedDeployScript!}EOF_DEPLOY_SCRIPT\n`,
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
    const deploy = vm.renderedDeployScript!;
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
    fs.writeFileSync(file, vm.renderedDeployScript!);
    const result = spawnSync("bash", [file, ...args], { encoding: "utf8" });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(message);
  });

  (hasShellcheck ? it : it.skip)(
    "has a deploy.sh that passes shellcheck (skipped: no shellcheck)",
    () => {
      expect(shellcheck(vm.renderedDeployScript!)).toEqual({ status: 0, stdout: "" });
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

/**
 * A release by `deploy.sh SERVICE COMMIT` and a later Terraform release, run for real in a scratch
 * root: the rendered scripts with their system paths moved under it, and docker, systemctl and id
 * as stubs on PATH.
 */
describe("Vm releases without a release record: deploy.sh, then Terraform", () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "release-handover-"));
  const bin = path.join(root, "bin");
  fs.mkdirSync(bin);
  for (const [tool, body] of [
    ["docker", "exit 0"],
    ["systemctl", "exit 0"],
    ["id", "echo 0"],
  ]) {
    fs.writeFileSync(path.join(bin, tool), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  }
  const rooted = (text: string) =>
    text
      .replaceAll("/etc/systemd/system/", `${root}/etc/systemd/system/`)
      .replaceAll("/opt/scripts/", `${root}/opt/scripts/`)
      .replaceAll("/var/lib/release-sync", `${root}/var/lib/release-sync`);
  const dropIn = path.join(root, "etc/systemd/system/core-engine.service.d/release.conf");

  function bash(script: string): { status: number | null; stdout: string; stderr: string } {
    const file = path.join(root, "script.sh");
    fs.writeFileSync(file, script);
    const result = spawnSync("bash", [file], {
      encoding: "utf8",
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  /** The startup script's part that judges deploy.sh drop-ins, with its helpers; prints $changed. */
  function judgeDropIns(vm: Vm): { status: number | null; stdout: string; stderr: string } {
    return runPart(
      vm,
      "# A deploy.sh release lasts until Terraform pins another image",
      "# A release record configured earlier",
    );
  }

  /** The startup script from one line to another, with its helpers; prints $changed. */
  function runPart(
    vm: Vm,
    fromLine: string,
    toLine: string,
  ): { status: number | null; stdout: string; stderr: string } {
    const startup = vm.renderedStartupScript;
    const from = startup.indexOf(fromLine);
    const to = startup.indexOf(toLine, from);
    expect(from).toBeGreaterThan(0);
    expect(to).toBeGreaterThan(from);
    const helpers = startup.slice(
      startup.indexOf("# append_once VAR WORD"),
      startup.indexOf("# Docker from the distribution."),
    );
    return bash(
      [
        "set -euo pipefail",
        'log() { echo "startup: $*"; }',
        helpers,
        'changed=""',
        rooted(startup.slice(from, to)),
        'echo "changed:$changed"',
      ].join("\n"),
    );
  }

  const first = tradingVm().vm;
  const released = "abc1234";

  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  /** `sudo /opt/scripts/deploy.sh core-engine <released>`, as an operator runs it. */
  function releaseByHand(): void {
    fs.rmSync(path.join(root, "etc"), { recursive: true, force: true });
    const deploy = path.join(root, "deploy.sh");
    fs.writeFileSync(deploy, rooted(first.renderedDeployScript!));
    const result = spawnSync("bash", [deploy, "core-engine", released], {
      encoding: "utf8",
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
    });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
  }

  it("deploy.sh pins the released commit in a drop-in that names the image Terraform pins", () => {
    releaseByHand();
    expect(fs.readFileSync(dropIn, "utf8")).toBe(
      [
        "# deploy.sh release; removed by the startup script once Terraform pins another image.",
        `# pinned: ${REGISTRY}/core-engine:${SHA}`,
        "[Service]",
        `Environment=IMAGE=${REGISTRY}/core-engine:${released}`,
        "",
      ].join("\n"),
    );
  });

  it("keeps the release when the startup script runs again with the same pin (a reboot)", () => {
    releaseByHand();
    expect(judgeDropIns(first)).toEqual({ status: 0, stdout: "changed:\n", stderr: "" });
    expect(fs.existsSync(dropIn)).toBe(true);
  });

  it("drops it, and restarts the service, once Terraform pins another image", () => {
    releaseByHand();
    const rollback = "0badc0d";
    const services = (TRADING_SERVICES ?? []).map((s) =>
      s.name === "core-engine" ? { ...s, image: `${REGISTRY}/core-engine:${rollback}` } : s,
    );
    const next = tradingVm({ services }).vm;
    expect(judgeDropIns(next)).toEqual({
      status: 0,
      stdout: `startup: removing the deploy.sh drop-in of core-engine: Terraform now pins ${REGISTRY}/core-engine:${rollback}\nchanged: core-engine\n`,
      stderr: "",
    });
    expect(fs.existsSync(dropIn)).toBe(false);
  });

  it("removes the release-sync an earlier release record left, so it overrides no pinned image", () => {
    const left = [
      "etc/systemd/system/release-sync.timer",
      "etc/systemd/system/release-sync.service",
      "opt/scripts/release-sync.sh",
      "var/lib/release-sync/core-engine.env",
    ];
    for (const file of left) {
      fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      fs.writeFileSync(path.join(root, file), "left by an earlier version\n");
    }
    const run = runPart(
      first,
      "# A release record configured earlier",
      "\nsystemctl daemon-reload\n",
    );
    expect(run).toEqual({
      status: 0,
      stdout: `startup: removing release-sync: no release record is configured\nchanged: ${TRADING_SERVICES!.map((s) => s.name).join(" ")}\n`,
      stderr: "",
    });
    expect(left.filter((file) => fs.existsSync(path.join(root, file)))).toEqual([]);
    expect(fs.existsSync(path.join(root, "var/lib/release-sync"))).toBe(false);
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
    ["deploy", vm.renderedDeployScript!],
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

describe("release-sync, with a release record", () => {
  const stack = testStack();
  const network = new Network(stack, "network", {
    subnets: [{ region: "us-central1", cidr: "10.10.0.0/20" }],
  });
  const releaseRecord = new Bucket(stack, "releases", {
    name: "releases",
    location: "us-central1",
  });
  const vm = new Vm(stack, "vm", {
    name: "bot",
    zone: "us-central1-a",
    network,
    machineType: "e2-standard-4",
    serviceAccount: sa,
    services: [
      { name: "core-engine", image: `${REGISTRY}/core-engine:${SHA}` },
      { name: "strategy-worker", image: `${REGISTRY}/strategy-worker@${DIGEST}` },
    ],
    releaseRecord,
  });
  const sync = vm.renderedReleaseSync!;
  const startup = vm.renderedStartupScript;
  // What the VM runs: Terraform has put the bucket's name where its reference was.
  const script = sync.script.replace(TOKEN_MARKER, "test-dev-releases");
  const scripts: [string, string][] = [
    ["startup", startup.replace(TOKEN_MARKER, "tfvalue")],
    ["release-sync", script],
  ];

  it.each(scripts)("%s passes bash -n", (_, text) => {
    expect(bashSyntax(text)).toEqual({ status: 0, stderr: "" });
  });

  (hasShellcheck ? it.each(scripts) : it.skip.each(scripts))(
    "%s passes shellcheck -S warning",
    (_, text) => {
      expect(shellcheck(text)).toEqual({ status: 0, stdout: "" });
    },
  );

  it("replaces deploy.sh: the startup script installs release-sync and its timer", () => {
    expect(vm.renderedDeployScript).toBeUndefined();
    expect(startup).not.toContain("EOF_DEPLOY_SCRIPT");
    expect(startup).toContain(
      `install_file 0700 /opt/scripts/release-sync.sh <<'EOF_RELEASE_SYNC_SCRIPT' || true\n${sync.script}EOF_RELEASE_SYNC_SCRIPT\n`,
    );
    expect(startup).toContain(
      `install_file 0644 /etc/systemd/system/release-sync.timer <<'EOF_RELEASE_SYNC_TIMER' || true\n${sync.timer}EOF_RELEASE_SYNC_TIMER\n`,
    );
    expect(startup).toContain("rm -f /opt/scripts/deploy.sh\n");
    expect(startup).toContain("rm -f /etc/systemd/system/core-engine.service.d/release.conf\n");
    expect(startup).toMatch(
      /\nsystemctl enable release-sync\.timer\nsystemctl restart release-sync\.timer\n/,
    );
  });

  it("runs every minute, catches up after downtime, and spreads the VMs", () => {
    expect(sync.timer).toMatch(/^OnCalendar=\*-\*-\* \*:\*:00$/m);
    expect(sync.timer).toMatch(/^Persistent=true$/m);
    expect(sync.timer).toMatch(/^RandomizedDelaySec=20s$/m);
    expect(sync.timer).toMatch(/^WantedBy=timers\.target$/m);
    expect(sync.service).toMatch(/^Type=oneshot$/m);
    expect(sync.service).toMatch(/^ExecStart=\/opt\/scripts\/release-sync\.sh$/m);
    expect(sync.service).toMatch(/^After=.*google-startup-scripts\.service/m);
  });

  it("has each unit read its image from the state file, over the pinned one", () => {
    for (const name of ["core-engine", "strategy-worker"]) {
      const unit = vm.renderedUnits[name];
      const pinned = unit.indexOf("\nEnvironment=IMAGE=");
      const state = unit.indexOf(`\nEnvironmentFile=-/var/lib/release-sync/${name}.env\n`);
      expect(pinned).toBeGreaterThan(0);
      expect(state).toBeGreaterThan(pinned);
      expect(unit).not.toContain("deploy.sh");
    }
  });

  it("lets the VM's account read this bucket only", () => {
    const grants = resourcesOf(synthJson(stack), "google_storage_bucket_iam_member");
    expect(grants.map((g) => [g.config.role, g.config.member])).toEqual([
      ["roles/storage.objectViewer", sa.member],
    ]);
    expect(String(grants[0].config.bucket)).toMatch(/google_storage_bucket\.releases_bucket_/);
  });

  it("refuses host files in release-sync's paths, and a service named release-sync", () => {
    for (const path of ["/opt/scripts/release-sync.sh", "/var/lib/release-sync/core-engine.env"]) {
      expect(() => setup({ files: [{ path, content: "x" }] })).toThrow(
        /is written by the Vm construct itself/,
      );
    }
    expect(() =>
      setup({ services: [{ name: "release-sync", image: `${REGISTRY}/x:${SHA}` }] }),
    ).toThrow(/services\[0\]\.name = "release-sync" would replace a system unit/);
  });

  describe("when it runs", () => {
    // The script with its root-owned paths moved into a scratch directory, and stubs for the
    // commands it calls: the metadata server and GCS (curl), docker, systemctl, id, sleep.
    let dir: string;
    const repo = `${REGISTRY}/core-engine`;
    const record = (service: string, content: string) =>
      fs.writeFileSync(path.join(dir, "records", service), content);
    const log = () =>
      fs.existsSync(path.join(dir, "log")) ? fs.readFileSync(path.join(dir, "log"), "utf8") : "";
    const state = (service: string) => {
      const file = path.join(dir, "state", `${service}.env`);
      return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined;
    };
    const run = (...args: string[]) => {
      fs.rmSync(path.join(dir, "log"), { force: true });
      return spawnSync("bash", [path.join(dir, "release-sync.sh"), ...args], {
        env: { PATH: `${path.join(dir, "bin")}:/usr/bin:/bin`, STUB: dir },
        encoding: "utf8",
      });
    };

    beforeEach(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), "release-sync-"));
      for (const d of ["bin", "records", "state"]) fs.mkdirSync(path.join(dir, d));
      const stub = (name: string, body: string) =>
        fs.writeFileSync(path.join(dir, "bin", name), `#!/bin/bash\n${body}\n`, { mode: 0o755 });
      stub("id", "echo 0");
      stub("sleep", "true");
      stub("systemctl", 'echo "systemctl $*" >>"$STUB/log"');
      stub(
        "docker",
        'echo "docker $*" >>"$STUB/log"\nif [ -e "$STUB/pull-fails" ]; then exit 1; fi',
      );
      stub(
        "curl",
        [
          'echo "curl $*" >>"$STUB/log"',
          'case "$*" in',
          '  *Metadata-Flavor*) echo \'{"access_token":"ya29.secret-token","expires_in":3599}\'; exit 0 ;;',
          "esac",
          'header="$(cat)"; echo "stdin $header" >>"$STUB/log"',
          'while [ "$#" -gt 1 ]; do [ "$1" = -o ] && out="$2"; [ "$1" = -D ] && dump="$2"; shift; done',
          'service="${1##*/o/}"; service="${service%%\\?*}"',
          'if [ -f "$STUB/records/$service" ]; then cp "$STUB/records/$service" "$out"; printf "HTTP/2 200\\r\\n" >"$dump"; else printf "HTTP/2 404\\r\\n" >"$dump"; fi',
        ].join("\n"),
      );
      fs.writeFileSync(
        path.join(dir, "release-sync.sh"),
        script
          .replace("state_dir=/var/lib/release-sync", `state_dir=${dir}/state`)
          .replace("exec 9>/run/release-sync.lock", `exec 9>${dir}/lock`),
      );
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("leaves the pinned image running while there is no record", () => {
      const result = run();
      expect(result.status).toBe(0);
      expect(result.stdout).toContain("core-engine: no release record yet");
      expect(log()).not.toMatch(/docker|systemctl/);
      expect(state("core-engine")).toBeUndefined();
    });

    it("pulls, writes the state file, restarts and checks the service for a new commit", () => {
      record("core-engine", "0123abc\n");
      const result = run("--now");
      expect(result.status).toBe(0);
      expect(state("core-engine")).toBe(`IMAGE=${repo}:0123abc\n`);
      expect(log()).toContain(`docker pull ${repo}:0123abc`);
      expect(log().indexOf("docker pull")).toBeLessThan(log().indexOf("systemctl restart"));
      expect(log()).toContain("systemctl restart core-engine.service");
      expect(log()).toContain("systemctl is-active --quiet core-engine.service");
      expect(log()).toContain(
        "https://storage.googleapis.com/storage/v1/b/test-dev-releases/o/core-engine?alt=media",
      );
      // The token reaches curl on stdin, never on its command line.
      expect(log()).toContain("stdin Authorization: Bearer ya29.secret-token");
      expect(
        log()
          .split("\n")
          .filter((l) => l.startsWith("curl"))
          .join("\n"),
      ).not.toContain("secret-token");
      // A second run finds nothing to do.
      expect(run().status).toBe(0);
      expect(log()).not.toMatch(/docker|systemctl/);
    });

    it("writes the state without a restart when the record names the pinned commit", () => {
      record("core-engine", SHA);
      expect(run().status).toBe(0);
      expect(state("core-engine")).toBe(`IMAGE=${repo}:${SHA}\n`);
      expect(log()).not.toMatch(/docker|systemctl/);
    });

    it.each([
      ["a command", "0123abc; rm -rf /"],
      ["upper case", "0123ABC"],
      ["too short", "0123ab"],
      ["two lines", "0123abc\n4567def\n"],
      ["empty", ""],
    ])("refuses a record that is not one SHA (%s) and changes nothing", (_, content) => {
      record("core-engine", content);
      const result = run();
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(
        "core-engine: gs://test-dev-releases/core-engine is not a commit SHA",
      );
      expect(log()).not.toMatch(/docker|systemctl/);
      expect(state("core-engine")).toBeUndefined();
    });

    it("keeps the running container when the pull fails", () => {
      record("core-engine", "0123abc");
      fs.writeFileSync(path.join(dir, "pull-fails"), "");
      const result = run();
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(`cannot pull ${repo}:0123abc; it keeps running`);
      expect(log()).not.toContain("systemctl");
      expect(state("core-engine")).toBeUndefined();
    });

    it("takes no other arguments", () => {
      const result = run("core-engine");
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(/usage: release-sync\.sh \[--now\]/);
    });
  });
});
