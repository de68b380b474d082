import type { Construct } from "constructs";
import { GoogleProvider } from "@cdktf/provider-google/lib/provider";
import type { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
// The settings schema is in kubernetes-access.config.ts, free of provider modules, so that a
// settings schema can use it without loading them at start-up (help/performance.md).
export * from "./kubernetes-access.config";
import { parseConfig } from "../constructs/core/config";
import { eksKubernetesProvider, type EksKubernetesAccess } from "../constructs/aws/eks";
import { gkeKubernetesProvider } from "../constructs/gcp/gke";
import { clusterReferenceSchema, type ClusterReference } from "./kubernetes-access.config";

/** What {@link configureKubernetesAccess} configured: the provider, and the EKS cluster it read. */
export interface KubernetesAccess {
  readonly provider: KubernetesProvider;
  /** For an EKS cluster: what IRSA roles are made from (`eksServiceAccountRole`). */
  readonly eks?: EksKubernetesAccess;
}

/**
 * Configures the stack's Kubernetes provider for the cluster a reference names, through data
 * sources only: for GKE, `gkeKubernetesProvider` (the cluster and the caller's OAuth token, read
 * through a Google provider aliased `gke` for the cluster's project); for EKS,
 * `eksKubernetesProvider` (the cluster read through an AWS provider aliased `eks` for its region,
 * exec authentication with `aws eks get-token`). Both providers are aliased, so they never clash
 * with a provider the stack configures for its own resources. The reference's fields are checked
 * again by the constructs (catalogued regions and zones, name rules).
 * @returns the (default, unaliased) Kubernetes provider every Kubernetes resource of the stack uses,
 *   and for an EKS cluster what IRSA roles are made from (`eksServiceAccountRole`)
 */
export function configureKubernetesAccess(
  scope: Construct,
  reference: ClusterReference,
  id = "cluster",
): KubernetesAccess {
  // Settings were parsed already; this keeps a JavaScript caller to the same rules.
  const cluster = parseConfig(clusterReferenceSchema, reference, scope, "prop");
  if (cluster.kind === "gke") {
    const access = gkeKubernetesProvider(scope, id, {
      project: cluster.project,
      location: cluster.location,
      clusterName: cluster.name,
    });
    const google = new GoogleProvider(access.provider.node.scope!, "google", {
      project: cluster.project,
      alias: "gke",
    });
    access.cluster.provider = google;
    access.clientConfig.provider = google;
    return { provider: access.provider };
  }
  const eks = eksKubernetesProvider(scope, id, {
    region: cluster.region,
    clusterName: cluster.name,
  });
  return { provider: eks.provider, eks };
}
