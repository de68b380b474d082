import { Construct } from "constructs";
import { z } from "zod";
import { Fn, Token } from "cdktf";
import {
  ContainerCluster,
  type ContainerClusterConfig,
} from "@cdktf/provider-google/lib/container-cluster";
import { ContainerNodePool } from "@cdktf/provider-google/lib/container-node-pool";
import { DataGoogleClientConfig } from "@cdktf/provider-google/lib/data-google-client-config";
import { DataGoogleContainerCluster } from "@cdktf/provider-google/lib/data-google-container-cluster";
import { ServiceAccountIamMember } from "@cdktf/provider-google/lib/service-account-iam-member";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { parseCidr, worldRangesOf } from "../core/cidr";
import { invalid } from "../core/errors";
import { boolean, integer, oneOf } from "../core/checks";
import type { LabelTarget } from "../core/labels";
import { checkName, type NameKind } from "../core/naming";
import { deletionPolicy, refuseProtectionFlags } from "../core/deletion";
import { acceptOptOut, recordOptOut, type OptOut } from "../core/opt-out";
import {
  checkedBy,
  checkOptions,
  checkProps,
  missingCheckedBy,
  optOutSchema,
  refusedProtectionFlags,
  stringMap,
  stringOf,
  type PropsSchema,
} from "../core/props";
import { PlatformStack } from "../core/stack";
import { suggestion } from "../core/suggest";
import { checkDnsLabel, checkDnsSubdomain, checkK8sLabels } from "../core/kubernetes-names";
import type { IGrantable, IServiceAccount } from "./iam";
import { checkMachineType } from "./machine-types";
import type { INetwork, ISubnetwork } from "./network";
import { GCP_REGIONS, isGcpRegion, zonesOf } from "./regions";
import { checkProjectId } from "./schemas";
import { ServiceAccount } from "./service-account";

// ---------------------------------------------------------------------------------------------
// Props
// ---------------------------------------------------------------------------------------------

/** How early the cluster gets new GKE versions. */
export type GkeReleaseChannel = "RAPID" | "REGULAR" | "STABLE";

/** Release channels, fastest first. */
export const GKE_RELEASE_CHANNELS: readonly GkeReleaseChannel[] = ["RAPID", "REGULAR", "STABLE"];

/** A range allowed to reach the cluster's control plane (master authorized network). */
export interface GkeAuthorizedNetwork {
  /** A label for the range, e.g. `office-vpn`: letters, digits, spaces, `.`, `_` and `-`. */
  readonly name: string;
  /**
   * IPv4 CIDR. Ranges that are, or together cover, every IPv4 address (`0.0.0.0/0`, or
   * `0.0.0.0/1` + `128.0.0.0/1`) are refused: the control plane is never open to the world.
   */
  readonly cidr: string;
}

/** A repository the nodes pull images from: an `ArtifactRegistry` construct. */
export interface IImageSource {
  /** Lets `grantee` pull from the repository (`roles/artifactregistry.reader` on it). */
  grantRead(grantee: IGrantable): unknown;
}

export interface GkeClusterProps {
  /** Short name; the cluster is `${prefix}-${name}`, at most 40 characters in all. @default "gke" */
  readonly name?: string;
  /**
   * The project of the cluster; the Workload Identity pool is `<projectId>.svc.id.goog`, and the
   * node service account lives there.
   */
  readonly projectId: string;
  /**
   * A region (a regional cluster, control plane and nodes in every zone; recommended) or a zone
   * (a zonal cluster), e.g. `us-central1` or `us-central1-a`.
   */
  readonly location: string;
  /** The VPC the cluster joins. */
  readonly network: INetwork;
  /**
   * The subnet of the nodes, in the location's region.
   * @default `network.subnet(<location's region>)`
   */
  readonly subnetwork?: ISubnetwork;
  /** The subnet's secondary range that pods take addresses from (VPC-native cluster). */
  readonly podsRangeName: string;
  /** The subnet's secondary range that Services take addresses from. */
  readonly servicesRangeName: string;
  /**
   * An Autopilot cluster: Google manages the nodes (no node pools; {@link GkeCluster.addNodePool}
   * refuses). The nodes still run as the dedicated node service account.
   * @default false (GKE Standard)
   */
  readonly autopilot?: boolean;
  /** @default "REGULAR" */
  readonly releaseChannel?: GkeReleaseChannel;
  /**
   * Ranges allowed to reach the control plane. On the private endpoint, the VPC or VPN ranges
   * the operators and CI come from; with {@link publicEndpoint}, at least one is required.
   * @default [] (only the cluster's own network)
   */
  readonly authorizedNetworks?: readonly GkeAuthorizedNetwork[];
  /**
   * Give the control plane a public endpoint, reachable only from {@link authorizedNetworks},
   * with a reason (recorded as `gke-public-endpoint`).
   * @default undefined (private endpoint only)
   */
  readonly publicEndpoint?: OptOut;
  /**
   * Binary Authorization: only images the project's policy admits are deployed
   * (`PROJECT_SINGLETON_POLICY_ENFORCE`).
   * @default false
   */
  readonly binaryAuthorization?: boolean;
  /**
   * Repositories the nodes pull images from: each grants the node service account
   * `roles/artifactregistry.reader` on itself (never on the project).
   * @default []
   */
  readonly registries?: readonly IImageSource[];
  /**
   * Turn off the cluster's `deletion_protection` and `prevent_destroy`, with a reason.
   * @default undefined (Terraform refuses to destroy the cluster)
   */
  readonly allowDeletion?: OptOut;
}

