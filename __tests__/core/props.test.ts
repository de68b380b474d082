import { z } from "zod";
import type { PlatformStack } from "../../constructs/core/stack";
import { ValidationError, ValidationErrors } from "../../constructs/core/errors";
import { checkProps, constructRef, objectCheckedBy } from "../../constructs/core/props";
import { ArtifactRegistry } from "../../constructs/gcp/artifact-registry";
import { Bucket } from "../../constructs/gcp/bucket";
import { CloudSqlPostgres } from "../../constructs/gcp/cloud-sql";
import { Firewall } from "../../constructs/gcp/firewall";
import { Monitoring } from "../../constructs/gcp/monitoring";
import { Network } from "../../constructs/gcp/network";
import { RegionalPlatform } from "../../constructs/gcp/region";
import { Secret } from "../../constructs/gcp/secrets";
import { ServiceAccount } from "../../constructs/gcp/service-account";
import { testStack } from "../helpers/synth";

describe("checkProps (run-time props validation)", () => {
  const schema = z.strictObject({
    name: z.string(),
    enabled: z.boolean().optional(),
    days: z.number().optional(),
    network: constructRef<{ subnet(): void }>("a Network", ["subnet"]).optional(),
  });
  const check = (props: unknown) => checkProps(testStack(), schema, props, "{ name: 'x' }");

  it.each([
    [
      { name: "x", enabled: "false" },
      /enabled = "false" has the wrong type\.\n {2}Fix: give a boolean, not the string "false"/,
    ],
    [
      { name: "x", days: "30" },
      /days = "30" has the wrong type\.\n {2}Fix: give a number, not the string "30"/,
    ],
    [{ name: 42 }, /name = 42 has the wrong type\.\n {2}Fix: give a string, not the number 42/],
    [{ name: "x", nmae: "y" }, /nmae = \["nmae"\] is not a known prop/],
    [{ name: "x", network: "vpc" }, /network = "vpc" is invalid\.\n {2}Fix: pass a Network/],
    [null, /props = null are missing\.\n {2}Fix: pass \{ name: 'x' \}/],
    [[], /props = \[\] are missing/],
  ])("refuses %j", (props, message) => {
    expect(() => check(props)).toThrow(message);
  });

  it("names every bad prop at once", () => {
    expect(() => check({ name: 1, enabled: "yes", days: null })).toThrow(
      /name = 1 has the wrong type[\s\S]*enabled = "yes" has the wrong type[\s\S]*days = null has the wrong type/,
    );
  });

  it("accepts valid props and returns them", () => {
    expect(check({ name: "x", enabled: true, days: 3 })).toEqual({
      name: "x",
      enabled: true,
      days: 3,
    });
  });

  it("is what ServiceAccount runs first: a JavaScript caller gets the type named", () => {
    const stack = testStack();
    expect(
      () => new ServiceAccount(stack, "sa", { name: "runner", displayName: 7 } as never),
    ).toThrow(
      /test-dev\/sa: displayName = 7 has the wrong type\.\n {2}Fix: give a string, not the number 7/,
    );
    expect(
      () => new ServiceAccount(stack, "sb", { name: "runner", descripton: "x" } as never),
    ).toThrow(/descripton = \["descripton"\] is not a known prop/);
  });
});

describe("props checks of PlatformStack and RegionalPlatform", () => {
  it("PlatformStack refuses a wrong type or an unknown prop with the stack named", () => {
    expect(() => testStack({ labels: { team: 7 } } as never)).toThrow(
      /labels\.team = 7 has the wrong type\.\n {2}Fix: give a string, not the number 7/,
    );
    expect(() => testStack({ lables: {} } as never)).toThrow(
      /lables = \["lables"\] is not a known prop/,
    );
  });

  it("RegionalPlatform refuses a string where a Network belongs and a misspelt region field", () => {
    const stack = testStack();
    const spec = { region: "us-central1", machineType: "e2-small", databaseTier: "db-f1-micro" };
    expect(
      () =>
        new RegionalPlatform(stack, "p", {
          network: "vpc",
          primary: { ...spec, zoen: "us-central1-a" },
          vm: {},
          database: {},
        } as never),
    ).toThrow(
      /network = "vpc" is invalid\.\n {2}Fix: pass a Network[\s\S]*primary\.zoen = \["zoen"\] is not a known prop/,
    );
  });
});

