import { Construct } from "constructs";
import { z } from "zod";
import type { TerraformResource } from "cdktf";
import { ServiceAccount as GoogleServiceAccount } from "@cdktf/provider-google/lib/service-account";
import { ProjectIamMember } from "@cdktf/provider-google/lib/project-iam-member";
import { invalid } from "../core/errors";
import { prefixedName } from "../core/naming";
import {
  ESCALATION_ROLES,
  OPT_OUT_IDS,
  projectRoleRisk,
  RESOURCE_SCOPED_ROLES,
} from "../../vocabulary";
import { acceptOptOut, recordOptOut } from "../core/opt-out";
import { checkProps, type PropsSchema } from "../core/props";
import { PlatformStack } from "../core/stack";
import { checkRole, type IGrantable, type IServiceAccount } from "./iam";
import { checkProjectId } from "./schemas";

/** One role a service account holds, and where: `project`, `secret/<id>`, `repository/<id>`. */
export interface Grant {
  readonly role: string;
  readonly resource: string;
  /** Why the role is needed, when the grant gave one. */
  readonly reason?: string;
}

export { ESCALATION_ROLES, RESOURCE_SCOPED_ROLES };

export interface ServiceAccountProps {
  /** Short name; the account ID is `${prefix}-${name}`, 6–30 characters in all, RFC 1035. */
  readonly name: string;
  /** Shown in the console, at most 100 characters. @default the account ID */
  readonly displayName?: string;
  /** What the account is for, at most 256 characters. @default undefined */
  readonly description?: string;
  /**
   * The project the account lives in and its project-level roles are granted on.
   * @default the provider's project, read from the created account's `project` attribute (no
   * data-source lookup; grants then reference `google_service_account.<name>.project`)
   */
  readonly projectId?: string;
}

const SERVICE_ACCOUNT_PROPS = z.strictObject({
  name: z.string(),
  displayName: z.string().optional(),
  description: z.string().optional(),
  projectId: z.string().optional(),
}) satisfies PropsSchema<ServiceAccountProps>;

const grantLists = new WeakMap<object, Grant[]>();

/**
 * A dedicated workload identity. No keys are ever created: workloads get tokens from the metadata
 * server (VM) or Workload Identity (GKE). Roles are granted additively (`*_iam_member`, never
 * `*_iam_policy` / `*_iam_binding`), next to what needs them: project-level roles through
 * {@link grantProjectRole}, resource roles through the resource (`secret.grantAccess(sa)`).
 */
export class ServiceAccount extends Construct implements IServiceAccount {
  /** The service account (escape hatch). */
  readonly account: GoogleServiceAccount;
  /** The account ID, `${prefix}-${name}`. */
  readonly accountId: string;
  /** The account's email (a Terraform reference). */
  readonly email: string;
  /** `serviceAccount:<email>`. */
  readonly member: string;
  /** The project-level role grants by role (escape hatch). */
  readonly projectGrants: ReadonlyMap<string, ProjectIamMember>;
  private readonly projectMembers: IamMembers<ProjectIamMember>;
  private readonly project: string;

  constructor(scope: Construct, id: string, props: ServiceAccountProps) {
    super(scope, id);
    const stack = PlatformStack.of(this);
    checkProps(this, SERVICE_ACCOUNT_PROPS, props, "{ name: 'bot' }");
    if (props.name.length === 0) {
      invalid(this, "name", props.name, "is missing", "pass a short name such as 'bot'");
    }
    this.accountId = stack.claimName(
      this,
      "name",
      "service-account",
      prefixedName(this, "name", "service-account", stack.prefix, props.name),
    );
    checkText(this, "displayName", props.displayName, 100);
    checkText(this, "description", props.description, 256);
    const projectId = checkProjectId(this, "projectId", props.projectId);

    this.account = new GoogleServiceAccount(this, "account", {
      accountId: this.accountId,
      displayName: props.displayName ?? this.accountId,
      description: props.description,
      project: projectId,
    });
    this.email = this.account.email;
    this.member = `serviceAccount:${this.email}`;
    this.project = projectId ?? this.account.project;
    grantLists.set(this, []);
    this.projectMembers = new IamMembers(this, "project", (role) => `project-${slug(role)}`);
    this.projectGrants = this.projectMembers.byRole;
  }

  /** Every role the account was granted, on the project and on single resources, in order. */
  get grants(): readonly Grant[] {
    return [...(grantLists.get(this) ?? [])];
  }

  /** `roles/logging.logWriter` on the project: the Ops Agent writes the workload's logs. */
  grantLogging(): ProjectIamMember {
    return this.grantProjectRole("roles/logging.logWriter", "Ops Agent writes the workload's logs");
  }

