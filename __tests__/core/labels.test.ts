import { TerraformResource } from "cdktf";
import { ComputeGlobalAddress } from "@cdktf/provider-google/lib/compute-global-address";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { checkLabels, type LabelTarget } from "../../constructs/core/labels";
import { Network } from "../../constructs/gcp/network";
import { findResource, synthJson, testStack } from "../helpers/synth";

const STACK_LABELS = { environment: "dev", "managed-by": "cdktf", system: "test" };

describe("checkLabels", () => {
  it("returns a valid label map", () => {
    const labels = { team: "trading", cost_center: "42", empty: "" };
    expect(checkLabels("src", "labels", labels)).toBe(labels);
  });

  it.each([
    ["Team", "uppercase"],
    ["1team", "a digit first"],
    ["team.name", "a dot"],
    ["t".repeat(64), "64 characters"],
    ["", "nothing"],
  ])("rejects the key %p (%s)", (key) => {
    expect(() => checkLabels("src", "labels", { [key]: "x" })).toThrow(
      `labels key = ${JSON.stringify(key)} is not a valid GCP label key`,
    );
  });

  it.each([["Prod"], ["a b"], ["v".repeat(64)], [42]])("rejects the value %p", (value) => {
    expect(() => checkLabels("src", "labels", { team: value as string })).toThrow(
      `labels.team = ${JSON.stringify(value)} is not a valid GCP label value`,
    );
  });

  it("accepts 64 labels and rejects 65", () => {
    const labels = (n: number) =>
      Object.fromEntries([...Array(n).keys()].map((i) => [`k${i}`, "v"]));
    expect(() => checkLabels("src", "labels", labels(64))).not.toThrow();
    expect(() => checkLabels("src", "labels", labels(65))).toThrow(/has 65 labels; GCP allows 64/);
  });
});

describe("LabelsAspect", () => {
  it("labels every resource with a labels argument, sorted, and leaves others alone", () => {
    const stack = testStack({ labels: { team: "trading" } });
    new Network(stack, "network", {
      subnets: [{ region: "us-central1", cidr: "10.0.0.0/20" }],
      privateServicesAccess: { cidr: "10.100.0.0/16" },
    });
    const json = synthJson(stack);
    const expected = { ...STACK_LABELS, team: "trading" };
    const address = findResource(json, "google_compute_global_address");
    expect(address.labels).toEqual(expected);
    expect(Object.keys(address.labels as object)).toEqual(Object.keys(expected).sort());
    expect(
      findResource(json, "google_dns_managed_zone", { dnsName: "googleapis.com." }).labels,
    ).toEqual(expected);
    expect(findResource(json, "google_compute_network")).not.toHaveProperty("labels");
    expect(findResource(json, "google_compute_subnetwork")).not.toHaveProperty("labels");
  });

  it("keeps a resource's own labels over the stack's", () => {
    const stack = testStack();
    new ComputeGlobalAddress(stack, "address", {
      name: "test-dev-address",
      labels: { environment: "shared", owner: "ops" },
    });
    expect(findResource(synthJson(stack), "google_compute_global_address").labels).toEqual({
      ...STACK_LABELS,
      environment: "shared",
      owner: "ops",
    });
  });

  it("rejects invalid labels set on a resource", () => {
    const stack = testStack();
    new ComputeGlobalAddress(stack, "address", {
      name: "test-dev-address",
      labels: { Owner: "ops" },
    });
    expect(() => synthJson(stack)).toThrow(
      /test-dev\/address: labels key = "Owner" is not a valid GCP label key/,
    );
  });

  it("hands the labels to a LabelTarget instead of setting its labels argument", () => {
    class NestedLabels extends ComputeGlobalAddress implements LabelTarget {
      received?: Readonly<Record<string, string>>;
      applyLabels(labels: Readonly<Record<string, string>>): void {
        this.received = labels;
        this.addOverride("description", Object.keys(labels).sort().join(","));
      }
    }
    const stack = testStack();
    const target = new NestedLabels(stack, "nested", { name: "test-dev-nested" });
    const address = findResource(synthJson(stack), "google_compute_global_address");
    expect(target).toBeInstanceOf(TerraformResource);
    expect(target.received).toEqual(STACK_LABELS);
    expect(address.description).toBe("environment,managed-by,system");
    expect(address).not.toHaveProperty("labels");
  });

  it("uses the stack's environment and system over extra labels of the same keys", () => {
    const stack = testStack({ labels: { environment: "prod", system: "other", team: "x" } });
    expect(stack.labels).toEqual({ ...STACK_LABELS, team: "x" });
  });

  it("rejects invalid extra stack labels when the stack is created", () => {
    expect(() => testStack({ labels: { team: "Trading Desk" } })).toThrow(
      /^test-dev: labels\.team = "Trading Desk" is not a valid GCP label value/,
    );
  });
});

describe("AWS tags from the stack's labels", () => {
  it("tags every AWS resource that takes tags; the resource's own tags win", () => {
    const stack = testStack({ labels: { team: "payments" } });
    new S3Bucket(stack, "a", { bucket: "acme-a" });
    new S3Bucket(stack, "b", {
      bucket: "acme-b",
      tags: { team: "Data Platform", CostCenter: "42" },
    });
    const json = synthJson(stack) as {
      resource: { aws_s3_bucket: Record<string, { tags: Record<string, string> }> };
    };
    expect(json.resource.aws_s3_bucket.a.tags).toEqual({
      environment: "dev",
      "managed-by": "cdktf",
      system: "test",
      team: "payments",
    });
    expect(json.resource.aws_s3_bucket.b.tags).toMatchObject({
      team: "Data Platform",
      CostCenter: "42",
      system: "test",
    });
  });

  it.each([
    [{ "aws:owner": "x" }, /tags key = "aws:owner" is not a valid AWS tag key/],
    [{ note: "a;b" }, /tags\.note = "a;b" is not a valid AWS tag value/],
  ])("refuses the tag %j", (tags, message) => {
    const stack = testStack();
    new S3Bucket(stack, "a", { bucket: "acme-a", tags });
    expect(() => synthJson(stack)).toThrow(message);
  });
});
