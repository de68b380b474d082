import { contextOf } from "../../policy/context";
import { evaluate } from "../../policy/engine";
import { appliesTo, RULES, ruleById } from "../../policy/rules";
import type { Json, Rule } from "../../policy/types";
import { merge, stackOf } from "./helpers";

// One compliant and one non-compliant resource per rule. The resource under test is
// `<type>.subject`; `others` are further resources of its stack (keyed by address).

interface Spec {
  readonly type: string;
  readonly config: Json;
  readonly others?: Record<string, Json>;
}
interface Case {
  readonly pass: Spec;
  readonly fail: Spec;
  readonly message: RegExp;
}

const LOG = { metadata: "INCLUDE_ALL_METADATA" };
const fw = (o: Json = {}): Spec => ({
  type: "google_compute_firewall",
  config: merge(
    {
      name: "fw",
      direction: "INGRESS",
      allow: [{ protocol: "tcp", ports: ["22"] }],
      source_ranges: ["10.0.0.0/8"],
      log_config: LOG,
    },
    o,
  ),
});
const subnet = (o: Json = {}): Spec => ({
  type: "google_compute_subnetwork",
  config: merge(
    { ip_cidr_range: "10.0.0.0/20", private_ip_google_access: true, log_config: LOG },
    o,
  ),
});
const gke = (o: Json = {}): Spec => ({
  type: "google_container_cluster",
  config: merge(
    {
      name: "gke",
      private_cluster_config: { enable_private_nodes: true, enable_private_endpoint: true },
      master_authorized_networks_config: {
        gcp_public_cidrs_access_enabled: false,
        cidr_blocks: [],
      },
      enable_legacy_abac: false,
      remove_default_node_pool: true,
      node_config: { workload_metadata_config: { mode: "GKE_METADATA" } },
    },
    o,
  ),
});
const PG_FLAGS = [
  { name: "log_min_error_statement", value: "error" },
  { name: "cloudsql.enable_pgaudit", value: "on" },
  { name: "log_statement", value: "ddl" },
  { name: "log_connections", value: "on" },
  { name: "log_disconnections", value: "on" },
];
const sql = (o: Json = {}): Spec => ({
  type: "google_sql_database_instance",
  config: merge(
    {
      database_version: "POSTGRES_15",
      settings: {
        ip_configuration: { ipv4_enabled: false, ssl_mode: "ENCRYPTED_ONLY" },
        backup_configuration: { enabled: true, point_in_time_recovery_enabled: true },
        deletion_protection_enabled: true,
        database_flags: PG_FLAGS,
      },
    },
    o,
  ),
});
const pgFlag = (name: string, value: string): Spec =>
  sql({
    settings: {
      database_flags: PG_FLAGS.map((f) => (f.name === name ? { name, value } : f)),
    },
  });
const SA = { "google_service_account.sa": { account_id: "app" } };
const vm = (o: Json = {}): Spec => ({
  type: "google_compute_instance",
  config: merge(
    {
      name: "vm",
      zone: "us-central1-a",
      deletion_protection: true,
      network_interface: [{ subnetwork: "default" }],
      service_account: { email: "${google_service_account.sa.email}", scopes: ["cloud-platform"] },
      metadata: { "block-project-ssh-keys": "true", "enable-oslogin": "TRUE" },
      shielded_instance_config: { enable_secure_boot: true },
    },
    o,
  ),
  others: SA,
});
const grant = (type: string, o: Json): Spec => ({
  type,
  config: merge({ role: "roles/logging.logWriter", member: "group:ops@example.com" }, o),
});
const bucket = (o: Json = {}): Spec => ({
  type: "google_storage_bucket",
  config: merge(
    {
      name: "acme-assets",
      public_access_prevention: "enforced",
      uniform_bucket_level_access: true,
      logging: { log_bucket: "acme-logs" },
      versioning: { enabled: true },
    },
    o,
  ),
});
const repo = (members: string[]): Spec => ({
  type: "google_artifact_registry_repository",
  config: { repository_id: "images", format: "DOCKER", docker_config: { immutable_tags: true } },
  others: Object.fromEntries(
    members.map((m, i) => [
      `google_artifact_registry_repository_iam_member.m${i}`,
      {
        repository: "${google_artifact_registry_repository.subject.name}",
        role: "roles/artifactregistry.reader",
        member: m,
      },
    ]),
  ),
});
const sg = (cidr: string): Spec => ({
  type: "aws_security_group",
  config: { ingress: [{ from_port: 22, to_port: 22, protocol: "tcp", cidr_blocks: [cidr] }] },
});
const sgRule = (cidr: string): Spec => ({
  type: "aws_vpc_security_group_ingress_rule",
  config: { cidr_ipv4: cidr, from_port: 3389, to_port: 3389, ip_protocol: "tcp" },
});
const rds = (o: Json = {}): Spec => ({
  type: "aws_db_instance",
  config: merge(
    {
      engine: "postgres",
      publicly_accessible: false,
      storage_encrypted: true,
      backup_retention_period: 7,
      deletion_protection: true,
      manage_master_user_password: true,
    },
    o,
  ),
});
const BUCKET_REF = { bucket: "${aws_s3_bucket.subject.id}" };
const S3_PARTS: Record<string, Json> = {
  "aws_s3_bucket_versioning.v": { ...BUCKET_REF, versioning_configuration: { status: "Enabled" } },
  "aws_s3_bucket_server_side_encryption_configuration.e": {
    ...BUCKET_REF,
    rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: "aws:kms" } }],
  },
  "aws_s3_bucket_logging.l": { ...BUCKET_REF, target_bucket: "logs" },
  "aws_s3_bucket_public_access_block.p": {
    bucket: "acme-data",
    block_public_acls: true,
    block_public_policy: true,
    ignore_public_acls: true,
    restrict_public_buckets: true,
  },
  "aws_s3_bucket_lifecycle_configuration.c": {
    ...BUCKET_REF,
    rule: [{ id: "r", status: "Enabled" }],
  },
};
/** An S3 bucket with all its parts but `drop`. */
const s3 = (drop?: string, name = "acme-data"): Spec => ({
  type: "aws_s3_bucket",
  config: { bucket: name },
  others: Object.fromEntries(
    Object.entries(S3_PARTS)
      .filter(([address]) => !drop || !address.startsWith(drop))
      .map(([address, config]) =>
        address.includes("public_access")
          ? [address, { ...config, bucket: name }]
          : [address, config],
      ),
  ),
});
const ecr = (o: Json = {}): Spec => ({
  type: "aws_ecr_repository",
  config: merge(
    {
      name: "app",
      image_tag_mutability: "IMMUTABLE",
      encryption_configuration: [{ encryption_type: "KMS" }],
      image_scanning_configuration: { scan_on_push: true },
    },
    o,
  ),
});
const redis = (o: Json = {}): Spec => ({
  type: "aws_elasticache_replication_group",
  config: merge({ at_rest_encryption_enabled: true, transit_encryption_enabled: "true" }, o),
});
const eks = (o: Json = {}): Spec => ({
  type: "aws_eks_cluster",
  config: merge(
    {
      vpc_config: { endpoint_public_access: false, subnet_ids: ["a"] },
      encryption_config: { resources: ["secrets"], provider: { key_arn: "arn:kms" } },
    },
    o,
  ),
});
const CONTAINER = {
  name: "web",
  image: "europe-docker.pkg.dev/acme/images/web:1.4.2",
  security_context: { allow_privilege_escalation: false, read_only_root_filesystem: true },
  liveness_probe: { http_get: { path: "/healthz", port: "8080" } },
  readiness_probe: { http_get: { path: "/ready", port: "8080" } },
  resources: { limits: { cpu: "500m", memory: "256Mi" } },
};
/** A deployment; `container` and `pod` override the container and the pod spec. */
const deployment = (container: Json = {}, pod: Json = {}): Spec => ({
  type: "kubernetes_deployment_v1",
  config: {
    metadata: { name: "web", namespace: "shop" },
    spec: {
      template: {
        spec: merge(
          { security_context: { run_as_non_root: true }, container: [merge(CONTAINER, container)] },
          pod,
        ),
      },
    },
  },
});

