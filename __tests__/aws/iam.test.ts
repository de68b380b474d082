import { Fn, TerraformVariable, Token } from "cdktf";
import { optOutsOf } from "../../constructs/core/opt-out";
import {
  AccountRootPrincipal,
  FederatedPrincipal,
  IamRole,
  ServicePrincipal,
  type IamRoleProps,
} from "../../constructs/aws/iam";
import type { PolicyStatement } from "../../constructs/aws/interfaces";
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

const REASON = "break-glass role of the platform team, ticket OPS-42";
const OIDC = "arn:aws:iam::111122223333:oidc-provider/oidc.eks.ap-northeast-2.amazonaws.com/id/ABC";
const ISSUER = "oidc.eks.ap-northeast-2.amazonaws.com/id/ABC";
const BASE: IamRoleProps = {
  assumedBy: ServicePrincipal("ecs-tasks.amazonaws.com"),
  description: "Task role of the api service",
};
const READ_BUCKET: PolicyStatement = {
  sid: "ReadBucket",
  effect: "Allow",
  actions: ["s3:GetObject"],
  resources: ["arn:aws:s3:::acme-data/*"],
};

function role(props: Partial<IamRoleProps> = {}) {
  const stack = testStack();
  const r = new IamRole(stack, "api-task", { ...BASE, ...props });
  return { stack, role: r };
}

function documents(json: SynthJson): Record<string, Record<string, unknown>> {
  return ((json.data as Record<string, unknown>)?.aws_iam_policy_document ?? {}) as Record<
    string,
    Record<string, unknown>
  >;
}

function documentOf(json: SynthJson, suffix: string): Record<string, unknown> {
  const entry = Object.entries(documents(json)).find(([name]) => name.includes(`_${suffix}_`));
  if (!entry) throw new Error(`no policy document ${suffix}`);
  return entry[1];
}

