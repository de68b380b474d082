import type { IConstruct } from "constructs";
import { invalid } from "../core/errors";
import { renderTemplate } from "../core/templates";
import { checkEnv, isEnvName, refuseSecretValue, UNIT_FILE_WORD } from "./env-secrets";
import type { HostFile } from "./host-config";
import { checkContainerImage } from "./image-reference";
import { Secret } from "./secrets";

/**
 * A container image: a reference string, or an object with a `uri` such as the `ImageRef` that
 * `ArtifactRegistry.image()` returns. The reference is `<host>/<path>/<image>:<tag>` or
 * `...@sha256:<digest>`.
 */
export type VmImage = string | { readonly uri: string };

/** One container the VM runs as a systemd service. */
export interface VmService {
  /**
   * The service's name: systemd unit `<name>.service`, container name and the argument of
   * `/opt/scripts/deploy.sh`. RFC 1035, at most 63 characters.
   */
  readonly name: string;
  /**
   * The image, fully qualified and pinned: tagged with a commit SHA (7–40 hex digits) or given by
   * `@sha256:` digest. `latest`, other tags and untagged images are refused (they can move).
   */
  readonly image: VmImage;
  /**
   * Environment variables: names `[A-Z_][A-Z0-9_]*`, values of `[A-Za-z0-9._:/@+=,-]` only (they
   * are written into the unit file and so into the instance metadata). Never secret values: a
   * name that announces one (`*_PASSWORD`, `*_TOKEN`, `*_API_KEY`, ...) is refused, and so is a
   * value that is a secret by its shape (a known key or token format, a URL with a password, a
   * random-looking value under a secret-like name). Use {@link secrets} instead.
   * @default {}
   */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Secret Manager secrets the service reads at run time, by variable: `{ DB_PASSWORD: secret }`
   * gives the VM's service account `roles/secretmanager.secretAccessor` on that secret and sets
   * `DB_PASSWORD_SECRET=<the secret's ID>` in the service's environment; the service fetches
   * the value with its credentials. The value never reaches the JSON, the metadata or the unit.
   * @default {}
   */
  readonly secrets?: Readonly<Record<string, Secret>>;
  /**
   * Arguments after the image, each of `[A-Za-z0-9._:/@+=,-]`; secret-shaped values are refused
   * as in {@link env}. @default []
   */
  readonly args?: readonly string[];
  /**
   * Hard memory limit (systemd `MemoryMax`): a size in bytes or with a `K`, `M`, `G` or `T` suffix
   * (base 1024), e.g. `"2G"`, `"1536M"`, `"1.5G"`; at least `1M`. The limit is set on a slice
   * `<name>.slice` that holds the container (`docker run --cgroup-parent`), since the container
   * does not run in the unit's own cgroup; docker gets `--memory` too.
   * @default no limit
   */
  readonly memoryMax?: string;
  /**
   * Memory throttling threshold (systemd `MemoryHigh`) on the same slice: above it the kernel
   * reclaims the container's memory aggressively. Same format; at most `memoryMax`.
   * @default no threshold
   */
  readonly memoryHigh?: string;
}

/**
 * What a VM runs at boot, rendered at synth time from `templates/`: one systemd unit per service
 * (and a slice for its memory limits), `/opt/scripts/deploy.sh` (or, with a release record,
 * `/opt/scripts/release-sync.sh` and its every-minute timer), and the startup script that
 * installs docker, the host packages and files and those units. The services are checked here
 * for the grammar of each line they land in; the templates then quote every value for its
 * context (`{{shq}}`, `{{shdq}}`, `{{word}}`: constructs/core/templates.ts).
 */

const RFC1035_63 = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** Unit names the services must not take over. */
const RESERVED_SERVICES =
  /^(docker|containerd|ssh|sshd|cron|rsyslog|networking|dbus|chrony|release-sync|google-.*|systemd-.*|getty.*)$/;
/** A systemd size: bytes, or a number (decimals allowed) with K, M, G or T (base 1024). */
const SYSTEMD_SIZE = /^(?:[0-9]+[KMGT]?|[0-9]+\.[0-9]+[KMGT])$/;
const SIZE_FACTORS: Readonly<Record<string, number>> = {
  "": 1,
  K: 2 ** 10,
  M: 2 ** 20,
  G: 2 ** 30,
  T: 2 ** 40,
};