const CASES: Record<string, Case> = {
  "GCP-FW-001": {
    pass: fw(),
    fail: fw({ source_ranges: ["0.0.0.0/0"] }),
    message: /allows SSH \(tcp\/22\) from 0\.0\.0\.0\/0/,
  },
  "GCP-FW-002": {
    pass: fw({ allow: [{ protocol: "tcp", ports: ["3389"] }] }),
    fail: fw({ source_ranges: ["::/0"], allow: [{ protocol: "tcp", ports: ["3000-4000"] }] }),
    message: /allows RDP \(tcp\/3389\) from ::\/0/,
  },
  "GCP-FW-003": {
    pass: fw({ source_ranges: ["0.0.0.0/0"], allow: [{ protocol: "tcp", ports: ["443"] }] }),
    fail: fw({ source_ranges: ["0.0.0.0/0"], allow: [{ protocol: "all" }] }),
    message: /allows every port from 0\.0\.0\.0\/0/,
  },
  "GCP-FW-004": {
    pass: fw(),
    fail: fw({ log_config: undefined }),
    message: /log_config is not set/,
  },
  "GCP-IAM-006": {
    pass: {
      type: "google_project_iam_member",
      config: {
        project: "p",
        role: "roles/logging.logWriter",
        member: "serviceAccount:a@p.iam.gserviceaccount.com",
      },
    },
    fail: {
      type: "google_project_iam_member",
      config: {
        project: "p",
        role: "roles/compute.instanceAdmin.v1",
        member: "serviceAccount:a@p.iam.gserviceaccount.com",
      },
    },
    message: /grants roles\/compute\.instanceAdmin\.v1 on the whole project/,
  },
  "GCP-IAM-007": {
    pass: {
      type: "google_project_iam_member",
      config: {
        project: "p",
        role: "roles/secretmanager.viewer",
        member: "serviceAccount:a@p.iam.gserviceaccount.com",
      },
    },
    fail: {
      type: "google_project_iam_binding",
      config: {
        project: "p",
        role: "roles/secretmanager.admin",
        members: ["serviceAccount:a@p.iam.gserviceaccount.com"],
      },
    },
    message:
      /grants roles\/secretmanager\.admin on the whole project \(it contains roles\/secretmanager\.secretAccessor\): instead, secret\.grantAccess/,
  },
  "GCP-FW-006": {
    pass: fw({ source_ranges: ["0.0.0.0/0"], allow: [{ protocol: "tcp", ports: ["80", "443"] }] }),
    fail: fw({
      source_ranges: ["0.0.0.0/0"],
      allow: [{ protocol: "tcp", ports: ["443", "5432"] }],
    }),
    message: /allows tcp:5432 from 0\.0\.0\.0\/0/,
  },
  "GCP-FW-005": {
    pass: {
      type: "google_compute_network",
      config: { name: "vpc", auto_create_subnetworks: false },
      others: {
        "google_compute_firewall.deny": {
          name: "deny-all-egress",
          network: "${google_compute_network.subject.id}",
          direction: "EGRESS",
          deny: [{ protocol: "all" }],
          destination_ranges: ["0.0.0.0/0"],
        },
      },
    },
    fail: {
      type: "google_compute_network",
      config: { name: "vpc", auto_create_subnetworks: false },
      others: {
        "google_compute_firewall.allow": {
          name: "allow-https",
          network: "${google_compute_network.subject.id}",
          direction: "EGRESS",
          allow: [{ protocol: "tcp", ports: ["443"] }],
          destination_ranges: ["0.0.0.0/0"],
        },
      },
    },
    message: /no firewall rule denies egress to 0\.0\.0\.0\/0/,
  },
  "GCP-NET-001": {
    pass: subnet(),
    fail: subnet({ log_config: undefined }),
    message: /no VPC flow logs/,
  },
  "GCP-NET-002": {
    pass: subnet(),
    fail: subnet({ private_ip_google_access: false }),
    message: /private_ip_google_access is false/,
  },
  "GCP-NET-003": {
    pass: { type: "google_compute_network", config: { auto_create_subnetworks: false } },
    fail: { type: "google_compute_network", config: { name: "vpc" } },
    message: /auto_create_subnetworks is not set and defaults to true/,
  },
  "GCP-SQL-001": {
    pass: sql(),
    fail: sql({ settings: { ip_configuration: { ipv4_enabled: true } } }),
    message: /ipv4_enabled is true/,
  },
  "GCP-SQL-002": {
    pass: sql({
      settings: { ip_configuration: { authorized_networks: [{ value: "203.0.113.0/24" }] } },
    }),
    fail: sql({
      settings: { ip_configuration: { authorized_networks: [{ value: "0.0.0.0/0" }] } },
    }),
    message: /authorized_networks admits 0\.0\.0\.0\/0/,
  },
  "GCP-SQL-003": {
    pass: sql(),
    fail: sql({ settings: { ip_configuration: { ssl_mode: "ALLOW_UNENCRYPTED_AND_ENCRYPTED" } } }),
    message: /ssl_mode is "ALLOW_UNENCRYPTED_AND_ENCRYPTED"/,
  },
  "GCP-SQL-004": {
    pass: sql(),
    fail: sql({ settings: { backup_configuration: { enabled: false } } }),
    message: /backup_configuration.enabled is false/,
  },
  "GCP-SQL-005": {
    pass: sql(),
    fail: sql({ settings: { backup_configuration: { point_in_time_recovery_enabled: false } } }),
    message: /point_in_time_recovery_enabled is false/,
  },
  "GCP-SQL-006": {
    pass: sql(),
    fail: sql({ deletion_protection: false }),
    message: /^deletion_protection is false$/,
  },
  "GCP-SQL-007": {
    pass: sql(),
    fail: sql({ settings: { deletion_protection_enabled: undefined } }),
    message: /deletion_protection_enabled is not set and defaults to false/,
  },
  "GCP-SQL-008": {
    pass: sql(),
    fail: pgFlag("log_min_error_statement", "panic"),
    message: /log_min_error_statement is "panic"/,
  },
  "GCP-SQL-009": {
    pass: sql(),
    fail: pgFlag("cloudsql.enable_pgaudit", "off"),
    message: /enable_pgaudit is "off"/,
  },
  "GCP-SQL-010": {
    pass: sql(),
    fail: pgFlag("log_statement", "none"),
    message: /log_statement is "none"/,
  },
  "GCP-SQL-011": {
    pass: sql(),
    fail: pgFlag("log_connections", "off"),
    message: /log_connections is "off"/,
  },
  "GCP-SQL-012": {
    pass: sql(),
    fail: pgFlag("log_disconnections", "off"),
    message: /log_disconnections is "off"/,
  },
  "GCP-VM-001": {
    pass: vm(),
    fail: vm({ service_account: { email: "123456-compute@developer.gserviceaccount.com" } }),
    message: /runs as the default compute service account/,
  },
  "GCP-VM-002": {
    pass: vm(),
    fail: vm({ service_account: { email: undefined } }),
    message: /scopes \["cloud-platform"\] with the default compute service account/,
  },
  "GCP-VM-003": {
    pass: vm(),
    fail: vm({ metadata: { "block-project-ssh-keys": "false" } }),
    message: /block-project-ssh-keys"\] is "false"/,
  },
  "GCP-VM-004": {
    pass: vm({ metadata: { "serial-port-enable": "FALSE" } }),
    fail: vm({ metadata: { "serial-port-enable": "TRUE" } }),
    message: /serial-port-enable"\] is "TRUE"/,
  },
  "GCP-VM-005": {
    pass: vm(),
    fail: vm({ metadata: { "enable-oslogin": "false" } }),
    message: /enable-oslogin"\] is "false"/,
  },
  "GCP-VM-006": {
    pass: vm(),
    fail: vm({ shielded_instance_config: { enable_secure_boot: false, enable_vtpm: false } }),
    message: /enable_secure_boot is false; shielded_instance_config.enable_vtpm is false/,
  },
  "GCP-VM-007": {
    pass: vm(),
    fail: vm({ network_interface: [{ subnetwork: "default", access_config: [{}] }] }),
    message: /network_interface\[0\].access_config gives it an external IP/,
  },
  "GCP-VM-008": {
    pass: vm(),
    fail: vm({ deletion_protection: undefined }),
    message: /deletion_protection is not set and defaults to false/,
  },
  "GCP-VM-009": {
    pass: vm(),
    fail: vm({ can_ip_forward: true }),
    message: /can_ip_forward is true/,
  },
  "GCP-VM-010": {
    pass: vm({
      metadata: {
        "startup-script":
          'Environment=IMAGE=us-central1-docker.pkg.dev/p/repo/core-engine:3f9c2ab\nrepository="us-central1-docker.pkg.dev/p/repo/core-engine"\ndocker pull gcr.io/p/tool@sha256:' +
          "a".repeat(64),
      },
    }),
    fail: vm({
      metadata: {
        "startup-script":
          "docker pull us-central1-docker.pkg.dev/p/repo/core-engine:latest\ndocker run gcr.io/p/tool",
      },
    }),
    message:
      /runs us-central1-docker\.pkg\.dev\/p\/repo\/core-engine:latest, which can move; the startup script runs gcr\.io\/p\/tool/,
  },
  "GCP-IAM-001": {
    pass: grant("google_project_iam_member", {}),
    fail: grant("google_project_iam_member", { role: "roles/owner" }),
    message: /primitive role roles\/owner/,
  },
  "GCP-IAM-002": {
    // Bucket and repository grants are GCP-GCS-006 / GCP-AR-001 (checkov's own IDs for them).
    pass: grant("google_secret_manager_secret_iam_member", { secret_id: "s" }),
    fail: grant("google_secret_manager_secret_iam_binding", {
      secret_id: "s",
      member: undefined,
      members: ["group:a@example.com", "allUsers"],
    }),
    message: /grants "roles\/logging.logWriter" to allUsers/,
  },
  "GCP-IAM-003": {
    pass: grant("google_project_iam_member", {}),
    fail: grant("google_project_iam_binding", {
      member: undefined,
      members: ["group:ops@example.com"],
    }),
    message: /is authoritative/,
  },
  "GCP-IAM-004": {
    pass: grant("google_project_iam_member", { role: "roles/iam.workloadIdentityUser" }),
    fail: grant("google_project_iam_member", { role: "roles/iam.serviceAccountTokenCreator" }),
    message: /serviceAccountTokenCreator on the whole project/,
  },
  "GCP-IAM-005": {
    pass: { type: "google_service_account", config: { account_id: "app" } },
    fail: { type: "google_service_account_key", config: { service_account_id: "app" } },
    message: /creates a service account key/,
  },
  "GCP-GCS-001": {
    pass: bucket(),
    fail: bucket({ public_access_prevention: "inherited" }),
    message: /public_access_prevention is "inherited"/,
  },
  "GCP-GCS-002": {
    pass: bucket(),
    fail: bucket({ uniform_bucket_level_access: false }),
    message: /uniform_bucket_level_access is false/,
  },
  "GCP-GCS-003": {
    pass: bucket(),
    fail: bucket({ logging: undefined }),
    message: /logging.log_bucket is not set/,
  },
  "GCP-GCS-004": {
    pass: bucket(),
    fail: bucket({ versioning: { enabled: false } }),
    message: /versioning.enabled is false/,
  },
  "GCP-GCS-005": {
    pass: bucket({
      name: "acme-db-backups",
      lifecycle_rule: [{ action: { type: "Delete" }, condition: { age: 90 } }],
    }),
    fail: bucket({ name: "acme-db-backups", versioning: undefined }),
    message: /versioning.enabled is not set.*; has no lifecycle_rule/,
  },
  "GCP-AR-001": {
    pass: repo(["serviceAccount:${google_service_account.sa.email}"]),
    fail: repo(["allAuthenticatedUsers"]),
    message:
      /google_artifact_registry_repository_iam_member.m0 grants access to allAuthenticatedUsers/,
  },
  "GCP-GCS-006": {
    pass: grant("google_storage_bucket_iam_member", {
      bucket: "acme-assets",
      role: "roles/storage.objectViewer",
    }),
    fail: grant("google_storage_bucket_iam_binding", {
      bucket: "acme-assets",
      role: "roles/storage.objectViewer",
      member: undefined,
      members: ["group:a@example.com", "allUsers"],
    }),
    message: /grants "roles\/storage.objectViewer" to allUsers/,
  },
  "GCP-AR-002": {
    pass: repo([]),
    fail: { type: "google_artifact_registry_repository", config: { format: "DOCKER" } },
    message: /docker_config.immutable_tags is not set/,
  },
  "GCP-SM-001": {
    pass: {
      type: "google_secret_manager_secret_version",
      config: { secret: "s", secret_data: "${random_password.p.result}" },
    },
    fail: {
      type: "google_secret_manager_secret_version",
      config: { secret: "s", secret_data: "hunter2" },
    },
    message: /secret_data holds a literal value/,
  },
  "GCP-CB-001": {
    pass: {
      type: "google_cloudbuild_trigger",
      config: { name: "release", approval_config: { approval_required: true } },
    },
    fail: { type: "google_cloudbuild_trigger", config: { name: "release" } },
    message: /approval_config.approval_required is not set and defaults to false/,
  },
  "GCP-GKE-001": {
    pass: gke(),
    fail: gke({ private_cluster_config: { enable_private_nodes: false } }),
    message: /private_cluster_config.enable_private_nodes is false/,
  },
  "GCP-GKE-002": {
    pass: gke({
      private_cluster_config: { enable_private_endpoint: false },
      master_authorized_networks_config: {
        cidr_blocks: [{ cidr_block: "203.0.113.0/24", display_name: "office" }],
      },
    }),
    fail: gke({
      private_cluster_config: { enable_private_endpoint: false },
      master_authorized_networks_config: {
        cidr_blocks: [
          { cidr_block: "0.0.0.0/1", display_name: "low" },
          { cidr_block: "128.0.0.0/1", display_name: "high" },
        ],
      },
    }),
    message: /admits 0\.0\.0\.0\/1, 128\.0\.0\.0\/1 \(together the whole internet\)/,
  },
  "GCP-GKE-003": {
    pass: gke(),
    fail: gke({ enable_legacy_abac: true }),
    message: /enable_legacy_abac is true/,
  },
  "GCP-GKE-004": {
    pass: {
      type: "google_container_node_pool",
      config: {
        name: "general",
        node_config: { workload_metadata_config: { mode: "GKE_METADATA" } },
      },
    },
    fail: {
      type: "google_container_node_pool",
      config: { name: "general", node_config: { machine_type: "e2-standard-4" } },
    },
    message: /workload_metadata_config.mode is \(not set\): pods can reach the node's metadata/,
  },
  "AWS-SG-001": {
    pass: sg("10.0.0.0/8"),
    fail: sg("0.0.0.0/0"),
    message: /ingress\[0\] allows SSH \(tcp\/22\) from 0\.0\.0\.0\/0/,
  },
  "AWS-SG-003": {
    pass: {
      type: "aws_security_group",
      config: {
        ingress: [{ from_port: 443, to_port: 443, protocol: "tcp", cidr_blocks: ["0.0.0.0/0"] }],
      },
    },
    fail: {
      type: "aws_security_group",
      config: {
        ingress: [
          { from_port: 443, to_port: 443, protocol: "tcp", cidr_blocks: ["0.0.0.0/0"] },
          { from_port: 6379, to_port: 6379, protocol: "tcp", cidr_blocks: ["::/1", "8000::/1"] },
        ],
      },
    },
    message: /ingress\[1\] allows tcp:6379 from ::\/1, 8000::\/1 \(together the whole internet\)/,
  },
  "AWS-SG-002": {
    pass: sgRule("10.0.0.0/8"),
    fail: sgRule("0.0.0.0/0"),
    message: /allows RDP \(tcp\/3389\) from 0\.0\.0\.0\/0/,
  },
  "AWS-RDS-001": {
    pass: rds(),
    fail: rds({ publicly_accessible: true }),
    message: /publicly_accessible is true/,
  },
  "AWS-RDS-002": {
    pass: rds(),
    fail: rds({ storage_encrypted: undefined }),
    message: /storage_encrypted is not set and defaults to false/,
  },
  "AWS-RDS-003": {
    pass: rds(),
    fail: rds({ backup_retention_period: 0 }),
    message: /backup_retention_period is 0/,
  },
  "AWS-RDS-004": {
    pass: rds(),
    fail: rds({ deletion_protection: false }),
    message: /deletion_protection is false/,
  },
  "AWS-RDS-005": {
    pass: rds(),
    fail: rds({ manage_master_user_password: undefined, password: "Sup3rSecret!" }),
    message: /^password holds a literal value/,
  },
  "AWS-S3-001": {
    pass: s3(),
    fail: s3("aws_s3_bucket_server_side"),
    message: /no aws_s3_bucket_server_side_encryption_configuration/,
  },
  "AWS-S3-002": {
    pass: s3(),
    fail: s3("aws_s3_bucket_versioning"),
    message: /no aws_s3_bucket_versioning/,
  },
  "AWS-S3-003": {
    pass: s3(),
    fail: s3("aws_s3_bucket_logging"),
    message: /no aws_s3_bucket_logging/,
  },
  "AWS-S3-004": {
    pass: s3(),
    fail: s3("aws_s3_bucket_public_access_block"),
    message: /no aws_s3_bucket_public_access_block/,
  },
  "AWS-S3-005": {
    pass: s3(undefined, "acme-backups"),
    fail: s3("aws_s3_bucket_lifecycle", "acme-backups"),
    message: /no aws_s3_bucket_lifecycle_configuration/,
  },
  "AWS-ECR-001": {
    pass: ecr(),
    fail: ecr({ encryption_configuration: undefined }),
    message: /defaults to AES256/,
  },
  "AWS-ECR-002": {
    pass: ecr(),
    fail: ecr({ image_tag_mutability: "MUTABLE" }),
    message: /image_tag_mutability is "MUTABLE"/,
  },
  "AWS-ECR-003": {
    pass: ecr(),
    fail: ecr({ image_scanning_configuration: undefined }),
    message: /scan_on_push is not set/,
  },
  "AWS-ECR-004": {
    pass: {
      type: "aws_ecr_repository_policy",
      config: { repository: "app", policy: "${data.aws_iam_policy_document.pull.json}" },
      others: {
        "data.aws_iam_policy_document.pull": {
          statement: [
            {
              actions: ["ecr:BatchGetImage"],
              principals: [{ type: "AWS", identifiers: ["arn:aws:iam::123456789012:root"] }],
            },
          ],
        },
      },
    },
    fail: {
      type: "aws_ecr_repository_policy",
      config: {
        repository: "app",
        policy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Principal: { AWS: "*" }, Action: "ecr:*" }],
        }),
      },
    },
    message: /statement 0 allows Principal "\*" without a condition/,
  },
  "AWS-EC-001": {
    pass: redis(),
    fail: redis({ at_rest_encryption_enabled: false }),
    message: /at_rest_encryption_enabled is false/,
  },
  "AWS-EC-002": {
    pass: redis(),
    fail: redis({ transit_encryption_enabled: undefined }),
    message: /transit_encryption_enabled is not set/,
  },
  "AWS-EKS-001": {
    pass: eks(),
    fail: eks({ vpc_config: { endpoint_public_access: true } }),
    message: /public_access_cidrs defaults to 0\.0\.0\.0\/0/,
  },
  "AWS-EKS-002": {
    pass: eks(),
    fail: eks({ encryption_config: undefined }),
    message: /encryption_config does not cover secrets/,
  },
  "AWS-SM-001": {
    pass: {
      type: "aws_secretsmanager_secret_version",
      config: { secret_id: "s", secret_string: "${jsonencode(local.x)}" },
    },
    fail: {
      type: "aws_secretsmanager_secret_version",
      config: { secret_id: "s", secret_string: '{"password":"x"}' },
    },
    message: /secret_string holds a literal value/,
  },
  "K8S-POD-001": {
    pass: deployment(),
    fail: deployment({ security_context: { privileged: true } }),
    message: /container "web" is privileged/,
  },
  "K8S-POD-002": {
    pass: deployment(),
    fail: deployment({ security_context: { run_as_user: "0" } }),
    message: /container "web" runs as user 0 \(root\)/,
  },
  "K8S-POD-003": {
    pass: deployment(),
    fail: deployment({ security_context: { allow_privilege_escalation: true } }),
    message: /allow_privilege_escalation = false \(defaults to true\)/,
  },
  "K8S-POD-004": {
    pass: deployment(),
    fail: deployment({ liveness_probe: undefined }),
    message: /container "web" has no liveness_probe/,
  },
  "K8S-POD-005": {
    pass: deployment(),
    fail: deployment({ readiness_probe: undefined }),
    message: /container "web" has no readiness_probe/,
  },
  "K8S-POD-006": {
    pass: deployment(),
    fail: deployment({ resources: { limits: { cpu: undefined } } }),
    message: /no resources.limits.cpu/,
  },
  "K8S-POD-007": {
    pass: deployment(),
    fail: deployment({ resources: { limits: { memory: undefined } } }),
    message: /no resources.limits.memory/,
  },
  "K8S-POD-008": {
    pass: deployment(),
    fail: deployment({ security_context: { read_only_root_filesystem: false } }),
    message: /read_only_root_filesystem = true/,
  },
  "K8S-POD-009": {
    pass: deployment(),
    fail: deployment({}, { host_network: true }),
    message: /host_network is true/,
  },
  "CTR-IMG-001": {
    pass: deployment(),
    fail: deployment({ image: "nginx" }),
    message: /image "nginx" has no tag and pulls latest/,
  },
  "K8S-NS-001": {
    pass: {
      type: "kubernetes_namespace_v1",
      config: { metadata: { name: "shop" } },
      others: {
        "kubernetes_network_policy_v1.deny": {
          metadata: {
            name: "default-deny",
            namespace: "${kubernetes_namespace_v1.subject.metadata[0].name}",
          },
          spec: { pod_selector: {}, policy_types: ["Ingress"] },
        },
      },
    },
    fail: { type: "kubernetes_namespace_v1", config: { metadata: { name: "shop" } } },
    message: /namespace "shop" has no NetworkPolicy/,
  },
  "K8S-SEC-001": {
    pass: {
      type: "kubernetes_secret_v1",
      config: { metadata: { name: "db" }, data: { password: "${random_password.db.result}" } },
    },
    fail: {
      type: "kubernetes_secret_v1",
      config: { metadata: { name: "db" }, data: { password: "hunter2" } },
    },
    message: /data\["password"\] holds a literal value/,
  },
  "K8S-SVC-001": {
    pass: {
      type: "kubernetes_service_v1",
      config: {
        metadata: { name: "web" },
        spec: { type: "LoadBalancer", load_balancer_source_ranges: ["203.0.113.0/24"] },
      },
    },
    fail: {
      type: "kubernetes_service_v1",
      config: { metadata: { name: "web" }, spec: { type: "LoadBalancer" } },
    },
    message: /LoadBalancer without load_balancer_source_ranges/,
  },
  "GEN-SEC-001": {
    pass: {
      type: "google_sql_user",
      config: { name: "app", password: "${random_password.db.result}" },
    },
    fail: { type: "google_sql_user", config: { name: "app", password: "hunter2" } },
    message: /^password holds a literal credential/,
  },
  "POLICY-001": {
    pass: {
      type: "google_storage_bucket",
      config: {
        "//": {
          suppressions: [{ id: "GCP-GCS-003", reason: "logs go to the org-wide sink, see OPS-1" }],
        },
      },
    },
    fail: {
      type: "google_storage_bucket",
      config: { "//": { suppressions: [{ id: "GCP-GCS-003", reason: "not needed" }] } },
    },
    message: /suppression of GCP-GCS-003 has reason "not needed", too short/,
  },
  "POLICY-002": {
    pass: {
      type: "google_storage_bucket",
      config: {
        "//": {
          suppressions: [{ id: "GCP-GCS-003", reason: "logs go to the org-wide sink, see OPS-1" }],
        },
      },
    },
    fail: {
      type: "google_storage_bucket",
      config: {
        "//": {
          suppressions: [{ id: "GCP-GCS-999", reason: "logs go to the org-wide sink, see OPS-1" }],
        },
      },
    },
    message: /names "GCP-GCS-999", which is not a rule/,
  },
};