/** A node pool, as given to {@link GkeCluster.addNodePool}. */
export interface GkeNodePoolOptions {
  /** The pool's name, unique in the cluster, at most 40 characters (RFC 1035). */
  readonly name: string;
  /** Compute Engine machine type, checked against the catalogue. @default "e2-standard-4" */
  readonly machineType?: string;
  /**
   * Accept a machine type the catalogue lacks, with a reason (recorded as
   * `unknown-machine-type`). @default undefined (refused, naming the closest known types)
   */
  readonly allowUnknownMachineType?: OptOut;
  /** Fewest nodes per zone, 0–1000. */
  readonly minNodes: number;
  /** Most nodes per zone, 1–1000, at least {@link minNodes}. */
  readonly maxNodes: number;
  /** Boot disk size in GB, 10–65536. @default 100 */
  readonly diskSizeGb?: number;
  /** @default "pd-balanced" */
  readonly diskType?: "pd-balanced" | "pd-ssd" | "pd-standard";
  /** Spot VMs: cheaper, and Compute Engine may stop them at any time. @default false */
  readonly spot?: boolean;
  /** Kubernetes labels of the nodes. @default {} */
  readonly labels?: Readonly<Record<string, string>>;
}

/** What {@link gkeKubernetesProvider} needs to find an existing cluster. */
export interface GkeKubernetesProviderProps {
  /** The project of the cluster. */
  readonly project: string;
  /** The cluster's region or zone. */
  readonly location: string;
  /** The cluster's full name (`${prefix}-${name}` of the stack that created it). */
  readonly clusterName: string;
  /** Provider alias, when the stack configures more than one Kubernetes provider. @default undefined */
  readonly alias?: string;
}

/** The provider and data sources created by {@link gkeKubernetesProvider}. */
export interface GkeKubernetesAccess {
  readonly provider: KubernetesProvider;
  readonly cluster: DataGoogleContainerCluster;
  readonly clientConfig: DataGoogleClientConfig;
}

/** A Kubernetes service account bound to a Google service account (see {@link bindWorkloadIdentity}). */
export interface WorkloadIdentityBindingProps {
  /** The project of the cluster, whose Workload Identity pool is `<projectId>.svc.id.goog`. */
  readonly projectId: string;
  /** The Kubernetes namespace of the service account. */
  readonly namespace: string;
  /** The Kubernetes service account's name. */
  readonly kubernetesServiceAccount: string;
  /** The Google service account the Kubernetes service account acts as. */
  readonly serviceAccount: IServiceAccount;
}

const IMAGE_SOURCE = z.custom<IImageSource>(
  (v) => typeof (v as Partial<IImageSource> | null)?.grantRead === "function",
  { message: "pass an ArtifactRegistry (an object with grantRead)" },
);

/**
 * Shapes and types of {@link GkeClusterProps}. Left to the construct: `network` and `subnetwork`
 * (the region and range checks), `location` (regions and zones, with a did-you-mean),
 * `projectId` (`checkProjectId`), enum values (listed by `oneOf`).
 */
