import * as path from "node:path";
import { evaluate } from "../../policy/engine";
import { exposureTable, iamTable, protectionTable } from "../../policy/inventory";
import { loadOutdir, parseStack } from "../../policy/load";
import { networkDiagram } from "../../policy/mermaid";
import { buildReview, renderMarkdown } from "../../policy/report";
import { resourceLine, renderSarif } from "../../policy/sarif";
import { RULES } from "../../policy/rules";
import { FIXTURES, ROOT, stackOf } from "./helpers";

const clean = loadOutdir(path.join(FIXTURES, "clean"));
const insecure = loadOutdir(path.join(FIXTURES, "insecure"));
const [shop] = clean;
const stackNamed = (name: string) => insecure.find((s) => s.name === name)!;

describe("exposure table", () => {
  it("lists firewall ingress with sources, ports and targets, and public IP addresses", () => {
    const rows = exposureTable(shop).map(({ kind, from, ports, to }) => ({
      kind,
      from,
      ports,
      to,
    }));
    expect(rows).toEqual([
      { kind: "public IP address", from: ["internet"], ports: "-", to: "shop-prod-egress" },
      {
        kind: "firewall ingress",
        from: ["0.0.0.0/0 (internet)"],
        ports: "tcp:443",
        to: "tag:shop-vm in shop-prod-vpc",
      },
      {
        kind: "firewall ingress",
        from: ["35.235.240.0/20 (IAP)"],
        ports: "tcp:22",
        to: "tag:shop-vm in shop-prod-vpc",
      },
    ]);
  });

  it("lists VM external IPs, public Cloud SQL, security group ingress and LoadBalancer services", () => {
    const rows = [
      ...exposureTable(stackNamed("gcp-insecure")),
      ...exposureTable(stackNamed("aws-k8s-insecure")),
    ];
    const byKind = (kind: string) =>
      rows.filter((r) => r.kind === kind).map(({ from, ports, to }) => ({ from, ports, to }));
    expect(byKind("VM external IP")).toEqual([
      { from: ["internet"], ports: "as the firewall allows", to: "bad-vm (ephemeral IP)" },
    ]);
    expect(byKind("Cloud SQL public IP")).toEqual([
      { from: ["0.0.0.0/0"], ports: "tcp:5432", to: "bad-db" },
    ]);
    expect(byKind("security group ingress")).toEqual([
      { from: ["0.0.0.0/0 (internet)"], ports: "tcp:22", to: "bad-sg" },
      { from: ["0.0.0.0/0 (internet)"], ports: "tcp:3389", to: "bad-sg" },
    ]);
    expect(byKind("Kubernetes LoadBalancer service")).toEqual([
      { from: ["0.0.0.0/0 (no source ranges)"], ports: "tcp:443", to: "web in namespace shop" },
    ]);
    expect(byKind("firewall ingress")).toEqual([
      { from: ["0.0.0.0/0 (internet)"], ports: "tcp:22, tcp:3389", to: "all instances in bad-vpc" },
    ]);
  });
});

describe("IAM table", () => {
  it("names member, role and target by their names, not their references", () => {
    expect(
      iamTable(shop).map(({ member, role, on, authoritative }) => ({
        member,
        role,
        on,
        authoritative,
      })),
    ).toEqual([
      {
        member: "serviceAccount:shop-prod-app",
        role: "roles/artifactregistry.reader",
        on: "artifact registry repository shop-prod-images",
        authoritative: false,
      },
      {
        member: "serviceAccount:shop-prod-app",
        role: "roles/logging.logWriter",
        on: "project example-shop-prod",
        authoritative: false,
      },
      {
        member: "serviceAccount:shop-prod-app",
        role: "roles/secretmanager.secretAccessor",
        on: "secret manager secret shop-prod-api-key",
        authoritative: false,
      },
    ]);
  });
});

