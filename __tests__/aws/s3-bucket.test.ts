import { Construct } from "constructs";
import { blocking, evaluate } from "../../policy/engine";
import { parseStack } from "../../policy/load";
import type { Json } from "../../policy/types";
import { optOutsOf } from "../../constructs/core/opt-out";
import { suppressionsOf } from "../../constructs/core/suppress";
import { S3Bucket, type S3BucketProps } from "../../constructs/aws/s3-bucket";
import type {
  IGrantablePrincipal,
  IKmsKey,
  PolicyStatement,
} from "../../constructs/aws/interfaces";
import { IamRole, ServicePrincipal } from "../../constructs/aws/iam";
import {
  findResource,
  resourcesOf,
  synthJson,
  synthWithComments,
  testStack,
  type SynthJson,
} from "../helpers/synth";

const REASON = "review environment, destroyed when the merge request closes";
const KEY_ARN = "arn:aws:kms:ap-northeast-2:111122223333:key/1234abcd";

function awsStack() {
  return testStack({
    backend: {
      kind: "s3",
      bucket: "test-state",
      key: "test/dev.tfstate",
      region: "ap-northeast-2",
    },
  });
}

/** A stack with a log bucket, and a bucket `data` logging into it. */
function withLogs(props: Partial<S3BucketProps> = {}) {
  const stack = awsStack();
  const logs = new S3Bucket(stack, "logs", { receivesAccessLogs: true });
  const data = new S3Bucket(stack, "data", { accessLogs: { bucket: logs }, ...props });
  return { stack, logs, data };
}

/** A principal that records what it is granted. */
class Recorder extends Construct implements IGrantablePrincipal {
  readonly roleArn = "arn:aws:iam::111122223333:role/app";
  readonly statements: PolicyStatement[] = [];
  addToPolicy(statement: PolicyStatement): void {
    this.statements.push(statement);
  }
}

interface DocStatement {
  sid: string;
  effect: string;
  actions: string[];
  resources: string[];
  principals?: { type: string; identifiers: string[] }[];
  condition?: { test: string; variable: string; values: string[] }[];
}

function policyStatements(json: SynthJson, owner: string): DocStatement[] {
  const docs = (json.data as Record<string, Record<string, { statement: DocStatement[] }>>)
    .aws_iam_policy_document;
  const doc = Object.entries(docs).find(([k]) => k.startsWith(`${owner}_policy-document`));
  if (!doc) throw new Error(`no policy document of ${owner}`);
  return doc[1].statement;
}

function refs(json: SynthJson, type: string, address: string): Record<string, unknown>[] {
  return resourcesOf(json, type)
    .filter((r) => JSON.stringify(r.config.bucket).includes(address))
    .map((r) => r.config);
}