const GKE_PROPS = z.strictObject({
  name: z.string().optional(),
  projectId: checkedBy<string>("checkProjectId"),
  location: checkedBy<string>("checkLocation"),
  network: checkedBy<INetwork>("the constructor's network check"),
  subnetwork: checkedBy<ISubnetwork>("the constructor's subnetwork check").optional(),
  podsRangeName: missingCheckedBy(z.string(), "checkRanges"),
  servicesRangeName: missingCheckedBy(z.string(), "checkRanges"),
  autopilot: z.boolean().optional(),
  releaseChannel: stringOf<GkeReleaseChannel>().optional(),
  authorizedNetworks: z
    .array(
      z.strictObject({
        name: missingCheckedBy(z.string(), "checkAuthorizedNetworks"),
        cidr: missingCheckedBy(z.string(), "parseCidr"),
      }),
    )
    .optional(),
  publicEndpoint: optOutSchema.optional(),
  binaryAuthorization: z.boolean().optional(),
  registries: z.array(IMAGE_SOURCE).optional(),
  allowDeletion: optOutSchema.optional(),
  ...refusedProtectionFlags,
}) satisfies PropsSchema<GkeClusterProps>;

const NODE_POOL_OPTIONS = z.strictObject({
  name: z.string(),
  machineType: z.string().optional(),
  allowUnknownMachineType: optOutSchema.optional(),
  minNodes: z.number(),
  maxNodes: z.number(),
  diskSizeGb: z.number().optional(),
  diskType: stringOf<"pd-balanced" | "pd-ssd" | "pd-standard">().optional(),
  spot: z.boolean().optional(),
  labels: stringMap.optional(),
}) satisfies PropsSchema<GkeNodePoolOptions>;

const PROVIDER_PROPS = z.strictObject({
  project: checkedBy<string>("checkProjectId"),
  location: checkedBy<string>("checkLocation"),
  clusterName: checkedBy<string>("checkGkeName"),
  alias: z.string().optional(),
}) satisfies PropsSchema<GkeKubernetesProviderProps>;

const BINDING_PROPS = z.strictObject({
  projectId: checkedBy<string>("checkProjectId"),
  namespace: checkedBy<string>("checkDnsLabel"),
  kubernetesServiceAccount: checkedBy<string>("checkDnsSubdomain"),
  serviceAccount: checkedBy<IServiceAccount>("serviceAccountIdOf"),
}) satisfies PropsSchema<WorkloadIdentityBindingProps>;

/** The roles of the node service account, all on the project: what a node itself needs. */
export const GKE_NODE_ROLES = [
  "roles/logging.logWriter",
  "roles/monitoring.metricWriter",
  "roles/monitoring.viewer",
  "roles/stackdriver.resourceMetadata.writer",
] as const;

const NODE_ROLE_REASONS: Readonly<Record<(typeof GKE_NODE_ROLES)[number], string>> = {
  "roles/logging.logWriter": "GKE nodes write system and workload logs",
  "roles/monitoring.metricWriter": "GKE nodes write system metrics",
  "roles/monitoring.viewer": "GKE nodes read monitoring configuration for their metrics agents",
  "roles/stackdriver.resourceMetadata.writer": "GKE nodes write resource metadata for monitoring",
};

const CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform";
const GKE_NAME = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const GKE_NAME_MAX = 40;
const NETWORK_LABEL = /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}$/;
const SA_EMAIL = /^[a-z0-9-]+@([a-z][a-z0-9-]{4,28}[a-z0-9])\.iam\.gserviceaccount\.com$/;
const DISK_TYPES = ["pd-balanced", "pd-ssd", "pd-standard"] as const;
const LOGGED_COMPONENTS = ["SYSTEM_COMPONENTS", "WORKLOADS"];
const MONITORED_COMPONENTS = ["SYSTEM_COMPONENTS"];
const PUBLIC_ENDPOINT = "gke-public-endpoint";
// GKE names are not one of the core name kinds; claimName only needs a distinct key per kind.
const CLUSTER_KIND = "gke-cluster" as NameKind;

// ---------------------------------------------------------------------------------------------
// Checks shared by the cluster and the helpers
// ---------------------------------------------------------------------------------------------

/** A cluster or node pool name: RFC 1035, at most 40 characters. */
export function checkGkeName(
  scope: Construct,
  property: string,
  name: unknown,
  what: "cluster" | "node pool",
): string {
  if (typeof name !== "string" || !GKE_NAME.test(name)) {
    invalid(
      scope,
      property,
      name,
      `is not a valid GKE ${what} name`,
      `use lowercase letters, digits and hyphens, starting with a letter and ending with a letter or digit, at most ${GKE_NAME_MAX} characters`,
    );
  }
  if (name.length > GKE_NAME_MAX) {
    invalid(
      scope,
      property,
      name,
      `is ${name.length} characters long; a GKE ${what} name takes at most ${GKE_NAME_MAX}`,
      what === "cluster"
        ? "shorten the name or the environment prefix"
        : "shorten the node pool name",
    );
  }
  return name;
}

