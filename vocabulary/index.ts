/**
 * The words the construct library and the policy pack must agree on, kept once.
 *
 * Both `constructs/` (which refuses these things at synth time) and `policy/` (which flags them in
 * any Terraform JSON, hand-written or escape-hatched) import this module. It imports nothing of
 * the project's and nothing of cdktf, so the review CLI can load it without the construct library.
 */

export * from "./ranges";
export * from "./secrets";

/** The shortest reason accepted for an opt-out or a suppression; "ok" or "temp" says nothing. */
export const MIN_REASON_LENGTH = 20;

/**
 * PostgreSQL's message severity levels, from the most verbose to the least, as the server log
 * settings order them (`log_min_messages`, `log_min_error_statement`): a setting logs its level
 * and every level after it.
 */
export const POSTGRES_MESSAGE_LEVELS: readonly string[] = [
  "debug5",
  "debug4",
  "debug3",
  "debug2",
  "debug1",
  "info",
  "notice",
  "warning",
  "error",
  "log",
  "fatal",
  "panic",
];

/** GCP basic roles: they grant almost everything in a project. */
export const PRIMITIVE_ROLES: readonly string[] = ["roles/owner", "roles/editor", "roles/viewer"];

/** GCP members that make a resource public. */
export const PUBLIC_MEMBERS: readonly string[] = ["allUsers", "allAuthenticatedUsers"];

/**
 * GCP roles that let the holder act as other identities or change IAM: privilege escalation when
 * granted on a whole project. Besides the IAM roles themselves, roles whose holder can run code
 * as another identity: instance admins set a VM's startup-script metadata and it runs as the VM's
 * service account; Cloud Build editors start builds that run as the build service account.
 */
export const ESCALATION_ROLES: readonly string[] = [
  "roles/iam.serviceAccountUser",
  "roles/iam.serviceAccountTokenCreator",
  "roles/iam.serviceAccountKeyAdmin",
  "roles/iam.serviceAccountAdmin",
  "roles/iam.workloadIdentityUser",
  "roles/iam.securityAdmin",
  "roles/iam.roleAdmin",
  "roles/iam.organizationRoleAdmin",
  "roles/resourcemanager.projectIamAdmin",
  "roles/resourcemanager.folderIamAdmin",
  "roles/resourcemanager.organizationAdmin",
  "roles/compute.admin",
  "roles/compute.instanceAdmin",
  "roles/compute.instanceAdmin.v1",
  "roles/cloudbuild.builds.editor",
  "roles/cloudbuild.builds.builder",
];

/**
 * GCP roles that belong on one resource, not on the whole project: project-wide they open every
 * secret, repository or bucket. Each maps to the construct method that grants it narrowly.
 */
export const RESOURCE_SCOPED_ROLES: Readonly<Record<string, string>> = {
  "roles/secretmanager.secretAccessor": "secret.grantAccess(sa) on each secret the workload reads",
  "roles/artifactregistry.reader": "registry.grantRead(sa) on the repository it pulls from",
  "roles/artifactregistry.writer": "registry.grantWrite(sa) on the repository it pushes to",
  "roles/storage.objectViewer": "bucket.grantRead(sa) on the bucket it reads",
  "roles/storage.objectCreator": "bucket.grantWrite(sa) on the bucket it writes",
};

/**
 * Project-wide roles that contain a {@link RESOURCE_SCOPED_ROLES} role and more (the service's
 * admin roles): refused for the same reason, with the narrow grant as the fix.
 */
export const RESOURCE_SCOPED_SUPERSETS: Readonly<Record<string, string>> = {
  "roles/secretmanager.admin": "roles/secretmanager.secretAccessor",
  "roles/secretmanager.secretVersionManager": "roles/secretmanager.secretAccessor",
  "roles/artifactregistry.admin": "roles/artifactregistry.writer",
  "roles/artifactregistry.repoAdmin": "roles/artifactregistry.writer",
  "roles/artifactregistry.createOnPushRepoAdmin": "roles/artifactregistry.writer",
  "roles/artifactregistry.createOnPushWriter": "roles/artifactregistry.writer",
  "roles/storage.admin": "roles/storage.objectCreator",
  "roles/storage.objectAdmin": "roles/storage.objectCreator",
  "roles/storage.objectUser": "roles/storage.objectCreator",
};

/** Why a role must not be granted on a whole project, or undefined when it may be. */
export type ProjectRoleRisk =
  | { readonly kind: "primitive" }
  | { readonly kind: "escalation" }
  | { readonly kind: "resource-scoped"; readonly narrow: string; readonly fix: string };

/** Classifies a role granted project-wide: the one judgement constructs and rules share. */
export function projectRoleRisk(role: string): ProjectRoleRisk | undefined {
  if (PRIMITIVE_ROLES.includes(role)) return { kind: "primitive" };
  if (ESCALATION_ROLES.includes(role)) return { kind: "escalation" };
  const narrow = RESOURCE_SCOPED_ROLES[role] !== undefined ? role : RESOURCE_SCOPED_SUPERSETS[role];
  if (narrow !== undefined) {
    return { kind: "resource-scoped", narrow, fix: RESOURCE_SCOPED_ROLES[narrow] };
  }
  return undefined;
}

/** Remote administration ports that are never open to the whole internet without an opt-out. */
export const ADMIN_PORTS: Readonly<Record<number, string>> = { 22: "SSH", 3389: "RDP" };

/**
 * The only TCP ports that may be open to the whole internet without an opt-out: HTTP and HTTPS,
 * for web front ends. A database, cache, Docker daemon, any other port, every port or any UDP
 * from the world needs a named opt-out with a reason.
 */
export const WORLD_INGRESS_PORTS: readonly number[] = [80, 443];

/**
 * Opt-out IDs the constructs record (`"//".opt_outs`) that the policy rules accept as a reviewed
 * decision for the same risk, with the opt-out's reason, so one decision is not asked for twice.
 */
export const OPT_OUT_IDS = {
  /** An admin port (SSH, RDP) open to the whole internet. */
  adminPortFromWorld: "admin-port-from-world",
  /** A port outside {@link WORLD_INGRESS_PORTS} open to the whole internet. */
  worldIngress: "world-ingress",
  /** Egress to the whole internet past the default deny. */
  egressToWorld: "egress-to-world",
  /** Deletion protection off on a stateful resource, so an environment can be torn down. */
  deletionAllowed: "deletion-allowed",
  /** A database reachable from the whole internet through its authorized networks. */
  sqlOpenToWorld: "sql-open-to-world",
  /** A privilege-escalation role granted on a whole project. */
  escalationRole: "escalation-role",
  /** A role that belongs on one resource, granted on a whole project. */
  projectWideResourceRole: "project-wide-resource-role",
  adminPolicy: "admin-policy", // AdministratorAccess, PowerUserAccess or IAMFullAccess on a role
  accessLogsOff: "access-logs-off", // an S3 bucket or CloudFront distribution without access logs
  legacyTls: "legacy-tls", // a CloudFront distribution on the default certificate (TLSv1 minimum)
  /** A Cloud Build trigger whose builds run (and release) without a person approving them. */
  buildWithoutApproval: "build-without-approval",
} as const;

/** Attribute names that hold credentials. */
export const CREDENTIAL_KEY =
  /(^|_)(password|passwd|secret|token|api_key|apikey|private_key|client_secret|auth_token|secret_string|secret_data)(_wo)?$/i;
