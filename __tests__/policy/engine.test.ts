import * as fs from "node:fs";
import * as path from "node:path";
import { blocking, checkSynthesized, evaluate, formatPolicyFailure } from "../../policy/engine";
import { loadOutdir, ReviewInputError } from "../../policy/load";
import { ruleById } from "../../policy/rules";
import { imageProblem } from "../../policy/rules/k8s";
import type { Json, Rule } from "../../policy/types";
import { FIXTURES, stackOf, tempDir, writeOutdir } from "./helpers";

/** The findings of the given rules for the resource `subject` of a one-resource stack. */
function check(type: string, config: Json, ruleIds: string[], others: Record<string, Json> = {}) {
  const rules = ruleIds.map((id) => ruleById(id) as Rule);
  return evaluate([stackOf({ ...others, [`${type}.subject`]: config })], rules).filter(
    (f) => f.address === `${type}.subject`,
  );
}
const messages = (findings: { ruleId: string; message: string }[]) =>
  Object.fromEntries(findings.map((f) => [f.ruleId, f.message]));

describe("fail closed", () => {
  it("treats a Cloud SQL instance without settings as public, unencrypted in transit and without backups", () => {
    const found = check("google_sql_database_instance", { database_version: "POSTGRES_15" }, [
      "GCP-SQL-001",
      "GCP-SQL-003",
      "GCP-SQL-004",
      "GCP-SQL-005",
      "GCP-SQL-006",
    ]);
    expect(messages(found)).toEqual({
      "GCP-SQL-001": "settings.ip_configuration.ipv4_enabled is not set and defaults to true",
      "GCP-SQL-003":
        "settings.ip_configuration.ssl_mode is not set and defaults to ALLOW_UNENCRYPTED_AND_ENCRYPTED",
      "GCP-SQL-004": "settings.backup_configuration.enabled is not set and defaults to false",
      "GCP-SQL-005":
        "settings.backup_configuration.point_in_time_recovery_enabled is not set and defaults to false",
    });
  });

  it("reports an expression where a literal is needed as cannot be verified", () => {
    const sql = check(
      "google_sql_database_instance",
      { settings: { ip_configuration: { ipv4_enabled: "${var.public_ip}" } } },
      ["GCP-SQL-001"],
    );
    expect(sql[0].message).toBe(
      'settings.ip_configuration.ipv4_enabled = "${var.public_ip}" cannot be verified: it is only known at apply time',
    );
    const vm = check(
      "google_compute_instance",
      { service_account: { email: "${var.sa_email}", scopes: ["cloud-platform"] } },
      ["GCP-VM-001", "GCP-VM-002"],
    );
    expect(messages(vm)).toEqual({
      "GCP-VM-001": expect.stringMatching(
        /service_account.email = "\$\{var.sa_email\}" cannot be verified/,
      ),
      "GCP-VM-002": expect.stringMatching(/a service account that cannot be verified/),
    });
    const fw = check(
      "google_compute_firewall",
      { allow: [{ protocol: "tcp", ports: ["22"] }], source_ranges: "${var.ranges}" },
      ["GCP-FW-001"],
    );
    expect(fw[0].message).toMatch(
      /source_ranges = "\$\{var.ranges\}" cannot be verified: it is only known at apply time; the rule allows SSH \(tcp\/22\)/,
    );
  });

  it("cannot verify a resource policy it cannot read", () => {
    expect(
      check("aws_ecr_repository_policy", { repository: "app", policy: "${var.policy}" }, [
        "AWS-ECR-004",
      ])[0].message,
    ).toBe('policy = "${var.policy}" cannot be verified: it is only known at apply time');
  });

  it("follows references inside the stack: a dedicated account passes, the default account data source fails", () => {
    const config = (email: string) => ({ service_account: { email, scopes: ["cloud-platform"] } });
    expect(
      check(
        "google_compute_instance",
        config("${google_service_account.app.email}"),
        ["GCP-VM-001"],
        {
          "google_service_account.app": { account_id: "app" },
        },
      ),
    ).toEqual([]);
    const found = check(
      "google_compute_instance",
      config("${data.google_compute_default_service_account.default.email}"),
      ["GCP-VM-001", "GCP-VM-002"],
    );
    expect(found.map((f) => f.ruleId)).toEqual(["GCP-VM-001", "GCP-VM-002"]);
  });

  it("treats an ingress rule without sources as open to the world, and unreadable ports as possibly SSH", () => {
    expect(
      check("google_compute_firewall", { allow: [{ protocol: "tcp" }] }, ["GCP-FW-001"])[0].message,
    ).toBe("allows SSH (tcp/22) from 0.0.0.0/0 (no source given)");
    const found = check(
      "google_compute_firewall",
      { allow: [{ protocol: "tcp", ports: ["${var.port}"] }], source_ranges: ["0.0.0.0/0"] },
      ["GCP-FW-001"],
    );
    expect(found[0].message).toMatch(/ports that cannot be verified .* may include SSH/);
  });

  it.each([
    [["0-65535"], true],
    [["1-65535"], true],
    [["1-1024"], false],
  ])("treats world ingress on ports %j as every port: %s", (ports, flagged) => {
    const config = { allow: [{ protocol: "tcp", ports }], source_ranges: ["0.0.0.0/0"] };
    expect(check("google_compute_firewall", config, ["GCP-FW-003"])).toHaveLength(flagged ? 1 : 0);
  });

  it("runs containers as root unless run_as_non_root is true on the pod or the container", () => {
    const deployment = (pod: Json, container: Json) => ({
      spec: {
        template: { spec: { ...pod, container: [{ name: "app", image: "app:1", ...container }] } },
      },
    });
    const rule = ["K8S-POD-002"];
    expect(check("kubernetes_deployment_v1", deployment({}, {}), rule)[0].message).toMatch(
      /does not set security_context.run_as_non_root = true/,
    );
    expect(
      check(
        "kubernetes_deployment_v1",
        deployment({ security_context: { run_as_non_root: true } }, {}),
        rule,
      ),
    ).toEqual([]);
    expect(
      check(
        "kubernetes_deployment_v1",
        deployment({}, { security_context: { run_as_non_root: "${var.x}" } }),
        rule,
      )[0].message,
    ).toMatch(/cannot be verified/);
    expect(check("kubernetes_deployment_v1", { metadata: { name: "x" } }, rule)[0].message).toBe(
      "has no pod spec that can be read",
    );
  });

  it.each([
    ["nginx", /has no tag and pulls latest/],
    ["nginx:latest", /uses the latest tag/],
    ["registry.example.com:5000/team/app", /has no tag/],
    ["${var.image}", /cannot be verified/],
    ["europe-docker.pkg.dev/p/r/app:${var.tag}", /cannot be verified/],
    ["europe-docker.pkg.dev/p/r/app:1.4.2", undefined],
    ["${aws_ecr_repository.app.repository_url}:v7", undefined],
    ["app@sha256:0123456789abcdef", undefined],
  ])("judges the image %s", (image, expected) => {
    const problem = imageProblem(image);
    if (expected) expect(problem).toMatch(expected);
    else expect(problem).toBeUndefined();
  });

  it("checks ECS container definitions and fails when they cannot be parsed", () => {
    const rule = ["CTR-IMG-001"];
    const definitions = (images: string[]) =>
      JSON.stringify(images.map((image, i) => ({ name: `c${i}`, image })));
    expect(
      check("aws_ecs_task_definition", { container_definitions: definitions(["app:1.2"]) }, rule),
    ).toEqual([]);
    expect(
      check(
        "aws_ecs_task_definition",
        { container_definitions: definitions(["app:1.2", "sidecar:latest"]) },
        rule,
      )[0].message,
    ).toBe('container "c1" image "sidecar:latest" uses the latest tag');
    expect(
      check("aws_ecs_task_definition", { container_definitions: "${var.defs}" }, rule)[0].message,
    ).toMatch(/cannot be parsed/);
  });

  it("checks aws_security_group_rule and all-protocol rules", () => {
    const found = check(
      "aws_security_group_rule",
      { type: "ingress", protocol: "-1", from_port: 0, to_port: 0, cidr_blocks: ["0.0.0.0/0"] },
      ["AWS-SG-001", "AWS-SG-002"],
    );
    expect(found.map((f) => f.ruleId)).toEqual(["AWS-SG-001", "AWS-SG-002"]);
    expect(
      check(
        "aws_security_group_rule",
        { type: "egress", protocol: "-1", cidr_blocks: ["0.0.0.0/0"] },
        ["AWS-SG-001"],
      ),
    ).toEqual([]);
  });

  it("finds literal credentials in any argument and in container env, but not expressions", () => {
    const env = {
      spec: {
        template: {
          spec: {
            container: [
              {
                name: "app",
                env: [
                  { name: "API_TOKEN", value: "abc123" },
                  { name: "DB_PASSWORD", value: "${random_password.db.result}" },
                  { name: "LOG_LEVEL", value: "debug" },
                ],
              },
            ],
          },
        },
      },
    };
    expect(check("kubernetes_deployment_v1", env, ["GEN-SEC-001"])[0].message).toBe(
      "spec.template.spec.container[0].env[0].value (API_TOKEN) holds a literal credential: it is in the synthesized JSON and in git",
    );
    expect(
      check("aws_elasticache_replication_group", { auth_token: "literal" }, ["GEN-SEC-001"]),
    ).toHaveLength(1);
    expect(check("kubernetes_secret_v1", { data: { password: "x" } }, ["GEN-SEC-001"])).toEqual([]);
  });
});