/** A service that passed {@link checkServices}, as the unit templates take it. */
export interface CheckedService {
  readonly name: string;
  readonly image: string;
  /** The image's registry host. */
  readonly host: string;
  /** The image without its tag or digest: deploy.sh adds the released commit SHA. */
  readonly repository: string;
  /** The env variables, then `<NAME>_SECRET=<secret id>` for each of `secrets`. */
  readonly env: readonly { name: string; value: string }[];
  /** The Secret Manager secrets the service reads, to grant the VM's account access to. */
  readonly secrets: readonly Secret[];
  readonly args: readonly string[];
  /** Empty when not set (the templates test them with `if`). */
  readonly memoryMax: string;
  readonly memoryHigh: string;
}

/** Where the VM's state files of released images live: `<dir>/<service>.env` (`IMAGE=...`). */
export const RELEASE_STATE_DIR = "/var/lib/release-sync";

/** What {@link renderStartupScript} renders from. */
export interface StartupScriptInput {
  readonly instanceName: string;
  readonly services: readonly CheckedService[];
  /** Hosts for `gcloud auth configure-docker`. */
  readonly registryHosts: readonly string[];
  readonly opsAgent: boolean;
  readonly hostPackages: readonly string[];
  readonly files: readonly HostFile[];
  readonly enableUnits: readonly string[];
  /**
   * The name of the release record bucket (a reference is fine): the VM gets release-sync and its
   * timer instead of deploy.sh, and each unit reads its image from the state file release-sync
   * writes. Undefined: deploy.sh as before.
   */
  readonly releaseBucket?: string;
}

/** release-sync: the script and the units that run it every minute. */
export interface RenderedReleaseSync {
  /** `/opt/scripts/release-sync.sh`. */
  readonly script: string;
  /** `/etc/systemd/system/release-sync.service` (oneshot). */
  readonly service: string;
  /** `/etc/systemd/system/release-sync.timer` (every minute). */
  readonly timer: string;
}

/** The rendered scripts and units of a VM. */
export interface RenderedStartupScript {
  /** The startup script, as written into the instance metadata. */
  readonly startupScript: string;
  /** The systemd unit of each service, by service name, in the order of the services. */
  readonly units: Readonly<Record<string, string>>;
  /** The slice unit of each service that has `memoryMax` or `memoryHigh`. */
  readonly slices: Readonly<Record<string, string>>;
  /** `/opt/scripts/deploy.sh`; undefined with a release record (release-sync replaces it). */
  readonly deployScript?: string;
  /** release-sync, with a release record. */
  readonly releaseSync?: RenderedReleaseSync;
}

/**
 * The drop-in `deploy.sh SERVICE COMMIT` writes names the image the stack pinned then, on a line of
 * its own; the startup script removes the drop-in once the stack pins another image, so a release
 * or rollback through Terraform is never silently overridden by an older manual one.
 */
const PINNED_PREFIX = "# pinned: ";

/**
 * Renders the units, slices, deploy.sh (or release-sync) and the startup script that writes them. The text holds no
 * Terraform template sequence except cdktf references and the escapes of host file contents.
 */
