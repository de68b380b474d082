import { helpExampleStack } from "../helpers/help";
import { blocking, evaluate } from "../../policy/engine";
import { parseStack } from "../../policy/load";
import type { Json } from "../../policy/types";
import { ValidationError } from "../../constructs/core/errors";
import type { PlatformStack } from "../../constructs/core/stack";
import { ArtifactRegistry } from "../../constructs/gcp/artifact-registry";
import {
  GKE_NODE_ROLES,
  GkeCluster,
  bindWorkloadIdentity,
  gkeKubernetesProvider,
  type GkeClusterProps,
  type GkeNodePoolOptions,
} from "../../constructs/gcp/gke";
import { Network } from "../../constructs/gcp/network";
import { ServiceAccount } from "../../constructs/gcp/service-account";
import {
  findResource,
  resourcesOf,
  synthJson,
  synthWithComments,
  testStack,
  type SynthJson,
} from "../helpers/synth";

const PROJECT = "acme-trading-dev";
const REASON = { reason: "operators reach the API from the office VPN, ticket PLAT-42" };
const POOL: GkeNodePoolOptions = { name: "general", minNodes: 1, maxNodes: 3 };

function networkIn(stack: PlatformStack): Network {
  return new Network(stack, "network", {
    subnets: [
      {
        region: "us-central1",
        cidr: "10.10.0.0/20",
        secondaryRanges: [
          { name: "pods", cidr: "10.64.0.0/14" },
          { name: "services", cidr: "10.68.0.0/20" },
        ],
      },
      { region: "us-east1", cidr: "10.20.0.0/20" },
    ],
  });
}

function make(props: Partial<GkeClusterProps> = {}) {
  const stack = testStack({ labels: { team: "platform" } });
  const network = networkIn(stack);
  const cluster = new GkeCluster(stack, "gke", {
    projectId: PROJECT,
    location: "us-central1",
    network,
    podsRangeName: "pods",
    servicesRangeName: "services",
    ...props,
  });
  return { stack, network, cluster };
}

function clusterOf(json: SynthJson): Record<string, unknown> {
  const all = resourcesOf(json, "google_container_cluster");
  expect(all).toHaveLength(1);
  return all[0].config;
}

/** Opt-outs recorded on the cluster (kept by `toTerraform`, stripped by `Testing.synth`). */
function clusterOptOuts(stack: PlatformStack): string[] {
  const tf = synthWithComments(stack) as {
    resource: Record<string, Record<string, { "//"?: { opt_outs?: { id: string }[] } }>>;
  };
  const [cluster] = Object.values(tf.resource.google_container_cluster);
  return (cluster["//"]?.opt_outs ?? []).map((o) => o.id);
}

/**
 * The policy pack's findings on what the cluster creates. The VPC's egress finding (GCP-FW-005)
 * belongs to the Firewall construct, which these stacks leave out.
 */
function findings(stack: PlatformStack) {
  const json = JSON.parse(JSON.stringify(synthWithComments(stack))) as Json;
  return evaluate([parseStack("test-dev", json)]).filter(
    (f) => !f.address.startsWith("google_compute_network."),
  );
}