describe("IAM table targets", () => {
  it("names what a grant is on, not what it waits for (depends_on)", () => {
    const stack = stackOf({
      "google_service_account.app": { account_id: "shop-prod-app", project: "example-shop" },
      "google_container_cluster.gke": { name: "shop-prod-gke" },
      "google_service_account_iam_member.wi": {
        depends_on: ["google_container_cluster.gke"],
        member: "serviceAccount:example-shop.svc.id.goog[shop/api]",
        role: "roles/iam.workloadIdentityUser",
        service_account_id: "${google_service_account.app.name}",
      },
    });
    expect(iamTable(stack).map((g) => g.on)).toEqual([
      expect.stringMatching(/^service account .*app/),
    ]);
    expect(iamTable(stack)[0].on).not.toMatch(/container_cluster|shop-prod-gke/);
  });
});

describe("data-protection table", () => {
  it("shows backups, PITR, retention, deletion protection and replicas per stateful resource", () => {
    const rows = protectionTable(shop);
    const primary = rows.find((r) => r.name === "shop-prod-db-us-central1")!;
    expect(primary.kind).toBe("Cloud SQL POSTGRES_15");
    expect(primary.protections).toEqual(
      expect.arrayContaining([
        { column: "backups", value: true },
        { column: "pitr", value: true },
        { column: "retention", text: "14 backups, 7 days of logs" },
        { column: "deletion", label: "terraform", value: true },
        { column: "deletion", label: "API", value: true },
      ]),
    );
    const replica = rows.find((r) => r.name === "shop-prod-db-us-east1")!;
    expect(replica.notes).toEqual(["region us-east1", "replica of shop-prod-db-us-central1"]);
    const backups = rows.find((r) => r.name === "shop-prod-db-backups")!;
    expect(backups.protections).toEqual(
      expect.arrayContaining([
        { column: "versioning", value: true },
        { column: "deletion", label: "prevent_destroy", value: true },
      ]),
    );
    expect(rows.map((r) => r.kind).sort()).toEqual([
      "Artifact Registry DOCKER",
      "Cloud SQL POSTGRES_15",
      "Cloud SQL POSTGRES_15",
      "GCS bucket",
      "GCS bucket",
      "Secret Manager secret",
    ]);
  });

  it("marks missing protection off for RDS, S3 and unprotected Cloud SQL", () => {
    const rows = [
      ...protectionTable(stackNamed("gcp-insecure")),
      ...protectionTable(stackNamed("aws-k8s-insecure")),
    ];
    const rds = rows.find((r) => r.kind === "RDS postgres")!;
    expect(rds.protections).toEqual(
      expect.arrayContaining([
        { column: "backups", value: false },
        { column: "encryption", value: false, text: undefined },
      ]),
    );
    const s3 = rows.find((r) => r.kind === "S3 bucket")!;
    expect(s3.protections).toEqual(
      expect.arrayContaining([{ column: "versioning", value: false }]),
    );
    const sql = rows.find((r) => r.kind === "Cloud SQL POSTGRES_15")!;
    expect(sql.protections).toEqual(
      expect.arrayContaining([{ column: "deletion", label: "terraform", value: false }]),
    );
  });
});

