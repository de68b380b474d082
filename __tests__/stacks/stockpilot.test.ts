import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { App } from "cdktf";
import { type ValidationError } from "../../constructs/core/errors";
import { checkSynthesized, formatPolicyFailure } from "../../policy/engine";
import { TEMPLATES_DIR } from "../../constructs/core/templates";
import {
  SERVICE_MEMORY,
  STOCKPILOT_SECRETS,
  STOCKPILOT_SERVICES,
  StockPilotStack,
} from "../../stacks/stockpilot";
import { STOCKPILOT_EXAMPLES } from "../../stacks/stockpilot.config";
import {
  findResource,
  resourcesOf,
  synthJson,
  type SynthJson,
  validationErrorsOf,
  testApp,
} from "../helpers/synth";

const example = STOCKPILOT_EXAMPLES.prod as Record<string, unknown>;
const hasShellcheck = spawnSync("which", ["shellcheck"]).status === 0;
const IAP = "35.235.240.0/20";
const ADMIN = "203.0.113.0/24";

function build(overrides: Record<string, unknown> = {}): StockPilotStack {
  return new StockPilotStack(testApp(), { ...example, ...overrides });
}

const stack = build();
const json = synthJson(stack);
const script = stack.vm.renderedStartupScript;

interface Rule {
  readonly name: string;
  readonly direction: string;
  readonly allow?: { protocol: string; ports?: string[] }[];
  readonly deny?: unknown[];
  readonly source_ranges?: string[];
  readonly destination_ranges?: string[];
  readonly target_service_accounts?: string[];
}

function rules(j: SynthJson): Rule[] {
  return resourcesOf(j, "google_compute_firewall").map((r) => r.config as unknown as Rule);
}

const ports = (r: Rule) => (r.allow ?? []).flatMap((a) => a.ports ?? []);

/** The text of a file the startup script writes, from its heredoc. */
function fileIn(text: string, file: string): string {
  const match = new RegExp(
    `install_file \\d{4} ${file.replace(/[.]/g, "\\.")} <<'(EOF_HOST_FILE[_X]*)'\\n([\\s\\S]*?)\\n\\1\\n`,
  ).exec(text);
  if (!match) throw new Error(`${file} is not written by the startup script`);
  return `${match[2]}\n`;
}

function bashSyntax(text: string): { status: number | null; stderr: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stockpilot-"));
  const file = path.join(dir, "script.sh");
  fs.writeFileSync(file, text);
  const result = spawnSync("bash", ["-n", file], { encoding: "utf8" });
  fs.rmSync(dir, { recursive: true, force: true });
  return { status: result.status, stderr: result.stderr };
}

function shellcheck(text: string): { status: number | null; stdout: string } {
  const result = spawnSync("shellcheck", ["-S", "warning", "-s", "bash", "-"], {
    input: text,
    encoding: "utf8",
  });
  return { status: result.status, stdout: result.stdout };
}