/** A cluster location: a known region or a zone of one, with a did-you-mean. */
export function checkLocation(
  scope: Construct,
  property: string,
  location: unknown,
): { readonly location: string; readonly region: string; readonly zonal: boolean } {
  if (typeof location === "string" && (isGcpRegion(location) || zonesOf(scope, location))) {
    return { location, region: location, zonal: false };
  }
  const zone = typeof location === "string" ? /^(.*)-([a-z])$/.exec(location) : null;
  if (zone && zonesOf(scope, zone[1])?.includes(zone[2])) {
    return { location: location as string, region: zone[1], zonal: true };
  }
  const known = Object.entries(GCP_REGIONS).flatMap(([region, letters]) => [
    region,
    ...letters.map((l) => `${region}-${l}`),
  ]);
  return invalid(
    scope,
    property,
    location,
    "is not a known Google Cloud region or zone",
    suggestion(
      location,
      known,
      "use a region such as us-central1 (a regional cluster) or a zone such as us-central1-a",
    ),
  );
}

function requireProjectId(scope: Construct, property: string, value: unknown): string {
  const project = checkProjectId(scope, property, value);
  if (project === undefined) {
    invalid(
      scope,
      property,
      value,
      "is missing",
      "pass the project ID of the cluster, e.g. 'acme-trading-prod'",
    );
  }
  return project;
}

/** `projects/<project>/serviceAccounts/<email>` of a service account, for its IAM. */
function serviceAccountIdOf(scope: Construct, property: string, sa: unknown): string {
  if (sa instanceof ServiceAccount) return sa.account.name;
  const email = (sa as Partial<IServiceAccount> | null)?.email;
  const m = typeof email === "string" ? SA_EMAIL.exec(email) : null;
  if (!m) {
    invalid(
      scope,
      property,
      email ?? sa,
      "is not a service account",
      "pass a ServiceAccount construct or { email: 'name@project.iam.gserviceaccount.com', member }",
    );
  }
  return `projects/${m[1]}/serviceAccounts/${m[0]}`;
}

/** `serviceAccount:<project>.svc.id.goog[<namespace>/<name>]`, checked. */
function workloadMember(
  scope: Construct,
  properties: { readonly namespace: string; readonly name: string },
  projectId: string,
  namespace: unknown,
  name: unknown,
): string {
  const ns = checkDnsLabel(scope, properties.namespace, namespace);
  const ksa = checkDnsSubdomain(scope, properties.name, name);
  return `serviceAccount:${projectId}.svc.id.goog[${ns}/${ksa}]`;
}

// ---------------------------------------------------------------------------------------------
// GkeCluster
// ---------------------------------------------------------------------------------------------

/**
 * A private GKE cluster on the custom VPC: private nodes, the private endpoint only unless a
 * reasoned public endpoint restricted to authorized networks, VPC-native on the subnet's named
 * secondary ranges, Workload Identity, a release channel, shielded nodes, Dataplane V2 (network
 * policy enforced), no legacy ABAC, no client certificate, system and workload logging, deletion
 * protection, and a dedicated node service account with only the roles nodes need. GKE Standard
 * by default, with node pools added by {@link addNodePool}; Autopilot with `autopilot: true`.
 */
export class GkeCluster extends Construct implements LabelTarget {
  /** The cluster (escape hatch). */
  readonly cluster: ContainerCluster;
  /** The nodes' service account. */
  readonly nodeServiceAccount: ServiceAccount;
  /** The node pools added so far. */
  readonly nodePools: readonly ContainerNodePool[];
  /** The cluster's full name. */
  readonly name: string;
  /** The cluster's region or zone. */
  readonly location: string;
  /** The region the cluster is in. */
  readonly region: string;
  readonly projectId: string;
  /** `<projectId>.svc.id.goog`. */
  readonly workloadPool: string;
  readonly autopilot: boolean;
  private readonly pools: ContainerNodePool[] = [];
  private readonly poolNames = new Set<string>();
  private readonly bindings = new Map<string, ServiceAccountIamMember>();

  /**
   * A Kubernetes provider for a cluster created by another stack; see {@link gkeKubernetesProvider}.
   */
  static kubernetesProvider(
    scope: Construct,
    id: string,
    props: GkeKubernetesProviderProps,
  ): GkeKubernetesAccess {
    return gkeKubernetesProvider(scope, id, props);
  }