describe("network diagram", () => {
  it("draws the VPC, subnets per region, instances in subnets, databases and the replica edge", () => {
    const diagram = networkDiagram(shop)!;
    expect(diagram.split("\n")[0]).toBe("flowchart LR");
    expect(diagram).toContain('subgraph n0 ["VPC shop-prod-vpc"]');
    expect(diagram).toMatch(
      /subgraph n0_r0 \["us-central1"\]\n\s+n1\["subnet shop-prod-us-central1<br\/>10.10.0.0\/20"\]\n\s+n3\["VM shop-prod-app"\]\n\s+n4\[\("Cloud SQL shop-prod-db-us-central1<br\/>private IP"\)\]/,
    );
    expect(diagram).toMatch(/subgraph n0_r1 \["us-east1"\]\n\s+n2\["subnet shop-prod-us-east1/);
    expect(diagram).toContain("n1 --- n3");
    expect(diagram).toContain("n4 ==>|replica| n5");
    expect(diagram).not.toContain("internet");
  });

  it("links public resources to the internet and skips stacks without network resources", () => {
    const diagram = networkDiagram(stackNamed("gcp-insecure"))!;
    expect(diagram).toContain("internet((internet))");
    expect(diagram).toMatch(/internet -->\|public IP\| n\d/);
    expect(networkDiagram(stackNamed("aws-k8s-insecure"))).toBe(
      'flowchart LR\n  n0[("RDS bad-rds")]\n  internet((internet))\n  internet -->|public IP| n0',
    );
    expect(
      networkDiagram(stackOf({ "kubernetes_namespace_v1.ns": { metadata: { name: "shop" } } })),
    ).toBeUndefined();
  });
});

describe("markdown report", () => {
  const markdown = renderMarkdown(buildReview("out", clean, evaluate(clean)));

  it("summarises the result and each stack", () => {
    expect(markdown).toContain(
      "`out`: 1 stack, 20 resources. **PASS**: 0 errors, 3 warnings, 0 info, 1 suppressed.",
    );
    expect(markdown).toContain("| `shop-prod` | 20 | 0 | 3 | 1 | 1 |");
  });

  it("has the tables with the right rows", () => {
    expect(markdown).toContain(
      "| firewall ingress | `google_compute_firewall.firewall_allow-ssh_AAAA0004` | 35.235.240.0/20 (IAP) | tcp:22 | tag:shop-vm in shop-prod-vpc |",
    );
    expect(markdown).toContain(
      "| serviceAccount:shop-prod-app | roles/secretmanager.secretAccessor | secret manager secret shop-prod-api-key | — | `google_secret_manager_secret_iam_member.secret_accessor_AAAA0019` |",
    );
    expect(markdown).toContain(
      "| shop-prod-db-us-central1 (`google_sql_database_instance.db_primary_AAAA0010`) | Cloud SQL POSTGRES_15 | on | on | 14 backups, 7 days of logs | terraform: on, API: on | Google-managed | — | region us-central1 |",
    );
    expect(markdown).toContain(
      "| warning | GCP-GCS-004 (CKV_GCP_78) | `google_storage_bucket.assets_bucket_AAAA0013` | versioning.enabled is not set and defaults to false |",
    );
    expect(markdown).toContain(
      "| suppressed finding | GCP-GCS-001 (error) | `google_storage_bucket.assets_bucket_AAAA0013` | static storefront images served publicly, ticket WEB-42 |",
    );
    expect(markdown).toContain(
      "| opt-out | public-web | `google_compute_firewall.firewall_allow-https_AAAA0005` | the shop front end is public by design, ticket WEB-1 |",
    );
    expect(markdown).toContain("| `google_compute_firewall` | 3 |");
    expect(markdown).toMatch(/```mermaid\nflowchart LR\n/);
  });

  it("shows the first differing line of a changed script", () => {
    const change = {
      stack: "s",
      address: "google_compute_instance.vm",
      status: "changed" as const,
      changes: [
        {
          path: "metadata.startup-script",
          before: "#!/bin/bash\necho one\n",
          after: "#!/bin/bash\necho two\n",
        },
      ],
    };
    const diff = {
      base: "main",
      stacksAdded: [],
      stacksRemoved: [],
      security: [],
      resources: [change],
    };
    expect(renderMarkdown(buildReview("out", clean, [], diff))).toContain(
      '| changed | s | `google_compute_instance.vm` | `metadata.startup-script` | line 2: `"echo one"` | line 2: `"echo two"` |',
    );
  });

  it("fails with the error findings listed", () => {
    const failing = renderMarkdown(buildReview("out", insecure, evaluate(insecure)));
    expect(failing).toMatch(/\*\*FAIL\*\*: \d+ errors/);
    expect(failing).toContain(
      '| error | POLICY-001 | `google_compute_firewall.firewall_ssh-world_BBBB0002` | the suppression of GCP-FW-001 has reason "ok", too short to suppress it |',
    );
  });
});

describe("SARIF", () => {
  const findings = evaluate(insecure);
  const sarif = renderSarif(buildReview("out", insecure, findings), insecure) as {
    version: string;
    $schema: string;
    runs: {
      tool: {
        driver: {
          name: string;
          rules: {
            id: string;
            shortDescription: { text: string };
            help: { text: string };
            properties: Record<string, unknown>;
            defaultConfiguration: { level: string };
          }[];
        };
      };
      results: {
        ruleId: string;
        ruleIndex: number;
        level: string;
        message: { text: string };
        locations: {
          physicalLocation: { artifactLocation: { uri: string }; region?: { startLine: number } };
          logicalLocations: { name: string; fullyQualifiedName: string }[];
        }[];
        suppressions?: { kind: string; justification: string }[];
      }[];
    }[];
  };
  const run = sarif.runs[0];

  it("is SARIF 2.1.0 with every rule described", () => {
    expect(sarif.version).toBe("2.1.0");
    expect(sarif.$schema).toMatch(/sarif-2.1.0/);
    expect(run.tool.driver.rules.map((r) => r.id)).toEqual(RULES.map((r) => r.id));
    expect(run.tool.driver.rules.find((r) => r.id === "GCP-FW-001")).toMatchObject({
      shortDescription: { text: "Firewall does not allow SSH (tcp/22) from the internet" },
      help: { text: expect.stringMatching(/^Fix: Restrict source_ranges/) },
      properties: { checkov: "CKV_GCP_2", severity: "error" },
      defaultConfiguration: { level: "error" },
    });
    expect(
      run.tool.driver.rules.find((r) => r.id === "GCP-VM-007")?.defaultConfiguration.level,
    ).toBe("warning");
  });

  it("has one result per finding with logical and physical locations", () => {
    expect(run.results).toHaveLength(findings.length);
    const result = run.results.find((r) => r.ruleId === "GCP-SQL-001")!;
    expect(result.level).toBe("error");
    expect(run.tool.driver.rules[result.ruleIndex].id).toBe("GCP-SQL-001");
    expect(result.message.text).toMatch(
      /^google_sql_database_instance.db_public_BBBB0003: settings.ip_configuration.ipv4_enabled/,
    );
    const [location] = result.locations;
    // Relative to the repository root (%SRCROOT%), never a local absolute path.
    expect(location.physicalLocation.artifactLocation).toEqual({
      uri: "out/stacks/gcp-insecure/cdk.tf.json",
      uriBaseId: "%SRCROOT%",
    });
    const bases = (sarif.runs[0] as unknown as { originalUriBaseIds: Record<string, object> })
      .originalUriBaseIds;
    expect(Object.keys(bases)).toEqual(["%SRCROOT%"]);
    expect(JSON.stringify(sarif)).not.toContain("file://");
    expect(JSON.stringify(sarif)).not.toContain(path.resolve("."));
    const stack = stackNamed("gcp-insecure");
    const line = location.physicalLocation.region!.startLine;
    expect(stack.text!.split("\n")[line - 1].trim()).toBe('"db_public_BBBB0003": {');
    expect(location.logicalLocations[0]).toMatchObject({
      name: "google_sql_database_instance.db_public_BBBB0003",
      fullyQualifiedName: "gcp-insecure/google_sql_database_instance.db_public_BBBB0003",
    });
    expect(run.results.find((r) => r.ruleId === "K8S-POD-004")?.level).toBe("warning");
  });

  it("marks suppressed findings as suppressed in source with the reason", () => {
    const sarifClean = renderSarif(
      buildReview("out", clean, evaluate(clean)),
      clean,
    ) as typeof sarif;
    const suppressed = sarifClean.runs[0].results.filter((r) => r.suppressions);
    expect(suppressed).toEqual([
      expect.objectContaining({
        ruleId: "GCP-GCS-001",
        suppressions: [
          {
            kind: "inSource",
            justification: "static storefront images served publicly, ticket WEB-42",
          },
        ],
      }),
    ]);
  });

  it("finds no line when the stack has no text", () => {
    expect(
      resourceLine({ ...shop, text: undefined }, "google_compute_network.network_vpc_AAAA0001"),
    ).toBeUndefined();
  });
});

describe("stack-wide opt-outs", () => {
  it("lists an opt-out of the stack's own `//` comment (an unlisted region) under (stack)", () => {
    const stack = parseStack("shop-prod", {
      "//": {
        opt_outs: [
          {
            id: "unlisted-region:europe-north3",
            reason: "opened after this release, ticket NET-42",
          },
        ],
      },
      resource: { google_storage_bucket: { b: { name: "b" } } },
    });
    const markdown = renderMarkdown(buildReview("out", [stack], evaluate([stack])));
    expect(markdown).toContain(
      "| opt-out | unlisted-region:europe-north3 | `(stack)` | opened after this release, ticket NET-42 |",
    );
  });
});

describe("SARIF related locations", () => {
  const stack = stackOf(
    {
      "google_compute_firewall.ssh": {
        "//": { metadata: { path: "trading-bot-prod/firewall/allow-ssh" } },
        name: "ssh",
        allow: [{ protocol: "tcp", ports: ["22"] }],
        source_ranges: ["0.0.0.0/0"],
      },
    },
    "trading-bot-prod",
  );
  const render = (name: string) => {
    const s = { ...stack, name };
    const f = evaluate([s]);
    return renderSarif(buildReview("audit", [s], f), [s], undefined, ROOT) as {
      runs: { results: { relatedLocations?: { physicalLocation: object }[] }[] }[];
    };
  };

  it("adds the stack's TypeScript file when the construct path is known and the file exists", () => {
    const result = render("trading-bot-prod").runs[0].results[0];
    expect(result.relatedLocations?.[0].physicalLocation).toEqual({
      artifactLocation: { uri: "stacks/trading-bot.ts", uriBaseId: "%SRCROOT%" },
    });
  });

  it("skips it when no stacks/<system>.ts exists", () => {
    expect(render("nosuch-prod").runs[0].results[0].relatedLocations).toBeUndefined();
  });
});

describe("IAM conditions and egress in the inventory", () => {
  it("shows a grant's condition: a conditional project grant is not project-wide", () => {
    const stack = stackOf({
      "google_project_iam_member.client": {
        project: "p",
        role: "roles/cloudsql.client",
        member: "serviceAccount:app@p.iam.gserviceaccount.com",
        condition: {
          title: "only-db",
          expression: 'resource.name == "projects/p/instances/db"',
        },
      },
    });
    expect(iamTable(stack)).toEqual([
      expect.objectContaining({
        role: "roles/cloudsql.client",
        condition: 'only-db: resource.name == "projects/p/instances/db"',
      }),
    ]);
    const md = renderMarkdown(buildReview("out", [stack], []));
    expect(md).toContain("| Member | Role | On | Condition | Resource |");
    expect(md).toContain('| only-db: resource.name == "projects/p/instances/db" |');
  });

  it("lists egress: named hosts of FQDN policy rules, ranges and ports", () => {
    const stack = stackOf({
      "google_compute_network_firewall_policy_rule.fqdn": {
        firewall_policy: "egress",
        direction: "EGRESS",
        action: "allow",
        match: {
          dest_fqdns: ["api.example.com"],
          layer4_configs: [{ ip_protocol: "tcp", ports: ["443"] }],
        },
      },
      "google_compute_firewall.pg": {
        name: "pg",
        network: "vpc",
        direction: "EGRESS",
        allow: [{ protocol: "tcp", ports: ["5432"] }],
        destination_ranges: ["10.1.0.0/20"],
      },
      "aws_security_group.sg": {
        name: "sg",
        egress: [{ protocol: "tcp", from_port: 443, to_port: 443, cidr_blocks: ["0.0.0.0/0"] }],
      },
    });
    const rows = exposureTable(stack).map((e) => [e.kind, e.ports, e.to]);
    expect(rows).toEqual(
      expect.arrayContaining([
        ["firewall policy egress", "tcp:443", "host:api.example.com"],
        ["firewall egress", "tcp:5432", "10.1.0.0/20"],
        ["security group egress", "tcp:443-443", "0.0.0.0/0 (internet)"],
      ]),
    );
  });
});

describe("AWS role permissions in the IAM table", () => {
  const stack = stackOf({
    "aws_iam_role.task": { name: "shop-task" },
    "aws_s3_bucket.backups": { bucket: "shop-backups" },
    "data.aws_iam_policy_document.task": {
      statement: [
        {
          sid: "S3Write",
          effect: "Allow",
          actions: ["s3:PutObject", "s3:AbortMultipartUpload"],
          resources: ["${aws_s3_bucket.backups.arn}/*"],
        },
        {
          sid: "Logs",
          actions: ["logs:PutLogEvents"],
          resources: ["arn:aws:logs:*:*:log-group:/ecs/shop:*"],
          condition: [{ test: "StringEquals", variable: "aws:SourceAccount", values: ["123"] }],
        },
        { sid: "NoDelete", effect: "Deny", actions: ["s3:DeleteObject"], resources: ["*"] },
      ],
    },
    "aws_iam_role_policy.task": {
      name: "least-privilege",
      role: "${aws_iam_role.task.id}",
      policy: "${data.aws_iam_policy_document.task.json}",
    },
    "aws_iam_role_policy.literal": {
      role: "${aws_iam_role.task.id}",
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Action: "sqs:SendMessage", Resource: "arn:aws:sqs:q" }],
      }),
    },
    "aws_iam_role_policy_attachment.cni": {
      role: "${aws_iam_role.task.name}",
      policy_arn: "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
    },
  });

  it("lists each Allow statement of an inline policy, literal JSON ones too, and managed policies", () => {
    expect(
      iamTable(stack).map(({ member, role, on, condition }) => ({ member, role, on, condition })),
    ).toEqual([
      {
        member: "role shop-task",
        role: "s3:PutObject, s3:AbortMultipartUpload",
        on: "shop-backups/*",
        condition: undefined,
      },
      {
        member: "role shop-task",
        role: "logs:PutLogEvents",
        on: "arn:aws:logs:*:*:log-group:/ecs/shop:*",
        condition: "StringEquals aws:SourceAccount = 123",
      },
      {
        member: "role shop-task",
        role: "sqs:SendMessage",
        on: "arn:aws:sqs:q",
        condition: undefined,
      },
      {
        member: "role shop-task",
        role: "managed policy AmazonEKS_CNI_Policy",
        on: "what the policy lists",
        condition: undefined,
      },
    ]);
  });

  it("shows the conditions of a literal JSON statement, and leaves out what cannot be read", () => {
    const literal = stackOf({
      "aws_iam_role.task": { name: "shop-task" },
      "aws_iam_role_policy.json": {
        role: "${aws_iam_role.task.id}",
        policy: JSON.stringify({
          Statement: {
            Effect: "Allow",
            Action: ["sqs:SendMessage"],
            Resource: "arn:aws:sqs:q",
            Condition: { ArnEquals: { "aws:SourceArn": "arn:aws:sns:topic" } },
          },
        }),
      },
      "aws_iam_role_policy.broken": { role: "${aws_iam_role.task.id}", policy: "{not json" },
    });
    expect(iamTable(literal).map(({ role, on, condition }) => ({ role, on, condition }))).toEqual([
      {
        role: "sqs:SendMessage",
        on: "arn:aws:sqs:q",
        condition: "ArnEquals aws:SourceArn = arn:aws:sns:topic",
      },
    ]);
  });

  it("shows them in the report, so a new permission is visible in a review", () => {
    const md = renderMarkdown(buildReview("out", [stack], []));
    expect(md).toContain(
      "| role shop-task | s3:PutObject, s3:AbortMultipartUpload | shop-backups/* |",
    );
    expect(md).not.toContain("No IAM grants.");
  });
});

