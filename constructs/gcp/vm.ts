import { Construct } from "constructs";
import { Token } from "cdktf";
import { ComputeAddress } from "@cdktf/provider-google/lib/compute-address";
import { ComputeInstance } from "@cdktf/provider-google/lib/compute-instance";
import { invalid } from "../core/errors";
import { checkName, prefixedName } from "../core/naming";
import { PlatformStack } from "../core/stack";
import {
  escapeTerraformTemplate,
  hasTerraformTemplateSequence,
  renderTemplate,
  TOKEN_MARKER,
} from "../core/templates";
import type { IServiceAccount } from "./iam";
import type { INetwork, ISubnetwork } from "./network";
import { checkRegion, checkZone } from "./regions";

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
   * are written into the unit file). Never secret values: pass the Secret Manager secret's name,
   * in a variable ending in `_SECRET`, and read it at run time with the VM's service account.
   * @default {}
   */
  readonly env?: Readonly<Record<string, string>>;
  /** Arguments after the image, each of `[A-Za-z0-9._:/@+=,-]`. @default [] */
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

/** A file the startup script writes on the VM at every boot. */
export interface VmFile {
  /**
   * Absolute path: `/` then components of `[A-Za-z0-9._@+-]`, no `.` or `..`, no trailing `/`.
   * Not under `/proc`, `/sys`, `/dev`, `/run`, `/boot`, and not a file the construct writes itself
   * (units, slices, deploy.sh, the Ops agent config). Parent directories are created.
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

/** The boot disk. */
export interface VmBootDisk {
  /** Size in GB, an integer from 10 to 65536. @default 50 */
  readonly sizeGb?: number;
  /** @default "pd-balanced" */
  readonly type?: "pd-balanced" | "pd-ssd" | "pd-standard";
  /**
   * A Debian image (`debian-cloud/<image or family>`) or a custom Debian-based image with gcloud
   * (`<project>/<image>` or `projects/<project>/global/images/[family/]<name>`). The startup
   * script uses apt and the gcloud CLI that Google's Debian images ship; Container-Optimized OS,
   * Ubuntu, RHEL-family, SUSE, Windows and Arm images are refused.
   * @default "debian-cloud/debian-12"
   */
  readonly image?: string;
}

export interface VmProps {
  /** Short name; the instance is `${prefix}-${name}`. */
  readonly name: string;
  /** The zone, e.g. `us-central1-a`; it must lie in the subnet's region. */
  readonly zone: string;
  /**
   * The network the VM joins; with `region` (or the zone's region) it selects the subnet.
   * Give either `network` or `subnet`. @default undefined (then `subnet` is required)
   */
  readonly network?: INetwork;
  /** The subnet's region when `network` is given. @default the zone's region */
  readonly region?: string;
  /** The subnet, from `network.subnet(region)`. @default `network.subnet(region)` */
  readonly subnet?: ISubnetwork;
  /**
   * A predefined machine type (`e2-standard-4`, `e2-medium`, `n2-highmem-8`, `c3-standard-4`, ...)
   * or a custom one (`e2-custom-4-16384`, `n2-custom-4-16384`, `n2d-custom-...`).
   */
  readonly machineType: string;
  /**
   * The VM's identity; never the Compute Engine default service account. The access scope is
   * `cloud-platform`, as Google recommends: what the VM may do is decided by the roles granted to
   * this account, not by scopes.
   */
  readonly serviceAccount: IServiceAccount;
  /** @default { sizeGb: 50, type: "pd-balanced", image: "debian-cloud/debian-12" } */
  readonly bootDisk?: VmBootDisk;
  /**
   * `"none"`: private address only, egress through Cloud NAT. `"static"`: a reserved regional
   * address `${prefix}-${name}-ip` (protected from destroy) attached as the external IP, for
   * exchanges that allow-list the caller's IP; ingress is still only what the firewall allows.
   * @default "none"
   */
  readonly externalIp?: "static" | "none";
  /** Network tags, for firewall rules that target tags. RFC 1035, unique. @default [] */
  readonly networkTags?: readonly string[];
  /** The containers to run, at least one, with distinct names. */
  readonly services: readonly VmService[];
  /**
   * The registry host docker is given credentials for (`gcloud auth configure-docker`).
   * @default the Artifact Registry / Container Registry hosts of the services' images
   */
  readonly registryHost?: string;
  /**
   * Install the Ops agent: VM metrics, and the journal (where the containers log) to Cloud
   * Logging. @default true
   */
  readonly opsAgent?: boolean;
  /** Refuse `terraform destroy` of the instance. @default true */
  readonly deletionProtection?: boolean;
  /**
   * Debian packages installed on the host (when missing) before the files are written, e.g.
   * `["nginx", "certbot"]`. Names as Debian policy allows: lowercase letters, digits, `+`, `-`
   * and `.`, starting with a letter or digit, at least 2 characters; no versions or options.
   * @default []
   */
  readonly hostPackages?: readonly string[];
  /** Files written on the host after the packages are installed, in order. @default [] */
  readonly files?: readonly VmFile[];
  /**
   * Host units to `systemctl enable --now` at every boot, after the containers, e.g.
   * `["nginx.service", "backup.timer"]`: units of hostPackages or written by `files`. Full unit
   * names with their type suffix. @default []
   */
  readonly enableUnits?: readonly string[];
}

/** Machine type sizes (vCPUs) per family and class, from the Compute Engine machine families. */
const PREDEFINED: Readonly<Record<string, Readonly<Record<string, readonly number[]>>>> = {
  e2: { standard: [2, 4, 8, 16, 32], highmem: [2, 4, 8, 16], highcpu: [2, 4, 8, 16, 32] },
  n1: {
    standard: [1, 2, 4, 8, 16, 32, 64, 96],
    highmem: [2, 4, 8, 16, 32, 64, 96],
    highcpu: [2, 4, 8, 16, 32, 64, 96],
  },
  n2: {
    standard: [2, 4, 8, 16, 32, 48, 64, 80, 96, 128],
    highmem: [2, 4, 8, 16, 32, 48, 64, 80, 96, 128],
    highcpu: [2, 4, 8, 16, 32, 48, 64, 80, 96],
  },
  n2d: {
    standard: [2, 4, 8, 16, 32, 48, 64, 80, 96, 128, 224],
    highmem: [2, 4, 8, 16, 32, 48, 64, 80, 96],
    highcpu: [2, 4, 8, 16, 32, 48, 64, 80, 96, 128, 224],
  },
  n4: triple([2, 4, 8, 16, 32, 48, 64, 80]),
  c2: { standard: [4, 8, 16, 30, 60] },
  c2d: triple([2, 4, 8, 16, 32, 56, 112]),
  c3: triple([4, 8, 22, 44, 88, 176]),
  c3d: triple([4, 8, 16, 30, 60, 90, 180, 360]),
  c4: triple([2, 4, 8, 16, 24, 32, 48, 96, 144, 192, 288]),
  t2d: { standard: [1, 2, 4, 8, 16, 32, 48, 60] },
};
const SHARED_CORE = ["e2-micro", "e2-small", "e2-medium", "f1-micro", "g1-small"];
/** Custom machine types: allowed vCPU counts; memory is 0.5–8 GB per vCPU in 256 MB steps. */
const CUSTOM_VCPUS: Readonly<Record<string, (n: number) => boolean>> = {
  e2: (n) => n >= 2 && n <= 32 && n % 2 === 0,
  n2: (n) => (n >= 2 && n <= 32 && n % 2 === 0) || (n > 32 && n <= 128 && n % 4 === 0),
  n2d: (n) => [2, 4, 8].includes(n) || (n >= 16 && n <= 96 && n % 16 === 0),
};

function triple(sizes: readonly number[]): Record<string, readonly number[]> {
  return { standard: sizes, highmem: sizes, highcpu: sizes };
}

const RFC1035_63 = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** Unit names the services must not take over. */
const RESERVED_SERVICES =
  /^(docker|containerd|ssh|sshd|cron|rsyslog|networking|dbus|chrony|google-.*|systemd-.*|getty.*)$/;
const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;
/** Env names that announce a secret value; its Secret Manager name goes in `<NAME>_SECRET`. */
const SECRET_VALUE_NAME =
  /(^|_)(PASSWORD|PASSWD|PWD|TOKEN|API_KEY|APIKEY|SECRET_KEY|PRIVATE_KEY|ACCESS_KEY|CREDENTIALS?)$/;
const SECRET_REF =
  /^([A-Za-z0-9_-]{1,255}|projects\/[a-z0-9-]+\/secrets\/[A-Za-z0-9_-]{1,255}(\/versions\/(latest|[0-9]+))?)$/;
/**
 * Words that mean nothing special to bash, systemd (`$`, `%`, quotes, `\`, `;`) or Terraform
 * (`${`, `%{`): no quoting needed.
 */
const SAFE_WORD = /^[A-Za-z0-9._:/@+=,-]*$/;
const HOST = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+(:[0-9]{1,5})?$/;
const PATH_COMPONENT = /^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;
const COMMIT_SHA = /^[0-9a-f]{7,40}$/;
const GOOGLE_REGISTRY = /(^|\.)(pkg\.dev|gcr\.io)$/;
const IMAGE =
  /^(?:projects\/)?([a-z][-a-z0-9]{4,28}[a-z0-9])\/(?:global\/images\/)?(?:family\/)?([a-z](?:[-a-z0-9]{0,61}[a-z0-9])?)$/;
/** Google image projects whose images lack apt or gcloud, or are not Linux. */
const UNSUPPORTED_IMAGE_PROJECTS =
  /^(cos-cloud|ubuntu-os-cloud|ubuntu-os-pro-cloud|centos-cloud|rhel-cloud|rhel-sap-cloud|rocky-linux-cloud|almalinux-cloud|suse-cloud|suse-sap-cloud|opensuse-cloud|fedora-coreos-cloud|windows-cloud|windows-sql-cloud)$/;
const DEFAULT_SA = /(-compute@developer\.gserviceaccount\.com|@appspot\.gserviceaccount\.com)$/;
const SA_EMAIL = /^[a-z0-9-]+@[a-z0-9-]+\.iam\.gserviceaccount\.com$/;
const MAX_TAGS = 64;
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
/** A systemd size: bytes, or a number (decimals allowed) with K, M, G or T (base 1024). */
const SYSTEMD_SIZE = /^(?:[0-9]+[KMGT]?|[0-9]+\.[0-9]+[KMGT])$/;
const SIZE_FACTORS: Readonly<Record<string, number>> = {
  "": 1,
  K: 2 ** 10,
  M: 2 ** 20,
  G: 2 ** 30,
  T: 2 ** 40,
};
/** Paths the construct writes itself; a file may not take them over. */
const OWN_FILES = ["/opt/scripts/deploy.sh", "/etc/google-cloud-ops-agent/config.yaml"];

interface CheckedService {
  readonly name: string;
  readonly image: string;
  readonly host: string;
  readonly env: readonly { name: string; value: string }[];
  readonly args: readonly string[];
  /** Empty when not set (the templates test them with `if`). */
  readonly memoryMax: string;
  readonly memoryHigh: string;
}

interface CheckedFile {
  readonly path: string;
  /** The content, ending in a newline (or empty), escaped for Terraform. */
  readonly body: string;
  /** The heredoc delimiter: a line that does not occur in the content. */
  readonly delimiter: string;
  readonly mode: string;
  /** Empty when not set. */
  readonly reloadService: string;
  readonly onlyIfExists: string;
}

/**
 * A Compute Engine VM that runs containers under systemd: a startup script rendered at synth time
 * installs docker (Debian 12), gives docker Artifact Registry credentials for the VM's service
 * account, installs the Ops agent, writes one unit per service (`Restart=always`, pull before
 * start, `--network=host`, memory limits on a slice of its own) and `/opt/scripts/deploy.sh`, and
 * can install host packages and write host files (nginx, certbot, timers) checked at synth time.
 * Secure defaults: shielded VM, OS Login, project SSH keys blocked, serial port off, a dedicated
 * service account, no external IP, deletion protection.
 */
export class Vm extends Construct {
  /** The instance (escape hatch). */
  readonly instance: ComputeInstance;
  /** The reserved external address, when `externalIp` is `"static"`. */
  readonly address?: ComputeAddress;
  /** The instance's name, `${prefix}-${name}`. */
  readonly instanceName: string;
  readonly zone: string;
  readonly region: string;
  /** The startup script, as written into the instance metadata. */
  readonly renderedStartupScript: string;
  /** The VM's identity. */
  readonly serviceAccount: IServiceAccount;
  /** The services it runs, with the pinned image of each, in the order given. */
  readonly services: readonly { readonly name: string; readonly image: string }[];
  /** The systemd unit of each service, by service name. */
  readonly renderedUnits: Readonly<Record<string, string>>;
  /** The slice unit (memory limits) of each service that has `memoryMax` or `memoryHigh`. */
  readonly renderedSlices: Readonly<Record<string, string>>;
  /** `/opt/scripts/deploy.sh`. */
  readonly renderedDeployScript: string;
  private readonly tags: readonly string[];