describe("GkeCluster defaults (Standard)", () => {
  const { stack } = make();
  const json = synthJson(stack);
  const c = clusterOf(json);

  test("name, project, location and the custom VPC, VPC-native on the named ranges", () => {
    expect(c).toMatchObject({
      name: "test-dev-gke",
      project: PROJECT,
      location: "us-central1",
      networking_mode: "VPC_NATIVE",
      ip_allocation_policy: {
        cluster_secondary_range_name: "pods",
        services_secondary_range_name: "services",
        stack_type: "IPV4",
      },
    });
    expect(c.network).toMatch(/^\$\{google_compute_network\.network_vpc_.*\.self_link\}$/);
    expect(c.subnetwork).toMatch(
      /google_compute_subnetwork\.network_subnet-us-central1.*\.self_link/,
    );
  });

  test("private nodes and the private endpoint only; no Google Cloud public ranges", () => {
    expect(c.private_cluster_config).toEqual({
      enable_private_nodes: true,
      enable_private_endpoint: true,
    });
    expect(c.master_authorized_networks_config).toEqual({
      gcp_public_cidrs_access_enabled: false,
      cidr_blocks: [],
    });
  });

  test("Workload Identity, the REGULAR channel, shielded nodes and Dataplane V2", () => {
    expect(c.workload_identity_config).toEqual({ workload_pool: `${PROJECT}.svc.id.goog` });
    expect(c.release_channel).toEqual({ channel: "REGULAR" });
    expect(c.enable_shielded_nodes).toBe(true);
    expect(c.datapath_provider).toBe("ADVANCED_DATAPATH");
    // Dataplane V2 enforces network policy itself; the Calico add-on must stay off.
    expect(c.network_policy).toBeUndefined();
  });

  test("no legacy ABAC, no client certificate, no binary authorization unless asked", () => {
    expect(c.enable_legacy_abac).toBe(false);
    expect(c.master_auth).toEqual({
      client_certificate_config: { issue_client_certificate: false },
    });
    expect(c.binary_authorization).toBeUndefined();
  });

  test("logs and monitors system components and workloads", () => {
    expect(c.logging_config).toEqual({ enable_components: ["SYSTEM_COMPONENTS", "WORKLOADS"] });
    expect(c.monitoring_config).toEqual({
      enable_components: ["SYSTEM_COMPONENTS"],
      managed_prometheus: { enabled: true },
    });
  });

  test("deletion protection and prevent_destroy", () => {
    expect(c.deletion_protection).toBe(true);
    expect(c.lifecycle).toEqual({
      prevent_destroy: true,
      ignore_changes: ["node_config", "initial_node_count"],
    });
    expect(clusterOptOuts(stack)).toEqual([]);
  });

  test("removes the default node pool, whose short life runs as the node account on the metadata server", () => {
    expect(c.remove_default_node_pool).toBe(true);
    expect(c.initial_node_count).toBe(1);
    expect(c.node_config).toMatchObject({
      service_account: expect.stringMatching(/google_service_account\.gke_nodes_account.*\.email/),
      oauth_scopes: ["https://www.googleapis.com/auth/cloud-platform"],
      shielded_instance_config: { enable_secure_boot: true, enable_integrity_monitoring: true },
      workload_metadata_config: { mode: "GKE_METADATA" },
    });
    expect(c.enable_autopilot).toBeUndefined();
  });

  test("the stack's labels land in resource_labels", () => {
    expect(c.resource_labels).toMatchObject({
      environment: "dev",
      system: "test",
      team: "platform",
    });
  });

  test("a dedicated node service account with only the node roles, granted before the cluster", () => {
    expect(findResource(json, "google_service_account")).toMatchObject({
      account_id: "test-dev-gke-nodes",
      project: PROJECT,
    });
    const grants = resourcesOf(json, "google_project_iam_member").map((g) => g.config);
    expect(grants.map((g) => g.role).sort()).toEqual([...GKE_NODE_ROLES].sort());
    for (const g of grants) {
      expect(g.project).toBe(PROJECT);
      expect(g.member).toMatch(
        /^serviceAccount:\$\{google_service_account\.gke_nodes_account.*\.email\}$/,
      );
    }
    expect(c.depends_on).toHaveLength(GKE_NODE_ROLES.length);
  });

  test("no finding of the policy pack", () => {
    const all = findings(stack);
    expect(all.filter((f) => f.suppressed === undefined && f.severity !== "info")).toEqual([]);
    expect(blocking(all)).toEqual([]);
  });
});

