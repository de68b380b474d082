import type { IConstruct } from "constructs";
import { findSecretShape } from "../../vocabulary/secrets";
import { invalid } from "../core/errors";

/** A file the startup script writes on the VM at every boot. */
export interface VmFile {
  /**
   * Absolute path: `/` then components of `[A-Za-z0-9._@+-]`, no `.` or `..`, no trailing `/`.
   * Not under `/proc`, `/sys`, `/dev`, `/run`, `/boot`, and not a file the construct writes itself
   * (units, slices, deploy.sh, release-sync and its units and state under `/var/lib/release-sync`,
   * the Ops agent config). Parent directories are created.
   */
  readonly path: string;
  /**
   * The file's text, written as is through a quoted heredoc (no shell expansion); a final newline
   * is added when missing. It may contain Terraform references (a bucket name, a private IP):
   * they are resolved at apply time. A literal `${` or `%{` is escaped so Terraform leaves it
   * alone. Never put secret values here: they would be in the instance metadata.
   */
  readonly content: string;
  /** Octal permissions `0644`, `0755`, `0600`, ...; never world-writable or setuid. @default "0644" */
  readonly mode?: string;
  /**
   * A systemd unit to `reload-or-restart` when the file was written or removed, e.g. `nginx`.
   * It runs at the end of the startup script, after the containers are up.
   * @default none
   */
  readonly reloadService?: string;
  /**
   * Write the file only while this absolute path exists on the VM, and remove it otherwise: for
   * configuration that needs something created later by hand, such as a TLS certificate.
   * @default always written
   */
  readonly onlyIfExists?: string;
}

/**
 * What a VM's startup script sets up on the host besides the containers: Debian packages to
 * install, files to write (through a quoted heredoc, escaped for Terraform), and units to enable.
 * Everything here lands in a shell script, so it is checked against strict patterns and then
 * quoted by the template; file contents that hold a secret by its shape are refused, since they
 * would be readable in the instance metadata.
 */

/** Debian policy §5.6.1: lowercase letters, digits, `+`, `-`, `.`; alphanumeric first; ≥ 2. */
const DEBIAN_PACKAGE = /^[a-z0-9][a-z0-9+.-]{1,99}$/;
const MAX_PACKAGES = 100;
/** An absolute path of plain components; `.` and `..` are refused separately. */
const ABSOLUTE_PATH = /^(\/[A-Za-z0-9._@+-]+)+$/;
const VIRTUAL_FS = /^\/(proc|sys|dev|run|boot)(\/|$)/;
const FILE_MODE = /^0?([0-7]{3})$/;
/** A systemd unit name, optionally with its type suffix (`nginx`, `nginx.service`). */
const UNIT_NAME = /^[A-Za-z0-9][A-Za-z0-9:_.@-]{0,250}$/;
const UNIT_WITH_TYPE = /^[A-Za-z0-9][A-Za-z0-9:_.@-]{0,240}\.(service|timer|socket|path|target)$/;
/** Paths the construct writes itself besides the services' units and slices. */
const OWN_FILES = [
  "/opt/scripts/deploy.sh",
  "/etc/google-cloud-ops-agent/config.yaml",
  "/opt/scripts/release-sync.sh",
  "/etc/systemd/system/release-sync.service",
  "/etc/systemd/system/release-sync.timer",
];
/** Where release-sync keeps the image each service runs. */
const OWN_DIRECTORIES = ["/var/lib/release-sync/"];

/** A host file that passed {@link checkHostFiles}, as the startup script template takes it. */
export interface HostFile {
  readonly path: string;
  /** The content, ending in a newline (or empty), escaped for Terraform. */
  readonly body: string;
  /** The heredoc delimiter: a line that does not occur in the content. */
  readonly delimiter: string;
  readonly mode: string;
  /** Empty when not set. */
  readonly reloadService: string;
  /** Empty when not set. */
  readonly onlyIfExists: string;
}

/** Checks the Debian packages to install: at most 100 bare package names, each once. */
export function checkHostPackages(scope: IConstruct, packages: readonly string[]): string[] {
  if (!Array.isArray(packages) || packages.length > MAX_PACKAGES) {
    invalid(
      scope,
      "hostPackages",
      packages,
      `is not a list of at most ${MAX_PACKAGES} package names`,
      "pass Debian package names, e.g. ['nginx', 'certbot']",
    );
  }
  packages.forEach((pkg, i) => {
    if (typeof pkg !== "string" || !DEBIAN_PACKAGE.test(pkg)) {
      invalid(
        scope,
        `hostPackages[${i}]`,
        pkg,
        "is not a Debian package name",
        "use the bare package name (lowercase letters, digits, '+', '-', '.'; at least 2 characters), no version, option or space, e.g. 'nginx'",
      );
    }
    if (packages.indexOf(pkg) !== i) {
      invalid(scope, `hostPackages[${i}]`, pkg, "is listed twice", "list each package once");
    }
  });
  return [...packages];
}

/**
 * Checks the files to write and prepares each for its heredoc: plain absolute paths outside the
 * virtual file systems and the construct's own files (deploy.sh, release-sync, the Ops agent config, the units,
 * slices and drop-ins of `serviceNames`), text content, safe modes, unit names to reload.
 */
