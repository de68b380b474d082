import { Construct } from "constructs";
import { z } from "zod";
import { StorageBucket } from "@cdktf/provider-google/lib/storage-bucket";
import { StorageBucketIamMember } from "@cdktf/provider-google/lib/storage-bucket-iam-member";
import { invalid } from "../core/errors";
import { checkName, prefixedName } from "../core/naming";
import { deletionPolicy, refuseProtectionFlags } from "../core/deletion";
import type { OptOut } from "../core/opt-out";
import {
  checkedBy,
  checkProps,
  optOutSchema,
  refusedProtectionFlags,
  stringOf,
  type PropsSchema,
} from "../core/props";
import { checkMember, type IGrantable } from "./iam";
import { isGcpRegion } from "./regions";
import { PlatformStack } from "../core/stack";

/** Multi-regions and predefined dual-regions accepted as bucket locations besides regions. */
const MULTI_REGIONS = ["US", "EU", "ASIA", "NAM4", "EUR4", "ASIA1", "EUR5", "EUR7", "EUR8"];
const STORAGE_CLASSES = ["STANDARD", "NEARLINE", "COLDLINE", "ARCHIVE"] as const;
type StorageClass = (typeof STORAGE_CLASSES)[number];

export interface BucketLifecycle {
  /** Delete live objects this many days after creation. @default never */
  readonly deleteAfterDays?: number;
  /** Move objects to cheaper classes as they age. @default [] */
  readonly transitions?: readonly {
    readonly afterDays: number;
    readonly storageClass: StorageClass;
  }[];
  /** Keep this many noncurrent versions of an object. @default 5 */
  readonly keepNoncurrentVersions?: number;
  /** Delete noncurrent versions this many days after they became noncurrent. @default 30 */
  readonly deleteNoncurrentAfterDays?: number;
}

export interface BucketProps {
  /** Short name; the bucket is `${prefix}-${name}` (bucket names are global). */
  readonly name: string;
  /** A region (`us-central1`) or multi/dual-region (`US`, `NAM4`). */
  readonly location: string;
  /** @default "STANDARD" */
  readonly storageClass?: StorageClass;
  /** Object versioning, so overwritten or deleted backups can be recovered. @default true */
  readonly versioning?: boolean;
  /** Lifecycle rules. @default noncurrent versions: keep 5, delete after 30 days */
  readonly lifecycle?: BucketLifecycle;
  /**
   * Retention policy: objects cannot be deleted or replaced before this many days. `locked`
   * makes it permanent (irreversible). @default none
   */
  readonly retention?: { readonly days: number; readonly locked?: boolean };
  /** Customer-managed encryption key (`projects/…/locations/…/keyRings/…/cryptoKeys/…`). @default Google-managed */
  readonly kmsKeyName?: string;
  /** Bucket that receives this bucket's access logs. @default none (Cloud Audit Logs still apply) */
  readonly accessLogBucket?: string;
  /**
   * Let `terraform destroy` delete the bucket, with a reason (dev and review environments):
   * drops `lifecycle.prevent_destroy` and records the opt-out `deletion-allowed` on the bucket.
   * `force_destroy` stays false, so a bucket that still holds objects (noncurrent versions
   * included) is not deleted with them: empty it first, e.g.
   * `gcloud storage rm --recursive --all-versions "gs://<name>/**"`. A retention policy still keeps
   * objects until they are old enough.
   * @default undefined (Terraform refuses to destroy the bucket)
   */
  readonly allowDeletion?: OptOut;
}

/**
 * Shapes and types of {@link BucketProps}. `location` is judged by `checkLocation`, which lists
 * the accepted locations also when it is missing; storage classes are checked by `checkClass`.
 */