describe("GkeCluster options", () => {
  test("a public endpoint from authorized networks only, recorded with its reason", () => {
    const { stack } = make({
      publicEndpoint: REASON,
      authorizedNetworks: [{ name: "office-vpn", cidr: "203.0.113.0/24" }],
    });
    const c = clusterOf(synthJson(stack));
    expect(c.private_cluster_config).toEqual({
      enable_private_nodes: true,
      enable_private_endpoint: false,
    });
    expect(c.master_authorized_networks_config).toEqual({
      gcp_public_cidrs_access_enabled: false,
      cidr_blocks: [{ cidr_block: "203.0.113.0/24", display_name: "office-vpn" }],
    });
    expect(clusterOptOuts(stack)).toEqual(["gke-public-endpoint"]);
    expect(blocking(findings(stack))).toEqual([]);
  });

  test("authorized networks on the private endpoint, a gap in the union is not the world", () => {
    const { stack } = make({
      authorizedNetworks: [
        { name: "low", cidr: "0.0.0.0/1" },
        { name: "high", cidr: "128.0.0.0/2" },
      ],
    });
    const c = clusterOf(synthJson(stack));
    expect(c.master_authorized_networks_config).toMatchObject({
      cidr_blocks: [
        { cidr_block: "0.0.0.0/1", display_name: "low" },
        { cidr_block: "128.0.0.0/2", display_name: "high" },
      ],
    });
  });

  test.each(["RAPID", "STABLE"] as const)("release channel %s", (channel) => {
    const c = clusterOf(synthJson(make({ releaseChannel: channel }).stack));
    expect(c.release_channel).toEqual({ channel });
  });

  test("binary authorization enforces the project's policy", () => {
    const c = clusterOf(synthJson(make({ binaryAuthorization: true }).stack));
    expect(c.binary_authorization).toEqual({ evaluation_mode: "PROJECT_SINGLETON_POLICY_ENFORCE" });
  });

  test("allowDeletion turns off both protections and is recorded", () => {
    const { stack } = make({ allowDeletion: { reason: "review environment, torn down nightly" } });
    const c = clusterOf(synthJson(stack));
    expect(c.deletion_protection).toBe(false);
    expect(c.lifecycle).toEqual({ ignore_changes: ["node_config", "initial_node_count"] });
    expect(clusterOptOuts(stack)).toEqual(["deletion-allowed"]);
  });

  test("a zonal cluster, and a given subnetwork", () => {
    const stack = testStack();
    const network = networkIn(stack);
    new GkeCluster(stack, "gke", {
      projectId: PROJECT,
      location: "us-central1-b",
      network,
      subnetwork: network.subnet("us-central1"),
      podsRangeName: "pods",
      servicesRangeName: "services",
    });
    expect(clusterOf(synthJson(stack)).location).toBe("us-central1-b");
  });

  test("an existing subnet whose ranges are not described is taken on trust", () => {
    const stack = testStack();
    const network = Network.fromAttributes(stack, "shared", {
      selfLink: "projects/acme-net-host/global/networks/shared-vpc",
      subnets: [{ region: "us-central1", name: "apps" }],
    });
    new GkeCluster(stack, "gke", {
      projectId: PROJECT,
      location: "us-central1",
      network,
      podsRangeName: "gke-pods",
      servicesRangeName: "gke-services",
    });
    expect(clusterOf(synthJson(stack))).toMatchObject({
      network:
        "https://www.googleapis.com/compute/v1/projects/acme-net-host/global/networks/shared-vpc",
      subnetwork:
        "https://www.googleapis.com/compute/v1/projects/acme-net-host/regions/us-central1/subnetworks/apps",
      ip_allocation_policy: { cluster_secondary_range_name: "gke-pods" },
    });
  });

  test("registries grant the node account read on each repository, never on the project", () => {
    const stack = testStack();
    const network = networkIn(stack);
    const registry = new ArtifactRegistry(stack, "registry", {
      name: "images",
      region: "us-central1",
    });
    new GkeCluster(stack, "gke", {
      projectId: PROJECT,
      location: "us-central1",
      network,
      podsRangeName: "pods",
      servicesRangeName: "services",
      registries: [registry],
    });
    const json = synthJson(stack);
    const read = findResource(json, "google_artifact_registry_repository_iam_member");
    expect(read).toMatchObject({ role: "roles/artifactregistry.reader" });
    expect(read.member).toMatch(/google_service_account\.gke_nodes_account/);
    const projectRoles = resourcesOf(json, "google_project_iam_member").map((g) => g.config.role);
    expect(projectRoles).not.toContain("roles/artifactregistry.reader");
  });
});

