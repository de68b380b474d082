import { Construct } from "constructs";
import { DefaultTokenResolver, StringConcat, TerraformStack, Token, Tokenization } from "cdktf";
import { z } from "zod";
import { IamRole as IamRoleResource } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import {
  DataAwsIamPolicyDocument,
  type DataAwsIamPolicyDocumentStatement,
} from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { OPT_OUT_IDS } from "../../vocabulary";
import { invalid } from "../core/errors";
import { checkName } from "../core/naming";
import { TOKEN_MARKER } from "../core/terraform-text";
import { acceptOptOut, recordOptOut, type OptOut } from "../core/opt-out";
import { checkedBy, checkProps, optOutSchema, type PropsSchema } from "../core/props";
import { PlatformStack } from "../core/stack";
import { checkArn } from "./common";
import type { IGrantablePrincipal, PolicyStatement } from "./interfaces";

/**
 * IAM roles for workloads (ECS task roles, IRSA / OIDC roles, cross-account roles), with an inline
 * policy that only grows through least-privilege statements (`addToPolicy`, and the `grant*()`
 * methods of other constructs).
 */

/** IAM conditions: `{ operator: { key: value or values } }`, e.g. `{ StringEquals: { "aws:SourceAccount": "111122223333" } }`. */
export type IamConditions = Readonly<
  Record<string, Readonly<Record<string, string | readonly string[]>>>
>;

/** An AWS service that assumes the role (`ecs-tasks.amazonaws.com`), with `sts:AssumeRole`. */
export interface ServicePrincipal {
  readonly service: string;
  /**
   * Conditions on the trust, e.g. `aws:SourceAccount` against the confused-deputy problem.
   * @default none
   */
  readonly conditions?: IamConditions;
}

/**
 * An OIDC identity provider (an EKS cluster's issuer, GitHub Actions) whose tokens assume the role
 * with `sts:AssumeRoleWithWebIdentity`. The conditions must pin the token's subject
 * (`<issuer>:sub`), or every identity the provider issues could assume the role.
 */
export interface FederatedPrincipal {
  /** The IAM OIDC provider's ARN (`arn:aws:iam::<account>:oidc-provider/<issuer>`). */
  readonly federated: string;
  /** At least a `<issuer>:sub` test, e.g. `{ StringEquals: { "<issuer>:sub": "system:serviceaccount:app:api" } }`. */
  readonly conditions: IamConditions;
}

/** The principals of an account (`arn:aws:iam::<account>:root`), with `sts:AssumeRole`. */
export interface AccountRootPrincipal {
  /** The 12-digit account id. */
  readonly accountRoot: string;
  /** Conditions on the trust, e.g. `sts:ExternalId` for a third party, or MFA. @default none */
  readonly conditions?: IamConditions;
}

/** Who may assume a role. */
export type RolePrincipal = ServicePrincipal | FederatedPrincipal | AccountRootPrincipal;

/** A service principal: `ServicePrincipal("ecs-tasks.amazonaws.com")`. */
export function ServicePrincipal(service: string, conditions?: IamConditions): ServicePrincipal {
  return conditions === undefined ? { service } : { service, conditions };
}

/** An OIDC provider principal: `FederatedPrincipal(providerArn, { StringEquals: { ... } })`. */
export function FederatedPrincipal(
  federated: string,
  conditions: IamConditions,
): FederatedPrincipal {
  return { federated, conditions };
}

/** An account's principals: `AccountRootPrincipal("111122223333")`. */
export function AccountRootPrincipal(
  accountRoot: string,
  conditions?: IamConditions,
): AccountRootPrincipal {
  return conditions === undefined ? { accountRoot } : { accountRoot, conditions };
}