/** Rules whose finding is the resource itself: their compliant case is a resource they skip. */
const EXISTENCE_RULES = ["GCP-IAM-003", "GCP-IAM-005"];

function findingsFor(rule: Rule, spec: Spec) {
  const stack = stackOf({ ...spec.others, [`${spec.type}.subject`]: spec.config });
  return evaluate([stack], [rule]).filter((f) => f.address === `${spec.type}.subject`);
}

describe("rule pack", () => {
  it("has at least 35 rules with unique IDs, a title, a fix and a known severity", () => {
    expect(RULES.length).toBeGreaterThanOrEqual(35);
    expect(new Set(RULES.map((r) => r.id)).size).toBe(RULES.length);
    for (const rule of RULES) {
      expect(rule.id).toMatch(/^[A-Z0-9]+(-[A-Z0-9]+)+$/);
      expect(["error", "warning", "info"]).toContain(rule.severity);
      expect(rule.title.length).toBeGreaterThan(10);
      expect(rule.fix.length).toBeGreaterThan(10);
      if (rule.checkov) expect(rule.checkov).toMatch(/^CKV2?_(GCP|AWS|K8S)_\d+$/);
    }
  });

  it("covers every rule with a compliant and a non-compliant case", () => {
    expect(Object.keys(CASES).sort()).toEqual(RULES.map((r) => r.id).sort());
  });

  it("maps the checkov IDs the brief names", () => {
    const checkov = (id: string) => ruleById(id)?.checkov;
    expect(checkov("GCP-FW-001")).toBe("CKV_GCP_2");
    expect(checkov("GCP-SQL-001")).toBe("CKV_GCP_60");
    expect(checkov("AWS-RDS-004")).toBe("CKV_AWS_293");
    expect(checkov("AWS-ECR-002")).toBe("CKV_AWS_51");
    expect(checkov("K8S-POD-001")).toBe("CKV_K8S_16");
  });

  it("carries the IDs of checkov's own definitions (Terraform-side for kubernetes_*)", () => {
    const checkov = (id: string) => ruleById(id)?.checkov;
    // checkov/terraform/checks/resource/aws/ECRImageScanning.py: CKV_AWS_33 is KMSKeyWildcardPrincipal.
    expect(checkov("AWS-ECR-003")).toBe("CKV_AWS_163");
    // checkov/terraform/checks/resource/kubernetes/MemoryLimits.py (CKV_K8S_13 is MemoryRequests there).
    expect(checkov("K8S-POD-007")).toBe("CKV_K8S_12");
    // No Terraform-resource check for run-as-non-root on workloads (CKV_K8S_23 is a manifest check).
    expect(checkov("K8S-POD-002")).toBeUndefined();
    expect(ruleById("K8S-POD-002")?.checkovNote).toMatch(/no ID/);
    expect(checkov("GCP-GCS-006")).toBe("CKV_GCP_28");
  });

  it("covers every resource type checkov's check of the same ID lists", () => {
    const covers = (id: string, type: string) => appliesTo(ruleById(id)!, type);
    for (const id of ["GCP-VM-001", "GCP-VM-002", "GCP-VM-003", "GCP-VM-004", "GCP-VM-006"])
      expect(covers(id, "google_compute_instance_from_template")).toBe(true);
    expect(covers("GCP-VM-007", "google_compute_instance_from_template")).toBe(true);
    expect(covers("AWS-RDS-001", "aws_rds_cluster_instance")).toBe(true);
    expect(covers("AWS-RDS-003", "aws_rds_cluster")).toBe(true);
    expect(covers("GCP-AR-001", "google_artifact_registry_repository_iam_member")).toBe(true);
    expect(covers("GCP-AR-001", "google_artifact_registry_repository_iam_binding")).toBe(true);
    expect(covers("GCP-GCS-006", "google_storage_bucket_iam_member")).toBe(true);
  });
});