  constructor(scope: Construct, id: string, props: VmProps) {
    super(scope, id);
    const stack = PlatformStack.of(this);
    if (props === undefined || props === null || typeof props !== "object") {
      invalid(
        this,
        "props",
        props,
        "are missing",
        "pass { name, zone, network, machineType, serviceAccount, services }",
      );
    }
    const name = checkName(this, "name", "instance", props.name);
    this.instanceName = stack.claimName(
      this,
      "name",
      "instance",
      prefixedName(this, "name", "instance", stack.prefix, name),
    );
    const subnet = this.resolveSubnet(props);
    this.region = subnet.region;
    this.zone = checkZone(this, "zone", props.zone, this.region);
    const machineType = this.checkMachineType(props.machineType);
    const email = this.checkServiceAccount(props.serviceAccount);
    const disk = this.checkBootDisk(props.bootDisk ?? {});
    const externalIp = props.externalIp ?? "none";
    if (externalIp !== "none" && externalIp !== "static") {
      invalid(
        this,
        "externalIp",
        externalIp,
        "is not an external IP mode",
        'use "none" (private, egress through Cloud NAT) or "static" (a reserved address)',
      );
    }
    this.tags = this.checkTags(props.networkTags ?? []);
    const services = this.checkServices(props.services);
    this.serviceAccount = props.serviceAccount;
    this.services = services.map((s) => ({ name: s.name, image: s.image }));
    const registryHosts = this.registryHosts(props.registryHost, services);
    const opsAgent = this.checkBoolean("opsAgent", props.opsAgent, true);
    const deletionProtection = this.checkBoolean(
      "deletionProtection",
      props.deletionProtection,
      true,
    );
    const hostPackages = this.checkPackages(props.hostPackages ?? []);
    const files = this.checkFiles(props.files ?? [], services);
    const enableUnits = this.checkEnableUnits(props.enableUnits ?? []);

    const serviceNames = services.map((s) => s.name).join(" ");
    const units: Record<string, string> = {};
    const slices: Record<string, string> = {};
    for (const s of services) {
      const slice = s.memoryMax !== "" || s.memoryHigh !== "";
      const variables = { instanceName: this.instanceName, ...s, slice };
      units[s.name] = this.render("container.service.hbs", "container unit", variables);
      if (slice) slices[s.name] = this.render("container.slice.hbs", "container slice", variables);
    }
    this.renderedUnits = units;
    this.renderedSlices = slices;
    this.renderedDeployScript = this.render("deploy.sh.hbs", "deploy script", {
      instanceName: this.instanceName,
      serviceNames,
      services: services.map((s) => ({
        name: s.name,
        image: s.image,
        // The image without its tag or digest: deploy.sh adds the released commit SHA.
        repository: s.image.replace(/@sha256:[0-9a-f]+$/, "").replace(/:[^/:]+$/, ""),
      })),
    });
    this.renderedStartupScript = this.render("startup.sh.hbs", "startup script", {
      instanceName: this.instanceName,
      registryHosts: registryHosts.join(","),
      opsAgent,
      helpers: files.length > 0 || Object.keys(slices).length > 0,
      hostPackages: hostPackages.join(" "),
      files,
      enableUnits: enableUnits.join(" "),
      serviceNames,
      slicedNames: Object.keys(slices).join(" "),
      services: services.map((s) => ({
        name: s.name,
        unit: units[s.name].trimEnd(),
        slice: slices[s.name]?.trimEnd() ?? "",
      })),
      deployScript: this.renderedDeployScript.trimEnd(),
    });

    if (externalIp === "static") {
      this.address = new ComputeAddress(this, "ip", {
        name: stack.claimName(
          this,
          "externalIp",
          "address",
          prefixedName(this, "name", "address", stack.prefix, name, "ip"),
        ),
        region: this.region,
        addressType: "EXTERNAL",
        networkTier: "PREMIUM",
        description: `External IP of ${this.instanceName}; third parties allow-list it`,
        // Losing the address means asking every exchange to allow-list a new one.
        lifecycle: { preventDestroy: true },
      });
    }

    this.instance = new ComputeInstance(this, "instance", {
      name: this.instanceName,
      zone: this.zone,
      machineType,
      description: `Runs ${services.map((s) => s.name).join(", ")} as containers under systemd`,
      bootDisk: {
        autoDelete: true,
        initializeParams: { image: disk.image, size: disk.sizeGb, type: disk.type },
      },
      networkInterface: [
        {
          subnetwork: subnet.selfLink,
          accessConfig: this.address
            ? [{ natIp: this.address.address, networkTier: "PREMIUM" }]
            : undefined,
        },
      ],
      serviceAccount: { email, scopes: ["cloud-platform"] },
      shieldedInstanceConfig: {
        enableSecureBoot: true,
        enableVtpm: true,
        enableIntegrityMonitoring: true,
      },
      metadata: {
        "enable-oslogin": "TRUE",
        "block-project-ssh-keys": "TRUE",
        "serial-port-enable": "FALSE",
        // Not metadata_startup_script: changing that one replaces the instance (blocked by
        // deletion protection, and downtime); this key is updated in place.
        "startup-script": this.renderedStartupScript,
      },
      tags: this.tags.length > 0 ? [...this.tags] : undefined,
      canIpForward: false,
      deletionProtection,
      allowStoppingForUpdate: true,
      scheduling: { automaticRestart: true, onHostMaintenance: "MIGRATE", preemptible: false },
    });
  }

