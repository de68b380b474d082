import { Construct } from "constructs";
import { Token } from "cdktf";
import { z } from "zod";
import { S3Bucket as S3BucketResource } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import {
  S3BucketLifecycleConfiguration,
  type S3BucketLifecycleConfigurationRule,
} from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketLoggingA } from "@cdktf/provider-aws/lib/s3-bucket-logging";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import {
  DataAwsIamPolicyDocument,
  type DataAwsIamPolicyDocumentStatement,
} from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { OPT_OUT_IDS } from "../../vocabulary";
import { invalid } from "../core/errors";
import { checkName } from "../core/naming";
import { deletionPolicy, refuseProtectionFlags } from "../core/deletion";
import { acceptOptOut, recordOptOut, type OptOut } from "../core/opt-out";
import {
  checkedBy,
  checkProps,
  constructRef,
  optOutSchema,
  refusedProtectionFlags,
  stringOf,
  type PropsSchema,
} from "../core/props";
import { PlatformStack } from "../core/stack";
import { suppress } from "../core/suppress";
import { checkArn } from "./common";
import type { IGrantablePrincipal, IKmsKey } from "./interfaces";

/**
 * Storage classes a lifecycle rule can move objects to, in the order S3 allows transitions
 * (each transition of a rule goes to a class later in this list).
 */
export const S3_TRANSITION_CLASSES = [
  "STANDARD_IA",
  "INTELLIGENT_TIERING",
  "ONEZONE_IA",
  "GLACIER_IR",
  "GLACIER",
  "DEEP_ARCHIVE",
] as const;
export type S3TransitionClass = (typeof S3_TRANSITION_CLASSES)[number];

/** Classes S3 accepts only for objects at least 30 days old. */
const THIRTY_DAY_CLASSES: readonly string[] = ["STANDARD_IA", "ONEZONE_IA"];

/** One lifecycle rule: what happens to objects (under a prefix) as they age. */
export interface S3LifecycleRule {
  /** The rule's id, unique in the bucket, 1-255 characters. */
  readonly id: string;
  /** Only objects whose key starts with this. @default every object */
  readonly prefix?: string;
  /**
   * Move current objects to cheaper classes, `days` after creation: days strictly increasing,
   * each class colder than the one before (see {@link S3_TRANSITION_CLASSES}), `STANDARD_IA` and
   * `ONEZONE_IA` at 30 days or more, all before `expirationDays`.
   * @default []
   */
  readonly transitions?: readonly {
    readonly days: number;
    readonly storageClass: S3TransitionClass;
  }[];
  /** Expire current objects this many days after creation (versioning keeps them as noncurrent). @default never */
  readonly expirationDays?: number;
  /** Delete noncurrent versions this many days after they became noncurrent. @default never */
  readonly noncurrentVersionExpirationDays?: number;
  /** Abort multipart uploads left unfinished this many days after they started. @default 7 */
  readonly abortIncompleteMultipartUploadDays?: number;
}

/** Where a bucket's server access logs go. */
export interface S3AccessLogs {
  /** The bucket that receives the logs: an `S3Bucket` created with `receivesAccessLogs: true`. */
  readonly bucket: S3Bucket;
  /** Key prefix of the log objects. @default `${bucketName}/` */
  readonly prefix?: string;
}

export interface S3BucketProps {
  /**
   * The bucket's name, used as given (bucket names are global: 3-63 lowercase letters, digits,
   * `-` and `.`).
   * @default `${prefix}-${id}`
   */
  readonly name?: string;
  /**
   * A customer-managed KMS key for default encryption (SSE-KMS, with an S3 bucket key so KMS is
   * called per bucket rather than per object). Grants then include the key.
   * @default SSE-S3 (`AES256`, keys managed by S3)
   */
  readonly kmsKey?: IKmsKey;
  /**
   * Lifecycle rules. Versioning is always on, so give noncurrent versions an expiry where old
   * versions are not needed forever.
   * @default one rule, `default`: abort incomplete multipart uploads after 7 days, delete
   * noncurrent versions after 90 days
   */
  readonly lifecycleRules?: readonly S3LifecycleRule[];
  /**
   * Send this bucket's server access logs to another bucket. A bucket either logs
   * (`accessLogs`), is itself the log bucket (`receivesAccessLogs`), or opts out
   * (`withoutAccessLogs`).
   * @default undefined (then `receivesAccessLogs` or `withoutAccessLogs` is required)
   */
  readonly accessLogs?: S3AccessLogs;
  /**
   * This bucket receives the server access logs of other buckets (their `accessLogs.bucket`): it
   * does not log itself (that would log every delivery), accepts deliveries from the buckets that
   * name it, and must use SSE-S3 (S3 does not deliver access logs to SSE-KMS buckets).
   * @default false
   */
  readonly receivesAccessLogs?: boolean;
  /**
   * No server access logs for this bucket, with a reason: recorded as the opt-out
   * `access-logs-off`, which the review's AWS-S3-003 accepts as the reason.
   * @default undefined (access logs are required)
   */
  readonly withoutAccessLogs?: OptOut;
  /**
   * Let `terraform destroy` delete the bucket, with a reason (dev and review environments):
   * drops `lifecycle.prevent_destroy` and records `deletion-allowed`. `force_destroy` stays
   * false: a bucket that still holds objects (noncurrent versions included) is not deleted.
   * @default undefined (Terraform refuses to destroy the bucket)
   */
  readonly allowDeletion?: OptOut;
}