describe("GkeCluster Autopilot", () => {
  const { stack, cluster } = make({ autopilot: true });
  const c = clusterOf(synthJson(stack));

  test("Autopilot with the same private, identity and logging settings", () => {
    expect(c).toMatchObject({
      enable_autopilot: true,
      private_cluster_config: { enable_private_nodes: true, enable_private_endpoint: true },
      workload_identity_config: { workload_pool: `${PROJECT}.svc.id.goog` },
      release_channel: { channel: "REGULAR" },
      datapath_provider: "ADVANCED_DATAPATH",
      enable_legacy_abac: false,
      master_auth: { client_certificate_config: { issue_client_certificate: false } },
      logging_config: { enable_components: ["SYSTEM_COMPONENTS", "WORKLOADS"] },
      deletion_protection: true,
      lifecycle: { prevent_destroy: true },
    });
  });

  test("its nodes run as the node service account; nothing Autopilot manages is set", () => {
    expect(c.cluster_autoscaling).toEqual({
      auto_provisioning_defaults: {
        service_account: expect.stringMatching(/google_service_account\.gke_nodes_account/),
        oauth_scopes: ["https://www.googleapis.com/auth/cloud-platform"],
      },
    });
    for (const key of [
      "node_config",
      "remove_default_node_pool",
      "initial_node_count",
      "enable_shielded_nodes",
    ]) {
      expect(c).not.toHaveProperty(key);
    }
  });

  test("refuses node pools", () => {
    expect(() => cluster.addNodePool(POOL)).toThrow(
      /addNodePool\.name = "general" is a node pool of an Autopilot cluster/,
    );
  });

  test("no finding of the policy pack", () => {
    expect(
      findings(stack).filter((f) => f.suppressed === undefined && f.severity !== "info"),
    ).toEqual([]);
  });
});