  /** The external IP, when `externalIp` is `"static"` (for a TerraformOutput). */
  get externalIp(): string | undefined {
    return this.address?.address;
  }

  /** The instance's self link. */
  get selfLink(): string {
    return this.instance.selfLink;
  }

  /** The network tags, for firewall rules. */
  get networkTags(): readonly string[] {
    return this.tags;
  }

  /** Called by the stack's LabelsAspect: the boot disk gets the stack labels too. */
  applyLabels(labels: Readonly<Record<string, string>>): void {
    this.instance.addOverride("boot_disk.initialize_params.labels", { ...labels });
  }

  private render(template: string, what: string, variables: Record<string, unknown>): string {
    const text = renderTemplate(this, template, variables, what);
    // Terraform reads `${` and `%{` in strings as interpolation; only cdktf tokens may use them,
    // and file contents escaped as `$${` / `%%{` (see escapeTerraformTemplate).
    if (hasTerraformTemplateSequence(text)) {
      throw new Error(`templates/${template} produced "\${" or "%{", which Terraform interpolates`);
    }
    return text;
  }

  private resolveSubnet(props: VmProps): ISubnetwork {
    if (props.subnet !== undefined && props.network !== undefined) {
      invalid(
        this,
        "subnet",
        props.subnet?.region,
        "is given together with network",
        "pass either network (with region) or subnet: network.subnet(region)",
      );
    }
    if (props.subnet !== undefined) {
      const subnet = props.subnet;
      if (typeof subnet?.selfLink !== "string" || typeof subnet.region !== "string") {
        invalid(this, "subnet", subnet, "is not a subnet", "pass network.subnet(region)");
      }
      if (props.region !== undefined && props.region !== subnet.region) {
        invalid(
          this,
          "region",
          props.region,
          `differs from the subnet's region ${subnet.region}`,
          "leave region out when passing a subnet",
        );
      }
      return subnet;
    }
    if (typeof props.network?.subnet !== "function") {
      invalid(
        this,
        "network",
        props.network,
        "is missing",
        "pass the Network construct (network) or one of its subnets (subnet)",
      );
    }
    const region =
      props.region !== undefined
        ? checkRegion(this, "region", props.region)
        : checkZone(this, "zone", props.zone).replace(/-[a-z]$/, "");
    if (!props.network.regions.includes(region)) {
      invalid(
        this,
        props.region !== undefined ? "region" : "zone",
        props.region ?? props.zone,
        `is not in a region where the network has a subnet (${props.network.regions.join(", ")})`,
        "use a zone of one of those regions, or add a subnet for this region to the network",
      );
    }
    return props.network.subnet(region);
  }

