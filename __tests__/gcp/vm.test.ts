import { helpExampleStack } from "../helpers/help";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { TerraformOutput } from "cdktf";
import { ArtifactRegistryRepository } from "@cdktf/provider-google/lib/artifact-registry-repository";
import { ServiceAccount as GoogleServiceAccount } from "@cdktf/provider-google/lib/service-account";
import { StorageBucket } from "@cdktf/provider-google/lib/storage-bucket";
import { ValidationError } from "../../constructs/core/errors";
import { type PlatformStack } from "../../constructs/core/stack";
import { TEMPLATES_DIR } from "../../constructs/core/templates";
import { Network } from "../../constructs/gcp/network";
import { Vm, type VmFile, type VmProps, type VmService } from "../../constructs/gcp/vm";
import { findResource, resourcesOf, synthJson, testStack } from "../helpers/synth";

const REGISTRY = "us-central1-docker.pkg.dev/example-trading-bot/trading-bot-repo";
const SHA = "3f9c2ab";
const DIGEST = `sha256:${"a".repeat(64)}`;
const sa = {
  email: "vm@p.iam.gserviceaccount.com",
  member: "serviceAccount:vm@p.iam.gserviceaccount.com",
};
const hasShellcheck = spawnSync("which", ["shellcheck"]).status === 0;
const hasSystemdAnalyze = spawnSync("which", ["systemd-analyze"]).status === 0;

function setup(overrides: Partial<VmProps> = {}): { stack: PlatformStack; vm: Vm } {
  const stack = testStack();
  const network = new Network(stack, "network", {
    subnets: [
      { region: "us-central1", cidr: "10.10.0.0/20" },
      { region: "us-east1", cidr: "10.11.0.0/20" },
    ],
  });
  const vm = new Vm(stack, "vm", {
    name: "bot",
    zone: "us-central1-a",
    network,
    machineType: "e2-standard-4",
    serviceAccount: sa,
    services: [{ name: "core-engine", image: `${REGISTRY}/core-engine:${SHA}` }],
    ...overrides,
  });
  return { stack, vm };
}

function instanceOf(stack: PlatformStack): Record<string, unknown> {
  return findResource(synthJson(stack), "google_compute_instance");
}

/** The four services of the trading bot seed, with secret names (never values) in env. */
const TRADING_SERVICES: VmProps["services"] = [
  {
    name: "core-engine",
    image: `${REGISTRY}/core-engine:${SHA}`,
    env: { LOG_LEVEL: "info", DB_PASSWORD_SECRET: "trading-bot-db-password" },
  },
  {
    name: "exchange-connector",
    image: { uri: `${REGISTRY}/exchange-connector@${DIGEST}` },
    env: { EXCHANGE_API_KEY_SECRET: "projects/example-trading-bot/secrets/binance-api-key" },
  },
  {
    name: "strategy-worker",
    image: `${REGISTRY}/strategy-worker:${SHA}`,
    args: ["--strategies=momentum,mean-reversion", "--interval=5s"],
  },
  {
    name: "capital-manager",
    image: `${REGISTRY}/capital-manager:0123456789abcdef0123456789abcdef01234567`,
    env: { TELEGRAM_BOT_TOKEN_SECRET: "telegram-bot-token" },
  },
];

function tradingVm(overrides: Partial<VmProps> = {}): { stack: PlatformStack; vm: Vm } {
  return setup({ externalIp: "static", services: TRADING_SERVICES, ...overrides });
}

function bashSyntax(script: string): { status: number | null; stderr: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vm-test-"));
  const file = path.join(dir, "script.sh");
  fs.writeFileSync(file, script);
  const result = spawnSync("bash", ["-n", file], { encoding: "utf8" });
  fs.rmSync(dir, { recursive: true, force: true });
  return { status: result.status, stderr: result.stderr };
}

function shellcheck(script: string): { status: number | null; stdout: string } {
  const result = spawnSync("shellcheck", ["-S", "warning", "-s", "bash", "-"], {
    input: script,
    encoding: "utf8",
  });
  return { status: result.status, stdout: result.stdout };
}