  constructor(scope: Construct, id: string, props: GkeClusterProps) {
    super(scope, id);
    const stack = PlatformStack.of(this);
    checkProps(
      this,
      GKE_PROPS,
      props,
      "{ projectId, location, network, podsRangeName, servicesRangeName }",
    );
    refuseProtectionFlags(this, props, "GkeCluster");
    if (typeof props.network?.subnet !== "function") {
      invalid(this, "network", props.network, "is missing", "pass the Network the cluster joins");
    }
    this.projectId = requireProjectId(this, "projectId", props.projectId);
    const where = checkLocation(this, "location", props.location);
    this.location = where.location;
    this.region = where.region;
    this.name = stack.claimName(
      this,
      "name",
      CLUSTER_KIND,
      checkGkeName(this, "name", `${stack.prefix}-${props.name ?? "gke"}`, "cluster"),
    );
    const subnetwork = this.checkSubnetwork(props.network, props.subnetwork);
    this.checkRanges(subnetwork, props.podsRangeName, props.servicesRangeName);
    this.autopilot = boolean(this, "autopilot", props.autopilot ?? false);
    const channel = oneOf(
      this,
      "releaseChannel",
      props.releaseChannel ?? "REGULAR",
      GKE_RELEASE_CHANNELS,
    );
    const publicEndpoint = acceptOptOut(this, "publicEndpoint", props.publicEndpoint)
      ? props.publicEndpoint
      : undefined;
    const authorized = this.checkAuthorizedNetworks(props.authorizedNetworks ?? [], publicEndpoint);
    const binaryAuthorization = boolean(
      this,
      "binaryAuthorization",
      props.binaryAuthorization ?? false,
    );
    const deletion = deletionPolicy(this, props.allowDeletion);
    this.workloadPool = `${this.projectId}.svc.id.goog`;

    this.nodeServiceAccount = new ServiceAccount(this, "nodes", {
      name: `${this.name.slice(stack.prefix.length + 1)}-nodes`,
      displayName: `Nodes of GKE cluster ${this.name}`,
      description: `The identity of the nodes of GKE cluster ${this.name}: logs, metrics and image pulls only`,
      projectId: this.projectId,
    });
    for (const role of GKE_NODE_ROLES) {
      this.nodeServiceAccount.grantProjectRole(role, NODE_ROLE_REASONS[role]);
    }
    (props.registries ?? []).forEach((registry) => registry.grantRead(this.nodeServiceAccount));

    const nodeEmail = this.nodeServiceAccount.email;
    const common: ContainerClusterConfig = {
      name: this.name,
      project: this.projectId,
      location: this.location,
      network: props.network.selfLink,
      subnetwork: subnetwork.selfLink,
      networkingMode: "VPC_NATIVE",
      ipAllocationPolicy: {
        clusterSecondaryRangeName: props.podsRangeName,
        servicesSecondaryRangeName: props.servicesRangeName,
        stackType: "IPV4",
      },
      privateClusterConfig: {
        enablePrivateNodes: true,
        enablePrivateEndpoint: publicEndpoint === undefined,
      },
      masterAuthorizedNetworksConfig: {
        gcpPublicCidrsAccessEnabled: false,
        cidrBlocks: authorized.map((n) => ({ cidrBlock: n.cidr, displayName: n.name })),
      },
      releaseChannel: { channel },
      workloadIdentityConfig: { workloadPool: this.workloadPool },
      datapathProvider: "ADVANCED_DATAPATH",
      enableLegacyAbac: false,
      masterAuth: { clientCertificateConfig: { issueClientCertificate: false } },
      loggingConfig: { enableComponents: [...LOGGED_COMPONENTS] },
      monitoringConfig: {
        enableComponents: [...MONITORED_COMPONENTS],
        managedPrometheus: { enabled: true },
      },
      binaryAuthorization: binaryAuthorization
        ? { evaluationMode: "PROJECT_SINGLETON_POLICY_ENFORCE" }
        : undefined,
      deletionProtection: deletion.protect,
    };
    const mode: Partial<ContainerClusterConfig> = this.autopilot
      ? {
          enableAutopilot: true,
          // Autopilot's nodes run as this account instead of the Compute Engine default.
          clusterAutoscaling: {
            autoProvisioningDefaults: {
              serviceAccount: nodeEmail,
              oauthScopes: [CLOUD_PLATFORM_SCOPE],
            },
          },
          lifecycle: deletion.lifecycle(),
        }
      : {
          enableShieldedNodes: true,
          // The default pool is removed as soon as the cluster exists; node pools are separate
          // resources. Its settings below only describe the few minutes it lives.
          removeDefaultNodePool: true,
          initialNodeCount: 1,
          nodeConfig: {
            serviceAccount: nodeEmail,
            oauthScopes: [CLOUD_PLATFORM_SCOPE],
            shieldedInstanceConfig: { enableSecureBoot: true, enableIntegrityMonitoring: true },
            workloadMetadataConfig: { mode: "GKE_METADATA" },
            metadata: { "disable-legacy-endpoints": "true" },
          },
          lifecycle: deletion.lifecycle({ ignoreChanges: ["node_config", "initial_node_count"] }),
        };
    this.cluster = new ContainerCluster(this, "cluster", {
      ...common,
      ...mode,
      dependsOn: [...this.nodeServiceAccount.projectGrants.values()],
    });
    deletion.record(this.cluster);
    if (publicEndpoint) recordOptOut(this.cluster, PUBLIC_ENDPOINT, publicEndpoint);
    this.nodePools = this.pools;
  }

