import { formatPlanInventory, inventoryValue, planInventory } from "../../policy/plan-inventory";

function attributes(json: Record<string, unknown>, address: string): Record<string, string> {
  const entry = planInventory("test", json).entries.find((e) => e.address === address);
  if (!entry) throw new Error(`${address} is not in the inventory`);
  return Object.fromEntries(entry.attributes);
}

const world = {
  resource: {
    google_compute_firewall: {
      ssh: {
        name: "ssh",
        direction: "INGRESS",
        allow: [{ protocol: "tcp", ports: ["22", "2222"] }],
        source_ranges: ["0.0.0.0/0"],
        target_service_accounts: ["${google_service_account.vm.email}"],
        description: "not shown",
      },
    },
    google_service_account: { vm: { account_id: "vm" } },
  },
};

describe("planInventory", () => {
  it("lists the stack first, then every resource and data source by address in code-unit order", () => {
    const json = {
      data: { google_project: { b: {} } },
      resource: {
        google_storage_bucket: { z: { name: "z" }, B: { name: "b" } },
        google_compute_network: { a: { name: "a" } },
      },
    };
    expect(planInventory("test", json).entries.map((e) => e.address)).toEqual([
      "(stack)",
      "data.google_project.b",
      "google_compute_network.a",
      "google_storage_bucket.B",
      "google_storage_bucket.z",
    ]);
  });

  it("shows a firewall's direction, ports, sources and targets, references unwrapped", () => {
    expect(attributes(world, "google_compute_firewall.ssh")).toEqual({
      name: "ssh",
      direction: "INGRESS",
      allow: "tcp:22,2222",
      source_ranges: "0.0.0.0/0",
      target_service_accounts: "google_service_account.vm.email",
      exposure: "firewall ingress from 0.0.0.0/0 (internet) ports tcp:22, tcp:2222 to sa:vm in ",
    });
  });

  it("shows the effective data protection of a Cloud SQL instance, provider defaults applied", () => {
    const json = {
      resource: {
        google_sql_database_instance: {
          db: {
            name: "db",
            database_version: "POSTGRES_15",
            settings: {
              ip_configuration: { ipv4_enabled: true, ssl_mode: "ALLOW_UNENCRYPTED_AND_ENCRYPTED" },
            },
          },
        },
      },
    };
    expect(attributes(json, "google_sql_database_instance.db")).toMatchObject({
      "settings.ip_configuration.ipv4_enabled": "true",
      "settings.ip_configuration.ssl_mode": "ALLOW_UNENCRYPTED_AND_ENCRYPTED",
      "protection.backups": "off",
      "protection.pitr": "off",
      "protection.deletion (terraform)": "on",
      "protection.deletion (API)": "off",
      exposure: expect.stringMatching(/^Cloud SQL public IP from/),
    });
  });

  it("names VM metadata keys and hashes a long value instead of printing it", () => {
    const script = `#!/bin/bash\n${"echo hello\n".repeat(100)}`;
    const json = {
      resource: {
        google_compute_instance: {
          vm: { name: "vm", metadata: { "startup-script": script, "enable-oslogin": "TRUE" } },
        },
      },
    };
    const shown = attributes(json, "google_compute_instance.vm");
    expect(shown["metadata.enable-oslogin"]).toBe("TRUE");
    expect(shown["metadata.startup-script"]).toMatch(/^sha256:[0-9a-f]{16} \(1112 bytes\)$/);
    const changed = {
      resource: {
        google_compute_instance: {
          vm: { name: "vm", metadata: { "startup-script": `${script}x` } },
        },
      },
    };
    expect(attributes(changed, "google_compute_instance.vm")["metadata.startup-script"]).not.toBe(
      shown["metadata.startup-script"],
    );
  });

  it("never prints a credential, in a known type or in one it has no list for", () => {
    const json = {
      resource: {
        google_sql_user: { u: { name: "admin", instance: "db", password: "hunter2-hunter2" } },
        example_thing: { t: { name: "t", api_key: "sk-123", port: 443 } },
      },
    };
    expect(attributes(json, "google_sql_user.u")).toEqual({
      name: "admin",
      instance: "db",
      password: "(set)",
    });
    expect(attributes(json, "example_thing.t")).toEqual({
      api_key: "(set)",
      name: "t",
      port: "443",
    });
    expect(formatPlanInventory(planInventory("test", json))).not.toMatch(/hunter2|sk-123/);
  });

  it("shows IAM role, member, target and condition", () => {
    const json = {
      resource: {
        google_project_iam_member: {
          g: {
            project: "p",
            role: "roles/cloudsql.client",
            member: "serviceAccount:a@p.iam.gserviceaccount.com",
            condition: { title: "one instance", expression: "resource.name == 'x'" },
          },
        },
      },
    };
    expect(attributes(json, "google_project_iam_member.g")).toEqual({
      role: "roles/cloudsql.client",
      member: "serviceAccount:a@p.iam.gserviceaccount.com",
      project: "p",
      "condition.title": "one instance",
      "condition.expression": "resource.name == 'x'",
    });
  });

  it("shows the backend, providers and outputs, and the suppressions a resource carries", () => {
    const json = {
      terraform: {
        backend: { gcs: { bucket: "state", prefix: "x/prod" } },
        required_providers: { google: { source: "google", version: "6.50.0" } },
      },
      provider: { google: [{ project: "p", region: "r" }] },
      output: { ip: { value: "${google_compute_address.ip.address}", sensitive: true } },
      resource: {
        google_storage_bucket: {
          b: {
            name: "b",
            "//": {
              suppressions: [{ id: "GCP-GCS-003", reason: "Audit logs record the access." }],
            },
          },
        },
      },
    };
    expect(attributes(json, "(stack)")).toEqual({
      "backend.gcs.bucket": "state",
      "backend.gcs.prefix": "x/prod",
      "required_providers.google": "google 6.50.0",
      "provider.google.project": "p",
      "provider.google.region": "r",
      "output.ip": "google_compute_address.ip.address (sensitive)",
    });
    expect(attributes(json, "google_storage_bucket.b")).toMatchObject({
      "protection.versioning": "off",
      "suppressed GCP-GCS-003": "Audit logs record the access.",
    });
  });

  it("is the same for the same JSON whatever the order of its keys", () => {
    const reordered = {
      resource: {
        google_service_account: world.resource.google_service_account,
        google_compute_firewall: {
          ssh: Object.fromEntries(
            Object.entries(world.resource.google_compute_firewall.ssh).reverse(),
          ),
        },
      },
    };
    expect(formatPlanInventory(planInventory("test", reordered))).toBe(
      formatPlanInventory(planInventory("test", world)),
    );
  });
});

describe("inventoryValue", () => {
  it("keeps a literal $${ and unwraps a ${...} reference", () => {
    expect(inventoryValue("$${PROJECT_ID}/${google_x.y.id}")).toBe("$${PROJECT_ID}/google_x.y.id");
  });

  it("writes lists and blocks on one line", () => {
    expect(inventoryValue(["a", 1, true])).toBe("a, 1, true");
    expect(inventoryValue({ auto: {} })).toBe("{auto: {}}");
    expect(inventoryValue(undefined)).toBeUndefined();
  });
});
