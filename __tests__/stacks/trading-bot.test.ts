import { optOutsOf } from "../../constructs/core/opt-out";
import { TradingBotStack } from "../../stacks/trading-bot";
import { TRADING_BOT_EXAMPLES } from "../../stacks/trading-bot.config";
import { resourcesOf, synthJson, type SynthJson, testApp } from "../helpers/synth";

function synthEnv(env: keyof typeof TRADING_BOT_EXAMPLES, override: object = {}): SynthJson {
  const settings = { ...(TRADING_BOT_EXAMPLES[env] as object), ...override };
  return synthJson(new TradingBotStack(testApp(), settings));
}

const configs = (json: SynthJson, type: string) => resourcesOf(json, type).map((r) => r.config);
const prodStack = new TradingBotStack(testApp(), TRADING_BOT_EXAMPLES.prod);
const prod = synthJson(prodStack);

// Every environment of the system's examples (the inventory snapshots are in inventory.test.ts).
const environments = Object.keys(TRADING_BOT_EXAMPLES) as (keyof typeof TRADING_BOT_EXAMPLES)[];

describe.each(environments)("trading-bot-%s", (env) => {
  const json = env === "prod" ? prod : synthEnv(env);

  it("keeps its state in GCS under its own prefix", () => {
    expect(json.terraform?.backend).toEqual({
      gcs: { bucket: "example-trading-bot-tfstate", prefix: `trading-bot/${env}` },
    });
  });

  it("has no public database, and every database instance is protected", () => {
    const instances = configs(json, "google_sql_database_instance");
    expect(instances.length).toBeGreaterThan(0);
    for (const db of instances) {
      const settings = db.settings as Record<string, Record<string, unknown>>;
      expect(settings.ip_configuration).toMatchObject({
        ipv4_enabled: false,
        ssl_mode: "ENCRYPTED_ONLY",
      });
      expect(settings.ip_configuration.authorized_networks ?? []).toEqual([]);
      expect(db.deletion_protection).toBe(true);
      expect(settings.deletion_protection_enabled).toBe(true);
    }
  });

  it("keeps backups with point-in-time recovery on the primary", () => {
    const primary = configs(json, "google_sql_database_instance").find(
      (db) => db.master_instance_name === undefined,
    );
    expect((primary?.settings as Record<string, unknown>).backup_configuration).toMatchObject({
      enabled: true,
      point_in_time_recovery_enabled: true,
      transaction_log_retention_days: 7,
      backup_retention_settings: { retained_backups: 30 },
    });
  });

  it("opens no SSH or RDP to the world and grants no primitive or public role", () => {
    for (const rule of configs(json, "google_compute_firewall")) {
      const sources = (rule.source_ranges as string[] | undefined) ?? [];
      const ports = ((rule.allow as { ports?: string[] }[] | undefined) ?? []).flatMap(
        (a) => a.ports ?? [],
      );
      const admin = ports.some((p) => p === "22" || p === "3389");
      expect({
        name: rule.name,
        worldAdmin: admin && sources.some((s) => s.endsWith("/0")),
      }).toEqual({ name: rule.name, worldAdmin: false });
    }
    const grants = Object.entries(json.resource ?? {})
      .filter(([type]) => /_iam_(member|binding|policy)$/.test(type))
      .flatMap(([type, byName]) => Object.values(byName).map((config) => ({ type, config })));
    expect(grants.length).toBeGreaterThan(0);
    for (const grant of grants) {
      expect(grant.type).toMatch(/_iam_member$/);
      expect(grant.config.role).not.toMatch(/^roles\/(owner|editor|viewer)$/);
      expect(grant.config.member).not.toMatch(/^all(Authenticated)?Users$/);
    }
  });

  it("protects the stateful resources from destroy", () => {
    for (const type of [
      "google_secret_manager_secret",
      "google_artifact_registry_repository",
      "google_storage_bucket",
    ]) {
      for (const r of configs(json, type)) {
        expect({ type, lifecycle: r.lifecycle }).toEqual({
          type,
          lifecycle: expect.objectContaining({ prevent_destroy: true }),
        });
      }
    }
    for (const vm of configs(json, "google_compute_instance")) {
      expect(vm.deletion_protection).toBe(true);
    }
  });
});