describe("the Markdown report within a comment's length", () => {
  const review = buildReview("out", insecure, evaluate(insecure));
  const full = renderMarkdown(review, Number.MAX_SAFE_INTEGER);
  const sizes = insecure.map((s) => ({
    name: s.name,
    size: (/<details>[\s\S]*?<\/details>/.exec(
      full.slice(full.indexOf(`## Stack \`${s.name}\``)),
    ) ?? [""])[0].length,
  }));
  const largest = [...sizes].sort((a, b) => b.size - a.size)[0].name;

  it("is the whole report when it fits", () => {
    expect(renderMarkdown(review)).toBe(full);
    expect(full).not.toContain("Left out so that");
  });

  it("leaves out the largest inventories first, keeping every finding and saying how to see them", () => {
    const limit = full.length - 10;
    const text = renderMarkdown(review, limit);
    expect(text.length).toBeLessThanOrEqual(limit);
    expect(text.match(/Left out so that the report fits/g)).toHaveLength(1);
    expect(text).toContain(`\`npm run review -- out --stack ${largest}\` prints it`);
    for (const f of review.stacks.flatMap((s) => s.findings.filter((x) => !x.suppressed))) {
      expect(text).toContain(f.ruleId);
    }
    // The summary of the left-out inventory stays.
    expect(text).toContain(`<summary>Inventory of <code>${largest}</code>:`);
  });

  it("cuts at a line, with a note, when even the findings do not fit", () => {
    const text = renderMarkdown(review, 2_000);
    expect(text.length).toBeLessThanOrEqual(2_000);
    expect(text.startsWith("# Infrastructure review\n")).toBe(true);
    expect(text).toMatch(
      /_The report is cut here: it is longer than a pull request comment allows \(2000 characters\)\. `--format json` has all of it\._\n$/,
    );
  });
});