const BUCKET_PROPS = z.strictObject({
  name: z.string(),
  location: checkedBy<string>("checkLocation"),
  storageClass: stringOf<StorageClass>().optional(),
  versioning: z.boolean().optional(),
  lifecycle: z
    .strictObject({
      deleteAfterDays: z.number().optional(),
      transitions: z
        .array(z.strictObject({ afterDays: z.number(), storageClass: stringOf<StorageClass>() }))
        .optional(),
      keepNoncurrentVersions: z.number().optional(),
      deleteNoncurrentAfterDays: z.number().optional(),
    })
    .optional(),
  retention: z.strictObject({ days: z.number(), locked: z.boolean().optional() }).optional(),
  kmsKeyName: z.string().optional(),
  accessLogBucket: z.string().optional(),
  allowDeletion: optOutSchema.optional(),
  ...refusedProtectionFlags,
}) satisfies PropsSchema<BucketProps>;

const KMS_KEY = /^projects\/[^/]+\/locations\/[^/]+\/keyRings\/[^/]+\/cryptoKeys\/[^/]+$/;

/**
 * A private GCS bucket for backups and artifacts: uniform bucket-level access, public access
 * prevention enforced, versioning, lifecycle, optional retention and CMEK, never force-destroyed
 * and protected from `terraform destroy` (unless {@link BucketProps.allowDeletion}). Grants are
 * additive and never public.
 */
export class Bucket extends Construct {
  /** The bucket (escape hatch). */
  readonly bucket: StorageBucket;
  /** The member resources by `role member`, so a repeated grant is made once. */
  private readonly grants = new Map<string, StorageBucketIamMember>();

  constructor(scope: Construct, id: string, props: BucketProps) {
    super(scope, id);
    const stack = PlatformStack.of(this);
    checkProps(this, BUCKET_PROPS, props, "{ name, location }");
    refuseProtectionFlags(this, props, "Bucket");
    const deletion = deletionPolicy(this, props.allowDeletion);
    if (typeof props.name !== "string" || !/^[a-z0-9]([a-z0-9_-]*[a-z0-9])?$/.test(props.name)) {
      invalid(
        this,
        "name",
        props.name,
        "is not a valid bucket name",
        "use lowercase letters, digits, '-' and '_', starting and ending with a letter or digit",
      );
    }
    const name = stack.claimName(
      this,
      "name",
      "bucket",
      prefixedName(this, "name", "bucket", stack.prefix, props.name),
    );
    const location = this.checkLocation(props.location);
    const storageClass = props.storageClass ?? "STANDARD";
    this.checkClass("storageClass", storageClass);
    const lifecycle = props.lifecycle ?? {};
    const versioning = props.versioning ?? true;
    const rules: {
      action: { type: string; storageClass?: string };
      condition: Record<string, unknown>;
    }[] = [];
    if (lifecycle.deleteAfterDays !== undefined) {
      rules.push({
        action: { type: "Delete" },
        condition: { age: this.days("lifecycle.deleteAfterDays", lifecycle.deleteAfterDays) },
      });
    }
    (lifecycle.transitions ?? []).forEach((t, i) => {
      this.checkClass(`lifecycle.transitions[${i}].storageClass`, t?.storageClass);
      rules.push({
        action: { type: "SetStorageClass", storageClass: t.storageClass },
        condition: { age: this.days(`lifecycle.transitions[${i}].afterDays`, t.afterDays) },
      });
    });
    if (versioning) {
      rules.push({
        action: { type: "Delete" },
        condition: {
          numNewerVersions: this.days(
            "lifecycle.keepNoncurrentVersions",
            lifecycle.keepNoncurrentVersions ?? 5,
          ),
          withState: "ARCHIVED",
        },
      });
      rules.push({
        action: { type: "Delete" },
        condition: {
          daysSinceNoncurrentTime: this.days(
            "lifecycle.deleteNoncurrentAfterDays",
            lifecycle.deleteNoncurrentAfterDays ?? 30,
          ),
        },
      });
    }
    const retention = props.retention;
    if (retention !== undefined) this.days("retention.days", retention?.days);
    if (
      props.kmsKeyName !== undefined &&
      (typeof props.kmsKeyName !== "string" || !KMS_KEY.test(props.kmsKeyName))
    ) {
      invalid(
        this,
        "kmsKeyName",
        props.kmsKeyName,
        "is not a Cloud KMS key name",
        "use projects/<p>/locations/<l>/keyRings/<r>/cryptoKeys/<k>",
      );
    }
    if (props.accessLogBucket !== undefined)
      checkName(this, "accessLogBucket", "bucket", props.accessLogBucket);

    this.bucket = new StorageBucket(this, "bucket", {
      name,
      location,
      storageClass,
      uniformBucketLevelAccess: true,
      publicAccessPrevention: "enforced",
      forceDestroy: false,
      versioning: { enabled: versioning },
      lifecycleRule: rules.length > 0 ? rules : undefined,
      retentionPolicy: retention
        ? { retentionPeriod: retention.days * 86400, isLocked: retention.locked ?? false }
        : undefined,
      encryption: props.kmsKeyName ? { defaultKmsKeyName: props.kmsKeyName } : undefined,
      logging: props.accessLogBucket ? { logBucket: props.accessLogBucket } : undefined,
      lifecycle: deletion.lifecycle(),
    });
    deletion.record(this.bucket);
  }

