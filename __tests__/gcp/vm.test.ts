import { optOutsOf } from "../../constructs/core/opt-out";
import { TerraformOutput } from "cdktf";
import { ValidationError } from "../../constructs/core/errors";
import { Network } from "../../constructs/gcp/network";
import { Vm, type VmProps } from "../../constructs/gcp/vm";
import { helpExampleStack } from "../helpers/help";
import { findResource, resourcesOf, synthJson, testStack } from "../helpers/synth";
import { instanceOf, REGISTRY, sa, setup, SHA } from "../helpers/vm";

// The construct itself: the instance, its address and the props it checks itself. The modules it
// calls are tested beside this file: machine-types, image-reference, env-secrets, startup-script
// and host-config.

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
      allowDeletion: { reason: "review environment, destroyed when the branch merges" },
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
    expect(optOutsOf(vm.instance)).toEqual([
      { id: "deletion-allowed", reason: "review environment, destroyed when the branch merges" },
    ]);
  });

  it("refuses deletionProtection: false, which would turn protection off without a reason", () => {
    expect(() => setup({ deletionProtection: false } as never)).toThrow(
      /deletionProtection = false is not a prop of Vm.*allowDeletion: \{ reason \}/s,
    );
  });

  it("drops prevent_destroy of the static address only with allowDeletion", () => {
    const reason = "review environment, destroyed when the branch merges";
    const kept = setup({ externalIp: "static" });
    expect(kept.vm.address?.lifecycle).toEqual({ preventDestroy: true });
    const dropped = setup({ externalIp: "static", allowDeletion: { reason } });
    expect(dropped.vm.address?.lifecycle).toBeUndefined();
    expect(optOutsOf(dropped.vm.address!)).toEqual([{ id: "deletion-allowed", reason }]);
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
});

describe("Vm validation", () => {
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
    expect(() => setup({ opsAgent: "yes" as never })).toThrow(
      /opsAgent = "yes" has the wrong type\.\n {2}Fix: give a boolean, not the string "yes"/,
    );
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
    // secrets: the ID in env, and access for the VM's account on that secret only.
    expect(vm.renderedUnits["core-engine"]).toContain(
      "--env DB_PASSWORD_SECRET=trading-bot-prod-db-password $IMAGE",
    );
    expect(
      findResource(json, "google_secret_manager_secret_iam_member", {
        role: "roles/secretmanager.secretAccessor",
      }).member,
    ).toMatch(/google_service_account\..*\.email/);
  });
});