describe("GkeCluster node pools", () => {
  test("autoscaling, auto-repair and auto-upgrade, shielded nodes on the GKE metadata server", () => {
    const { stack, cluster } = make();
    cluster.addNodePool({ ...POOL, machineType: "n2-standard-8", labels: { tier: "general" } });
    const json = synthJson(stack);
    const pool = findResource(json, "google_container_node_pool");
    expect(pool).toMatchObject({
      name: "general",
      project: PROJECT,
      location: "us-central1",
      initial_node_count: 1,
      autoscaling: { min_node_count: 1, max_node_count: 3, location_policy: "BALANCED" },
      management: { auto_repair: true, auto_upgrade: true },
      upgrade_settings: { strategy: "SURGE", max_surge: 1, max_unavailable: 0 },
      node_config: {
        machine_type: "n2-standard-8",
        disk_size_gb: 100,
        disk_type: "pd-balanced",
        image_type: "COS_CONTAINERD",
        oauth_scopes: ["https://www.googleapis.com/auth/cloud-platform"],
        shielded_instance_config: { enable_secure_boot: true, enable_integrity_monitoring: true },
        workload_metadata_config: { mode: "GKE_METADATA" },
        metadata: { "disable-legacy-endpoints": "true" },
        labels: { tier: "general" },
        resource_labels: { environment: "dev", team: "platform" },
      },
      lifecycle: { ignore_changes: ["initial_node_count"] },
    });
    expect(pool.cluster).toMatch(/^\$\{google_container_cluster\.gke_cluster_.*\.id\}$/);
    expect((pool.node_config as Record<string, unknown>).service_account).toMatch(
      /google_service_account\.gke_nodes_account.*\.email/,
    );
    expect((pool.node_config as Record<string, unknown>).spot).toBeUndefined();
    expect(blocking(findings(stack))).toEqual([]);
  });

  test("spot pools, scale to zero, and an unknown machine type with its reason", () => {
    const { stack, cluster } = make();
    const pool = cluster.addNodePool({
      name: "batch",
      minNodes: 0,
      maxNodes: 10,
      spot: true,
      machineType: "c9-standard-4",
      allowUnknownMachineType: {
        reason: "c9 launched after this catalogue, checked in the console",
      },
    });
    const config = findResource(synthJson(stack), "google_container_node_pool");
    expect(config).toMatchObject({
      initial_node_count: 1,
      autoscaling: { min_node_count: 0, max_node_count: 10 },
      node_config: { spot: true, machine_type: "c9-standard-4" },
    });
    expect(JSON.stringify(pool.toTerraform())).toContain("unknown-machine-type");
  });

  test.each<[Partial<GkeNodePoolOptions>, RegExp]>([
    [{ minNodes: 4, maxNodes: 3 }, /addNodePool\.minNodes = 4 is more than maxNodes \(3\)/],
    [{ maxNodes: 0 }, /addNodePool\.maxNodes = 0 is outside 1–1000/],
    [{ minNodes: 1.5 }, /addNodePool\.minNodes = 1\.5 is outside 0–1000/],
    [
      { machineType: "e2-standrd-4" },
      /addNodePool\.machineType = "e2-standrd-4" is not a known Compute Engine machine type\.\n {2}Fix: the closest known are e2-standard-4/,
    ],
    [{ name: "General" }, /addNodePool\.name = "General" is not a valid GKE node pool name/],
    [
      { name: "a".repeat(41) },
      /addNodePool\.name = "a{41}" is 41 characters long; a GKE node pool name takes at most 40/,
    ],
    [{ diskSizeGb: 5 }, /addNodePool\.diskSizeGb = 5 is outside 10–65536/],
    [
      { diskType: "hyperdisk" as never },
      /addNodePool\.diskType = "hyperdisk" is not an accepted value/,
    ],
    [
      { labels: { "bad key!": "x" } },
      /addNodePool\.labels key = "bad key!" is not a Kubernetes label key/,
    ],
    [{ minNodes: "1" as never }, /addNodePool\.minNodes/],
  ])("refuses %j", (options, message) => {
    const { cluster } = make();
    expect(() => cluster.addNodePool({ ...POOL, ...options })).toThrow(message);
  });

  test("refuses a pool name used twice", () => {
    const { cluster } = make();
    cluster.addNodePool(POOL);
    expect(() => cluster.addNodePool(POOL)).toThrow(
      /addNodePool\.name = "general" is already a node pool of this cluster/,
    );
  });
});