  /** The control plane's endpoint (an IP address, without `https://`). */
  get endpoint(): string {
    return this.cluster.endpoint;
  }

  /** The cluster CA certificate, base64-encoded as GKE returns it. */
  get clusterCaCertificate(): string {
    return this.cluster.masterAuth.clusterCaCertificate;
  }

  /**
   * Adds a node pool (GKE Standard only): autoscaling between `minNodes` and `maxNodes` per zone,
   * auto-repair and auto-upgrade, surge upgrades, shielded nodes with secure boot and integrity
   * monitoring, the GKE metadata server (Workload Identity), Container-Optimized OS, and the
   * cluster's node service account.
   */
  addNodePool(options: GkeNodePoolOptions): ContainerNodePool {
    const p = "addNodePool";
    checkOptions(
      this,
      p,
      NODE_POOL_OPTIONS,
      options,
      "{ name: 'general', minNodes: 1, maxNodes: 3 }",
    );
    if (this.autopilot) {
      invalid(
        this,
        `${p}.name`,
        options.name,
        "is a node pool of an Autopilot cluster, whose nodes GKE manages",
        "drop the node pool, or build the cluster with autopilot: false",
      );
    }
    const name = checkGkeName(this, `${p}.name`, options.name, "node pool");
    if (this.poolNames.has(name)) {
      invalid(
        this,
        `${p}.name`,
        name,
        "is already a node pool of this cluster",
        "give each pool its own name",
      );
    }
    const machine = checkMachineType(
      this,
      `${p}.machineType`,
      options.machineType ?? "e2-standard-4",
      options.allowUnknownMachineType,
      `${p}.allowUnknownMachineType`,
    );
    const minNodes = integer(this, `${p}.minNodes`, options.minNodes, 0, 1000);
    const maxNodes = integer(this, `${p}.maxNodes`, options.maxNodes, 1, 1000);
    if (minNodes > maxNodes) {
      invalid(
        this,
        `${p}.minNodes`,
        minNodes,
        `is more than maxNodes (${maxNodes})`,
        "choose minNodes ≤ maxNodes",
      );
    }
    const diskSizeGb = integer(this, `${p}.diskSizeGb`, options.diskSizeGb ?? 100, 10, 65536);
    const diskType = oneOf(this, `${p}.diskType`, options.diskType ?? "pd-balanced", DISK_TYPES);
    const spot = boolean(this, `${p}.spot`, options.spot ?? false);
    const labels = checkK8sLabels(this, `${p}.labels`, options.labels ?? {});

    const pool = new ContainerNodePool(this, `pool-${name}`, {
      name,
      project: this.projectId,
      cluster: this.cluster.id,
      location: this.location,
      initialNodeCount: Math.max(minNodes, 1),
      autoscaling: { minNodeCount: minNodes, maxNodeCount: maxNodes, locationPolicy: "BALANCED" },
      management: { autoRepair: true, autoUpgrade: true },
      upgradeSettings: { strategy: "SURGE", maxSurge: 1, maxUnavailable: 0 },
      nodeConfig: {
        machineType: machine.machineType,
        diskSizeGb,
        diskType,
        imageType: "COS_CONTAINERD",
        spot: spot || undefined,
        serviceAccount: this.nodeServiceAccount.email,
        oauthScopes: [CLOUD_PLATFORM_SCOPE],
        shieldedInstanceConfig: { enableSecureBoot: true, enableIntegrityMonitoring: true },
        workloadMetadataConfig: { mode: "GKE_METADATA" },
        metadata: { "disable-legacy-endpoints": "true" },
        labels: Object.keys(labels).length > 0 ? { ...labels } : undefined,
      },
      // Autoscaling owns the node count once the pool exists.
      lifecycle: { ignoreChanges: ["initial_node_count"] },
    });
    if (machine.acceptedUnknown) {
      recordOptOut(pool, "unknown-machine-type", machine.acceptedUnknown);
    }
    this.pools.push(pool);
    this.poolNames.add(name);
    return pool;
  }

