import { optOutsOf } from "../../constructs/core/opt-out";
import { Bucket, type BucketProps } from "../../constructs/gcp/bucket";
import {
  findResource,
  resourcesOf,
  synthJson,
  synthWithComments,
  testStack,
} from "../helpers/synth";

const REASON = "review environment, destroyed when the merge request closes";

const sa = { member: "serviceAccount:backup@p.iam.gserviceaccount.com" };

describe("Bucket", () => {
  it("is private, versioned, lifecycle-managed and protected by default", () => {
    const stack = testStack();
    new Bucket(stack, "backups", { name: "critical-backups", location: "us-central1" });
    const bucket = findResource(synthJson(stack), "google_storage_bucket");
    expect(bucket).toMatchObject({
      name: "test-dev-critical-backups",
      location: "us-central1",
      storage_class: "STANDARD",
      uniform_bucket_level_access: true,
      public_access_prevention: "enforced",
      force_destroy: false,
      versioning: { enabled: true },
      lifecycle: { prevent_destroy: true },
      labels: { environment: "dev", system: "test", "managed-by": "cdktf" },
    });
    expect(bucket.lifecycle_rule).toEqual([
      { action: { type: "Delete" }, condition: { num_newer_versions: 5, with_state: "ARCHIVED" } },
      { action: { type: "Delete" }, condition: { days_since_noncurrent_time: 30 } },
    ]);
    expect(bucket.retention_policy).toBeUndefined();
    expect(bucket.encryption).toBeUndefined();
  });

  it("renders deletion, transitions, retention, CMEK and access logs", () => {
    const stack = testStack();
    new Bucket(stack, "backups", {
      name: "backups",
      location: "US",
      lifecycle: {
        deleteAfterDays: 365,
        transitions: [{ afterDays: 30, storageClass: "NEARLINE" }],
      },
      retention: { days: 30 },
      kmsKeyName: "projects/p/locations/us/keyRings/r/cryptoKeys/k",
      accessLogBucket: "test-dev-logs",
    });
    const bucket = findResource(synthJson(stack), "google_storage_bucket");
    expect(bucket.lifecycle_rule).toEqual(
      expect.arrayContaining([
        { action: { type: "Delete" }, condition: { age: 365 } },
        { action: { type: "SetStorageClass", storage_class: "NEARLINE" }, condition: { age: 30 } },
      ]),
    );
    expect(bucket).toMatchObject({
      retention_policy: { retention_period: 30 * 86400, is_locked: false },
      encryption: { default_kms_key_name: "projects/p/locations/us/keyRings/r/cryptoKeys/k" },
      logging: { log_bucket: "test-dev-logs" },
    });
  });

  it("grants are additive members with narrow roles", () => {
    const stack = testStack();
    const bucket = new Bucket(stack, "b", { name: "b1", location: "us-east1" });
    bucket.grantRead(sa);
    bucket.grantWrite(sa);
    const json = synthJson(stack);
    expect(resourcesOf(json, "google_storage_bucket_iam_member").map((r) => r.config.role)).toEqual(
      ["roles/storage.objectViewer", "roles/storage.objectCreator"],
    );
    expect(resourcesOf(json, "google_storage_bucket_iam_policy")).toEqual([]);
    expect(resourcesOf(json, "google_storage_bucket_iam_binding")).toEqual([]);
  });

  it("grants read-write as objectUser, and a repeated grant once", () => {
    const stack = testStack();
    const bucket = new Bucket(stack, "b", { name: "b1", location: "us-east1" });
    const first = bucket.grantReadWrite(sa);
    expect(bucket.grantReadWrite(sa)).toBe(first);
    bucket.grantRead(sa);
    bucket.grantRead(sa);
    const roles = resourcesOf(synthJson(stack), "google_storage_bucket_iam_member").map(
      (r) => r.config.role,
    );
    expect(roles.sort()).toEqual(["roles/storage.objectUser", "roles/storage.objectViewer"]);
    expect(() => bucket.grantReadWrite({ member: "allUsers" })).toThrow(
      /grantReadWrite\(grantee\) = "allUsers" makes the resource public/,
    );
  });

  it.each([
    [{ location: "moon" }, /location = "moon" is not a bucket location/],
    [{ name: "Bad_Name" }, /name = "Bad_Name" is not a valid bucket name/],
    [{ storageClass: "HOT" }, /storageClass = "HOT" is not a storage class/],
    [
      { lifecycle: { deleteAfterDays: 0 } },
      /lifecycle\.deleteAfterDays = 0 is not a whole number of days/,
    ],
    [
      { lifecycle: { transitions: [{ afterDays: 30, storageClass: "COLD" }] } },
      /lifecycle\.transitions\[0\]\.storageClass = "COLD" is not a storage class/,
    ],
    [{ retention: { days: 1.5 } }, /retention\.days = 1\.5 is not a whole number of days/],
    [{ kmsKeyName: "my-key" }, /kmsKeyName = "my-key" is not a Cloud KMS key name/],
  ])("rejects %j", (override, message) => {
    const stack = testStack();
    expect(
      () =>
        new Bucket(stack, "b", { name: "b1", location: "us-central1", ...(override as object) }),
    ).toThrow(message);
  });

  it("refuses public grants", () => {
    const stack = testStack();
    const bucket = new Bucket(stack, "b", { name: "b1", location: "us-central1" });
    expect(() => bucket.grantRead({ member: "allUsers" })).toThrow(
      /grantRead\(grantee\) = "allUsers" makes the resource public/,
    );
  });

  it("refuses a second bucket with the same name in the stack", () => {
    const stack = testStack();
    new Bucket(stack, "a", { name: "b1", location: "us-central1" });
    expect(() => new Bucket(stack, "b", { name: "b1", location: "us-central1" })).toThrow(
      /name = "test-dev-b1" is already used by another bucket in this stack/,
    );
  });

  describe("allowDeletion", () => {
    it("drops prevent_destroy, keeps force_destroy false and records the opt-out", () => {
      const stack = testStack();
      const b = new Bucket(stack, "b", {
        name: "scratch",
        location: "us-central1",
        allowDeletion: { reason: REASON },
      });
      const bucket = findResource(synthJson(stack), "google_storage_bucket");
      expect(bucket.lifecycle).toBeUndefined();
      expect(bucket.force_destroy).toBe(false);
      expect(optOutsOf(b.bucket)).toEqual([{ id: "deletion-allowed", reason: REASON }]);
      const withComments = findResource(synthWithComments(stack), "google_storage_bucket");
      expect(withComments["//"]).toMatchObject({
        opt_outs: [{ id: "deletion-allowed", reason: REASON }],
      });
    });

    it("records nothing without the opt-out", () => {
      const stack = testStack();
      const b = new Bucket(stack, "b", { name: "b1", location: "us-central1" });
      expect(optOutsOf(b.bucket)).toEqual([]);
    });

    it("needs a reason", () => {
      expect(
        () =>
          new Bucket(testStack(), "b", {
            name: "b1",
            location: "us-central1",
            allowDeletion: { reason: "dev" },
          }),
      ).toThrow(/allowDeletion\.reason = "dev" is too short/);
    });

    it.each([
      [
        { forceDestroy: true },
        /forceDestroy = true is not a prop of Bucket.*nothing is force-destroyed/s,
      ],
      [{ preventDestroy: false }, /preventDestroy = false is not a prop of Bucket.*allowDeletion/s],
      [
        { deletionProtection: false },
        /deletionProtection = false is not a prop of Bucket.*allowDeletion/s,
      ],
    ])("refuses %j from untyped callers instead of ignoring it", (flag, message) => {
      const props = { name: "b1", location: "us-central1", ...flag } as unknown as BucketProps;
      expect(() => new Bucket(testStack(), "b", props)).toThrow(message);
    });
  });
});
