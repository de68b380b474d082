// GCP rules: IAM.
import type { Json, Resource, Rule, RuleContext } from "../../types";
import {
  blocks,
  isToken,
  NOT_APPLICABLE,
  problemsVerdict,
  referencedAddresses,
  show,
  strings,
  unverifiable,
  violation,
} from "../../values";
import { OPT_OUT_IDS, PRIMITIVE_ROLES, projectRoleRisk, PUBLIC_MEMBERS } from "../../../vocabulary";
import {
  REPOSITORY_GRANTS,
  BUCKET_GRANTS,
  IAM_GRANT,
  PROJECT_GRANT,
  AUTHORITATIVE,
} from "./resources";

/** One role grant of an IAM resource. */
export interface Grant {
  readonly role: unknown;
  readonly members: readonly unknown[];
  /** The IAM condition (`{ title, expression }`) that limits the grant, when there is one. */
  readonly condition?: Json;
}

/**
 * The grants an IAM resource makes: `*_iam_member` one member, `*_iam_binding` a list,
 * `*_iam_policy` the bindings of the `google_iam_policy` data source it references (or one
 * unverifiable grant when that cannot be read).
 */
export function grantsOf(r: Resource, context: RuleContext): Grant[] {
  const conditionOf = (c: Json): { condition?: Json } => {
    const condition = blocks(c.condition)[0];
    return condition ? { condition } : {};
  };
  if (r.type.endsWith("_iam_member"))
    return [{ role: r.config.role, members: [r.config.member], ...conditionOf(r.config) }];
  if (r.type.endsWith("_iam_binding")) {
    return [
      {
        role: r.config.role,
        members: isToken(r.config.members) ? [r.config.members] : strings(r.config.members),
        ...conditionOf(r.config),
      },
    ];
  }
  const source = context.resolve(r.config.policy_data);
  if (source?.type === "google_iam_policy") {
    return blocks(source.config.binding).map((b) => ({
      role: b.role,
      members: strings(b.members),
      ...conditionOf(b),
    }));
  }
  return [{ role: r.config.policy_data, members: [r.config.policy_data] }];
}