/** A light structural check of an nginx file: balanced braces, every directive ends with `;`. */
function nginxStructure(conf: string): string[] {
  const problems: string[] = [];
  let depth = 0;
  conf.split("\n").forEach((raw, i) => {
    const line = raw.replace(/#.*$/, "").trim();
    if (line === "") return;
    depth += (line.match(/\{/g) ?? []).length - (line.match(/\}/g) ?? []).length;
    if (depth < 0) problems.push(`line ${i + 1}: unbalanced }`);
    if (!/[;{}]$/.test(line)) problems.push(`line ${i + 1}: no ';' at the end: ${line}`);
  });
  if (depth !== 0) problems.push(`unbalanced braces (${depth})`);
  return problems;
}

describe("stockpilot-prod", () => {
  it("synthesizes from the example settings, with state in GCS under stockpilot/prod", () => {
    expect(stack.node.id).toBe("stockpilot-prod");
    expect(json.terraform?.backend).toEqual({
      gcs: { bucket: "example-stockpilot-tfstate", prefix: "stockpilot/prod" },
    });
    expect(json.provider).toEqual({
      google: [{ project: "example-stockpilot-prod", region: "us-central1" }],
    });
  });

  it("has one subnet, private services access and Cloud NAT in one region", () => {
    expect(findResource(json, "google_compute_subnetwork")).toMatchObject({
      region: "us-central1",
      ip_cidr_range: "10.40.0.0/20",
      private_ip_google_access: true,
    });
    expect(findResource(json, "google_compute_global_address")).toMatchObject({
      purpose: "VPC_PEERING",
      address: "10.140.0.0",
      prefix_length: 20,
    });
    expect(resourcesOf(json, "google_compute_router_nat")).toHaveLength(1);
  });
});

describe("stockpilot firewall", () => {
  const all = rules(json);
  const ingress = all.filter((r) => r.direction === "INGRESS" && r.allow);
  const egress = all.filter((r) => r.direction === "EGRESS" && r.allow);

  it("opens only 80 and 443 to the world", () => {
    const world = ingress.filter((r) => (r.source_ranges ?? []).some((s) => s.endsWith("/0")));
    expect(world.map((r) => [r.name, ports(r)])).toEqual([
      ["stockpilot-prod-allow-web", ["80", "443"]],
    ]);
  });

  it("allows SSH, Prometheus and Grafana only from the admin ranges (and SSH through IAP)", () => {
    const byName = Object.fromEntries(ingress.map((r) => [r.name, r]));
    expect(Object.keys(byName).sort()).toEqual([
      "stockpilot-prod-allow-monitoring",
      "stockpilot-prod-allow-ssh",
      "stockpilot-prod-allow-web",
    ]);
    expect(byName["stockpilot-prod-allow-ssh"]).toMatchObject({
      allow: [{ protocol: "tcp", ports: ["22"] }],
      source_ranges: [ADMIN, IAP],
    });
    expect(byName["stockpilot-prod-allow-monitoring"]).toMatchObject({
      allow: [{ protocol: "tcp", ports: ["9090", "3001"] }],
      source_ranges: [ADMIN],
    });
  });

  it("never opens SSH to the world, and denies everything else both ways", () => {
    const ssh = ingress.filter((r) => ports(r).includes("22"));
    expect(ssh.flatMap((r) => r.source_ranges)).not.toContain("0.0.0.0/0");
    const denies = all.filter((r) => r.deny !== undefined);
    expect(denies.map((r) => [r.direction, r.source_ranges ?? r.destination_ranges])).toEqual([
      ["EGRESS", ["0.0.0.0/0"]],
      ["INGRESS", ["0.0.0.0/0"]],
    ]);
  });

  it("targets every allow rule at the VM's service account", () => {
    for (const r of [...ingress, ...egress]) {
      expect(r.target_service_accounts).toEqual([
        expect.stringMatching(/^\$\{google_service_account\.vm-account_[0-9A-F]+\.email\}$/),
      ]);
    }
  });

  it("allows egress to Google APIs and Cloud SQL by range, and outside hosts only by name", () => {
    expect(egress.map((r) => [r.name, ports(r), r.destination_ranges])).toEqual([
      ["stockpilot-prod-allow-https-google-apis", ["443"], ["199.36.153.8/30"]],
      ["stockpilot-prod-allow-postgres-psa", ["5432", "3307"], ["10.140.0.0/20"]],
    ]);
    const byName = Object.fromEntries(
      resourcesOf(json, "google_compute_network_firewall_policy_rule").map((r) => [
        r.config.rule_name,
        r.config.match as { dest_fqdns: string[]; layer4_configs: { ports: string[] }[] },
      ]),
    );
    expect(Object.keys(byName).sort()).toEqual(["apis", "letsencrypt", "mail", "package-mirrors"]);
    expect(byName.apis.dest_fqdns).toContain("api.openai.com");
    expect(byName.mail).toEqual({
      dest_fqdns: ["smtp.gmail.com"],
      layer4_configs: [{ ip_protocol: "tcp", ports: ["587"] }],
    });
  });

  it("has no internet egress, SSH or monitoring rule when the settings give none", () => {
    const closed = rules(
      synthJson(
        build({
          adminRanges: [],
          sshViaIap: false,
          outboundHosts: [],
          smtpServer: undefined,
        }),
      ),
    ).filter((r) => r.allow);
    expect(closed.map((r) => r.name).sort()).toEqual([
      "stockpilot-prod-allow-https-google-apis",
      "stockpilot-prod-allow-postgres-psa",
      "stockpilot-prod-allow-web",
    ]);
  });
});

describe("stockpilot database and backups", () => {
  const sql = findResource(json, "google_sql_database_instance");
  const settings = sql.settings as Record<string, Record<string, unknown>>;

  it("is private-only PostgreSQL with PITR and both deletion protections", () => {
    expect(sql).toMatchObject({ name: "stockpilot-prod-postgres", deletion_protection: true });
    expect(settings.ip_configuration).toMatchObject({
      ipv4_enabled: false,
      ssl_mode: "ENCRYPTED_ONLY",
    });
    expect(settings.backup_configuration).toMatchObject({
      enabled: true,
      point_in_time_recovery_enabled: true,
    });
    expect(settings).toMatchObject({
      deletion_protection_enabled: true,
      availability_type: "ZONAL",
    });
  });

  it("lets the VM's account log in as an IAM database user, on this instance only", () => {
    expect(findResource(json, "google_sql_user")).toMatchObject({
      type: "CLOUD_IAM_SERVICE_ACCOUNT",
    });
    expect(findResource(json, "google_sql_database")).toMatchObject({ name: "stockpilot" });
    const roles = resourcesOf(json, "google_project_iam_member").map((r) => r.config.role);
    expect(roles.sort()).toEqual([
      "roles/cloudsql.client",
      "roles/cloudsql.instanceUser",
      "roles/logging.logWriter",
      "roles/monitoring.metricWriter",
    ]);
  });

  it("keeps dumps 30 days in a private, versioned bucket the VM can only add to", () => {
    const bucket = findResource(json, "google_storage_bucket");
    expect(bucket).toMatchObject({
      name: "stockpilot-prod-backups",
      public_access_prevention: "enforced",
      uniform_bucket_level_access: true,
      versioning: { enabled: true },
      lifecycle: { prevent_destroy: true },
    });
    expect(bucket.lifecycle_rule).toContainEqual({
      action: { type: "Delete" },
      condition: { age: 30 },
    });
    expect(findResource(json, "google_storage_bucket_iam_member")).toMatchObject({
      role: "roles/storage.objectCreator",
      member: expect.stringMatching(/google_service_account\.vm-account/),
    });
  });

  it("dumps daily with IAM authentication to the bucket, with a script that passes bash -n", () => {
    const dump = fileIn(script, "/opt/scripts/stockpilot-pg-dump.sh");
    expect(bashSyntax(dump)).toEqual({ status: 0, stderr: "" });
    expect(dump).toContain('PGPASSWORD="$(gcloud sql generate-login-token)"');
    expect(dump).toContain("user=stockpilot-prod-vm@example-stockpilot-prod.iam sslmode=require");
    expect(dump).not.toMatch(/password=|PGPASSWORD=[^"]/);
    const timer = fileIn(script, "/etc/systemd/system/stockpilot-pg-dump.timer");
    expect(timer).toContain("OnCalendar=*-*-* 04:30:00 UTC\n");
    expect(script).toContain(
      "systemctl enable --now nginx.service redis-server.service stockpilot-pg-dump.timer\n",
    );
  });
});

describe("stockpilot secrets", () => {
  const ids = resourcesOf(json, "google_secret_manager_secret").map((r) => r.config.secret_id);
  const readable = (j: SynthJson) =>
    resourcesOf(j, "google_secret_manager_secret_iam_member").map((r) =>
      String(r.config.secret_id).replace(
        /^\$\{google_secret_manager_secret\.secret-(.*)_secret_.*$/,
        "$1",
      ),
    );

  it("has one secret per secret value of the services' .env.production, and no value", () => {
    expect(ids.sort()).toEqual(STOCKPILOT_SECRETS.map((s) => `stockpilot-prod-${s.name}`).sort());
    expect(resourcesOf(json, "google_secret_manager_secret_version")).toHaveLength(0);
    expect(JSON.stringify(json)).not.toMatch(/:password@|sk-\.\.\./);
  });

  it("lets the VM read only the secrets the services read at run time", () => {
    expect(readable(json).sort()).toEqual(
      STOCKPILOT_SECRETS.filter((s) => s.reader !== "humans")
        .map((s) => s.name)
        .sort(),
    );
    const withoutMail = synthJson(build({ smtpServer: undefined }));
    expect(readable(withoutMail)).not.toContain("email-password");
    expect(readable(withoutMail)).toContain("openai-api-key");
  });

  it("passes the services secret names, never values", () => {
    const unit = stack.vm.renderedUnits["stockpilot-api"];
    expect(unit).toContain("--env OPENAI_API_KEY_SECRET=stockpilot-prod-openai-api-key");
    expect(unit).toContain("--env EMAIL_PASSWORD_SECRET=stockpilot-prod-email-password");
    expect(unit).not.toContain("DATABASE_URL");
  });
});

describe("stockpilot host", () => {
  const instance = findResource(json, "google_compute_instance");

  it("is the production host: e2-standard-4, 100 GB pd-ssd, Debian 12, static IP", () => {
    expect(instance).toMatchObject({
      name: "stockpilot-prod-host",
      zone: "us-central1-a",
      machine_type: "e2-standard-4",
      boot_disk: {
        initialize_params: { size: 100, type: "pd-ssd", image: "debian-cloud/debian-12" },
      },
      service_account: { scopes: ["cloud-platform"] },
      deletion_protection: true,
    });
    expect(findResource(json, "google_compute_address")).toMatchObject({
      name: "stockpilot-prod-host-ip",
      address_type: "EXTERNAL",
    });
  });

  it("runs the six services, pinned to the release, each limited to 2G (1.5G high)", () => {
    const names = STOCKPILOT_SERVICES.map((s) => s.name);
    expect(Object.keys(stack.vm.renderedUnits)).toEqual(names);
    expect(Object.keys(stack.vm.renderedSlices)).toEqual(names);
    for (const name of names) {
      expect(stack.vm.renderedSlices[name]).toContain(
        `[Slice]\nMemoryHigh=${SERVICE_MEMORY.memoryHigh}\nMemoryMax=${SERVICE_MEMORY.memoryMax}\n`,
      );
      expect(SERVICE_MEMORY).toEqual({ memoryMax: "2G", memoryHigh: "1.5G" });
      const unit = stack.vm.renderedUnits[name];
      expect(unit).toContain(`\nSlice=${name}.slice\n`);
      expect(unit).toContain(`--cgroup-parent=${name}.slice --memory=2G`);
      expect(unit).toContain(
        `Environment=IMAGE=us-central1-docker.pkg.dev/example-stockpilot-prod/stockpilot-prod-repo/${name}:5d41402\n`,
      );
    }
  });

  it("points the services at Cloud SQL by connection name and at the local Redis", () => {
    const unit = stack.vm.renderedUnits["stockpilot-api"];
    const sql = findResource(json, "google_sql_database_instance");
    expect(unit).toContain(
      `--env DB_INSTANCE_CONNECTION_NAME=example-stockpilot-prod:us-central1:${String(sql.name)} `,
    );
    expect(unit).toContain("--env REDIS_URL=redis://127.0.0.1:6379/0 ");
    expect(unit).toContain("--env PORT=8000 ");
  });

  it("installs nginx, certbot, Redis and the PostgreSQL client", () => {
    expect(script).toContain("for pkg in nginx certbot redis-server postgresql-client; do\n");
  });

  it("has a startup script that passes bash -n", () => {
    expect(bashSyntax(script)).toEqual({ status: 0, stderr: "" });
  });

  (hasShellcheck ? it : it.skip)(
    "has scripts that pass shellcheck (skipped: no shellcheck)",
    () => {
      expect(shellcheck(script)).toEqual({ status: 0, stdout: "" });
      // As Terraform writes it, with the two references resolved to plain words.
      const applied = (instance.metadata as Record<string, string>)["startup-script"].replace(
        /\$\{google_[^}]+\}/g,
        "resolved-at-apply",
      );
      expect(shellcheck(fileIn(applied, "/opt/scripts/stockpilot-pg-dump.sh"))).toEqual({
        status: 0,
        stdout: "",
      });
    },
  );

  it("contains no Terraform interpolation but the references to the bucket and the database", () => {
    const text = (instance.metadata as Record<string, string>)["startup-script"];
    const refs = new Set(text.match(/[$%]\{[^}]*\}/g));
    expect([...refs].sort()).toEqual([
      expect.stringMatching(
        /^\$\{google_sql_database_instance\.database_instance_[0-9A-F]+\.private_ip_address\}$/,
      ),
      expect.stringMatching(/^\$\{google_storage_bucket\.backups_bucket_[0-9A-F]+\.name\}$/),
    ]);
  });
});

describe("stockpilot nginx site", () => {
  const http = fileIn(script, "/etc/nginx/conf.d/stockpilot.conf");
  const tls = fileIn(script, "/etc/nginx/conf.d/stockpilot-tls.conf");

  it("is well-formed", () => {
    expect(nginxStructure(http)).toEqual([]);
    expect(nginxStructure(tls)).toEqual([]);
  });

  it("answers ACME challenges on port 80 and redirects everything else to HTTPS", () => {
    expect(http).toContain("server_name stockpilot.ai www.stockpilot.ai;\n");
    expect(http).toMatch(
      /location \^~ \/\.well-known\/acme-challenge\/ \{\n\s+root \/var\/www\/html;/,
    );
    expect(http).toContain("return 301 https://$host$request_uri;");
    expect(http).toMatch(/listen 80 default_server;[\s\S]*return 444;/);
    expect(http).not.toContain("443");
  });

  it("enables HTTPS only once the certificate exists, so nginx starts before it does", () => {
    const cert = "/etc/letsencrypt/live/stockpilot.ai";
    expect(script).toContain(
      `if [ -e ${cert}/fullchain.pem ]; then\n  if install_file 0644 /etc/nginx/conf.d/stockpilot-tls.conf <<'EOF_HOST_FILE'\n`,
    );
    expect(script).toContain("  rm -f /etc/nginx/conf.d/stockpilot-tls.conf\n");
    expect(tls).toContain(`ssl_certificate ${cert}/fullchain.pem;`);
    expect(tls).toContain(`ssl_certificate_key ${cert}/privkey.pem;`);
    expect(tls).toContain("ssl_protocols TLSv1.2 TLSv1.3;");
    expect(http).not.toContain("ssl_certificate");
    // Debian's own default site would clash with the default_server above.
    expect(fileIn(script, "/etc/nginx/sites-enabled/default")).toMatch(
      /^# Debian's welcome site, disabled/,
    );
  });

  it("routes /api/ to 127.0.0.1:8000 and /ws to 127.0.0.1:8765 with the Upgrade headers", () => {
    expect(tls).toMatch(/location \/api\/ \{\n\s+proxy_pass http:\/\/127\.0\.0\.1:8000;/);
    const ws = /location \/ws \{([\s\S]*?)\n {4}\}/.exec(tls)?.[1] ?? "";
    expect(ws).toContain("proxy_pass http://127.0.0.1:8765;");
    expect(ws).toContain("proxy_http_version 1.1;");
    expect(ws).toContain("proxy_set_header Upgrade $http_upgrade;");
    expect(ws).toContain('proxy_set_header Connection "upgrade";');
  });

  it("sends the security headers on every response", () => {
    for (const header of [
      'Strict-Transport-Security "max-age=63072000" always;',
      'X-Content-Type-Options "nosniff" always;',
      'X-Frame-Options "DENY" always;',
      "Referrer-Policy",
      "Content-Security-Policy \"frame-ancestors 'none'",
    ]) {
      expect(tls).toContain(`add_header ${header}`);
    }
    // add_header inside a location would drop the server-level ones there.
    const locations = tls.split(/\n\s+location /).slice(1);
    expect(locations.every((l) => !l.includes("add_header"))).toBe(true);
  });

  it("reloads nginx when its files change and after a certificate renewal", () => {
    expect(script).toMatch(
      /wrote \/etc\/nginx\/conf\.d\/stockpilot\.conf"\n\s+append_once reload nginx/,
    );
    expect(fileIn(script, "/etc/letsencrypt/renewal-hooks/deploy/reload-nginx")).toContain(
      "systemctl reload nginx\n",
    );
    expect(script).toContain(
      "install_file 0755 /etc/letsencrypt/renewal-hooks/deploy/reload-nginx",
    );
  });
});

describe("stockpilot outputs", () => {
  it("exports the static IP, the connection name and the registry URL, none sensitive", () => {
    expect(json.output).toEqual({
      "static-ip": {
        value: expect.stringMatching(/^\$\{google_compute_address\.vm_ip_[0-9A-F]+\.address\}$/),
        description: expect.stringContaining("stockpilot.ai"),
      },
      "sql-connection-name": {
        value: expect.stringMatching(/connection_name\}$/),
        description: expect.any(String),
      },
      "registry-url": {
        value: "us-central1-docker.pkg.dev/example-stockpilot-prod/stockpilot-prod-repo",
        description: expect.any(String),
      },
    });
  });
});

describe("stockpilot settings", () => {
  const errorsOf = (settings: unknown): ValidationError[] =>
    validationErrorsOf(
      () => new StockPilotStack(testApp(), settings, "settings.json stockpilot.prod"),
    );

  it("reports every bad field at once, each with its fix", () => {
    const errors = errorsOf({
      ...example,
      projectId: "Bad_Project",
      release: "latest",
      domains: ["StockPilot.ai"],
      adminRanges: ["192.168.1.0/24", "10.0.0.0/8", "0.0.0.0/0"],
      outboundHosts: [{ name: "apis", hosts: ["https://api.openai.com"], ports: [22] }],
      vm: { machineType: "e2-standard-4", bootDiskGb: 100, disk: "ssd" },
      password: "password",
    });
    expect(errors.map((e) => e.property)).toEqual([
      "projectId",
      "vm.disk",
      "domains[0]",
      "release",
      "adminRanges[0]",
      "adminRanges[1]",
      "adminRanges[2]",
      "outboundHosts[0].hosts[0]",
      "outboundHosts[0].ports[0]",
      "password",
    ]);
    expect(errors.every((e) => e.constructPath === "settings.json stockpilot.prod")).toBe(true);
    const message = errors.map((e) => e.message).join("\n");
    expect(message).toMatch(
      /adminRanges\[0\] = "192\.168\.1\.0\/24" is invalid\.\n\s+Fix: use the public address/,
    );
    expect(message).toMatch(
      /adminRanges\[2\] = "0\.0\.0\.0\/0" is invalid\.\n\s+Fix: .*not the whole internet/,
    );
    expect(message).toMatch(/release = "latest" is invalid\.\n\s+Fix: use the commit SHA/);
    expect(message).toMatch(/password = \["password"\] is not a known setting/);
  });

  it("checks the zone against the region, and SMTP against the egress ports", () => {
    const errors = errorsOf({
      ...example,
      zone: "us-east1-b",
      outboundHosts: [{ name: "mail", hosts: ["smtp.gmail.com"], ports: [443] }],
    });
    expect(errors.map((e) => e.message)).toEqual([
      expect.stringMatching(
        /zone = "us-east1-b" is invalid\.\n\s+Fix: use a zone of us-central1: us-central1-a/,
      ),
      expect.stringMatching(
        /smtpServer = "smtp\.gmail\.com" is invalid\.\n\s+Fix: add it to outboundHosts with port 587/,
      ),
    ]);
  });

  it("reports a missing setting by name", () => {
    const rest = Object.fromEntries(Object.entries(example).filter(([k]) => k !== "database"));
    expect(() => new StockPilotStack(testApp(), rest)).toThrow(
      /stockpilot settings: database = undefined is missing\.\n\s+Fix: give an object/,
    );
  });
});

describe("stockpilot policy review", () => {
  it("has no policy finding but the two reviewed suppressions", () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "stockpilot-review-"));
    const app = new App({ outdir });
    new StockPilotStack(app, example);
    app.synth();
    const result = checkSynthesized(outdir);
    fs.rmSync(outdir, { recursive: true, force: true });
    expect(result.errors.length === 0 ? "" : formatPolicyFailure(result)).toBe("");
    expect(result.findings.filter((f) => f.suppressed === undefined)).toEqual([]);
    expect(result.findings.map((f) => f.ruleId).sort()).toEqual(["GCP-GCS-003", "GCP-VM-007"]);
  });

  it.each([
    "nginx-site.conf.hbs",
    "nginx-site-tls.conf.hbs",
    "pg-dump.sh.hbs",
    "pg-dump.service.hbs",
    "pg-dump.timer.hbs",
  ])("template %s has no ${ or %{, which Terraform would interpolate", (name) => {
    expect(fs.readFileSync(path.join(TEMPLATES_DIR, name), "utf8")).not.toMatch(/[$%]\{/);
  });
});

describe("allowDeletion in the settings (teardown)", () => {
  const reason = "staging copy for the load test, destroyed after the run";

  it("turns off the deletion protections of every stateful resource, each recording the reason", () => {
    const torn = build({ allowDeletion: { reason } });
    const out = synthJson(torn);
    const sql = findResource(out, "google_sql_database_instance");
    expect(sql.deletion_protection).toBe(false);
    expect(findResource(out, "google_storage_bucket").lifecycle).toBeUndefined();
    for (const secret of Object.values(resourcesOf(out, "google_secret_manager_secret"))) {
      expect((secret as { lifecycle?: unknown }).lifecycle).toBeUndefined();
    }
  });

  it("is off by default: the example keeps every protection", () => {
    expect(findResource(json, "google_sql_database_instance").deletion_protection).toBe(true);
  });

  it("needs a reason of 20 characters or more", () => {
    expect(() => build({ allowDeletion: { reason: "tmp" } })).toThrow(
      /allowDeletion\.reason.*at least 20 characters/s,
    );
  });
});