  /**
   * Lets the Kubernetes service account `namespace/name` of this cluster act as `serviceAccount`
   * (`roles/iam.workloadIdentityUser` on that account, for the member
   * `serviceAccount:<project>.svc.id.goog[<namespace>/<name>]`). Annotate the Kubernetes service
   * account with `iam.gke.io/gcp-service-account: <email>`. The same pair returns the same binding.
   */
  bindWorkloadIdentity(
    serviceAccount: IServiceAccount,
    namespace: string,
    name: string,
  ): ServiceAccountIamMember {
    const p = "bindWorkloadIdentity";
    const member = workloadMember(
      this,
      { namespace: `${p}(namespace)`, name: `${p}(name)` },
      this.projectId,
      namespace,
      name,
    );
    const serviceAccountId = serviceAccountIdOf(this, `${p}.serviceAccount`, serviceAccount);
    const key = `${member} ${serviceAccount.email}`;
    const known = this.bindings.get(key);
    if (known) return known;
    const binding = new ServiceAccountIamMember(
      this,
      `wi-${namespace}-${name}-${this.bindings.size}`,
      {
        serviceAccountId,
        role: "roles/iam.workloadIdentityUser",
        member,
      },
    );
    this.bindings.set(key, binding);
    return binding;
  }

  /** Called by the stack's LabelsAspect: GKE keeps labels in `resource_labels`, on the cluster and its nodes. */
  applyLabels(labels: Readonly<Record<string, string>>): void {
    const sorted = Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)));
    this.cluster.resourceLabels = { ...sorted, ...(this.cluster.resourceLabelsInput ?? {}) };
    for (const pool of this.pools) pool.addOverride("node_config.resource_labels", { ...sorted });
  }

  private checkSubnetwork(network: INetwork, given: ISubnetwork | undefined): ISubnetwork {
    if (given === undefined) return network.subnet(this.region);
    if (typeof given?.selfLink !== "string" || typeof given.region !== "string") {
      invalid(
        this,
        "subnetwork",
        given,
        "is not a subnetwork",
        `pass network.subnet("${this.region}"), or leave it out`,
      );
    }
    if (given.region !== this.region) {
      invalid(
        this,
        "subnetwork",
        given.region,
        `is a subnet of region ${given.region}, not of the cluster's region ${this.region}`,
        `pass network.subnet("${this.region}"), or leave subnetwork out`,
      );
    }
    return given;
  }

  private checkRanges(subnetwork: ISubnetwork, pods: unknown, services: unknown): void {
    const known = subnetwork.secondaryRanges;
    const names = known?.map((r) => r.name) ?? [];
    for (const [property, value] of [
      ["podsRangeName", pods],
      ["servicesRangeName", services],
    ] as const) {
      if (value === undefined) {
        invalid(
          this,
          property,
          value,
          "is missing",
          `name a secondary range of the ${subnetwork.region} subnet${names.length > 0 ? ` (it has ${names.join(", ")})` : ", e.g. 'pods' and 'services'"}`,
        );
      }
      const name = checkName(this, property, "subnetwork", value);
      if (known !== undefined && !names.includes(name)) {
        invalid(
          this,
          property,
          name,
          `is not a secondary range of the ${subnetwork.region} subnet`,
          names.length > 0
            ? suggestion(name, names, `use one of ${names.join(", ")}`)
            : "add secondaryRanges for pods and services to the subnet, e.g. [{ name: 'pods', cidr: '10.64.0.0/14' }, { name: 'services', cidr: '10.68.0.0/20' }]",
        );
      }
    }
    if (pods === services) {
      invalid(
        this,
        "servicesRangeName",
        services,
        "is also the pods range",
        "give pods and Services their own secondary ranges",
      );
    }
  }

  private checkAuthorizedNetworks(
    networks: readonly GkeAuthorizedNetwork[],
    publicEndpoint: OptOut | undefined,
  ): { name: string; cidr: string }[] {
    const checked = networks.map((n, i) => {
      const p = `authorizedNetworks[${i}]`;
      if (typeof n?.name !== "string" || !NETWORK_LABEL.test(n.name)) {
        invalid(
          this,
          `${p}.name`,
          n?.name,
          "is not a label for the range",
          "use up to 100 letters, digits, spaces, '.', '_' and '-', e.g. 'office-vpn'",
        );
      }
      return { name: n.name, cidr: parseCidr(this, `${p}.cidr`, n.cidr), property: `${p}.cidr` };
    });
    // Judged on the union: 0.0.0.0/1 and 128.0.0.0/1 together admit every address.
    const world = worldRangesOf(checked.map((n) => n.cidr));
    if (world) {
      const parts = checked.filter((n) => world.includes(n.cidr));
      const single = parts.length === 1 ? parts[0] : undefined;
      invalid(
        this,
        single ? single.property : "authorizedNetworks",
        single ? single.cidr.toString() : parts.map((n) => n.cidr.toString()),
        single
          ? "lets the whole internet reach the cluster's control plane"
          : `together cover every IPv4 address (${parts.map((n) => n.property).join(", ")}), so the whole internet can reach the cluster's control plane`,
        "list only the ranges that administer the cluster (office, VPN, CI runners); the control plane is never open to the world",
      );
    }
    if (publicEndpoint && checked.length === 0) {
      invalid(
        this,
        "authorizedNetworks",
        [],
        "is empty, so the public endpoint would admit no one, or, if the list is dropped later, everyone",
        "list the ranges that administer the cluster, e.g. [{ name: 'office', cidr: '203.0.113.0/24' }]",
      );
    }
    return checked.map((n) => ({ name: n.name, cidr: n.cidr.toString() }));
  }
}