describe("Vm defaults", () => {
  const { stack, vm } = setup();
  const instance = instanceOf(stack);

  it("names the instance with the stack prefix and places it in the zone", () => {
    expect(instance).toMatchObject({
      name: "test-dev-bot",
      zone: "us-central1-a",
      machine_type: "e2-standard-4",
    });
    expect(vm.instanceName).toBe("test-dev-bot");
    expect(vm.region).toBe("us-central1");
  });

  it("boots a 50 GB pd-balanced Debian 12 disk labelled by the stack", () => {
    expect(instance.boot_disk).toMatchObject({
      auto_delete: true,
      initialize_params: {
        image: "debian-cloud/debian-12",
        size: 50,
        type: "pd-balanced",
        labels: { environment: "dev", system: "test", "managed-by": "cdktf" },
      },
    });
  });

  it("is a shielded VM with OS Login, no project SSH keys and no serial port", () => {
    expect(instance.shielded_instance_config).toEqual({
      enable_secure_boot: true,
      enable_vtpm: true,
      enable_integrity_monitoring: true,
    });
    expect(instance.metadata).toMatchObject({
      "enable-oslogin": "TRUE",
      "block-project-ssh-keys": "TRUE",
      "serial-port-enable": "FALSE",
    });
  });

  it("runs as the given service account with the cloud-platform scope", () => {
    expect(instance.service_account).toEqual({
      email: "vm@p.iam.gserviceaccount.com",
      scopes: ["cloud-platform"],
    });
  });

  it("has no external IP, no IP forwarding, deletion protection, and may stop for updates", () => {
    const nic = (instance.network_interface as Record<string, unknown>[])[0];
    expect(nic.access_config).toBeUndefined();
    expect(nic.subnetwork).toMatch(
      /google_compute_subnetwork\.network_subnet-us-central1.*self_link/,
    );
    expect(instance).toMatchObject({
      can_ip_forward: false,
      deletion_protection: true,
      allow_stopping_for_update: true,
    });
    expect(vm.externalIp).toBeUndefined();
    expect(resourcesOf(synthJson(stack), "google_compute_address")).toHaveLength(0);
  });

  it("gets the stack labels from the aspect", () => {
    expect(instance.labels).toEqual({ environment: "dev", "managed-by": "cdktf", system: "test" });
  });

  it("writes the rendered startup script into the startup-script metadata key", () => {
    expect((instance.metadata as Record<string, string>)["startup-script"]).toBe(
      vm.renderedStartupScript,
    );
    expect(instance.metadata_startup_script).toBeUndefined();
    expect(vm.renderedStartupScript).toContain("google-cloud-ops-agent");
  });

  it("exposes the self link and no network tags", () => {
    expect(vm.selfLink).toMatch(/TfToken/);
    expect(vm.networkTags).toEqual([]);
    expect(instance.tags).toBeUndefined();
  });
});