  private checkMachineType(type: unknown): string {
    const families = [...Object.keys(PREDEFINED)].join(", ");
    const unknown = (problem: string, fix?: string): never =>
      invalid(
        this,
        "machineType",
        type,
        problem,
        fix ??
          `use <family>-<standard|highmem|highcpu>-<vCPUs> (e.g. e2-standard-4) from families ${families}, a shared-core type (${SHARED_CORE.join(", ")}) or <e2|n2|n2d>-custom-<vCPUs>-<MB> (e.g. e2-custom-4-16384)`,
      );
    if (typeof type !== "string") return unknown("is not a machine type");
    if (SHARED_CORE.includes(type)) return type;
    const custom = /^(e2|n2|n2d)-custom-([0-9]+)-([0-9]+)$/.exec(type);
    if (custom) {
      const [, family, cpuText, memText] = custom;
      const cpus = Number(cpuText);
      const mb = Number(memText);
      if (!CUSTOM_VCPUS[family](cpus)) {
        unknown(
          `has a vCPU count ${family}-custom does not offer`,
          family === "n2d"
            ? "use 2, 4, 8 or a multiple of 16 up to 96 vCPUs"
            : family === "e2"
              ? "use an even number of vCPUs from 2 to 32"
              : "use an even number of vCPUs up to 32, or a multiple of 4 up to 128",
        );
      }
      if (mb % 256 !== 0 || mb < cpus * 512 || mb > cpus * 8192) {
        unknown(
          `has ${mb} MB of memory for ${cpus} vCPUs`,
          `use a multiple of 256 MB from ${cpus * 512} to ${cpus * 8192} (0.5–8 GB per vCPU)`,
        );
      }
      return type;
    }
    const shape = /^([a-z][a-z0-9]*)-(standard|highmem|highcpu)-([0-9]+)$/.exec(type);
    const sizes = shape ? PREDEFINED[shape[1]]?.[shape[2]] : undefined;
    if (!shape || !sizes) return unknown("is not a known Compute Engine machine type");
    if (!sizes.includes(Number(shape[3]))) {
      unknown(
        `is not a size of ${shape[1]}-${shape[2]}`,
        `use one of ${sizes.map((n) => `${shape[1]}-${shape[2]}-${n}`).join(", ")}`,
      );
    }
    return type;
  }

