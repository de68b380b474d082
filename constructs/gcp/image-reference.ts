import ipaddr from "ipaddr.js";
import type { IConstruct } from "constructs";
import { Token, Tokenization } from "cdktf";
import { invalid } from "../core/errors";
import { isHostName } from "../core/templates";
import { TOKEN_MARKER } from "../core/terraform-text";

/**
 * The images a VM names: the container images of its services (`<host>/<path>/<image>:<tag>` or
 * `...@sha256:<digest>`, pinned), the registry hosts docker needs credentials for, and the boot
 * disk's Compute Engine image.
 *
 * A container reference is checked against the OCI distribution reference grammar:
 *
 *     reference       := name [ ":" tag ] [ "@" digest ]
 *     name            := [domain "/"] remote-name          (at most 255 characters)
 *     domain          := host [ ":" port-number ]
 *     host            := domain-name | "[" IPv6 "]"
 *     domain-name     := domain-component [ "." domain-component ]*
 *     domain-component:= [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]
 *     remote-name     := path-component [ "/" path-component ]*
 *     path-component  := [a-z0-9]+ ( ( [._] | "__" | "-"+ ) [a-z0-9]+ )*
 *     tag             := [\w][\w.-]{0,127}
 *     digest          := algorithm ":" hex            (sha256: 64, sha512: 128 lowercase hex)
 *
 * so nothing a shell or unit file would interpret (`$(...)`, backticks, `;`, spaces, quotes,
 * newlines) can be part of one. The domain is required here (a VM pulls fully qualified images
 * only) and must be an RFC 1123 host name with a dot, or an IPv6 literal.
 */