describe("IamRole", () => {
  it("is a role with a service trust, one-hour sessions and no policy by default", () => {
    const { stack, role: r } = role();
    const json = synthJson(stack);
    expect(findResource(json, "aws_iam_role")).toMatchObject({
      name: "test-dev-api-task",
      description: "Task role of the api service",
      path: "/",
      max_session_duration: 3600,
      force_detach_policies: false,
    });
    expect(findResource(json, "aws_iam_role").permissions_boundary).toBeUndefined();
    expect(documentOf(json, "assume-role").statement).toEqual([
      {
        effect: "Allow",
        actions: ["sts:AssumeRole"],
        principals: [{ type: "Service", identifiers: ["ecs-tasks.amazonaws.com"] }],
      },
    ]);
    expect(resourcesOf(json, "aws_iam_role_policy")).toEqual([]);
    expect(resourcesOf(json, "aws_iam_role_policy_attachment")).toEqual([]);
    expect(r.inlinePolicy).toBeUndefined();
    expect(Token.isUnresolved(r.roleArn)).toBe(true);
  });

  it("passes the policy pack with zero unsuppressed findings", () => {
    const { stack, role: r } = role({
      managedPolicyArns: ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
    });
    r.addToPolicy(READ_BUCKET);
    const json = JSON.parse(JSON.stringify(synthWithComments(stack))) as Json;
    const findings = evaluate([parseStack("test", json)]).filter(
      (f) => f.severity !== "info" && f.suppressed === undefined,
    );
    expect(findings).toEqual([]);
  });

  it("builds the inline policy from statements, through the policy document", () => {
    const { stack, role: r } = role({ statements: [READ_BUCKET] });
    r.addToPolicy({
      sid: "PullImages",
      effect: "Allow",
      actions: ["ecr:GetAuthorizationToken"],
      resources: ["*"],
    });
    r.addToPolicy({
      sid: "Decrypt",
      effect: "Allow",
      actions: ["kms:Decrypt"],
      resources: ["arn:aws:kms:ap-northeast-2:111122223333:key/abc"],
      conditions: { StringEquals: { "kms:ViaService": "s3.ap-northeast-2.amazonaws.com" } },
    });
    r.addToPolicy(READ_BUCKET); // the same statement again: no-op
    const json = synthJson(stack);
    expect(findResource(json, "aws_iam_role_policy")).toMatchObject({
      name: "least-privilege",
      policy: expect.stringMatching(/data\.aws_iam_policy_document\..*policy-document.*\.json/),
    });
    expect(documentOf(json, "policy-document").statement).toEqual([
      {
        sid: "ReadBucket",
        effect: "Allow",
        actions: ["s3:GetObject"],
        resources: ["arn:aws:s3:::acme-data/*"],
      },
      {
        sid: "PullImages",
        effect: "Allow",
        actions: ["ecr:GetAuthorizationToken"],
        resources: ["*"],
      },
      {
        sid: "Decrypt",
        effect: "Allow",
        actions: ["kms:Decrypt"],
        resources: ["arn:aws:kms:ap-northeast-2:111122223333:key/abc"],
        condition: [
          {
            test: "StringEquals",
            variable: "kms:ViaService",
            values: ["s3.ap-northeast-2.amazonaws.com"],
          },
        ],
      },
    ]);
  });

  it("renders name, path, boundary, session duration and managed policies", () => {
    const { stack } = role({
      name: "signal-factory-api",
      path: "/service-roles/",
      permissionsBoundary: "arn:aws:iam::111122223333:policy/workload-boundary",
      maxSessionDuration: 7200,
      managedPolicyArns: [
        "arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy",
        "arn:aws:iam::111122223333:policy/team/app-read",
      ],
    });
    const json = synthJson(stack);
    expect(findResource(json, "aws_iam_role")).toMatchObject({
      name: "signal-factory-api",
      path: "/service-roles/",
      permissions_boundary: "arn:aws:iam::111122223333:policy/workload-boundary",
      max_session_duration: 7200,
    });
    expect(
      resourcesOf(json, "aws_iam_role_policy_attachment").map((a) => a.config.policy_arn),
    ).toEqual([
      "arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy",
      "arn:aws:iam::111122223333:policy/team/app-read",
    ]);
  });

  describe("trust", () => {
    it("trusts an OIDC provider with web identity, pinned to a subject", () => {
      const conditions = {
        StringEquals: {
          [`${ISSUER}:sub`]: "system:serviceaccount:app:api",
          [`${ISSUER}:aud`]: "sts.amazonaws.com",
        },
      };
      const { stack } = role({ assumedBy: FederatedPrincipal(OIDC, conditions) });
      expect(documentOf(synthJson(stack), "assume-role").statement).toEqual([
        {
          effect: "Allow",
          actions: ["sts:AssumeRoleWithWebIdentity"],
          principals: [{ type: "Federated", identifiers: [OIDC] }],
          condition: [
            {
              test: "StringEquals",
              variable: `${ISSUER}:sub`,
              values: ["system:serviceaccount:app:api"],
            },
            { test: "StringEquals", variable: `${ISSUER}:aud`, values: ["sts.amazonaws.com"] },
          ],
        },
      ]);
    });

    it("takes a Terraform reference in a condition key and keeps it a reference", () => {
      const stack = testStack();
      const issuer = Fn.replace(
        new TerraformVariable(stack, "issuer_url", { type: "string" }).stringValue,
        "https://",
        "",
      );
      new IamRole(stack, "irsa", {
        ...BASE,
        assumedBy: FederatedPrincipal(OIDC, {
          StringEquals: {
            [`${issuer}:sub`]: "system:serviceaccount:app:api",
            [`${issuer}:aud`]: "sts.amazonaws.com",
          },
        }),
      });
      const ref = '${replace(var.issuer_url, "https://", "")}';
      expect(documentOf(synthJson(stack), "assume-role").statement).toEqual([
        expect.objectContaining({
          condition: [
            {
              test: "StringEquals",
              variable: `${ref}:sub`,
              values: ["system:serviceaccount:app:api"],
            },
            { test: "StringEquals", variable: `${ref}:aud`, values: ["sts.amazonaws.com"] },
          ],
        }),
      ]);
    });

    it("escapes a literal ${...} in a condition key next to a reference", () => {
      const stack = testStack();
      const account = new TerraformVariable(stack, "account", { type: "string" }).stringValue;
      new IamRole(stack, "reader", {
        ...BASE,
        assumedBy: ServicePrincipal("ecs-tasks.amazonaws.com", {
          StringEquals: { [`aws:PrincipalTag/\${aws:username}-${account}`]: "x" },
        }),
      });
      const [statement] = documentOf(synthJson(stack), "assume-role").statement as {
        condition: { variable: string }[];
      }[];
      expect(statement.condition[0].variable).toBe(
        "aws:PrincipalTag/$${aws:username}-${var.account}",
      );
    });

    it.each([
      ["a space after the reference", (t: string) => `${t} sub`],
      ["a quote in the literal part", (t: string) => `${t}:sub"`],
      ["a call around the reference", (t: string) => `\${file(${t})}`],
      ["an unfinished token marker", () => "${TfToken[TOKEN.1:sub"],
    ])("refuses a condition key with a reference and %s", (_what, key) => {
      const stack = testStack();
      const token = new TerraformVariable(stack, "issuer", { type: "string" }).stringValue;
      expect(
        () =>
          new IamRole(stack, "irsa", {
            ...BASE,
            assumedBy: FederatedPrincipal(OIDC, { StringEquals: { [key(token)]: "x" } }),
          }),
      ).toThrow(/assumedBy\.conditions\.StringEquals = .* is not a condition key/);
    });

    it("trusts an account's root, with conditions", () => {
      const { stack } = role({
        assumedBy: AccountRootPrincipal("444455556666", {
          StringEquals: { "sts:ExternalId": "acme-monitoring" },
        }),
      });
      expect(documentOf(synthJson(stack), "assume-role").statement).toEqual([
        {
          effect: "Allow",
          actions: ["sts:AssumeRole"],
          principals: [{ type: "AWS", identifiers: ["arn:aws:iam::444455556666:root"] }],
          condition: [
            { test: "StringEquals", variable: "sts:ExternalId", values: ["acme-monitoring"] },
          ],
        },
      ]);
    });

    it.each([
      [
        { service: "ecs-tasks" },
        /assumedBy\.service = "ecs-tasks" is not an AWS service principal/,
      ],
      [{ accountRoot: "1234" }, /assumedBy\.accountRoot = "1234" is not an AWS account id/],
      [
        { federated: "arn:aws:iam::111122223333:role/x", conditions: {} },
        /assumedBy\.federated = .* is not an IAM OIDC provider ARN/,
      ],
      [
        { federated: OIDC, conditions: {} },
        /assumedBy\.conditions = \{\} does not pin the token's subject/,
      ],
      [
        { federated: OIDC, conditions: { StringLike: { [`${ISSUER}:sub`]: "*" } } },
        /does not pin the token's subject/,
      ],
      [
        { federated: OIDC, conditions: { StringNotEquals: { [`${ISSUER}:sub`]: "x" } } },
        /does not pin the token's subject/,
      ],
      [
        {
          federated: OIDC,
          conditions: { StringEquals: { [`${ISSUER}:aud`]: "sts.amazonaws.com" } },
        },
        /does not pin the token's subject/,
      ],
      [
        { service: "ecs-tasks.amazonaws.com", accountRoot: "111122223333" },
        /assumedBy = .* is not one principal/,
      ],
      [{}, /assumedBy = \{\} is not one principal/],
      [
        { service: "ecs-tasks.amazonaws.com", conditions: { "Bad Op": { k: "v" } } },
        /assumedBy\.conditions\.Bad Op = "Bad Op" is not a condition operator/,
      ],
      [
        {
          service: "ecs-tasks.amazonaws.com",
          conditions: { StringEquals: { "aws:SourceAccount": [] } },
        },
        /assumedBy\.conditions\.StringEquals\.aws:SourceAccount = \[\] is not a value or list of values/,
      ],
    ])("refuses assumedBy %j", (assumedBy, message) => {
      expect(() => role({ assumedBy: assumedBy as never })).toThrow(message);
    });
  });

  describe("least privilege", () => {
    it.each([
      [{ actions: ["*"] }, /actions\[0\] = "\*" is a wildcard/],
      [{ actions: ["s3:*"] }, /actions\[0\] = "s3:\*" is a wildcard/],
      [{ actions: ["s3:Get*"] }, /actions\[0\] = "s3:Get\*" is a wildcard/],
      [{ actions: ["GetObject"] }, /actions\[0\] = "GetObject" is not an IAM action/],
      [{ actions: [] }, /actions = \[\] is not a list of actions/],
      [
        { resources: ["*"] },
        /resources\[0\] = "\*" grants s3:GetObject on every resource of the account/,
      ],
      [
        { actions: ["ecr:GetAuthorizationToken", "ecr:BatchGetImage"], resources: ["*"] },
        /grants ecr:BatchGetImage on every resource/,
      ],
      [{ resources: ["acme-data"] }, /resources\[0\] = "acme-data" is not an ARN/],
      [{ resources: [] }, /resources = \[\] is not a list of resources/],
      [{ effect: "Deny" }, /effect = "Deny" is not "Allow"/],
      [{ sid: "read-bucket" }, /sid = "read-bucket" is not a statement id/],
    ])("refuses the statement %j", (override, message) => {
      const { role: r } = role();
      expect(() => r.addToPolicy({ ...READ_BUCKET, ...(override as object) })).toThrow(message);
    });

    it("names statements given in props by index", () => {
      expect(() => role({ statements: [{ ...READ_BUCKET, actions: ["*"] }] })).toThrow(
        /statements\[0\]\.actions\[0\] = "\*" is a wildcard/,
      );
    });

    it("refuses a different statement under a used sid", () => {
      const { role: r } = role({ statements: [READ_BUCKET] });
      expect(() => r.addToPolicy({ ...READ_BUCKET, resources: ["arn:aws:s3:::other/*"] })).toThrow(
        /addToPolicy\(statement\)\.sid = "ReadBucket" is already used by another statement/,
      );
    });
  });

  describe("administrator policies", () => {
    it.each(["AdministratorAccess", "PowerUserAccess", "IAMFullAccess"])("refuses %s", (name) => {
      expect(() => role({ managedPolicyArns: [`arn:aws:iam::aws:policy/${name}`] })).toThrow(
        new RegExp(
          `managedPolicyArns\\[0\\] = "arn:aws:iam::aws:policy/${name}" makes the role an administrator`,
        ),
      );
    });

    it("attaches one with the admin-policy opt-out, recorded on the attachment", () => {
      const { stack, role: r } = role({
        managedPolicyArns: [
          "arn:aws:iam::aws:policy/ReadOnlyAccess",
          "arn:aws:iam::aws:policy/AdministratorAccess",
        ],
        allowAdminPolicies: { reason: REASON },
      });
      expect(optOutsOf(r.attachments[0])).toEqual([]);
      expect(optOutsOf(r.attachments[1])).toEqual([{ id: "admin-policy", reason: REASON }]);
      const attachment = resourcesOf(synthWithComments(stack), "aws_iam_role_policy_attachment")[1];
      expect(attachment.config["//"]).toMatchObject({
        opt_outs: [{ id: "admin-policy", reason: REASON }],
      });
    });

    it("needs a reason", () => {
      expect(() =>
        role({
          managedPolicyArns: ["arn:aws:iam::aws:policy/AdministratorAccess"],
          allowAdminPolicies: { reason: "admin" },
        }),
      ).toThrow(/allowAdminPolicies\.reason = "admin" is too short/);
    });

    it("accepts a customer policy of the same name", () => {
      expect(() =>
        role({ managedPolicyArns: ["arn:aws:iam::111122223333:policy/AdministratorAccess"] }),
      ).not.toThrow();
    });
  });

  it.each([
    [{ name: "bad name" }, /name = "bad name" is not a valid IAM role name/],
    [{ name: "x".repeat(65) }, /name = "x{65}" is 65 characters long; an IAM role name takes 1–64/],
    [{ path: "service-roles" }, /path = "service-roles" is not an IAM path/],
    [
      { maxSessionDuration: 600 },
      /maxSessionDuration = 600 is not a whole number of seconds from 3600 to 43200/,
    ],
    [{ maxSessionDuration: 50000 }, /maxSessionDuration = 50000 is not a whole number of seconds/],
    [{ description: "" }, /description = "" is not a role description/],
    [{ description: "x".repeat(1001) }, /description = .* is not a role description/],
    [
      { permissionsBoundary: "workload-boundary" },
      /permissionsBoundary = "workload-boundary" is not a managed policy ARN/,
    ],
    [
      { managedPolicyArns: ["ReadOnlyAccess"] },
      /managedPolicyArns\[0\] = "ReadOnlyAccess" is not a managed policy ARN/,
    ],
    [
      {
        managedPolicyArns: [
          "arn:aws:iam::aws:policy/ReadOnlyAccess",
          "arn:aws:iam::aws:policy/ReadOnlyAccess",
        ],
      },
      /managedPolicyArns\[1\] = .* is listed twice/,
    ],
    [{ maxSessionDuration: "3600" }, /maxSessionDuration/],
    [{ managedPolicy: [] }, /managedPolicy/],
  ])("rejects %j", (override, message) => {
    expect(() => role(override as Partial<IamRoleProps>)).toThrow(message);
  });

  it("refuses a second role with the same name in the stack", () => {
    const stack = testStack();
    new IamRole(stack, "a", { ...BASE, name: "api" });
    expect(() => new IamRole(stack, "b", { ...BASE, name: "api" })).toThrow(
      /name = "api" is already used by another IAM role in this stack/,
    );
  });
});