  private checkServiceAccount(sa: IServiceAccount | undefined): string {
    const email: unknown = sa?.email;
    if (typeof email !== "string") {
      invalid(
        this,
        "serviceAccount",
        sa,
        "is missing",
        "create a dedicated ServiceAccount for the VM, grant it only the roles it needs, and pass it",
      );
    }
    if (Token.isUnresolved(email)) return email;
    if (DEFAULT_SA.test(email)) {
      invalid(
        this,
        "serviceAccount.email",
        email,
        "is a default service account, which has the Editor role on the project",
        "create a dedicated ServiceAccount for the VM and grant it only the roles it needs",
      );
    }
    if (!SA_EMAIL.test(email)) {
      invalid(
        this,
        "serviceAccount.email",
        email,
        "is not a service account email",
        "pass a ServiceAccount (name@project.iam.gserviceaccount.com)",
      );
    }
    return email;
  }

  private checkBootDisk(disk: VmBootDisk): Required<VmBootDisk> {
    const sizeGb = disk.sizeGb ?? 50;
    if (!Number.isInteger(sizeGb) || sizeGb < 10 || sizeGb > 65536) {
      invalid(
        this,
        "bootDisk.sizeGb",
        sizeGb,
        "is not a disk size from 10 to 65536 GB",
        "use a whole number of GB, at least 10 (default 50)",
      );
    }
    const type = disk.type ?? "pd-balanced";
    if (!["pd-balanced", "pd-ssd", "pd-standard"].includes(type)) {
      invalid(
        this,
        "bootDisk.type",
        type,
        "is not a boot disk type",
        'use "pd-balanced", "pd-ssd" or "pd-standard"',
      );
    }
    const image = disk.image ?? "debian-cloud/debian-12";
    const match = typeof image === "string" ? IMAGE.exec(image) : null;
    if (!match) {
      invalid(
        this,
        "bootDisk.image",
        image,
        "is not an image reference",
        'use "<project>/<image or family>" such as "debian-cloud/debian-12"',
      );
    }
    if (UNSUPPORTED_IMAGE_PROJECTS.test(match[1]) || match[2].includes("arm64")) {
      invalid(
        this,
        "bootDisk.image",
        image,
        "is not an x86 Debian image, which the startup script needs (apt, gcloud)",
        'use "debian-cloud/debian-12" (or a custom image based on it)',
      );
    }
    return { sizeGb, type, image };
  }