describe.each(Object.entries(CASES))("%s", (id, { pass, fail, message }) => {
  const rule = ruleById(id) as Rule;

  it("accepts the compliant resource", () => {
    expect(findingsFor(rule, pass)).toEqual([]);
    const stack = stackOf({ ...pass.others, [`${pass.type}.subject`]: pass.config });
    const status = appliesTo(rule, pass.type)
      ? rule.check(stack.byAddress.get(`${pass.type}.subject`)!, contextOf(stack)).status
      : "not-applicable";
    expect(status).toBe(EXISTENCE_RULES.includes(id) ? "not-applicable" : "compliant");
  });

  it("reports the non-compliant resource", () => {
    const findings = findingsFor(rule, fail);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      ruleId: id,
      severity: rule.severity,
      stack: "test",
      fix: rule.fix,
    });
    expect(findings[0].message).toMatch(message);
  });

  it("does not apply to unrelated resource types", () => {
    const everything = rule.types instanceof RegExp && rule.types.source === ".*";
    expect(appliesTo(rule, "null_resource")).toBe(everything);
    expect(
      evaluate([stackOf({ "null_resource.subject": { triggers: { a: "b" } } })], [rule]),
    ).toEqual([]);
  });
});

describe("GCP-IAM-001 with a computed role", () => {
  const rule = ruleById("GCP-IAM-001") as Rule;
  const role =
    "projects/${google_project_iam_custom_role.deploy.project}/roles/${google_project_iam_custom_role.deploy.role_id}";

  it("accepts a custom role defined in the same stack", () => {
    expect(
      findingsFor(rule, {
        ...grant("google_project_iam_member", { role }),
        others: {
          "google_project_iam_custom_role.deploy": {
            role_id: "deploy",
            permissions: ["compute.projects.get"],
          },
        },
      }),
    ).toEqual([]);
  });

  it("fails closed when the role comes from anywhere else", () => {
    const findings = findingsFor(rule, grant("google_project_iam_member", { role: "${var.role}" }));
    expect(findings.map((f) => f.message)).toEqual([expect.stringMatching(/cannot be verified/)]);
    const elsewhere = findingsFor(rule, {
      ...grant("google_project_iam_member", { role }),
      others: { "google_service_account.deploy": { account_id: "deploy" } },
    });
    expect(elsewhere).toHaveLength(1);
  });
});

