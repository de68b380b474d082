import * as fs from "node:fs";
import * as path from "node:path";
import { Construct } from "constructs";
import { z } from "zod";
import { checkProps, constructRef, optOutSchema, type PropsSchema } from "../core/props";
import { parseDocument } from "yaml";
import {
  CloudbuildTrigger,
  type CloudbuildTriggerBuild,
  type CloudbuildTriggerBuildStep,
} from "@cdktf/provider-google/lib/cloudbuild-trigger";
import type { StorageBucketIamMember } from "@cdktf/provider-google/lib/storage-bucket-iam-member";
import { OPT_OUT_IDS } from "../../vocabulary";
import { detectSecret } from "../../vocabulary/secrets";
import { invalid, type ErrorSource } from "../core/errors";
import { prefixedName } from "../core/naming";
import { acceptOptOut, recordOptOut, type OptOut } from "../core/opt-out";
import { PlatformStack } from "../core/stack";
import { TEMPLATES_DIR } from "../core/templates";
import type { ArtifactRegistry } from "./artifact-registry";
import type { Bucket } from "./bucket";
import { checkRegion } from "./regions";
import { ServiceAccount } from "./service-account";
import type { Vm } from "./vm";

/** The GitHub repository whose pushes release the services. */
export interface GitHubRepository {
  /** The user or organization, e.g. `acme` (GitHub rules: letters, digits, single hyphens, ≤ 39). */
  readonly owner: string;
  /** The repository name, e.g. `trading-bot` (letters, digits, `.`, `_`, `-`, ≤ 100). */
  readonly repository: string;
  /**
   * A 2nd-gen Cloud Build connection (`gcloud builds connections create github <name>
   * --region=<location>`) in which the repository was linked under its GitHub name. Without it
   * the trigger uses the 1st-gen Cloud Build GitHub App connection of `location`.
   * @default undefined (1st-gen connection)
   */
  readonly connection?: string;
}

export interface CloudBuildPipelineProps {
  /** Short name: triggers are `${prefix}-${name}-<service>`. @default "release" */
  readonly name?: string;
  /** Where the code lives; it must be connected to Cloud Build once (see help/cloud-build.md). */
  readonly github: GitHubRepository;
  /** The branch whose pushes release, a plain branch name (matched exactly). @default "main" */
  readonly branch?: string;
  /**
   * The services to release, one trigger each: a push that changes `app/<service>/**` tests,
   * builds and pushes that service, then writes its commit SHA into the release record. Each must
   * run on at least one of `vms`.
   */
  readonly services: readonly string[];
  /** The DOCKER repository images are pushed to; the build account may write to it only. */
  readonly registry: ArtifactRegistry;
  /**
   * The release record: the bucket whose object `<service>` holds the released commit SHA. The
   * build account gets `roles/storage.objectUser` on it only (overwriting an object needs
   * delete); every VM of `vms` must follow it (`releaseRecord` of the Vm).
   */
  readonly releaseRecord: Bucket;
  /**
   * The VMs that run the services, in every region: each follows `releaseRecord` with its
   * release-sync timer, so a release reaches all of them. Used to check the services and images.
   */
  readonly vms: readonly Vm[];
  /**
   * Let pushes build and release without a person approving each build, with the reason (a dev
   * environment): `approval_config.approval_required` is false and the opt-out
   * `build-without-approval` is recorded on every trigger, which the review report lists.
   * @default undefined (every build waits for an approval: roles/cloudbuild.builds.approver)
   */
  readonly allowWithoutApproval?: OptOut;
  /** The triggers' region, or `global`; the GitHub connection must be in it. @default the registry's region */
  readonly location?: string;
  /**
   * The Cloud Build config written inline into every trigger: a file name in `templates/` or an
   * absolute path. @default "cloudbuild.yaml"
   */
  readonly buildConfig?: string;
}