describe("GkeCluster refusals name the prop", () => {
  test.each<[Partial<GkeClusterProps>, RegExp]>([
    [
      { location: "us-centrl1" },
      /location = "us-centrl1" is not a known Google Cloud region or zone\.\n {2}Fix: did you mean us-central1\?/,
    ],
    [
      { location: "us-central1-z" },
      /location = "us-central1-z" is not a known Google Cloud region or zone/,
    ],
    [
      { location: "us-east1" },
      /podsRangeName = "pods" is not a secondary range of the us-east1 subnet\.\n {2}Fix: add secondaryRanges for pods and services/,
    ],
    [{ projectId: "Acme" }, /projectId = "Acme" is not a GCP project ID/],
    [{ projectId: undefined }, /projectId = undefined is missing/],
    [{ name: "GKE" }, /name = "test-dev-GKE" is not a valid GKE cluster name/],
    [
      { name: "a-very-long-cluster-name-for-a-small-job" },
      /name = "test-dev-a-very-long-cluster-name-for-a-small-job" is \d+ characters long; a GKE cluster name takes at most 40/,
    ],
    [
      { podsRangeName: "pod" },
      /podsRangeName = "pod" is not a secondary range of the us-central1 subnet\.\n {2}Fix: did you mean pods\?/,
    ],
    [
      { servicesRangeName: "svc" },
      /servicesRangeName = "svc" is not a secondary range of the us-central1 subnet/,
    ],
    [{ servicesRangeName: "pods" }, /servicesRangeName = "pods" is also the pods range/],
    [{ podsRangeName: undefined }, /podsRangeName = undefined is missing/],
    [
      { releaseChannel: "EXTENDED" as never },
      /releaseChannel = "EXTENDED" is not an accepted value/,
    ],
    [{ autopilot: "yes" as never }, /autopilot/],
    [
      { deletionProtection: false } as never,
      /deletionProtection = false is not a prop of GkeCluster/,
    ],
    [{ allowDeletion: { reason: "x" } }, /allowDeletion\.reason = "x" is too short/],
    [{ publicEndpoint: REASON }, /authorizedNetworks = \[\] is empty, so the public endpoint/],
    [
      {
        publicEndpoint: { reason: "no" },
        authorizedNetworks: [{ name: "o", cidr: "203.0.113.0/24" }],
      },
      /publicEndpoint\.reason = "no" is too short/,
    ],
    [
      { authorizedNetworks: [{ name: "all", cidr: "0.0.0.0/0" }] },
      /authorizedNetworks\[0\]\.cidr = "0\.0\.0\.0\/0" lets the whole internet reach the cluster's control plane/,
    ],
    [
      {
        publicEndpoint: REASON,
        authorizedNetworks: [
          { name: "a", cidr: "0.0.0.0/1" },
          { name: "b", cidr: "128.0.0.0/1" },
        ],
      },
      /authorizedNetworks = \["0\.0\.0\.0\/1","128\.0\.0\.0\/1"\] together cover every IPv4 address \(authorizedNetworks\[0\]\.cidr, authorizedNetworks\[1\]\.cidr\)/,
    ],
    [
      { authorizedNetworks: [{ name: "${var.x}", cidr: "10.0.0.0/8" }] },
      /authorizedNetworks\[0\]\.name = "\$\{var\.x\}" is not a label for the range/,
    ],
    [
      { authorizedNetworks: [{ name: "vpn", cidr: "10.0.0.1/8" }] },
      /authorizedNetworks\[0\]\.cidr = "10\.0\.0\.1\/8" has host bits set/,
    ],
    [{ registries: [{}] as never }, /registries/],
  ])("%j", (props, message) => {
    expect(() => make(props)).toThrow(ValidationError);
    expect(() => make(props)).toThrow(message);
  });

  test("a subnetwork of another region", () => {
    const stack = testStack();
    const network = networkIn(stack);
    expect(
      () =>
        new GkeCluster(stack, "gke", {
          projectId: PROJECT,
          location: "us-central1",
          network,
          subnetwork: network.subnet("us-east1"),
          podsRangeName: "pods",
          servicesRangeName: "services",
        }),
    ).toThrow(
      /subnetwork = "us-east1" is a subnet of region us-east1, not of the cluster's region us-central1/,
    );
  });

  test("a subnet described with no secondary ranges", () => {
    const stack = testStack();
    const network = Network.fromAttributes(stack, "shared", {
      selfLink: "projects/acme-net-host/global/networks/shared-vpc",
      subnets: [{ region: "us-central1", name: "apps", secondaryRanges: [] }],
    });
    expect(
      () =>
        new GkeCluster(stack, "gke", {
          projectId: PROJECT,
          location: "us-central1",
          network,
          podsRangeName: "pods",
          servicesRangeName: "services",
        }),
    ).toThrow(
      /podsRangeName = "pods" is not a secondary range of the us-central1 subnet\.\n {2}Fix: add secondaryRanges for pods and services/,
    );
  });

  test("a cluster name used twice in the stack", () => {
    const { stack, network } = make();
    expect(
      () =>
        new GkeCluster(stack, "gke2", {
          projectId: PROJECT,
          location: "us-central1",
          network,
          podsRangeName: "pods",
          servicesRangeName: "services",
        }),
    ).toThrow(/name = "test-dev-gke" is already used by another gke-cluster in this stack/);
  });
});

