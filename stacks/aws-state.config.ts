import { z } from "zod";
import { AWS_REGIONS } from "../constructs/aws/common";
import type { S3BackendConfig } from "../constructs/core/stack";

/** Settings every AWS system shares: its regions and where its Terraform state lives. */

/** An AWS region of the library's catalogue. */
export const awsRegionSchema = z
  .string()
  .refine((r) => Object.hasOwn(AWS_REGIONS, r), "use an AWS region such as ap-northeast-2");

/** An S3 bucket name: 3-63 lowercase letters, digits, `-` and `.`. */
export const s3BucketNameSchema = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
    "use an S3 bucket name: 3-63 lowercase letters, digits, '-' and '.'",
  );

/** Terraform state in S3: an existing, versioned bucket; the key is `<system>/<environment>/terraform.tfstate`. */
export const s3StateSchema = z
  .object({
    /** The state bucket (it must exist, with versioning on and public access blocked). */
    bucket: s3BucketNameSchema,
    /** The state bucket's region. */
    region: awsRegionSchema,
    /** A KMS key ARN the state is encrypted with. Omit for the bucket's default encryption. */
    kmsKeyId: z
      .string()
      .regex(/^arn:aws[a-z-]*:kms:/, "use a KMS key ARN, arn:aws:kms:<region>:<account>:key/<id>")
      .optional(),
    /** A DynamoDB lock table, for Terraform before 1.10. Omit for S3's own lock file. */
    dynamodbTable: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{3,255}$/, "use a DynamoDB table name")
      .optional(),
  })
  .strict();

export type S3State = z.output<typeof s3StateSchema>;

/**
 * The S3 backend of a stack from the `state` settings, under `key` (`<system>/<environment>/
 * terraform.tfstate`, `.../k8s/terraform.tfstate` for a Kubernetes part).
 */
export function s3Backend(state: S3State, key: string): S3BackendConfig {
  return {
    kind: "s3",
    bucket: state.bucket,
    key,
    region: state.region,
    ...(state.kmsKeyId ? { kmsKeyId: state.kmsKeyId } : {}),
    ...(state.dynamodbTable ? { dynamodbTable: state.dynamodbTable } : {}),
  };
}
