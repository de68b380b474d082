import type { IConstruct } from "constructs";
import { Token } from "cdktf";
import { invalid } from "../core/errors";
import { TOKEN_MARKER } from "../core/terraform-text";

/**
 * The images a VM names: the container images of its services (`<host>/<path>/<image>:<tag>` or
 * `...@sha256:<digest>`, pinned), the registry hosts docker needs credentials for, and the boot
 * disk's Compute Engine image.
 */

/** A registry host name, optionally with a port. */
const HOST = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+(:[0-9]{1,5})?$/;
const PATH_COMPONENT = /^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;
const COMMIT_SHA = /^[0-9a-f]{7,40}$/;
/** Artifact Registry and Container Registry hosts: docker pulls from them as the VM's account. */
const GOOGLE_REGISTRY = /(^|\.)(pkg\.dev|gcr\.io)$/;
const BOOT_IMAGE =
  /^(?:projects\/)?([a-z][-a-z0-9]{4,28}[a-z0-9])\/(?:global\/images\/)?(?:family\/)?([a-z](?:[-a-z0-9]{0,61}[a-z0-9])?)$/;
/** Google image projects whose images lack apt or gcloud, or are not Linux. */
const UNSUPPORTED_IMAGE_PROJECTS =
  /^(cos-cloud|ubuntu-os-cloud|ubuntu-os-pro-cloud|centos-cloud|rhel-cloud|rhel-sap-cloud|rocky-linux-cloud|almalinux-cloud|suse-cloud|suse-sap-cloud|opensuse-cloud|fedora-coreos-cloud|windows-cloud|windows-sql-cloud)$/;
const EXAMPLE = "us-central1-docker.pkg.dev/my-project/trading-bot-repo/core-engine:3f9c2ab";

/** A container image reference that passed {@link checkContainerImage}. */
export interface ContainerImage {
  /** The reference as given (it may hold cdktf tokens in the host and path). */
  readonly image: string;
  /** The registry host, its first component. */
  readonly host: string;
  /** The reference without its tag or digest, to which deploy.sh adds a released commit SHA. */
  readonly repository: string;
}

/**
 * Checks a container image given as a reference string or as an object with a `uri` (the
 * `ImageRef` of `ArtifactRegistry.image()`): fully qualified, and pinned to a commit SHA tag
 * (7–40 lowercase hex digits) or a `@sha256:` digest. The host and path may be references
 * Terraform computes; the image name and its tag or digest must be plain strings.
 */
export function checkContainerImage(
  scope: IConstruct,
  property: string,
  ref: unknown,
): ContainerImage {
  const uri: unknown = typeof ref === "string" ? ref : (ref as { uri?: unknown } | null)?.uri;
  const bad = (problem: string, fix: string): never => invalid(scope, property, uri, problem, fix);
  if (typeof uri !== "string" || uri === "") {
    return bad("is not an image reference", `pass a pinned reference such as ${EXAMPLE}`);
  }
  // Tokens (a registry host computed by Terraform) stand in as a plain word for the checks.
  const probe = uri.replace(TOKEN_MARKER, "tftoken");
  const [named, digest, extra] = probe.split("@");
  const slash = named.lastIndexOf("/");
  const colon = named.lastIndexOf(":");
  const repo = colon > slash ? named.slice(0, colon) : named;
  const tag = colon > slash ? named.slice(colon + 1) : undefined;
  const [host, ...path] = repo.split("/");
  const hostOk = HOST.test(host) || host.includes("tftoken");
  if (
    extra !== undefined ||
    !hostOk ||
    path.length === 0 ||
    !path.every((c) => PATH_COMPONENT.test(c))
  ) {
    bad(
      "is not a fully qualified image reference",
      `write <registry host>/<path>/<image>:<commit sha> or ...@sha256:<digest>, e.g. ${EXAMPLE}`,
    );
  }
  const last = uri.slice(uri.lastIndexOf("/") + 1);
  if (Token.isUnresolved(last)) {
    bad(
      "has an image name, tag or digest only known at apply time",
      "give the image name and its tag or digest as plain strings",
    );
  }
  if (tag !== undefined && !TAG.test(tag)) bad("has an invalid tag", `e.g. ${EXAMPLE}`);
  if (digest !== undefined) {
    if (!DIGEST.test(digest)) bad("has an invalid digest", "use @sha256:<64 hex digits>");
  } else if (tag === undefined || tag === "latest") {
    bad(
      tag === undefined ? "has no tag, which means latest" : "uses the moving tag latest",
      `pin it to the commit SHA it was built from or to a digest, e.g. ${EXAMPLE}`,
    );
  } else if (!COMMIT_SHA.test(tag)) {
    bad(
      `is tagged "${tag}", which is not a commit SHA and can be moved`,
      `tag images with the commit SHA (7–40 hex digits) or pin a @sha256: digest, e.g. ${EXAMPLE}`,
    );
  }
  return {
    image: uri,
    host: uri.split("/")[0],
    repository: uri.replace(/@sha256:[0-9a-f]+$/, "").replace(/:[^/:]+$/, ""),
  };
}

/**
 * The registry hosts docker is given credentials for: `given` (checked to be a host name), or
 * else the Artifact Registry / Container Registry hosts among `imageHosts` (and hosts Terraform
 * computes), each once, in order.
 */
export function registryHosts(
  scope: IConstruct,
  property: string,
  given: unknown,
  imageHosts: readonly string[],
): string[] {
  if (given !== undefined) {
    if (typeof given !== "string" || !HOST.test(given)) {
      invalid(
        scope,
        property,
        given,
        "is not a registry host name",
        "use the Artifact Registry host, e.g. us-central1-docker.pkg.dev",
      );
    }
    return [given];
  }
  const hosts = imageHosts.filter((h) => GOOGLE_REGISTRY.test(h) || Token.isUnresolved(h));
  return [...new Set(hosts)];
}

/**
 * Checks a boot disk image: `<project>/<image or family>` or
 * `projects/<project>/global/images/[family/]<name>`, from a project whose images are x86 Debian
 * (or derived from it), since the startup script needs apt and gcloud.
 */
export function checkBootImage(scope: IConstruct, property: string, image: unknown): string {
  const match = typeof image === "string" ? BOOT_IMAGE.exec(image) : null;
  if (!match) {
    invalid(
      scope,
      property,
      image,
      "is not an image reference",
      'use "<project>/<image or family>" such as "debian-cloud/debian-12"',
    );
  }
  if (UNSUPPORTED_IMAGE_PROJECTS.test(match[1]) || match[2].includes("arm64")) {
    invalid(
      scope,
      property,
      image,
      "is not an x86 Debian image, which the startup script needs (apt, gcloud)",
      'use "debian-cloud/debian-12" (or a custom image based on it)',
    );
  }
  return image as string;
}