describe("not applicable", () => {
  it("skips egress, deny-only and disabled firewall rules", () => {
    const world22 = { allow: [{ protocol: "tcp", ports: ["22"] }] };
    const ids = ["GCP-FW-001", "GCP-FW-003"];
    expect(
      check(
        "google_compute_firewall",
        { ...world22, direction: "EGRESS", destination_ranges: ["0.0.0.0/0"] },
        ids,
      ),
    ).toEqual([]);
    expect(
      check(
        "google_compute_firewall",
        { deny: [{ protocol: "all" }], source_ranges: ["0.0.0.0/0"] },
        ids,
      ),
    ).toEqual([]);
    expect(
      check(
        "google_compute_firewall",
        { ...world22, disabled: true, source_ranges: ["0.0.0.0/0"] },
        ids,
      ),
    ).toEqual([]);
  });

  it("exempts read replicas from backups and uses binary logging for MySQL PITR", () => {
    const replica = {
      master_instance_name: "${google_sql_database_instance.primary.name}",
      settings: {},
    };
    expect(check("google_sql_database_instance", replica, ["GCP-SQL-004", "GCP-SQL-005"])).toEqual(
      [],
    );
    const mysql = {
      database_version: "MYSQL_8_0",
      settings: { backup_configuration: { enabled: true, point_in_time_recovery_enabled: true } },
    };
    expect(check("google_sql_database_instance", mysql, ["GCP-SQL-005"])[0].message).toMatch(
      /binary_log_enabled is not set/,
    );
    expect(check("google_sql_database_instance", mysql, ["GCP-SQL-008"])).toEqual([]);
  });

  it("skips buckets that do not hold backups for the backup rules", () => {
    expect(check("google_storage_bucket", { name: "acme-assets" }, ["GCP-GCS-005"])).toEqual([]);
    expect(check("aws_s3_bucket", { bucket: "acme-assets" }, ["AWS-S3-005"])).toEqual([]);
  });
});