describe("RegionalPlatform names the prop the user wrote", () => {
  it.each([
    ["primary", /p: primary\.databaseTier = "db-huge" is not a Cloud SQL for PostgreSQL tier/],
    ["backup", /p: backups\[0\]\.databaseTier = "db-huge" is not a Cloud SQL for PostgreSQL tier/],
  ])("for a bad %s database tier", (which, message) => {
    const stack = testStack();
    const good = { region: "us-central1", machineType: "e2-small", databaseTier: "db-g1-small" };
    const bad = { region: "us-east1", machineType: "e2-small", databaseTier: "db-huge" };
    expect(
      () =>
        new RegionalPlatform(stack, "p", {
          network: { subnet: () => ({}) },
          primary: which === "primary" ? { ...bad, region: "us-central1" } : good,
          backups: which === "backup" ? [bad] : [],
          vm: { services: [] },
          database: {},
        } as never),
    ).toThrow(message);
  });
});

describe("objectCheckedBy", () => {
  const rule = objectCheckedBy(z.strictObject({ name: z.string() }), "the rule check");
  const check = (props: unknown) =>
    checkProps(testStack(), z.strictObject({ rules: z.array(rule) }), props, "{ rules }");

  it("lets what is not an object through to the construct's own check", () => {
    expect(check({ rules: [null, "x"] })).toEqual({ rules: [null, "x"] });
  });

  it("checks an object's props under the item's path", () => {
    expect(() => check({ rules: [{ name: 1, nmae: "x" }] })).toThrow(
      /rules\[0\]\.name = 1 has the wrong type[\s\S]*rules\[0\]\.nmae = \["nmae"\] is not a known prop/,
    );
  });
});

/**
 * Every top-level prop of every construct, and every option of their public methods, given the
 * wrong type, null, or a misspelt name: a ValidationError that names the prop, never a TypeError
 * from deep inside a construct.
 */
