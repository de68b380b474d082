import { Construct } from "constructs";
import { IamRole, ServicePrincipal } from "../../constructs/aws/iam";
import type { IKmsKey } from "../../constructs/aws/interfaces";
import { SecretsManagerSecret, type SecretsManagerSecretProps } from "../../constructs/aws/secrets";
import { optOutsOf } from "../../constructs/core/opt-out";
import type { PlatformStack } from "../../constructs/core/stack";
import { evaluate } from "../../policy/engine";
import { parseStack } from "../../policy/load";
import type { Json } from "../../policy/types";
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
const LAMBDA = "arn:aws:lambda:ap-northeast-2:111122223333:function:rotate-db";

class Key extends Construct implements IKmsKey {
  readonly keyArn = KEY_ARN;
}

function secret(props: SecretsManagerSecretProps = {}) {
  const stack = testStack();
  const s = new SecretsManagerSecret(stack, "db", { name: "signal-factory/prod/db", ...props });
  return { stack, secret: s };
}

function taskRole(stack: PlatformStack): IamRole {
  return new IamRole(stack, "task", {
    assumedBy: ServicePrincipal("ecs-tasks.amazonaws.com"),
    description: "Task role of the api service",
  });
}

function policyStatements(json: SynthJson): unknown[] {
  const docs = (json.data as Record<string, Record<string, { statement: unknown[] }>>)
    .aws_iam_policy_document;
  const entry = Object.entries(docs).find(([name]) => name.includes("_policy-document_"));
  return entry ? entry[1].statement : [];
}