describe("S3Bucket", () => {
  it("is private, ACL-free, encrypted, versioned, lifecycle-managed, TLS-only and protected by default", () => {
    const { stack } = withLogs();
    const json = synthJson(stack);
    const bucket = findResource(json, "aws_s3_bucket", { bucket: "test-dev-data" });
    expect(bucket).toMatchObject({
      force_destroy: false,
      lifecycle: { prevent_destroy: true },
      tags: { environment: "dev", system: "test", "managed-by": "cdktf" },
    });
    const address = "aws_s3_bucket.data_bucket";
    expect(refs(json, "aws_s3_bucket_public_access_block", address)).toEqual([
      expect.objectContaining({
        block_public_acls: true,
        block_public_policy: true,
        ignore_public_acls: true,
        restrict_public_buckets: true,
      }),
    ]);
    expect(refs(json, "aws_s3_bucket_ownership_controls", address)).toEqual([
      expect.objectContaining({ rule: { object_ownership: "BucketOwnerEnforced" } }),
    ]);
    expect(refs(json, "aws_s3_bucket_server_side_encryption_configuration", address)).toEqual([
      expect.objectContaining({
        rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: "AES256" } }],
      }),
    ]);
    expect(refs(json, "aws_s3_bucket_versioning", address)).toEqual([
      expect.objectContaining({ versioning_configuration: { status: "Enabled" } }),
    ]);
    const [lifecycle] = refs(json, "aws_s3_bucket_lifecycle_configuration", address);
    expect(lifecycle.rule).toEqual([
      {
        id: "default",
        status: "Enabled",
        filter: [{ prefix: "" }],
        abort_incomplete_multipart_upload: [{ days_after_initiation: 7 }],
        noncurrent_version_expiration: [{ noncurrent_days: 90 }],
      },
    ]);
    expect(lifecycle.depends_on).toEqual([expect.stringMatching(/^aws_s3_bucket_versioning\./)]);
    expect(refs(json, "aws_s3_bucket_logging", address)).toEqual([
      expect.objectContaining({
        target_bucket: expect.stringContaining("aws_s3_bucket.logs_bucket"),
        target_prefix: "test-dev-data/",
      }),
    ]);
    const [policy] = refs(json, "aws_s3_bucket_policy", address);
    expect(policy.depends_on).toEqual([
      expect.stringMatching(/^aws_s3_bucket_public_access_block\./),
    ]);
    const statements = policyStatements(json, "data");
    expect(statements.map((s) => s.sid)).toEqual(["DenyInsecureTransport", "DenyOutdatedTls"]);
    expect(statements[0]).toMatchObject({
      effect: "Deny",
      principals: [{ type: "*", identifiers: ["*"] }],
      actions: ["s3:*"],
      condition: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
    });
    expect(statements[0].resources).toHaveLength(2);
    expect(statements[1].condition).toEqual([
      { test: "NumericLessThan", variable: "s3:TlsVersion", values: ["1.2"] },
    ]);
  });

  it("lets the log bucket accept deliveries only from the buckets that log into it", () => {
    const { stack } = withLogs();
    const json = synthJson(stack);
    const accept = policyStatements(json, "logs").find(
      (s) => s.sid === "AllowAccessLogsTestDevData",
    );
    expect(accept).toMatchObject({
      effect: "Allow",
      principals: [{ type: "Service", identifiers: ["logging.s3.amazonaws.com"] }],
      actions: ["s3:PutObject"],
      resources: [expect.stringMatching(/\.arn\}\/test-dev-data\/\*$/)],
      condition: [
        {
          test: "StringEquals",
          variable: "aws:SourceAccount",
          values: [expect.stringContaining("data.aws_caller_identity.")],
        },
        {
          test: "ArnLike",
          variable: "aws:SourceArn",
          values: [expect.stringContaining("aws_s3_bucket.data_bucket")],
        },
      ],
    });
    expect(refs(json, "aws_s3_bucket_logging", "aws_s3_bucket.logs_bucket")).toEqual([]);
  });

  it("uses the stack prefix and the id for the name unless one is given", () => {
    const { data } = withLogs();
    expect(data.bucketName).toBe("test-dev-data");
    const named = withLogs({ name: "acme-reports.eu" }).data;
    expect(named.bucketName).toBe("acme-reports.eu");
  });

  it("encrypts with a KMS key and a bucket key, and grants include the key", () => {
    const { stack, data } = withLogs({
      kmsKey: { keyArn: KEY_ARN, node: new Construct(awsStack(), "k").node } as IKmsKey,
    });
    const json = synthJson(stack);
    expect(
      refs(json, "aws_s3_bucket_server_side_encryption_configuration", "data_bucket")[0].rule,
    ).toEqual([
      {
        apply_server_side_encryption_by_default: {
          sse_algorithm: "aws:kms",
          kms_master_key_id: KEY_ARN,
        },
        bucket_key_enabled: true,
      },
    ]);
    const app = new Recorder(stack, "app");
    data.grantRead(app);
    data.grantWrite(app);
    expect(app.statements.filter((s) => s.resources.includes(KEY_ARN))).toEqual([
      {
        sid: "S3ReadKeyTestDevData",
        effect: "Allow",
        actions: ["kms:Decrypt"],
        resources: [KEY_ARN],
      },
      {
        sid: "S3WriteKeyTestDevData",
        effect: "Allow",
        actions: ["kms:GenerateDataKey", "kms:Decrypt"],
        resources: [KEY_ARN],
      },
    ]);
  });

  it("grants read and write on this bucket's objects only", () => {
    const { stack, data } = withLogs();
    const role = new IamRole(stack, "app", {
      assumedBy: ServicePrincipal("ecs-tasks.amazonaws.com"),
      description: "the reports service",
    });
    data.grantRead(role);
    data.grantWrite(role);
    data.grantRead(role); // twice is harmless
    const json = synthJson(stack);
    const docs = (json.data as Record<string, Record<string, { statement: DocStatement[] }>>)
      .aws_iam_policy_document;
    const [, roleDoc] = Object.entries(docs).find(([k]) => k.startsWith("app_policy-document"))!;
    const arn = "${aws_s3_bucket.data_bucket_F0368B94.arn}";
    expect(roleDoc.statement).toEqual([
      {
        sid: "S3ReadTestDevData",
        effect: "Allow",
        actions: ["s3:GetObject", "s3:GetObjectVersion"],
        resources: [`${arn}/*`],
      },
      { sid: "S3ListTestDevData", effect: "Allow", actions: ["s3:ListBucket"], resources: [arn] },
      {
        sid: "S3WriteTestDevData",
        effect: "Allow",
        actions: ["s3:PutObject", "s3:AbortMultipartUpload"],
        resources: [`${arn}/*`],
      },
    ]);
    // Identity-side grants leave the bucket policy as it was.
    expect(policyStatements(json, "data").map((s) => s.sid)).toEqual([
      "DenyInsecureTransport",
      "DenyOutdatedTls",
    ]);
  });

  it("refuses a grantee that is not a principal", () => {
    const { data } = withLogs();
    expect(() => data.grantRead("arn:aws:iam::111122223333:role/x" as never)).toThrow(
      /grantRead\(principal\) = "arn:aws:iam::111122223333:role\/x" is not a principal/,
    );
  });

  it("renders typed lifecycle rules", () => {
    const { stack } = withLogs({
      lifecycleRules: [
        {
          id: "reports",
          prefix: "reports/",
          transitions: [
            { days: 30, storageClass: "STANDARD_IA" },
            { days: 90, storageClass: "GLACIER" },
          ],
          expirationDays: 365,
          noncurrentVersionExpirationDays: 30,
          abortIncompleteMultipartUploadDays: 2,
        },
      ],
    });
    const json = synthJson(stack);
    expect(refs(json, "aws_s3_bucket_lifecycle_configuration", "data_bucket")[0].rule).toEqual([
      {
        id: "reports",
        status: "Enabled",
        filter: [{ prefix: "reports/" }],
        abort_incomplete_multipart_upload: [{ days_after_initiation: 2 }],
        transition: [
          { days: 30, storage_class: "STANDARD_IA" },
          { days: 90, storage_class: "GLACIER" },
        ],
        expiration: [{ days: 365 }],
        noncurrent_version_expiration: [{ noncurrent_days: 30 }],
      },
    ]);
  });

  it.each([
    ["ab", /name = "ab" is 2 characters long; an S3 bucket name takes 3–63/],
    ["a".repeat(64), /is 64 characters long; an S3 bucket name takes 3–63/],
    [
      "Reports",
      /name = "Reports" is not a valid S3 bucket name.*Fix: use lowercase letters, digits/s,
    ],
    ["my_bucket", /is not a valid S3 bucket name.*Fix: use lowercase letters, digits/s],
    ["-reports", /is not a valid S3 bucket name.*Fix: use lowercase letters, digits/s],
    ["acme..reports", /is not a valid S3 bucket name: it has two adjacent periods/],
    ["192.168.10.20", /is not a valid S3 bucket name: it is formatted as an IP address/],
    ["xn--reports", /the prefix "xn--" is reserved/],
    ["sthree-reports", /the prefix "sthree-" is reserved/],
    ["reports-s3alias", /the suffix "-s3alias" is reserved/],
    ["reports--ol-s3", /the suffix "--ol-s3" is reserved/],
  ])("refuses the bucket name %j", (name, message) => {
    expect(() => withLogs({ name })).toThrow(message);
  });

  it.each([
    [
      [{ id: "a", transitions: [{ days: 10, storageClass: "STANDARD_IA" }] }],
      /lifecycleRules\[0\]\.transitions\[0\]\.days = 10 is too early for STANDARD_IA: S3 moves objects there at 30 days or more/,
    ],
    [
      [{ id: "a", transitions: [{ days: 5, storageClass: "ONEZONE_IA" }] }],
      /transitions\[0\]\.days = 5 is too early for ONEZONE_IA/,
    ],
    [
      [
        {
          id: "a",
          transitions: [
            { days: 60, storageClass: "STANDARD_IA" },
            { days: 60, storageClass: "GLACIER" },
          ],
        },
      ],
      /transitions\[1\]\.days = 60 is not after the previous transition \(60 days\)/,
    ],
    [
      [
        {
          id: "a",
          transitions: [
            { days: 30, storageClass: "GLACIER" },
            { days: 60, storageClass: "STANDARD_IA" },
          ],
        },
      ],
      /transitions\[1\]\.storageClass = "STANDARD_IA" is not colder than the previous transition's GLACIER/,
    ],
    [
      [{ id: "a", transitions: [{ days: 30, storageClass: "COLD" }] }],
      /transitions\[0\]\.storageClass = "COLD" is not a storage class S3 transitions to.*STANDARD_IA, INTELLIGENT_TIERING/s,
    ],
    [
      [{ id: "a", transitions: [{ days: 90, storageClass: "GLACIER" }], expirationDays: 60 }],
      /lifecycleRules\[0\]\.expirationDays = 60 is not after the last transition \(90 days\)/,
    ],
    [
      [{ id: "a", transitions: [{ days: 90, storageClass: "GLACIER" }], expirationDays: 90 }],
      /expirationDays = 90 is not after the last transition/,
    ],
    [[{ id: "a", expirationDays: 0 }], /expirationDays = 0 is not a whole number of days from 1/],
    [[{ id: "a", expirationDays: 1.5 }], /expirationDays = 1\.5 is not a whole number of days/],
    [
      [{ id: "a", noncurrentVersionExpirationDays: -1 }],
      /noncurrentVersionExpirationDays = -1 is not a whole number of days/,
    ],
    [
      [{ id: "a", abortIncompleteMultipartUploadDays: 0 }],
      /abortIncompleteMultipartUploadDays = 0 is not a whole number of days/,
    ],
    [[{ id: "a" }, { id: "a" }], /lifecycleRules\[1\]\.id = "a" is used by another rule/],
    [[{ id: "" }], /lifecycleRules\[0\]\.id = "" is not a rule id/],
    [[{ id: "a", prefix: "/logs" }], /lifecycleRules\[0\]\.prefix = "\/logs" is not a key prefix/],
    [[], /lifecycleRules = \[\] is empty/],
  ])("refuses lifecycle rules %j", (lifecycleRules, message) => {
    expect(() => withLogs({ lifecycleRules } as unknown as Partial<S3BucketProps>)).toThrow(
      message,
    );
  });

  describe("access logs", () => {
    it("are required, or the bucket is the log bucket, or an opt-out says why not", () => {
      expect(() => new S3Bucket(awsStack(), "data")).toThrow(
        /accessLogs = undefined is missing: every bucket logs its access, is the log bucket, or says why not/,
      );
    });

    it("go only to a bucket made to receive them", () => {
      const stack = awsStack();
      const plain = new S3Bucket(stack, "plain", { withoutAccessLogs: { reason: REASON } });
      expect(() => new S3Bucket(stack, "data", { accessLogs: { bucket: plain } })).toThrow(
        /accessLogs\.bucket = "test-dev\/plain" is not a log bucket/,
      );
      expect(
        () =>
          new S3Bucket(stack, "other", {
            accessLogs: { bucket: { bucketName: "x" } as unknown as S3Bucket },
          }),
      ).toThrow(/accessLogs\.bucket = .* is not an S3Bucket/);
    });

    it("take a prefix, checked", () => {
      const { stack, logs } = withLogs();
      new S3Bucket(stack, "b2", { accessLogs: { bucket: logs, prefix: "s3/b2/" } });
      expect(
        findResource(synthJson(stack), "aws_s3_bucket_logging", { targetPrefix: "s3/b2/" }),
      ).toBeDefined();
      expect(
        () => new S3Bucket(stack, "b3", { accessLogs: { bucket: logs, prefix: "/abs ${x}" } }),
      ).toThrow(/accessLogs\.prefix = "\/abs \$\{x\}" is not a key prefix/);
    });

    it("refuse two choices at once", () => {
      const stack = awsStack();
      expect(
        () =>
          new S3Bucket(stack, "x", {
            receivesAccessLogs: true,
            withoutAccessLogs: { reason: REASON },
          }),
      ).toThrow(/withoutAccessLogs = .* cannot be combined with receivesAccessLogs/);
    });

    it("refuse a KMS key on the log bucket (S3 delivers only to SSE-S3 buckets)", () => {
      const stack = awsStack();
      const key = { keyArn: KEY_ARN, node: new Construct(stack, "k").node } as IKmsKey;
      expect(() => new S3Bucket(stack, "logs", { receivesAccessLogs: true, kmsKey: key })).toThrow(
        /kmsKey = ".*" cannot encrypt a bucket that receives access logs/,
      );
    });

    it("opted out: records access-logs-off, which AWS-S3-003 accepts with the reason", () => {
      const stack = awsStack();
      const b = new S3Bucket(stack, "scratch", { withoutAccessLogs: { reason: REASON } });
      expect(optOutsOf(b.bucket)).toEqual([{ id: "access-logs-off", reason: REASON }]);
      // One decision, recorded once: no second suppress() on the bucket.
      expect(suppressionsOf(b.bucket)).toEqual([]);
      expect(resourcesOf(synthJson(stack), "aws_s3_bucket_logging")).toEqual([]);
      const json = JSON.parse(JSON.stringify(synthWithComments(stack))) as Json;
      const findings = evaluate([parseStack("test", json)]).filter(
        (f) => f.ruleId === "AWS-S3-003",
      );
      expect(findings).toEqual([expect.objectContaining({ suppressed: REASON })]);
    });

    it("opt-out needs a reason", () => {
      expect(() => new S3Bucket(awsStack(), "x", { withoutAccessLogs: { reason: "no" } })).toThrow(
        /withoutAccessLogs\.reason = "no" is too short/,
      );
    });
  });

  it("refuses a second bucket with the same name in the stack", () => {
    const { stack, logs } = withLogs();
    expect(
      () => new S3Bucket(stack, "again", { name: "test-dev-data", accessLogs: { bucket: logs } }),
    ).toThrow(/name = "test-dev-data" is already used by another S3 bucket in this stack/);
  });

  it.each([
    [{ versioning: false }, /versioning = \["versioning"\] is not a known prop/],
    [{ kmsKey: "arn:aws:kms:x" }, /kmsKey = "arn:aws:kms:x" is invalid.*pass a KMS key/s],
    [{ receivesAccessLogs: "yes" }, /receivesAccessLogs = "yes" has the wrong type/],
  ])("refuses untyped props %j", (override, message) => {
    expect(() => withLogs(override as unknown as Partial<S3BucketProps>)).toThrow(message);
  });

  describe("allowDeletion", () => {
    it("drops prevent_destroy, keeps force_destroy false and records the opt-out", () => {
      const { stack, data } = withLogs({ allowDeletion: { reason: REASON } });
      const bucket = findResource(synthJson(stack), "aws_s3_bucket", { bucket: "test-dev-data" });
      expect(bucket.lifecycle).toBeUndefined();
      expect(bucket.force_destroy).toBe(false);
      expect(optOutsOf(data.bucket)).toEqual([{ id: "deletion-allowed", reason: REASON }]);
    });

    it("needs a reason", () => {
      expect(() => withLogs({ allowDeletion: { reason: "dev" } })).toThrow(
        /allowDeletion\.reason = "dev" is too short/,
      );
    });

    it.each([
      [{ forceDestroy: true }, /forceDestroy = true is not a prop of S3Bucket/],
      [{ preventDestroy: false }, /preventDestroy = false is not a prop of S3Bucket/],
    ])("refuses %j instead of ignoring it", (flag, message) => {
      expect(() => withLogs(flag as unknown as Partial<S3BucketProps>)).toThrow(message);
    });
  });

  it("exposes the name, ARN and regional domain name", () => {
    const { data } = withLogs();
    expect(data.bucketName).toBe("test-dev-data");
    expect(data.bucketArn).toMatch(/TfToken/);
    expect(data.regionalDomainName).toMatch(/TfToken/);
  });

  it("passes the policy pack with no unsuppressed finding", () => {
    const { stack, data } = withLogs({ name: "test-dev-backups" });
    data.grantRead(new Recorder(stack, "app"));
    new S3Bucket(stack, "scratch", { withoutAccessLogs: { reason: REASON } });
    const json = JSON.parse(JSON.stringify(synthWithComments(stack))) as Json;
    const findings = evaluate([parseStack("test", json)]);
    expect(findings.filter((f) => f.suppressed === undefined && f.severity !== "info")).toEqual([]);
    expect(blocking(findings)).toEqual([]);
    // The suppressions are the log bucket (it does not log itself) and the opt-out.
    expect(findings.filter((f) => f.suppressed !== undefined).map((f) => f.ruleId)).toEqual([
      "AWS-S3-003",
      "AWS-S3-003",
    ]);
  });
});