describe("who AWS resource policies and trust policies let in", () => {
  const stack = stackOf({
    "aws_iam_role.task": {
      name: "shop-task",
      assume_role_policy: "${data.aws_iam_policy_document.trust.json}",
    },
    "data.aws_iam_policy_document.trust": {
      statement: [
        {
          actions: ["sts:AssumeRole"],
          principals: [{ type: "Service", identifiers: ["ecs-tasks.amazonaws.com"] }],
        },
      ],
    },
    "aws_s3_bucket.site": { bucket: "shop-site" },
    "aws_s3_bucket_policy.site": {
      bucket: "${aws_s3_bucket.site.id}",
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          { Effect: "Deny", Principal: "*", Action: "s3:*", Resource: "arn:aws:s3:::shop-site/*" },
          {
            Effect: "Allow",
            Principal: { Service: "cloudfront.amazonaws.com" },
            Action: "s3:GetObject",
            Resource: "arn:aws:s3:::shop-site/*",
          },
        ],
      }),
    },
    "aws_kms_key.db": {
      description: "key of shop-db",
      policy: "${data.aws_iam_policy_document.key.json}",
    },
    "aws_kms_alias.db": { name: "alias/shop-db", target_key_id: "${aws_kms_key.db.key_id}" },
    "data.aws_iam_policy_document.key": {
      statement: [
        {
          actions: ["kms:*"],
          resources: ["*"],
          principals: [
            {
              type: "AWS",
              identifiers: [
                "arn:${data.aws_partition.p.partition}:iam::${data.aws_caller_identity.me.account_id}:root",
              ],
            },
          ],
        },
        {
          actions: ["kms:Decrypt"],
          resources: ["*"],
          principals: [{ type: "*", identifiers: ["*"] }],
          condition: [
            {
              test: "StringEquals",
              variable: "kms:ViaService",
              values: ["rds.${data.aws_region.r.name}.${data.aws_partition.p.dns_suffix}"],
            },
          ],
        },
      ],
    },
  });

  it("lists each principal of each Allow statement, on the resource, as authoritative rows", () => {
    expect(
      iamTable(stack).map(({ member, role, on, condition, authoritative }) => ({
        member,
        role,
        on,
        condition,
        authoritative,
      })),
    ).toEqual([
      {
        member: "Service ecs-tasks.amazonaws.com",
        role: "sts:AssumeRole",
        on: "role shop-task",
        condition: undefined,
        authoritative: true,
      },
      {
        member: "Service cloudfront.amazonaws.com",
        role: "s3:GetObject",
        on: "arn:aws:s3:::shop-site/*",
        condition: undefined,
        authoritative: true,
      },
      {
        member: "AWS arn:aws:iam::(this account):root",
        role: "kms:*",
        on: "KMS key alias/shop-db",
        condition: undefined,
        authoritative: true,
      },
      {
        member: "any principal (*)",
        role: "kms:Decrypt",
        on: "KMS key alias/shop-db",
        condition: "StringEquals kms:ViaService = rds.(this region).amazonaws.com",
        authoritative: true,
      },
    ]);
  });
});