const PATH_COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9A-Fa-f:.]+\\])(?::[0-9]+)?`;
const TAG_PATTERN = "[\\w][\\w.-]{0,127}";
const DIGEST_PATTERN = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";
/** The reference grammar, anchored; groups: domain, remote-name, tag, digest. */
const REFERENCE = new RegExp(
  `^(?:(${DOMAIN})/)?(${PATH_COMPONENT}(?:/${PATH_COMPONENT})*)(?::(${TAG_PATTERN}))?(?:@(${DIGEST_PATTERN}))?$`,
);
/** The longest name (domain and remote name) the distribution grammar allows. */
const NAME_MAX_LENGTH = 255;
/** Digest algorithms a registry accepts, with their hex length. */
const DIGEST_HEX_LENGTH: Readonly<Record<string, number>> = { sha256: 64, sha512: 128 };
/** A registry host name, optionally with a port. */
const HOST_PORT = /^([^:]+)(?::([0-9]{1,5}))?$/;
const COMMIT_SHA = /^[0-9a-f]{7,40}$/;
/** Artifact Registry and Container Registry hosts: docker pulls from them as the VM's account. */
const GOOGLE_REGISTRY = /(^|\.)(pkg\.dev|gcr\.io)$/;
/**
 * What a cdktf reference stands in as while the grammar is checked: a lowercase word, valid as
 * a domain component and as a path component.
 */
const TOKEN_PROBE = "tftoken";
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

/** The parts of a reference that matched the grammar. */
interface ParsedReference {
  readonly domain: string | undefined;
  readonly remoteName: string;
  readonly tag: string | undefined;
  readonly digest: string | undefined;
}

/** Parses a reference with the distribution grammar; undefined when it does not match. */
export function parseImageReference(reference: string): ParsedReference | undefined {
  const match = REFERENCE.exec(reference);
  if (!match) return undefined;
  return { domain: match[1], remoteName: match[2], tag: match[3], digest: match[4] };
}

/**
 * True when every `${TfToken[...]}` in `text` is a complete marker of a token cdktf created
 * (looked up in its token map), so it will be replaced by a Terraform reference. A string that
 * merely looks like a token is not one.
 */
function tokensAreReal(text: string): boolean {
  if (!Token.isUnresolved(text)) return !text.includes("TfToken[");
  const literal = text.replace(TOKEN_MARKER, "");
  if (literal.includes("TfToken[")) return false;
  try {
    Tokenization.reverseString(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * Checks a container image given as a reference string or as an object with a `uri` (the
 * `ImageRef` of `ArtifactRegistry.image()`) against the distribution reference grammar: fully
 * qualified (a registry host), and pinned to a commit SHA tag (7–40 lowercase hex digits) or a
 * digest (`@sha256:<64 hex>`). The host and the path before the image name may hold references
 * Terraform computes (real cdktf tokens only, each standing where a grammar word may); the image
 * name and its tag or digest must be plain strings.
 */
export function checkContainerImage(
  scope: IConstruct,
  property: string,
  ref: unknown,
): ContainerImage {
  const uri: unknown = typeof ref === "string" ? ref : (ref as { uri?: unknown } | null)?.uri;
  const bad: (problem: string, fix: string) => never = (problem, fix) =>
    invalid(scope, property, uri, problem, fix);
  const grammar = `write <registry host>[:<port>]/<path>/<image>:<commit sha> or ...@sha256:<digest>, with lowercase path components of letters, digits and single . _ __ or - separators, e.g. ${EXAMPLE}`;
  if (typeof uri !== "string" || uri === "") {
    return bad("is not an image reference", `pass a pinned reference such as ${EXAMPLE}`);
  }
  if (!tokensAreReal(uri)) {
    bad(
      "holds text that looks like a Terraform reference but is not one",
      `pass a reference built from the constructs' attributes (registry.image(...)), or a plain reference such as ${EXAMPLE}`,
    );
  }
  const probe = uri.replace(TOKEN_MARKER, TOKEN_PROBE);
  const parsed = parseImageReference(probe);
  if (parsed === undefined) {
    if (/[^A-Za-z0-9._:/@[\]-]/.test(probe)) {
      bad(
        "contains characters no image reference may hold (spaces, quotes, $, ;, `, line breaks, ...)",
        grammar,
      );
    }
    const at = probe.indexOf("@");
    if (at >= 0 && !new RegExp(`^${DIGEST_PATTERN}$`).test(probe.slice(at + 1))) {
      bad("has an invalid digest", "use @sha256:<64 lowercase hex digits>");
    }
    bad("is not an image reference by the OCI distribution grammar", grammar);
  }
  // A host Terraform computes (a token for the whole host) counts as qualified.
  const computedHost = Token.isUnresolved(uri.split("/")[0]);
  const qualified = /[.[]/.test(parsed.domain?.replace(/:[0-9]+$/, "") ?? "") || computedHost;
  if (parsed.domain === undefined || !qualified) {
    bad("is not a fully qualified image reference (it names no registry host)", grammar);
  }
  const name = `${parsed.domain}/${parsed.remoteName}`;
  if (name.length > NAME_MAX_LENGTH) {
    bad(
      `has a name of ${name.length} characters; the distribution grammar allows at most ${NAME_MAX_LENGTH}`,
      "use a shorter registry path or image name",
    );
  }
  const [, hostPart, port] = HOST_PORT.exec(parsed.domain) ?? [];
  if (
    (hostPart !== undefined && !hostPart.startsWith("[") && !isHostName(hostPart)) ||
    (port !== undefined && (Number(port) < 1 || Number(port) > 65535))
  ) {
    bad("has a registry host that is not an RFC 1123 host name with a port of 1–65535", grammar);
  }
  if (parsed.remoteName.split("/").length < 2) {
    bad("has no path below the registry host", grammar);
  }
  const last = uri.slice(uri.lastIndexOf("/") + 1);
  if (Token.isUnresolved(last)) {
    bad(
      "has an image name, tag or digest only known at apply time",
      "give the image name and its tag or digest as plain strings",
    );
  }
  const { tag, digest } = parsed;
  if (digest !== undefined) {
    const [algorithm, hex] = digest.split(":");
    if (DIGEST_HEX_LENGTH[algorithm] !== hex.length || !/^[0-9a-f]+$/.test(hex)) {
      bad(
        "has an invalid digest",
        "use @sha256:<64 lowercase hex digits> (or @sha512:<128>), as `docker buildx imagetools inspect` prints it",
      );
    }
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
  // The tag and digest hold no tokens (checked above), so they are a plain suffix of `uri`.
  const suffix = (tag !== undefined ? `:${tag}` : "") + (digest !== undefined ? `@${digest}` : "");
  return {
    image: uri,
    host: uri.split("/")[0],
    repository: uri.slice(0, uri.length - suffix.length),
  };
}

/**
 * True for a registry host: an RFC 1123 host name with a dot, optionally with a port of 1–65535.
 */
export function isRegistryHost(value: unknown): value is string {
  if (typeof value !== "string") return false;
  const [, host, port] = HOST_PORT.exec(value) ?? [];
  if (host === undefined || !host.includes(".") || !isHostName(host)) return false;
  // A name whose last label is all digits is an address: only a real IPv4 one ("0.0" is neither).
  const last = host.slice(host.lastIndexOf(".") + 1);
  if (/^[0-9]+$/.test(last) && !ipaddr.IPv4.isValidFourPartDecimal(host)) return false;
  return port === undefined || (Number(port) >= 1 && Number(port) <= 65535);
}

/**
 * The registry hosts docker is given credentials for: `given` (checked to be an RFC 1123 host
 * name, optionally with a port), or
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
    if (!isRegistryHost(given)) {
      invalid(
        scope,
        property,
        given,
        "is not a registry host name (RFC 1123, with a dot, optionally :<port>)",
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