const CLOUD_BUILD_PIPELINE_PROPS = z.strictObject({
  name: z.string().optional(),
  github: z.strictObject({
    owner: z.string(),
    repository: z.string(),
    connection: z.string().optional(),
  }),
  branch: z.string().optional(),
  services: z.array(z.string()),
  registry: constructRef<ArtifactRegistry>("an ArtifactRegistry", ["repositoryId"]),
  releaseRecord: constructRef<Bucket>("the release record Bucket", ["bucket", "grantReadWrite"]),
  vms: z.array(constructRef<Vm>("a Vm that runs the services", ["instanceName", "services"])),
  allowWithoutApproval: optOutSchema.optional(),
  location: z.string().optional(),
  buildConfig: z.string().optional(),
}) satisfies PropsSchema<CloudBuildPipelineProps>;

/** One step of a Cloud Build config, as read from the file. */
export interface BuildStep {
  readonly id: string;
  readonly name: string;
  readonly args: readonly string[];
  readonly entrypoint?: string;
  readonly env?: readonly string[];
  readonly dir?: string;
  readonly waitFor?: readonly string[];
  readonly timeout?: string;
}

/** The parts of a Cloud Build config the pipeline supports, as read from the file. */
export interface BuildConfig {
  /** The file, relative to the project when it lies inside it. */
  readonly file: string;
  /** The build steps, in order. */
  readonly steps: readonly BuildStep[];
  /** Images Cloud Build pushes and records when the steps succeed. */
  readonly images: readonly string[];
  /** Build options (`logging: CLOUD_LOGGING_ONLY` is required). */
  readonly options: Readonly<Record<string, string | number>>;
  /** Default values of substitutions the file declares itself. */
  readonly substitutions: Readonly<Record<string, string>>;
  /** The build's time limit, e.g. `1200s`. */
  readonly timeout?: string;
  /** Tags of the builds, for filtering in the console. */
  readonly tags: readonly string[];
}

/** The substitutions the pipeline sets on every trigger. */
export const PIPELINE_SUBSTITUTIONS = [
  "_LOCATION",
  "_REPO_NAME",
  "_SERVICE_NAME",
  "_RELEASE_BUCKET",
] as const;

const OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
const REPOSITORY = /^[A-Za-z0-9._-]{1,100}$/;
const PIPELINE_NAME = /^[a-z](?:[-a-z0-9]{0,40}[a-z0-9])?$/;
const CONNECTION = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
/** A plain git branch name: no regex, no `..`, `//`, `@{`, leading `-`/`.`/`/` or `.lock` end. */
const BRANCH = /^(?![-./]|refs\/)(?!.*(?:\.\.|\/\/|\/\.|@\{|\.lock$|[./]$))[A-Za-z0-9._/-]{1,200}$/;
const STEP_KEYS = ["id", "name", "args", "entrypoint", "env", "dir", "waitFor", "timeout"];
const TOP_KEYS = ["steps", "images", "options", "substitutions", "timeout", "tags"];
const OPTION_KEYS: Readonly<Record<string, "string" | "number">> = {
  logging: "string",
  machineType: "string",
  diskSizeGb: "number",
  substitutionOption: "string",
  requestedVerifyOption: "string",
};

const configs = new Map<string, BuildConfig>();

/**
 * A Cloud Build release pipeline for services that run on {@link Vm}s: one trigger per service
 * on pushes to one branch that touch `app/<service>/**`, each build waiting for an approval
 * unless a reasoned opt-out says otherwise. The build config (default `templates/cloudbuild.yaml`:
 * test → build → push `:$COMMIT_SHA` → write `$COMMIT_SHA` to `gs://<release record>/<service>`)
 * is validated and written inline into each trigger, so the whole pipeline is reviewed in the
 * synthesized JSON. The release record is the one source of truth: every VM's release-sync timer
 * follows it, and a rollback is an earlier SHA written into it. Builds run as a dedicated
 * service account that can push to one repository, write one bucket and write logs, and cannot
 * log in to any VM.
 */
export class CloudBuildPipeline extends Construct {
  /** The build identity, `${prefix}-build` (`${prefix}-${name}-build` for another name). */
  readonly serviceAccount: ServiceAccount;
  /** The trigger of each service, by service name (escape hatch). */
  readonly triggers: Readonly<Record<string, CloudbuildTrigger>>;
  /** The build config inlined into the triggers, as read from the file. */
  readonly buildConfig: BuildConfig;
  /** The triggers' region (or `global`). */
  readonly location: string;
  /** The branch filter, an anchored RE2 regex such as `^main$`. */
  readonly branchPattern: string;
  /** `roles/storage.objectUser` on the release record only: the last step overwrites `<service>`. */
  readonly releaseGrant: StorageBucketIamMember;
  /** Whether each build waits for an approval (false only with `allowWithoutApproval`). */
  readonly approvalRequired: boolean;

  constructor(scope: Construct, id: string, props: CloudBuildPipelineProps) {
    super(scope, id);
    const stack = PlatformStack.of(this);
    checkProps(
      this,
      CLOUD_BUILD_PIPELINE_PROPS,
      props,
      "{ github, services, registry, releaseRecord, vms }",
    );
    const name = props.name ?? "release";
    if (typeof name !== "string" || !PIPELINE_NAME.test(name)) {
      invalid(
        this,
        "name",
        name,
        "is not a valid pipeline name",
        "use lowercase letters, digits and hyphens, starting with a letter (RFC 1035), e.g. 'release'",
      );
    }
    const github = this.checkGitHub(props.github);
    const branch = props.branch ?? "main";
    if (typeof branch !== "string" || !BRANCH.test(branch)) {
      invalid(
        this,
        "branch",
        branch,
        "is not a plain branch name",
        "give the branch itself, e.g. 'main' or 'release/v2' (it is matched exactly; no regex, no refs/heads/)",
      );
    }
    this.branchPattern = `^${branch.replace(/\./g, "\\.")}$`;
    const registry = props.registry;
    if (!registry?.repository || typeof registry.repositoryId !== "string") {
      invalid(
        this,
        "registry",
        registry,
        "is not an ArtifactRegistry",
        "pass the ArtifactRegistry",
      );
    }
    if (registry.format !== "DOCKER") {
      invalid(
        this,
        "registry",
        registry.repositoryId,
        `is a ${registry.format} repository`,
        "pass a DOCKER repository",
      );
    }
    const record = props.releaseRecord;
    const vms = this.checkVms(props.vms, record);
    const services = this.checkServices(props.services, vms, registry);
    this.approvalRequired = !acceptOptOut(this, "allowWithoutApproval", props.allowWithoutApproval);
    this.location =
      props.location === "global"
        ? "global"
        : checkRegion(this, "location", props.location ?? registry.region);
    if (github.connection !== undefined && this.location === "global") {
      invalid(
        this,
        "location",
        this.location,
        "cannot hold 2nd-gen connections, which are regional",
        "use the connection's region, e.g. the registry's region",
      );
    }
    const file = props.buildConfig ?? "cloudbuild.yaml";
    this.buildConfig = loadBuildConfig(this, file);
    checkSubstitutions(this, this.buildConfig);
    const build = inlineBuild(this.buildConfig);

    const names = services.map((service, i) =>
      stack.claimName(
        this,
        i === 0 ? "name" : `services[${i}]`,
        "trigger",
        prefixedName(this, `services[${i}]`, "trigger", stack.prefix, name, service),
      ),
    );

    // Identity: its own account, with exactly what the four steps need: push to the one
    // repository, overwrite objects of the one release record, write logs. No VM access at all.
    const project = registry.repository.project;
    const accountName = name === "release" ? "build" : `${name}-build`;
    if (`${stack.prefix}-${accountName}`.length > 30) {
      invalid(
        this,
        "name",
        name,
        `makes the build account ID "${stack.prefix}-${accountName}" longer than 30 characters`,
        "use a shorter pipeline name (the default 'release' gives `${prefix}-build`)",
      );
    }
    this.serviceAccount = new ServiceAccount(this, "build-account", {
      name: accountName,
      displayName: `Cloud Build ${name} pipeline`,
      description: `Runs the ${name} builds: tests, pushes to ${registry.repositoryId}, writes the release record`,
      projectId: project,
    });
    const sa = this.serviceAccount;
    const writer = registry.grantWrite(sa);
    const logWriter = sa.grantProjectRole(
      "roles/logging.logWriter",
      "Cloud Build writes the build logs (options.logging CLOUD_LOGGING_ONLY)",
    );
    this.releaseGrant = record.grantReadWrite(sa);

    const triggers: Record<string, CloudbuildTrigger> = {};
    services.forEach((service, i) => {
      const source = github.connection
        ? {
            repositoryEventConfig: {
              repository: `projects/${project}/locations/${this.location}/connections/${github.connection}/repositories/${github.repository}`,
              push: { branch: this.branchPattern },
            },
          }
        : {
            github: {
              owner: github.owner,
              name: github.repository,
              push: { branch: this.branchPattern },
            },
          };
      triggers[service] = new CloudbuildTrigger(this, `trigger-${service}`, {
        name: names[i],
        project,
        location: this.location,
        description: `Tests, builds and pushes ${service}, then writes its commit to the release record, on pushes to ${branch} that change app/${service}/`,
        ...source,
        includedFiles: [`app/${service}/**`],
        serviceAccount: sa.account.id,
        substitutions: {
          _LOCATION: registry.region,
          _REPO_NAME: registry.repositoryId,
          _SERVICE_NAME: service,
          _RELEASE_BUCKET: record.name,
        },
        buildAttribute: build,
        approvalConfig: { approvalRequired: this.approvalRequired },
        // The first build after an apply should find its permissions in place.
        dependsOn: [writer, logWriter, this.releaseGrant],
      });
      if (!this.approvalRequired && props.allowWithoutApproval) {
        recordOptOut(
          triggers[service],
          OPT_OUT_IDS.buildWithoutApproval,
          props.allowWithoutApproval,
        );
      }
    });
    this.triggers = triggers;
  }

  private checkGitHub(github: GitHubRepository | undefined): GitHubRepository {
    if (github === undefined || github === null || typeof github !== "object") {
      invalid(
        this,
        "github",
        github,
        "is missing",
        "pass { owner: 'acme', repository: 'trading-bot' }",
      );
    }
    if (typeof github.owner !== "string" || !OWNER.test(github.owner)) {
      invalid(
        this,
        "github.owner",
        github.owner,
        "is not a GitHub user or organization name",
        "use letters, digits and single hyphens, not starting or ending with one, at most 39 characters (e.g. 'acme')",
      );
    }
    const repo = github.repository;
    if (
      typeof repo !== "string" ||
      !REPOSITORY.test(repo) ||
      repo === "." ||
      repo === ".." ||
      repo.endsWith(".git")
    ) {
      invalid(
        this,
        "github.repository",
        repo,
        "is not a GitHub repository name",
        "give the name only (no owner, URL or .git suffix): letters, digits, '.', '_' and '-', at most 100 characters",
      );
    }
    if (
      github.connection !== undefined &&
      (typeof github.connection !== "string" || !CONNECTION.test(github.connection))
    ) {
      invalid(
        this,
        "github.connection",
        github.connection,
        "is not a Cloud Build connection name",
        "give the name used with `gcloud builds connections create github <name>`: lowercase letters, digits and hyphens",
      );
    }
    return github;
  }

  /** At least one Vm, each following `record`, so a release reaches every one of them. */
  private checkVms(vms: readonly Vm[] | undefined, record: Bucket): readonly Vm[] {
    if (!Array.isArray(vms) || vms.length === 0) {
      invalid(
        this,
        "vms",
        vms,
        "must list at least one Vm",
        "pass every VM that runs the services, e.g. platform.regions.map((r) => r.vm)",
      );
    }
    vms.forEach((vm, i) => {
      if (vm.releaseRecord !== record) {
        invalid(
          this,
          `vms[${i}]`,
          vm.instanceName,
          "does not follow this release record, so a release would never reach it",
          "give the Vm releaseRecord: the same Bucket as the pipeline's releaseRecord",
        );
      }
      if (vms.indexOf(vm) !== i) {
        invalid(this, `vms[${i}]`, vm.instanceName, "is listed twice", "list each VM once");
      }
    });
    return [...vms];
  }

  private checkServices(
    services: readonly string[] | undefined,
    vms: readonly Vm[],
    registry: ArtifactRegistry,
  ): readonly string[] {
    const known = [...new Set(vms.flatMap((vm) => vm.services.map((s) => s.name)))];
    if (!Array.isArray(services) || services.length === 0) {
      invalid(
        this,
        "services",
        services,
        "must list at least one service",
        `list the services to release, e.g. [${known.map((s) => `'${s}'`).join(", ")}]`,
      );
    }
    services.forEach((service, i) => {
      if (typeof service !== "string" || !known.includes(service)) {
        invalid(
          this,
          `services[${i}]`,
          service,
          "is not a service of the VMs, so no release-sync would restart it",
          `use one of ${known.join(", ")}, or add the service to the Vms`,
        );
      }
      if (services.indexOf(service) !== i) {
        invalid(this, `services[${i}]`, service, "is listed twice", "list each service once");
      }
      // release-sync pulls the VM's image repository at the released tag: it must be the one
      // pushed to, on every VM that runs the service.
      const expected = `${registry.host}/`;
      const pushedTo = new RegExp(
        `^${escapeRegex(expected)}[^/]+/${escapeRegex(registry.repositoryId)}/${escapeRegex(service)}[:@]`,
      );
      for (const vm of vms) {
        const image = imagesOf(vm).get(service) ?? "";
        if (image !== "" && !pushedTo.test(image)) {
          invalid(
            this,
            `services[${i}]`,
            service,
            `runs the image ${image} on ${vm.instanceName}, but the pipeline pushes ${registry.host}/<project>/${registry.repositoryId}/${service}`,
            `give the VM the image registry.image('${service}', { tag }) of this registry`,
          );
        }
      }
    });
    return [...services];
  }
}

/** The VM's services and the image each runs. */
function imagesOf(vm: Vm): ReadonlyMap<string, string> {
  return new Map(vm.services.map((s) => [s.name, s.image]));
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * Reads, parses and checks a Cloud Build config once per file; later calls return the cached
 * result. `file` is a name in `templates/` or an absolute path. Any problem (missing file, bad
 * YAML, no steps, a step without name/args/id, a key the pipeline does not support) is a
 * ValidationError naming the file.
 */
export function loadBuildConfig(source: ErrorSource, file: string): BuildConfig {
  if (typeof file !== "string" || file === "" || (!path.isAbsolute(file) && file.includes("/"))) {
    invalid(
      source,
      "buildConfig",
      file,
      "is not a file name of templates/ or an absolute path",
      "pass 'cloudbuild.yaml' or an absolute path",
    );
  }
  const absolute = path.isAbsolute(file) ? file : path.join(TEMPLATES_DIR, file);
  const cached = configs.get(absolute);
  if (cached) return cached;
  const root = path.dirname(TEMPLATES_DIR);
  const shown = absolute.startsWith(`${root}${path.sep}`)
    ? path.relative(root, absolute)
    : absolute;
  const bad: (problem: string, fix: string) => never = (problem, fix) =>
    invalid(source, "buildConfig", shown, problem, fix);
  if (!fs.existsSync(absolute) || !fs.statSync(absolute).isFile()) {
    bad("does not exist", "add the Cloud Build config file or fix the path");
  }
  const doc = parseDocument(fs.readFileSync(absolute, "utf8"));
  if (doc.errors.length > 0) {
    bad(
      `is not valid YAML: ${doc.errors[0].message.split("\n")[0]}`,
      "fix the YAML syntax (check indentation and quoting)",
    );
  }
  const data: unknown = doc.toJS();
  if (!isRecord(data)) {
    bad("is not a YAML mapping", "write a Cloud Build config: steps, images, options");
  }
  const unknownKey = Object.keys(data).find((k) => !TOP_KEYS.includes(k));
  if (unknownKey !== undefined) {
    bad(
      `has the key "${unknownKey}", which the pipeline does not write into the trigger`,
      `use only ${TOP_KEYS.join(", ")}`,
    );
  }
  if (!Array.isArray(data.steps) || data.steps.length === 0) {
    bad("has no steps", "add a steps: list, each step with id, name and args");
  }
  const strings = (where: string, value: unknown): readonly string[] | undefined => {
    if (value === undefined) return undefined;
    if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) {
      bad(`${where} is not a list of strings`, "quote every item");
    }
    return value as string[];
  };
  const text = (where: string, value: unknown, required = false): string | undefined => {
    if (value === undefined && !required) return undefined;
    if (typeof value !== "string" || value === "") {
      bad(`${where} is ${required ? "missing or " : ""}not a string`, `set ${where} to text`);
    }
    return value;
  };
  const ids: string[] = [];
  const steps = (data.steps as unknown[]).map((step, i): BuildStep => {
    const at = `steps[${i}]`;
    if (!isRecord(step)) bad(`${at} is not a mapping`, "give each step id, name and args");
    const extra = Object.keys(step).find((k) => !STEP_KEYS.includes(k));
    if (extra !== undefined) {
      bad(
        `${at} has the key "${extra}", which the pipeline does not support`,
        `use ${STEP_KEYS.join(", ")}`,
      );
    }
    const id = text(`${at}.id`, step.id, true) as string;
    if (ids.includes(id)) bad(`${at}.id "${id}" is used twice`, "give each step its own id");
    const waitFor = strings(`${at}.waitFor`, step.waitFor);
    const unknownWait = waitFor?.find((w) => w !== "-" && !ids.includes(w));
    if (unknownWait !== undefined) {
      bad(
        `${at}.waitFor names "${unknownWait}", which is not an earlier step`,
        "name earlier step ids or '-'",
      );
    }
    ids.push(id);
    const args = strings(`${at}.args`, step.args);
    if (args === undefined) bad(`${at}.args is missing`, "give the step its arguments as a list");
    return {
      id,
      name: text(`${at}.name`, step.name, true) as string,
      args,
      entrypoint: text(`${at}.entrypoint`, step.entrypoint),
      env: strings(`${at}.env`, step.env),
      dir: text(`${at}.dir`, step.dir),
      waitFor,
      timeout: text(`${at}.timeout`, step.timeout),
    };
  });
  const options = data.options ?? {};
  if (!isRecord(options))
    bad("options is not a mapping", "write options: { logging: CLOUD_LOGGING_ONLY }");
  for (const [key, value] of Object.entries(options)) {
    if (OPTION_KEYS[key] === undefined || typeof value !== OPTION_KEYS[key]) {
      bad(
        `options.${key} is not a supported option of type ${OPTION_KEYS[key] ?? "(unsupported)"}`,
        `use ${Object.keys(OPTION_KEYS).join(", ")}`,
      );
    }
  }
  if (options.logging !== "CLOUD_LOGGING_ONLY") {
    bad(
      `sets options.logging to ${JSON.stringify(options.logging)}`,
      "set options.logging: CLOUD_LOGGING_ONLY (required when a trigger runs as a user-specified service account, which these triggers do)",
    );
  }
  const substitutions = data.substitutions ?? {};
  if (
    !isRecord(substitutions) ||
    !Object.entries(substitutions).every(
      ([k, v]) => /^_[A-Z0-9_]+$/.test(k) && typeof v === "string",
    )
  ) {
    bad(
      "substitutions is not a mapping of _NAME: 'text'",
      "use user substitutions such as _FLAG: 'value'",
    );
  }
  // Step env and substitutions are written into the trigger, readable by anyone who can view it.
  const values: [string, string, string][] = [
    ...steps.flatMap((st, i) =>
      (st.env ?? []).map((e, j): [string, string, string] => {
        const eq = e.indexOf("=");
        return [
          `steps[${i}].env[${j}]`,
          eq > 0 ? e.slice(0, eq) : "",
          eq > 0 ? e.slice(eq + 1) : e,
        ];
      }),
    ),
    ...Object.entries(substitutions as Record<string, string>).map(
      ([k, v]): [string, string, string] => [`substitutions.${k}`, k, v],
    ),
  ];
  for (const [where, name, value] of values) {
    const finding = detectSecret(value, name);
    if (finding) {
      bad(
        `${where} looks like ${finding.description}, which the trigger would show to anyone who can view it`,
        "keep it in Secret Manager and have the step read it as the build account (gcloud secrets versions access)",
      );
    }
  }
  const config: BuildConfig = {
    file: shown,
    steps,
    images: strings("images", data.images) ?? [],
    options: options as Record<string, string | number>,
    substitutions: substitutions as Record<string, string>,
    timeout: text("timeout", data.timeout),
    tags: strings("tags", data.tags) ?? [],
  };
  configs.set(absolute, config);
  return config;
}

/**
 * Checks that the config uses exactly the user substitutions that are set (the pipeline's and
 * the file's own): Cloud Build rejects a build where one is used but not set, or set but unused
 * (unless `options.substitutionOption` is `ALLOW_LOOSE`).
 */
function checkSubstitutions(source: ErrorSource, config: BuildConfig): void {
  const texts = [
    ...config.steps.flatMap((s) => [
      s.name,
      ...s.args,
      s.entrypoint ?? "",
      ...(s.env ?? []),
      s.dir ?? "",
    ]),
    ...config.images,
    ...config.tags,
  ];
  const used = new Set<string>();
  for (const t of texts) {
    for (const m of t.matchAll(/\$\$|\$\{(_[A-Z0-9_]+)\}|\$(_[A-Z0-9_]+)/g)) {
      if (m[1] ?? m[2]) used.add(m[1] ?? m[2]);
    }
  }
  const set = [...PIPELINE_SUBSTITUTIONS, ...Object.keys(config.substitutions)];
  const missing = [...used].find((u) => !set.includes(u));
  if (missing !== undefined) {
    invalid(
      source,
      "buildConfig",
      config.file,
      `uses the substitution ${missing}, which nothing sets`,
      `use only ${PIPELINE_SUBSTITUTIONS.join(", ")} and Cloud Build's own ($PROJECT_ID, $COMMIT_SHA, ...), or declare it under substitutions:`,
    );
  }
  const unused = set.find((s) => !used.has(s));
  if (unused !== undefined && config.options.substitutionOption !== "ALLOW_LOOSE") {
    invalid(
      source,
      "buildConfig",
      config.file,
      `does not use the substitution ${unused}, and Cloud Build rejects builds with unmatched substitutions`,
      `use \${${unused}} in a step, or set options.substitutionOption: ALLOW_LOOSE`,
    );
  }
}

/**
 * The config as the trigger's inline `build`. Cloud Build's own `${_SUBSTITUTION}` syntax reaches
 * the provider as written: the stack-wide text aspect escapes it for Terraform
 * (`constructs/core/terraform-text.ts`).
 */
function inlineBuild(config: BuildConfig): CloudbuildTriggerBuild {
  const list = (values: readonly string[] | undefined) => values?.slice();
  const step: CloudbuildTriggerBuildStep[] = config.steps.map((s) => ({
    id: s.id,
    name: s.name,
    args: list(s.args),
    entrypoint: s.entrypoint,
    env: list(s.env),
    dir: s.dir,
    waitFor: list(s.waitFor),
    timeout: s.timeout,
  }));
  const options = Object.fromEntries(Object.entries(config.options).map(([k, v]) => [k, v]));
  return {
    step,
    images: config.images.length > 0 ? list(config.images) : undefined,
    options,
    substitutions:
      Object.keys(config.substitutions).length > 0 ? { ...config.substitutions } : undefined,
    timeout: config.timeout,
    tags: config.tags.length > 0 ? list(config.tags) : undefined,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