describe("GCP-FW-001..003 on firewall policy rules", () => {
  const policyRule = (match: Json, action = "allow"): Spec => ({
    type: "google_compute_network_firewall_policy_rule",
    config: { direction: "INGRESS", action, priority: 1000, firewall_policy: "p", match },
  });
  const ssh = [{ ip_protocol: "tcp", ports: ["22"] }];

  it("reports SSH from the world in a network firewall policy", () => {
    const findings = findingsFor(
      ruleById("GCP-FW-001") as Rule,
      policyRule({ src_ip_ranges: ["0.0.0.0/0"], layer4_configs: ssh }),
    );
    expect(findings.map((f) => f.message)).toEqual(["allows SSH (tcp/22) from 0.0.0.0/0"]);
  });

  it.each([
    ["admin ranges", policyRule({ src_ip_ranges: ["203.0.113.0/24"], layer4_configs: ssh })],
    ["a deny action", policyRule({ src_ip_ranges: ["0.0.0.0/0"], layer4_configs: ssh }, "deny")],
    ["named sources only", policyRule({ src_fqdns: ["admin.example.com"], layer4_configs: ssh })],
  ])("accepts %s", (_, spec) => {
    expect(findingsFor(ruleById("GCP-FW-001") as Rule, spec)).toEqual([]);
  });

  it("reports every port open to the world in a hierarchical policy rule", () => {
    const findings = findingsFor(ruleById("GCP-FW-003") as Rule, {
      ...policyRule({ src_ip_ranges: ["0.0.0.0/0"], layer4_configs: [{ ip_protocol: "all" }] }),
      type: "google_compute_firewall_policy_rule",
    });
    expect(findings).toHaveLength(1);
  });
});

