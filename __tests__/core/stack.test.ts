import { Testing, TerraformStack } from "cdktf";
import { ComputeNetwork } from "@cdktf/provider-google/lib/compute-network";
import { GoogleProvider } from "@cdktf/provider-google/lib/provider";
import { Construct } from "constructs";
import { ValidationError } from "../../constructs/core/errors";
import { PlatformStack } from "../../constructs/core/stack";
import { optOutsOf } from "../../constructs/core/opt-out";
import { ArtifactRegistry } from "../../constructs/gcp/artifact-registry";
import { Bucket } from "../../constructs/gcp/bucket";
import { findResource, synthJson, testStack, testApp } from "../helpers/synth";

const backend = { kind: "gcs", bucket: "test-state", prefix: "test/dev" } as const;

describe("PlatformStack", () => {
  it("is named ${system}-${environment} and uses it as the default prefix", () => {
    const stack = testStack({ system: "trading-bot", environment: "prod" });
    expect(stack.node.id).toBe("trading-bot-prod");
    expect(stack.prefix).toBe("trading-bot-prod");
    expect(testStack({ prefix: "tb-prod" }).prefix).toBe("tb-prod");
  });

  it("labels every resource with environment, system and managed-by, plus extras", () => {
    expect(testStack({ labels: { team: "quant" } }).labels).toEqual({
      team: "quant",
      environment: "dev",
      system: "test",
      "managed-by": "cdktf",
    });
  });

  it("keeps state in the GCS backend", () => {
    const json = synthJson(
      testStack({ backend: { kind: "gcs", bucket: "tb-state", prefix: "tb/prod" } }),
    );
    expect(json.terraform?.backend).toEqual({ gcs: { bucket: "tb-state", prefix: "tb/prod" } });
  });

  it.each([
    ["missing", undefined, /backend = undefined must be a remote backend/],
    ["local", { kind: "local" }, /backend = \{"kind":"local"\} must be a remote backend/],
    [
      "a bad bucket",
      { ...backend, bucket: "Bad Bucket" },
      /backend\.bucket = "Bad Bucket" is not a valid bucket name/,
    ],
    [
      "a bad prefix",
      { ...backend, prefix: "/abs/path" },
      /backend\.prefix = "\/abs\/path" is not a valid state prefix/,
    ],
    [
      "no prefix",
      { kind: "gcs", bucket: "test-state" },
      /backend\.prefix = undefined is not a valid state prefix/,
    ],
  ])("rejects %s backend", (_what, value, message) => {
    expect(() => testStack({ backend: value as never })).toThrow(message);
  });

  it.each([
    [
      "system",
      { system: "TradingBot" },
      /^TradingBot-dev: system = "TradingBot" is not a valid prefix name/,
    ],
    // cdktf refuses a stack id with whitespace with a plain Error; the library must say which prop.
    [
      "system with a space",
      { system: "Trading Bot" },
      /system = "Trading Bot" is not a valid prefix name/,
    ],
    ["environment", { environment: "prod_1" }, /environment = "prod_1" is not a valid prefix name/],
    ["prefix", { prefix: "-x" }, /prefix = "-x" is not a valid prefix name/],
    [
      "a default prefix over 30 characters",
      { system: "a-very-long-system-name", environment: "production" },
      /prefix = "a-very-long-system-name-production" is 34 characters long/,
    ],
  ])("rejects a bad %s", (_what, props, message) => {
    expect(() => testStack(props)).toThrow(ValidationError);
    expect(() => testStack(props)).toThrow(message);
  });
});

describe("claimName", () => {
  it("returns a free name and rejects a second claim of the same kind", () => {
    const stack = testStack();
    const first = new Construct(stack, "first");
    const second = new Construct(stack, "second");
    expect(stack.claimName(first, "name", "firewall", "test-dev-allow-ssh")).toBe(
      "test-dev-allow-ssh",
    );
    expect(() =>
      stack.claimName(second, "rules[0].name", "firewall", "test-dev-allow-ssh"),
    ).toThrow(
      'test-dev/second: rules[0].name = "test-dev-allow-ssh" is already used by another firewall in this stack (test-dev/first).\n  Fix: give each resource its own name',
    );
  });

  it("lets resources of different kinds share a name", () => {
    const stack = testStack();
    stack.claimName(stack, "name", "router", "test-dev-x");
    expect(stack.claimName(stack, "name", "nat", "test-dev-x")).toBe("test-dev-x");
  });
});

