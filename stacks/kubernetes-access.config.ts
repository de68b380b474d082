import { z } from "zod";
import { AWS_REGIONS } from "../constructs/aws/common";
import { GCP_REGIONS } from "../constructs/gcp/regions";
import { gcpProjectIdSchema } from "../constructs/gcp/schemas";

/**
 * Which cluster a Kubernetes stack deploys to. The cluster is made by another stack, applied
 * first; a Kubernetes stack only reads it, by name, through data sources, and authenticates with a
 * token fetched on each run. No kubeconfig path and no long-lived token ever reach the settings,
 * the JSON or the state.
 */

/** A GKE location: a catalogued region (a regional cluster) or one of its zones. */
const gkeLocationSchema = z
  .string()
  .refine(
    (l) =>
      Object.hasOwn(GCP_REGIONS, l) ||
      Object.entries(GCP_REGIONS).some(([region, zones]) =>
        zones.some((zone) => l === `${region}-${zone}`),
      ),
    "use a Google Cloud region such as us-central1 (a regional cluster) or a zone such as us-central1-a",
  )
  .describe("The cluster's region (regional cluster) or zone (zonal cluster), e.g. us-central1.");

/** A GKE cluster by project, location and name. */
export const gkeClusterSchema = z
  .object({
    kind: z.literal("gke").describe("A Google Kubernetes Engine cluster."),
    project: gcpProjectIdSchema.describe("The GCP project ID of the cluster."),
    location: gkeLocationSchema,
    name: z
      .string()
      .regex(
        /^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$/,
        "use a GKE cluster name: 1-40 lowercase letters, digits and '-', starting with a letter",
      )
      .describe("The cluster's full name, as the stack that created it named it."),
  })
  .strict()
  .describe("A GKE cluster, read with data.google_container_cluster and the caller's token.");

/** An EKS cluster by region and name. */
export const eksClusterSchema = z
  .object({
    kind: z.literal("eks").describe("An Amazon Elastic Kubernetes Service cluster."),
    region: z
      .string()
      .refine((r) => Object.hasOwn(AWS_REGIONS, r), "use an AWS region such as us-east-1")
      .describe("The AWS region of the cluster, e.g. us-east-1."),
    name: z
      .string()
      .regex(
        /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/,
        "use an EKS cluster name: 1-100 letters, digits, '-' and '_', starting with a letter or digit",
      )
      .describe("The cluster's full name, as the stack that created it named it."),
  })
  .strict()
  .describe("An EKS cluster, read with data.aws_eks_cluster; tokens from aws eks get-token.");

/**
 * The cluster a Kubernetes stack deploys to: `{ kind: "gke", project, location, name }` or
 * `{ kind: "eks", region, name }`.
 */
export const clusterReferenceSchema = z
  .discriminatedUnion("kind", [gkeClusterSchema, eksClusterSchema])
  .describe(
    'The cluster the stack deploys to, made and applied by another stack: { kind: "gke", project, location, name } or { kind: "eks", region, name }.',
  );

export type ClusterReference = z.output<typeof clusterReferenceSchema>;