describe("Kubernetes provider for a separate stack", () => {
  test("reads the cluster and the caller's token; no kubeconfig, nothing long-lived", () => {
    const stack = testStack();
    const access = GkeCluster.kubernetesProvider(stack, "k8s", {
      project: PROJECT,
      location: "us-central1",
      clusterName: "test-dev-gke",
    });
    const json = synthJson(stack) as SynthJson & {
      data: Record<string, Record<string, Record<string, unknown>>>;
      provider: Record<string, Record<string, unknown>[]>;
    };
    const cluster = Object.entries(json.data.google_container_cluster);
    expect(cluster).toHaveLength(1);
    const [clusterName, clusterConfig] = cluster[0];
    expect(clusterConfig).toEqual({
      project: PROJECT,
      location: "us-central1",
      name: "test-dev-gke",
    });
    const clientConfig = Object.keys(json.data.google_client_config);
    expect(clientConfig).toHaveLength(1);
    expect(json.provider.kubernetes).toEqual([
      {
        host: `https://\${data.google_container_cluster.${clusterName}.endpoint}`,
        cluster_ca_certificate: `\${base64decode(data.google_container_cluster.${clusterName}.master_auth[0].cluster_ca_certificate)}`,
        token: `\${data.google_client_config.${clientConfig[0]}.access_token}`,
      },
    ]);
    expect(JSON.stringify(json.provider.kubernetes)).not.toMatch(
      /config_path|config_context|exec|client_key/,
    );
    expect(access.provider).toBeDefined();
  });

  test("takes an alias", () => {
    const stack = testStack();
    gkeKubernetesProvider(stack, "k8s", {
      project: PROJECT,
      location: "europe-west1-b",
      clusterName: "shop-prod-gke",
      alias: "shop",
    });
    const json = synthJson(stack) as SynthJson & {
      provider: Record<string, Record<string, unknown>[]>;
    };
    expect(json.provider.kubernetes[0].alias).toBe("shop");
  });

  test.each<[Record<string, unknown>, RegExp]>([
    [{ project: "Acme" }, /k8s: project = "Acme" is not a GCP project ID/],
    [{ location: "mars-1" }, /k8s: location = "mars-1" is not a known Google Cloud region or zone/],
    [
      { clusterName: "${var.name}" },
      /k8s: clusterName = "\$\{var\.name\}" is not a valid GKE cluster name/,
    ],
    [{ alias: "Not Valid" }, /k8s: alias = "Not Valid" is not a provider alias/],
    [{ kubeconfig: "~/.kube/config" }, /kubeconfig/],
  ])("refuses %j", (override, message) => {
    const stack = testStack();
    expect(() =>
      gkeKubernetesProvider(stack, "k8s", {
        project: PROJECT,
        location: "us-central1",
        clusterName: "test-dev-gke",
        ...override,
      } as never),
    ).toThrow(message);
  });
});

describe("Workload Identity bindings", () => {
  test("binds a Kubernetes service account of the cluster to a ServiceAccount", () => {
    const { stack, cluster } = make();
    const bot = new ServiceAccount(stack, "bot", { name: "bot", projectId: PROJECT });
    const first = cluster.bindWorkloadIdentity(bot, "trading", "bot");
    expect(cluster.bindWorkloadIdentity(bot, "trading", "bot")).toBe(first);
    const binding = findResource(synthJson(stack), "google_service_account_iam_member");
    expect(binding).toEqual({
      service_account_id: expect.stringMatching(
        /^\$\{google_service_account\.bot_account_.*\.name\}$/,
      ),
      role: "roles/iam.workloadIdentityUser",
      member: `serviceAccount:${PROJECT}.svc.id.goog[trading/bot]`,
    });
    expect(blocking(findings(stack))).toEqual([]);
  });

  test("binds to an existing account by email, for a cluster of another stack", () => {
    const stack = testStack();
    bindWorkloadIdentity(stack, "bot-wi", {
      projectId: PROJECT,
      namespace: "trading",
      kubernetesServiceAccount: "bot",
      serviceAccount: {
        email: "ci@acme-apps-1.iam.gserviceaccount.com",
        member: "serviceAccount:ci@acme-apps-1.iam.gserviceaccount.com",
      },
    });
    expect(findResource(synthJson(stack), "google_service_account_iam_member")).toEqual({
      service_account_id:
        "projects/acme-apps-1/serviceAccounts/ci@acme-apps-1.iam.gserviceaccount.com",
      role: "roles/iam.workloadIdentityUser",
      member: `serviceAccount:${PROJECT}.svc.id.goog[trading/bot]`,
    });
  });

  test.each<[string, string, RegExp]>([
    ["Trading", "bot", /bindWorkloadIdentity\(namespace\) = "Trading" is not a DNS-1123 label/],
    ["trading", "bot]/x", /bindWorkloadIdentity\(name\) = "bot\]\/x" is not a DNS-1123 subdomain/],
  ])("refuses %s/%s", (ns, name, message) => {
    const { stack, cluster } = make();
    const bot = new ServiceAccount(stack, "bot", { name: "bot", projectId: PROJECT });
    expect(() => cluster.bindWorkloadIdentity(bot, ns, name)).toThrow(message);
  });

  test("refuses something that is not a service account", () => {
    const { cluster } = make();
    expect(() =>
      cluster.bindWorkloadIdentity(
        { email: "alice@example.com", member: "user:alice@example.com" },
        "trading",
        "bot",
      ),
    ).toThrow(
      /bindWorkloadIdentity\.serviceAccount = "alice@example\.com" is not a service account/,
    );
  });
});

