import { Network } from "../../constructs/gcp/network";
import { RegionalPlatform, type RegionalPlatformProps } from "../../constructs/gcp/region";
import { findResource, resourcesOf, synthJson, testStack } from "../helpers/synth";

const account = {
  email: "vm@example-project.iam.gserviceaccount.com",
  member: "serviceAccount:vm@example-project.iam.gserviceaccount.com",
};
const image = "us-central1-docker.pkg.dev/example-project/repo/core-engine:3f9c2ab";

function setup(override: Partial<RegionalPlatformProps> = {}) {
  const stack = testStack();
  const network = new Network(stack, "network", {
    subnets: [
      { region: "us-central1", cidr: "10.10.0.0/20" },
      { region: "us-east1", cidr: "10.11.0.0/20" },
      { region: "europe-west1", cidr: "10.12.0.0/20" },
    ],
    privateServicesAccess: { cidr: "10.100.0.0/16" },
  });
  const platform = new RegionalPlatform(stack, "platform", {
    network,
    primary: {
      region: "us-central1",
      machineType: "e2-standard-4",
      databaseTier: "db-custom-4-16384",
    },
    backups: [
      { region: "us-east1", machineType: "e2-standard-2", databaseTier: "db-custom-2-8192" },
    ],
    vm: { serviceAccount: account, services: [{ name: "core-engine", image }] },
    database: { projectId: "example-project" },
    ...override,
  });
  return { stack, platform };
}

describe("RegionalPlatform", () => {
  it("puts the primary database and a VM in the primary region, a replica and a VM per backup", () => {
    const { stack, platform } = setup();
    expect(platform.regions.map((r) => [r.region, r.role])).toEqual([
      ["us-central1", "primary"],
      ["us-east1", "backup"],
    ]);
    const json = synthJson(stack);
    const dbs = resourcesOf(json, "google_sql_database_instance").map((r) => r.config);
    expect(dbs.map((d) => [d.name, d.region, d.master_instance_name === undefined])).toEqual([
      ["test-dev-postgres", "us-central1", true],
      ["test-dev-backup-replica-us-east1", "us-east1", false],
    ]);
    const vms = resourcesOf(json, "google_compute_instance").map((r) => r.config);
    expect(vms.map((v) => [v.name, v.zone, v.machine_type]).sort()).toEqual([
      ["test-dev-vm", "us-central1-a", "e2-standard-4"],
      ["test-dev-vm-us-east1", "us-east1-b", "e2-standard-2"],
    ]);
  });

  it("tells each region's services their role and their region's database", () => {
    const { platform } = setup();
    const [primary, backup] = platform.regions.map((r) => r.vm.renderedUnits["core-engine"]);
    expect(primary).toContain("--env PLATFORM_ROLE=primary");
    expect(primary).toContain(
      "--env DB_CONNECTION_NAME=example-project:us-central1:test-dev-postgres",
    );
    expect(backup).toContain("--env PLATFORM_ROLE=backup");
    expect(backup).toContain(
      "--env DB_CONNECTION_NAME=example-project:us-east1:test-dev-backup-replica-us-east1",
    );
  });

  it("adds a region with one more entry", () => {
    const { platform } = setup({
      backups: [
        { region: "us-east1", machineType: "e2-standard-2", databaseTier: "db-custom-2-8192" },
        {
          region: "europe-west1",
          zone: "europe-west1-c",
          machineType: "e2-standard-2",
          databaseTier: "db-custom-2-8192",
        },
      ],
    });
    expect(platform.backups.map((r) => r.region)).toEqual(["us-east1", "europe-west1"]);
    expect(platform.backups[1].vm.zone).toBe("europe-west1-c");
  });

  it.each<[string, Partial<RegionalPlatformProps>, RegExp]>([
    [
      "a backup in the primary's region",
      {
        backups: [
          { region: "us-central1", machineType: "e2-standard-2", databaseTier: "db-custom-2-8192" },
        ],
      },
      /backups\[0\]\.region = "us-central1" is already used by primary\.region/,
    ],
    [
      "a region without a subnet",
      {
        backups: [
          { region: "asia-east1", machineType: "e2-standard-2", databaseTier: "db-custom-2-8192" },
        ],
      },
      /region = "asia-east1" has no subnet in this network/,
    ],
    [
      "a zone outside the region",
      {
        primary: {
          region: "us-central1",
          zone: "us-east1-b",
          machineType: "e2-standard-4",
          databaseTier: "db-custom-4-16384",
        },
      },
      /primary\.zone = "us-east1-b" is not in region us-central1/,
    ],
    [
      "an invalid database tier",
      {
        primary: { region: "us-central1", machineType: "e2-standard-4", databaseTier: "db-large" },
      },
      /primary\.databaseTier = "db-large" is not a Cloud SQL for PostgreSQL tier/,
    ],
  ])("rejects %s", (_, override, message) => {
    expect(() => setup(override)).toThrow(message);
  });
});

describe("RegionalPlatform on an existing Shared VPC", () => {
  const HOST = "acme-net-host";
  const API = "https://www.googleapis.com/compute/v1";
  function onSharedVpc(override: Partial<RegionalPlatformProps> = {}) {
    const stack = testStack();
    const network = Network.fromAttributes(stack, "shared-vpc", {
      selfLink: `${API}/projects/${HOST}/global/networks/shared-vpc`,
      subnets: [
        { region: "us-central1", name: "apps-central" },
        { region: "us-east1", name: "apps-east" },
      ],
      privateServicesAccess: { rangeName: "google-managed-services-shared" },
    });
    const platform = new RegionalPlatform(stack, "platform", {
      network,
      primary: {
        region: "us-central1",
        machineType: "e2-standard-4",
        databaseTier: "db-custom-4-16384",
      },
      backups: [
        { region: "us-east1", machineType: "e2-standard-2", databaseTier: "db-custom-2-8192" },
      ],
      vm: { serviceAccount: account, services: [{ name: "core-engine", image }] },
      database: { projectId: "example-project" },
      ...override,
    });
    return { stack, platform };
  }

  it("puts every region's VM on the VPC's subnet of that region and the database on the VPC", () => {
    const { stack } = onSharedVpc();
    const json = synthJson(stack);
    expect(
      findResource(json, "google_compute_instance", { name: "test-dev-vm" }).network_interface,
    ).toMatchObject([
      { subnetwork: `${API}/projects/${HOST}/regions/us-central1/subnetworks/apps-central` },
    ]);
    expect(
      findResource(json, "google_compute_instance", { name: "test-dev-vm-us-east1" })
        .network_interface,
    ).toMatchObject([
      { subnetwork: `${API}/projects/${HOST}/regions/us-east1/subnetworks/apps-east` },
    ]);
    expect(
      findResource(json, "google_sql_database_instance", { name: "test-dev-postgres" }),
    ).toMatchObject({
      settings: {
        ip_configuration: {
          private_network: `projects/${HOST}/global/networks/shared-vpc`,
          allocated_ip_range: "google-managed-services-shared",
        },
      },
    });
    expect(json.resource).not.toHaveProperty("google_compute_network");
    expect(json.resource).not.toHaveProperty("google_compute_subnetwork");
  });

  it("refuses a region the VPC has no listed subnet in, naming the ones it has", () => {
    expect(() =>
      onSharedVpc({
        backups: [
          {
            region: "europe-west1",
            machineType: "e2-standard-2",
            databaseTier: "db-custom-2-8192",
          },
        ],
      }),
    ).toThrow(
      /test-dev\/shared-vpc: region = "europe-west1" has no subnet in this network\.\n {2}Fix: use one of us-central1, us-east1/,
    );
  });
});
