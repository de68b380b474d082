import { z } from "zod";
import { isGcpRegion } from "./regions";

/** zod schemas for GCP settings in environment configuration. */
export const gcpProjectIdSchema = z
  .string()
  .regex(
    /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/,
    "use a GCP project ID: 6–30 lowercase letters, digits and hyphens, starting with a letter",
  );

export const gcpRegionSchema = z
  .string()
  .refine(isGcpRegion, { message: "use a Google Cloud region such as us-central1 or us-east1" });

export const gcsBucketSchema = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9_-]{1,61}[a-z0-9]$/,
    "use a bucket name of 3–63 lowercase letters, digits, '-' and '_'",
  );
