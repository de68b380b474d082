/** @slow builds and synthesizes stacks for hundreds of generated inputs */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { Testing, type App } from "cdktf";
import { GoogleProvider } from "@cdktf/provider-google/lib/provider";
import { runApp } from "../../constructs/core/app";
import { ValidationError } from "../../constructs/core/errors";
import { PlatformStack } from "../../constructs/core/stack";
import { hasTerraformTemplateSequence } from "../../constructs/core/terraform-text";
import { Bucket } from "../../constructs/gcp/bucket";
import { CloudSqlPostgres } from "../../constructs/gcp/cloud-sql";
import { Firewall } from "../../constructs/gcp/firewall";
import { Network } from "../../constructs/gcp/network";
import { Secret } from "../../constructs/gcp/secrets";
import { ServiceAccount } from "../../constructs/gcp/service-account";
import { Vm } from "../../constructs/gcp/vm";
import { Peer, SecurityGroup } from "../../constructs/aws/security-group";
import { Vpc } from "../../constructs/aws/vpc";
import { Cidr, worldCoverage } from "../../vocabulary/ranges";
import {
  describeError,
  namesProperty,
  parsePath,
  testStack,
  unescapeTerraform,
  withoutStackTraces,
} from "../helpers/boundary";

/**
 * Property-based tests of the input boundary: arbitrary valid props (generated inside each
 * construct's documented constraints) synthesize and keep the security invariants; arbitrary
 * invalid or hostile props are refused with a ValidationError naming the prop, never a TypeError,
 * and `runApp` then writes nothing.
 *
 * Runs per property are chosen so the whole __tests__/boundary folder stays near 10 s on two
 * cores; fast-check's seed is printed on failure, so a counterexample can be replayed.
 */
const RUNS = 25;
/* eslint-disable @typescript-eslint/no-explicit-any -- synthesized JSON and untyped props on purpose */
const FEW_RUNS = 10;

type Json = {
  resource?: Record<string, Record<string, Record<string, any>>>;
};

function synth(build: (stack: PlatformStack) => void): { text: string; json: Json } {
  return withoutStackTraces(() => {
    const stack = testStack();
    build(stack);
    const text = Testing.synth(stack);
    return { text, json: JSON.parse(text) as Json };
  });
}

function resources(json: Json, type: string): Record<string, any>[] {
  return Object.values(json.resource?.[type] ?? {});
}

/** The error a build throws, or undefined. */
function thrown(build: (stack: PlatformStack) => void): unknown {
  try {
    withoutStackTraces(() => {
      const stack = testStack();
      build(stack);
      Testing.synth(stack);
    });
    return undefined;
  } catch (error) {
    return error;
  }
}

