import { Construct } from "constructs";
import { z } from "zod";
import { ArtifactRegistryRepository } from "@cdktf/provider-google/lib/artifact-registry-repository";
import { ArtifactRegistryRepositoryIamMember } from "@cdktf/provider-google/lib/artifact-registry-repository-iam-member";
import { invalid } from "../core/errors";
import { checkName, prefixedName } from "../core/naming";
import { deletionPolicy, refuseProtectionFlags } from "../core/deletion";
import { recordOptOut, type OptOut } from "../core/opt-out";
import {
  checkedBy,
  checkProps,
  constructRef,
  optOutSchema,
  refusedProtectionFlags,
  stringOf,
  type PropsSchema,
} from "../core/props";
import { PlatformStack } from "../core/stack";
import { checkMember, PUBLIC_MEMBERS, type IGrantable } from "./iam";
import { checkRegion } from "./regions";
import { checkProjectId } from "./schemas";
import { IamMembers } from "./service-account";

/** Package formats whose repositories are served at `<region>-<format>.pkg.dev`. */
export type RepositoryFormat = "DOCKER" | "PYTHON" | "NPM" | "MAVEN";
const FORMATS: readonly RepositoryFormat[] = ["DOCKER", "PYTHON", "NPM", "MAVEN"];

/** How old images are cleaned up. KEEP wins over DELETE in Artifact Registry. */
export interface CleanupOptions {
  /** Versions of each package always kept, newest first. @default 10 */
  readonly keepMostRecent?: number;
  /** Untagged versions (left behind by pushes) are deleted after this many days. @default 7 */
  readonly deleteUntaggedAfterDays?: number;
}

export interface ArtifactRegistryProps {
  /** Short name; the repository ID is `${prefix}-${name}` (RFC 1035, ≤ 63), e.g. `repo`. */
  readonly name: string;
  /** The region, next to the workloads that pull from it, e.g. `us-central1`. */
  readonly region: string;
  /** @default "DOCKER" */
  readonly format?: RepositoryFormat;
  /**
   * Docker only: a tag, once pushed, can never be moved to another image, so a commit-SHA tag
   * always means the same bytes. @default true
   */
  readonly immutableTags?: boolean;
  /** @default { keepMostRecent: 10, deleteUntaggedAfterDays: 7 } */
  readonly cleanup?: CleanupOptions;
  /** Only log what the cleanup policies would delete. @default false */
  readonly cleanupDryRun?: boolean;
  /** @default "Container images of <system>" (other formats: "<FORMAT> packages of <system>") */
  readonly description?: string;
  /**
   * The project, for {@link ArtifactRegistry.url}. @default the provider's project, read from the
   * repository's `project` attribute (a Terraform reference)
   */
  readonly projectId?: string;
  /** Principals that may pull (see {@link ArtifactRegistry.grantRead}); never public. @default [] */
  readonly readers?: readonly IGrantable[];
  /**
   * Let `terraform destroy` delete the repository, with a reason (dev and review environments):
   * drops `lifecycle.prevent_destroy` (the provider has no deletion-protection flag) and records
   * the opt-out `deletion-allowed` on the repository. Deleting a repository deletes every image
   * and package in it.
   * @default undefined (Terraform refuses to destroy the repository)
   */
  readonly allowDeletion?: OptOut;
}

/** A pinned container image, as a VM or workload consumes it. */
export interface ImageRef {
  /** What `docker pull` takes: `<host>/<project>/<repo>/<name>:<sha>` or `...@sha256:<digest>`. */
  readonly uri: string;
  /** The image name inside the repository, e.g. `core-engine`. */
  readonly name: string;
  /** The registry host to configure Docker credentials for, e.g. `us-central1-docker.pkg.dev`. */
  readonly host: string;
  /** The pin: a commit-SHA tag (`3f2c1ab`) or a digest (`sha256:…`). */
  readonly version: string;
}

/** How an image is pinned: an immutable commit-SHA tag, or a content digest. */
export type ImagePin = { readonly tag: string } | { readonly digest: string };

/**
 * Shapes and types of {@link ArtifactRegistryProps}. `region` is judged by `checkRegion`, which
 * says where regions are listed also when it is missing; `format` values by the constructor.
 */