  /** The bucket's name. */
  get name(): string {
    return this.bucket.name;
  }

  /** `gs://name`. */
  get url(): string {
    return this.bucket.url;
  }

  /** Read objects (roles/storage.objectViewer), additive. */
  grantRead(grantee: IGrantable): StorageBucketIamMember {
    return this.grant("read", "roles/storage.objectViewer", grantee);
  }

  /** Create objects without overwriting or deleting them (roles/storage.objectCreator), additive. */
  grantWrite(grantee: IGrantable): StorageBucketIamMember {
    return this.grant("write", "roles/storage.objectCreator", grantee);
  }

  /**
   * Read, create, overwrite and delete objects (roles/storage.objectUser), additive: for a writer
   * that replaces an object in place, which needs delete. Never the bucket's settings or IAM.
   */
  grantReadWrite(grantee: IGrantable): StorageBucketIamMember {
    return this.grant("read-write", "roles/storage.objectUser", grantee);
  }

  /** Creates the member resource of (role, grantee) once; a repeated grant returns it. */
  private grant(kind: string, role: string, grantee: IGrantable): StorageBucketIamMember {
    const method = { read: "grantRead", write: "grantWrite" }[kind] ?? "grantReadWrite";
    const member = checkMember(this, `${method}(grantee)`, grantee?.member);
    const key = `${role} ${member}`;
    const existing = this.grants.get(key);
    if (existing) return existing;
    const id = `${kind}-${this.node.children.filter((c) => c instanceof StorageBucketIamMember).length}`;
    const created = new StorageBucketIamMember(this, id, {
      bucket: this.bucket.name,
      role,
      member,
    });
    this.grants.set(key, created);
    return created;
  }

  private checkLocation(location: unknown): string {
    if (
      typeof location === "string" &&
      (isGcpRegion(location) || MULTI_REGIONS.includes(location))
    ) {
      return location;
    }
    return invalid(
      this,
      "location",
      location,
      "is not a bucket location",
      `use a region such as us-central1 or one of ${MULTI_REGIONS.join(", ")}`,
    );
  }

  private checkClass(property: string, value: unknown): void {
    if (!(STORAGE_CLASSES as readonly unknown[]).includes(value)) {
      invalid(
        this,
        property,
        value,
        "is not a storage class",
        `use one of ${STORAGE_CLASSES.join(", ")}`,
      );
    }
  }

  private days(property: string, value: unknown): number {
    if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > 36500) {
      invalid(
        this,
        property,
        value,
        "is not a whole number of days from 1 to 36500",
        "give a whole number of days",
      );
    }
    return value as number;
  }
}
