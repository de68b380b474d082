import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import {
  attributeChanges,
  diffStacks,
  readBaseStacks,
  SECURITY_CATEGORIES,
} from "../../policy/diff";
import { ReviewInputError } from "../../policy/load";
import type { Json } from "../../policy/types";
import { copyFixture, ROOT, stackOf, tempDir, writeOutdir } from "./helpers";

function git(cwd: string, ...args: string[]): void {
  execFileSync("git", ["-c", "user.name=test", "-c", "user.email=test@example.com", ...args], {
    cwd,
    stdio: "ignore",
  });
}

function review(...args: string[]) {
  const result = spawnSync(
    process.execPath,
    ["-r", "@swc-node/register", "policy/review.ts", ...args],
    {
      cwd: ROOT,
      encoding: "utf8",
    },
  );
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Edits the one stack of an output directory in place. */
function editStack(
  outdir: string,
  edit: (resource: Record<string, Record<string, Json>>) => void,
): void {
  const file = path.join(outdir, "stacks/shop-prod/cdk.tf.json");
  const json = JSON.parse(fs.readFileSync(file, "utf8"));
  edit(json.resource);
  fs.writeFileSync(file, JSON.stringify(json, null, 2));
}

/** A git repo whose HEAD holds the clean fixture under `out/`, then a working tree with risky edits. */
function repoWithChanges(): { repo: string; outdir: string } {
  const repo = tempDir("review-git-");
  git(repo, "init", "-q");
  const outdir = copyFixture("clean", path.join(repo, "out"));
  git(repo, "add", ".");
  git(repo, "commit", "-qm", "base output");
  editStack(outdir, (r) => {
    const ssh = r.google_compute_firewall["firewall_allow-ssh_AAAA0004"];
    ssh.source_ranges = ["35.235.240.0/20", "0.0.0.0/0"];
    r.google_compute_instance.app_vm_AAAA0008.network_interface = [
      {
        subnetwork: "${google_compute_subnetwork.network_subnet-us-central1_AAAA0002.id}",
        access_config: [{}],
      },
    ];
    r.google_project_iam_member["app_bucket-reader_AAAA0099"] = {
      project: "example-shop-prod",
      role: "roles/storage.objectViewer",
      member: "user:contractor@example.com",
    };
    r.google_sql_database_instance.db_primary_AAAA0010.deletion_protection = false;
    delete r.google_sql_database_instance.db_replica_AAAA0011;
    const backups = r.google_storage_bucket.backups_bucket_AAAA0012;
    backups.versioning = { enabled: false };
    delete backups.lifecycle;
    // Only the comment changes here: not a change to report.
    (r.google_compute_network.network_vpc_AAAA0001["//"] as Json).metadata = { path: "moved/vpc" };
  });
  return { repo, outdir };
}

describe("review --base", () => {
  const { repo, outdir } = repoWithChanges();

  it("lists the security-relevant changes first, in order: exposure, grants, protection, replicas, findings", () => {
    const run = review(outdir, "--base", "HEAD");
    expect(run.status).toBe(1);
    const md = run.stdout;
    const security = md.indexOf("### Security-relevant changes");
    expect(security).toBeGreaterThan(0);
    expect(security).toBeLessThan(md.indexOf("### Resources added, removed and changed"));
    expect(security).toBeLessThan(md.indexOf("## Stack `shop-prod`"));
    const rows = md
      .slice(security, md.indexOf("### Resources added"))
      .split("\n")
      .filter((l) => /^\| (exposure|grant|protection|encryption|replica|finding) \|/.test(l));
    const categories = rows.map((l) => l.split(" | ")[0].slice(2));
    expect(categories).toEqual(
      [...categories].sort(
        (a, b) => SECURITY_CATEGORIES.indexOf(a as never) - SECURITY_CATEGORIES.indexOf(b as never),
      ),
    );
    expect(rows.join("\n")).toContain(
      "| exposure | shop-prod | `google_compute_firewall.firewall_allow-ssh_AAAA0004` | widened exposure: firewall ingress tag:shop-vm in shop-prod-vpc: 35.235.240.0/20 (IAP), 0.0.0.0/0 (internet) on tcp:22 (added sources 0.0.0.0/0 (internet)) |",
    );
    expect(rows.join("\n")).toContain(
      "| exposure | shop-prod | `google_compute_instance.app_vm_AAAA0008` | new exposure: VM external IP shop-prod-app (ephemeral IP): internet on as the firewall allows |",
    );
    expect(rows.join("\n")).toContain(
      "new grant: roles/storage.objectViewer to user:contractor@example.com on project example-shop-prod",
    );
    expect(rows.join("\n")).toContain(
      "protection removed: deletion protection (terraform) on Cloud SQL POSTGRES_15 shop-prod-db-us-central1 (was on, now off)",
    );
    expect(rows.join("\n")).toContain(
      "protection removed: versioning on GCS bucket shop-prod-db-backups (was on, now off)",
    );
    expect(rows.join("\n")).toContain(
      "protection removed: deletion protection (prevent_destroy) on GCS bucket shop-prod-db-backups (was on, now absent)",
    );
    expect(rows.join("\n")).toContain(
      "replica dropped: Cloud SQL POSTGRES_15 shop-prod-db-us-east1 (replica of shop-prod-db-us-central1)",
    );
    expect(rows.join("\n")).toContain(
      "new error finding GCP-FW-001: allows SSH (tcp/22) from 0.0.0.0/0",
    );
    expect(rows.join("\n")).toContain(
      "new error finding GCP-SQL-006: deletion_protection is false",
    );
  });

  it("reports added, removed and changed resources attribute by attribute, ignoring // comments", () => {
    const run = review(outdir, "--base", "HEAD", "--format", "json");
    const { diff } = JSON.parse(run.stdout);
    expect(diff.base).toBe("HEAD");
    const byAddress = Object.fromEntries(
      diff.resources.map((r: { address: string }) => [r.address, r]),
    );
    expect(byAddress["google_sql_database_instance.db_replica_AAAA0011"].status).toBe("removed");
    expect(byAddress["google_project_iam_member.app_bucket-reader_AAAA0099"].status).toBe("added");
    expect(byAddress["google_compute_firewall.firewall_allow-ssh_AAAA0004"].changes).toEqual([
      {
        path: "source_ranges",
        before: ["35.235.240.0/20"],
        after: ["35.235.240.0/20", "0.0.0.0/0"],
      },
    ]);
    expect(byAddress["google_storage_bucket.backups_bucket_AAAA0012"].changes).toEqual([
      { path: "lifecycle.prevent_destroy", before: true },
      { path: "versioning.enabled", before: true, after: false },
    ]);
    expect(byAddress["google_compute_network.network_vpc_AAAA0001"]).toBeUndefined();
    expect(diff.security.map((s: { category: string }) => s.category)).toEqual([
      "exposure",
      "exposure",
      "grant",
      "protection",
      "protection",
      "protection",
      "replica",
      "finding",
      "finding",
      "finding",
      "finding",
      "finding",
      "finding",
    ]);
    expect(
      diff.security
        .filter((s: { category: string }) => s.category === "finding")
        .map((s: { message: string }) => s.message.split(":")[0]),
    ).toEqual([
      "new error finding GCP-FW-001",
      // The new project-wide roles/storage.objectViewer grant belongs on the bucket.
      "new error finding GCP-IAM-007",
      "new error finding GCP-SQL-006",
      "new error finding GCP-GCS-005",
      "new warning finding GCP-VM-007",
      "new warning finding GCP-GCS-004",
    ]);
  });

  it("exits 2 when the ref has no such output directory", () => {
    const other = writeOutdir(
      { s: { resource: {} } },
      fs.mkdtempSync(path.join(repo, "uncommitted-")),
    );
    const run = review(other, "--base", "HEAD");
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(
      /^review: HEAD has no uncommitted-\w+\/stacks\/ \(was the synthesized output committed there\?\)\n$/,
    );
    expect(() => readBaseStacks(other, "HEAD")).toThrow(ReviewInputError);
  });
});

describe("diff", () => {
  it("reports encryption removed and a stateful resource removed", () => {
    const base = stackOf({
      "aws_db_instance.db": {
        engine: "postgres",
        storage_encrypted: true,
        deletion_protection: true,
      },
      "aws_elasticache_replication_group.cache": {
        at_rest_encryption_enabled: true,
        transit_encryption_enabled: true,
      },
      "google_storage_bucket.old": { name: "old-data", versioning: { enabled: true } },
    });
    const head = stackOf({
      "aws_db_instance.db": {
        engine: "postgres",
        storage_encrypted: false,
        deletion_protection: true,
      },
      "aws_elasticache_replication_group.cache": { at_rest_encryption_enabled: true },
    });
    const diff = diffStacks("main", [base], [head]);
    expect(
      diff.security.filter((s) => s.category !== "finding").map((s) => [s.category, s.message]),
    ).toEqual([
      ["protection", "stateful resource removed: GCS bucket old-data (its data goes with it)"],
      [
        "encryption",
        "encryption removed: encryption on RDS postgres aws_db_instance.db (was KMS (aws/rds), now off)",
      ],
      [
        "encryption",
        "encryption removed: encryption (in transit) on ElastiCache replication group aws_elasticache_replication_group.cache (was on, now off)",
      ],
    ]);
  });

  it("redacts literal credentials in attribute changes", () => {
    expect(
      attributeChanges(
        {
          password: "old-secret",
          data: { token: "a" },
          name: "x",
          secret_data: "${random_password.p.result}",
        },
        {
          password: "new-secret",
          data: { token: "b" },
          name: "y",
          secret_data: "${random_password.q.result}",
        },
      ),
    ).toEqual([
      { path: "data.token", before: "(redacted)", after: "(redacted)" },
      { path: "name", before: "x", after: "y" },
      { path: "password", before: "(redacted)", after: "(redacted)" },
      {
        path: "secret_data",
        before: "${random_password.p.result}",
        after: "${random_password.q.result}",
      },
    ]);
  });
});

describe("diff flags weakened protections, not only ones turned off", () => {
  const sqlWith = (retained: number, logDays: number) =>
    stackOf({
      "google_sql_database_instance.db": {
        name: "db",
        database_version: "POSTGRES_15",
        settings: {
          backup_configuration: {
            enabled: true,
            point_in_time_recovery_enabled: true,
            transaction_log_retention_days: logDays,
            backup_retention_settings: { retained_backups: retained },
          },
        },
      },
    });

  it("reports fewer retained backups and shorter log retention", () => {
    const fewer = diffStacks("main", [sqlWith(14, 7)], [sqlWith(7, 7)]);
    expect(fewer.security.map((s) => s.message)).toContainEqual(
      expect.stringMatching(
        /^protection weakened: retention .*was 14 backups, 7 days of logs, now 7 backups/,
      ),
    );
    const shorter = diffStacks("main", [sqlWith(14, 7)], [sqlWith(14, 3)]);
    expect(shorter.security.map((s) => s.message)).toContainEqual(
      expect.stringMatching(/^protection weakened: .*now 14 backups, 3 days of logs/),
    );
    expect(diffStacks("main", [sqlWith(7, 3)], [sqlWith(14, 7)]).security).toEqual([]);
  });

  const fwFrom = (ranges: string[]) =>
    stackOf({
      "google_compute_firewall.ssh": {
        name: "ssh",
        network: "vpc",
        allow: [{ protocol: "tcp", ports: ["22"] }],
        source_ranges: ranges,
      },
    });

  it("reports a wider range, not a narrower one", () => {
    const wider = diffStacks("main", [fwFrom(["10.0.0.0/24"])], [fwFrom(["10.0.0.0/16"])]);
    expect(wider.security.map((s) => s.message)).toContainEqual(
      expect.stringContaining("10.0.0.0/16 (wider than 10.0.0.0/24)"),
    );
    const narrower = diffStacks("main", [fwFrom(["10.0.0.0/16"])], [fwFrom(["10.0.0.0/24"])]);
    expect(narrower.security.filter((s) => s.category === "exposure")).toEqual([]);
  });

  const grantOf = (role: string) =>
    stackOf({
      "google_project_iam_member.m": {
        project: "p",
        role,
        member: "serviceAccount:app@p.iam.gserviceaccount.com",
      },
    });

  it("reports a broader role for the same member on the same resource", () => {
    const broader = diffStacks(
      "main",
      [grantOf("roles/logging.logWriter")],
      [grantOf("roles/editor")],
    );
    expect(broader.security.map((s) => s.message)).toContainEqual(
      expect.stringMatching(/^broader role: roles\/editor .* \(was roles\/logging.logWriter\)/),
    );
  });
});

describe("a new AWS permission in a review diff", () => {
  const roleWith = (actions: string[]) =>
    stackOf({
      "aws_iam_role.task": { name: "shop-task" },
      "data.aws_iam_policy_document.task": {
        statement: [{ effect: "Allow", actions, resources: ["arn:aws:s3:::shop-backups/*"] }],
      },
      "aws_iam_role_policy.task": {
        role: "${aws_iam_role.task.id}",
        policy: "${data.aws_iam_policy_document.task.json}",
      },
    });

  it("is a grant change: the role's new actions on their resources", () => {
    const diff = diffStacks(
      "main",
      [roleWith(["s3:PutObject"])],
      [roleWith(["s3:PutObject", "s3:DeleteObject"])],
    );
    expect(diff.security.filter((c) => c.category === "grant").map((c) => c.message)).toEqual([
      "new grant: s3:PutObject, s3:DeleteObject to role shop-task on arn:aws:s3:::shop-backups/*",
    ]);
  });

  it("is no change when the policy is the same", () => {
    const same = diffStacks("main", [roleWith(["s3:PutObject"])], [roleWith(["s3:PutObject"])]);
    expect(same.security.filter((c) => c.category === "grant")).toEqual([]);
  });
});
