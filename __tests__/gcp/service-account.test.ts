import { helpExampleStack } from "../helpers/help";
import { Token } from "cdktf";
import { type PlatformStack } from "../../constructs/core/stack";
import { optOutsOf } from "../../constructs/core/opt-out";
import { ArtifactRegistry } from "../../constructs/gcp/artifact-registry";
import { Secret } from "../../constructs/gcp/secrets";
import { ServiceAccount } from "../../constructs/gcp/service-account";
import { findResource, resourcesOf, synthJson, testStack, type SynthJson } from "../helpers/synth";

const REASON = "legacy batch job reads every secret, removal tracked in OPS-321";
const MEMBER = expect.stringMatching(/^serviceAccount:\$\{google_service_account\.[^.]+\.email\}$/);

function build(props: Partial<ConstructorParameters<typeof ServiceAccount>[2]> = {}) {
  const stack = testStack();
  const sa = new ServiceAccount(stack, "bot", { name: "bot", ...props });
  return { stack, sa };
}

/** Every IAM resource type that replaces bindings instead of adding one member. */
function authoritativeIam(json: SynthJson): string[] {
  return Object.keys(json.resource ?? {}).filter((t) => /_iam_(policy|binding)$/.test(t));
}

/** The `//` comment of a resource: Testing.synth strips it, so read the stack's full JSON. */
function commentOf(stack: PlatformStack, type: string): unknown[] {
  synthJson(stack);
  const resources = (stack.toTerraform() as { resource: Record<string, Record<string, object>> })
    .resource[type];
  return Object.values(resources).map((r) => (r as { "//"?: unknown })["//"]);
}