describe("exposure is judged on the union of ranges", () => {
  const halves = ["0.0.0.0/1", "128.0.0.0/1"];
  const v6halves = ["::/1", "8000::/1"];
  const quarters = ["0.0.0.0/2", "64.0.0.0/2", "128.0.0.0/2", "192.0.0.0/2"];

  it.each([
    ["two IPv4 halves", halves],
    ["two IPv6 halves", v6halves],
    ["four quarters, out of order", [quarters[2], quarters[0], quarters[3], quarters[1]]],
  ])("GCP-FW-001 reports SSH from %s", (_name, ranges) => {
    const findings = findingsFor(ruleById("GCP-FW-001")!, fw({ source_ranges: ranges }));
    expect(findings).toHaveLength(1);
    expect(findings[0].message).toMatch(/\(together the whole internet\)/);
  });

  it("GCP-FW-001 accepts ranges that leave a gap", () => {
    const gap = ["0.0.0.0/1", "128.0.0.0/2", "192.0.0.0/3", "224.0.0.0/4"];
    expect(findingsFor(ruleById("GCP-FW-001")!, fw({ source_ranges: gap }))).toEqual([]);
  });

  it("GCP-SQL-002 reports authorized networks that together are the world", () => {
    const findings = findingsFor(ruleById("GCP-SQL-002")!, {
      ...sql(),
      config: merge(sql().config, {
        settings: {
          ip_configuration: {
            ipv4_enabled: true,
            authorized_networks: halves.map((value) => ({ value })),
          },
        },
      }),
    });
    expect(findings.map((f) => f.message)).toEqual([
      "authorized_networks admits 0.0.0.0/1, 128.0.0.0/1 (together the whole internet)",
    ]);
  });

  it("AWS-SG-001 reports SSH from IPv4 halves in one rule", () => {
    const spec: Spec = {
      type: "aws_security_group",
      config: {
        ingress: [{ from_port: 22, to_port: 22, protocol: "tcp", cidr_blocks: halves }],
      },
    };
    expect(findingsFor(ruleById("AWS-SG-001")!, spec)).toHaveLength(1);
  });

  it("GCP-FW-005 does not count a deny-all egress to only half the internet", () => {
    const deny = (ranges: string[]) => ({
      type: "google_compute_network",
      config: { name: "vpc", auto_create_subnetworks: false },
      others: {
        "google_compute_firewall.deny": {
          name: "deny-all-egress",
          network: "${google_compute_network.subject.name}",
          direction: "EGRESS",
          deny: [{ protocol: "all" }],
          destination_ranges: ranges,
        },
      },
    });
    const rule = ruleById("GCP-FW-005")!;
    expect(findingsFor(rule, deny(["0.0.0.0/1"]))).toHaveLength(1);
    expect(findingsFor(rule, deny(halves))).toEqual([]);
  });
});