export function renderStartupScript(
  scope: IConstruct,
  input: StartupScriptInput,
): RenderedStartupScript {
  const { instanceName, services, releaseBucket } = input;
  const serviceNames = services.map((s) => s.name).join(" ");
  const release = releaseBucket !== undefined;
  const units: Record<string, string> = {};
  const slices: Record<string, string> = {};
  for (const s of services) {
    const slice = s.memoryMax !== "" || s.memoryHigh !== "";
    // The Secret constructs are granted by the Vm; the unit gets their IDs in env.
    const releaseState = release ? `${RELEASE_STATE_DIR}/${s.name}.env` : false;
    const variables = { instanceName, ...s, secrets: undefined, slice, releaseState };
    units[s.name] = render(scope, "container.service.hbs", "container unit", variables);
    if (slice) {
      slices[s.name] = render(scope, "container.slice.hbs", "container slice", variables);
    }
  }
  const scripted = services.map((s) => ({
    name: s.name,
    image: s.image,
    repository: s.repository,
  }));
  const deployScript = release
    ? undefined
    : render(scope, "deploy.sh.hbs", "deploy script", {
        instanceName,
        serviceNames,
        services: scripted,
        pinnedPrefix: PINNED_PREFIX,
      });
  const releaseSync = release
    ? {
        script: render(scope, "release-sync.sh.hbs", "release-sync script", {
          instanceName,
          bucket: releaseBucket,
          serviceNames,
          services: scripted,
        }),
        service: render(scope, "release-sync.service.hbs", "release-sync unit", {
          instanceName,
          bucket: releaseBucket,
        }),
        timer: render(scope, "release-sync.timer.hbs", "release-sync timer", { instanceName }),
      }
    : undefined;
  const startupScript = render(scope, "startup.sh.hbs", "startup script", {
    instanceName,
    registryHosts: input.registryHosts.join(","),
    opsAgent: input.opsAgent,
    hostPackages: input.hostPackages,
    files: input.files,
    enableUnits: input.enableUnits,
    serviceNames,
    slicedNames: Object.keys(slices).join(" "),
    services: services.map((s) => ({
      name: s.name,
      // The line deploy.sh writes into its drop-in: the image the stack pinned at that release.
      pinnedLine: `${PINNED_PREFIX}${s.image}`,
      image: s.image,
      unit: heredocBody(units[s.name].trimEnd(), "EOF_CONTAINER_UNIT"),
      slice: heredocBody(slices[s.name]?.trimEnd() ?? "", "EOF_CONTAINER_SLICE"),
    })),
    deployScript: heredocBody(deployScript?.trimEnd() ?? "", "EOF_DEPLOY_SCRIPT"),
    release,
    releaseScript: heredocBody(releaseSync?.script.trimEnd() ?? "", "EOF_RELEASE_SYNC_SCRIPT"),
    releaseService: heredocBody(releaseSync?.service.trimEnd() ?? "", "EOF_RELEASE_SYNC_UNIT"),
    releaseTimer: heredocBody(releaseSync?.timer.trimEnd() ?? "", "EOF_RELEASE_SYNC_TIMER"),
  });
  return { startupScript, units, slices, deployScript, releaseSync };
}

/** A text for a quoted heredoc with a fixed delimiter: no line of it may be the delimiter. */
function heredocBody(text: string, delimiter: string): string {
  if (text.split("\n").includes(delimiter)) {
    throw new Error(`a rendered file has the line ${delimiter}, which would end its heredoc`);
  }
  return text;
}

function render(
  scope: IConstruct,
  template: string,
  what: string,
  variables: Record<string, unknown>,
): string {
  // A literal `${` or `%{` (a shell expansion, a file's text) reaches the VM as written: the
  // stack-wide text aspect escapes it for Terraform (constructs/core/terraform-text.ts).
  return renderTemplate(scope, template, variables, what);
}

/**
 * Checks the services: at least one; distinct RFC 1035 names that are not system units; pinned
 * images; env variables and args that are plain unit-file words; memory limits as systemd sizes,
 * `memoryHigh` at most `memoryMax`.
 */