  private checkTags(tags: readonly string[]): readonly string[] {
    if (!Array.isArray(tags) || tags.length > MAX_TAGS) {
      invalid(this, "networkTags", tags, `is not a list of at most ${MAX_TAGS} tags`, "pass tags");
    }
    tags.forEach((tag, i) => {
      if (typeof tag !== "string" || !RFC1035_63.test(tag)) {
        invalid(
          this,
          `networkTags[${i}]`,
          tag,
          "is not a valid network tag",
          "use lowercase letters, digits and hyphens, starting with a letter (RFC 1035, at most 63)",
        );
      }
      if (tags.indexOf(tag) !== i) {
        invalid(this, `networkTags[${i}]`, tag, "is listed twice", "list each tag once");
      }
    });
    return [...tags];
  }

  private checkBoolean(property: string, value: unknown, fallback: boolean): boolean {
    if (value === undefined) return fallback;
    if (typeof value !== "boolean") {
      invalid(this, property, value, "is not a boolean", `use true or false (default ${fallback})`);
    }
    return value;
  }

  private checkServices(services: readonly VmService[] | undefined): CheckedService[] {
    if (!Array.isArray(services) || services.length === 0) {
      invalid(
        this,
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
          this,
          `${p}.name`,
          name,
          "is not a valid service name",
          "use lowercase letters, digits and hyphens, starting with a letter (RFC 1035, at most 63)",
        );
      }
      if (RESERVED_SERVICES.test(name)) {
        invalid(
          this,
          `${p}.name`,
          name,
          "would replace a system unit of the VM",
          "choose a name of your own, e.g. 'core-engine'",
        );
      }
      if (seen.has(name)) {
        invalid(this, `${p}.name`, name, "is used twice", "give each service its own name");
      }
      seen.add(name);
      const { image, host } = this.checkImage(`${p}.image`, s.image);
      const env = Object.entries(s.env ?? {}).map(([key, value]) =>
        this.checkEnv(`${p}.env`, key, value),
      );
      const args = (s.args ?? []).map((arg, j) => {
        if (typeof arg !== "string" || arg === "" || !SAFE_WORD.test(arg)) {
          invalid(
            this,
            `${p}.args[${j}]`,
            arg,
            "contains characters the unit file would interpret (spaces, quotes, $, %, ;, \\)",
            "use one word of letters, digits and . _ : / @ + = , - per argument",
          );
        }
        return arg;
      });
      const memoryMax = this.checkSize(`${p}.memoryMax`, s.memoryMax);
      const memoryHigh = this.checkSize(`${p}.memoryHigh`, s.memoryHigh);
      if (memoryMax && memoryHigh && memoryHigh.bytes > memoryMax.bytes) {
        invalid(
          this,
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
        env,
        args,
        memoryMax: memoryMax?.text ?? "",
        memoryHigh: memoryHigh?.text ?? "",
      };
    });
  }

  private checkSize(property: string, size: unknown): { text: string; bytes: number } | undefined {
    if (size === undefined) return undefined;
    const fix =
      "write bytes or a number with K, M, G or T (base 1024), e.g. '2G', '1536M' or '1.5G'";
    if (typeof size !== "string" || !SYSTEMD_SIZE.test(size)) {
      invalid(this, property, size, "is not a systemd memory size", fix);
    }
    const unit = /[KMGT]$/.test(size) ? size.slice(-1) : "";
    const bytes = Number(unit ? size.slice(0, -1) : size) * SIZE_FACTORS[unit];
    if (bytes < SIZE_FACTORS.M) {
      invalid(this, property, size, "is below 1M, too little for any container", fix);
    }
    return { text: size, bytes };
  }

