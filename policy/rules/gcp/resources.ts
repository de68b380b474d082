// The resource types the GCP rules read, and the names the rules and their docs give them.

export const FIREWALL = ["google_compute_firewall"];
export const SQL = ["google_sql_database_instance"];
export const SUBNET = ["google_compute_subnetwork"];
export const FROM_TEMPLATE = "google_compute_instance_from_template";
export const INSTANCE_TYPES = ["google_compute_instance", FROM_TEMPLATE];
export const VM = [
  ...INSTANCE_TYPES,
  "google_compute_instance_template",
  "google_compute_region_instance_template",
];
export const VM_LABEL =
  "`google_compute_instance`, `google_compute_instance_from_template` and instance templates";
export const BUCKET = ["google_storage_bucket"];
export const REPOSITORY = ["google_artifact_registry_repository"];
export const REPOSITORY_GRANTS = [
  "google_artifact_registry_repository_iam_member",
  "google_artifact_registry_repository_iam_binding",
  "google_artifact_registry_repository_iam_policy",
];
export const BUCKET_GRANTS = [
  "google_storage_bucket_iam_member",
  "google_storage_bucket_iam_binding",
  "google_storage_bucket_iam_policy",
];
export const IAM_GRANT = /^google_.+_iam_(member|binding|policy)$/;
export const PROJECT_GRANT = ["google_project_iam_member", "google_project_iam_binding"];
export const AUTHORITATIVE = [
  "google_project_iam_policy",
  "google_project_iam_binding",
  "google_folder_iam_policy",
  "google_folder_iam_binding",
  "google_organization_iam_policy",
  "google_organization_iam_binding",
];
export const CLOUD_PLATFORM = ["cloud-platform", "https://www.googleapis.com/auth/cloud-platform"];