export const iamRules: Rule[] = [
  {
    id: "GCP-IAM-001",
    checkovNote:
      "Stricter: checkov's CKV_GCP_117 reads project-level members and bindings; every `google_*_iam_*` grant (and the bindings of an `_iam_policy`) is read here.",
    checkov: "CKV_GCP_117",
    severity: "error",
    title: "IAM grants no primitive role (owner, editor, viewer)",
    types: IAM_GRANT,
    appliesTo: "`google_*_iam_member`, `google_*_iam_binding`, `google_*_iam_policy`",
    fix: "Grant the narrow predefined roles the principal needs (e.g. roles/secretmanager.secretAccessor).",
    check: (r, context) =>
      problemsVerdict(
        grantsOf(r, context).flatMap(({ role }) =>
          isToken(role)
            ? isCustomRoleOfStack(role, context)
              ? []
              : [unverifiable("role", role)]
            : PRIMITIVE_ROLES.includes(String(role))
              ? [`grants the primitive role ${role}`]
              : [],
        ),
      ),
  },
  {
    id: "GCP-IAM-002",
    checkovNote:
      "No checkov ID: repository and bucket grants are GCP-AR-001 (CKV_GCP_101) and GCP-GCS-006 (CKV_GCP_28); this rule covers every other `google_*_iam_*` resource.",
    severity: "error",
    title: "IAM grants nothing to allUsers or allAuthenticatedUsers",
    types: IAM_GRANT,
    appliesTo: "`google_*_iam_member`, `google_*_iam_binding`, `google_*_iam_policy`",
    fix: "Grant named principals (service accounts, groups) instead of allUsers / allAuthenticatedUsers.",
    check: (r, context) =>
      // Repository and bucket grants have their own rule (GCP-AR-001, GCP-GCS-006: checkov's IDs).
      [...REPOSITORY_GRANTS, ...BUCKET_GRANTS].includes(r.type)
        ? NOT_APPLICABLE
        : problemsVerdict(
            grantsOf(r, context).flatMap(({ role, members }) =>
              members.flatMap((m) =>
                PUBLIC_MEMBERS.includes(String(m))
                  ? [`grants ${show(role)} to ${m}`]
                  : typeof m === "string" && m.startsWith("${")
                    ? [unverifiable("member", m)]
                    : [],
              ),
            ),
          ),
  },
  {
    id: "GCP-IAM-003",
    severity: "warning",
    title: "No authoritative IAM policy or binding at project, folder or organization level",
    types: AUTHORITATIVE,
    fix: "Use additive google_project_iam_member grants; an authoritative policy or binding removes every grant it does not list, including Google's service agents.",
    check: (r) =>
      violation(`${r.type} is authoritative: applying it removes grants made elsewhere`),
  },
  {
    id: "GCP-IAM-004",
    checkovNote:
      "Reads the bindings of a `google_project_iam_binding` as checkov does; a role given as an expression is not judged here (GCP-IAM-001 fails it closed).",
    checkov: "CKV_GCP_41",
    severity: "error",
    title: "No Service Account User or Token Creator role at project level",
    types: PROJECT_GRANT,
    fix: "Grant roles/iam.serviceAccountUser or serviceAccountTokenCreator on the one service account (google_service_account_iam_member).",
    check: (r, context) =>
      problemsVerdict(
        grantsOf(r, context).flatMap(({ role }) =>
          ["roles/iam.serviceAccountUser", "roles/iam.serviceAccountTokenCreator"].includes(
            String(role),
          )
            ? [
                `grants ${role} on the whole project: the member can act as every service account in it`,
              ]
            : [],
        ),
      ),
  },
  {
    id: "GCP-IAM-006",
    severity: "error",
    title:
      "No privilege-escalation role (IAM admin, instance admin, build editor, ...) at project level",
    types: PROJECT_GRANT,
    fix: "Grant the role on the one resource that needs it (a service account, an instance); a reviewed exception is ServiceAccount.grantProjectRole(role, reason) (opt-out escalation-role).",
    acceptedOptOuts: [OPT_OUT_IDS.escalationRole],
    check: (r, context) =>
      problemsVerdict(
        grantsOf(r, context).flatMap(({ role }) =>
          // serviceAccountUser and TokenCreator are GCP-IAM-004's (checkov's CKV_GCP_41).
          !isToken(role) &&
          projectRoleRisk(String(role))?.kind === "escalation" &&
          !["roles/iam.serviceAccountUser", "roles/iam.serviceAccountTokenCreator"].includes(
            String(role),
          )
            ? [
                `grants ${role} on the whole project: the member can act as other identities or change IAM`,
              ]
            : [],
        ),
      ),
  },
  {
    id: "GCP-IAM-007",
    severity: "error",
    title: "No project-wide grant of a role that belongs on one secret, repository or bucket",
    types: PROJECT_GRANT,
    fix: "Grant the narrow role on the resource (secret.grantAccess, registry.grantRead/grantWrite, bucket.grantRead/grantWrite); a reviewed exception is grantProjectRole(role, reason) (opt-out project-wide-resource-role).",
    acceptedOptOuts: [OPT_OUT_IDS.projectWideResourceRole],
    check: (r, context) =>
      problemsVerdict(
        grantsOf(r, context).flatMap(({ role }) => {
          const risk = isToken(role) ? undefined : projectRoleRisk(String(role));
          return risk?.kind === "resource-scoped"
            ? [
                `grants ${role} on the whole project${risk.narrow !== role ? ` (it contains ${risk.narrow})` : ""}: instead, ${risk.fix}`,
              ]
            : [];
        }),
      ),
  },
  {
    id: "GCP-IAM-005",
    severity: "warning",
    title: "No user-managed service account keys",
    types: ["google_service_account_key"],
    fix: "Use the metadata server (VMs), Workload Identity (GKE) or Workload Identity Federation (CI) instead of keys.",
    check: () =>
      violation(
        "creates a service account key: a long-lived credential that ends up in the Terraform state",
      ),
  },
];

const CUSTOM_ROLE_TYPES = ["google_project_iam_custom_role", "google_organization_iam_custom_role"];

/**
 * True when a computed role refers only to custom roles defined in the same stack (a custom role
 * is never a primitive one); anything else stays unverifiable.
 */
function isCustomRoleOfStack(role: unknown, context: RuleContext): boolean {
  const addresses = referencedAddresses(role);
  return (
    addresses.length > 0 &&
    addresses.every((a) => CUSTOM_ROLE_TYPES.includes(context.stack.byAddress.get(a)?.type ?? ""))
  );
}