export function checkHostFiles(
  scope: IConstruct,
  files: readonly VmFile[],
  serviceNames: readonly string[],
): HostFile[] {
  if (!Array.isArray(files)) {
    invalid(scope, "files", files, "is not a list", "pass [{ path, content }]");
  }
  const own = new Set(OWN_FILES);
  for (const name of serviceNames) {
    own.add(`/etc/systemd/system/${name}.service`);
    own.add(`/etc/systemd/system/${name}.slice`);
  }
  const seen = new Set<string>();
  return files.map((file, i) => {
    const p = `files[${i}]`;
    if (file === null || typeof file !== "object") {
      invalid(scope, p, file, "is not a file", "pass { path, content, mode?, reloadService? }");
    }
    const path = checkPath(scope, `${p}.path`, file.path);
    if (VIRTUAL_FS.test(path)) {
      invalid(
        scope,
        `${p}.path`,
        path,
        "is on a virtual or boot file system",
        "write configuration under /etc, /opt, /usr/local or /var",
      );
    }
    const dropIn = serviceNames.some((name) =>
      path.startsWith(`/etc/systemd/system/${name}.service.d/`),
    );
    if (own.has(path) || dropIn || OWN_DIRECTORIES.some((dir) => path.startsWith(dir))) {
      invalid(
        scope,
        `${p}.path`,
        path,
        "is written by the Vm construct itself",
        "choose another path; configure the containers through the services prop",
      );
    }
    if (seen.has(path)) {
      invalid(scope, `${p}.path`, path, "is listed twice", "write each file once");
    }
    seen.add(path);
    const content: unknown = file.content;
    if (typeof content !== "string" || content.includes("\0")) {
      invalid(
        scope,
        `${p}.content`,
        typeof content === "string" ? "(contains a NUL byte)" : content,
        "is not text",
        "pass the file's text as a string without NUL bytes",
      );
    }
    const shape = findSecretShape(content);
    if (shape) {
      invalid(
        scope,
        `${p}.content`,
        "(not shown)",
        `holds ${shape.description}, which would be readable in the VM's metadata by anyone who can view the instance`,
        "keep the secret in Secret Manager and have the host or service read it at run time (gcloud secrets versions access)",
      );
    }
    const marker = /^# managed-by: vm-construct.*$/m.exec(content);
    if (marker) {
      invalid(
        scope,
        `${p}.content`,
        marker[0],
        "has a line starting with '# managed-by: vm-construct', which marks the units the startup script owns (it deletes those it no longer configures)",
        "reword that line, e.g. '# written by <your stack>'",
      );
    }
    if (/[$%]\$\{TfToken\[/.test(content)) {
      invalid(
        scope,
        `${p}.content`,
        content,
        "has a '$' or '%' right before a Terraform reference, which Terraform would read as an escape",
        "put another character between them",
      );
    }
    const modeMatch = FILE_MODE.exec(typeof file.mode === "string" ? file.mode : "");
    const mode = file.mode === undefined ? "0644" : modeMatch ? `0${modeMatch[1]}` : undefined;
    if (mode === undefined) {
      invalid(
        scope,
        `${p}.mode`,
        file.mode,
        "is not an octal file mode",
        "write three octal digits, optionally with a leading 0, e.g. '0644' or '0755'",
      );
    }
    if ((Number.parseInt(mode, 8) & 0o002) !== 0) {
      invalid(
        scope,
        `${p}.mode`,
        file.mode,
        "makes the file writable by every user of the VM",
        "drop the write bit for others, e.g. '0644' or '0664'",
      );
    }
    const reload: unknown = file.reloadService;
    if (reload !== undefined && (typeof reload !== "string" || !UNIT_NAME.test(reload))) {
      invalid(
        scope,
        `${p}.reloadService`,
        reload,
        "is not a systemd unit name",
        "use a unit name such as 'nginx' or 'nginx.service'",
      );
    }
    const onlyIfExists =
      file.onlyIfExists === undefined
        ? ""
        : checkPath(scope, `${p}.onlyIfExists`, file.onlyIfExists);
    const lines = content.split("\n");
    let delimiter = "EOF_HOST_FILE";
    while (lines.includes(delimiter)) delimiter += "_X";
    const text = content === "" || content.endsWith("\n") ? content : `${content}\n`;
    return {
      path,
      body: text,
      delimiter,
      mode,
      reloadService: (reload as string | undefined) ?? "",
      onlyIfExists,
    };
  });
}

function checkPath(scope: IConstruct, property: string, path: unknown): string {
  const parts = typeof path === "string" ? path.split("/").slice(1) : [];
  if (
    typeof path !== "string" ||
    !ABSOLUTE_PATH.test(path) ||
    path.length > 4096 ||
    parts.some((c) => c === "." || c === ".." || c.length > 255)
  ) {
    invalid(
      scope,
      property,
      path,
      "is not a plain absolute path",
      "start with '/', use components of letters, digits and . _ @ + - (no '.' or '..', no spaces, no trailing '/'), e.g. '/etc/nginx/conf.d/site.conf'",
    );
  }
  return path;
}

/** Checks the host units to enable: full unit names with their type, each once. */
export function checkEnableUnits(scope: IConstruct, units: readonly string[]): string[] {
  if (!Array.isArray(units)) {
    invalid(scope, "enableUnits", units, "is not a list", "pass ['nginx.service']");
  }
  units.forEach((unit, i) => {
    if (typeof unit !== "string" || !UNIT_WITH_TYPE.test(unit)) {
      invalid(
        scope,
        `enableUnits[${i}]`,
        unit,
        "is not a systemd unit name with its type",
        "write the full unit name, e.g. 'nginx.service' or 'backup.timer'",
      );
    }
    if (units.indexOf(unit) !== i) {
      invalid(scope, `enableUnits[${i}]`, unit, "is listed twice", "list each unit once");
    }
  });
  return [...units];
}