const ARTIFACT_REGISTRY_PROPS = z.strictObject({
  name: z.string(),
  region: checkedBy<string>("checkRegion"),
  format: stringOf<RepositoryFormat>().optional(),
  immutableTags: z.boolean().optional(),
  cleanup: z
    .strictObject({
      keepMostRecent: z.number().optional(),
      deleteUntaggedAfterDays: z.number().optional(),
    })
    .optional(),
  cleanupDryRun: z.boolean().optional(),
  description: z.string().optional(),
  projectId: z.string().optional(),
  readers: z
    .array(
      constructRef<IGrantable>("a ServiceAccount, or { member: 'serviceAccount:...' }", ["member"]),
    )
    .optional(),
  allowDeletion: optOutSchema.optional(),
  ...refusedProtectionFlags,
}) satisfies PropsSchema<ArtifactRegistryProps>;

const READER = "roles/artifactregistry.reader";
const WRITER = "roles/artifactregistry.writer";
const DAY = 86_400;
const COMMIT_SHA = /^[0-9a-f]{7,40}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;
const COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const IMAGE_NAME = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);

/**
 * An Artifact Registry repository, regional and private: immutable Docker tags, cleanup policies
 * that keep the newest versions and delete untagged ones, `lifecycle.prevent_destroy` (the
 * provider has no deletion protection; {@link ArtifactRegistryProps.allowDeletion} drops it), and
 * additive per-repository IAM. Public access only
 * through a named opt-out. {@link image} returns references pinned to a commit SHA or a digest.
 */
export class ArtifactRegistry extends Construct {
  /** The repository (escape hatch). */
  readonly repository: ArtifactRegistryRepository;
  /** The repository ID, `${prefix}-${name}`. */
  readonly repositoryId: string;
  readonly region: string;
  readonly format: RepositoryFormat;
  /** Whether Docker tags are immutable. */
  readonly immutableTags: boolean;
  private readonly projectId: string;
  private readonly members: IamMembers<ArtifactRegistryRepositoryIamMember>;

  constructor(scope: Construct, id: string, props: ArtifactRegistryProps) {
    super(scope, id);
    const stack = PlatformStack.of(this);
    checkProps(this, ARTIFACT_REGISTRY_PROPS, props, "{ name: 'repo', region: 'us-central1' }");
    refuseProtectionFlags(this, props, "ArtifactRegistry");
    const deletion = deletionPolicy(this, props.allowDeletion);
    const name = checkName(this, "name", "repository", props.name);
    this.repositoryId = stack.claimName(
      this,
      "name",
      "repository",
      prefixedName(this, "name", "repository", stack.prefix, name),
    );
    this.region = checkRegion(this, "region", props.region);
    const format = props.format ?? "DOCKER";
    if (!FORMATS.includes(format)) {
      invalid(
        this,
        "format",
        format,
        "is not a supported format",
        `use one of ${FORMATS.join(", ")}`,
      );
    }
    this.format = format;
    const docker = format === "DOCKER";
    if (!docker && props.immutableTags !== undefined) {
      invalid(
        this,
        "immutableTags",
        props.immutableTags,
        `applies to DOCKER repositories only, not ${format}`,
        "leave immutableTags out",
      );
    }
    this.immutableTags = docker && (props.immutableTags ?? true);
    const keep = checkCount(this, "cleanup.keepMostRecent", props.cleanup?.keepMostRecent ?? 10);
    const days = checkCount(
      this,
      "cleanup.deleteUntaggedAfterDays",
      props.cleanup?.deleteUntaggedAfterDays ?? 7,
    );
    const projectId = checkProjectId(this, "projectId", props.projectId);

    this.repository = new ArtifactRegistryRepository(this, "repository", {
      repositoryId: this.repositoryId,
      location: this.region,
      format,
      project: projectId,
      description:
        props.description ??
        `${docker ? "Container images" : `${format} packages`} of ${stack.system}`,
      dockerConfig: docker ? { immutableTags: this.immutableTags } : undefined,
      cleanupPolicyDryRun: props.cleanupDryRun ?? false,
      cleanupPolicies: [
        { id: "keep-most-recent", action: "KEEP", mostRecentVersions: { keepCount: keep } },
        {
          id: "delete-untagged",
          action: "DELETE",
          condition: { tagState: "UNTAGGED", olderThan: `${days * DAY}s` },
        },
      ],
      lifecycle: deletion.lifecycle(),
    });
    deletion.record(this.repository);
    this.projectId = projectId ?? this.repository.project;
    this.members = new IamMembers(this, `repository/${this.repositoryId}`);
    (props.readers ?? []).forEach((r, i) => this.grant(`readers[${i}]`, r, READER));
  }

  /** The registry host, e.g. `us-central1-docker.pkg.dev`. */
  get host(): string {
    return `${this.region}-${this.format.toLowerCase()}.pkg.dev`;
  }