  private checkPackages(packages: readonly string[]): string[] {
    if (!Array.isArray(packages) || packages.length > MAX_PACKAGES) {
      invalid(
        this,
        "hostPackages",
        packages,
        `is not a list of at most ${MAX_PACKAGES} package names`,
        "pass Debian package names, e.g. ['nginx', 'certbot']",
      );
    }
    packages.forEach((pkg, i) => {
      if (typeof pkg !== "string" || !DEBIAN_PACKAGE.test(pkg)) {
        invalid(
          this,
          `hostPackages[${i}]`,
          pkg,
          "is not a Debian package name",
          "use the bare package name (lowercase letters, digits, '+', '-', '.'; at least 2 characters), no version, option or space, e.g. 'nginx'",
        );
      }
      if (packages.indexOf(pkg) !== i) {
        invalid(this, `hostPackages[${i}]`, pkg, "is listed twice", "list each package once");
      }
    });
    return [...packages];
  }

  private checkFiles(files: readonly VmFile[], services: readonly CheckedService[]): CheckedFile[] {
    if (!Array.isArray(files)) {
      invalid(this, "files", files, "is not a list", "pass [{ path, content }]");
    }
    const own = new Set(OWN_FILES);
    for (const s of services) {
      own.add(`/etc/systemd/system/${s.name}.service`);
      own.add(`/etc/systemd/system/${s.name}.slice`);
    }
    const seen = new Set<string>();
    return files.map((file, i) => {
      const p = `files[${i}]`;
      if (file === null || typeof file !== "object") {
        invalid(this, p, file, "is not a file", "pass { path, content, mode?, reloadService? }");
      }
      const path = this.checkPath(`${p}.path`, file.path);
      if (VIRTUAL_FS.test(path)) {
        invalid(
          this,
          `${p}.path`,
          path,
          "is on a virtual or boot file system",
          "write configuration under /etc, /opt, /usr/local or /var",
        );
      }
      const dropIn = services.some((s) =>
        path.startsWith(`/etc/systemd/system/${s.name}.service.d/`),
      );
      if (own.has(path) || dropIn) {
        invalid(
          this,
          `${p}.path`,
          path,
          "is written by the Vm construct itself",
          "choose another path; configure the containers through the services prop",
        );
      }
      if (seen.has(path)) {
        invalid(this, `${p}.path`, path, "is listed twice", "write each file once");
      }
      seen.add(path);
      const content: unknown = file.content;
      if (typeof content !== "string" || content.includes("\0")) {
        invalid(
          this,
          `${p}.content`,
          typeof content === "string" ? "(contains a NUL byte)" : content,
          "is not text",
          "pass the file's text as a string without NUL bytes",
        );
      }
      const marker = /^# managed-by: vm-construct.*$/m.exec(content);
      if (marker) {
        invalid(
          this,
          `${p}.content`,
          marker[0],
          "has a line starting with '# managed-by: vm-construct', which marks the units the startup script owns (it deletes those it no longer configures)",
          "reword that line, e.g. '# written by <your stack>'",
        );
      }
      if (/[$%]\$\{TfToken\[/.test(content)) {
        invalid(
          this,
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
          this,
          `${p}.mode`,
          file.mode,
          "is not an octal file mode",
          "write three octal digits, optionally with a leading 0, e.g. '0644' or '0755'",
        );
      }
      if ((Number.parseInt(mode, 8) & 0o002) !== 0) {
        invalid(
          this,
          `${p}.mode`,
          file.mode,
          "makes the file writable by every user of the VM",
          "drop the write bit for others, e.g. '0644' or '0664'",
        );
      }
      const reload: unknown = file.reloadService;
      if (reload !== undefined && (typeof reload !== "string" || !UNIT_NAME.test(reload))) {
        invalid(
          this,
          `${p}.reloadService`,
          reload,
          "is not a systemd unit name",
          "use a unit name such as 'nginx' or 'nginx.service'",
        );
      }
      const onlyIfExists =
        file.onlyIfExists === undefined
          ? ""
          : this.checkPath(`${p}.onlyIfExists`, file.onlyIfExists);
      const lines = content.split("\n");
      let delimiter = "EOF_HOST_FILE";
      while (lines.includes(delimiter)) delimiter += "_X";
      const text = content === "" || content.endsWith("\n") ? content : `${content}\n`;
      return {
        path,
        body: escapeTerraformTemplate(text),
        delimiter,
        mode,
        reloadService: (reload as string | undefined) ?? "",
        onlyIfExists,
      };
    });
  }

  private checkPath(property: string, path: unknown): string {
    const parts = typeof path === "string" ? path.split("/").slice(1) : [];
    if (
      typeof path !== "string" ||
      !ABSOLUTE_PATH.test(path) ||
      path.length > 4096 ||
      parts.some((c) => c === "." || c === ".." || c.length > 255)
    ) {
      invalid(
        this,
        property,
        path,
        "is not a plain absolute path",
        "start with '/', use components of letters, digits and . _ @ + - (no '.' or '..', no spaces, no trailing '/'), e.g. '/etc/nginx/conf.d/site.conf'",
      );
    }
    return path;
  }

  private checkEnableUnits(units: readonly string[]): string[] {
    if (!Array.isArray(units)) {
      invalid(this, "enableUnits", units, "is not a list", "pass ['nginx.service']");
    }
    units.forEach((unit, i) => {
      if (typeof unit !== "string" || !UNIT_WITH_TYPE.test(unit)) {
        invalid(
          this,
          `enableUnits[${i}]`,
          unit,
          "is not a systemd unit name with its type",
          "write the full unit name, e.g. 'nginx.service' or 'backup.timer'",
        );
      }
      if (units.indexOf(unit) !== i) {
        invalid(this, `enableUnits[${i}]`, unit, "is listed twice", "list each unit once");
      }
    });
    return [...units];
  }

  private checkImage(property: string, ref: VmImage): { image: string; host: string } {
    const uri: unknown = typeof ref === "string" ? ref : ref?.uri;
    const bad = (problem: string, fix: string): never => invalid(this, property, uri, problem, fix);
    const example = "us-central1-docker.pkg.dev/my-project/trading-bot-repo/core-engine:3f9c2ab";
    if (typeof uri !== "string" || uri === "") {
      return bad("is not an image reference", `pass a pinned reference such as ${example}`);
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
        `write <registry host>/<path>/<image>:<commit sha> or ...@sha256:<digest>, e.g. ${example}`,
      );
    }
    const last = uri.slice(uri.lastIndexOf("/") + 1);
    if (Token.isUnresolved(last)) {
      bad(
        "has an image name, tag or digest only known at apply time",
        "give the image name and its tag or digest as plain strings",
      );
    }
    if (tag !== undefined && !TAG.test(tag)) bad("has an invalid tag", `e.g. ${example}`);
    if (digest !== undefined) {
      if (!DIGEST.test(digest)) bad("has an invalid digest", "use @sha256:<64 hex digits>");
    } else if (tag === undefined || tag === "latest") {
      bad(
        tag === undefined ? "has no tag, which means latest" : "uses the moving tag latest",
        `pin it to the commit SHA it was built from or to a digest, e.g. ${example}`,
      );
    } else if (!COMMIT_SHA.test(tag)) {
      bad(
        `is tagged "${tag}", which is not a commit SHA and can be moved`,
        `tag images with the commit SHA (7–40 hex digits) or pin a @sha256: digest, e.g. ${example}`,
      );
    }
    return { image: uri, host: uri.split("/")[0] };
  }

  private checkEnv(property: string, key: string, value: unknown): { name: string; value: string } {
    if (!ENV_NAME.test(key)) {
      invalid(
        this,
        `${property} key`,
        key,
        "is not an environment variable name",
        "use uppercase letters, digits and underscores, not starting with a digit",
      );
    }
    if (SECRET_VALUE_NAME.test(key)) {
      invalid(
        this,
        `${property}.${key}`,
        "(not shown)",
        "would put a secret value into the VM's metadata and unit files",
        `store it in Secret Manager and pass its name instead, e.g. ${key}_SECRET: "<secret id>", for the service to read at run time`,
      );
    }
    if (typeof value !== "string" || !SAFE_WORD.test(value)) {
      invalid(
        this,
        `${property}.${key}`,
        value,
        "contains characters the unit file would interpret (spaces, quotes, $, %, ;, \\)",
        "use letters, digits and . _ : / @ + = , - only",
      );
    }
    if (key.endsWith("_SECRET") && !SECRET_REF.test(value)) {
      invalid(
        this,
        `${property}.${key}`,
        value,
        "is not a Secret Manager secret name",
        "pass the secret's id (letters, digits, _ and -) or projects/<p>/secrets/<id>[/versions/<v>]",
      );
    }
    return { name: key, value };
  }

  private registryHosts(given: string | undefined, services: readonly CheckedService[]): string[] {
    if (given !== undefined) {
      if (typeof given !== "string" || !HOST.test(given)) {
        invalid(
          this,
          "registryHost",
          given,
          "is not a registry host name",
          "use the Artifact Registry host, e.g. us-central1-docker.pkg.dev",
        );
      }
      return [given];
    }
    const hosts = services
      .map((s) => s.host)
      .filter((h) => GOOGLE_REGISTRY.test(h) || Token.isUnresolved(h));
    return [...new Set(hosts)];
  }
}