const RULE_SCHEMA = z.strictObject({
  id: z.string(),
  prefix: z.string().optional(),
  transitions: z
    .array(z.strictObject({ days: z.number(), storageClass: stringOf<S3TransitionClass>() }))
    .optional(),
  expirationDays: z.number().optional(),
  noncurrentVersionExpirationDays: z.number().optional(),
  abortIncompleteMultipartUploadDays: z.number().optional(),
});

const S3_BUCKET_PROPS = z.strictObject({
  name: z.string().optional(),
  kmsKey: constructRef<IKmsKey>("a KMS key (an object with keyArn)", ["keyArn"]).optional(),
  lifecycleRules: z.array(RULE_SCHEMA).optional(),
  accessLogs: z
    .strictObject({
      bucket: checkedBy<S3Bucket>("checkLogTarget"),
      prefix: z.string().optional(),
    })
    .optional(),
  receivesAccessLogs: z.boolean().optional(),
  withoutAccessLogs: optOutSchema.optional(),
  allowDeletion: optOutSchema.optional(),
  ...refusedProtectionFlags,
}) satisfies PropsSchema<S3BucketProps>;

/** Object key prefixes as this library writes them: S3's safe characters, no leading `/`. */
const KEY_PREFIX = /^[A-Za-z0-9!_.*'()/-]{1,512}$/;

/** The longest lifetime accepted in a lifecycle rule: 100 years. */
const MAX_DAYS = 36500;

/** A statement of the bucket policy (a resource policy: it names its principals). */
interface BucketStatement extends DataAwsIamPolicyDocumentStatement {
  readonly sid: string;
}

/** Checks an S3 bucket name (the general-purpose bucket rules) and returns it. */
export function checkBucketName(scope: Construct, property: string, name: unknown): string {
  return checkName(scope, property, "s3-bucket", name);
}

/** An id for IAM statement ids: letters and digits only, PascalCase. */
export function sidOf(text: string): string {
  return text
    .split(/[^A-Za-z0-9]+/)
    .filter((p) => p !== "")
    .map((p) => p[0].toUpperCase() + p.slice(1))
    .join("");
}

/**
 * A private S3 bucket: all four public-access-block flags on, ACLs disabled (BucketOwnerEnforced),
 * default encryption (SSE-S3, or SSE-KMS with a bucket key), versioning, lifecycle rules, a bucket
 * policy that denies any request without TLS (or below TLS 1.2), server access logs (or a
 * reasoned opt-out), `force_destroy = false` and `lifecycle.prevent_destroy` unless
 * {@link S3BucketProps.allowDeletion}. Grants are object-level statements on this bucket only.
 */
export class S3Bucket extends Construct {
  /** The bucket (escape hatch). */
  readonly bucket: S3BucketResource;
  readonly publicAccessBlock: S3BucketPublicAccessBlock;
  readonly ownershipControls: S3BucketOwnershipControls;
  readonly encryption: S3BucketServerSideEncryptionConfigurationA;
  readonly versioning: S3BucketVersioningA;
  readonly lifecycleConfiguration: S3BucketLifecycleConfiguration;
  /** The access-log configuration, when {@link S3BucketProps.accessLogs} is given. */
  readonly logging?: S3BucketLoggingA;
  /** The bucket policy and its document (escape hatch); statements only grow. */
  readonly policy: S3BucketPolicy;
  readonly policyDocument: DataAwsIamPolicyDocument;
  /** Whether other buckets may send their access logs here. */
  readonly receivesAccessLogs: boolean;
  /** The KMS key of the default encryption, when one was given. */
  readonly kmsKeyArn?: string;
  private readonly name: string;
  private readonly arn: string;
  private readonly sid: string;
  private readonly statements: BucketStatement[] = [];
  private account?: DataAwsCallerIdentity;

  constructor(scope: Construct, id: string, props: S3BucketProps = {}) {
    super(scope, id);
    const stack = PlatformStack.of(this);
    checkProps(this, S3_BUCKET_PROPS, props, "{ withoutAccessLogs: { reason } } or {}");
    refuseProtectionFlags(this, props, "S3Bucket");
    const deletion = deletionPolicy(this, props.allowDeletion);
    const name = stack.claimName(
      this,
      "name",
      "s3-bucket",
      checkBucketName(this, "name", props.name ?? `${stack.prefix}-${id}`),
    );
    this.name = name;
    this.sid = sidOf(name);
    this.kmsKeyArn =
      props.kmsKey === undefined ? undefined : checkArn(this, "kmsKey", props.kmsKey.keyArn, "kms");
    this.receivesAccessLogs = props.receivesAccessLogs ?? false;
    const logs = this.checkAccessLogChoice(props);
    const rules = this.checkLifecycleRules(props.lifecycleRules);

    this.bucket = new S3BucketResource(this, "bucket", {
      bucket: name,
      forceDestroy: false,
      lifecycle: deletion.lifecycle(),
    });
    deletion.record(this.bucket);
    this.arn = this.bucket.arn;
    const ref = this.bucket.id;

    this.publicAccessBlock = new S3BucketPublicAccessBlock(this, "public-access-block", {
      bucket: ref,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    this.ownershipControls = new S3BucketOwnershipControls(this, "ownership", {
      bucket: ref,
      rule: { objectOwnership: "BucketOwnerEnforced" },
    });
    this.encryption = new S3BucketServerSideEncryptionConfigurationA(this, "encryption", {
      bucket: ref,
      rule: [
        this.kmsKeyArn === undefined
          ? { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }
          : {
              applyServerSideEncryptionByDefault: {
                sseAlgorithm: "aws:kms",
                kmsMasterKeyId: this.kmsKeyArn,
              },
              bucketKeyEnabled: true,
            },
      ],
    });
    this.versioning = new S3BucketVersioningA(this, "versioning", {
      bucket: ref,
      versioningConfiguration: { status: "Enabled" },
    });
    this.lifecycleConfiguration = new S3BucketLifecycleConfiguration(this, "lifecycle", {
      bucket: ref,
      rule: rules,
      dependsOn: [this.versioning],
    });

    this.policyDocument = new DataAwsIamPolicyDocument(this, "policy-document", {});
    this.addStatement({
      sid: "DenyInsecureTransport",
      effect: "Deny",
      principals: [{ type: "*", identifiers: ["*"] }],
      actions: ["s3:*"],
      resources: [this.arn, `${this.arn}/*`],
      condition: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
    });
    this.addStatement({
      sid: "DenyOutdatedTls",
      effect: "Deny",
      principals: [{ type: "*", identifiers: ["*"] }],
      actions: ["s3:*"],
      resources: [this.arn, `${this.arn}/*`],
      condition: [{ test: "NumericLessThan", variable: "s3:TlsVersion", values: ["1.2"] }],
    });
    this.policy = new S3BucketPolicy(this, "policy", {
      bucket: ref,
      policy: this.policyDocument.json,
      dependsOn: [this.publicAccessBlock],
    });

    if (logs.kind === "to") {
      this.logging = new S3BucketLoggingA(this, "logging", {
        bucket: ref,
        targetBucket: logs.target.bucket.id,
        targetPrefix: logs.prefix,
      });
      logs.target.acceptAccessLogsFrom(this, logs.prefix);
    } else if (logs.kind === "receiver") {
      suppress(
        this.bucket,
        "AWS-S3-003",
        "receives the server access logs of other buckets; logging it into itself would log every delivery",
      );
    } else {
      // AWS-S3-003 reads this opt-out as the reviewed decision: no second suppress() needed.
      recordOptOut(this.bucket, OPT_OUT_IDS.accessLogsOff, logs.optOut);
    }
  }

  /** The bucket's name. */
  get bucketName(): string {
    return this.name;
  }

  /** `arn:aws:s3:::<name>`. */
  get bucketArn(): string {
    return this.arn;
  }

  /** `<name>.s3.<region>.amazonaws.com`, the origin domain for CloudFront. */
  get regionalDomainName(): string {
    return this.bucket.bucketRegionalDomainName;
  }

  /**
   * Lets a principal read objects of this bucket: `s3:GetObject` and `s3:GetObjectVersion` on its
   * objects, `s3:ListBucket` on this bucket (so a missing key is a 404, not a 403), and
   * `kms:Decrypt` on the bucket's key when it has one.
   */
  grantRead(principal: IGrantablePrincipal): void {
    const p = this.checkPrincipal("grantRead(principal)", principal);
    p.addToPolicy({
      sid: `S3Read${this.sid}`,
      effect: "Allow",
      actions: ["s3:GetObject", "s3:GetObjectVersion"],
      resources: [`${this.arn}/*`],
    });
    p.addToPolicy({
      sid: `S3List${this.sid}`,
      effect: "Allow",
      actions: ["s3:ListBucket"],
      resources: [this.arn],
    });
    if (this.kmsKeyArn !== undefined) {
      p.addToPolicy({
        sid: `S3ReadKey${this.sid}`,
        effect: "Allow",
        actions: ["kms:Decrypt"],
        resources: [this.kmsKeyArn],
      });
    }
  }

  /**
   * Lets a principal write objects to this bucket: `s3:PutObject` and `s3:AbortMultipartUpload`
   * on its objects (no delete: an overwrite keeps the old version), and `kms:GenerateDataKey` /
   * `kms:Decrypt` on the bucket's key when it has one (multipart uploads need both).
   */
  grantWrite(principal: IGrantablePrincipal): void {
    const p = this.checkPrincipal("grantWrite(principal)", principal);
    p.addToPolicy({
      sid: `S3Write${this.sid}`,
      effect: "Allow",
      actions: ["s3:PutObject", "s3:AbortMultipartUpload"],
      resources: [`${this.arn}/*`],
    });
    if (this.kmsKeyArn !== undefined) {
      p.addToPolicy({
        sid: `S3WriteKey${this.sid}`,
        effect: "Allow",
        actions: ["kms:GenerateDataKey", "kms:Decrypt"],
        resources: [this.kmsKeyArn],
      });
    }
  }

  /**
   * Lets one CloudFront distribution read this bucket's objects through Origin Access Control:
   * `s3:GetObject` for the `cloudfront.amazonaws.com` service principal, only when
   * `AWS:SourceArn` is that distribution. Added to the bucket policy.
   */
  grantCloudFrontRead(distributionArn: string): void {
    checkArn(this, "grantCloudFrontRead(distributionArn)", distributionArn, "cloudfront");
    const n = this.statements.filter((s) => s.sid.startsWith("AllowCloudFrontRead")).length;
    this.addStatement({
      sid: `AllowCloudFrontRead${n === 0 ? "" : n}`,
      effect: "Allow",
      principals: [{ type: "Service", identifiers: ["cloudfront.amazonaws.com"] }],
      actions: ["s3:GetObject"],
      resources: [`${this.arn}/*`],
      condition: [{ test: "StringEquals", variable: "AWS:SourceArn", values: [distributionArn] }],
    });
  }

  /**
   * Accepts log objects under `prefix` from a log-delivery service, on a bucket created with
   * `receivesAccessLogs: true`: `s3:PutObject` for the service principal, only from this account
   * and from the sources matching `sourceArn` (ArnLike). Used by `S3Bucket` (server access logs)
   * and `StaticSite` (CloudFront standard logs).
   */
  acceptLogDelivery(
    property: string,
    delivery: { service: string; sourceArn: string; prefix: string; sid: string },
  ): void {
    if (!this.receivesAccessLogs) {
      invalid(
        this,
        property,
        this.node.path,
        "is not a log bucket",
        "create the target with receivesAccessLogs: true (it then takes log deliveries, uses SSE-S3 and does not log itself)",
      );
    }
    this.account ??= new DataAwsCallerIdentity(this, "account", {});
    this.addStatement({
      sid: delivery.sid,
      effect: "Allow",
      principals: [{ type: "Service", identifiers: [delivery.service] }],
      actions: ["s3:PutObject"],
      resources: [`${this.arn}/${delivery.prefix}*`],
      condition: [
        { test: "StringEquals", variable: "aws:SourceAccount", values: [this.account.accountId] },
        { test: "ArnLike", variable: "aws:SourceArn", values: [delivery.sourceArn] },
      ],
    });
  }

  /** Called by a bucket whose `accessLogs.bucket` is this one. */
  private acceptAccessLogsFrom(source: S3Bucket, prefix: string): void {
    this.acceptLogDelivery("accessLogs.bucket", {
      service: "logging.s3.amazonaws.com",
      sourceArn: source.bucketArn,
      prefix,
      sid: `AllowAccessLogs${source.sid}`,
    });
  }

  private addStatement(statement: BucketStatement): void {
    if (this.statements.some((s) => s.sid === statement.sid)) {
      invalid(
        this,
        "policy statement",
        statement.sid,
        "is already in the bucket policy",
        "grant each service or source once",
      );
    }
    this.statements.push(statement);
    this.policyDocument.putStatement([...this.statements]);
  }

  private checkPrincipal(property: string, principal: unknown): IGrantablePrincipal {
    const p = principal as Partial<IGrantablePrincipal> | null | undefined;
    if (typeof p !== "object" || p === null || typeof p.addToPolicy !== "function") {
      invalid(
        this,
        property,
        principal,
        "is not a principal that can be granted permissions",
        "pass an IAM role construct (an IGrantablePrincipal with roleArn and addToPolicy), e.g. an IamRole",
      );
    }
    return p as IGrantablePrincipal;
  }

  private checkAccessLogChoice(
    props: S3BucketProps,
  ):
    | { kind: "to"; target: S3Bucket; prefix: string }
    | { kind: "receiver" }
    | { kind: "off"; optOut: OptOut } {
    const given = (["accessLogs", "receivesAccessLogs", "withoutAccessLogs"] as const).filter(
      (k) => props[k] !== undefined && props[k] !== false,
    );
    if (given.length > 1) {
      invalid(
        this,
        given[1],
        props[given[1]],
        `cannot be combined with ${given[0]}`,
        "choose one: accessLogs (log to a bucket), receivesAccessLogs (this is the log bucket) or withoutAccessLogs (a reason)",
      );
    }
    if (props.receivesAccessLogs === true) {
      if (this.kmsKeyArn !== undefined) {
        invalid(
          this,
          "kmsKey",
          props.kmsKey?.keyArn,
          "cannot encrypt a bucket that receives access logs: S3 delivers server access logs only to SSE-S3 buckets",
          "remove kmsKey from the log bucket (it is encrypted with SSE-S3)",
        );
      }
      return { kind: "receiver" };
    }
    if (acceptOptOut(this, "withoutAccessLogs", props.withoutAccessLogs)) {
      return { kind: "off", optOut: props.withoutAccessLogs };
    }
    const logs = props.accessLogs;
    if (logs === undefined) {
      invalid(
        this,
        "accessLogs",
        undefined,
        "is missing: every bucket logs its access, is the log bucket, or says why not",
        "pass accessLogs: { bucket: logBucket }, receivesAccessLogs: true (for the log bucket itself) or withoutAccessLogs: { reason }",
      );
    }
    const target = logs.bucket as unknown;
    if (!(target instanceof S3Bucket)) {
      invalid(
        this,
        "accessLogs.bucket",
        target,
        "is not an S3Bucket",
        "pass the S3Bucket construct that receives the logs (created with receivesAccessLogs: true)",
      );
    }
    if (!target.receivesAccessLogs) {
      invalid(
        this,
        "accessLogs.bucket",
        target.node.path,
        "is not a log bucket",
        "create the target with receivesAccessLogs: true (it then takes log deliveries, uses SSE-S3 and does not log itself)",
      );
    }
    const prefix = logs.prefix ?? `${this.name}/`;
    if (!KEY_PREFIX.test(prefix) || prefix.startsWith("/")) {
      invalid(
        this,
        "accessLogs.prefix",
        prefix,
        "is not a key prefix",
        'use letters, digits and !_.*\'()/- (not starting with /), e.g. "s3/reports/"',
      );
    }
    return { kind: "to", target, prefix };
  }

  private checkLifecycleRules(
    given: readonly S3LifecycleRule[] | undefined,
  ): S3BucketLifecycleConfigurationRule[] {
    const list: readonly S3LifecycleRule[] = given ?? [
      { id: "default", noncurrentVersionExpirationDays: 90 },
    ];
    if (list.length === 0) {
      invalid(
        this,
        "lifecycleRules",
        [],
        "is empty: incomplete multipart uploads and old versions would be kept (and billed) forever",
        "leave lifecycleRules out for the default rule, or give at least one rule",
      );
    }
    if (list.length > 1000) {
      invalid(this, "lifecycleRules", list.length, "has more than 1000 rules", "merge rules");
    }
    const ids = new Set<string>();
    return list.map((rule, i) => {
      const at = `lifecycleRules[${i}]`;
      if (typeof rule.id !== "string" || rule.id.length === 0 || rule.id.length > 255) {
        invalid(this, `${at}.id`, rule.id, "is not a rule id", "give 1-255 characters");
      }
      if (ids.has(rule.id)) {
        invalid(this, `${at}.id`, rule.id, "is used by another rule", "give each rule its own id");
      }
      ids.add(rule.id);
      if (
        rule.prefix !== undefined &&
        (rule.prefix === "" || rule.prefix.length > 1024 || rule.prefix.startsWith("/"))
      ) {
        invalid(
          this,
          `${at}.prefix`,
          rule.prefix,
          "is not a key prefix",
          'give 1-1024 characters not starting with "/", e.g. "reports/"; leave it out for every object',
        );
      }
      const transitions = rule.transitions ?? [];
      let last: { days: number; rank: number } | undefined;
      transitions.forEach((t, j) => {
        const where = `${at}.transitions[${j}]`;
        const rank = (S3_TRANSITION_CLASSES as readonly string[]).indexOf(t.storageClass);
        if (rank < 0) {
          invalid(
            this,
            `${where}.storageClass`,
            t.storageClass,
            "is not a storage class S3 transitions to",
            `use one of ${S3_TRANSITION_CLASSES.join(", ")}`,
          );
        }
        const days = this.days(`${where}.days`, t.days, 0);
        if (THIRTY_DAY_CLASSES.includes(t.storageClass) && days < 30) {
          invalid(
            this,
            `${where}.days`,
            days,
            `is too early for ${t.storageClass}: S3 moves objects there at 30 days or more`,
            "give 30 or more",
          );
        }
        if (last !== undefined && days <= last.days) {
          invalid(
            this,
            `${where}.days`,
            days,
            `is not after the previous transition (${last.days} days)`,
            "list transitions in order of strictly increasing days",
          );
        }
        if (last !== undefined && rank <= last.rank) {
          invalid(
            this,
            `${where}.storageClass`,
            t.storageClass,
            `is not colder than the previous transition's ${S3_TRANSITION_CLASSES[last.rank]}`,
            `order transitions as S3 allows: ${S3_TRANSITION_CLASSES.join(" → ")}`,
          );
        }
        last = { days, rank };
      });
      const expiration =
        rule.expirationDays === undefined
          ? undefined
          : this.days(`${at}.expirationDays`, rule.expirationDays, 1);
      if (expiration !== undefined && last !== undefined && expiration <= last.days) {
        invalid(
          this,
          `${at}.expirationDays`,
          expiration,
          `is not after the last transition (${last.days} days)`,
          "expire objects after their last transition, or drop the transitions",
        );
      }
      const noncurrent =
        rule.noncurrentVersionExpirationDays === undefined
          ? undefined
          : this.days(
              `${at}.noncurrentVersionExpirationDays`,
              rule.noncurrentVersionExpirationDays,
              1,
            );
      const abort = this.days(
        `${at}.abortIncompleteMultipartUploadDays`,
        rule.abortIncompleteMultipartUploadDays ?? 7,
        1,
      );
      return {
        id: rule.id,
        status: "Enabled",
        filter: [{ prefix: rule.prefix ?? "" }],
        abortIncompleteMultipartUpload: [{ daysAfterInitiation: abort }],
        ...(transitions.length > 0
          ? { transition: transitions.map((t) => ({ days: t.days, storageClass: t.storageClass })) }
          : {}),
        ...(expiration !== undefined ? { expiration: [{ days: expiration }] } : {}),
        ...(noncurrent !== undefined
          ? { noncurrentVersionExpiration: [{ noncurrentDays: noncurrent }] }
          : {}),
      };
    });
  }

  private days(property: string, value: unknown, min: number): number {
    if (
      Token.isUnresolved(value) ||
      !Number.isInteger(value) ||
      (value as number) < min ||
      (value as number) > MAX_DAYS
    ) {
      invalid(
        this,
        property,
        value,
        `is not a whole number of days from ${min} to ${MAX_DAYS}`,
        "give a whole number of days",
      );
    }
    return value as number;
  }
}