/** Asserts a build is refused with a ValidationError naming `property` (a path such as `a[0].b`). */
function expectRefused(build: (stack: PlatformStack) => void, property: string): void {
  const error = thrown(build);
  if (!(error instanceof ValidationError)) {
    throw new Error(`expected a ValidationError naming ${property}, got ${describeError(error)}`);
  }
  if (!namesProperty(error.message, parsePath(property))) {
    throw new Error(`the ValidationError does not name ${property}: ${error.message}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------------

const octet = fc.integer({ min: 0, max: 255 });
/** Any IPv4 CIDR, as its network address. */
const cidr = fc
  .tuple(octet, octet, octet, octet, fc.integer({ min: 0, max: 32 }))
  .map(([a, b, c, d, p]) => Cidr.tryParse(networkAddress([a, b, c, d], p))!.toString());
/** An RFC 1035 short name. */
const shortName = fc
  .tuple(
    fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz"),
    fc.stringMatching(/^[a-z0-9-]{0,8}[a-z0-9]$/),
  )
  .map(([first, rest]) => `${first}${rest}`.replace(/--+/g, "-"));
/** Text a user may write in a description, Terraform and shell syntax included. */
const userText = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.constantFrom(
    '${file("/etc/passwd")}',
    "%{ if true }x%{ endif }",
    "$(id)",
    "`id`",
    "'; rm -rf / #",
  ),
  fc
    .tuple(
      fc.string({ maxLength: 20 }),
      fc.constantFrom("${", "%{", "$${", "%%{", "$$${"),
      fc.string({ maxLength: 20 }),
    )
    .map((parts) => parts.join("")),
);
/** A string that is not an RFC 1035 name: hostile, empty, uppercase, too long. */
const badName = fc.oneof(
  fc.constantFrom(
    '${file("/etc/passwd")}',
    "$(id)",
    "`id`",
    "'; rm -rf / #",
    "",
    "Bot",
    "a b",
    "a".repeat(300), // over every length limit here (descriptions take 256, Secret IDs 255)
  ),
  // Characters no name or host takes ("." is left out: host names such as "0.a" are valid).
  fc.string({ minLength: 1, maxLength: 10 }).filter((s) => !/^[A-Za-z0-9_.-]*$/.test(s)),
);
/** Hostile text that no name of any construct accepts. */
const hostileName = fc.constantFrom(
  '${file("/etc/passwd")}',
  "%{ if true }x%{ endif }",
  "$(id)",
  "`id`",
  "'; rm -rf / #",
);
/**
 * A value of the wrong type for a string prop. (`null` is left to the sweep, which tries it on
 * every prop: here it would only find the same bug again and hide the others.)
 */
const wrongType = fc.oneof(
  fc.integer(),
  fc.boolean(),
  fc.array(fc.integer(), { maxLength: 2 }),
  fc.constant({}),
);

function networkAddress(octets: number[], prefix: number): string {
  const n = octets.reduce((acc, o) => acc * 256 + o, 0);
  const size = Math.pow(2, 32 - prefix);
  const net = Math.floor(n / size) * size;
  return `${[24, 16, 8, 0].map((s) => Math.floor(net / Math.pow(2, s)) % 256).join(".")}/${prefix}`;
}

const REGIONS = ["us-central1", "us-east1", "europe-west1", "asia-southeast1"] as const;
const VM_EMAIL = "vm@example-project.iam.gserviceaccount.com";
const IMAGE = "us-central1-docker.pkg.dev/example-project/repo/core-engine:3f9c2ab";

function importedNetwork(stack: PlatformStack) {
  return Network.fromAttributes(stack, "net", {
    name: "vpc",
    projectId: "example-project",
    subnets: [
      { region: "us-central1", name: "apps-central", cidr: "10.10.0.0/20" },
      { region: "us-east1", name: "apps-east", cidr: "10.11.0.0/20" },
    ],
    privateServicesAccess: { rangeName: "google-managed-services", cidr: "10.100.0.0/16" },
  });
}

// ---------------------------------------------------------------------------------------------
// Firewall
// ---------------------------------------------------------------------------------------------

/** Port specs a rule may list: admin ports, web ports, others, ranges that may hold 22/3389. */
const portSpec = fc.oneof(
  fc.constantFrom<number | string>(22, 3389, 80, 443, 5432, 8080),
  fc
    .tuple(fc.integer({ min: 1, max: 65535 }), fc.integer({ min: 0, max: 5000 }))
    .map(([from, width]) => `${from}-${Math.min(65535, from + width)}`),
);
/** Source ranges, sometimes (with their union) the whole internet. */
const sourceRanges = fc.oneof(
  fc.array(cidr, { minLength: 1, maxLength: 3 }),
  fc.constantFrom(
    ["0.0.0.0/0"],
    ["0.0.0.0/1", "128.0.0.0/1"],
    ["iap"],
    ["10.0.0.0/8", "0.0.0.0/0"],
  ),
);
const ingressRule = fc.record({
  name: shortName.map((n) => `allow-${n}`),
  ports: fc.uniqueArray(portSpec, { minLength: 1, maxLength: 3 }),
  ranges: sourceRanges,
  description: fc.option(userText, { nil: undefined }),
});

function portsCover(ports: readonly string[] | undefined, port: number): boolean {
  if (ports === undefined || ports.length === 0) return true;
  return ports.some((p) => {
    const [from, to = from] = p.split("-").map(Number);
    return from <= port && port <= to;
  });
}

describe("Firewall properties", () => {
  it("never opens 22 or 3389 to the whole internet without an opt-out", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(ingressRule, { minLength: 1, maxLength: 3, selector: (r) => r.name }),
        fc.option(sourceRanges, { nil: undefined }),
        (ingress, ssh) => {
          const build = (stack: PlatformStack) =>
            new Firewall(stack, "firewall", {
              network: importedNetwork(stack),
              ingress: ingress.map((r) => ({ ...r })),
              ssh: ssh ? { from: ssh } : undefined,
            });
          const error = thrown(build);
          if (error !== undefined) {
            // Refusing a world-open rule is the construct's answer; it must be a ValidationError.
            expect(error).toBeInstanceOf(ValidationError);
            expect((error as ValidationError).property).toMatch(/^(ingress\[\d\]|ssh)/);
            return;
          }
          const { text, json } = synth(build);
          expect(text).not.toMatch(/(?<!\$)\$\{file|(?<!%)%\{ if/);
          const allowIngress = resources(json, "google_compute_firewall").filter(
            (r) => r.direction === "INGRESS" && Array.isArray(r.allow),
          );
          for (const port of [22, 3389]) {
            const open = allowIngress.filter((r) =>
              (r.allow as { protocol: string; ports?: string[] }[]).some(
                (a) => (a.protocol === "tcp" || a.protocol === "all") && portsCover(a.ports, port),
              ),
            );
            const union = open.flatMap((r) =>
              (r.source_ranges as string[]).map((c) => Cidr.tryParse(c)!),
            );
            expect(worldCoverage(union).ipv4).toBe(false);
          }
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("refuses hostile or mistyped rule props with a ValidationError naming the prop", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("name", "ranges[0]", "ports[0]", "protocol"),
        fc.oneof(badName, wrongType),
        (prop, value) => {
          const rule: Record<string, unknown> = {
            name: "allow-app",
            ports: [8080],
            ranges: ["10.0.0.0/8"],
          };
          const [key, index] = parsePath(prop);
          if (index === undefined) rule[key as string] = value;
          else rule[key as string] = [value];
          fc.pre(
            !(prop === "ports[0]" && typeof value === "number" && value >= 1 && value <= 65535),
          );
          expectRefused(
            (stack) =>
              new Firewall(stack, "firewall", {
                network: importedNetwork(stack),
                ingress: [rule as never],
              }),
            `ingress[0].${prop}`,
          );
        },
      ),
      { numRuns: RUNS },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Network
// ---------------------------------------------------------------------------------------------

describe("Network properties", () => {
  const subnets = fc
    .uniqueArray(fc.constantFrom(...REGIONS), { minLength: 1, maxLength: 3 })
    .chain((regions) =>
      fc.tuple(
        ...regions.map((region, i) =>
          fc
            .tuple(fc.integer({ min: 16, max: 29 }), fc.integer({ min: 0, max: 255 }), octet)
            .map(([prefix, c, d]) => ({
              region,
              // A distinct second octet per subnet keeps the ranges disjoint.
              cidr: networkAddress([10, 10 + i * 20, c, d], prefix),
            })),
        ),
      ),
    );

  it("synthesizes arbitrary valid subnets as given, with Private Google Access and flow logs", () => {
    fc.assert(
      fc.property(subnets, fc.option(shortName, { nil: undefined }), (specs, name) => {
        const { text, json } = synth(
          (stack) => new Network(stack, "network", { name, subnets: specs }),
        );
        // Only the library's own references are Terraform expressions here.
        expect(text).not.toMatch(/(?<!\$)\$\{(?!(google_|data\.)[\w-]+\.)|(?<!%)%\{/);
        const created = resources(json, "google_compute_subnetwork");
        expect(created.map((s) => [s.region, s.ip_cidr_range]).sort()).toEqual(
          specs.map((s) => [s.region, s.cidr]).sort(),
        );
        for (const s of created) {
          expect(s.private_ip_google_access).toBe(true);
          expect(s.log_config).toBeDefined();
        }
      }),
      { numRuns: RUNS },
    );
  });

  it("refuses arbitrary bad subnet ranges with a ValidationError naming subnets[0].cidr", () => {
    const badCidr = fc.oneof(
      // host bits set
      fc
        .tuple(octet, octet, fc.integer({ min: 1, max: 255 }))
        .map(([b, c, d]) => `10.${b}.${c}.${d}/24`),
      fc.integer({ min: 30, max: 40 }).map((p) => `10.0.0.0/${p}`),
      fc.integer({ min: 256, max: 999 }).map((o) => `10.${o}.0.0/16`),
      badName,
      wrongType,
    );
    fc.assert(
      fc.property(badCidr, (value) => {
        expectRefused(
          (stack) =>
            new Network(stack, "network", {
              subnets: [{ region: "us-central1", cidr: value as string }],
            }),
          "subnets[0].cidr",
        );
      }),
      { numRuns: RUNS },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// CloudSqlPostgres
// ---------------------------------------------------------------------------------------------

describe("CloudSqlPostgres properties", () => {
  const dbName = fc
    .stringMatching(/^[a-z][a-z0-9_]{0,12}$/)
    .filter((n) => !["postgres", "cloudsqladmin", "template0", "template1"].includes(n));
  const valid = fc.record({
    name: fc.option(shortName, { nil: undefined }),
    region: fc.constantFrom("us-central1", "us-east1"),
    tier: fc.constantFrom("db-custom-2-8192", "db-custom-4-16384", "db-custom-1-3840"),
    availabilityType: fc.constantFrom("ZONAL" as const, "REGIONAL" as const),
    databases: fc.uniqueArray(dbName, { maxLength: 3 }),
    startTime: fc
      .tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }))
      .map(([h, m]) => `${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}`),
    pgaudit: fc.constantFrom("ddl", "ddl,role", "write"),
  });

  it("never has a public IP and always sits on the private network", () => {
    fc.assert(
      fc.property(valid, (p) => {
        const { text, json } = synth(
          (stack) =>
            new CloudSqlPostgres(stack, "db", {
              network: importedNetwork(stack),
              name: p.name,
              region: p.region,
              tier: p.tier,
              availabilityType: p.availabilityType,
              databases: p.databases,
              backup: { startTime: p.startTime },
              flags: { "pgaudit.log": p.pgaudit },
            }),
        );
        expect(text).not.toMatch(/(?<!\$)\$\{file|(?<!%)%\{/);
        const [instance] = resources(json, "google_sql_database_instance");
        const ip = instance.settings.ip_configuration;
        expect(ip.ipv4_enabled).toBe(false);
        expect(ip.private_network).toMatch(/networks\/vpc$/);
        expect(instance.deletion_protection).toBe(true);
        expect(
          resources(json, "google_sql_database")
            .map((d) => d.name)
            .sort(),
        ).toEqual([...p.databases].sort());
      }),
      { numRuns: RUNS },
    );
  });

  it("refuses hostile or mistyped props with a ValidationError naming the prop", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(
          "name",
          "region",
          "tier",
          "databases[0]",
          "backup.startTime",
          "backup.location",
        ),
        fc.oneof(badName, wrongType),
        (prop, value) => {
          const props: Record<string, any> = { region: "us-central1", backup: {} };
          const keys = parsePath(prop);
          if (keys.length === 2 && typeof keys[1] === "number") props[keys[0]] = [value];
          else if (keys.length === 2) props[keys[0]][keys[1] as string] = value;
          else props[prop] = value;
          expectRefused(
            (stack) =>
              new CloudSqlPostgres(stack, "db", {
                network: importedNetwork(stack),
                ...props,
              } as never),
            prop,
          );
        },
      ),
      { numRuns: RUNS },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Vm
// ---------------------------------------------------------------------------------------------

function vm(stack: PlatformStack, overrides: Record<string, unknown> = {}): Vm {
  return new Vm(stack, "vm", {
    name: "bot",
    zone: "us-central1-a",
    network: importedNetwork(stack),
    machineType: "e2-standard-4",
    serviceAccount: { email: VM_EMAIL, member: `serviceAccount:${VM_EMAIL}` },
    services: [{ name: "core-engine", image: IMAGE }],
    ...overrides,
  } as never);
}

describe("Vm properties", () => {
  const content = fc
    .oneof(userText, fc.string({ maxLength: 200 }))
    .filter((t) => !t.includes("\0") && !/^# managed-by: vm-construct/m.test(t));

  it("writes arbitrary file text as is: escaped for Terraform, inside a quoted heredoc", () => {
    fc.assert(
      fc.property(
        content,
        fc.constantFrom("e2-standard-2", "e2-medium", "n2-standard-4"),
        (text, machineType) => {
          const { json } = synth((stack) =>
            vm(stack, { machineType, files: [{ path: "/etc/app/config.txt", content: text }] }),
          );
          const [instance] = resources(json, "google_compute_instance");
          const script = instance.metadata["startup-script"] as string;
          expect(hasTerraformTemplateSequence(script)).toBe(false);
          const body = text === "" || text.endsWith("\n") ? text : `${text}\n`;
          expect(unescapeTerraform(script)).toContain(
            `<<'${delimiterBefore(unescapeTerraform(script), body)}'\n${body}`,
          );
          expect(instance.metadata["enable-oslogin"]).toBe("TRUE");
          expect(instance.service_account.email).toBe(VM_EMAIL);
        },
      ),
      { numRuns: FEW_RUNS },
    );
  });

  it("refuses hostile or mistyped props with a ValidationError naming the prop", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(
          "name",
          "zone",
          "machineType",
          "registryHost",
          "services[0].name",
          "services[0].image",
          "networkTags[0]",
          "hostPackages[0]",
          "files[0].path",
        ),
        fc.oneof(badName, wrongType),
        (prop, value) => {
          const overrides: Record<string, any> = {};
          const keys = parsePath(prop);
          if (keys[0] === "services")
            overrides.services = [{ name: "core-engine", image: IMAGE, [keys[2]]: value }];
          else if (keys[0] === "files") overrides.files = [{ path: value, content: "x" }];
          else if (keys.length === 2) overrides[keys[0] as string] = [value];
          else overrides[prop] = value;
          expectRefused((stack) => vm(stack, overrides), prop);
        },
      ),
      { numRuns: RUNS },
    );
  });
});

/** The heredoc delimiter in front of `body` in a script (the construct picks one the body lacks). */
function delimiterBefore(script: string, body: string): string {
  const at = script.indexOf(`'\n${body}`);
  const start = script.lastIndexOf("<<'", at);
  return at < 0 || start < 0 ? "(no heredoc holds the text)" : script.slice(start + 3, at);
}

// ---------------------------------------------------------------------------------------------
// ServiceAccount, Secret, Bucket
// ---------------------------------------------------------------------------------------------

describe("ServiceAccount properties", () => {
  const displayName = fc.option(
    userText.filter((t) => t.length <= 100),
    { nil: undefined },
  );
  const description = fc.option(userText, { nil: undefined });
  const texts = (account: Record<string, string>, given: (string | undefined)[]) =>
    [
      [given[0], account.display_name],
      [given[1], account.description],
    ].filter((pair): pair is [string, string] => pair[0] !== undefined);

  it("never lets a display name or description become a Terraform expression", () => {
    fc.assert(
      fc.property(
        shortName.filter((n) => n.length >= 2),
        displayName,
        description,
        (name, d, t) => {
          const { json } = synth(
            (stack) => new ServiceAccount(stack, "sa", { name, displayName: d, description: t }),
          );
          const [account] = resources(json, "google_service_account");
          expect(account.account_id).toBe(`test-dev-${name}`);
          for (const [, synthesized] of texts(account, [d, t])) {
            expect(hasTerraformTemplateSequence(synthesized)).toBe(false);
          }
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("passes a display name or description to the provider as written", () => {
    fc.assert(
      fc.property(displayName, description, (d, t) => {
        const { json } = synth(
          (stack) =>
            new ServiceAccount(stack, "sa", { name: "bot", displayName: d, description: t }),
        );
        const [account] = resources(json, "google_service_account");
        // What Terraform reads from the JSON string is what the user wrote.
        for (const [given, synthesized] of texts(account, [d, t])) {
          expect(unescapeTerraform(synthesized)).toBe(given);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it("refuses bad names and mistyped text with a ValidationError naming the prop", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("name", "displayName", "description", "projectId"),
        fc.oneof(badName, wrongType),
        (prop, value) => {
          fc.pre(
            !(
              prop !== "name" &&
              prop !== "projectId" &&
              typeof value === "string" &&
              value.length <= 100
            ),
          );
          const props: Record<string, unknown> = { name: "bot", [prop]: value };
          expectRefused((stack) => new ServiceAccount(stack, "sa", props as never), prop);
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe("Secret properties", () => {
  const secretName = fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/);

  it("creates a protected secret whose id is the prefixed name", () => {
    fc.assert(
      fc.property(secretName, fc.constantFrom(...REGIONS), (name, region) => {
        const { json } = synth(
          (stack) =>
            new Secret(stack, "secret", {
              name,
              replication: { userManaged: { locations: [region] } },
            }),
        );
        const [secret] = resources(json, "google_secret_manager_secret");
        expect(secret.secret_id).toBe(`test-dev-${name}`);
        expect(secret.deletion_protection).toBe(true);
        expect(secret.lifecycle).toMatchObject({ prevent_destroy: true });
      }),
      { numRuns: RUNS },
    );
  });

  it("refuses hostile or mistyped props with a ValidationError naming the prop", () => {
    const hostile = fc.oneof(
      fc.constantFrom('${file("/etc/passwd")}', "$(id)", "`id`", "'; rm -rf / #", "", "a b"),
      wrongType,
    );
    fc.assert(
      fc.property(
        fc.constantFrom("name", "topics[0]", "replication.userManaged.locations[0]"),
        hostile,
        (prop, value) => {
          const props: Record<string, unknown> = { name: "api-key" };
          if (prop === "name") props.name = value;
          if (prop === "topics[0]") props.topics = [value];
          if (prop.startsWith("replication"))
            props.replication = { userManaged: { locations: [value] } };
          expectRefused((stack) => new Secret(stack, "secret", props as never), prop);
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe("Bucket properties", () => {
  const bucketName = fc.stringMatching(/^[a-z0-9][a-z0-9_-]{1,30}[a-z0-9]$/);

  it("is private, uniform and versioned whatever its name and location", () => {
    fc.assert(
      fc.property(bucketName, fc.constantFrom("US", "EU", ...REGIONS), (name, location) => {
        const { json } = synth((stack) => new Bucket(stack, "bucket", { name, location }));
        const [bucket] = resources(json, "google_storage_bucket");
        expect(bucket.name).toBe(`test-dev-${name}`);
        expect(bucket.public_access_prevention).toBe("enforced");
        expect(bucket.uniform_bucket_level_access).toBe(true);
        expect(bucket.force_destroy).not.toBe(true);
        expect(bucket.versioning).toEqual({ enabled: true });
      }),
      { numRuns: RUNS },
    );
  });

  it("refuses hostile or mistyped props with a ValidationError naming the prop", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("name", "location", "kmsKeyName", "accessLogBucket"),
        fc.oneof(badName, wrongType),
        (prop, value) => {
          fc.pre(!(prop === "location" && value === "EU"));
          const props: Record<string, unknown> = {
            name: "backups",
            location: "us-central1",
            [prop]: value,
          };
          expectRefused((stack) => new Bucket(stack, "bucket", props as never), prop);
        },
      ),
      { numRuns: RUNS },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// runApp: all or nothing
// ---------------------------------------------------------------------------------------------

describe("runApp with hostile props", () => {
  const builds: Record<string, (stack: PlatformStack, value: unknown) => void> = {
    "Firewall ingress[0].ranges[0]": (stack, v) =>
      new Firewall(stack, "fw", {
        network: importedNetwork(stack),
        ingress: [{ name: "allow-app", ports: [8080], ranges: [v as string] }],
      }),
    "Vm name": (stack, v) => vm(stack, { name: v }),
    "Bucket name": (stack, v) => new Bucket(stack, "b", { name: v as string, location: "US" }),
    "Secret name": (stack, v) => new Secret(stack, "s", { name: v as string }),
    "ServiceAccount name": (stack, v) => new ServiceAccount(stack, "sa", { name: v as string }),
  };

  it("writes nothing and leaves the previous output untouched when a build is refused", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "boundary-runapp-"));
    try {
      fc.assert(
        fc.property(
          fc.constantFrom(...Object.keys(builds)),
          fc.oneof(hostileName, wrongType),
          (which, value) => {
            const outdir = path.join(root, "out");
            fs.mkdirSync(outdir, { recursive: true });
            fs.writeFileSync(path.join(outdir, "previous.json"), "{}");
            const stderr: string[] = [];
            const exitCode = process.exitCode;
            let ok: boolean;
            try {
              ok = withoutStackTraces(() =>
                runApp(
                  (app: App) => {
                    // A good stack first, so a half-written output would show.
                    const good = new PlatformStack(app, {
                      system: "good",
                      environment: "dev",
                      backend: { kind: "gcs", bucket: "test-state", prefix: "good/dev" },
                    });
                    new GoogleProvider(good, "google", { project: "example-project" });
                    new ServiceAccount(good, "sa", { name: "ok-account" });
                    const stack = new PlatformStack(app, {
                      system: "test",
                      environment: "dev",
                      backend: { kind: "gcs", bucket: "test-state", prefix: "test/dev" },
                    });
                    new GoogleProvider(stack, "google", { project: "example-project" });
                    builds[which](stack, value);
                  },
                  { outdir, stderr: { write: (t: string) => stderr.push(t) } },
                ),
              );
            } finally {
              process.exitCode = exitCode;
            }
            expect(ok).toBe(false);
            expect(stderr.join("")).toContain("nothing was written");
            expect(fs.readdirSync(outdir)).toEqual(["previous.json"]);
            expect(fs.existsSync(`${outdir}.staging`)).toBe(false);
          },
        ),
        { numRuns: FEW_RUNS },
      );
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});

describe("SecurityGroup properties", () => {
  const toCidr = (n: number, p: number) =>
    `${[24, 16, 8, 0].map((s) => (n >>> s) & 255).join(".")}/${p}`;
  /** The whole IPv4 space cut into halves at random: ranges whose union is 0.0.0.0/0. */
  const worldSplit = fc.array(fc.nat(), { minLength: 1, maxLength: 12 }).map((picks) => {
    let ranges: [number, number][] = [[0, 0]];
    for (const pick of picks) {
      const i = pick % ranges.length;
      const [n, p] = ranges[i];
      if (p >= 30) continue;
      const half = 2 ** (31 - p);
      ranges = [...ranges.slice(0, i), [n, p + 1], [n + half, p + 1], ...ranges.slice(i + 1)];
    }
    return ranges.map(([n, p]) => toCidr(n, p));
  });
  const port = fc.integer({ min: 1, max: 65535 }).filter((p) => p !== 80 && p !== 443);

  it("never opens a port to the whole internet through split ranges without an opt-out", () => {
    fc.assert(
      fc.property(worldSplit, port, (ranges, p) => {
        const error = thrown((stack) => {
          const vpc = Vpc.fromAttributes(stack, "vpc", {
            vpcId: "vpc-0123456789abcdef0",
            azs: ["ap-northeast-2a", "ap-northeast-2c"],
            publicSubnetIds: [],
            privateSubnetIds: [],
            isolatedSubnetIds: [],
          });
          const sg = new SecurityGroup(stack, "sg", { vpc, description: "split ranges" });
          sg.allowFrom(Peer.cidrs(ranges), p, "from everywhere, in pieces");
        });
        expect(error).toBeInstanceOf(ValidationError);
        expect((error as Error).message).toMatch(/to the whole internet.* in allowFrom/);
      }),
      { numRuns: FEW_RUNS },
    );
  });
});

describe("Vpc properties", () => {
  const TIER_LISTS = ["publicSubnetCidrs", "privateSubnetCidrs", "isolatedSubnetCidrs"] as const;
  const ZONES = ["ap-northeast-2a", "ap-northeast-2b", "ap-northeast-2c", "ap-northeast-2d"];
  const toCidr = (n: number, p: number) =>
    `${[24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".")}/${p}`;

  /** A private VPC range, /16 to /28, as its start address and prefix length. */
  const vpcRange = fc
    .tuple(
      // The RFC 1918 blocks, as start address and size.
      fc.constantFrom(
        [10 * 2 ** 24, 2 ** 24],
        [(172 * 256 + 16) * 2 ** 16, 2 ** 20],
        [(192 * 256 + 168) * 2 ** 16, 2 ** 16],
      ),
      fc.nat(),
      fc.integer({ min: 16, max: 28 }),
    )
    .map(([[block, room], pick, prefix]) => {
      const size = 2 ** (32 - prefix);
      return { start: block + (pick % (room / size)) * size, prefix };
    });

  /**
   * A subnet near a VPC range: mostly a few prefix lengths longer, sometimes a block just before,
   * just after or around the range, so that ranges outside it and overlapping ones are common.
   */
  const subnetNear = (vpc: { start: number; prefix: number }) =>
    fc.tuple(fc.integer({ min: -1, max: 3 }), fc.integer({ min: -1, max: 9 })).map(([grow, k]) => {
      const p = Math.min(28, Math.max(16, vpc.prefix + grow));
      const size = 2 ** (32 - p);
      const start = Math.floor(vpc.start / size) * size + k * size;
      return start < 0 || start + size > 2 ** 32 ? toCidr(0, p) : toCidr(start, p);
    });

  /** Tier lists of one CIDR per zone, or `[]`. */
  const explicitLayout = vpcRange.chain((vpc) =>
    fc
      .integer({ min: 1, max: 3 })
      .chain((zones) =>
        fc
          .tuple(
            ...TIER_LISTS.map(() =>
              fc.oneof(
                fc.constant<string[]>([]),
                fc.array(subnetNear(vpc), { minLength: zones, maxLength: zones }),
              ),
            ),
          )
          .map((lists) => ({ vpc, zones, lists })),
      ),
  );

  function buildVpc(stack: PlatformStack, props: Record<string, unknown>): void {
    new Vpc(stack, "vpc", { region: "ap-northeast-2", ...props } as never);
  }

  /** The subnets of a synthesized VPC, parsed, with the tier from their Name tag. */
  function subnetsOf(json: Json): { tier: string; zone: string; cidr: Cidr }[] {
    return resources(json, "aws_subnet").map((s) => ({
      tier: /-(public|private|isolated)-ap-northeast-2[a-d]$/.exec(s.tags.Name)![1],
      zone: s.availability_zone,
      cidr: Cidr.parse(s.cidr_block),
    }));
  }

  function disjoint(ranges: readonly Cidr[]): boolean {
    return ranges.every((a, i) => ranges.every((b, j) => j <= i || !a.overlaps(b)));
  }

  it("accepts explicit subnets exactly when each lies inside the VPC range and none overlap", () => {
    const outcomes = { accepted: 0, refused: 0 };
    fc.assert(
      fc.property(explicitLayout, ({ vpc, zones, lists }) => {
        const range = Cidr.parse(toCidr(vpc.start, vpc.prefix));
        const all = lists.flat().map((c) => Cidr.parse(c));
        const expected = all.every((c) => range.contains(c)) && disjoint(all);
        const props = {
          cidr: range.toString(),
          availabilityZones: ZONES.slice(0, zones),
          ...Object.fromEntries(TIER_LISTS.map((key, t) => [key, lists[t]])),
        };
        const error = thrown((stack) => buildVpc(stack, props));
        outcomes[expected ? "accepted" : "refused"]++;
        if (expected) {
          expect(error === undefined ? "accepted" : describeError(error)).toBe("accepted");
          const made = subnetsOf(synth((stack) => buildVpc(stack, props)).json);
          expect(made.map((s) => s.cidr.toString()).sort()).toEqual(
            all.map((c) => c.toString()).sort(),
          );
        } else {
          expect(error).toBeInstanceOf(ValidationError);
          expect((error as ValidationError).property).toMatch(
            /^(public|private|isolated)SubnetCidrs\[[0-2]\]$/,
          );
        }
      }),
      { numRuns: RUNS * 4 },
    );
    // Both sides of "exactly when" were tried.
    expect(outcomes.accepted).toBeGreaterThan(0);
    expect(outcomes.refused).toBeGreaterThan(0);
  });

  it("carves subnets that lie inside the VPC range and overlap no other, or refuses the range", () => {
    const carved = vpcRange.chain((vpc) =>
      fc.record({
        vpc: fc.constant(vpc),
        zones: fc.integer({ min: 1, max: 4 }),
        subnetPrefixLength: fc.option(fc.integer({ min: 16, max: 28 }), { nil: undefined }),
      }),
    );
    const outcomes = { accepted: 0, refused: 0 };
    fc.assert(
      fc.property(carved, ({ vpc, zones, subnetPrefixLength }) => {
        const range = Cidr.parse(toCidr(vpc.start, vpc.prefix));
        const props = {
          cidr: range.toString(),
          azCount: zones,
          ...(subnetPrefixLength === undefined ? {} : { subnetPrefixLength }),
        };
        // Each tier has a quarter of the range, holding one subnet per zone of at most /28.
        const slots = 2 ** Math.ceil(Math.log2(zones));
        const longest = subnetPrefixLength ?? 28;
        const fits = vpc.prefix + 2 + Math.log2(slots) <= longest;
        const error = thrown((stack) => buildVpc(stack, props));
        if (!fits) {
          outcomes.refused++;
          expect(error).toBeInstanceOf(ValidationError);
          expect((error as ValidationError).property).toMatch(/^(cidr|subnetPrefixLength)$/);
          return;
        }
        expect(error === undefined ? "accepted" : describeError(error)).toBe("accepted");
        const made = subnetsOf(synth((stack) => buildVpc(stack, props)).json);
        expect(made).toHaveLength(3 * zones);
        for (const tier of ["public", "private", "isolated"]) {
          expect(made.filter((s) => s.tier === tier).map((s) => s.zone)).toEqual(
            ZONES.slice(0, zones),
          );
        }
        for (const s of made) {
          expect(range.contains(s.cidr)).toBe(true);
          if (subnetPrefixLength !== undefined)
            expect(s.cidr.prefixLength).toBe(subnetPrefixLength);
        }
        expect(disjoint(made.map((s) => s.cidr))).toBe(true);
        outcomes[error === undefined ? "accepted" : "refused"]++;
      }),
      { numRuns: RUNS * 2 },
    );
    expect(outcomes.accepted).toBeGreaterThan(0);
    expect(outcomes.refused).toBeGreaterThan(0);
  });
  it("carves the tiers not listed around the listed ones: inside the range and overlapping none, or refused naming the clash", () => {
    const mixed = vpcRange.chain((vpc) =>
      fc.integer({ min: 1, max: 3 }).chain((zones) =>
        fc
          .tuple(
            ...TIER_LISTS.map(() =>
              fc.oneof(
                fc.constant<string[] | undefined>(undefined),
                fc.constant<string[]>([]),
                fc.array(subnetNear(vpc), { minLength: zones, maxLength: zones }),
              ),
            ),
          )
          .filter(
            (lists) => lists.some((l) => l === undefined) && lists.some((l) => l !== undefined),
          )
          .map((lists) => ({ vpc, zones, lists })),
      ),
    );
    const outcomes = { accepted: 0, refused: 0 };
    fc.assert(
      fc.property(mixed, ({ vpc, zones, lists }) => {
        const range = Cidr.parse(toCidr(vpc.start, vpc.prefix));
        const props: Record<string, unknown> = {
          cidr: range.toString(),
          availabilityZones: ZONES.slice(0, zones),
        };
        TIER_LISTS.forEach((key, t) => {
          if (lists[t] !== undefined) props[key] = lists[t];
        });
        const listed = lists.flatMap((l) => l ?? []).map((c) => Cidr.parse(c));
        const listedFine = listed.every((c) => range.contains(c)) && disjoint(listed);
        const fits = vpc.prefix + 2 + Math.ceil(Math.log2(zones)) <= 28;
        const error = thrown((stack) => buildVpc(stack, props));
        if (error !== undefined) {
          outcomes.refused++;
          expect(error).toBeInstanceOf(ValidationError);
          const property = (error as ValidationError).property;
          if (!fits) expect(property).toBe("cidr");
          else if (listedFine) {
            // Only a clash with a carved subnet is left to refuse.
            expect(property).toMatch(/^(public|private|isolated)SubnetCidrs\[[0-2]\]$/);
            expect((error as ValidationError).problem).toMatch(/^overlaps [^(]* \(carved\)/);
          } else {
            expect(property).toMatch(/^(public|private|isolated)SubnetCidrs\[[0-2]\]$/);
          }
          return;
        }
        outcomes.accepted++;
        expect(listedFine && fits).toBe(true);
        const made = subnetsOf(synth((stack) => buildVpc(stack, props)).json);
        TIER_LISTS.forEach((_, t) => {
          const tier = ["public", "private", "isolated"][t];
          const ofTier = made.filter((s) => s.tier === tier);
          if (lists[t] === undefined) expect(ofTier).toHaveLength(zones);
          else expect(ofTier.map((s) => s.cidr.toString())).toEqual(lists[t]);
        });
        for (const s of made) expect(range.contains(s.cidr)).toBe(true);
        expect(disjoint(made.map((s) => s.cidr))).toBe(true);
      }),
      { numRuns: RUNS * 2 },
    );
    expect(outcomes.accepted).toBeGreaterThan(0);
    expect(outcomes.refused).toBeGreaterThan(0);
  });
});
