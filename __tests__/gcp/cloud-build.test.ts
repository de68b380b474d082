import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { ValidationError } from "../../constructs/core/errors";
import { TEMPLATES_DIR } from "../../constructs/core/templates";
import { optOutsOf } from "../../constructs/core/opt-out";
import { ArtifactRegistry } from "../../constructs/gcp/artifact-registry";
import { Bucket } from "../../constructs/gcp/bucket";
import {
  CloudBuildPipeline,
  loadBuildConfig,
  type CloudBuildPipelineProps,
} from "../../constructs/gcp/cloud-build";
import { Network } from "../../constructs/gcp/network";
import { Vm } from "../../constructs/gcp/vm";
import { findResource, resourcesOf, synthJson, testStack } from "../helpers/synth";

const SHA = "3f9c2ab";
const PROJECT = "example-project";
const VM_EMAIL = `vm@${PROJECT}.iam.gserviceaccount.com`;
const BUILD_SA = /^\$\{google_service_account\.pipeline_build-account_[A-Z0-9]+\.id\}$/;

interface SetupOptions {
  readonly vmServices?: readonly string[];
  readonly format?: "DOCKER" | "NPM";
  readonly foreignImage?: boolean;
  readonly vmWithoutRecord?: boolean;
}

function setup(overrides: Partial<CloudBuildPipelineProps> = {}, options: SetupOptions = {}) {
  const stack = testStack();
  const network = new Network(stack, "network", {
    subnets: [{ region: "us-central1", cidr: "10.10.0.0/20" }],
  });
  const registry = new ArtifactRegistry(stack, "registry", {
    name: "repo",
    region: "us-central1",
    projectId: PROJECT,
  });
  const releaseRecord = new Bucket(stack, "releases", {
    name: "releases",
    location: "us-central1",
  });
  const vm = new Vm(stack, "vm", {
    name: "bot",
    zone: "us-central1-a",
    network,
    machineType: "e2-standard-4",
    serviceAccount: { email: VM_EMAIL, member: `serviceAccount:${VM_EMAIL}` },
    services: (options.vmServices ?? ["core-engine", "strategy-worker"]).map((name) => ({
      name,
      image: options.foreignImage
        ? `europe-docker.pkg.dev/other/mirror/${name}:${SHA}`
        : registry.image(name, { tag: SHA }),
    })),
    releaseRecord: options.vmWithoutRecord ? undefined : releaseRecord,
  });
  const npm = options.format
    ? new ArtifactRegistry(stack, "npm", { name: "npm", region: "us-central1", format: "NPM" })
    : undefined;
  const pipeline = new CloudBuildPipeline(stack, "pipeline", {
    github: { owner: "acme", repository: "trading-bot" },
    services: ["core-engine"],
    registry: npm ?? registry,
    releaseRecord,
    vms: [vm],
    ...overrides,
  });
  return { stack, registry, vm, releaseRecord, pipeline };
}

function triggerOf(stack: ReturnType<typeof setup>["stack"], service = "core-engine") {
  return findResource(synthJson(stack), "google_cloudbuild_trigger", {
    name: `test-dev-release-${service}`,
  });
}

interface Step {
  id: string;
  name: string;
  args: string[];
  entrypoint?: string;
}

/** A Cloud Build config file of its own for one test (the loader caches by path). */
let files = 0;
function configFile(text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cloudbuild-test-"));
  const file = path.join(dir, `cloudbuild-${++files}.yaml`);
  fs.writeFileSync(file, text);
  return file;
}

const SHIPPED = fs.readFileSync(path.join(TEMPLATES_DIR, "cloudbuild.yaml"), "utf8");