describe("SecretsManagerSecret", () => {
  it("has no value, a 30-day recovery window and is protected by default", () => {
    const { stack } = secret();
    const json = synthJson(stack);
    const s = findResource(json, "aws_secretsmanager_secret");
    expect(s).toMatchObject({
      name: "signal-factory/prod/db",
      recovery_window_in_days: 30,
      lifecycle: { prevent_destroy: true },
    });
    expect(s.kms_key_id).toBeUndefined();
    expect(s.policy).toBeUndefined();
    expect(resourcesOf(json, "aws_secretsmanager_secret_version")).toEqual([]);
    expect(resourcesOf(json, "aws_secretsmanager_secret_rotation")).toEqual([]);
    expect(resourcesOf(json, "aws_secretsmanager_secret_policy")).toEqual([]);
  });

  it("is named `${prefix}-${id}` without a name", () => {
    const stack = testStack();
    new SecretsManagerSecret(stack, "api-token");
    expect(findResource(synthJson(stack), "aws_secretsmanager_secret").name).toBe(
      "test-dev-api-token",
    );
  });

  it("passes the policy pack with zero unsuppressed findings", () => {
    const { stack, secret: s } = secret({
      kmsKey: new Key(testStack(), "key"),
      denyInsecureTransport: true,
    });
    s.grantRead(taskRole(stack));
    const json = JSON.parse(JSON.stringify(synthWithComments(stack))) as Json;
    const findings = evaluate([parseStack("test", json)]).filter(
      (f) => f.severity !== "info" && f.suppressed === undefined,
    );
    expect(findings).toEqual([]);
  });

  it("renders a KMS key, a description, rotation and the TLS-only policy", () => {
    const { stack, secret: s } = secret({
      kmsKey: new Key(testStack(), "key"),
      description: "Database URL of the api; put by the on-call",
      recoveryWindowDays: 7,
      rotation: { lambdaArn: LAMBDA, days: 14 },
      denyInsecureTransport: true,
    });
    const json = synthJson(stack);
    expect(findResource(json, "aws_secretsmanager_secret")).toMatchObject({
      kms_key_id: KEY_ARN,
      description: "Database URL of the api; put by the on-call",
      recovery_window_in_days: 7,
    });
    expect(findResource(json, "aws_secretsmanager_secret_rotation")).toMatchObject({
      rotation_lambda_arn: LAMBDA,
      rotation_rules: { automatically_after_days: 14 },
      rotate_immediately: false,
    });
    expect(findResource(json, "aws_secretsmanager_secret_policy")).toMatchObject({
      block_public_policy: true,
    });
    expect(s.rotation).toBeDefined();
    expect(s.kmsKeyArn).toBe(KEY_ARN);
    const docs = (json.data as Record<string, Record<string, { statement: unknown[] }>>)
      .aws_iam_policy_document;
    expect(Object.values(docs)[0].statement).toEqual([
      {
        sid: "DenyInsecureTransport",
        effect: "Deny",
        principals: [{ type: "*", identifiers: ["*"] }],
        actions: ["secretsmanager:*"],
        resources: ["*"],
        condition: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
      },
    ]);
  });

  it("rotates every 30 days by default", () => {
    const { stack } = secret({ rotation: { lambdaArn: LAMBDA } });
    expect(findResource(synthJson(stack), "aws_secretsmanager_secret_rotation")).toMatchObject({
      rotation_rules: { automatically_after_days: 30 },
    });
  });

  describe("grantRead", () => {
    it("grants GetSecretValue and DescribeSecret on this secret only", () => {
      const { stack, secret: s } = secret();
      const role = taskRole(stack);
      s.grantRead(role);
      s.grantRead(role); // twice: one statement
      const statements = policyStatements(synthJson(stack));
      expect(statements).toEqual([
        {
          sid: expect.stringMatching(/^ReadSecretDb[0-9a-f]{8}$/),
          effect: "Allow",
          actions: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
          resources: [
            expect.stringMatching(/^\$\{aws_secretsmanager_secret\.db_secret_.*\.arn\}$/),
          ],
        },
      ]);
    });

    it("adds kms:Decrypt on the secret's key, for this secret through Secrets Manager", () => {
      const { stack, secret: s } = secret({ kmsKey: new Key(testStack(), "key") });
      s.grantRead(taskRole(stack));
      const statements = policyStatements(synthJson(stack));
      expect(statements[1]).toEqual({
        sid: expect.stringMatching(/^DecryptSecretDb/),
        effect: "Allow",
        actions: ["kms:Decrypt"],
        resources: [KEY_ARN],
        condition: [
          {
            test: "StringEquals",
            variable: "kms:EncryptionContext:SecretARN",
            values: [expect.stringMatching(/aws_secretsmanager_secret\.db_secret_.*\.arn/)],
          },
          {
            test: "StringLike",
            variable: "kms:ViaService",
            values: ["secretsmanager.*.amazonaws.com"],
          },
        ],
      });
    });

    it("gives two secrets two statements", () => {
      const stack = testStack();
      const a = new SecretsManagerSecret(stack, "a", { name: "app/a" });
      const b = new SecretsManagerSecret(stack, "b", { name: "app/b" });
      const role = taskRole(stack);
      a.grantRead(role);
      b.grantRead(role);
      expect(policyStatements(synthJson(stack))).toHaveLength(2);
    });

    it("refuses something that is not a principal", () => {
      const { secret: s } = secret();
      expect(() => s.grantRead({ roleArn: "arn:aws:iam::111122223333:role/x" } as never)).toThrow(
        /grantRead\(principal\) = .* is not a grantable principal/,
      );
    });
  });

  describe("allowDeletion", () => {
    it("drops prevent_destroy, allows a zero recovery window and records the opt-out", () => {
      const { stack, secret: s } = secret({
        recoveryWindowDays: 0,
        allowDeletion: { reason: REASON },
      });
      const json = synthJson(stack);
      const config = findResource(json, "aws_secretsmanager_secret");
      expect(config.lifecycle).toBeUndefined();
      expect(config.recovery_window_in_days).toBe(0);
      expect(optOutsOf(s.secret)).toEqual([{ id: "deletion-allowed", reason: REASON }]);
    });

    it("keeps the 30-day window unless told otherwise", () => {
      const { stack } = secret({ allowDeletion: { reason: REASON } });
      expect(
        findResource(synthJson(stack), "aws_secretsmanager_secret").recovery_window_in_days,
      ).toBe(30);
    });

    it("needs a reason", () => {
      expect(() => secret({ allowDeletion: { reason: "dev" } })).toThrow(
        /allowDeletion\.reason = "dev" is too short/,
      );
    });
  });

  it.each([
    [{ recoveryWindowDays: 0 }, /recoveryWindowDays = 0 deletes the secret at once/],
    [
      { recoveryWindowDays: 6 },
      /recoveryWindowDays = 6 is not a whole number of days from 7 to 30/,
    ],
    [{ recoveryWindowDays: 31 }, /recoveryWindowDays = 31 is not a whole number of days/],
    [{ recoveryWindowDays: 7.5 }, /recoveryWindowDays = 7\.5 is not a whole number of days/],
    [{ name: "/leading" }, /name = "\/leading" is not a secret path \(segment 1 is empty\)/],
    [{ name: "a//b" }, /name = "a\/\/b" is not a secret path \(segment 2 is empty\)/],
    [
      { name: "a/b c" },
      /name = "a\/b c" is not a valid Secrets Manager secret name.*Fix: use letters, digits and \/ _ \+ = \. @ -/s,
    ],
    [{ name: "" }, /name = "" is not a valid Secrets Manager secret name/],
    [
      { name: "x".repeat(513) },
      /is 513 characters long; a Secrets Manager secret name takes 1–512/,
    ],
    [
      { name: "app/db-abcdef" },
      /name = "app\/db-abcdef" is not a valid Secrets Manager secret name: it ends in a hyphen and six characters/,
    ],
    [
      { rotation: { lambdaArn: "rotate-db" } },
      /rotation\.lambdaArn = "rotate-db" is not an ARN of lambda/,
    ],
    [
      { rotation: { lambdaArn: "arn:aws:sns:ap-northeast-2:111122223333:topic" } },
      /rotation\.lambdaArn = .* is not an ARN of lambda/,
    ],
    [
      { rotation: { lambdaArn: LAMBDA, days: 0 } },
      /rotation\.days = 0 is not a whole number of days from 1 to 1000/,
    ],
    [{ description: "two\nlines" }, /description = "two\\nlines" is not a secret description/],
    [{ kmsKey: "arn:aws:kms:ap-northeast-2:111122223333:key/1" }, /kmsKey/],
    [{ kmsKey: { keyArn: "$(id)" } }, /kmsKey = "\$\(id\)" is not an ARN of kms/],
    [{ value: "hunter2" }, /value/],
    [{ secretString: "hunter2" }, /secretString/],
    [{ forceDestroy: true }, /forceDestroy/],
    [{ recoveryWindowDays: "30" }, /recoveryWindowDays/],
  ])("rejects %j", (override, message) => {
    expect(() => secret(override as SecretsManagerSecretProps)).toThrow(message);
  });

  it("refuses a second secret with the same name in the stack", () => {
    const stack = testStack();
    new SecretsManagerSecret(stack, "a", { name: "app/db" });
    expect(() => new SecretsManagerSecret(stack, "b", { name: "app/db" })).toThrow(
      /name = "app\/db" is already used by another Secrets Manager secret in this stack/,
    );
  });

  it("never puts the refused value in the error", () => {
    expect(() => secret({ value: "hunter2-super-secret" } as never)).not.toThrow(
      /hunter2-super-secret/,
    );
  });
});
