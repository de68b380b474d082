import { helpExampleStack } from "../helpers/help";
import { optOutsOf } from "../../constructs/core/opt-out";
import {
  ArtifactRegistry,
  type ArtifactRegistryProps,
  type ImagePin,
} from "../../constructs/gcp/artifact-registry";
import { principal } from "../../constructs/gcp/iam";
import { ServiceAccount } from "../../constructs/gcp/service-account";
import {
  findResource,
  resourcesOf,
  synthJson,
  synthWithComments,
  testStack,
} from "../helpers/synth";

const REASON = "public mirror of our open-source SDK images, approved in SEC-42";
const SHA = "3f2c1ab9d0e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8";
const DIGEST = `sha256:${"ab12".repeat(16)}`;
const base: ArtifactRegistryProps = { name: "repo", region: "us-central1" };

function build(props: Partial<ArtifactRegistryProps> = {}) {
  const stack = testStack();
  const registry = new ArtifactRegistry(stack, "registry", { ...base, ...props });
  return { stack, registry };
}

describe("ArtifactRegistry", () => {
  it("creates a private Docker repository with immutable tags and cleanup policies", () => {
    const { stack, registry } = build();
    expect(findResource(synthJson(stack), "google_artifact_registry_repository")).toEqual({
      repository_id: "test-dev-repo",
      location: "us-central1",
      format: "DOCKER",
      description: "Container images of test",
      docker_config: { immutable_tags: true },
      cleanup_policy_dry_run: false,
      cleanup_policies: [
        { id: "keep-most-recent", action: "KEEP", most_recent_versions: { keep_count: 10 } },
        {
          id: "delete-untagged",
          action: "DELETE",
          condition: { tag_state: "UNTAGGED", older_than: "604800s" },
        },
      ],
      lifecycle: { prevent_destroy: true },
      labels: { environment: "dev", "managed-by": "cdktf", system: "test" },
    });
    expect(registry.repositoryId).toBe("test-dev-repo");
    expect(registry.immutableTags).toBe(true);
  });

  it("accepts an existing repository name (trading-bot-repo)", () => {
    const { stack } = build({ name: "trading-bot-repo" });
    expect(findResource(synthJson(stack), "google_artifact_registry_repository")).toMatchObject({
      repository_id: "test-dev-trading-bot-repo",
    });
  });

  it("takes cleanup settings, dry run and mutable tags", () => {
    const { stack, registry } = build({
      immutableTags: false,
      cleanup: { keepMostRecent: 3, deleteUntaggedAfterDays: 1 },
      cleanupDryRun: true,
    });
    expect(findResource(synthJson(stack), "google_artifact_registry_repository")).toMatchObject({
      docker_config: { immutable_tags: false },
      cleanup_policy_dry_run: true,
      cleanup_policies: [
        { most_recent_versions: { keep_count: 3 } },
        { condition: { older_than: "86400s" } },
      ],
    });
    expect(registry.immutableTags).toBe(false);
  });

  it("serves other formats without docker settings", () => {
    const { stack, registry } = build({ format: "PYTHON" });
    const repo = findResource(synthJson(stack), "google_artifact_registry_repository");
    expect(repo).toMatchObject({ format: "PYTHON", description: "PYTHON packages of test" });
    expect(repo.docker_config).toBeUndefined();
    expect(registry.host).toBe("us-central1-python.pkg.dev");
  });

  it("builds the url from projectId, or from the repository's project reference", () => {
    expect(build({ projectId: "acme-trading-prod" }).registry.url).toBe(
      "us-central1-docker.pkg.dev/acme-trading-prod/test-dev-repo",
    );
    const { registry } = build();
    expect(registry.url).toMatch(
      /^us-central1-docker\.pkg\.dev\/\$\{TfToken\[TOKEN\.\d+\]\}\/test-dev-repo$/,
    );
  });

  it("returns images pinned to a commit SHA or a digest", () => {
    const { registry } = build({ projectId: "acme-trading-prod" });
    expect(registry.image("core-engine", { tag: SHA.slice(0, 7) })).toEqual({
      uri: "us-central1-docker.pkg.dev/acme-trading-prod/test-dev-repo/core-engine:3f2c1ab",
      name: "core-engine",
      host: "us-central1-docker.pkg.dev",
      version: "3f2c1ab",
    });
    expect(registry.image("bots/strategy-worker", { digest: DIGEST }).uri).toBe(
      `us-central1-docker.pkg.dev/acme-trading-prod/test-dev-repo/bots/strategy-worker@${DIGEST}`,
    );
    expect(registry.image("core-engine", { tag: SHA }).version).toBe(SHA);
  });

  it("grants read and write on this repository, additively and once per grantee", () => {
    const stack = testStack();
    const sa = new ServiceAccount(stack, "bot", { name: "bot" });
    const ci = new ServiceAccount(stack, "ci", { name: "builder" });
    const registry = new ArtifactRegistry(stack, "registry", { ...base, readers: [sa] });
    expect(registry.grantRead(sa)).toBe(registry.grantRead(sa));
    registry.grantWrite(ci);
    const json = synthJson(stack);
    const members = resourcesOf(json, "google_artifact_registry_repository_iam_member");
    expect(members.map((m) => m.config.role).sort()).toEqual([
      "roles/artifactregistry.reader",
      "roles/artifactregistry.writer",
    ]);
    expect(
      findResource(json, "google_artifact_registry_repository_iam_member", {
        role: "roles/artifactregistry.reader",
      }),
    ).toEqual({
      project: expect.stringMatching(/^\$\{google_artifact_registry_repository\.[^.]+\.project\}$/),
      location: expect.stringMatching(
        /^\$\{google_artifact_registry_repository\.[^.]+\.location\}$/,
      ),
      repository: expect.stringMatching(/^\$\{google_artifact_registry_repository\.[^.]+\.name\}$/),
      role: "roles/artifactregistry.reader",
      member: expect.stringMatching(
        /^serviceAccount:\$\{google_service_account\.bot_[^.]+\.email\}$/,
      ),
    });
    expect(
      Object.keys(json.resource ?? {}).filter((t) => /_iam_(policy|binding)$/.test(t)),
    ).toEqual([]);
    expect(sa.grants).toEqual([
      { role: "roles/artifactregistry.reader", resource: "repository/test-dev-repo" },
    ]);
    expect(ci.grants).toEqual([
      { role: "roles/artifactregistry.writer", resource: "repository/test-dev-repo" },
    ]);
  });

  it("grants public read only with a named opt-out, recorded on the IAM member", () => {
    const { stack, registry } = build();
    const allowPublic = { reason: REASON };
    const member = registry.grantRead(principal(stack, "allUsers", allowPublic), allowPublic);
    expect(optOutsOf(member)).toEqual([{ id: "public-repository", reason: REASON }]);
    expect(
      findResource(synthJson(stack), "google_artifact_registry_repository_iam_member"),
    ).toMatchObject({ member: "allUsers", role: "roles/artifactregistry.reader" });
  });

  describe("allowDeletion", () => {
    const allowDeletion = { reason: "review environment, destroyed when the merge request closes" };

    it("drops prevent_destroy and records the opt-out on the repository", () => {
      const { stack, registry } = build({ allowDeletion });
      const config = findResource(synthJson(stack), "google_artifact_registry_repository");
      expect(config.lifecycle).toBeUndefined();
      expect(optOutsOf(registry.repository)).toEqual([
        { id: "deletion-allowed", reason: allowDeletion.reason },
      ]);
      expect(
        findResource(synthWithComments(stack), "google_artifact_registry_repository")["//"],
      ).toMatchObject({ opt_outs: [{ id: "deletion-allowed", reason: allowDeletion.reason }] });
    });

    it("keeps prevent_destroy and records nothing by default", () => {
      const { stack, registry } = build();
      expect(
        findResource(synthJson(stack), "google_artifact_registry_repository").lifecycle,
      ).toEqual({ prevent_destroy: true });
      expect(optOutsOf(registry.repository)).toEqual([]);
    });

    it("needs a reason", () => {
      expect(() => build({ allowDeletion: { reason: "" } })).toThrow(
        /allowDeletion\.reason = "" is too short/,
      );
    });

    it("refuses preventDestroy: false from untyped callers instead of ignoring it", () => {
      expect(() => build({ preventDestroy: false } as Partial<ArtifactRegistryProps>)).toThrow(
        /preventDestroy = false is not a prop of ArtifactRegistry.*allowDeletion/s,
      );
    });
  });

  describe("validation", () => {
    it("rejects a bad name", () => {
      expect(() => build({ name: "Trading_Repo" })).toThrow(
        /name = "Trading_Repo" is not a valid repository name/,
      );
    });

    it("rejects a name used twice", () => {
      const { stack } = build();
      expect(() => new ArtifactRegistry(stack, "again", base)).toThrow(
        /name = "test-dev-repo" is already used by another repository/,
      );
    });

    it("rejects an unknown region", () => {
      expect(() => build({ region: "us-central" })).toThrow(
        /region = "us-central" is not a known Google Cloud region/,
      );
    });

    it("rejects an unsupported format", () => {
      expect(() => build({ format: "HELM" as never })).toThrow(
        /format = "HELM" is not a supported format/,
      );
    });

    it("rejects immutableTags on a non-Docker repository", () => {
      expect(() => build({ format: "NPM", immutableTags: true })).toThrow(
        /immutableTags = true applies to DOCKER repositories only, not NPM/,
      );
    });

    it.each([[0], [-1], [2.5]])("rejects keepMostRecent %p", (keep) => {
      expect(() => build({ cleanup: { keepMostRecent: keep } })).toThrow(
        `cleanup.keepMostRecent = ${keep} is not a whole number of at least 1`,
      );
    });

    it("rejects deleteUntaggedAfterDays below 1", () => {
      expect(() => build({ cleanup: { deleteUntaggedAfterDays: 0 } })).toThrow(
        /cleanup.deleteUntaggedAfterDays = 0 is not a whole number of at least 1/,
      );
    });

    it("rejects a malformed projectId", () => {
      expect(() => build({ projectId: "123456789012" })).toThrow(
        /projectId = "123456789012" is not a GCP project ID/,
      );
    });

    it("rejects `latest` and explains why", () => {
      const { registry } = build();
      expect(() => registry.image("core-engine", { tag: "latest" })).toThrow(
        /image\(core-engine\).tag = "latest" is mutable: it moves with every push.*\n.*commit SHA/,
      );
    });

    it.each([["v1.2.3"], ["stable"], ["3F2C1AB"], ["3f2c1a"], [SHA + "0"]])(
      "rejects the tag %p as not a commit SHA",
      (tag) => {
        const { registry } = build();
        expect(() => registry.image("core-engine", { tag })).toThrow(
          /tag = .* does not look like a commit SHA/,
        );
      },
    );

    it("rejects a tag pin when tags are mutable", () => {
      const { registry } = build({ immutableTags: false });
      expect(() => registry.image("core-engine", { tag: SHA })).toThrow(
        /can be moved to another image in this repository \(immutableTags is false\).*\n.*pin by digest/,
      );
    });

    it.each([["sha256:abc"], [`sha512:${"a".repeat(64)}`], [`sha256:${"A".repeat(64)}`]])(
      "rejects the digest %p",
      (digest) => {
        const { registry } = build();
        expect(() => registry.image("core-engine", { digest })).toThrow(
          /image\(core-engine\).digest = .* is not an image digest/,
        );
      },
    );

    it("rejects an image with no pin or with both", () => {
      const { registry } = build();
      expect(() => registry.image("core-engine", {} as ImagePin)).toThrow(
        /must pin the image by exactly one of tag or digest/,
      );
      expect(() =>
        registry.image("core-engine", { tag: SHA, digest: DIGEST } as unknown as ImagePin),
      ).toThrow(/must pin the image by exactly one of tag or digest/);
    });

    it("rejects a bad image name", () => {
      const { registry } = build();
      expect(() => registry.image("Core Engine", { tag: SHA })).toThrow(
        /image.name = "Core Engine" is not a Docker image name/,
      );
    });

    it("rejects public read without an opt-out", () => {
      const { registry } = build();
      expect(() => registry.grantRead({ member: "allAuthenticatedUsers" })).toThrow(
        /grantee = "allAuthenticatedUsers" makes the resource public/,
      );
    });

    it("rejects public write: there is no opt-out for it", () => {
      const { registry } = build();
      expect(() => registry.grantWrite({ member: "allUsers" })).toThrow(
        /grantee = "allUsers" would let anyone push images/,
      );
    });
  });

  it("help example: artifact-registry.md", () => {
    // The page's own code, run as written.
    const stack = helpExampleStack("artifact-registry.md");
    const json = synthJson(stack);
    expect(json.output?.["core-engine-image"]?.value).toBe(
      "us-central1-docker.pkg.dev/acme-trading-prod/trading-bot-prod-repo/core-engine:3f2c1ab",
    );
    expect(findResource(json, "google_artifact_registry_repository")).toMatchObject({
      repository_id: "trading-bot-prod-repo",
      docker_config: { immutable_tags: true },
    });
    expect(resourcesOf(json, "google_artifact_registry_repository_iam_member")).toHaveLength(2);
  });
});
