import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { optOutsOf } from "../../constructs/core/opt-out";
import { ValidationError } from "../../constructs/core/errors";
import { IamRole, ServicePrincipal } from "../../constructs/aws/iam";
import { KmsKey, type KmsKeyProps } from "../../constructs/aws/kms";
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

interface Statement {
  sid: string;
  actions: string[];
  principals: { type: string; identifiers: string[] }[];
  condition?: { test: string; variable: string; values: string[] }[];
}

function awsStack() {
  const stack = testStack({
    system: "sf",
    environment: "dev",
    backend: { kind: "s3", bucket: "sf-state", key: "sf/dev.tfstate", region: "ap-northeast-2" },
  });
  new AwsProvider(stack, "aws", { region: "ap-northeast-2" });
  return stack;
}

function build(props: KmsKeyProps = {}) {
  const stack = awsStack();
  const key = new KmsKey(stack, "db", props);
  return { stack, key, json: synthJson(stack) };
}

type WithData = SynthJson & { data: Record<string, Record<string, Record<string, unknown>>> };

function statementsOf(json: SynthJson): Statement[] {
  const docs = Object.values((json as WithData).data.aws_iam_policy_document);
  return docs.flatMap((d) => d.statement as Statement[]);
}

describe("KmsKey", () => {
  it("rotates, has a 30-day window, an alias and a root-admin policy by default", () => {
    const { json, key } = build();
    expect(findResource(json, "aws_kms_key")).toMatchObject({
      description: "sf-dev-db",
      key_usage: "ENCRYPT_DECRYPT",
      customer_master_key_spec: "SYMMETRIC_DEFAULT",
      enable_key_rotation: true,
      rotation_period_in_days: 365,
      deletion_window_in_days: 30,
      multi_region: false,
      bypass_policy_lockout_safety_check: false,
      policy: expect.stringMatching(/^\$\{data\.aws_iam_policy_document\..*\.json\}$/),
      lifecycle: { prevent_destroy: true },
      tags: { environment: "dev", system: "sf", "managed-by": "cdktf" },
    });
    expect(findResource(json, "aws_kms_alias")).toMatchObject({
      name: "alias/sf-dev-db",
      target_key_id: expect.stringMatching(/aws_kms_key\..*\.key_id/),
    });
    const statements = statementsOf(json);
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatchObject({ sid: "AccountRootAdmin", actions: ["kms:*"] });
    expect(statements[0].principals[0].identifiers[0]).toMatch(
      /^arn:\$\{data\.aws_partition\..*\.partition\}:iam::\$\{data\.aws_caller_identity\..*\.account_id\}:root$/,
    );
    expect(key.services).toEqual([]);
    expect(typeof key.keyArn).toBe("string");
    expect(optOutsOf(key.key)).toEqual([]);
  });

  it("lets named services use the key for the account, through the service only", () => {
    const { json, key } = build({ services: ["secretsmanager", "rds", "logs"] });
    expect(key.services).toEqual(["logs", "rds", "secretsmanager"]);
    const statements = statementsOf(json);
    expect(statements.map((s) => s.sid)).toEqual([
      "AccountRootAdmin",
      "UseLogs",
      "UseRds",
      "UseSecretsmanager",
    ]);
    const rds = statements.find((s) => s.sid === "UseRds")!;
    expect(rds.actions).not.toContain("kms:*");
    expect(rds.actions).toEqual(expect.arrayContaining(["kms:Decrypt", "kms:CreateGrant"]));
    expect(rds.condition).toEqual([
      {
        test: "StringEquals",
        variable: "kms:CallerAccount",
        values: [expect.stringMatching(/aws_caller_identity/)],
      },
      {
        test: "StringEquals",
        variable: "kms:ViaService",
        values: [expect.stringMatching(/^rds\.\$\{data\.aws_region\..*\.region\}\./)],
      },
    ]);
    const logs = statements.find((s) => s.sid === "UseLogs")!;
    expect(logs.principals[0].type).toBe("Service");
    expect(logs.actions).not.toContain("kms:CreateGrant");
    expect(logs.condition![0].variable).toBe("kms:EncryptionContext:aws:logs:arn");
  });

  it("renders name, description, window and rotation", () => {
    const { json } = build({
      name: "ledger",
      description: "Ledger database",
      deletionWindowDays: 7,
      rotationPeriodDays: 90,
    });
    expect(findResource(json, "aws_kms_key")).toMatchObject({
      description: "Ledger database",
      deletion_window_in_days: 7,
      rotation_period_in_days: 90,
    });
    expect(findResource(json, "aws_kms_alias").name).toBe("alias/sf-dev-ledger");
  });

  it("is created in another region through a provider alias", () => {
    const stack = awsStack();
    const dr = new AwsProvider(stack, "dr", { region: "us-west-2", alias: "dr" });
    new KmsKey(stack, "dr-key", { provider: dr, services: ["rds"] });
    const json = synthJson(stack) as WithData;
    expect(findResource(json, "aws_kms_key").provider).toBe("aws.dr");
    expect(findResource(json, "aws_kms_alias").provider).toBe("aws.dr");
    for (const type of ["aws_iam_policy_document", "aws_caller_identity", "aws_region"]) {
      for (const d of Object.values(json.data[type])) expect(d.provider).toBe("aws.dr");
    }
  });

  it("grants decrypt and encrypt/decrypt on this key only, without wildcards", () => {
    const stack = awsStack();
    const key = new KmsKey(stack, "db");
    const role = new IamRole(stack, "task", {
      assumedBy: ServicePrincipal("ecs-tasks.amazonaws.com"),
      description: "api task",
    });
    key.grantDecrypt(role);
    key.grantDecrypt(role);
    key.grantEncryptDecrypt(role);
    const statements = statementsOf(synthJson(stack)).filter((s) => s.sid?.startsWith("Kms"));
    expect(statements.map((s) => [s.sid, s.actions])).toEqual([
      ["KmsDecryptDb", ["kms:Decrypt", "kms:DescribeKey"]],
      [
        "KmsEncryptDecryptDb",
        ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"],
      ],
    ]);
    expect(() => key.grantDecrypt({} as never)).toThrow(
      /grantDecrypt\(grantee\) = \{\} is not a principal that can be granted permissions/,
    );
  });

  it("allowDeletion drops prevent_destroy and records the opt-out", () => {
    const { json, key } = build({ allowDeletion: { reason: REASON } });
    expect(findResource(json, "aws_kms_key").lifecycle).toBeUndefined();
    expect(findResource(json, "aws_kms_key").deletion_window_in_days).toBe(30);
    expect(optOutsOf(key.key)).toEqual([{ id: "deletion-allowed", reason: REASON }]);
  });

  it.each([
    [{ name: "bad name" }, /name = "alias\/sf-dev-bad name" is not a valid KMS alias name/],
    [
      { deletionWindowDays: 3 },
      /deletionWindowDays = 3 is not a whole number of days from 7 to 30/,
    ],
    [{ deletionWindowDays: 31 }, /deletionWindowDays = 31 is not a whole number of days/],
    [{ rotationPeriodDays: 30 }, /rotationPeriodDays = 30 is not a whole number of days from 90/],
    [{ services: ["rsd"] }, /services\[0\] = "rsd" is not a service[^]*did you mean rds/],
    [{ services: ["rds", "rds"] }, /services\[1\] = "rds" is listed twice/],
    [{ provider: "aws.dr" }, /provider = "aws.dr" is not a Terraform provider/],
    [{ enableKeyRotation: false }, /enableKeyRotation/],
    [{ forceDestroy: true }, /forceDestroy = true is not a prop of KmsKey/],
    [{ allowDeletion: { reason: "short" } }, /allowDeletion\.reason = "short" is too short/],
  ])("refuses %j", (props, message) => {
    let error: unknown;
    try {
      build(props as never);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toMatch(message);
  });

  it("refuses two keys with the same alias", () => {
    const stack = awsStack();
    new KmsKey(stack, "a", { name: "db" });
    expect(() => new KmsKey(stack, "b", { name: "db" })).toThrow(
      /name = "alias\/sf-dev-db" is already used by another KMS alias in this stack/,
    );
  });

  it("passes the policy pack with no unsuppressed finding", () => {
    const stack = awsStack();
    new KmsKey(stack, "db", { services: ["rds", "logs"] });
    const json = JSON.parse(JSON.stringify(synthWithComments(stack))) as Json;
    const findings = evaluate([parseStack("test", json)]).filter(
      (f) => f.severity !== "info" && f.suppressed === undefined,
    );
    expect(findings).toEqual([]);
    expect(resourcesOf(synthJson(stack), "aws_kms_key")).toHaveLength(1);
  });
});