describe("PlatformStack.of", () => {
  it("finds the stack of a deeply nested construct", () => {
    const stack = testStack();
    const deep = new Construct(new Construct(stack, "a"), "b");
    expect(PlatformStack.of(deep)).toBe(stack);
    expect(PlatformStack.of(stack)).toBe(stack);
  });

  it("rejects a construct outside a PlatformStack", () => {
    const app = testApp();
    const loose = new Construct(app, "loose");
    const inPlainStack = new Construct(new TerraformStack(app, "plain"), "thing");
    expect(() => PlatformStack.of(loose)).toThrow(ValidationError);
    expect(() => PlatformStack.of(loose)).toThrow(
      /^loose: scope = "loose" is not inside a PlatformStack\./,
    );
    expect(() => PlatformStack.of(inPlainStack)).toThrow(/is not inside a PlatformStack/);
  });
});

describe("two stacks with one id", () => {
  const backend = { kind: "gcs", bucket: "test-state", prefix: "test/dev" } as const;

  it("is a ValidationError naming both sources, not cdktf's construct-name error", () => {
    const app = testApp();
    new PlatformStack(app, {
      system: "shop",
      environment: "prod",
      backend,
      source: "built-in example shop.prod",
    });
    expect(
      () =>
        new PlatformStack(app, {
          system: "shop",
          environment: "prod",
          backend,
          source: "settings.json shop.dev",
        }),
    ).toThrow(
      /settings\.json shop\.dev: environment = "prod" makes the stack "shop-prod", which built-in example shop\.prod already defines/,
    );
  });

  it("also when another construct took the id", () => {
    const app = testApp();
    new Construct(app, "shop-prod");
    expect(() => new PlatformStack(app, { system: "shop", environment: "prod", backend })).toThrow(
      /which another construct of the app already defines/,
    );
  });

  it("is fine in separate apps", () => {
    new PlatformStack(testApp(), { system: "shop", environment: "prod", backend });
    expect(
      new PlatformStack(testApp(), { system: "shop", environment: "prod", backend }).node.id,
    ).toBe("shop-prod");
  });
});

describe("S3 backend (AWS stacks)", () => {
  const s3 = {
    kind: "s3",
    bucket: "acme-tf-state",
    key: "shop/prod/terraform.tfstate",
    region: "ap-northeast-2",
  } as const;

  it("writes an encrypted S3 backend with Terraform's own lock file", () => {
    const stack = new PlatformStack(testApp(), {
      system: "shop",
      environment: "prod",
      backend: s3,
    });
    const json = synthJson(stack) as { terraform: { backend: { s3: Record<string, unknown> } } };
    expect(json.terraform.backend.s3).toEqual({
      bucket: "acme-tf-state",
      key: "shop/prod/terraform.tfstate",
      region: "ap-northeast-2",
      encrypt: true,
      use_lockfile: true,
    });
  });

  it("takes a KMS key and a DynamoDB lock table instead", () => {
    const stack = new PlatformStack(testApp(), {
      system: "shop",
      environment: "prod",
      backend: {
        ...s3,
        kmsKeyId: "arn:aws:kms:ap-northeast-2:111122223333:key/abcd",
        dynamodbTable: "tf-locks",
      },
    });
    const json = synthJson(stack) as { terraform: { backend: { s3: Record<string, unknown> } } };
    expect(json.terraform.backend.s3).toMatchObject({
      kms_key_id: expect.stringMatching(/^arn:aws:kms:/),
      dynamodb_table: "tf-locks",
    });
    expect(json.terraform.backend.s3.use_lockfile).toBeUndefined();
  });

  it.each([
    [{ bucket: "Bad_Bucket" }, /backend\.bucket = "Bad_Bucket" is not an S3 bucket name/],
    [{ key: "../other/state" }, /backend\.key = "\.\.\/other\/state" is not a valid state key/],
    [{ region: "korea" }, /backend\.region = "korea" is not an AWS region/],
    [{ kmsKeyId: "alias/x" }, /backend\.kmsKeyId = "alias\/x" is not a KMS key ARN/],
  ])("refuses %j", (override, message) => {
    expect(
      () =>
        new PlatformStack(testApp(), {
          system: "shop",
          environment: "prod",
          backend: { ...s3, ...override } as never,
        }),
    ).toThrow(message);
  });
});

