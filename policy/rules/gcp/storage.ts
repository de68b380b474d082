// GCP rules: Storage, registries, secrets.
import type { Resource, Rule, RuleContext, Verdict } from "../../types";
import {
  blocks,
  COMPLIANT,
  combine,
  get,
  isToken,
  NOT_APPLICABLE,
  problemsVerdict,
  referencedAddresses,
  requireFlag,
  show,
  unverifiable,
  violation,
} from "../../values";
import { isBackupName } from "../common";
import { PUBLIC_MEMBERS } from "../../../vocabulary";
import { BUCKET, REPOSITORY, REPOSITORY_GRANTS, BUCKET_GRANTS } from "./resources";
import { grantsOf } from "./iam";

/** The public members of a grant resource's grants, as messages; unverifiable ones fail closed. */
function publicMembers(grant: Resource, context: RuleContext, prefix: string): string[] {
  return grantsOf(grant, context).flatMap(({ role, members }) =>
    members.flatMap((m) =>
      PUBLIC_MEMBERS.includes(String(m))
        ? [
            prefix
              ? `${prefix}grants access to ${m} (${show(role)})`
              : `grants ${show(role)} to ${m}`,
          ]
        : isToken(m) && context.resolve(m) === undefined && referencedAddresses(m).length === 0
          ? [`${prefix}${unverifiable("member", m)}`]
          : [],
    ),
  );
}

/**
 * A public grant is reported twice, as checkov reports it and as a reviewer looks for it: on the
 * IAM resource that grants (`*_iam_member` / `_binding` / `_policy`) and on the resource it
 * exposes (found through the grant's `attr`, by reference or by literal name).
 */
function publicGrantCheck(grantTypes: readonly string[], attr: string, nameKey: string) {
  return (r: Resource, context: RuleContext): Verdict => {
    if (grantTypes.includes(r.type)) return problemsVerdict(publicMembers(r, context, ""));
    return problemsVerdict(
      context
        .referencing(r, grantTypes, { attrs: [attr], literal: r.config[nameKey] })
        .flatMap((grant) => publicMembers(grant, context, `${grant.address} `)),
    );
  };
}

export const storageRules: Rule[] = [
  {
    id: "GCP-GCS-001",
    checkov: "CKV_GCP_114",
    severity: "error",
    title: "Bucket enforces public access prevention",
    types: BUCKET,
    fix: 'Set public_access_prevention = "enforced".',
    check: (r) => {
      const value = r.config.public_access_prevention;
      if (value === "enforced") return COMPLIANT;
      if (value === undefined)
        return violation("public_access_prevention is not set and defaults to inherited");
      return isToken(value)
        ? violation(unverifiable("public_access_prevention", value))
        : violation(`public_access_prevention is ${show(value)}`);
    },
  },
  {
    id: "GCP-GCS-002",
    checkov: "CKV_GCP_29",
    severity: "error",
    title: "Bucket uses uniform bucket-level access",
    types: BUCKET,
    fix: "Set uniform_bucket_level_access = true (IAM only, no object ACLs).",
    check: (r) => requireFlag(r.config, "uniform_bucket_level_access", true, false),
  },
  {
    id: "GCP-GCS-003",
    checkov: "CKV_GCP_62",
    severity: "warning",
    title: "Bucket has access logging",
    types: BUCKET,
    fix: "Set logging { log_bucket = <a log bucket> }.",
    check: (r) =>
      get(r.config, "logging.log_bucket") ? COMPLIANT : violation("logging.log_bucket is not set"),
  },
  {
    id: "GCP-GCS-004",
    checkov: "CKV_GCP_78",
    severity: "warning",
    title: "Bucket has object versioning",
    types: BUCKET,
    fix: "Set versioning { enabled = true } and a lifecycle rule that expires old versions.",
    check: (r) => requireFlag(r.config, "versioning.enabled", true, false),
  },
  {
    id: "GCP-GCS-005",
    severity: "error",
    title: "Backup bucket has versioning and a lifecycle policy",
    types: BUCKET,
    fix: "On buckets holding backups set versioning { enabled = true } and lifecycle_rule entries for retention.",
    check: (r) =>
      !isBackupName(r, ["name"])
        ? NOT_APPLICABLE
        : combine(
            requireFlag(r.config, "versioning.enabled", true, false),
            blocks(r.config.lifecycle_rule).length > 0
              ? COMPLIANT
              : violation("has no lifecycle_rule: backups are kept or lost by hand"),
          ),
  },
  {
    id: "GCP-GCS-006",
    checkovNote:
      "Reported on the `_iam_member` / `_iam_binding` as checkov's CKV_GCP_28 does, on `_iam_policy` too, and again on the bucket it exposes.",
    checkov: "CKV_GCP_28",
    severity: "error",
    title: "Bucket is not readable by allUsers or allAuthenticatedUsers",
    types: [...BUCKET, ...BUCKET_GRANTS],
    appliesTo: "`google_storage_bucket` and its `_iam_member`, `_iam_binding`, `_iam_policy`",
    fix: "Grant storage roles to named principals; serve public content through a CDN or signed URLs instead of allUsers.",
    check: publicGrantCheck(BUCKET_GRANTS, "bucket", "name"),
  },
  {
    id: "GCP-AR-001",
    checkovNote:
      "Reported on the `_iam_member` / `_iam_binding` as checkov's CKV_GCP_101 does, on `_iam_policy` too, and again on the repository it exposes.",
    checkov: "CKV_GCP_101",
    severity: "error",
    title: "Artifact Registry repository is not public",
    types: [...REPOSITORY, ...REPOSITORY_GRANTS],
    appliesTo:
      "`google_artifact_registry_repository` and its `_iam_member`, `_iam_binding`, `_iam_policy`",
    fix: "Grant roles/artifactregistry.reader to named principals, not allUsers / allAuthenticatedUsers.",
    check: publicGrantCheck(REPOSITORY_GRANTS, "repository", "repository_id"),
  },
  {
    id: "GCP-AR-002",
    severity: "warning",
    title: "Docker repository has immutable tags",
    types: REPOSITORY,
    fix: "Set docker_config { immutable_tags = true } so a tag always names the same image.",
    check: (r) => {
      const format = r.config.format;
      const mode = r.config.mode ?? "STANDARD_REPOSITORY";
      if (
        typeof format !== "string" ||
        format.toUpperCase() !== "DOCKER" ||
        mode !== "STANDARD_REPOSITORY"
      ) {
        return NOT_APPLICABLE;
      }
      return requireFlag(r.config, "docker_config.immutable_tags", true, false);
    },
  },
  {
    id: "GCP-SM-001",
    severity: "error",
    title: "Secret Manager versions hold no literal secret",
    types: ["google_secret_manager_secret_version"],
    fix: "Add the secret value outside Terraform (gcloud secrets versions add) or from a generated value (random_password), never a literal in code.",
    check: (r) =>
      problemsVerdict(
        ["secret_data", "secret_data_wo"].flatMap((key) => {
          const value = r.config[key];
          return typeof value === "string" && value !== "" && !isToken(value)
            ? [`${key} holds a literal value: it is in the synthesized JSON and in git`]
            : [];
        }),
      ),
  },
];