describe("GCP-FW-006: only web ports from the world", () => {
  const rule = ruleById("GCP-FW-006")!;
  const world = (allow: Json[], extra: Json = {}) =>
    findingsFor(rule, fw({ source_ranges: ["0.0.0.0/0"], allow, ...extra })).map((f) => f.message);

  it.each([
    [[{ protocol: "tcp", ports: ["6379"] }], "tcp:6379"],
    [[{ protocol: "tcp", ports: ["2375-2376"] }], "tcp:2375-2376"],
    [[{ protocol: "tcp" }], "tcp:all"],
    [[{ protocol: "udp" }], "udp"],
    [[{ protocol: "all" }], "all"],
    [[{ protocol: "tcp", ports: ["80-443"] }], "tcp:80-443"],
  ])("reports %j", (allow, what) => {
    expect(world(allow as Json[])).toEqual([expect.stringContaining(`allows ${what} from`)]);
  });

  it("accepts ping, private sources and Google's uptime checkers", () => {
    expect(world([{ protocol: "icmp" }])).toEqual([]);
    expect(
      findingsFor(
        rule,
        fw({ source_ranges: ["10.0.0.0/8"], allow: [{ protocol: "tcp", ports: ["5432"] }] }),
      ),
    ).toEqual([]);
    const checkers =
      '${formatlist("%s/32", data.google_monitoring_uptime_check_ips.ips.uptime_check_ips[*].ip_address)}';
    expect(
      findingsFor(
        rule,
        fw({ source_ranges: checkers, allow: [{ protocol: "tcp", ports: ["8080"] }] }),
      ),
    ).toEqual([]);
    const other = '${formatlist("%s/32", data.http.ranges.response_body)}';
    expect(
      findingsFor(
        rule,
        fw({ source_ranges: other, allow: [{ protocol: "tcp", ports: ["8080"] }] }),
      ),
    ).toHaveLength(1);
  });

  it("counts the construct's world-ingress opt-out as the reviewed decision, with its reason", () => {
    const reason = "public status page on 8080, reviewed by security, ticket SEC-7";
    const findings = findingsFor(
      rule,
      fw({
        source_ranges: ["0.0.0.0/0"],
        allow: [{ protocol: "tcp", ports: ["8080"] }],
        "//": { opt_outs: [{ id: "world-ingress", reason }] },
      }),
    );
    expect(findings).toEqual([expect.objectContaining({ suppressed: reason })]);
    const unrelated = findingsFor(
      rule,
      fw({
        source_ranges: ["0.0.0.0/0"],
        allow: [{ protocol: "tcp", ports: ["8080"] }],
        "//": { opt_outs: [{ id: "egress-to-world", reason }] },
      }),
    );
    expect(unrelated[0].suppressed).toBeUndefined();
  });
});