export interface IamRoleProps {
  /** Who may assume the role: a service, an OIDC provider with a subject condition, or an account. */
  readonly assumedBy: RolePrincipal;
  /** What the role is for (shown in the console and the review), 1-1000 characters. */
  readonly description: string;
  /**
   * The role's name, used as given (letters, digits and `+=,.@_-`, at most 64).
   * @default `${prefix}-${id}`
   */
  readonly name?: string;
  /** The role's path (`/service-roles/`). @default "/" */
  readonly path?: string;
  /**
   * Managed policies to attach (`arn:aws:iam::aws:policy/...` or a customer policy's ARN). The
   * administrator policies (`AdministratorAccess`, `PowerUserAccess`, `IAMFullAccess`) need
   * {@link allowAdminPolicies}.
   * @default []
   */
  readonly managedPolicyArns?: readonly string[];
  /**
   * Accept an administrator managed policy, with a reason; recorded as `admin-policy` on its
   * attachment.
   * @default undefined (refused)
   */
  readonly allowAdminPolicies?: OptOut;
  /** A permissions boundary (a managed policy's ARN) that caps what the role can ever do. @default none */
  readonly permissionsBoundary?: string;
  /** Longest session, in seconds, 3600-43200. @default 3600 (one hour) */
  readonly maxSessionDuration?: number;
  /** Statements of the inline policy, as if passed to {@link IamRole.addToPolicy}. @default [] */
  readonly statements?: readonly PolicyStatement[];
}

const IAM_ROLE_PROPS = z.strictObject({
  assumedBy: checkedBy<RolePrincipal>("checkPrincipal"),
  description: z.string(),
  name: z.string().optional(),
  path: z.string().optional(),
  managedPolicyArns: z.array(z.string()).optional(),
  allowAdminPolicies: optOutSchema.optional(),
  permissionsBoundary: z.string().optional(),
  maxSessionDuration: z.number().optional(),
  statements: z.array(checkedBy<PolicyStatement>("checkStatement")).optional(),
}) satisfies PropsSchema<IamRoleProps>;

/**
 * Actions that have no resource-level permissions, so `"*"` is the only resource IAM accepts for
 * them. Kept short on purpose: any other action must name its resources.
 */
export const ACTIONS_WITHOUT_RESOURCES: readonly string[] = [
  "ecr:GetAuthorizationToken",
  "sts:GetCallerIdentity",
  "cloudwatch:PutMetricData",
  "xray:PutTraceSegments",
  "xray:PutTelemetryRecords",
  "ssmmessages:CreateControlChannel",
  "ssmmessages:CreateDataChannel",
  "ssmmessages:OpenControlChannel",
  "ssmmessages:OpenDataChannel",
];

/** AWS managed policies that make a role an administrator (of everything, or of IAM). */
export const ADMIN_MANAGED_POLICIES: readonly string[] = [
  "AdministratorAccess",
  "PowerUserAccess",
  "IAMFullAccess",
];

const ACTION = /^[a-z0-9-]+:[A-Za-z0-9]+$/;
const SERVICE = /^[a-z0-9][a-z0-9.-]*\.amazonaws\.com(\.cn)?$/;
const POLICY_ARN = /^arn:aws(-[a-z]+)*:iam::(aws|\d{12}):policy\/(.+\/)?([\w+=,.@-]+)$/;
/**
 * A condition key's literal text (`aws:SourceAccount`, `${aws:username}` policy variables). A
 * Terraform reference in a key (an OIDC issuer known at apply time: `<issuer>:sub`) is checked with
 * each complete token marker standing for a word, so the text around it is still held to this, and
 * the marker itself is kept intact by the text aspect while any literal `${` is escaped.
 */
const CONDITION_KEY = /^[\w:./${}-]+$/;
const OIDC_PROVIDER_ARN = /^arn:aws(-[a-z]+)*:iam::\d{12}:oidc-provider\/\S+$/;
/** Operators under which a test lets a request without the key, or with another value, through. */
const NON_RESTRICTING =
  /^(ForAnyValue:|ForAllValues:)?(StringNot|ArnNot|NotIpAddress)|IfExists$|^Null$/;

/**
 * An IAM role. Its trust policy names one principal; its inline policy holds only statements with
 * named actions (no wildcards) on named resources (`"*"` only for
 * {@link ACTIONS_WITHOUT_RESOURCES}); administrator managed policies are refused unless opted out.
 */