  /** `roles/monitoring.metricWriter` on the project: the Ops Agent writes metrics. */
  grantMetrics(): ProjectIamMember {
    return this.grantProjectRole("roles/monitoring.metricWriter", "Ops Agent writes metrics");
  }

  /**
   * Grants a role on the project, additively; the one place project-level roles are granted.
   * Calling it again with the same role returns the existing grant. Primitive roles are refused.
   * Roles that belong on one resource ({@link RESOURCE_SCOPED_ROLES}) or that allow privilege
   * escalation ({@link ESCALATION_ROLES}) are refused unless `reason` explains the exception (at
   * least 20 characters); the reason is then recorded as an opt-out in the JSON. Any other
   * reason is written into the JSON next to the grant.
   */
  grantProjectRole(role: string, reason?: string): ProjectIamMember {
    checkRole(this, "role", role);
    if (reason !== undefined && (typeof reason !== "string" || reason.trim() === "")) {
      invalid(this, "reason", reason, "is empty", "say why the workload needs the role");
    }
    const risk = projectRoleRisk(role);
    const scoped = risk?.kind === "resource-scoped" ? risk.fix : undefined;
    const escalation = risk?.kind === "escalation";
    const optOut = scoped || escalation ? { reason: reason ?? "" } : undefined;
    if (optOut && reason === undefined) {
      invalid(
        this,
        "role",
        role,
        scoped
          ? risk?.kind === "resource-scoped" && risk.narrow !== role
            ? `contains ${risk.narrow}, which grants access to every such resource in the project`
            : "grants access to every such resource in the project"
          : "lets the account act as other identities or change IAM (privilege escalation)",
        scoped
          ? `grant it on the resource instead: ${scoped}; if it must be project-wide, pass a reason`
          : "grant it on the one service account or resource that needs it; if it must be project-wide, pass a reason",
      );
    }
    if (optOut) acceptOptOut(this, "grantProjectRole", optOut);
    return this.projectMembers.add(
      this,
      role,
      (id, member) => {
        const grant = new ProjectIamMember(this, id, { project: this.project, role, member });
        if (optOut) {
          recordOptOut(
            grant,
            scoped ? OPT_OUT_IDS.projectWideResourceRole : OPT_OUT_IDS.escalationRole,
            optOut,
          );
        } else if (reason !== undefined) {
          grant.addOverride("//.reason", reason.trim());
        }
        return grant;
      },
      reason?.trim(),
    );
  }
}

/**
 * The additive IAM members one resource grants, at most one per (role, member). Records each new
 * grant on the grantee when it is a {@link ServiceAccount}. Used by every construct with a
 * `grantX()` method.
 */
export class IamMembers<T extends TerraformResource> {
  private readonly created = new Map<string, T>();
  private readonly roles = new Map<string, T>();

  /**
   * @param scope where the member resources are created
   * @param resource how grants are listed on the grantee, e.g. `secret/test-dev-api-key`
   * @param idFor the construct id of a member resource
   */
  constructor(
    private readonly scope: Construct,
    private readonly resource: string,
    private readonly idFor: (role: string, grantee: IGrantable) => string = (role, grantee) =>
      `${slug(role)}-${slug(Construct.isConstruct(grantee) ? grantee.node.path : grantee.member)}`,
  ) {}

  /** The member resources by role (the last grantee of each role). */
  get byRole(): ReadonlyMap<string, T> {
    return this.roles;
  }

  /** Returns the member resource of (role, grantee), creating it on the first call. */
  add(
    grantee: IGrantable,
    role: string,
    create: (id: string, member: string) => T,
    reason?: string,
  ): T {
    const key = `${role} ${grantee.member}`;
    const existing = this.created.get(key);
    if (existing) return existing;
    const base = this.idFor(role, grantee);
    let id = base;
    for (let n = 2; this.scope.node.tryFindChild(id) !== undefined; n++) id = `${base}-${n}`;
    const resource = create(id, grantee.member);
    this.created.set(key, resource);
    this.roles.set(role, resource);
    grantLists
      .get(grantee)
      ?.push(
        reason === undefined
          ? { role, resource: this.resource }
          : { role, resource: this.resource, reason },
      );
    return resource;
  }
}

function slug(text: string): string {
  return text
    .replace(/^roles\//, "")
    .replace(/[^A-Za-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");
}

function checkText(scope: Construct, property: string, value: unknown, max: number): void {
  if (value === undefined) return;
  if (typeof value !== "string" || value.length > max) {
    invalid(
      scope,
      property,
      value,
      `is not a string of at most ${max} characters`,
      `shorten it to ${max} characters`,
    );
  }
}