describe("shapes checkov's checks see too", () => {
  const only = (id: string, resources: Record<string, Json>, address: string) =>
    evaluate([stackOf(resources)], [ruleById(id)!])
      .filter((f) => f.address === address)
      .map((f) => f.message);

  it("reads a dynamic ingress block with a literal for_each as the blocks it produces", () => {
    const dynamicSg = (cidrs: string[]) => ({
      "aws_security_group.subject": {
        dynamic: {
          ingress: {
            for_each: cidrs.map((cidr) => ({ cidr })),
            iterator: "each",
            content: {
              from_port: 22,
              to_port: 22,
              protocol: "tcp",
              cidr_blocks: ["${each.value.cidr}"],
            },
          },
        },
      },
    });
    expect(only("AWS-SG-001", dynamicSg(["10.0.0.0/8"]), "aws_security_group.subject")).toEqual([]);
    expect(
      only("AWS-SG-001", dynamicSg(["10.0.0.0/8", "0.0.0.0/0"]), "aws_security_group.subject"),
    ).toEqual([expect.stringMatching(/ingress\[1\] allows SSH \(tcp\/22\) from 0\.0\.0\.0\/0/)]);
  });

  it("fails closed on a dynamic block whose for_each is an expression (cdktf iterators)", () => {
    const messages = only(
      "GCP-FW-001",
      {
        "google_compute_firewall.subject": {
          name: "fw",
          source_ranges: ["0.0.0.0/0"],
          dynamic: {
            allow: {
              for_each: "${var.rules}",
              iterator: "each",
              content: { protocol: "tcp", ports: "${each.value.ports}" },
            },
          },
        },
      },
      "google_compute_firewall.subject",
    );
    expect(messages).toEqual([expect.stringMatching(/cannot be verified.*may include SSH/)]);
  });

  it("reads an authorized network given through a dynamic block inside ip_configuration", () => {
    const messages = only(
      "GCP-SQL-002",
      {
        "google_sql_database_instance.subject": {
          database_version: "POSTGRES_15",
          settings: {
            ip_configuration: {
              ipv4_enabled: true,
              dynamic: {
                authorized_networks: {
                  for_each: "${var.networks}",
                  content: { value: "0.0.0.0/0" },
                },
              },
            },
          },
        },
      },
      "google_sql_database_instance.subject",
    );
    expect(messages).toEqual(["authorized_networks admits 0.0.0.0/0"]);
  });

  it("reads a port list given as one string and an empty source list as the world", () => {
    const fwWith = (extra: Json) => ({
      "google_compute_firewall.subject": {
        name: "fw",
        allow: { protocol: "tcp", ports: "22" },
        ...extra,
      },
    });
    expect(
      only("GCP-FW-001", fwWith({ source_ranges: [] }), "google_compute_firewall.subject"),
    ).toEqual([expect.stringContaining("0.0.0.0/0 (no source given)")]);
    expect(
      only(
        "GCP-FW-001",
        fwWith({ source_ranges: ["10.0.0.0/8"] }),
        "google_compute_firewall.subject",
      ),
    ).toEqual([]);
  });

  it("counts an empty EKS public_access_cidrs as the world", () => {
    const messages = only(
      "AWS-EKS-001",
      {
        "aws_eks_cluster.subject": {
          vpc_config: { endpoint_public_access: true, public_access_cidrs: [] },
        },
      },
      "aws_eks_cluster.subject",
    );
    expect(messages).toEqual([expect.stringMatching(/an empty list is unset/)]);
  });

  it("does not count a Condition on aws:SecureTransport as restricting Principal *", () => {
    const policy = (condition: Json) => ({
      "aws_ecr_repository_policy.subject": {
        repository: "r",
        policy: JSON.stringify({
          Statement: [
            { Effect: "Allow", Principal: "*", Action: "ecr:BatchGetImage", Condition: condition },
          ],
        }),
      },
    });
    const secure = { Bool: { "aws:SecureTransport": "true" } };
    expect(only("AWS-ECR-004", policy(secure), "aws_ecr_repository_policy.subject")).toHaveLength(
      1,
    );
    const org = { StringEquals: { "aws:PrincipalOrgID": "o-abc123" } };
    expect(only("AWS-ECR-004", policy(org), "aws_ecr_repository_policy.subject")).toEqual([]);
    const wildcard = { StringLike: { "aws:PrincipalOrgID": "*" } };
    expect(only("AWS-ECR-004", policy(wildcard), "aws_ecr_repository_policy.subject")).toHaveLength(
      1,
    );
    const document = {
      "aws_ecr_repository_policy.subject": {
        repository: "r",
        policy: "${data.aws_iam_policy_document.p.json}",
      },
      "data.aws_iam_policy_document.p": {
        statement: [
          {
            principals: [{ type: "*", identifiers: ["*"] }],
            condition: [{ test: "Bool", variable: "aws:SecureTransport", values: ["true"] }],
          },
        ],
      },
    };
    expect(only("AWS-ECR-004", document, "aws_ecr_repository_policy.subject")).toHaveLength(1);
  });

  it("reports a public grant on the IAM member (as checkov) and on the repository it exposes", () => {
    const resources = {
      "google_artifact_registry_repository.repo": { repository_id: "images", format: "DOCKER" },
      "google_artifact_registry_repository_iam_member.pub": {
        repository: "${google_artifact_registry_repository.repo.name}",
        role: "roles/artifactregistry.reader",
        member: "allUsers",
      },
    };
    const findings = evaluate([stackOf(resources)], [ruleById("GCP-AR-001")!]);
    expect(findings.map((f) => f.address).sort()).toEqual([
      "google_artifact_registry_repository.repo",
      "google_artifact_registry_repository_iam_member.pub",
    ]);
    const iam002 = evaluate([stackOf(resources)], [ruleById("GCP-IAM-002")!]);
    expect(iam002).toEqual([]);
  });

  it("reads an instance from template with its source template, and fails closed without it", () => {
    const template = {
      "google_compute_instance_template.t": {
        metadata: { "block-project-ssh-keys": "true" },
      },
    };
    expect(
      only(
        "GCP-VM-003",
        {
          ...template,
          "google_compute_instance_from_template.subject": {
            source_instance_template: "${google_compute_instance_template.t.self_link_unique}",
          },
        },
        "google_compute_instance_from_template.subject",
      ),
    ).toEqual([]);
    expect(
      only(
        "GCP-VM-003",
        {
          "google_compute_instance_from_template.subject": {
            source_instance_template: "projects/p/global/instanceTemplates/t",
          },
        },
        "google_compute_instance_from_template.subject",
      ),
    ).toEqual([expect.stringMatching(/source_instance_template .* cannot be verified/)]);
  });

  it("reads Aurora clusters for backups and Aurora instances for public access", () => {
    expect(
      only(
        "AWS-RDS-003",
        { "aws_rds_cluster.subject": { engine: "aurora-postgresql", backup_retention_period: 0 } },
        "aws_rds_cluster.subject",
      ),
    ).toHaveLength(1);
    expect(
      only(
        "AWS-RDS-001",
        { "aws_rds_cluster_instance.subject": { publicly_accessible: true } },
        "aws_rds_cluster_instance.subject",
      ),
    ).toEqual(["publicly_accessible is true"]);
  });
});

describe("rules accept the constructs' opt-outs for the same risk", () => {
  const reason = "review environment, torn down nightly, ticket OPS-77";
  it.each([
    ["GCP-SQL-006", "deletion-allowed", sql({ deletion_protection: false })],
    ["GCP-SQL-007", "deletion-allowed", sql({ settings: { deletion_protection_enabled: false } })],
    [
      "GCP-SQL-002",
      "sql-open-to-world",
      sql({
        settings: {
          ip_configuration: { ipv4_enabled: true, authorized_networks: [{ value: "0.0.0.0/0" }] },
        },
      }),
    ],
    [
      "GCP-CB-001",
      "build-without-approval",
      {
        type: "google_cloudbuild_trigger",
        config: { name: "release", approval_config: { approval_required: false } },
      },
    ],
    [
      "GCP-FW-003",
      "world-ingress",
      fw({ source_ranges: ["0.0.0.0/0"], allow: [{ protocol: "all" }] }),
    ],
  ])("%s is suppressed by %s, with its reason", (id, optOut, spec) => {
    const rule = ruleById(id)!;
    const plain = findingsFor(rule, spec);
    expect(plain).toHaveLength(1);
    expect(plain[0].suppressed).toBeUndefined();
    const opted = findingsFor(rule, {
      ...spec,
      config: { ...spec.config, "//": { opt_outs: [{ id: optOut, reason }] } },
    });
    expect(opted).toEqual([expect.objectContaining({ suppressed: reason })]);
  });
});