test("help example: gke.md", () => {
  // The page's own code, run as written; its first stack creates the cluster.
  const json = synthJson(helpExampleStack("gke.md"));
  expect(clusterOf(json)).toMatchObject({
    name: "shop-prod-gke",
    location: "europe-west1",
    private_cluster_config: { enable_private_endpoint: true },
    master_authorized_networks_config: {
      cidr_blocks: [{ cidr_block: "10.200.0.0/24", display_name: "ops-vpn" }],
    },
  });
  expect(findResource(json, "google_container_node_pool")).toMatchObject({
    name: "general",
    autoscaling: { min_node_count: 1, max_node_count: 5 },
    node_config: { machine_type: "e2-standard-4" },
  });
  const accounts = resourcesOf(json, "google_service_account").map((a) => a.config.account_id);
  expect(accounts.sort()).toEqual(["shop-prod-gke-nodes", "shop-prod-shop-api"]);
  expect(findResource(json, "google_artifact_registry_repository")).toMatchObject({
    repository_id: "shop-prod-images",
  });
  expect(findResource(json, "google_artifact_registry_repository_iam_member")).toMatchObject({
    role: "roles/artifactregistry.reader",
  });
  expect(findResource(json, "google_service_account_iam_member")).toMatchObject({
    member: "serviceAccount:acme-shop-prod.svc.id.goog[shop/api]",
  });
});

describe("GkeCluster and the GKE policy rules", () => {
  test("the rules judge the cluster and its pools, and pass them", () => {
    const { stack, cluster } = make();
    cluster.addNodePool(POOL);
    const gke = findings(stack).filter((f) => f.ruleId.startsWith("GCP-GKE-"));
    expect(gke).toEqual([]);
  });

  test("a control plane opened to the world through an escape hatch is reported", () => {
    const { stack, cluster } = make({
      publicEndpoint: REASON,
      authorizedNetworks: [{ name: "office", cidr: "203.0.113.0/24" }],
    });
    cluster.cluster.addOverride("master_authorized_networks_config.cidr_blocks", [
      { cidr_block: "0.0.0.0/1" },
      { cidr_block: "128.0.0.0/1" },
    ]);
    expect(blocking(findings(stack))).toEqual([
      expect.objectContaining({
        ruleId: "GCP-GKE-002",
        address: expect.stringMatching(/^google_container_cluster\./),
      }),
    ]);
  });

  test("a node pool taken off the GKE metadata server through an escape hatch is reported", () => {
    const { stack, cluster } = make();
    cluster
      .addNodePool(POOL)
      .addOverride("node_config.workload_metadata_config.mode", "GCE_METADATA");
    expect(findings(stack).filter((f) => f.ruleId === "GCP-GKE-004")).toEqual([
      expect.objectContaining({ address: expect.stringMatching(/^google_container_node_pool\./) }),
    ]);
  });
});