describe("suppressions", () => {
  const open = { name: "b", public_access_prevention: "inherited" };
  const withSuppression = (id: string, reason: string) => ({
    ...open,
    "//": { suppressions: [{ id, reason }] },
  });

  it("marks a finding suppressed when the resource names the rule with a reason of 20+ characters", () => {
    const [finding] = check(
      "google_storage_bucket",
      withSuppression("GCP-GCS-001", "  public website assets, ticket WEB-42 "),
      ["GCP-GCS-001"],
    );
    expect(finding.suppressed).toBe("public website assets, ticket WEB-42");
    expect(blocking([finding])).toEqual([]);
  });

  it("does not suppress with a short reason, and reports the suppression itself", () => {
    const found = check("google_storage_bucket", withSuppression("GCP-GCS-001", "public bucket"), [
      "GCP-GCS-001",
      "POLICY-001",
    ]);
    expect(found.map((f) => [f.ruleId, f.suppressed])).toEqual([
      ["GCP-GCS-001", undefined],
      ["POLICY-001", undefined],
    ]);
    expect(blocking(found)).toHaveLength(2);
  });

  it("cannot suppress the suppression rules", () => {
    const config = {
      "//": {
        suppressions: [
          { id: "NOPE-1", reason: "a reason that is long enough" },
          { id: "POLICY-002", reason: "a reason that is long enough" },
        ],
      },
    };
    const found = check("google_compute_network", config, ["POLICY-002"]);
    expect(found[0].message).toBe(
      'the suppression names "NOPE-1", which is not a rule; the suppression names POLICY-002, which checks the suppressions and cannot be suppressed',
    );
    expect(found[0].suppressed).toBeUndefined();
  });
});