export class IamRole extends Construct implements IGrantablePrincipal {
  /** The role (escape hatch). */
  readonly role: IamRoleResource;
  /** The trust policy document. */
  readonly assumeRolePolicy: DataAwsIamPolicyDocument;
  /** The managed-policy attachments, in the order given. */
  readonly attachments: readonly IamRolePolicyAttachment[];
  private readonly statements: DataAwsIamPolicyDocumentStatement[] = [];
  private readonly sids = new Map<string, string>();
  private document?: DataAwsIamPolicyDocument;
  private policy?: IamRolePolicy;

  constructor(scope: Construct, id: string, props: IamRoleProps) {
    super(scope, id);
    checkProps(
      this,
      IAM_ROLE_PROPS,
      props,
      '{ assumedBy: ServicePrincipal("ecs-tasks.amazonaws.com"), description }',
    );
    const stack = PlatformStack.of(this);
    const name = stack.claimName(
      this,
      "name",
      "iam-role",
      checkName(this, "name", "iam-role", props.name ?? `${stack.prefix}-${id}`),
    );
    const description = this.checkDescription(props.description);
    const path = props.path ?? "/";
    if (!/^\/([\w+=,.@-]+\/)*$/.test(path) || path.length > 512) {
      invalid(this, "path", path, "is not an IAM path", 'use "/" or e.g. "/service-roles/"');
    }
    const maxSessionDuration = props.maxSessionDuration ?? 3600;
    if (
      !Number.isInteger(maxSessionDuration) ||
      maxSessionDuration < 3600 ||
      maxSessionDuration > 43200
    ) {
      invalid(
        this,
        "maxSessionDuration",
        maxSessionDuration,
        "is not a whole number of seconds from 3600 to 43200",
        "give seconds, e.g. 3600 (one hour, the default) or 43200 (twelve hours)",
      );
    }
    if (props.permissionsBoundary !== undefined) {
      this.checkPolicyArn("permissionsBoundary", props.permissionsBoundary);
    }
    const allowAdmin = acceptOptOut(this, "allowAdminPolicies", props.allowAdminPolicies);
    const arns = props.managedPolicyArns ?? [];
    const admin = arns.map((arn, i) => this.checkManagedPolicy(i, arn, allowAdmin));
    arns.forEach((arn, i) => {
      if (arns.indexOf(arn) !== i) {
        invalid(this, `managedPolicyArns[${i}]`, arn, "is listed twice", "list each policy once");
      }
    });

    // The policies are rendered by the aws_iam_policy_document data source rather than
    // Fn.jsonencode: its statements stay structured blocks in the synthesized JSON, so the policy
    // pack and the review read each action, resource and condition (a jsonencode() call is an
    // opaque expression to them), and the provider writes normalized JSON, so reordering or
    // whitespace never shows up as a diff. The cost is one data source per document, read at
    // plan time without any API call.
    this.assumeRolePolicy = new DataAwsIamPolicyDocument(this, "assume-role", {
      statement: [this.trustStatement(props.assumedBy)],
    });
    this.role = new IamRoleResource(this, "role", {
      name,
      description,
      path,
      assumeRolePolicy: this.assumeRolePolicy.json,
      maxSessionDuration,
      permissionsBoundary: props.permissionsBoundary,
      // Inline policies and attachments are their own resources; these keep the role from
      // fighting them over ownership.
      forceDetachPolicies: false,
    });
    this.attachments = arns.map((policyArn, i) => {
      const attachment = new IamRolePolicyAttachment(this, `managed-${i}`, {
        role: this.role.name,
        policyArn,
      });
      if (admin[i] && props.allowAdminPolicies) {
        recordOptOut(attachment, OPT_OUT_IDS.adminPolicy, props.allowAdminPolicies);
      }
      return attachment;
    });
    (props.statements ?? []).forEach((s, i) => this.add(`statements[${i}]`, s));
  }

  /** The role's ARN. */
  get roleArn(): string {
    return this.role.arn;
  }