describe("trading-bot-dev", () => {
  it("releases without an approval, as a recorded opt-out with its reason", () => {
    const stack = new TradingBotStack(testApp(), TRADING_BOT_EXAMPLES.dev);
    const triggers = configs(synthJson(stack), "google_cloudbuild_trigger");
    expect(triggers.map((t) => t.approval_config)).toEqual(
      Array(4).fill({ approval_required: false }),
    );
    for (const trigger of Object.values(stack.pipeline.triggers)) {
      expect(optOutsOf(trigger)).toEqual([
        { id: "build-without-approval", reason: expect.stringMatching(/^dev: every push/) },
      ]);
    }
  });
});

describe("trading-bot-prod", () => {
  it("runs the primary in us-central1 and a DR replica in us-east1 at the production sizes", () => {
    const [primary, replica] = configs(prod, "google_sql_database_instance");
    expect(primary).toMatchObject({
      region: "us-central1",
      database_version: "POSTGRES_15",
      settings: { tier: "db-custom-4-16384", availability_type: "REGIONAL" },
    });
    expect(replica).toMatchObject({
      region: "us-east1",
      master_instance_name: expect.stringContaining("google_sql_database_instance"),
      settings: { tier: "db-custom-2-8192" },
    });
    const vms = configs(prod, "google_compute_instance");
    expect(vms.map((vm) => [vm.zone, vm.machine_type]).sort()).toEqual([
      ["us-central1-a", "e2-standard-4"],
      ["us-east1-b", "e2-standard-2"],
    ]);
  });

  it("gives the VMs' account exactly the seven roles the services need, secrets one by one", () => {
    // Beside them, the GKE nodes' own account (see "trading-bot-prod GKE cluster").
    expect(configs(prod, "google_service_account").map((a) => a.account_id)).toEqual([
      "trading-bot-prod-gke-nodes",
      "trading-bot-prod-build",
      "trading-bot-prod-vm",
    ]);
    const vmAccount = /^serviceAccount:\$\{google_service_account\.vm-account_\w+\.email\}$/;
    const grantsTo = (type: string) =>
      configs(prod, type).filter((g) => vmAccount.test(String(g.member)));
    const project = grantsTo("google_project_iam_member").map((g) => g.role);
    const secrets = grantsTo("google_secret_manager_secret_iam_member");
    const registry = grantsTo("google_artifact_registry_repository_iam_member").map((g) => g.role);
    const buckets = grantsTo("google_storage_bucket_iam_member");
    // The release record only, once for both VMs; never the backups bucket.
    expect(buckets.map((g) => [g.bucket, g.role])).toEqual([
      [
        expect.stringContaining("google_storage_bucket.release-record_bucket_"),
        "roles/storage.objectViewer",
      ],
    ]);
    expect(
      new Set([
        ...project,
        ...secrets.map((g) => g.role),
        ...registry,
        ...buckets.map((g) => g.role),
      ]),
    ).toEqual(
      new Set([
        "roles/secretmanager.secretAccessor",
        "roles/cloudsql.client",
        // IAM database login as the user iamUsers creates; without it the login is refused.
        "roles/cloudsql.instanceUser",
        "roles/artifactregistry.reader",
        "roles/storage.objectViewer",
        "roles/logging.logWriter",
        "roles/monitoring.metricWriter",
      ]),
    );
    // secretAccessor is per secret, on the three runtime secrets only: not the admin password.
    expect(secrets).toHaveLength(3);
    expect(project).not.toContain("roles/secretmanager.secretAccessor");
    // Both Cloud SQL roles are limited to the platform's instances by an IAM condition.
    const sql = grantsTo("google_project_iam_member").filter((g) =>
      String(g.role).startsWith("roles/cloudsql."),
    );
    expect(sql).toHaveLength(2);
    for (const g of sql)
      expect(g.condition).toMatchObject({ title: expect.stringMatching(/only$/) });
  });

  it("pins every container to the first release and gives each VM a static IP output", () => {
    for (const vm of configs(prod, "google_compute_instance")) {
      const script = (vm.metadata as Record<string, string>)["startup-script"];
      const images = [...script.matchAll(/^Environment=IMAGE=(\S+)$/gm)].map((m) => m[1]);
      expect(images).toHaveLength(4);
      for (const image of images) expect(image).toMatch(/:3f9c2ab$/);
      expect(script).not.toMatch(/:latest\b/);
    }
    expect(Object.keys(prod.output ?? {}).sort()).toEqual([
      "gke-cluster-name",
      "registry-url",
      "release-record-url",
      "sql-connection-us-central1",
      "sql-connection-us-east1",
      "static-ip-us-central1",
      "static-ip-us-east1",
    ]);
    for (const output of Object.values(prod.output ?? {})) expect(output.sensitive).toBeUndefined();
  });

  it("alerts with the platform's severities and pages through PagerDuty from Secret Manager", () => {
    const policies = configs(prod, "google_monitoring_alert_policy");
    const bySeverity = (s: string) =>
      policies.filter((p) => (p.user_labels as Record<string, string>).severity === s).length;
    expect(bySeverity("critical")).toBeGreaterThan(0);
    expect(bySeverity("high")).toBeGreaterThan(0);
    expect(bySeverity("medium")).toBeGreaterThan(0);
    const titles = policies.map((p) => p.display_name as string);
    for (const expected of [
      /VM .* stopped reporting/,
      /CPU/,
      /disk/,
      /replica .* behind|behind/i,
      /error log/i,
      /health check failing/,
    ]) {
      expect(titles.some((t) => expected.test(t))).toBe(true);
    }
    const pagerDuty = configs(prod, "google_monitoring_notification_channel").find(
      (c) => c.type === "pagerduty",
    );
    expect(JSON.stringify(pagerDuty)).toMatch(/data\.google_secret_manager_secret_version/);
    // The key's secret exists before the deploy: the stack reads it and never creates it.
    const data = (prod.data ?? {}) as Record<string, Record<string, { secret?: string }>>;
    const reads = Object.values(data.google_secret_manager_secret_version ?? {});
    expect(reads.map((r) => r.secret)).toEqual(["trading-bot-pagerduty-integration-key"]);
    expect(configs(prod, "google_secret_manager_secret").map((s) => s.secret_id)).not.toContain(
      "trading-bot-prod-pagerduty-integration-key",
    );
  });

  it("reaches the package mirrors by host name, never by opening egress to the world", () => {
    const worldEgress = (json: SynthJson) =>
      configs(json, "google_compute_firewall").filter(
        (r) =>
          r.direction === "EGRESS" &&
          r.allow !== undefined &&
          ((r.destination_ranges as string[] | undefined) ?? []).some((d) => d.endsWith("/0")),
      );
    expect(worldEgress(prod)).toEqual([]);
    const [mirrors] = configs(prod, "google_compute_network_firewall_policy_rule");
    expect(mirrors).toMatchObject({
      direction: "EGRESS",
      action: "allow",
      match: {
        dest_fqdns: expect.arrayContaining(["deb.debian.org", "packages.cloud.google.com"]),
      },
    });
    const baked = synthEnv("prod", { packageMirrors: [] });
    expect(configs(baked, "google_compute_network_firewall_policy_rule")).toEqual([]);
  });

  it("rejects bad settings with every bad field named", () => {
    const bad = {
      ...(TRADING_BOT_EXAMPLES.prod as object),
      projectId: "Bad_Project",
      sshFrom: ["0.0.0.0/33"],
      release: "latest",
      regions: [
        {
          region: "us-central",
          subnetCidr: "10.10.0.0/20",
          machineType: "e2-standard-4",
          databaseTier: "db-custom-4-16384",
        },
      ],
    };
    expect(() => new TradingBotStack(testApp(), bad, "settings.json trading-bot.prod")).toThrow(
      /settings\.json trading-bot\.prod: projectId = "Bad_Project"[\s\S]*regions\[0\]\.region = "us-central"[\s\S]*sshFrom\[0\] = "0\.0\.0\.0\/33"[\s\S]*release = "latest"/,
    );
  });

  it("refuses SSH from the world even when the settings ask for it", () => {
    expect(() => synthEnv("prod", { sshFrom: ["0.0.0.0/0", "iap"] })).toThrow(
      /trading-bot-prod\/firewall: ssh\.from = \["0\.0\.0\.0\/0"\] opens SSH/,
    );
  });

  it("no longer requires IAP among the SSH sources: the pipeline never logs in", () => {
    const json = synthEnv("prod", { sshFrom: ["203.0.113.10/32"] });
    const ssh = configs(json, "google_compute_firewall").filter((r) =>
      JSON.stringify(r.allow ?? []).includes('"22"'),
    );
    expect(ssh.map((r) => r.source_ranges)).toEqual([["203.0.113.10/32"]]);
  });

  it("releases through a Cloud Build trigger per service on pushes to main, after an approval", () => {
    const triggers = configs(prod, "google_cloudbuild_trigger");
    expect(triggers.map((t) => t.name)).toEqual([
      "trading-bot-prod-release-capital-manager",
      "trading-bot-prod-release-core-engine",
      "trading-bot-prod-release-exchange-connector",
      "trading-bot-prod-release-strategy-worker",
    ]);
    for (const trigger of Object.values(prodStack.pipeline.triggers))
      expect(optOutsOf(trigger)).toEqual([]);
    for (const trigger of triggers) {
      expect(trigger).toMatchObject({
        github: { push: { branch: "^main$" } },
        approval_config: { approval_required: true },
        substitutions: {
          _RELEASE_BUCKET: expect.stringContaining("google_storage_bucket.release-record_bucket_"),
        },
      });
      expect(trigger.service_account).toMatch(/google_service_account\.release_/);
    }
  });

  it("gives the build account its repository, the release record and log writing, and no VM access", () => {
    const buildMember = /google_service_account\.release_[\w-]+\.email/;
    const grants = Object.entries(prod.resource ?? {})
      .filter(([type]) => /_iam_member$/.test(type))
      .flatMap(([type, byName]) =>
        Object.values(byName)
          .filter((g) => buildMember.test(String(g.member)))
          .map((g) => [type, g.role]),
      );
    expect(grants.sort()).toEqual([
      ["google_artifact_registry_repository_iam_member", "roles/artifactregistry.writer"],
      ["google_project_iam_member", "roles/logging.logWriter"],
      ["google_storage_bucket_iam_member", "roles/storage.objectUser"],
    ]);
    for (const type of [
      "google_iap_tunnel_instance_iam_member",
      "google_compute_instance_iam_member",
      "google_project_iam_custom_role",
    ]) {
      expect(configs(prod, type)).toEqual([]);
    }
    // The one grant on a service account is core-engine's Workload Identity binding.
    expect(
      configs(prod, "google_service_account_iam_member").map((g) => [g.role, g.member]),
    ).toEqual([
      [
        "roles/iam.workloadIdentityUser",
        "serviceAccount:example-trading-bot-prod.svc.id.goog[trading-bot/core-engine]",
      ],
    ]);
  });

  it("keeps a versioned, private release record whose every earlier release stays", () => {
    const [record] = configs(prod, "google_storage_bucket").filter(
      (b) => b.name === "trading-bot-prod-releases",
    );
    expect(record).toMatchObject({
      uniform_bucket_level_access: true,
      public_access_prevention: "enforced",
      versioning: { enabled: true },
      force_destroy: false,
    });
    const noncurrent = (record.lifecycle_rule as { condition: Record<string, unknown> }[]).map(
      (r) => r.condition,
    );
    expect(noncurrent).toEqual([
      { num_newer_versions: 36500, with_state: "ARCHIVED" },
      { days_since_noncurrent_time: 36500 },
    ]);
    // Terraform creates the bucket, never its objects: the pipeline writes them.
    expect(configs(prod, "google_storage_bucket_object")).toEqual([]);
  });

  it("runs release-sync on every VM, primary and backup region, and no deploy.sh", () => {
    const vms = configs(prod, "google_compute_instance");
    expect(vms).toHaveLength(2);
    for (const vm of vms) {
      const script = (vm.metadata as Record<string, string>)["startup-script"];
      expect(script).toContain("install_file 0700 /opt/scripts/release-sync.sh");
      expect(script).toContain("systemctl enable release-sync.timer");
      expect(script).toMatch(
        /bucket="\$\{google_storage_bucket\.release-record_bucket_\w+\.name\}"/,
      );
      expect(script).toContain("rm -f /opt/scripts/deploy.sh");
      expect(script).not.toContain("install_file 0755 /opt/scripts/deploy.sh");
      expect(
        script.match(/^EnvironmentFile=-\/var\/lib\/release-sync\/[a-z-]+\.env$/gm),
      ).toHaveLength(4);
    }
  });

  it("refuses to release staging or prod without an approval", () => {
    const optOut = {
      releaseWithoutApproval: { reason: "we want to ship faster than approvals allow" },
    };
    expect(() => synthEnv("prod", optOut)).toThrow(
      /releaseWithoutApproval = .* is invalid\.\n {2}Fix: remove it: staging and prod releases wait for an approval/,
    );
    expect(() => synthEnv("staging", optOut)).toThrow(/releaseWithoutApproval/);
  });

  it("refuses a backup region listed twice", () => {
    const regions = (TRADING_BOT_EXAMPLES.prod as { regions: object[] }).regions;
    expect(() => synthEnv("prod", { regions: [...regions, regions[1]] })).toThrow(
      /subnets\[2\]\.region = "us-east1" is already used by subnets\[1\]/,
    );
  });
});

