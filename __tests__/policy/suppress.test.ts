import { App } from "cdktf";
import { GoogleProvider } from "@cdktf/provider-google/lib/provider";
import { StorageBucket } from "@cdktf/provider-google/lib/storage-bucket";
import { ValidationError } from "../../constructs/core/errors";
import { checkSynthesized } from "../../policy/engine";
import { suppress, suppressionsOf } from "../../constructs/core/suppress";
import { PlatformStack } from "../../constructs/core/stack";
import { synthJson, testStack } from "../helpers/synth";
import { tempDir } from "./helpers";

const REASON = "storefront images are public by design, ticket WEB-42";

function bucketIn(stack: PlatformStack): StorageBucket {
  return new StorageBucket(stack, "assets", {
    name: "acme-assets",
    location: "US",
    publicAccessPrevention: "inherited",
    uniformBucketLevelAccess: true,
  });
}

/** The `//` comment of the bucket (Testing.synth strips it, so read the stack's own JSON). */
function commentOf(stack: PlatformStack): unknown {
  synthJson(stack);
  const json = stack.toTerraform() as {
    resource: Record<string, Record<string, { "//"?: unknown }>>;
  };
  return json.resource.google_storage_bucket.assets["//"];
}

describe("suppress", () => {
  it('writes "//".suppressions next to the resource metadata', () => {
    const stack = testStack();
    const bucket = bucketIn(stack);
    suppress(bucket, "GCP-GCS-001", `  ${REASON} `);
    suppress(bucket, "GCP-GCS-003", "access logs go to the org-wide sink, ticket OPS-7");
    expect(commentOf(stack)).toEqual({
      metadata: expect.objectContaining({ path: "test-dev/assets" }),
      suppressions: [
        { id: "GCP-GCS-001", reason: REASON },
        { id: "GCP-GCS-003", reason: "access logs go to the org-wide sink, ticket OPS-7" },
      ],
    });
    expect(suppressionsOf(bucket)).toHaveLength(2);
  });

  it("rejects an unknown rule", () => {
    expect(() => suppress(bucketIn(testStack()), "GCP-GCS-999", REASON)).toThrow(
      /test-dev\/assets: suppress\(ruleId\) = "GCP-GCS-999" is not a policy rule/,
    );
  });

  it("rejects a reason shorter than 20 characters", () => {
    expect(() => suppress(bucketIn(testStack()), "GCP-GCS-001", "  public bucket  ")).toThrow(
      'suppress(GCP-GCS-001).reason = "  public bucket  " is too short to explain an accepted risk (13 characters, at least 20 needed)',
    );
  });

  it("rejects suppressing a rule twice on one resource", () => {
    const bucket = bucketIn(testStack());
    suppress(bucket, "GCP-GCS-001", REASON);
    expect(() => suppress(bucket, "GCP-GCS-001", REASON)).toThrow(
      /is already suppressed on this resource/,
    );
  });

  it("rejects the suppression rules themselves", () => {
    expect(() => suppress(bucketIn(testStack()), "POLICY-001", REASON)).toThrow(
      /checks the suppressions themselves and cannot be suppressed/,
    );
  });

  it("rejects something that is not a resource, as a ValidationError", () => {
    const stack = testStack();
    expect(() => suppress(stack as never, "GCP-GCS-001", REASON)).toThrow(ValidationError);
    expect(() => suppress(undefined as never, "GCP-GCS-001", REASON)).toThrow(
      /suppress: resource = undefined is not a Terraform resource/,
    );
  });

  it("is honoured by the synth-time check", () => {
    const outdir = tempDir("review-suppress-");
    const app = new App({ outdir });
    const stack = new PlatformStack(app, {
      system: "shop",
      environment: "prod",
      backend: { kind: "gcs", bucket: "acme-tfstate", prefix: "shop/prod" },
    });
    new GoogleProvider(stack, "google", { project: "acme-shop-prod" });
    const bucket = bucketIn(stack);
    expect(checkSynthesizedAfter(app, outdir).errors.map((f) => f.ruleId)).toEqual(["GCP-GCS-001"]);
    suppress(bucket, "GCP-GCS-001", REASON);
    const result = checkSynthesizedAfter(app, outdir);
    expect(result.errors).toEqual([]);
    expect(result.findings).toContainEqual(
      expect.objectContaining({
        ruleId: "GCP-GCS-001",
        suppressed: REASON,
        constructPath: "shop-prod/assets",
      }),
    );
  });
});

function checkSynthesizedAfter(app: App, outdir: string) {
  app.synth();
  return checkSynthesized(outdir);
}
