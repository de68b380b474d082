import type { IConstruct } from "constructs";
import { Token } from "cdktf";
import { z } from "zod";
import { invalid } from "../core/errors";
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

/**
 * Checks an optional project ID prop (a Terraform-computed one is accepted as it is) and returns
 * it.
 */
export function checkProjectId(
  scope: IConstruct,
  property: string,
  value: unknown,
): string | undefined {
  if (value === undefined || Token.isUnresolved(value)) return value as string | undefined;
  if (!gcpProjectIdSchema.safeParse(value).success) {
    invalid(
      scope,
      property,
      value,
      "is not a GCP project ID",
      "use the project ID (6–30 lowercase letters, digits and hyphens), not its name or number",
    );
  }
  return value as string;
}
