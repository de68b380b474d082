/**
 * The words the construct library and the policy pack must agree on, kept once.
 *
 * Both `constructs/` (which refuses these things at synth time) and `policy/` (which flags them in
 * any Terraform JSON, hand-written or escape-hatched) import this module. It imports nothing of
 * the project's and nothing of cdktf, so the review CLI can load it without the construct library.
 */

export * from "./ranges";

/** The shortest reason accepted for an opt-out or a suppression; "ok" or "temp" says nothing. */
export const MIN_REASON_LENGTH = 20;

/** GCP basic roles: they grant almost everything in a project. */
export const PRIMITIVE_ROLES: readonly string[] = ["roles/owner", "roles/editor", "roles/viewer"];

/** GCP members that make a resource public. */
export const PUBLIC_MEMBERS: readonly string[] = ["allUsers", "allAuthenticatedUsers"];

/** GCP roles that let the holder act as other identities or change IAM: privilege escalation. */
export const ESCALATION_ROLES: readonly string[] = [
  "roles/iam.serviceAccountUser",
  "roles/iam.serviceAccountTokenCreator",
  "roles/iam.serviceAccountKeyAdmin",
  "roles/iam.serviceAccountAdmin",
  "roles/iam.workloadIdentityUser",
  "roles/iam.securityAdmin",
  "roles/iam.roleAdmin",
  "roles/resourcemanager.projectIamAdmin",
];

/**
 * GCP roles that belong on one resource, not on the whole project: project-wide they open every
 * secret or every repository. Each maps to the construct method that grants it narrowly.
 */
export const RESOURCE_SCOPED_ROLES: Readonly<Record<string, string>> = {
  "roles/secretmanager.secretAccessor": "secret.grantAccess(sa) on each secret the workload reads",
  "roles/artifactregistry.reader": "registry.grantRead(sa) on the repository it pulls from",
  "roles/artifactregistry.writer": "registry.grantWrite(sa) on the repository it pushes to",
};

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
} as const;

/** Attribute names that hold credentials. */
export const CREDENTIAL_KEY =
  /(^|_)(password|passwd|secret|token|api_key|apikey|private_key|client_secret|auth_token|secret_string|secret_data)(_wo)?$/i;