describe("ServiceAccount", () => {
  it("creates an account `${prefix}-${name}` without keys", () => {
    const { stack, sa } = build({ description: "The trading bot VM" });
    const json = synthJson(stack);
    expect(findResource(json, "google_service_account")).toEqual({
      account_id: "test-dev-bot",
      display_name: "test-dev-bot",
      description: "The trading bot VM",
    });
    expect(sa.accountId).toBe("test-dev-bot");
    expect(Token.isUnresolved(sa.email)).toBe(true);
    expect(sa.member).toBe(`serviceAccount:${sa.email}`);
    expect(json.resource?.google_service_account_key).toBeUndefined();
    expect(sa.grants).toEqual([]);
  });

  it("grants project roles additively on the account's own project by default", () => {
    const { stack, sa } = build();
    sa.grantLogging();
    const json = synthJson(stack);
    expect(findResource(json, "google_project_iam_member")).toEqual({
      project: expect.stringMatching(/^\$\{google_service_account\.[^.]+\.project\}$/),
      role: "roles/logging.logWriter",
      member: MEMBER,
    });
    expect(authoritativeIam(json)).toEqual([]);
  });

  it("uses projectId for the account and its project grants", () => {
    const { stack, sa } = build({ projectId: "acme-trading-prod", displayName: "Trading bot" });
    sa.grantMetrics();
    const json = synthJson(stack);
    expect(findResource(json, "google_service_account")).toMatchObject({
      project: "acme-trading-prod",
      display_name: "Trading bot",
    });
    expect(findResource(json, "google_project_iam_member")).toMatchObject({
      project: "acme-trading-prod",
      role: "roles/monitoring.metricWriter",
    });
  });

  it("is idempotent: granting a role twice creates one member", () => {
    const { stack, sa } = build();
    const first = sa.grantLogging();
    expect(sa.grantLogging()).toBe(first);
    expect(sa.grantProjectRole("roles/logging.logWriter")).toBe(first);
    sa.grantMetrics();
    expect(resourcesOf(synthJson(stack), "google_project_iam_member")).toHaveLength(2);
    expect(sa.grants.map((g) => g.role)).toEqual([
      "roles/logging.logWriter",
      "roles/monitoring.metricWriter",
    ]);
    expect([...sa.projectGrants.keys()]).toEqual([
      "roles/logging.logWriter",
      "roles/monitoring.metricWriter",
    ]);
  });

  it("writes the reason of a grant into the JSON and the grant list", () => {
    const { stack, sa } = build();
    sa.grantProjectRole("roles/cloudsql.client", "connects to the trading database");
    expect(commentOf(stack, "google_project_iam_member")).toEqual([
      expect.objectContaining({ reason: "connects to the trading database" }),
    ]);
    expect(sa.grants).toEqual([
      {
        role: "roles/cloudsql.client",
        resource: "project",
        reason: "connects to the trading database",
      },
    ]);
  });

  it("the trading bot VM account ends with exactly its five roles, per-secret access and no authoritative IAM", () => {
    const stack = testStack();
    const sa = new ServiceAccount(stack, "bot-sa", { name: "bot" });
    const apiKey = new Secret(stack, "api-key", { name: "exchange-api-key" });
    const telegram = new Secret(stack, "telegram", { name: "telegram-token" });
    const registry = new ArtifactRegistry(stack, "registry", {
      name: "repo",
      region: "us-central1",
    });
    apiKey.grantAccess(sa);
    telegram.grantAccess(sa);
    sa.grantProjectRole("roles/cloudsql.client");
    registry.grantRead(sa);
    sa.grantLogging();
    sa.grantMetrics();

    expect(sa.grants.map((g) => `${g.role} on ${g.resource}`)).toEqual([
      "roles/secretmanager.secretAccessor on secret/test-dev-exchange-api-key",
      "roles/secretmanager.secretAccessor on secret/test-dev-telegram-token",
      "roles/cloudsql.client on project",
      "roles/artifactregistry.reader on repository/test-dev-repo",
      "roles/logging.logWriter on project",
      "roles/monitoring.metricWriter on project",
    ]);

    const json = synthJson(stack);
    const roles = (type: string) =>
      resourcesOf(json, type).map((r) => {
        expect(r.config.member).toEqual(MEMBER);
        return r.config.role;
      });
    expect(roles("google_project_iam_member")).toEqual([
      "roles/cloudsql.client",
      "roles/logging.logWriter",
      "roles/monitoring.metricWriter",
    ]);
    expect(roles("google_secret_manager_secret_iam_member")).toEqual([
      "roles/secretmanager.secretAccessor",
      "roles/secretmanager.secretAccessor",
    ]);
    expect(
      resourcesOf(json, "google_secret_manager_secret_iam_member").map((r) => r.config.secret_id),
    ).toEqual([
      expect.stringMatching(/^\$\{google_secret_manager_secret\.api-key_secret_[^.]+\.id\}$/),
      expect.stringMatching(/^\$\{google_secret_manager_secret\.telegram_secret_[^.]+\.id\}$/),
    ]);
    expect(roles("google_artifact_registry_repository_iam_member")).toEqual([
      "roles/artifactregistry.reader",
    ]);
    expect(authoritativeIam(json)).toEqual([]);
    expect(json.resource?.google_service_account_key).toBeUndefined();
  });

  it("accepts a project-wide resource role only with a reason, recorded as an opt-out", () => {
    const { sa } = build();
    const grant = sa.grantProjectRole("roles/secretmanager.secretAccessor", REASON);
    expect(optOutsOf(grant)).toEqual([{ id: "project-wide-resource-role", reason: REASON }]);
    const escalation = sa.grantProjectRole("roles/iam.serviceAccountUser", REASON);
    expect(optOutsOf(escalation)).toEqual([{ id: "escalation-role", reason: REASON }]);
  });

  describe("validation", () => {
    it.each([["roles/owner"], ["roles/editor"], ["roles/viewer"]])(
      "rejects the primitive role %s",
      (role) => {
        const { sa } = build();
        expect(() => sa.grantProjectRole(role)).toThrow(
          `test-dev/bot: role = "${role}" is a primitive role that grants access to almost everything in the project`,
        );
      },
    );

    it("rejects a malformed role", () => {
      const { sa } = build();
      expect(() => sa.grantProjectRole("logging.logWriter")).toThrow(
        /role = "logging.logWriter" is not an IAM role/,
      );
    });

    it("rejects project-wide secret access without a reason and points to the secret", () => {
      const { sa } = build();
      expect(() => sa.grantProjectRole("roles/secretmanager.secretAccessor")).toThrow(
        /grants access to every such resource in the project.*\n.*secret\.grantAccess\(sa\)/,
      );
    });

    it("rejects an escalation role without a reason", () => {
      const { sa } = build();
      expect(() => sa.grantProjectRole("roles/iam.serviceAccountTokenCreator")).toThrow(
        /serviceAccountTokenCreator" lets the account act as other identities/,
      );
    });

    it("rejects a too short reason for an exception", () => {
      const { sa } = build();
      expect(() => sa.grantProjectRole("roles/artifactregistry.reader", "needed")).toThrow(
        /grantProjectRole.reason = "needed" is too short/,
      );
    });

    it("rejects an empty reason", () => {
      const { sa } = build();
      expect(() => sa.grantProjectRole("roles/cloudsql.client", " ")).toThrow(
        /reason = " " is empty/,
      );
    });

    it("rejects an account id shorter than 6 characters", () => {
      const stack = testStack({ prefix: "ab" });
      expect(() => new ServiceAccount(stack, "sa", { name: "x" })).toThrow(
        /name = "ab-x" is 4 characters long; a service-account name takes 6–30/,
      );
    });

    it("rejects an account id longer than 30 characters", () => {
      expect(() => build({ name: "trading-bot-runtime-sa" })).toThrow(
        /name = "test-dev-trading-bot-runtime-sa" is 31 characters long.*\n.*shorten the name/,
      );
    });

    it("rejects uppercase letters", () => {
      expect(() => build({ name: "TradingBot" })).toThrow(
        /name = "test-dev-TradingBot" is not a valid service-account name/,
      );
    });

    it("rejects a missing name", () => {
      expect(() => build({ name: undefined })).toThrow(/name = undefined is missing/);
    });

    it("rejects the same name twice", () => {
      const { stack } = build();
      expect(() => new ServiceAccount(stack, "other", { name: "bot" })).toThrow(
        /name = "test-dev-bot" is already used by another service-account in this stack \(test-dev\/bot\)/,
      );
    });

    it("rejects a display name over 100 characters", () => {
      expect(() => build({ displayName: "x".repeat(101) })).toThrow(
        /displayName = .* is not a string of at most 100 characters/,
      );
    });

    it("rejects a project number or name as projectId", () => {
      expect(() => build({ projectId: "Acme Trading" })).toThrow(
        /projectId = "Acme Trading" is not a GCP project ID/,
      );
    });
  });

  it("help example: service-account.md", () => {
    // The page's own code, run as written.
    const stack = helpExampleStack("service-account.md");
    const vm = stack.node.findChild("vm-sa") as ServiceAccount;
    const json = synthJson(stack);
    expect(findResource(json, "google_service_account")).toMatchObject({
      account_id: "trading-bot-prod-vm",
    });
    expect(vm.grants.map((g) => g.role)).toEqual([
      "roles/secretmanager.secretAccessor",
      "roles/artifactregistry.reader",
      "roles/cloudsql.client",
      "roles/logging.logWriter",
      "roles/monitoring.metricWriter",
    ]);
    expect(authoritativeIam(json)).toEqual([]);
  });
});