describe("templates/cloudbuild.yaml", () => {
  const config = parse(SHIPPED) as {
    steps: Step[];
    images: string[];
    options: Record<string, string>;
  };

  it("is valid YAML with the steps test, build, push, release in order", () => {
    expect(config.steps.map((s) => s.id)).toEqual(["test", "build", "push", "release"]);
    expect(config.steps[0].args).toEqual(["build", "--target", "test", "./app/${_SERVICE_NAME}"]);
    expect(config.options).toEqual({ logging: "CLOUD_LOGGING_ONLY" });
  });

  it("releases by writing the commit SHA to the record, values as arguments and not as script", () => {
    const release = config.steps[3];
    expect(release.entrypoint).toBe("bash");
    expect(release.args).toEqual([
      "-c",
      `printf '%s' "$$1" | gcloud storage cp --content-type=text/plain - "gs://$$2/$$3"`,
      "release",
      "$COMMIT_SHA",
      "${_RELEASE_BUCKET}",
      "${_SERVICE_NAME}",
    ]);
    // No substitution inside the script text itself, so none can become shell code; no SSH.
    expect(release.args[1].replace(/\$\$/g, "")).not.toContain("$");
    expect(SHIPPED).not.toMatch(/compute ssh|deploy\.sh|tunnel-through-iap/);
  });

  it("writes exactly the SHA to gs://<bucket>/<service> when bash runs the step", () => {
    // Cloud Build turns $$ into $ and fills in the substitutions; a stub gcloud records its call.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "release-step-"));
    fs.writeFileSync(
      path.join(dir, "gcloud"),
      `#!/bin/bash\nprintf '%s\\n' "$*" >"${dir}/args"\ncat >"${dir}/stdin"\n`,
      { mode: 0o755 },
    );
    const [, script, ...rest] = config.steps[3].args;
    const values: Record<string, string> = {
      $COMMIT_SHA: "0123abc",
      "${_RELEASE_BUCKET}": "test-dev-releases",
      "${_SERVICE_NAME}": "core-engine",
    };
    const run = spawnSync(
      "bash",
      ["-c", script.replace(/\$\$/g, "$"), ...rest.map((a) => values[a] ?? a)],
      {
        env: { PATH: `${dir}:/usr/bin:/bin` },
        encoding: "utf8",
      },
    );
    expect(run.status).toBe(0);
    expect(fs.readFileSync(path.join(dir, "args"), "utf8")).toBe(
      "storage cp --content-type=text/plain - gs://test-dev-releases/core-engine\n",
    );
    expect(fs.readFileSync(path.join(dir, "stdin"), "utf8")).toBe("0123abc");
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("tags, pushes and lists the same commit-SHA image", () => {
    const image =
      "${_LOCATION}-docker.pkg.dev/${PROJECT_ID}/${_REPO_NAME}/${_SERVICE_NAME}:$COMMIT_SHA";
    expect(config.steps[1].args).toEqual(["build", "--tag", image, "./app/${_SERVICE_NAME}"]);
    expect(config.steps[2].args).toEqual(["push", image]);
    expect(config.images).toEqual([image]);
  });

  it("is read once and cached", () => {
    expect(loadBuildConfig("test", "cloudbuild.yaml")).toBe(
      loadBuildConfig("test", "cloudbuild.yaml"),
    );
    expect(loadBuildConfig("test", "cloudbuild.yaml").file).toBe("templates/cloudbuild.yaml");
  });
});

describe("CloudBuildPipeline", () => {
  it("creates a GitHub push trigger on ^main$ for the service's directory", () => {
    const { stack, pipeline } = setup();
    const trigger = triggerOf(stack);
    expect(trigger).toMatchObject({
      location: "us-central1",
      github: { owner: "acme", name: "trading-bot", push: { branch: "^main$" } },
      included_files: ["app/core-engine/**"],
      substitutions: {
        _LOCATION: "us-central1",
        _REPO_NAME: "test-dev-repo",
        _SERVICE_NAME: "core-engine",
        _RELEASE_BUCKET: expect.stringMatching(
          /^\$\{google_storage_bucket\.releases_bucket_\w+\.name\}$/,
        ),
      },
      approval_config: { approval_required: true },
    });
    expect(trigger.service_account).toMatch(BUILD_SA);
    expect(trigger.repository_event_config).toBeUndefined();
    expect(pipeline.branchPattern).toBe("^main$");
    expect(Object.keys(pipeline.triggers)).toEqual(["core-engine"]);
  });

  it("writes the whole pipeline inline, escaped for Terraform", () => {
    const { stack } = setup();
    const build = triggerOf(stack).build as {
      step: Step[];
      images: string[];
      options: Record<string, string>;
      timeout: string;
    };
    expect(build.step.map((s) => s.id)).toEqual(["test", "build", "push", "release"]);
    expect(build.step[0]).toEqual({
      id: "test",
      name: "gcr.io/cloud-builders/docker",
      args: ["build", "--target", "test", "./app/$${_SERVICE_NAME}"],
    });
    const image =
      "$${_LOCATION}-docker.pkg.dev/$${PROJECT_ID}/$${_REPO_NAME}/$${_SERVICE_NAME}:$COMMIT_SHA";
    expect(build.step[1].args).toEqual(["build", "--tag", image, "./app/$${_SERVICE_NAME}"]);
    expect(build.step[2].args).toEqual(["push", image]);
    expect(build.step[3]).toMatchObject({
      name: "gcr.io/google.com/cloudsdktool/google-cloud-cli",
      entrypoint: "bash",
    });
    expect(build.step[3].args.slice(2)).toEqual([
      "release",
      "$COMMIT_SHA",
      "$${_RELEASE_BUCKET}",
      "$${_SERVICE_NAME}",
    ]);
    expect(build.images).toEqual([image]);
    expect(build.options).toEqual({ logging: "CLOUD_LOGGING_ONLY" });
    expect(build.timeout).toBe("1200s");
    // No unescaped Cloud Build substitution is left for Terraform to interpolate.
    expect(JSON.stringify(build)).not.toMatch(/(^|[^$])\$\{_/);
  });

  it("creates one trigger per service", () => {
    const { stack, pipeline } = setup({ services: ["core-engine", "strategy-worker"] });
    const triggers = resourcesOf(synthJson(stack), "google_cloudbuild_trigger");
    expect(triggers.map((t) => [t.config.name, t.config.included_files])).toEqual([
      ["test-dev-release-core-engine", ["app/core-engine/**"]],
      ["test-dev-release-strategy-worker", ["app/strategy-worker/**"]],
    ]);
    expect(triggerOf(stack, "strategy-worker").substitutions).toMatchObject({
      _SERVICE_NAME: "strategy-worker",
    });
    expect(Object.keys(pipeline.triggers)).toEqual(["core-engine", "strategy-worker"]);
  });

  it("matches another branch exactly, dots escaped", () => {
    const { stack } = setup({ branch: "release/1.2" });
    expect(triggerOf(stack).github).toMatchObject({ push: { branch: "^release/1\\.2$" } });
  });

  it("takes the location and a pipeline name", () => {
    const { stack, pipeline } = setup({ location: "global", name: "ship" });
    const trigger = findResource(synthJson(stack), "google_cloudbuild_trigger");
    expect(trigger).toMatchObject({ name: "test-dev-ship-core-engine", location: "global" });
    expect(pipeline.serviceAccount.accountId).toBe("test-dev-ship-build");
  });

  it("uses a 2nd-gen connection when one is given", () => {
    const { stack } = setup({
      github: { owner: "acme", repository: "trading-bot", connection: "github-acme" },
    });
    const trigger = triggerOf(stack);
    expect(trigger.github).toBeUndefined();
    expect(trigger.repository_event_config).toEqual({
      repository: expect.stringMatching(
        /^projects\/\$\{.*\.project\}\/locations\/us-central1\/connections\/github-acme\/repositories\/trading-bot$/,
      ),
      push: { branch: "^main$" },
    });
  });

  it("runs as its own build account that can push, write the record and log, nothing else", () => {
    const { stack, pipeline } = setup();
    expect(pipeline.serviceAccount.accountId).toBe("test-dev-build");
    const json = synthJson(stack);
    const member = expect.stringMatching(
      /^serviceAccount:\$\{google_service_account\.pipeline_build-account/,
    );
    const buildGrants = Object.entries(json.resource ?? {})
      .filter(([type]) => /_iam_(member|binding|policy)$/.test(type))
      .flatMap(([type, byName]) =>
        Object.values(byName)
          .filter((g) => member.asymmetricMatch(g.member))
          .map((g) => ({ type, role: g.role })),
      );
    expect(buildGrants).toEqual(
      expect.arrayContaining([
        {
          type: "google_artifact_registry_repository_iam_member",
          role: "roles/artifactregistry.writer",
        },
        { type: "google_project_iam_member", role: "roles/logging.logWriter" },
        { type: "google_storage_bucket_iam_member", role: "roles/storage.objectUser" },
      ]),
    );
    expect(buildGrants).toHaveLength(3);
    expect(
      findResource(json, "google_storage_bucket_iam_member", { role: "roles/storage.objectUser" }),
    ).toMatchObject({
      bucket: expect.stringMatching(/^\$\{google_storage_bucket\.releases_bucket_\w+\.name\}$/),
      member,
    });
    expect(
      findResource(json, "google_artifact_registry_repository_iam_member", {
        role: "roles/artifactregistry.writer",
      }),
    ).toMatchObject({
      repository: expect.stringContaining(
        "google_artifact_registry_repository.registry_repository",
      ),
      member,
    });
  });

  it("cannot log in to the VM: no IAP tunnel, OS Login, act-as or project-reader grants", () => {
    const { stack } = setup();
    const json = synthJson(stack);
    for (const type of [
      "google_iap_tunnel_instance_iam_member",
      "google_compute_instance_iam_member",
      "google_service_account_iam_member",
      "google_project_iam_custom_role",
    ]) {
      expect(resourcesOf(json, type)).toEqual([]);
    }
    const text = JSON.stringify(json);
    expect(text).not.toMatch(/osAdminLogin|osLogin|iap\.tunnelResourceAccessor|serviceAccountUser/);
  });

  it("grants nothing broad: no IAM policies or bindings, no primitive or default accounts", () => {
    const { stack } = setup();
    const json = synthJson(stack);
    const types = Object.keys(json.resource ?? {});
    expect(types.filter((t) => /_iam_(policy|binding)$/.test(t))).toEqual([]);
    const text = JSON.stringify(json);
    expect(text).not.toMatch(/roles\/(editor|owner|viewer)"/);
    expect(text).not.toMatch(/cloudbuild\.gserviceaccount\.com|-compute@developer/);
    const projectRoles = resourcesOf(json, "google_project_iam_member").map((r) => r.config.role);
    expect(projectRoles).not.toContain("roles/storage.objectUser");
  });

  it("creates the triggers after the grants", () => {
    const { stack } = setup();
    const dependsOn = triggerOf(stack).depends_on as string[];
    expect(dependsOn).toEqual([
      expect.stringMatching(/^google_artifact_registry_repository_iam_member\./),
      expect.stringMatching(/^google_project_iam_member\./),
      expect.stringMatching(/^google_storage_bucket_iam_member\./),
    ]);
  });

  it("waits for an approval by default and records nothing", () => {
    const { pipeline } = setup();
    expect(pipeline.approvalRequired).toBe(true);
    expect(optOutsOf(pipeline.triggers["core-engine"])).toEqual([]);
  });

  it("builds without approval only through the named opt-out, recorded on every trigger", () => {
    const reason = "dev environment: pushes release to the dev VM at once, ticket OPS-12";
    const { stack, pipeline } = setup({
      services: ["core-engine", "strategy-worker"],
      allowWithoutApproval: { reason },
    });
    expect(triggerOf(stack).approval_config).toEqual({ approval_required: false });
    for (const trigger of Object.values(pipeline.triggers)) {
      expect(optOutsOf(trigger)).toEqual([{ id: "build-without-approval", reason }]);
    }
    expect(() => setup({ allowWithoutApproval: { reason: "fast" } })).toThrow(
      /allowWithoutApproval\.reason = "fast" is too short/,
    );
  });

  it("inlines another config file with its own substitutions", () => {
    const file = configFile(
      [
        "steps:",
        "  - id: hello",
        "    name: ubuntu",
        "    args: ['echo', '${_SERVICE_NAME} ${_LOCATION} ${_REPO_NAME} ${_RELEASE_BUCKET} $_GREETING %{x} $$HOME']",
        "substitutions:",
        "  _GREETING: hi",
        "options:",
        "  logging: CLOUD_LOGGING_ONLY",
        "  machineType: E2_HIGHCPU_8",
      ].join("\n"),
    );
    const { stack, pipeline } = setup({ buildConfig: file });
    const build = triggerOf(stack).build as Record<string, unknown>;
    expect(build).toEqual({
      step: [
        {
          id: "hello",
          name: "ubuntu",
          args: [
            "echo",
            "$${_SERVICE_NAME} $${_LOCATION} $${_REPO_NAME} $${_RELEASE_BUCKET} $_GREETING %%{x} $$HOME",
          ],
        },
      ],
      options: { logging: "CLOUD_LOGGING_ONLY", machine_type: "E2_HIGHCPU_8" },
      substitutions: { _GREETING: "hi" },
    });
    expect(pipeline.buildConfig.file).toBe(file);
  });

  describe("refuses", () => {
    it.each([
      ["-acme", /github\.owner = "-acme" is not a GitHub user or organization name/],
      ["acme/trading-bot", /github\.owner = "acme\/trading-bot" is not a GitHub user/],
      ["a".repeat(40), /github\.owner = "a{40}" is not a GitHub user/],
    ])("the GitHub owner %s", (owner, message) => {
      expect(() => setup({ github: { owner, repository: "trading-bot" } })).toThrow(message);
    });

    it.each([
      [
        "trading-bot.git",
        /github\.repository = "trading-bot\.git" is not a GitHub repository name.*\n.*no owner, URL or \.git/,
      ],
      [
        "acme/trading-bot",
        /github\.repository = "acme\/trading-bot" is not a GitHub repository name/,
      ],
      ["", /github\.repository = "" is not a GitHub repository name/],
    ])("the repository %s", (repository, message) => {
      expect(() => setup({ github: { owner: "acme", repository } })).toThrow(message);
    });

    it("a missing github", () => {
      expect(() => setup({ github: undefined })).toThrow(/github = undefined is missing/);
    });

    it("a bad connection name", () => {
      expect(() =>
        setup({ github: { owner: "acme", repository: "bot", connection: "GitHub Acme" } }),
      ).toThrow(/github\.connection = "GitHub Acme" is not a Cloud Build connection name/);
    });

    it("a 2nd-gen connection in the global location", () => {
      expect(() =>
        setup({
          location: "global",
          github: { owner: "acme", repository: "bot", connection: "github-acme" },
        }),
      ).toThrow(/location = "global" cannot hold 2nd-gen connections/);
    });

    it.each(["main.*", "^main$", "refs/heads/main", "feature..x", "-main", "main/", "a b", ""])(
      "the branch %p",
      (branch) => {
        expect(() => setup({ branch })).toThrow(
          /branch = .* is not a plain branch name\.\n.*matched exactly/,
        );
      },
    );

    it("an empty services list", () => {
      expect(() => setup({ services: [] })).toThrow(
        /services = \[\] must list at least one service\.\n.*'core-engine', 'strategy-worker'/,
      );
    });

    it("a service the VMs do not run", () => {
      expect(() => setup({ services: ["core-engine", "risk-engine"] })).toThrow(
        /services\[1\] = "risk-engine" is not a service of the VMs.*\n.*use one of core-engine, strategy-worker/,
      );
    });

    it("no VMs", () => {
      expect(() => setup({ vms: [] })).toThrow(/vms = \[\] must list at least one Vm/);
    });

    it("a VM that does not follow the release record", () => {
      expect(() => setup({}, { vmWithoutRecord: true })).toThrow(
        /vms\[0\] = "test-dev-bot" does not follow this release record, so a release would never reach it\.\n.*releaseRecord/,
      );
    });

    it("a missing release record", () => {
      expect(() => setup({ releaseRecord: undefined })).toThrow(/releaseRecord/);
    });

    it("a service listed twice", () => {
      expect(() => setup({ services: ["core-engine", "core-engine"] })).toThrow(
        /services\[1\] = "core-engine" is listed twice/,
      );
    });

    it("a service whose VM image is not in the registry", () => {
      expect(() => setup({}, { foreignImage: true })).toThrow(
        /services\[0\] = "core-engine" runs the image europe-docker\.pkg\.dev\/other\/mirror\/core-engine:3f9c2ab on test-dev-bot, but the pipeline pushes us-central1-docker\.pkg\.dev\/<project>\/test-dev-repo\/core-engine/,
      );
    });

    it("a registry that is not a Docker repository", () => {
      expect(() => setup({}, { format: "NPM" })).toThrow(
        /registry = "test-dev-npm" is a NPM repository/,
      );
    });

    it("an unknown location", () => {
      expect(() => setup({ location: "us-central" })).toThrow(
        /location = "us-central" is not a known Google Cloud region/,
      );
    });

    it("a bad pipeline name", () => {
      expect(() => setup({ name: "Release" })).toThrow(
        /name = "Release" is not a valid pipeline name/,
      );
    });

    it("a build account ID over 30 characters", () => {
      expect(() => setup({ name: "continuous-delivery" })).toThrow(
        /name = "continuous-delivery" makes the build account ID "test-dev-continuous-delivery-build" longer than 30/,
      );
    });

    it("a trigger name over 64 characters", () => {
      const long = `svc-${"a".repeat(46)}`;
      expect(() => setup({ services: [long] }, { vmServices: [long] })).toThrow(
        new RegExp(
          `services\\[0\\] = "test-dev-release-${long}" is 67 characters long; a trigger name takes 1–64`,
        ),
      );
    });

    it("two pipelines with the same name in one stack", () => {
      const { stack, registry, vm, releaseRecord } = setup();
      expect(
        () =>
          new CloudBuildPipeline(stack, "again", {
            github: { owner: "acme", repository: "trading-bot" },
            services: ["core-engine"],
            registry,
            releaseRecord,
            vms: [vm],
          }),
      ).toThrow(
        /name = "test-dev-release-core-engine" is already used by another trigger in this stack \(test-dev\/pipeline\)/,
      );
    });

    it("a build config that does not exist", () => {
      const file = path.join(os.tmpdir(), "no-such-dir", "cloudbuild.yaml");
      expect(() => setup({ buildConfig: file })).toThrow(
        new RegExp(`buildConfig = "${file}" does not exist`),
      );
      expect(() => setup({ buildConfig: "missing.yaml" })).toThrow(
        /buildConfig = "templates\/missing\.yaml" does not exist/,
      );
      expect(() => setup({ buildConfig: "sub/cloudbuild.yaml" })).toThrow(
        /buildConfig = "sub\/cloudbuild\.yaml" is not a file name of templates\/ or an absolute path/,
      );
    });

    it.each([
      ["steps: [unclosed", /is not valid YAML/],
      ["- just\n- a list", /is not a YAML mapping/],
      [
        "images: []\noptions: { logging: CLOUD_LOGGING_ONLY }",
        /has no steps\.\n.*add a steps: list/,
      ],
      ["steps: []", /has no steps/],
      ["steps:\n  - id: a\n    name: ubuntu", /steps\[0\]\.args is missing/],
      ["steps:\n  - name: ubuntu\n    args: []", /steps\[0\]\.id is missing or not a string/],
      ["steps:\n  - id: a\n    args: []", /steps\[0\]\.name is missing or not a string/],
      [
        "steps:\n  - id: a\n    name: ubuntu\n    args: [echo, 1]",
        /steps\[0\]\.args is not a list of strings/,
      ],
      [
        "steps:\n  - id: a\n    name: ubuntu\n    args: []\n    secretEnv: [X]",
        /steps\[0\] has the key "secretEnv"/,
      ],
      [
        "steps:\n  - id: a\n    name: u\n    args: []\n  - id: a\n    name: u\n    args: []",
        /steps\[1\]\.id "a" is used twice/,
      ],
      [
        "steps:\n  - id: a\n    name: u\n    args: []\n    waitFor: [b]",
        /steps\[0\]\.waitFor names "b", which is not an earlier step/,
      ],
      [
        "steps:\n  - id: a\n    name: u\n    args: []\navailableSecrets: {}",
        /has the key "availableSecrets"/,
      ],
      [
        "steps:\n  - id: a\n    name: u\n    args: []",
        /sets options\.logging to undefined\.\n.*CLOUD_LOGGING_ONLY/,
      ],
      [
        "steps:\n  - id: a\n    name: u\n    args: []\noptions: { logging: LEGACY }",
        /sets options\.logging to "LEGACY"/,
      ],
      [
        "steps:\n  - id: a\n    name: u\n    args: []\noptions: { pool: x }",
        /options\.pool is not a supported option/,
      ],
    ])("the build config %p", (text, message) => {
      const file = configFile(text);
      let error: unknown;
      try {
        setup({ buildConfig: file });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as Error).message).toMatch(new RegExp(`buildConfig = "${file}"`));
      expect((error as Error).message).toMatch(message);
    });

    it("a build config that uses a substitution nothing sets", () => {
      const file = configFile(
        "steps:\n  - id: a\n    name: u\n    args: ['${_SERVICE_NAME}', '${_TYPO}']\noptions: { logging: CLOUD_LOGGING_ONLY, substitutionOption: ALLOW_LOOSE }",
      );
      expect(() => setup({ buildConfig: file })).toThrow(
        /uses the substitution _TYPO, which nothing sets/,
      );
    });

    it("a build config that leaves a pipeline substitution unused", () => {
      const file = configFile(
        "steps:\n  - id: a\n    name: u\n    args: ['${_SERVICE_NAME}', '$$_ZONE']\noptions: { logging: CLOUD_LOGGING_ONLY }",
      );
      expect(() => setup({ buildConfig: file })).toThrow(
        /does not use the substitution _LOCATION, and Cloud Build rejects builds with unmatched substitutions/,
      );
    });
  });

  it("accepts unused substitutions with ALLOW_LOOSE", () => {
    const file = configFile(
      "steps:\n  - id: a\n    name: u\n    args: ['${_SERVICE_NAME}']\noptions: { logging: CLOUD_LOGGING_ONLY, substitutionOption: ALLOW_LOOSE }",
    );
    const { stack } = setup({ buildConfig: file });
    expect(triggerOf(stack).build).toMatchObject({
      options: { substitution_option: "ALLOW_LOOSE" },
    });
  });
});

describe("secret values in a build config", () => {
  const config = (extra: string) =>
    configFile(
      `steps:\n  - id: test\n    name: gcr.io/cloud-builders/docker\n    args: ["build", "."]\n${extra}options:\n  logging: CLOUD_LOGGING_ONLY\n`,
    );

  it.each<[string, RegExp]>([
    [
      "    env: ['GITHUB_TOKEN=ghp_FAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKE']\n",
      /steps\[0\]\.env\[0\] looks like a GitHub token/,
    ],
    [
      "    env: ['DATABASE_URL=postgres://app:hunter2@db/app']\n",
      /steps\[0\]\.env\[0\] looks like a URL with a password/,
    ],
    [
      "substitutions:\n  _API_KEY: 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6'\n",
      /substitutions\._API_KEY looks like a random-looking value/,
    ],
  ])("refuses %p", (extra, message) => {
    expect(() => loadBuildConfig("test", config(extra))).toThrow(message);
  });

  it("accepts ordinary env and substitutions", () => {
    const file = config("    env: ['LOG_LEVEL=info']\nsubstitutions:\n  _FLAG: 'on'\n");
    expect(loadBuildConfig("test", file).substitutions).toEqual({ _FLAG: "on" });
  });
});