  /** `<region>-docker.pkg.dev/<project>/<repositoryId>`: where images are pushed and pulled. */
  get url(): string {
    return `${this.host}/${this.projectId}/${this.repositoryId}`;
  }

  /**
   * A pinned reference to an image of this repository. Tags must look like a commit SHA (7–40
   * lowercase hex characters) and need {@link immutableTags}; digests are `sha256:<64 hex>`.
   * `latest`, `v1`, `stable` and the like are refused: they move, so a restart could run other
   * code than the one reviewed, and a rollback could not be reproduced.
   */
  image(name: string, pin: ImagePin): ImageRef {
    if (this.format !== "DOCKER") {
      invalid(
        this,
        "image",
        name,
        `is asked of a ${this.format} repository`,
        "use a DOCKER repository",
      );
    }
    if (typeof name !== "string" || !IMAGE_NAME.test(name)) {
      invalid(
        this,
        "image.name",
        name,
        "is not a Docker image name",
        "use lowercase letters, digits, '.', '_', '-' and '/', e.g. 'core-engine'",
      );
    }
    const given = (pin ?? {}) as { tag?: unknown; digest?: unknown };
    if ((given.tag === undefined) === (given.digest === undefined)) {
      invalid(
        this,
        `image(${name})`,
        pin,
        "must pin the image by exactly one of tag or digest",
        "pass { tag: '<commit sha>' } or { digest: 'sha256:<64 hex>' }",
      );
    }
    if (given.digest !== undefined) {
      if (typeof given.digest !== "string" || !DIGEST.test(given.digest)) {
        invalid(
          this,
          `image(${name}).digest`,
          given.digest,
          "is not an image digest",
          "use 'sha256:' followed by 64 lowercase hex characters, as `docker buildx imagetools inspect` prints it",
        );
      }
      return this.ref(name, `@${given.digest}`, given.digest);
    }
    const tag = given.tag;
    if (typeof tag !== "string" || !COMMIT_SHA.test(tag)) {
      invalid(
        this,
        `image(${name}).tag`,
        tag,
        tag === "latest"
          ? "is mutable: it moves with every push, so a restart can run code nobody reviewed and a rollback cannot be reproduced"
          : "does not look like a commit SHA; other tags can be re-pointed and do not say which code runs",
        "tag images with the commit SHA (Cloud Build $COMMIT_SHA or $SHORT_SHA) and pass it, or pin by digest",
      );
    }
    if (!this.immutableTags) {
      invalid(
        this,
        `image(${name}).tag`,
        tag,
        "can be moved to another image in this repository (immutableTags is false)",
        "pin by digest, or set immutableTags: true",
      );
    }
    return this.ref(name, `:${tag}`, tag);
  }

  /**
   * Lets `grantee` pull: `roles/artifactregistry.reader` on this repository, additively.
   * `allUsers` / `allAuthenticatedUsers` need `allowPublic` with a reason, which is recorded in
   * the JSON. Idempotent.
   */
  grantRead(grantee: IGrantable, allowPublic?: OptOut): ArtifactRegistryRepositoryIamMember {
    return this.grant("grantee", grantee, READER, allowPublic);
  }

  /** Lets `grantee` push: `roles/artifactregistry.writer` on this repository. Never public. */
  grantWrite(grantee: IGrantable): ArtifactRegistryRepositoryIamMember {
    const member: unknown = grantee?.member;
    if (typeof member === "string" && PUBLIC_MEMBERS.includes(member)) {
      invalid(
        this,
        "grantee",
        member,
        "would let anyone push images the workloads then run",
        "grant the CI service account that builds the images",
      );
    }
    return this.grant("grantee", grantee, WRITER);
  }

  private grant(
    property: string,
    grantee: IGrantable,
    role: string,
    allowPublic?: OptOut,
  ): ArtifactRegistryRepositoryIamMember {
    const member = checkMember(this, property, grantee?.member, allowPublic);
    return this.members.add(grantee, role, (id, m) => {
      const iam = new ArtifactRegistryRepositoryIamMember(this, id, {
        project: this.repository.project,
        location: this.repository.location,
        repository: this.repository.name,
        role,
        member: m,
      });
      if (allowPublic && PUBLIC_MEMBERS.includes(member)) {
        recordOptOut(iam, "public-repository", allowPublic);
      }
      return iam;
    });
  }

  private ref(name: string, suffix: string, version: string): ImageRef {
    return { uri: `${this.url}/${name}${suffix}`, name, host: this.host, version };
  }
}

function checkCount(scope: Construct, property: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    invalid(scope, property, value, "is not a whole number of at least 1", "use 1 or more");
  }
  return value;
}