describe("stack-wide allowDeletion (teardown of dev and review environments)", () => {
  const TEARDOWN = "review environment, destroyed when its pull request closes";

  it("turns off the deletion protections of every stateful construct and records the reason", () => {
    const stack = testStack({ allowDeletion: { reason: TEARDOWN } });
    const bucket = new Bucket(stack, "b", { name: "scratch", location: "us-central1" });
    const registry = new ArtifactRegistry(stack, "r", { name: "images", region: "us-central1" });
    const json = synthJson(stack);
    expect(findResource(json, "google_storage_bucket").lifecycle).toBeUndefined();
    expect(findResource(json, "google_artifact_registry_repository").lifecycle).toBeUndefined();
    expect(optOutsOf(bucket.bucket)).toEqual([{ id: "deletion-allowed", reason: TEARDOWN }]);
    expect(optOutsOf(registry.repository)).toEqual([{ id: "deletion-allowed", reason: TEARDOWN }]);
  });

  it("leaves the protections on without it", () => {
    const stack = testStack();
    const bucket = new Bucket(stack, "b", { name: "scratch", location: "us-central1" });
    expect(findResource(synthJson(stack), "google_storage_bucket").lifecycle).toEqual({
      prevent_destroy: true,
    });
    expect(optOutsOf(bucket.bucket)).toEqual([]);
  });

  it("yields to a construct's own allowDeletion", () => {
    const own = "scratch bucket of the load test, emptied by every run";
    const stack = testStack({ allowDeletion: { reason: TEARDOWN } });
    const bucket = new Bucket(stack, "b", {
      name: "scratch",
      location: "us-central1",
      allowDeletion: { reason: own },
    });
    expect(optOutsOf(bucket.bucket)).toEqual([{ id: "deletion-allowed", reason: own }]);
  });

  it("needs a reason, checked once at the stack", () => {
    expect(() => testStack({ allowDeletion: { reason: "dev" } })).toThrow(
      /test-dev: allowDeletion\.reason = "dev" is too short/,
    );
  });
});

describe("stack parts", () => {
  it("names a part's stack <system>-<environment>-<part>, its prefix too", () => {
    const stack = testStack({ system: "dantaro-wallet", environment: "prod", part: "k8s" });
    expect(stack.node.id).toBe("dantaro-wallet-prod-k8s");
    expect(stack.prefix).toBe("dantaro-wallet-prod-k8s");
    expect(stack.labels).toMatchObject({ system: "dantaro-wallet", environment: "prod" });
  });

  it.each(["K8s", "k-8s", "", "averyverylongpart"])("refuses the part %j", (part) => {
    expect(() => testStack({ part })).toThrow(/part = .* is not a stack part/);
  });
});

describe("references between stacks", () => {
  it("still get an output and a remote state when the app has more than one stack", () => {
    const app = Testing.app();
    const backend = (env: string) =>
      ({ kind: "gcs", bucket: "test-state", prefix: `test/${env}` }) as const;
    const from = new PlatformStack(app, {
      system: "test",
      environment: "a",
      backend: backend("a"),
    });
    const to = new PlatformStack(app, { system: "test", environment: "b", backend: backend("b") });
    new GoogleProvider(from, "google", { project: "test-project" });
    new GoogleProvider(to, "google", { project: "test-project" });
    const network = new ComputeNetwork(from, "vpc", {
      name: "a-vpc",
      autoCreateSubnetworks: false,
    });
    new ComputeNetwork(to, "vpc", { name: network.name, autoCreateSubnetworks: false });
    app.synth();
    const b = JSON.parse(Testing.synth(to)) as { data?: Record<string, unknown> };
    expect(Object.keys(b.data ?? {})).toContain("terraform_remote_state");
    const a = JSON.parse(Testing.synth(from)) as { output?: Record<string, unknown> };
    expect(Object.keys(a.output ?? {}).length).toBeGreaterThan(0);
  });
});