describe("trading-bot-prod GKE cluster", () => {
  type Obj = Record<string, unknown>;
  const [cluster] = configs(prod, "google_container_cluster");
  const subnets = configs(prod, "google_compute_subnetwork");
  const nodeAccount = /google_service_account\.gke_nodes_account_\w+\.email/;

  it("is private, in the primary region, on the primary subnet's pods and Services ranges", () => {
    expect(configs(prod, "google_container_cluster")).toHaveLength(1);
    expect(cluster).toMatchObject({
      name: "trading-bot-prod-gke",
      project: "example-trading-bot-prod",
      location: "us-central1",
      network: expect.stringMatching(/google_compute_network\.network_vpc_\w+\.self_link/),
      subnetwork: expect.stringMatching(
        /google_compute_subnetwork\.network_subnet-us-central1_\w+\.self_link/,
      ),
      ip_allocation_policy: {
        cluster_secondary_range_name: "gke-pods",
        services_secondary_range_name: "gke-services",
      },
      private_cluster_config: { enable_private_nodes: true, enable_private_endpoint: true },
      master_authorized_networks_config: {
        gcp_public_cidrs_access_enabled: false,
        cidr_blocks: [{ cidr_block: "10.200.0.0/24", display_name: "ops-vpn" }],
      },
      release_channel: { channel: "REGULAR" },
      workload_identity_config: { workload_pool: "example-trading-bot-prod.svc.id.goog" },
      deletion_protection: true,
    });
    const byRegion = Object.fromEntries(subnets.map((s) => [s.region, s.secondary_ip_range]));
    expect(byRegion).toEqual({
      "us-central1": [
        { range_name: "gke-pods", ip_cidr_range: "10.64.0.0/14" },
        { range_name: "gke-services", ip_cidr_range: "10.68.0.0/20" },
      ],
      "us-east1": undefined,
    });
  });

  it("has the settings' node pool, and its nodes may pull from the stack's registry only", () => {
    expect(configs(prod, "google_container_node_pool")).toEqual([
      expect.objectContaining({
        name: "general",
        location: "us-central1",
        autoscaling: { min_node_count: 1, max_node_count: 3, location_policy: "BALANCED" },
        node_config: expect.objectContaining({
          machine_type: "e2-standard-4",
          service_account: expect.stringMatching(nodeAccount),
          workload_metadata_config: { mode: "GKE_METADATA" },
        }),
      }),
    ]);
    const pulls = configs(prod, "google_artifact_registry_repository_iam_member").filter((g) =>
      nodeAccount.test(String(g.member)),
    );
    expect(pulls.map((g) => [g.repository, g.role])).toEqual([
      [
        expect.stringContaining("google_artifact_registry_repository.registry_repository_"),
        "roles/artifactregistry.reader",
      ],
    ]);
  });

  it("binds core-engine's Kubernetes service account to the VMs' account once the cluster exists", () => {
    expect(configs(prod, "google_service_account_iam_member")).toEqual([
      {
        service_account_id: expect.stringMatching(
          /^\$\{google_service_account\.vm-account_\w+\.name\}$/,
        ),
        role: "roles/iam.workloadIdentityUser",
        member: "serviceAccount:example-trading-bot-prod.svc.id.goog[trading-bot/core-engine]",
        depends_on: [expect.stringMatching(/^google_container_cluster\.gke_cluster_\w+$/)],
      },
    ]);
    expect(prod.output?.["gke-cluster-name"]?.value).toBe("trading-bot-prod-gke");
  });

  it("lets the nodes past the deny-all egress to the cluster, Google APIs and Cloud SQL only", () => {
    const nodeRules = configs(prod, "google_compute_firewall").filter((r) =>
      ((r.target_service_accounts as string[] | undefined) ?? []).some((a) => nodeAccount.test(a)),
    );
    const summary = nodeRules.map((r) => [
      r.direction,
      (r.allow as { protocol: string; ports?: string[] }[]).map(
        (a) => `${a.protocol}/${(a.ports ?? []).join(",")}`,
      ),
      r.destination_ranges,
    ]);
    expect(summary.sort()).toEqual(
      [
        ["EGRESS", ["tcp/1-65535"], ["10.10.0.0/20", "10.64.0.0/14"]],
        ["EGRESS", ["udp/1-65535"], ["10.10.0.0/20", "10.64.0.0/14"]],
        ["EGRESS", ["tcp/5432"], ["10.100.0.0/16"]],
        ["EGRESS", ["tcp/443"], ["199.36.153.8/30"]],
      ].sort(),
    );
  });

  it("is left out, with the subnet's ranges, when the settings have no gke section", () => {
    const without = synthEnv("prod", { gke: undefined });
    for (const type of ["google_container_cluster", "google_container_node_pool"]) {
      expect(configs(without, type)).toEqual([]);
    }
    expect(configs(without, "google_service_account_iam_member")).toEqual([]);
    for (const subnet of configs(without, "google_compute_subnetwork")) {
      expect(subnet.secondary_ip_range).toBeUndefined();
    }
    expect(without.output?.["gke-cluster-name"]).toBeUndefined();
    for (const env of ["dev", "staging"] as const) {
      expect((TRADING_BOT_EXAMPLES[env] as Obj).gke).toBeUndefined();
      expect(configs(synthEnv(env), "google_container_cluster")).toEqual([]);
    }
  });

  it("refuses a node pool whose minNodes is above maxNodes, and pods ranges that are not ranges", () => {
    const gke = (TRADING_BOT_EXAMPLES.prod as { gke: Obj }).gke;
    expect(() =>
      synthEnv("prod", {
        gke: { ...gke, podsCidr: "10.64.0.0", nodePool: { ...(gke.nodePool as Obj), minNodes: 5 } },
      }),
    ).toThrow(
      /gke\.podsCidr[\s\S]*gke\.nodePool\.minNodes[\s\S]*choose minNodes no larger than maxNodes/,
    );
  });
});

describe("allowDeletion in the settings (teardown of dev)", () => {
  const reason = "dev environment, rebuilt from this stack at will";

  it("turns off every database's deletion protection", () => {
    const json = synthEnv("dev", { allowDeletion: { reason } });
    const dbs = configs(json, "google_sql_database_instance");
    expect(dbs.length).toBeGreaterThan(0);
    for (const db of dbs) expect(db.deletion_protection).toBe(false);
  });

  it("keeps them on in the examples", () => {
    for (const db of configs(synthEnv("dev"), "google_sql_database_instance")) {
      expect(db.deletion_protection).toBe(true);
    }
  });

  it("needs a reason of 20 characters or more", () => {
    expect(() => synthEnv("dev", { allowDeletion: { reason: "tmp" } })).toThrow(
      /allowDeletion\.reason/,
    );
  });
});