  /** The role's name. */
  get roleName(): string {
    return this.role.name;
  }

  /** The role's stable unique id (`AROA...`), for `aws:userid` conditions. */
  get roleId(): string {
    return this.role.uniqueId;
  }

  /** The inline policy, once it has a statement (IAM refuses an empty one). */
  get inlinePolicy(): IamRolePolicy | undefined {
    return this.policy;
  }

  /** The inline policy's document, once it has a statement. */
  get policyDocument(): DataAwsIamPolicyDocument | undefined {
    return this.document;
  }

  /**
   * Adds a statement to the role's inline policy. Actions are named (`s3:GetObject`; no `*`,
   * no `s3:*`, no `s3:Get*`); resources are ARNs, or `"*"` only when every action is one of
   * {@link ACTIONS_WITHOUT_RESOURCES}. Adding the same statement twice is a no-op; a different
   * statement under a used `sid` is refused.
   */
  addToPolicy(statement: PolicyStatement): void {
    this.add("addToPolicy(statement)", statement);
  }

  private add(property: string, statement: PolicyStatement): void {
    const rendered = this.checkStatement(property, statement);
    // Attribute getters mint a new token on every call: compare what the tokens refer to.
    const key = JSON.stringify(
      Tokenization.resolve(rendered, {
        scope: TerraformStack.of(this),
        preparing: false,
        resolver: new DefaultTokenResolver(new StringConcat()),
      }),
    );
    const existing = this.sids.get(statement.sid);
    if (existing === key) return;
    if (existing !== undefined) {
      invalid(
        this,
        `${property}.sid`,
        statement.sid,
        "is already used by another statement of the role's policy",
        "give each statement its own sid",
      );
    }
    this.sids.set(statement.sid, key);
    this.statements.push(rendered);
    if (!this.document) {
      this.document = new DataAwsIamPolicyDocument(this, "policy-document", {});
      this.policy = new IamRolePolicy(this, "policy", {
        name: "least-privilege",
        role: this.role.id,
        policy: this.document.json,
      });
    }
    this.document.putStatement([...this.statements]);
  }

  private checkStatement(
    property: string,
    statement: PolicyStatement,
  ): DataAwsIamPolicyDocumentStatement {
    if (statement === null || typeof statement !== "object" || Array.isArray(statement)) {
      invalid(
        this,
        property,
        statement,
        "is not a policy statement",
        'pass { sid, effect: "Allow", actions, resources }',
      );
    }
    const { sid, effect, actions, resources, conditions } = statement;
    if (typeof sid !== "string" || !/^[A-Za-z0-9]{1,100}$/.test(sid)) {
      invalid(
        this,
        `${property}.sid`,
        sid,
        "is not a statement id",
        'use letters and digits, e.g. "ReadSecretDb"',
      );
    }
    if (effect !== "Allow") {
      invalid(
        this,
        `${property}.effect`,
        effect,
        'is not "Allow"',
        "grant what the role needs; a deny belongs in a permissions boundary or an SCP",
      );
    }
    if (!Array.isArray(actions) || actions.length === 0) {
      invalid(
        this,
        `${property}.actions`,
        actions,
        "is not a list of actions",
        'list them, e.g. ["s3:GetObject"]',
      );
    }
    actions.forEach((action, i) => {
      if (typeof action === "string" && action.includes("*")) {
        invalid(
          this,
          `${property}.actions[${i}]`,
          action,
          "is a wildcard: it grants every matching action, now and as the service adds more",
          'name each action the workload calls, e.g. "s3:GetObject"',
        );
      }
      if (typeof action !== "string" || !ACTION.test(action)) {
        invalid(
          this,
          `${property}.actions[${i}]`,
          action,
          "is not an IAM action",
          'write "<service>:<Action>", e.g. "s3:GetObject"',
        );
      }
    });
    if (!Array.isArray(resources) || resources.length === 0) {
      invalid(
        this,
        `${property}.resources`,
        resources,
        "is not a list of resources",
        "list the ARNs the actions apply to",
      );
    }
    resources.forEach((resource, i) => {
      if (resource === "*") {
        const scoped = actions.filter((a) => !ACTIONS_WITHOUT_RESOURCES.includes(a));
        if (scoped.length > 0) {
          invalid(
            this,
            `${property}.resources[${i}]`,
            resource,
            `grants ${scoped.join(", ")} on every resource of the account`,
            `name the ARNs; "*" is only for actions without resource-level permissions (${ACTIONS_WITHOUT_RESOURCES.join(", ")})`,
          );
        }
        return;
      }
      checkArn(this, `${property}.resources[${i}]`, resource);
    });
    return {
      sid,
      effect,
      actions: [...actions],
      resources: [...resources],
      condition: this.renderConditions(`${property}.conditions`, conditions),
    };
  }