describe("engine", () => {
  it("reports a rule that throws as a finding instead of skipping the resource", () => {
    const broken: Rule = {
      id: "TEST-001",
      severity: "error",
      title: "never works",
      types: ["null_resource"],
      fix: "fix the rule",
      check: () => {
        throw new Error("boom");
      },
    };
    expect(evaluate([stackOf({ "null_resource.x": {} })], [broken])).toEqual([
      expect.objectContaining({ ruleId: "TEST-001", message: "could not be evaluated (boom)" }),
    ]);
  });

  it("sorts errors first and carries checkov ID, construct path and fix", () => {
    const findings = evaluate(path.join(FIXTURES, "insecure"));
    const severities = findings.map((f) => f.severity);
    expect(severities.indexOf("warning")).toBeGreaterThan(severities.lastIndexOf("error"));
    expect(findings).toContainEqual(
      expect.objectContaining({
        ruleId: "GCP-FW-001",
        checkov: "CKV_GCP_2",
        stack: "gcp-insecure",
        address: "google_compute_firewall.firewall_ssh-world_BBBB0002",
        constructPath: "gcp-insecure/firewall/ssh-world",
      }),
    );
  });

  it("checkSynthesized accepts an app without stacks, which the CLI refuses", () => {
    const dir = tempDir("review-nostacks-");
    fs.writeFileSync(path.join(dir, "manifest.json"), '{"stacks":{},"version":"0.21.0"}');
    expect(checkSynthesized(dir)).toEqual({ findings: [], errors: [] });
    expect(() => evaluate(dir)).toThrow(/lists no stacks/);
  });

  it("checkSynthesized passes the clean fixture and fails the insecure one with every finding listed", () => {
    expect(checkSynthesized(path.join(FIXTURES, "clean")).errors).toEqual([]);
    const result = checkSynthesized(path.join(FIXTURES, "insecure"));
    expect(result.errors.length).toBeGreaterThan(20);
    const message = formatPolicyFailure(result);
    expect(message.split("\n")[0]).toBe(
      `Policy check failed: ${result.errors.length} error findings (see help/policies.md).`,
    );
    expect(message).toContain(
      "error GCP-SQL-001 [CKV_GCP_60] gcp-insecure google_sql_database_instance.db_public_BBBB0003 (gcp-insecure/db/public): settings.ip_configuration.ipv4_enabled is not set and defaults to true\n    Fix: Set settings.ip_configuration.ipv4_enabled = false",
    );
    expect(message).toMatch(/warning K8S-POD-004 .* has no liveness_probe/);
  });
});

describe("loading an output directory", () => {
  it.each([
    [
      "a missing directory",
      () => "/nonexistent/cdktf.out",
      /\/nonexistent\/cdktf.out is not a directory/,
    ],
    ["a directory without manifest", () => tempDir("review-empty-"), /has no manifest.json/],
    [
      "a manifest without stacks",
      () => {
        const dir = tempDir("review-nostacks-");
        fs.writeFileSync(path.join(dir, "manifest.json"), '{"stacks":{}}');
        return dir;
      },
      /lists no stacks/,
    ],
    [
      "invalid stack JSON",
      () => {
        const dir = writeOutdir({ s: {} });
        fs.writeFileSync(path.join(dir, "stacks/s/cdk.tf.json"), "{ not json");
        return dir;
      },
      /stacks\/s\/cdk.tf.json is not valid JSON/,
    ],
    [
      "a resource that is not an object",
      () => writeOutdir({ s: { resource: { google_compute_network: { vpc: "x" } } } }),
      /google_compute_network.vpc is not an object/,
    ],
  ])("rejects %s", (_what, make, message) => {
    const dir = make();
    expect(() => loadOutdir(dir)).toThrow(ReviewInputError);
    expect(() => loadOutdir(dir)).toThrow(message);
  });
});