describe("project-wide roles that are supersets of what is refused", () => {
  it.each([
    [
      "roles/secretmanager.admin",
      /contains roles\/secretmanager\.secretAccessor.*secret\.grantAccess/s,
    ],
    [
      "roles/artifactregistry.repoAdmin",
      /contains roles\/artifactregistry\.writer.*registry\.grantWrite/s,
    ],
    ["roles/storage.objectViewer", /every such resource.*bucket\.grantRead/s],
    ["roles/storage.admin", /contains roles\/storage\.objectCreator/],
    ["roles/compute.instanceAdmin.v1", /act as other identities/],
    ["roles/iam.serviceAccountUser", /act as other identities/],
    ["roles/cloudbuild.builds.editor", /act as other identities/],
  ])("refuses %s without a reason", (role, message) => {
    const stack = testStack();
    const sa = new ServiceAccount(stack, "sa", { name: "runner" });
    expect(() => sa.grantProjectRole(role)).toThrow(message);
  });

  it("accepts one with a reason and records the opt-out the policy rules honour", () => {
    const stack = testStack();
    const sa = new ServiceAccount(stack, "sa", { name: "runner" });
    const grant = sa.grantProjectRole(
      "roles/compute.instanceAdmin.v1",
      "fleet updater restarts every VM of the project, ticket OPS-9",
    );
    expect(optOutsOf(grant)).toEqual([
      {
        id: "escalation-role",
        reason: "fleet updater restarts every VM of the project, ticket OPS-9",
      },
    ]);
  });
});
