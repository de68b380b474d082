import { Construct } from "constructs";
import { blocking, evaluate } from "../../policy/engine";
import { parseStack } from "../../policy/load";
import type { Json } from "../../policy/types";
import { optOutsOf } from "../../constructs/core/opt-out";
import { EcrRepository, type EcrRepositoryProps } from "../../constructs/aws/ecr";
import type {
  IGrantablePrincipal,
  IKmsKey,
  PolicyStatement,
} from "../../constructs/aws/interfaces";
import { IamRole, ServicePrincipal } from "../../constructs/aws/iam";
import { findResource, synthJson, synthWithComments, testStack } from "../helpers/synth";

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

/** A principal that records what it is granted. */
class Recorder extends Construct implements IGrantablePrincipal {
  readonly roleArn = "arn:aws:iam::111122223333:role/ci";
  readonly statements: PolicyStatement[] = [];
  addToPolicy(statement: PolicyStatement): void {
    this.statements.push(statement);
  }
}

function repo(props: Partial<EcrRepositoryProps> = {}) {
  const stack = awsStack();
  const repository = new EcrRepository(stack, "api", { name: "api", ...props });
  return { stack, repository };
}

describe("EcrRepository", () => {
  it("is immutable, scanned, KMS-encrypted, lifecycle-managed and protected by default", () => {
    const { stack } = repo();
    const json = synthJson(stack);
    expect(findResource(json, "aws_ecr_repository")).toMatchObject({
      name: "test-dev-api",
      image_tag_mutability: "IMMUTABLE",
      image_scanning_configuration: { scan_on_push: true },
      encryption_configuration: [{ encryption_type: "KMS" }],
      force_delete: false,
      lifecycle: { prevent_destroy: true },
      tags: { environment: "dev", system: "test", "managed-by": "cdktf" },
    });
    const policy = JSON.parse(findResource(json, "aws_ecr_lifecycle_policy").policy as string) as {
      rules: { selection: Record<string, unknown> }[];
    };
    expect(policy.rules.map((r) => r.selection)).toEqual([
      { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: 7 },
      { tagStatus: "any", countType: "imageCountMoreThan", countNumber: 30 },
    ]);
  });

  it("takes a customer-managed key and lifecycle counts", () => {
    const stack = awsStack();
    const key = { keyArn: KEY_ARN, node: new Construct(stack, "k").node } as IKmsKey;
    new EcrRepository(stack, "api", {
      name: "bots/signal",
      encryptionKey: key,
      lifecycle: { keepLastImages: 100, untaggedExpiryDays: 1 },
    });
    const json = synthJson(stack);
    expect(findResource(json, "aws_ecr_repository")).toMatchObject({
      name: "test-dev-bots/signal",
      encryption_configuration: [{ encryption_type: "KMS", kms_key: KEY_ARN }],
    });
    expect(findResource(json, "aws_ecr_lifecycle_policy").policy).toContain('"countNumber":100');
  });

  it("grants pull and push on this repository only, the auth token on *", () => {
    const { stack, repository } = repo();
    const role = new IamRole(stack, "ci-role", {
      assumedBy: ServicePrincipal("codebuild.amazonaws.com"),
      description: "CI builds that push the api image",
    });
    repository.grantPull(role);
    repository.grantPush(role);
    const json = synthJson(stack);
    const docs = (json.data as Record<string, Record<string, { statement?: unknown }>>)
      .aws_iam_policy_document;
    const policy = Object.entries(docs).find(([k]) => k.includes("policy-document"))?.[1];
    const arn = "${aws_ecr_repository.api_repository_FDDB512F.arn}";
    expect(policy?.statement).toEqual([
      {
        sid: "EcrPullTestDevApi",
        effect: "Allow",
        actions: [
          "ecr:BatchCheckLayerAvailability",
          "ecr:BatchGetImage",
          "ecr:GetDownloadUrlForLayer",
        ],
        resources: [arn],
      },
      {
        sid: "EcrAuthPullTestDevApi",
        effect: "Allow",
        actions: ["ecr:GetAuthorizationToken"],
        resources: ["*"],
      },
      {
        sid: "EcrPushTestDevApi",
        effect: "Allow",
        actions: [
          "ecr:BatchCheckLayerAvailability",
          "ecr:BatchGetImage",
          "ecr:GetDownloadUrlForLayer",
          "ecr:CompleteLayerUpload",
          "ecr:InitiateLayerUpload",
          "ecr:PutImage",
          "ecr:UploadLayerPart",
        ],
        resources: [arn],
      },
      {
        sid: "EcrAuthPushTestDevApi",
        effect: "Allow",
        actions: ["ecr:GetAuthorizationToken"],
        resources: ["*"],
      },
    ]);
  });

  it("grants the same statements to any principal, twice without harm", () => {
    const { stack, repository } = repo();
    const ci = new Recorder(stack, "ci");
    repository.grantPull(ci);
    expect(ci.statements.map((s) => s.sid)).toEqual(["EcrPullTestDevApi", "EcrAuthPullTestDevApi"]);
    const role = new IamRole(stack, "r", {
      assumedBy: ServicePrincipal("codebuild.amazonaws.com"),
      description: "pulls twice",
    });
    repository.grantPull(role);
    expect(() => repository.grantPull(role)).not.toThrow();
  });

  it.each([
    [{ name: "Bad Name" }, /name = "test-dev-Bad Name" is not a valid ECR repository name/],
    [{ lifecycle: { keepLastImages: 0 } }, /lifecycle\.keepLastImages = 0 is not a whole number/],
    [
      { lifecycle: { untaggedExpiryDays: 1.5 } },
      /lifecycle\.untaggedExpiryDays = 1\.5 is not a whole number/,
    ],
    [
      { encryptionKey: { keyArn: "arn:aws:iam::111122223333:role/x" } },
      /encryptionKey = "arn:aws:iam::111122223333:role\/x" is not an ARN of kms/,
    ],
    [{ imageTagMutability: "MUTABLE" }, /imageTagMutability = "MUTABLE" is not a prop/],
    [{ scanOnPush: false }, /scanOnPush = false is not a prop/],
    [{ forceDelete: true }, /forceDelete = true is not a prop of EcrRepository/],
    [{ forceDestroy: true }, /forceDestroy = true is not a prop of EcrRepository/],
    [{ nmae: "x" }, /nmae/],
  ])("rejects %j", (override, message) => {
    expect(() => repo(override as Partial<EcrRepositoryProps>)).toThrow(message);
  });

  it("refuses a grantee that cannot take statements", () => {
    const { repository } = repo();
    expect(() => repository.grantPull("arn:aws:iam::1:role/x" as never)).toThrow(
      /grantPull\(principal\) = "arn:aws:iam::1:role\/x" is not a principal/,
    );
  });

  it("refuses a second repository with the same name", () => {
    const { stack } = repo();
    expect(() => new EcrRepository(stack, "again", { name: "api" })).toThrow(
      /name = "test-dev-api" is already used/,
    );
  });

  describe("allowDeletion", () => {
    it("drops prevent_destroy, force-deletes images and records the opt-out", () => {
      const { stack, repository } = repo({ allowDeletion: { reason: REASON } });
      const json = synthJson(stack);
      const r = findResource(json, "aws_ecr_repository");
      expect(r.lifecycle).toBeUndefined();
      expect(r.force_delete).toBe(true);
      expect(optOutsOf(repository.repository)).toEqual([
        { id: "deletion-allowed", reason: REASON },
      ]);
    });

    it("needs a reason", () => {
      expect(() => repo({ allowDeletion: { reason: "dev" } })).toThrow(
        /allowDeletion\.reason = "dev" is too short/,
      );
    });
  });

  it("passes the policy pack with no unsuppressed finding", () => {
    const { stack, repository } = repo();
    repository.grantPull(new Recorder(stack, "ci"));
    const json = JSON.parse(JSON.stringify(synthWithComments(stack))) as Json;
    const findings = evaluate([parseStack("test", json)]);
    expect(findings.filter((f) => f.suppressed === undefined && f.severity !== "info")).toEqual([]);
    expect(blocking(findings)).toEqual([]);
  });
});