describe("Vm options", () => {
  it("reserves a static external IP, attaches it and protects it from destroy", () => {
    const { stack, vm } = setup({ externalIp: "static" });
    new TerraformOutput(stack, "vm-ip", { value: vm.externalIp });
    const json = synthJson(stack);
    const address = findResource(json, "google_compute_address");
    expect(address).toMatchObject({
      name: "test-dev-bot-ip",
      region: "us-central1",
      address_type: "EXTERNAL",
      network_tier: "PREMIUM",
      lifecycle: { prevent_destroy: true },
      labels: { environment: "dev" },
    });
    const nic = (
      findResource(json, "google_compute_instance").network_interface as {
        access_config: Record<string, unknown>[];
      }[]
    )[0];
    const ref = /^\$\{google_compute_address\.vm_ip_[0-9A-F]+\.address\}$/;
    expect(nic.access_config).toEqual([
      { nat_ip: expect.stringMatching(ref), network_tier: "PREMIUM" },
    ]);
    expect(json.output?.["vm-ip"].value).toMatch(ref);
  });

  it("sets network tags, boot disk, deletion protection and custom machine type", () => {
    const { stack, vm } = setup({
      networkTags: ["trading-bot-vm", "egress-exchanges"],
      bootDisk: { sizeGb: 100, type: "pd-ssd", image: "debian-cloud/debian-12-bookworm-v20250101" },
      deletionProtection: false,
      machineType: "n2-custom-4-16384",
    });
    const instance = instanceOf(stack);
    expect(instance.tags).toEqual(["trading-bot-vm", "egress-exchanges"]);
    expect(vm.networkTags).toEqual(["trading-bot-vm", "egress-exchanges"]);
    expect(instance.boot_disk).toMatchObject({
      initialize_params: {
        size: 100,
        type: "pd-ssd",
        image: "debian-cloud/debian-12-bookworm-v20250101",
      },
    });
    expect(instance).toMatchObject({
      deletion_protection: false,
      machine_type: "n2-custom-4-16384",
    });
  });

  it("accepts a subnet instead of network + region", () => {
    const stack = testStack();
    const network = new Network(stack, "network", {
      subnets: [
        { region: "us-central1", cidr: "10.10.0.0/20" },
        { region: "us-east1", cidr: "10.11.0.0/20" },
      ],
    });
    const vm = new Vm(stack, "vm", {
      name: "backup",
      zone: "us-east1-b",
      subnet: network.subnet("us-east1"),
      machineType: "e2-standard-2",
      serviceAccount: sa,
      services: [{ name: "core-engine", image: `${REGISTRY}/core-engine:${SHA}` }],
    });
    expect(vm.region).toBe("us-east1");
    const nic = (instanceOf(stack).network_interface as Record<string, unknown>[])[0];
    expect(nic.subnetwork).toMatch(/network_subnet-us-east1/);
  });

  it("leaves the Ops agent out when opsAgent is false", () => {
    const { vm } = setup({ opsAgent: false });
    expect(vm.renderedStartupScript).not.toContain("ops-agent");
    expect(vm.renderedStartupScript).toContain("docker.io");
  });

  it("configures docker for the Artifact Registry hosts of the images, once each", () => {
    const { vm } = tradingVm();
    const lines = vm.renderedStartupScript
      .split("\n")
      .filter((l) => l.includes("configure-docker"));
    expect(lines).toEqual(["gcloud auth configure-docker --quiet us-central1-docker.pkg.dev"]);
  });

  it("uses an explicit registryHost, and configures none for public registries", () => {
    const explicit = setup({ registryHost: "europe-west1-docker.pkg.dev" }).vm;
    expect(explicit.renderedStartupScript).toContain(
      "configure-docker --quiet europe-west1-docker.pkg.dev\n",
    );
    const dockerHub = setup({
      services: [{ name: "proxy", image: `docker.io/library/nginx@${DIGEST}` }],
    }).vm;
    expect(dockerHub.renderedStartupScript).not.toContain("configure-docker");
  });

  it("accepts an image whose registry path Terraform computes, and keeps the reference", () => {
    const stack = testStack();
    const network = new Network(stack, "network", {
      subnets: [{ region: "us-central1", cidr: "10.10.0.0/20" }],
    });
    const repo = new ArtifactRegistryRepository(stack, "repo", {
      repositoryId: "trading-bot-repo",
      format: "DOCKER",
      location: "us-central1",
    });
    const identity = new GoogleServiceAccount(stack, "sa", { accountId: "trading-bot-vm" });
    new Vm(stack, "vm", {
      name: "bot",
      zone: "us-central1-a",
      network,
      machineType: "e2-standard-4",
      serviceAccount: { email: identity.email, member: identity.member },
      services: [
        {
          name: "core-engine",
          image: {
            uri: `${repo.location}-docker.pkg.dev/${repo.project}/${repo.repositoryId}/core-engine:${SHA}`,
          },
        },
      ],
    });
    const instance = instanceOf(stack);
    const script = (instance.metadata as Record<string, string>)["startup-script"];
    const repoRef = "google_artifact_registry_repository.repo";
    expect(script).toContain(
      `Environment=IMAGE=\${${repoRef}.location}-docker.pkg.dev/\${${repoRef}.project}/\${${repoRef}.repository_id}/core-engine:3f9c2ab\n`,
    );
    expect(script).toContain(`configure-docker --quiet \${${repoRef}.location}-docker.pkg.dev\n`);
    expect(instance.service_account).toEqual({
      email: "${google_service_account.sa.email}",
      scopes: ["cloud-platform"],
    });
  });

  it.each([
    "e2-standard-4",
    "e2-medium",
    "e2-highcpu-16",
    "n2-standard-8",
    "n2d-highmem-4",
    "c3-standard-4",
    "n1-standard-1",
    "e2-custom-4-16384",
    "n2-custom-36-36864",
    "n2d-custom-16-8192",
  ])("accepts machine type %s", (machineType) => {
    const { stack } = setup({ machineType });
    expect(instanceOf(stack).machine_type).toBe(machineType);
  });
});

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

  it("runs each container under systemd as the seed's unit does", () => {
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

describe("Vm validation", () => {
  it.each<[Partial<VmProps>, RegExp]>([
    [
      { machineType: "e2-standard-3" },
      /machineType = "e2-standard-3" is not a size of e2-standard.*e2-standard-2, e2-standard-4/s,
    ],
    [
      { machineType: "foo" },
      /machineType = "foo" is not a known Compute Engine machine type.*e2-standard-4/s,
    ],
    [{ machineType: "e2-custom-3-4096" }, /e2-custom-3-4096" has a vCPU count.*even number/s],
    [{ machineType: "e2-custom-4-100000" }, /has 100000 MB of memory for 4 vCPUs.*2048 to 32768/s],
    [{ machineType: "n2d-custom-24-24576" }, /vCPU count n2d-custom does not offer/],
  ])("rejects machine type %p", (overrides, message) => {
    expect(() => setup(overrides)).toThrow(message);
  });

  it("rejects a zone outside the subnet's region", () => {
    const stack = testStack();
    const network = new Network(stack, "network", {
      subnets: [{ region: "us-central1", cidr: "10.10.0.0/20" }],
    });
    expect(
      () =>
        new Vm(stack, "vm", {
          name: "bot",
          zone: "us-east1-b",
          subnet: network.subnet("us-central1"),
          machineType: "e2-standard-4",
          serviceAccount: sa,
          services: [{ name: "core-engine", image: `${REGISTRY}/core-engine:${SHA}` }],
        }),
    ).toThrow(/zone = "us-east1-b" is not in region us-central1/);
  });

  it("rejects a zone outside the given region", () => {
    expect(() => setup({ region: "us-east1", zone: "us-central1-a" })).toThrow(
      /zone = "us-central1-a" is not in region us-east1/,
    );
  });

  it("rejects a region where the network has no subnet", () => {
    expect(() => setup({ zone: "europe-west1-b" })).toThrow(
      /zone = "europe-west1-b" is not in a region where the network has a subnet \(us-central1, us-east1\)/,
    );
  });

  it("rejects an unknown zone", () => {
    expect(() => setup({ zone: "us-central1-z" })).toThrow(
      /zone = "us-central1-z" is not a known Google Cloud zone/,
    );
  });

  it("rejects network and subnet together, and neither", () => {
    const { stack } = setup();
    const network = stack.node.findChild("network") as Network;
    expect(() => setup({ subnet: network.subnet("us-central1") })).toThrow(
      /subnet = "us-central1" is given together with network/,
    );
    expect(() => setup({ network: undefined })).toThrow(/network = undefined is missing/);
  });

  it("rejects the default compute service account", () => {
    expect(() =>
      setup({
        serviceAccount: {
          email: "123456789-compute@developer.gserviceaccount.com",
          member: "serviceAccount:123456789-compute@developer.gserviceaccount.com",
        },
      }),
    ).toThrow(/serviceAccount.email = .* is a default service account.*dedicated ServiceAccount/s);
  });

  it("rejects a user email as service account, and a missing one", () => {
    expect(() =>
      setup({ serviceAccount: { email: "alice@example.com", member: "user:alice@example.com" } }),
    ).toThrow(/"alice@example.com" is not a service account email/);
    expect(() => setup({ serviceAccount: undefined as never })).toThrow(
      /serviceAccount = undefined is missing/,
    );
  });

  it.each<[VmProps["bootDisk"], RegExp]>([
    [{ sizeGb: 5 }, /bootDisk.sizeGb = 5 is not a disk size from 10 to 65536 GB/],
    [{ sizeGb: 20.5 }, /bootDisk.sizeGb = 20.5 is not a disk size/],
    [{ type: "pd-extreme" as never }, /bootDisk.type = "pd-extreme" is not a boot disk type/],
    [
      { image: "cos-cloud/cos-stable" },
      /bootDisk.image = "cos-cloud\/cos-stable" is not an x86 Debian image/,
    ],
    [{ image: "debian-cloud/debian-12-arm64" }, /is not an x86 Debian image/],
    [{ image: "debian 12" }, /bootDisk.image = "debian 12" is not an image reference/],
  ])("rejects boot disk %p", (bootDisk, message) => {
    expect(() => setup({ bootDisk })).toThrow(message);
  });

  it("rejects an unknown externalIp mode", () => {
    expect(() => setup({ externalIp: "ephemeral" as never })).toThrow(
      /externalIp = "ephemeral" is not an external IP mode/,
    );
  });

  it("rejects bad and duplicate network tags", () => {
    expect(() => setup({ networkTags: ["Trading_Bot"] })).toThrow(
      /networkTags\[0\] = "Trading_Bot" is not a valid network tag/,
    );
    expect(() => setup({ networkTags: ["a", "a"] })).toThrow(
      /networkTags\[1\] = "a" is listed twice/,
    );
  });

  it("rejects a non-boolean opsAgent", () => {
    expect(() => setup({ opsAgent: "yes" as never })).toThrow(/opsAgent = "yes" is not a boolean/);
  });

  it("rejects a second VM of the same name", () => {
    const { stack } = setup();
    const network = stack.node.findChild("network") as Network;
    expect(
      () =>
        new Vm(stack, "vm2", {
          name: "bot",
          zone: "us-central1-a",
          network,
          machineType: "e2-standard-4",
          serviceAccount: sa,
          services: [{ name: "core-engine", image: `${REGISTRY}/core-engine:${SHA}` }],
        }),
    ).toThrow(/name = "test-dev-bot" is already used by another instance/);
  });

  const image = `${REGISTRY}/core-engine:${SHA}`;
  it.each<[VmProps["services"], RegExp]>([
    [[], /services = \[\] must list at least one container/],
    [
      [{ name: "Core_Engine", image }],
      /services\[0\].name = "Core_Engine" is not a valid service name/,
    ],
    [[{ name: "docker", image }], /services\[0\].name = "docker" would replace a system unit/],
    [
      [
        { name: "core-engine", image },
        { name: "core-engine", image },
      ],
      /services\[1\].name = "core-engine" is used twice/,
    ],
    [
      [{ name: "core-engine", image: `${REGISTRY}/core-engine:latest` }],
      /uses the moving tag latest.*commit SHA/s,
    ],
    [[{ name: "core-engine", image: `${REGISTRY}/core-engine` }], /has no tag, which means latest/],
    [
      [{ name: "core-engine", image: `${REGISTRY}/core-engine:v1.2.3` }],
      /is tagged "v1.2.3", which is not a commit SHA/,
    ],
    [
      [{ name: "core-engine", image: { uri: `${REGISTRY}/core-engine@sha256:abc` } }],
      /has an invalid digest/,
    ],
    [
      [{ name: "core-engine", image: `core-engine@${DIGEST}` }],
      /is not a fully qualified image reference/,
    ],
    [
      [{ name: "core-engine", image: `${REGISTRY}/core-engine:${SHA}; rm -rf /` }],
      /is not a fully qualified image reference|has an invalid tag/,
    ],
    [
      [{ name: "core-engine", image: { uri: 42 } as never }],
      /services\[0\].image = 42 is not an image reference/,
    ],
    [
      [{ name: "core-engine", image, env: { "log-level": "info" } }],
      /services\[0\].env key = "log-level" is not an environment variable name/,
    ],
    [
      [{ name: "core-engine", image, env: { DB_PASSWORD: "hunter2" } }],
      /env.DB_PASSWORD = "\(not shown\)" would put a secret value.*DB_PASSWORD_SECRET/s,
    ],
    [
      [{ name: "core-engine", image, env: { GREETING: "hello world" } }],
      /env.GREETING = "hello world" contains characters/,
    ],
    [
      [{ name: "core-engine", image, env: { HOME_DIR: "$(id)" } }],
      /env.HOME_DIR = "\$\(id\)" contains characters/,
    ],
    [
      [{ name: "core-engine", image, env: { KEY_SECRET: "a:b" } }],
      /env.KEY_SECRET = "a:b" is not a Secret Manager secret name/,
    ],
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

  it("does not show a secret value in the error message", () => {
    expect(() =>
      setup({ services: [{ name: "core-engine", image, env: { API_TOKEN: "hunter2" } }] }),
    ).toThrow(expect.objectContaining({ message: expect.not.stringContaining("hunter2") }));
  });

  it("rejects a bad registryHost", () => {
    expect(() => setup({ registryHost: "https://us-central1-docker.pkg.dev" })).toThrow(
      /registryHost = "https:\/\/us-central1-docker.pkg.dev" is not a registry host name/,
    );
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

describe("Vm host packages, files and units", () => {
  const files: VmFile[] = [
    {
      path: "/etc/nginx/conf.d/site.conf",
      content: "server {\n    listen 80;\n    return 301 https://$host$request_uri;\n}\n",
      reloadService: "nginx",
    },
    {
      path: "/etc/nginx/conf.d/site-tls.conf",
      content: "server { listen 443 ssl; }",
      mode: "640",
      reloadService: "nginx",
      onlyIfExists: "/etc/letsencrypt/live/example.com/fullchain.pem",
    },
    { path: "/opt/scripts/report.sh", content: 'echo "${HOME}" %{x}\n', mode: "0750" },
  ];
  const { stack, vm } = setup({
    hostPackages: ["nginx", "certbot", "python3-certbot-nginx", "libc6-dev", "g++"],
    files,
    enableUnits: ["nginx.service", "backup.timer"],
  });
  const script = vm.renderedStartupScript;

  it("passes bash -n", () => {
    expect(bashSyntax(script)).toEqual({ status: 0, stderr: "" });
  });

  (hasShellcheck ? it : it.skip)("passes shellcheck -S warning (skipped: no shellcheck)", () => {
    expect(shellcheck(script)).toEqual({ status: 0, stdout: "" });
  });

  it("installs the missing host packages with apt", () => {
    expect(script).toContain("for pkg in nginx certbot python3-certbot-nginx libc6-dev g++; do\n");
    expect(script).toContain("apt-get install -y -q --no-install-recommends $missing\n");
    // Packages before files, files before the containers.
    const order = ["for pkg in", "# Host files", "# Container units"].map((s) => script.indexOf(s));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(order.every((i) => i > 0)).toBe(true);
  });

  it("writes each file through a quoted heredoc with its mode", () => {
    expect(script).toContain(
      `if install_file 0644 /etc/nginx/conf.d/site.conf <<'EOF_HOST_FILE'\n${files[0].content}EOF_HOST_FILE\nthen\n`,
    );
    expect(script).toContain("install_file 0750 /opt/scripts/report.sh <<'EOF_HOST_FILE'\n");
  });

  it("writes an onlyIfExists file only while the path exists, and removes it otherwise", () => {
    expect(script).toContain(
      "if [ -e /etc/letsencrypt/live/example.com/fullchain.pem ]; then\n  if install_file 0640 /etc/nginx/conf.d/site-tls.conf <<'EOF_HOST_FILE'\nserver { listen 443 ssl; }\nEOF_HOST_FILE\n",
    );
    expect(script).toContain(
      'elif [ -e /etc/nginx/conf.d/site-tls.conf ]; then\n  log "removing /etc/nginx/conf.d/site-tls.conf: /etc/letsencrypt/live/example.com/fullchain.pem does not exist"\n  rm -f /etc/nginx/conf.d/site-tls.conf\n  append_once reload nginx\nfi\n',
    );
  });

  it("enables the host units and reloads each changed file's unit once, at the end", () => {
    expect(script).toContain("systemctl enable --now nginx.service backup.timer\n");
    expect(script.match(/append_once reload nginx/g)).toHaveLength(3);
    expect(script).toMatch(
      /for unit in \$reload; do\n.*\n {2}systemctl reload-or-restart "\$unit"\ndone\nlog "done: core-engine"\n$/,
    );
  });

  it("escapes a literal ${ or %{ so that Terraform writes it unchanged", () => {
    expect(script).toContain('echo "$${HOME}" %%{x}\n');
    const metadata = instanceOf(stack).metadata as Record<string, string>;
    const literal = metadata["startup-script"].replace(/\$\$\{|%%\{/g, "");
    expect(literal).not.toMatch(/[$%]\{/);
  });

  it("keeps a Terraform reference in a file, and picks a delimiter the content lacks", () => {
    const s = testStack();
    const network = new Network(s, "network", {
      subnets: [{ region: "us-central1", cidr: "10.10.0.0/20" }],
    });
    const bucket = new StorageBucket(s, "bucket", { name: "b", location: "US" });
    new Vm(s, "vm", {
      name: "bot",
      zone: "us-central1-a",
      network,
      machineType: "e2-standard-2",
      serviceAccount: sa,
      services: [{ name: "core-engine", image: `${REGISTRY}/core-engine:${SHA}` }],
      files: [
        {
          path: "/etc/backup.conf",
          content: `BUCKET=gs://${bucket.name}\nEOF_HOST_FILE\nEOF_HOST_FILE_X\n`,
        },
      ],
    });
    const startup = (instanceOf(s).metadata as Record<string, string>)["startup-script"];
    expect(startup).toContain(
      "<<'EOF_HOST_FILE_X_X'\nBUCKET=gs://${google_storage_bucket.bucket.name}\nEOF_HOST_FILE\nEOF_HOST_FILE_X\nEOF_HOST_FILE_X_X\n",
    );
  });

  it("adds the final newline a heredoc needs, and writes empty content as an empty file", () => {
    const { vm: empty } = setup({
      files: [
        { path: "/etc/a.conf", content: "" },
        { path: "/etc/b.conf", content: "no newline" },
      ],
    });
    expect(empty.renderedStartupScript).toContain(
      "install_file 0644 /etc/a.conf <<'EOF_HOST_FILE'\nEOF_HOST_FILE\n",
    );
    expect(empty.renderedStartupScript).toContain("<<'EOF_HOST_FILE'\nno newline\nEOF_HOST_FILE\n");
  });

  it("renders nothing new for a VM without packages, files, units or limits", () => {
    const plain = setup().vm.renderedStartupScript;
    expect(plain).not.toMatch(
      /append_once|Host files|for pkg in|\$reload|reload-or-restart|\.slice|enable --now nginx/,
    );
  });

  const image = `${REGISTRY}/core-engine:${SHA}`;
  it.each<[Partial<VmProps>, RegExp]>([
    [{ hostPackages: ["Nginx"] }, /hostPackages\[0\] = "Nginx" is not a Debian package name/],
    [{ hostPackages: ["nginx=1.22"] }, /hostPackages\[0\] = "nginx=1.22" is not a Debian package/],
    [{ hostPackages: ["nginx;reboot"] }, /hostPackages\[0\] = "nginx;reboot" is not a Debian/],
    [{ hostPackages: ["-y"] }, /hostPackages\[0\] = "-y" is not a Debian package name/],
    [{ hostPackages: ["a"] }, /hostPackages\[0\] = "a" is not a Debian package name/],
    [{ hostPackages: ["nginx", "nginx"] }, /hostPackages\[1\] = "nginx" is listed twice/],
    [{ hostPackages: "nginx" as never }, /hostPackages = "nginx" is not a list/],
    [
      { files: [{ path: "etc/x.conf", content: "x" }] },
      /files\[0\].path = "etc\/x.conf" is not a plain absolute path/,
    ],
    [
      { files: [{ path: "/etc/nginx/../shadow", content: "x" }] },
      /files\[0\].path = "\/etc\/nginx\/..\/shadow" is not a plain absolute path/,
    ],
    [{ files: [{ path: "/etc/./x", content: "x" }] }, /is not a plain absolute path/],
    [{ files: [{ path: "/etc/nginx/", content: "x" }] }, /is not a plain absolute path/],
    [{ files: [{ path: "/etc//x", content: "x" }] }, /is not a plain absolute path/],
    [{ files: [{ path: "/etc/my file", content: "x" }] }, /is not a plain absolute path/],
    [{ files: [{ path: "/etc/$(id)", content: "x" }] }, /is not a plain absolute path/],
    [
      { files: [{ path: "/proc/sys/kernel/x", content: "x" }] },
      /files\[0\].path = "\/proc\/sys\/kernel\/x" is on a virtual or boot file system/,
    ],
    [
      { files: [{ path: "/opt/scripts/deploy.sh", content: "x" }] },
      /files\[0\].path = "\/opt\/scripts\/deploy.sh" is written by the Vm construct itself/,
    ],
    [
      { files: [{ path: "/etc/systemd/system/core-engine.service", content: "x" }] },
      /is written by the Vm construct itself/,
    ],
    [
      { files: [{ path: "/etc/systemd/system/core-engine.service.d/x.conf", content: "x" }] },
      /is written by the Vm construct itself/,
    ],
    [
      {
        files: [
          { path: "/etc/x", content: "a" },
          { path: "/etc/x", content: "b" },
        ],
      },
      /files\[1\].path = "\/etc\/x" is listed twice/,
    ],
    [{ files: [{ path: "/etc/x", content: 42 as never }] }, /files\[0\].content = 42 is not text/],
    [
      { files: [{ path: "/etc/x", content: "a\0b" }] },
      /files\[0\].content = "\(contains a NUL byte\)" is not text/,
    ],
    [
      {
        files: [{ path: "/etc/systemd/system/x.service", content: "# managed-by: vm-construct\n" }],
      },
      /files\[0\].content = "# managed-by: vm-construct" has a line starting with/,
    ],
    [
      { files: [{ path: "/etc/x", content: "x", mode: "0777" }] },
      /files\[0\].mode = "0777" makes the file writable by every user/,
    ],
    [
      { files: [{ path: "/etc/x", content: "x", mode: "4755" }] },
      /files\[0\].mode = "4755" is not an octal file mode/,
    ],
    [
      { files: [{ path: "/etc/x", content: "x", mode: "rw-r--r--" }] },
      /files\[0\].mode = "rw-r--r--" is not an octal file mode/,
    ],
    [
      { files: [{ path: "/etc/x", content: "x", reloadService: "nginx; reboot" }] },
      /files\[0\].reloadService = "nginx; reboot" is not a systemd unit name/,
    ],
    [
      { files: [{ path: "/etc/x", content: "x", onlyIfExists: "cert.pem" }] },
      /files\[0\].onlyIfExists = "cert.pem" is not a plain absolute path/,
    ],
    [{ files: [null as never] }, /files\[0\] = null is not a file/],
    [
      { enableUnits: ["nginx"] },
      /enableUnits\[0\] = "nginx" is not a systemd unit name with its type/,
    ],
    [{ enableUnits: ["a.timer", "a.timer"] }, /enableUnits\[1\] = "a.timer" is listed twice/],
    [
      { enableUnits: ["x.service; reboot"] },
      /enableUnits\[0\] = "x.service; reboot" is not a systemd/,
    ],
  ])("rejects %j", (overrides, message) => {
    let error: unknown;
    try {
      setup({ services: [{ name: "core-engine", image }], ...overrides });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toMatch(message);
  });

  it("rejects a $ right before a Terraform reference", () => {
    const s = testStack();
    const network = new Network(s, "network", {
      subnets: [{ region: "us-central1", cidr: "10.10.0.0/20" }],
    });
    const bucket = new StorageBucket(s, "bucket", { name: "b", location: "US" });
    expect(
      () =>
        new Vm(s, "vm", {
          name: "bot",
          zone: "us-central1-a",
          network,
          machineType: "e2-standard-2",
          serviceAccount: sa,
          services: [{ name: "core-engine", image }],
          files: [{ path: "/etc/x", content: `PRICE=$${bucket.name}` }],
        }),
    ).toThrow(/files\[0\].content = .* has a '\$' or '%' right before a Terraform reference/);
  });
});

describe("help example: vm.md", () => {
  it("help example: vm.md", () => {
    // The page's own code, run as written.
    const stack = helpExampleStack("vm.md");
    const vm = stack.node.findChild("vm") as Vm;
    const json = synthJson(stack);
    const instance = findResource(json, "google_compute_instance");
    expect(instance).toMatchObject({
      name: "trading-bot-prod-vm",
      zone: "us-central1-a",
      tags: ["trading-bot-vm"],
      service_account: { scopes: ["cloud-platform"] },
    });
    expect((instance.service_account as { email: string }).email).toMatch(
      /google_service_account\..*\.email/,
    );
    expect(findResource(json, "google_compute_address")).toMatchObject({
      name: "trading-bot-prod-vm-ip",
    });
    expect(json.output?.["vm-external-ip"].value).toMatch(/google_compute_address\..*\.address/);
    expect(Object.keys(vm.renderedUnits)).toEqual([
      "core-engine",
      "exchange-connector",
      "strategy-worker",
      "capital-manager",
    ]);
    expect(vm.renderedUnits["core-engine"]).toContain(
      "Environment=IMAGE=us-central1-docker.pkg.dev/acme-trading-prod/trading-bot-prod-repo/core-engine:3f9c2ab\n",
    );
    expect(vm.renderedStartupScript).toContain(
      "gcloud auth configure-docker --quiet us-central1-docker.pkg.dev\n",
    );
  });
});