export function checkServices(
  scope: IConstruct,
  services: readonly VmService[] | undefined,
): CheckedService[] {
  if (!Array.isArray(services) || services.length === 0) {
    invalid(
      scope,
      "services",
      services,
      "must list at least one container",
      "pass services: [{ name: 'core-engine', image: registry.image('core-engine', { tag: sha }) }]",
    );
  }
  const seen = new Set<string>();
  return (services as readonly VmService[]).map((s, i) => {
    const p = `services[${i}]`;
    const name = s?.name;
    if (typeof name !== "string" || !RFC1035_63.test(name)) {
      invalid(
        scope,
        `${p}.name`,
        name,
        "is not a valid service name",
        "use lowercase letters, digits and hyphens, starting with a letter (RFC 1035, at most 63)",
      );
    }
    if (RESERVED_SERVICES.test(name)) {
      invalid(
        scope,
        `${p}.name`,
        name,
        "would replace a system unit of the VM",
        "choose a name of your own, e.g. 'core-engine'",
      );
    }
    if (seen.has(name)) {
      invalid(scope, `${p}.name`, name, "is used twice", "give each service its own name");
    }
    seen.add(name);
    const { image, host, repository } = checkContainerImage(scope, `${p}.image`, s.image);
    const env = Object.entries(s.env ?? {}).map(([key, value]) =>
      checkEnv(scope, `${p}.env`, key, value),
    );
    const secrets = checkSecrets(scope, `${p}.secrets`, s.secrets, env);
    const args = (s.args ?? []).map((arg, j) => {
      // `--api-token=<value>`: the flag names the value, for the entropy check.
      const flag = typeof arg === "string" ? /^--?([A-Za-z][A-Za-z0-9_-]*)=/.exec(arg) : null;
      refuseSecretValue(scope, `${p}.args[${j}]`, arg, flag?.[1].replace(/-/g, "_").toUpperCase());
      if (typeof arg !== "string" || arg === "" || !UNIT_FILE_WORD.test(arg)) {
        invalid(
          scope,
          `${p}.args[${j}]`,
          arg,
          "contains characters the unit file would interpret (spaces, quotes, $, %, ;, \\)",
          "use one word of letters, digits and . _ : / @ + = , - per argument",
        );
      }
      return arg;
    });
    const memoryMax = checkSize(scope, `${p}.memoryMax`, s.memoryMax);
    const memoryHigh = checkSize(scope, `${p}.memoryHigh`, s.memoryHigh);
    if (memoryMax && memoryHigh && memoryHigh.bytes > memoryMax.bytes) {
      invalid(
        scope,
        `${p}.memoryHigh`,
        memoryHigh.text,
        `is above memoryMax (${memoryMax.text}), so it would never apply`,
        "set memoryHigh below memoryMax, e.g. memoryMax: '2G', memoryHigh: '1.5G'",
      );
    }
    return {
      name,
      image,
      host,
      repository,
      env: [...env, ...secrets.map((x) => ({ name: x.variable, value: x.secret.secretId }))],
      secrets: secrets.map((x) => x.secret),
      args,
      memoryMax: memoryMax?.text ?? "",
      memoryHigh: memoryHigh?.text ?? "",
    };
  });
}

/**
 * Checks a service's `secrets`: each key an env name whose `<KEY>_SECRET` variable is not also
 * in `env`, each value a {@link Secret} construct. The variable carries the secret's ID.
 */
function checkSecrets(
  scope: IConstruct,
  property: string,
  secrets: unknown,
  env: readonly { name: string }[],
): { variable: string; secret: Secret }[] {
  if (secrets === undefined) return [];
  if (secrets === null || typeof secrets !== "object" || Array.isArray(secrets)) {
    invalid(scope, property, secrets, "is not a map of names to Secrets", "pass { NAME: secret }");
  }
  return Object.entries(secrets as Record<string, unknown>).map(([key, secret]) => {
    if (!isEnvName(key)) {
      invalid(
        scope,
        `${property} key`,
        key,
        "is not an environment variable name",
        "use uppercase letters, digits and underscores, not starting with a digit",
      );
    }
    if (!(secret instanceof Secret)) {
      invalid(
        scope,
        `${property}.${key}`,
        secret,
        "is not a Secret construct",
        "pass the Secret (new Secret(stack, id, { name })); its ID is passed to the service and the VM's account may read it",
      );
    }
    const variable = `${key}_SECRET`;
    if (env.some((e) => e.name === variable)) {
      invalid(
        scope,
        `${property}.${key}`,
        variable,
        "is also given in env",
        `drop ${variable} from env: secrets sets it to the secret's ID`,
      );
    }
    return { variable, secret };
  });
}

function checkSize(
  scope: IConstruct,
  property: string,
  size: unknown,
): { text: string; bytes: number } | undefined {
  if (size === undefined) return undefined;
  const fix = "write bytes or a number with K, M, G or T (base 1024), e.g. '2G', '1536M' or '1.5G'";
  if (typeof size !== "string" || !SYSTEMD_SIZE.test(size)) {
    invalid(scope, property, size, "is not a systemd memory size", fix);
  }
  const unit = /[KMGT]$/.test(size) ? size.slice(-1) : "";
  const bytes = Number(unit ? size.slice(0, -1) : size) * SIZE_FACTORS[unit];
  if (bytes < SIZE_FACTORS.M) {
    invalid(scope, property, size, "is below 1M, too little for any container", fix);
  }
  return { text: size, bytes };
}
