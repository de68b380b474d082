import { helpExampleStack } from "../helpers/help";
import { ValidationError } from "../../constructs/core/errors";
import { optOutsOf } from "../../constructs/core/opt-out";
import { principal } from "../../constructs/gcp/iam";
import { Secret, type SecretProps } from "../../constructs/gcp/secrets";
import { ServiceAccount } from "../../constructs/gcp/service-account";
import {
  findResource,
  resourcesOf,
  synthJson,
  synthWithComments,
  testStack,
} from "../helpers/synth";

const TOPIC = "projects/acme-trading-prod/topics/secret-rotation";
const ROTATION = { period: 30, nextRotationTime: "2026-01-01T00:00:00Z" };

function build(props: Partial<SecretProps> = {}) {
  const stack = testStack();
  const secret = new Secret(stack, "secret", { name: "api-key", ...props });
  return { stack, secret };
}

/** Props given through an untyped object, as from a JSON file. */
function untyped(props: Record<string, unknown>): SecretProps {
  return props as unknown as SecretProps;
}

function errorOf(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (e) {
    return e as ValidationError;
  }
  throw new Error("expected a ValidationError");
}

describe("Secret", () => {
  it("creates a secret `${prefix}-${name}` with automatic replication, protected from deletion", () => {
    const { stack, secret } = build();
    const json = synthJson(stack);
    expect(findResource(json, "google_secret_manager_secret")).toEqual({
      secret_id: "test-dev-api-key",
      replication: { auto: {} },
      deletion_protection: true,
      lifecycle: { prevent_destroy: true },
      labels: { environment: "dev", "managed-by": "cdktf", system: "test" },
    });
    expect(secret.secretId).toBe("test-dev-api-key");
  });

  describe("allowDeletion", () => {
    const REASON = "review environment, destroyed when the merge request closes";

    it("turns off deletion_protection and prevent_destroy, recorded on the secret", () => {
      const { stack, secret } = build({ allowDeletion: { reason: REASON } });
      const config = findResource(synthJson(stack), "google_secret_manager_secret");
      expect(config.deletion_protection).toBe(false);
      expect(config.lifecycle).toBeUndefined();
      expect(optOutsOf(secret.secret)).toEqual([{ id: "deletion-allowed", reason: REASON }]);
      expect(
        findResource(synthWithComments(stack), "google_secret_manager_secret")["//"],
      ).toMatchObject({ opt_outs: [{ id: "deletion-allowed", reason: REASON }] });
    });

    it("keeps ignoring the service's rotation time updates", () => {
      const { stack } = build({
        allowDeletion: { reason: REASON },
        rotation: ROTATION,
        topics: [TOPIC],
      });
      expect(findResource(synthJson(stack), "google_secret_manager_secret").lifecycle).toEqual({
        ignore_changes: ["rotation[0].next_rotation_time"],
      });
    });

    it("needs a reason", () => {
      expect(() => build({ allowDeletion: { reason: "tmp" } })).toThrow(
        /allowDeletion\.reason = "tmp" is too short/,
      );
    });

    it.each(["deletionProtection", "preventDestroy"])(
      "refuses %s: false instead of ignoring it",
      (flag) => {
        expect(() => build(untyped({ name: "api-key", [flag]: false }))).toThrow(
          new RegExp(`${flag} = false is not a prop of Secret.*allowDeletion: \\{ reason \\}`, "s"),
        );
      },
    );
  });

  it("never writes a secret version (no value) into the JSON", () => {
    const { stack } = build();
    const json = synthJson(stack);
    expect(json.resource?.google_secret_manager_secret_version).toBeUndefined();
    expect(JSON.stringify(json)).not.toMatch(/secret_data/);
  });

  it("replicates to the listed regions only", () => {
    const { stack } = build({
      replication: { userManaged: { locations: ["us-central1", "us-east1"] } },
    });
    expect(findResource(synthJson(stack), "google_secret_manager_secret").replication).toEqual({
      user_managed: { replicas: [{ location: "us-central1" }, { location: "us-east1" }] },
    });
  });

  it("schedules rotation notifications to a topic and ignores the service's next-time updates", () => {
    const { stack } = build({ rotation: ROTATION, topics: [TOPIC] });
    expect(findResource(synthJson(stack), "google_secret_manager_secret")).toMatchObject({
      rotation: { rotation_period: "2592000s", next_rotation_time: "2026-01-01T00:00:00Z" },
      topics: [{ name: TOPIC }],
      lifecycle: { prevent_destroy: true, ignore_changes: ["rotation[0].next_rotation_time"] },
    });
  });

  it("takes the rotation period in seconds as well as in days", () => {
    const { stack } = build({
      rotation: { period: "3600s", nextRotationTime: "2026-01-01T00:00:00.5Z" },
      topics: [TOPIC],
    });
    expect(findResource(synthJson(stack), "google_secret_manager_secret")).toMatchObject({
      rotation: { rotation_period: "3600s" },
    });
  });

  it("grants secretAccessor on this secret only, once per grantee", () => {
    const stack = testStack();
    const sa = new ServiceAccount(stack, "bot", { name: "bot" });
    const secret = new Secret(stack, "secret", { name: "api-key", accessors: [sa] });
    const first = resourcesOf(synthJson(stack), "google_secret_manager_secret_iam_member");
    expect(secret.grantAccess(sa)).toBe(secret.grantAccess(sa));
    secret.grantAccess(principal(stack, "group:oncall@acme.example"));
    const json = synthJson(stack);
    const members = resourcesOf(json, "google_secret_manager_secret_iam_member");
    expect(first).toHaveLength(1);
    // Synthesized in address order: the group's member sorts first.
    expect(members.map((m) => m.config)).toEqual([
      expect.objectContaining({ member: "group:oncall@acme.example" }),
      {
        secret_id: expect.stringMatching(/^\$\{google_secret_manager_secret\.[^.]+\.id\}$/),
        role: "roles/secretmanager.secretAccessor",
        member: expect.stringMatching(
          /^serviceAccount:\$\{google_service_account\.[^.]+\.email\}$/,
        ),
      },
    ]);
    expect(json.resource?.google_project_iam_member).toBeUndefined();
    expect(json.resource?.google_secret_manager_secret_iam_policy).toBeUndefined();
    expect(json.resource?.google_secret_manager_secret_iam_binding).toBeUndefined();
    expect(sa.grants).toEqual([
      { role: "roles/secretmanager.secretAccessor", resource: "secret/test-dev-api-key" },
    ]);
  });

  describe("refuses secret values", () => {
    it.each([["value"], ["secretData"], ["data"], ["password"], ["apiKey"]])(
      "rejects a `%s` prop and says how to add the value out of band",
      (key) => {
        const error = errorOf(() => build(untyped({ name: "api-key", [key]: "hunter2-literal" })));
        expect(error).toBeInstanceOf(ValidationError);
        expect(error.message).toContain(
          `test-dev/secret: ${key} = "(redacted)" looks like a secret value; values never go into code, config or the synthesized JSON`,
        );
        expect(error.message).toContain(
          'printf %s "$VALUE" | gcloud secrets versions add test-dev-api-key --data-file=-',
        );
        expect(error.message).not.toContain("hunter2-literal");
        expect(error.value).toBe("(redacted)");
      },
    );

    it("rejects any other unknown prop", () => {
      expect(() => build(untyped({ name: "api-key", labels: { team: "bot" } }))).toThrow(
        /labels = "\(redacted\)" is not a Secret prop.*\n.*use only name, replication, rotation, topics, accessors, allowDeletion; a secret value is never a prop: add the value out of band/,
      );
    });

    it("rejects a value hidden in a nested object", () => {
      const error = errorOf(() =>
        build(untyped({ name: "api-key", rotation: { ...ROTATION, payload: "s3cr3t-literal" } })),
      );
      expect(error.message).toMatch(/rotation\.payload = "\(redacted\)" looks like a secret value/);
      expect(error.message).not.toContain("s3cr3t-literal");
    });
  });

  it("does not call an unrelated unknown prop a value", () => {
    expect(() => build(untyped({ name: "api-key", kmsKeyName: "projects/p/keys/k" }))).toThrow(
      /kmsKeyName = "\(redacted\)" is not a Secret prop/,
    );
  });

  describe("validation", () => {
    it("rejects a bad secret id", () => {
      expect(() => build({ name: "api.key" })).toThrow(
        /name = "test-dev-api.key" is not a valid secret name/,
      );
    });

    it("rejects a secret id over 255 characters", () => {
      expect(() => build({ name: "k".repeat(250) })).toThrow(/is 259 characters long/);
    });

    it("rejects a name used twice", () => {
      const { stack } = build();
      expect(() => new Secret(stack, "again", { name: "api-key" })).toThrow(
        /name = "test-dev-api-key" is already used by another secret in this stack \(test-dev\/secret\)/,
      );
    });

    it("rejects user-managed replication without locations", () => {
      expect(() => build({ replication: { userManaged: { locations: [] } } })).toThrow(
        /replication.userManaged.locations = \[\] is empty/,
      );
    });

    it("rejects an unknown location", () => {
      expect(() =>
        build({ replication: { userManaged: { locations: ["us-central1", "us-central"] } } }),
      ).toThrow(
        /replication.userManaged.locations\[1\] = "us-central" is not a known Google Cloud region/,
      );
    });

    it("rejects a location listed twice", () => {
      expect(() =>
        build({ replication: { userManaged: { locations: ["us-east1", "us-east1"] } } }),
      ).toThrow(/locations\[1\] = "us-east1" is listed twice/);
    });

    it("rejects replication that is neither or both", () => {
      expect(() => build(untyped({ name: "api-key", replication: { automatic: false } }))).toThrow(
        /replication = .* must be either automatic or user-managed/,
      );
    });

    it("rejects a rotation period below 3600s", () => {
      expect(() => build({ rotation: { ...ROTATION, period: "600s" }, topics: [TOPIC] })).toThrow(
        /rotation.period = "600s" is 600s; Secret Manager takes 3600s \(1 hour\) to 3153600000s/,
      );
    });

    it("rejects a malformed rotation period", () => {
      expect(() => build({ rotation: { ...ROTATION, period: "30d" }, topics: [TOPIC] })).toThrow(
        /rotation.period = "30d" is not a rotation period/,
      );
    });

    it("rejects rotation without a next rotation time", () => {
      expect(() =>
        build(untyped({ name: "api-key", rotation: { period: 30 }, topics: [TOPIC] })),
      ).toThrow(/rotation.nextRotationTime = undefined is not an RFC 3339 UTC timestamp/);
    });

    it("rejects rotation without a topic", () => {
      expect(() => build({ rotation: ROTATION })).toThrow(
        /topics = \[\] is empty, but rotation notifications are published only to the secret's topics/,
      );
    });

    it("rejects a malformed topic", () => {
      expect(() => build({ topics: ["secret-rotation"] })).toThrow(
        /topics\[0\] = "secret-rotation" is not a Pub\/Sub topic name/,
      );
    });

    it("rejects a public accessor", () => {
      const { secret } = build();
      expect(() => secret.grantAccess({ member: "allUsers" })).toThrow(
        /grantee = "allUsers" would let anyone read the secret/,
      );
    });

    it("rejects a malformed accessor", () => {
      expect(() => build({ accessors: [{ member: "bot@acme.example" }] })).toThrow(
        /accessors\[0\] = "bot@acme.example" is not a well-formed IAM principal/,
      );
    });
  });

  it("help example: secrets.md", () => {
    // The page's own code, run as written.
    const stack = helpExampleStack("secrets.md");
    const json = synthJson(stack);
    expect(
      resourcesOf(json, "google_secret_manager_secret").map((s) => s.config.secret_id),
    ).toEqual(["trading-bot-prod-exchange-api-key", "trading-bot-prod-telegram-token"]);
    expect(resourcesOf(json, "google_secret_manager_secret_iam_member")).toHaveLength(2);
    expect(json.resource?.google_secret_manager_secret_version).toBeUndefined();
  });
});