  private trustStatement(principal: RolePrincipal): DataAwsIamPolicyDocumentStatement {
    const p = principal as Partial<ServicePrincipal & FederatedPrincipal & AccountRootPrincipal>;
    const kinds = ["service", "federated", "accountRoot"].filter(
      (k) => principal !== null && typeof principal === "object" && k in principal,
    );
    if (kinds.length !== 1) {
      invalid(
        this,
        "assumedBy",
        principal,
        "is not one principal",
        'pass ServicePrincipal("ecs-tasks.amazonaws.com"), FederatedPrincipal(oidcProviderArn, conditions) or AccountRootPrincipal("111122223333")',
      );
    }
    const extra = Object.keys(principal).filter((k) => k !== kinds[0] && k !== "conditions");
    if (extra.length > 0) {
      invalid(
        this,
        `assumedBy.${extra[0]}`,
        p[extra[0] as keyof typeof p],
        "is not a field of the principal",
        `pass only ${kinds[0]} and conditions`,
      );
    }
    const condition = this.renderConditions("assumedBy.conditions", p.conditions);
    if (kinds[0] === "service") {
      if (typeof p.service !== "string" || !SERVICE.test(p.service)) {
        invalid(
          this,
          "assumedBy.service",
          p.service,
          "is not an AWS service principal",
          'use e.g. "ecs-tasks.amazonaws.com"',
        );
      }
      return {
        effect: "Allow",
        actions: ["sts:AssumeRole"],
        principals: [{ type: "Service", identifiers: [p.service] }],
        condition,
      };
    }
    if (kinds[0] === "federated") {
      if (
        !Token.isUnresolved(p.federated) &&
        (typeof p.federated !== "string" || !OIDC_PROVIDER_ARN.test(p.federated))
      ) {
        invalid(
          this,
          "assumedBy.federated",
          p.federated,
          "is not an IAM OIDC provider ARN",
          "use arn:aws:iam::<account>:oidc-provider/<issuer> (an EKS cluster's or GitHub's provider)",
        );
      }
      this.checkSubjectPinned(p.conditions);
      return {
        effect: "Allow",
        actions: ["sts:AssumeRoleWithWebIdentity"],
        principals: [{ type: "Federated", identifiers: [p.federated as string] }],
        condition,
      };
    }
    if (
      !Token.isUnresolved(p.accountRoot) &&
      (typeof p.accountRoot !== "string" || !/^\d{12}$/.test(p.accountRoot))
    ) {
      invalid(
        this,
        "assumedBy.accountRoot",
        p.accountRoot,
        "is not an AWS account id",
        'give the 12 digits, e.g. "111122223333"',
      );
    }
    return {
      effect: "Allow",
      actions: ["sts:AssumeRole"],
      principals: [{ type: "AWS", identifiers: [`arn:aws:iam::${p.accountRoot}:root`] }],
      condition,
    };
  }