// ---------------------------------------------------------------------------------------------
// The Kubernetes provider of a separate stack, and Workload Identity bindings
// ---------------------------------------------------------------------------------------------

/**
 * A Kubernetes provider for a GKE cluster, for the stack that deploys onto it (not the stack that
 * creates it): reads the cluster with `data.google_container_cluster` and the caller's token with
 * `data.google_client_config`, and configures the provider with `https://<endpoint>`, the
 * cluster's CA certificate and that short-lived OAuth access token. No kubeconfig, nothing
 * long-lived written anywhere. Creates a construct `id` holding the data sources and the provider.
 */
export function gkeKubernetesProvider(
  scope: Construct,
  id: string,
  props: GkeKubernetesProviderProps,
): GkeKubernetesAccess {
  const holder = new Construct(scope, id);
  checkProps(holder, PROVIDER_PROPS, props, "{ project, location, clusterName }");
  const project = requireProjectId(holder, "project", props.project);
  const { location } = checkLocation(holder, "location", props.location);
  const name = checkGkeName(holder, "clusterName", props.clusterName, "cluster");
  if (props.alias !== undefined && !/^[a-z][a-z0-9_-]{0,62}$/.test(props.alias)) {
    invalid(
      holder,
      "alias",
      props.alias,
      "is not a provider alias",
      "use lowercase letters, digits, '_' and '-', starting with a letter",
    );
  }
  const cluster = new DataGoogleContainerCluster(holder, "cluster", { project, location, name });
  const clientConfig = new DataGoogleClientConfig(holder, "client-config", {});
  const provider = new KubernetesProvider(holder, "provider", {
    alias: props.alias,
    host: `https://${cluster.endpoint}`,
    clusterCaCertificate: Fn.base64decode(cluster.masterAuth.get(0).clusterCaCertificate),
    token: clientConfig.accessToken,
  });
  return { provider, cluster, clientConfig };
}

/**
 * Binds a Kubernetes service account to a Google service account through Workload Identity:
 * `roles/iam.workloadIdentityUser` on the Google service account for
 * `serviceAccount:<projectId>.svc.id.goog[<namespace>/<kubernetesServiceAccount>]`, additively.
 * For a cluster of another stack; {@link GkeCluster.bindWorkloadIdentity} does the same for a
 * cluster of this one.
 */
export function bindWorkloadIdentity(
  scope: Construct,
  id: string,
  props: WorkloadIdentityBindingProps,
): ServiceAccountIamMember {
  const holder = new Construct(scope, id);
  checkProps(
    holder,
    BINDING_PROPS,
    props,
    "{ projectId, namespace, kubernetesServiceAccount, serviceAccount }",
  );
  const project = requireProjectId(holder, "projectId", props.projectId);
  if (Token.isUnresolved(project)) {
    invalid(
      holder,
      "projectId",
      project,
      "is known only at apply time",
      "pass the cluster's project ID as text, e.g. 'acme-trading-prod'",
    );
  }
  const member = workloadMember(
    holder,
    { namespace: "namespace", name: "kubernetesServiceAccount" },
    project,
    props.namespace,
    props.kubernetesServiceAccount,
  );
  return new ServiceAccountIamMember(holder, "binding", {
    serviceAccountId: serviceAccountIdOf(holder, "serviceAccount", props.serviceAccount),
    role: "roles/iam.workloadIdentityUser",
    member,
  });
}

// ---------------------------------------------------------------------------------------------
// Small value checks
// ---------------------------------------------------------------------------------------------