describe("props of every construct: wrong types, null and typos are ValidationErrors", () => {
  type Kind = "string" | "number" | "boolean" | "object" | "array" | "construct";
  /** A value of the wrong type for a prop of each kind. */
  const WRONG: Record<Kind, unknown> = {
    string: 42,
    number: "30",
    boolean: "false",
    object: ["a"],
    array: "x",
    construct: "vpc",
  };

  interface Case {
    /** Valid props (or options) for a fresh stack. */
    readonly valid: (stack: PlatformStack) => Record<string, unknown>;
    /** Builds the construct (or calls the method) with the props. */
    readonly make: (stack: PlatformStack, props: Record<string, unknown>) => unknown;
    /** Every top-level prop and its kind. */
    readonly props: Record<string, Kind>;
  }

  const network = (stack: PlatformStack) =>
    new Network(stack, "network", {
      subnets: [
        { region: "us-central1", cidr: "10.10.0.0/20" },
        { region: "us-east1", cidr: "10.20.0.0/20" },
      ],
      privateServicesAccess: { cidr: "10.100.0.0/16" },
    });
  const database = (stack: PlatformStack) =>
    new CloudSqlPostgres(stack, "db", {
      network: network(stack),
      region: "us-central1",
      projectId: "my-project-1",
    });
  const monitoring = (stack: PlatformStack) =>
    new Monitoring(stack, "monitoring", { emails: ["oncall@example.com"] });
  const alert = {
    name: "sql-cpu",
    title: "Cloud SQL CPU above 80 %",
    severity: "high",
    filter: 'metric.type="cloudsql.googleapis.com/database/cpu/utilization"',
    threshold: 0.8,
    runbook: "Check slow queries in Query Insights.",
  };
  const bot = {
    email: "bot@my-project-1.iam.gserviceaccount.com",
    member: "serviceAccount:bot@my-project-1.iam.gserviceaccount.com",
  };

  const CASES: Record<string, Case> = {
    Network: {
      valid: () => ({ subnets: [{ region: "us-central1", cidr: "10.10.0.0/20" }] }),
      make: (stack, props) => new Network(stack, "network", props as never),
      props: {
        name: "string",
        subnets: "array",
        privateServicesAccess: "object",
        nat: "boolean",
        routingMode: "string",
        deleteDefaultInternetRoute: "boolean",
        internetRoutes: "array",
        privateGoogleApisDns: "boolean",
        firewallPolicyEnforcementOrder: "string",
      },
    },
    "Network.fromAttributes": {
      valid: () => ({
        selfLink: "projects/acme-net-host/global/networks/shared",
        subnets: [{ region: "us-central1", name: "apps" }],
      }),
      make: (stack, attrs) => Network.fromAttributes(stack, "shared", attrs as never),
      props: {
        selfLink: "string",
        name: "string",
        projectId: "string",
        subnets: "array",
        privateServicesAccess: "object",
        firewallPolicyEnforcementOrder: "string",
      },
    },
    Firewall: {
      valid: (stack) => ({ network: network(stack) }),
      make: (stack, props) => new Firewall(stack, "firewall", props as never),
      props: {
        network: "construct",
        name: "string",
        targets: "object",
        ssh: "object",
        httpsEgress: "array",
        fqdnEgress: "array",
        ingress: "array",
        egress: "array",
        allowUnlistedEgress: "object",
        logMetadata: "string",
      },
    },
    CloudSqlPostgres: {
      valid: (stack) => ({ network: network(stack), region: "us-central1" }),
      make: (stack, props) => new CloudSqlPostgres(stack, "db", props as never),
      props: {
        name: "string",
        network: "construct",
        region: "string",
        projectId: "string",
        databaseVersion: "string",
        tier: "string",
        availabilityType: "string",
        diskSizeGb: "number",
        diskType: "string",
        diskAutoresize: "boolean",
        backup: "object",
        maintenanceWindow: "object",
        insights: "object",
        passwordValidation: "object",
        flags: "object",
        allowUnknownFlags: "object",
        databases: "array",
        iamUsers: "array",
        retainBackupsOnDelete: "boolean",
        sslMode: "string",
        allowUnencrypted: "object",
        publicIp: "object",
        allowDeletion: "object",
      },
    },
    "CloudSqlPostgres.addReplica": {
      valid: () => ({ region: "us-east1" }),
      make: (stack, options) => database(stack).addReplica(options as never),
      props: {
        region: "string",
        tier: "string",
        name: "string",
        availabilityType: "string",
        purpose: "string",
      },
    },
    "CloudSqlPostgres.grantClient": {
      valid: () => ({ iamLogin: true }),
      make: (stack, options) => database(stack).grantClient(bot, options as never),
      props: { iamLogin: "boolean" },
    },
    Bucket: {
      valid: () => ({ name: "backups", location: "us-central1" }),
      make: (stack, props) => new Bucket(stack, "bucket", props as never),
      props: {
        name: "string",
        location: "string",
        storageClass: "string",
        versioning: "boolean",
        lifecycle: "object",
        retention: "object",
        kmsKeyName: "string",
        accessLogBucket: "string",
        allowDeletion: "object",
      },
    },
    Secret: {
      valid: () => ({ name: "api-key" }),
      make: (stack, props) => new Secret(stack, "secret", props as never),
      props: {
        name: "string",
        replication: "object",
        rotation: "object",
        topics: "array",
        accessors: "array",
        allowDeletion: "object",
      },
    },
    ArtifactRegistry: {
      valid: () => ({ name: "repo", region: "us-central1" }),
      make: (stack, props) => new ArtifactRegistry(stack, "registry", props as never),
      props: {
        name: "string",
        region: "string",
        format: "string",
        immutableTags: "boolean",
        cleanup: "object",
        cleanupDryRun: "boolean",
        description: "string",
        projectId: "string",
        readers: "array",
        allowDeletion: "object",
      },
    },
    Monitoring: {
      valid: () => ({ emails: ["oncall@example.com"] }),
      make: (stack, props) => new Monitoring(stack, "monitoring", props as never),
      props: { emails: "array", webhooks: "array", pagerDuty: "object" },
    },
    "Monitoring.thresholdAlert": {
      valid: () => ({ ...alert }),
      make: (stack, options) => monitoring(stack).thresholdAlert(options as never),
      props: {
        name: "string",
        title: "string",
        severity: "string",
        filter: "string",
        comparison: "string",
        threshold: "number",
        durationSeconds: "number",
        aligner: "string",
        alignmentSeconds: "number",
        runbook: "string",
      },
    },
    "Monitoring.absenceAlert": {
      valid: () => {
        const absence: Record<string, unknown> = { ...alert };
        delete absence.threshold;
        return absence;
      },
      make: (stack, options) => monitoring(stack).absenceAlert(options as never),
      props: {
        name: "string",
        title: "string",
        severity: "string",
        filter: "string",
        runbook: "string",
        durationSeconds: "number",
      },
    },
    "Monitoring.uptimeCheck": {
      valid: () => ({ name: "health", projectId: "p-123456", host: "api.example.com", path: "/" }),
      make: (stack, options) => monitoring(stack).uptimeCheck(options as never),
      props: {
        name: "string",
        projectId: "string",
        host: "string",
        path: "string",
        port: "number",
        useSsl: "boolean",
        severity: "string",
      },
    },
  };

  /** The properties an error names: each of several, or the one. */
  function propertiesOf(error: unknown): string[] {
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).not.toBeInstanceOf(TypeError);
    return error instanceof ValidationErrors
      ? error.errors.map((e) => e.property)
      : [(error as ValidationError).property];
  }

  function errorOf(fn: () => unknown): unknown {
    try {
      fn();
    } catch (error) {
      return error;
    }
    throw new Error("expected a ValidationError, nothing was thrown");
  }

  /** True when `property` names `prop` as one segment of its path (`sql-cpu.threshold`). */
  const names = (property: string, prop: string) =>
    new RegExp(`(^|\\.)${prop.replace(/[.]/g, "\\.")}($|[.[])`).test(property);

  const rows = Object.entries(CASES).flatMap(([construct, c]) =>
    Object.entries(c.props).flatMap(([prop, kind]) => [
      [construct, prop, `the wrong type (${JSON.stringify(WRONG[kind])})`, WRONG[kind]] as const,
      [construct, prop, "null", null] as const,
    ]),
  );

  it.each(rows)("%s: %s given %s", (construct, prop, _what, value) => {
    const c = CASES[construct];
    const stack = testStack();
    const props = { ...c.valid(stack), [prop]: value };
    const properties = propertiesOf(errorOf(() => c.make(stack, props)));
    expect(properties.some((p) => names(p, prop))).toBe(true);
  });

  const typos = Object.entries(CASES).flatMap(([construct, c]) =>
    Object.keys(c.props).map((prop) => [construct, prop, `${prop.slice(0, -1)}`] as const),
  );

  it.each(typos)("%s: %s misspelt as %s", (construct, prop, typo) => {
    const c = CASES[construct];
    const stack = testStack();
    const valid = c.valid(stack);
    const sample = valid[prop] ?? "x";
    const props: Record<string, unknown> = { ...valid, [typo]: sample };
    delete props[prop];
    const properties = propertiesOf(errorOf(() => c.make(stack, props)));
    expect(properties.some((p) => names(p, typo))).toBe(true);
  });

  it("every case builds with its valid props", () => {
    for (const c of Object.values(CASES)) {
      const stack = testStack();
      expect(() => c.make(stack, c.valid(stack))).not.toThrow();
    }
  });
});
