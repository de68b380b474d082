// GCP rules: GKE.
import type { Json, Rule } from "../../types";
import {
  blocks,
  COMPLIANT,
  flag,
  get,
  includesWorld,
  isToken,
  NOT_APPLICABLE,
  problemsVerdict,
  requireFlag,
  show,
  unverifiable,
  violation,
  worldRanges,
} from "../../values";

const GKE_CLUSTER = ["google_container_cluster"];
const GKE_NODES = ["google_container_cluster", "google_container_node_pool"];

/**
 * What exposes a cluster's control plane: a public endpoint without authorized networks, ranges
 * whose union is the whole internet, or every Google Cloud public address.
 */
function controlPlaneExposure(c: Json): string[] {
  const privateEndpoint = flag(get(c, "private_cluster_config.enable_private_endpoint"));
  const man = blocks(c.master_authorized_networks_config);
  if (man.length === 0) {
    return privateEndpoint === true
      ? []
      : ["master_authorized_networks_config is not set: the public endpoint admits every address"];
  }
  const problems: string[] = [];
  const cidrs = blocks(man[0].cidr_blocks).map((b) => b.cidr_block);
  const world = includesWorld(cidrs);
  if (world === true) {
    problems.push(`master_authorized_networks_config admits ${worldRanges(cidrs)}`);
  } else if (world === "unknown") {
    problems.push(unverifiable("master_authorized_networks_config.cidr_blocks", cidrs));
  }
  const gcp = flag(man[0].gcp_public_cidrs_access_enabled);
  if (gcp === true) {
    problems.push(
      "gcp_public_cidrs_access_enabled is true: every Google Cloud public address, anyone's VM, reaches the control plane",
    );
  } else if (gcp === "unknown") {
    problems.push(
      unverifiable("gcp_public_cidrs_access_enabled", man[0].gcp_public_cidrs_access_enabled),
    );
  }
  return problems;
}

export const gkeRules: Rule[] = [
  {
    id: "GCP-GKE-001",
    checkov: "CKV_GCP_25",
    checkovNote:
      "Stricter: checkov's CKV_GCP_25 passes any private_cluster_config block; enable_private_nodes must be true here.",
    severity: "error",
    title: "GKE cluster has private nodes",
    types: GKE_CLUSTER,
    fix: "Set private_cluster_config { enable_private_nodes = true } so nodes have internal addresses only (the GkeCluster construct does).",
    check: (r) => requireFlag(r.config, "private_cluster_config.enable_private_nodes", true, false),
  },
  {
    id: "GCP-GKE-002",
    checkov: "CKV_GCP_20",
    checkovNote:
      "Stricter: checkov's CKV_GCP_20 passes any master_authorized_networks_config; here its ranges may not cover the whole internet (judged on their union) nor admit every Google Cloud public address, and a private endpoint without it passes.",
    severity: "error",
    title: "GKE control plane is not reachable from the whole internet",
    types: GKE_CLUSTER,
    fix: "Keep the private endpoint (private_cluster_config.enable_private_endpoint = true), or list only administrative ranges in master_authorized_networks_config with gcp_public_cidrs_access_enabled = false.",
    check: (r) => problemsVerdict(controlPlaneExposure(r.config)),
  },
  {
    id: "GCP-GKE-003",
    checkov: "CKV_GCP_7",
    severity: "error",
    title: "GKE cluster has legacy ABAC off",
    types: GKE_CLUSTER,
    fix: "Set enable_legacy_abac = false (the default) and authorize with Kubernetes RBAC and IAM.",
    check: (r) => requireFlag(r.config, "enable_legacy_abac", false, false),
  },
  {
    id: "GCP-GKE-004",
    checkov: "CKV_GCP_69",
    checkovNote:
      "Autopilot clusters (always on the GKE metadata server) and clusters whose default pool is removed without a node_config are not applicable.",
    severity: "warning",
    title: "GKE nodes run the GKE metadata server",
    types: GKE_NODES,
    fix: 'Set node_config { workload_metadata_config { mode = "GKE_METADATA" } } so pods get Workload Identity tokens, never the node\'s credentials.',
    check: (r) => {
      if (r.type === "google_container_cluster") {
        if (flag(r.config.enable_autopilot) === true) return NOT_APPLICABLE;
        if (
          blocks(r.config.node_config).length === 0 &&
          flag(r.config.remove_default_node_pool) === true
        )
          return NOT_APPLICABLE;
      }
      const mode = get(r.config, "node_config.workload_metadata_config.mode");
      if (mode === "GKE_METADATA") return COMPLIANT;
      if (isToken(mode))
        return violation(unverifiable("node_config.workload_metadata_config.mode", mode));
      return violation(
        `node_config.workload_metadata_config.mode is ${show(mode)}: pods can reach the node's metadata and credentials`,
      );
    },
  },
];