  /** A web-identity trust must test the token's subject, with values that are not wildcards. */
  private checkSubjectPinned(conditions: IamConditions | undefined): void {
    const pinned = Object.entries(conditions ?? {}).some(
      ([operator, tests]) =>
        !NON_RESTRICTING.test(operator) &&
        Object.entries(tests).some(
          ([key, values]) =>
            key.endsWith(":sub") &&
            ([] as string[])
              .concat(values as string | string[])
              .every((v) => v !== "*" && v !== ""),
        ),
    );
    if (!pinned) {
      invalid(
        this,
        "assumedBy.conditions",
        conditions,
        "does not pin the token's subject: every identity the OIDC provider issues could assume the role",
        'add e.g. { StringEquals: { "<issuer>:sub": "system:serviceaccount:<namespace>:<service-account>", "<issuer>:aud": "sts.amazonaws.com" } }',
      );
    }
  }

  private renderConditions(
    property: string,
    conditions: IamConditions | undefined,
  ): { test: string; variable: string; values: string[] }[] | undefined {
    if (conditions === undefined) return undefined;
    if (conditions === null || typeof conditions !== "object" || Array.isArray(conditions)) {
      invalid(
        this,
        property,
        conditions,
        "is not a condition map",
        'pass { StringEquals: { "aws:SourceAccount": "111122223333" } }',
      );
    }
    const rendered = Object.entries(conditions).flatMap(([operator, tests]) => {
      if (!/^((ForAnyValue|ForAllValues):)?[A-Za-z]+$/.test(operator)) {
        invalid(
          this,
          `${property}.${operator}`,
          operator,
          "is not a condition operator",
          "use e.g. StringEquals, StringLike, ArnEquals, Bool",
        );
      }
      if (
        tests === null ||
        typeof tests !== "object" ||
        Array.isArray(tests) ||
        Object.keys(tests).length === 0
      ) {
        invalid(
          this,
          `${property}.${operator}`,
          tests,
          "is not a map of condition keys",
          'pass e.g. { "aws:SourceAccount": "111122223333" }',
        );
      }
      return Object.entries(tests).map(([variable, value]) => {
        const values = ([] as unknown[]).concat(value);
        if (!CONDITION_KEY.test(variable.replace(TOKEN_MARKER, "token"))) {
          invalid(
            this,
            `${property}.${operator}`,
            variable,
            "is not a condition key",
            'use e.g. "aws:SourceAccount", or a reference with a literal suffix such as `${issuer}:sub`',
          );
        }
        if (values.length === 0 || values.some((v) => typeof v !== "string" || v === "")) {
          invalid(
            this,
            `${property}.${operator}.${variable}`,
            value,
            "is not a value or list of values",
            "give one or more strings",
          );
        }
        return { test: operator, variable, values: values as string[] };
      });
    });
    return rendered.length > 0 ? rendered : undefined;
  }

  private checkManagedPolicy(i: number, arn: string, allowAdmin: boolean): boolean {
    const property = `managedPolicyArns[${i}]`;
    const match = this.checkPolicyArn(property, arn);
    const admin =
      match !== undefined && match[2] === "aws" && ADMIN_MANAGED_POLICIES.includes(match[4]);
    if (admin && !allowAdmin) {
      invalid(
        this,
        property,
        arn,
        "makes the role an administrator",
        "grant what the workload needs with addToPolicy and the resources' grant*() methods, or set allowAdminPolicies: { reason }",
      );
    }
    return admin;
  }

  private checkPolicyArn(property: string, arn: unknown): RegExpExecArray | undefined {
    if (Token.isUnresolved(arn)) return undefined;
    const match = typeof arn === "string" ? POLICY_ARN.exec(arn) : null;
    if (!match) {
      invalid(
        this,
        property,
        arn,
        "is not a managed policy ARN",
        "use arn:aws:iam::aws:policy/<name> or arn:aws:iam::<account>:policy/<name>",
      );
    }
    return match;
  }

  private checkDescription(description: unknown): string {
    if (
      typeof description !== "string" ||
      description.trim().length === 0 ||
      description.length > 1000 ||
      !/^[\t\n\r\u0020-\u007E\u00A1-\u00FF]*$/.test(description)
    ) {
      invalid(
        this,
        "description",
        description,
        "is not a role description (1-1000 printable Latin-1 characters)",
        'say what the role is for, e.g. "Task role of the api service"',
      );
    }
    return description;
  }
}
