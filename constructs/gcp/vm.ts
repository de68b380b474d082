import { Construct, type IConstruct } from "constructs";
import { Token } from "cdktf";
import { ComputeAddress } from "@cdktf/provider-google/lib/compute-address";
import { ComputeInstance } from "@cdktf/provider-google/lib/compute-instance";
import { findSecretShape } from "../../vocabulary/secrets";
import { z } from "zod";
import { deletionPolicy, refuseProtectionFlags } from "../core/deletion";
import { invalid } from "../core/errors";
import { checkName, prefixedName } from "../core/naming";
import { recordOptOut, type OptOut } from "../core/opt-out";
import {
  checkedBy,
  checkProps,
  objectCheckedBy,
  constructRef,
  optOutSchema,
  refusedProtectionFlags as refusedFlags,
  stringMap,
  stringOf,
  type PropsSchema,
} from "../core/props";
import type { Secret } from "./secrets";
import type { Bucket } from "./bucket";
import { PlatformStack } from "../core/stack";
import { checkEnableUnits, checkHostFiles, checkHostPackages, type VmFile } from "./host-config";
import type { IServiceAccount } from "./iam";
import { checkBootImage, registryHosts } from "./image-reference";
import { checkMachineType } from "./machine-types";
import type { INetwork, ISubnetwork } from "./network";
import { checkRegion, checkZone } from "./regions";
import {
  checkServices,
  renderStartupScript,
  type RenderedReleaseSync,
  type VmImage,
  type VmService,
} from "./startup-script";

export type { VmImage, VmService } from "./startup-script";
export type { VmFile } from "./host-config";

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
   * or a custom one (`e2-custom-4-16384`, `n2-custom-4-16384`, `n2d-custom-...`), from the
   * catalogue in `machine-types.ts`. A type outside it is refused with the closest known names,
   * unless `allowUnknownMachineType` accepts it.
   */
  readonly machineType: string;
  /**
   * Accept a `machineType` the catalogue does not know (a new family or size Compute Engine
   * offers), with the reason: who checked that the type exists in the zone. It is recorded on
   * the instance as the opt-out `unknown-machine-type`, which the review report lists. A value
   * that is not a machine type name at all is still refused. Ignored for a known type.
   * @default undefined (unknown machine types are refused)
   */
  readonly allowUnknownMachineType?: OptOut;
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
  /**
   * Let Terraform delete the instance and its static address (dev and review environments),
   * with a reason: deletion protection and `prevent_destroy` are off, and the decision is
   * recorded as the opt-out `deletion-allowed`. There is no `deletionProtection: false`.
   * @default undefined (the instance has deletion protection, the address `prevent_destroy`)
   */
  readonly allowDeletion?: OptOut;
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
  /**
   * The release record: a private {@link Bucket} holding one object per service, named after the
   * service, whose content is the released commit SHA (the release pipeline writes it). The VM
   * gets `/opt/scripts/release-sync.sh` and `release-sync.timer`, which every minute reads each
   * service's record with the VM's identity and, when it names another commit, pulls
   * `<repository>:<sha>`, writes the image into `/var/lib/release-sync/<service>.env` (the unit's
   * `EnvironmentFile`), restarts the service and checks it is active. The image given in
   * `services` then runs only until the first release. The VM's service account gets
   * `roles/storage.objectViewer` on this bucket only. There is no `deploy.sh`.
   * @default undefined (no release record: `/opt/scripts/deploy.sh` releases by hand)
   */
  readonly releaseRecord?: Bucket;
}

const VM_SERVICE = z.strictObject({
  name: z.string(),
  // checkContainerImage parses the reference and says what a pinned image looks like.
  image: checkedBy<VmImage>("checkContainerImage"),
  env: stringMap.optional(),
  // Names and values are checked by checkServices, which says what a variable name may be.
  secrets: checkedBy<Readonly<Record<string, Secret>>>("checkServices").optional(),
  args: z.array(z.string()).optional(),
  // checkServices explains the systemd size format.
  memoryMax: checkedBy<string>("checkServices").optional(),
  memoryHigh: checkedBy<string>("checkServices").optional(),
}) satisfies PropsSchema<VmService>;

const VM_FILE = z.strictObject({
  path: z.string(),
  content: z.string(),
  mode: z.string().optional(),
  reloadService: z.string().optional(),
  onlyIfExists: z.string().optional(),
}) satisfies PropsSchema<VmFile>;

const VM_PROPS = z.strictObject({
  name: z.string(),
  zone: z.string(),
  network: constructRef<INetwork>("a Network, or Network.fromAttributes(...)", [
    "subnet",
  ]).optional(),
  region: z.string().optional(),
  subnet: constructRef<ISubnetwork>("a subnet: network.subnet(region)", ["selfLink"]).optional(),
  // checkMachineType names the closest catalogued types.
  machineType: checkedBy<string>("checkMachineType"),
  allowUnknownMachineType: optOutSchema.optional(),
  serviceAccount: constructRef<IServiceAccount>("a ServiceAccount", ["email"]),
  bootDisk: z
    .strictObject({
      sizeGb: z.number().optional(),
      type: stringOf<"pd-balanced" | "pd-ssd" | "pd-standard">().optional(),
      image: z.string().optional(),
    })
    .optional(),
  externalIp: stringOf<"static" | "none">().optional(),
  networkTags: z.array(z.string()).optional(),
  services: z.array(VM_SERVICE),
  registryHost: z.string().optional(),
  opsAgent: z.boolean().optional(),
  allowDeletion: optOutSchema.optional(),
  ...refusedFlags,
  hostPackages: z.array(z.string()).optional(),
  files: z.array(objectCheckedBy(VM_FILE, "checkHostFiles")).optional(),
  enableUnits: z.array(z.string()).optional(),
  releaseRecord: constructRef<Bucket>("the release record Bucket", [
    "bucket",
    "grantRead",
  ]).optional(),
}) satisfies PropsSchema<VmProps>;

const RFC1035_63 = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DEFAULT_SA = /(-compute@developer\.gserviceaccount\.com|@appspot\.gserviceaccount\.com)$/;
const SA_EMAIL = /^[a-z0-9-]+@[a-z0-9-]+\.iam\.gserviceaccount\.com$/;
const MAX_TAGS = 64;
/** Compute Engine: one metadata value holds at most 256 KiB. */
export const METADATA_VALUE_MAX_BYTES = 256 * 1024;
/** Compute Engine: all metadata keys and values of an instance together at most 512 KiB. */
export const METADATA_TOTAL_MAX_BYTES = 512 * 1024;

/**
 * A Compute Engine VM that runs containers under systemd: a startup script rendered at synth time
 * installs docker (Debian 12), gives docker Artifact Registry credentials for the VM's service
 * account, installs the Ops agent, writes one unit per service (`Restart=always`, pull before
 * start, `--network=host`, memory limits on a slice of its own) and `/opt/scripts/deploy.sh` (or,
 * with a release record, release-sync and its timer, which follow the record), and
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
  /** `/opt/scripts/deploy.sh`; undefined with a release record, where release-sync replaces it. */
  readonly renderedDeployScript?: string;
  /** release-sync's script and units, with a release record. */
  readonly renderedReleaseSync?: RenderedReleaseSync;
  /** The release record the VM follows, when it has one. */
  readonly releaseRecord?: Bucket;
  private readonly tags: readonly string[];

  constructor(scope: Construct, id: string, props: VmProps) {
    super(scope, id);
    const stack = PlatformStack.of(this);
    checkProps(
      this,
      VM_PROPS,
      props,
      "{ name, zone, network, machineType, serviceAccount, services }",
    );
    refuseProtectionFlags(this, props, "Vm");
    const deletion = deletionPolicy(this, props.allowDeletion);
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
    const machineType = checkMachineType(
      this,
      "machineType",
      props.machineType,
      props.allowUnknownMachineType,
    );
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
    const services = checkServices(this, props.services);
    this.serviceAccount = props.serviceAccount;
    // Each service reads its secrets as the VM's account: access to those secrets only.
    for (const secret of new Set(services.flatMap((s) => s.secrets))) {
      secret.grantAccess(props.serviceAccount);
    }
    this.services = services.map((s) => ({ name: s.name, image: s.image }));
    const hosts = registryHosts(
      this,
      "registryHost",
      props.registryHost,
      services.map((s) => s.host),
    );
    const opsAgent = this.checkBoolean("opsAgent", props.opsAgent, true);
    const hostPackages = checkHostPackages(this, props.hostPackages ?? []);
    const files = checkHostFiles(
      this,
      props.files ?? [],
      services.map((s) => s.name),
    );
    const enableUnits = checkEnableUnits(this, props.enableUnits ?? []);
    this.releaseRecord = props.releaseRecord;
    // release-sync reads the records as the VM: read access to this one bucket only.
    this.releaseRecord?.grantRead(props.serviceAccount);

    const rendered = renderStartupScript(this, {
      instanceName: this.instanceName,
      services,
      registryHosts: hosts,
      opsAgent,
      hostPackages,
      files,
      enableUnits,
      releaseBucket: this.releaseRecord?.name,
    });
    this.renderedUnits = rendered.units;
    this.renderedSlices = rendered.slices;
    this.renderedDeployScript = rendered.deployScript;
    this.renderedReleaseSync = rendered.releaseSync;
    this.renderedStartupScript = rendered.startupScript;

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
        lifecycle: deletion.lifecycle(),
      });
      deletion.record(this.address);
    }

    this.instance = new ComputeInstance(this, "instance", {
      name: this.instanceName,
      zone: this.zone,
      machineType: machineType.machineType,
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
      metadata: checkInstanceMetadata(this, {
        "enable-oslogin": "TRUE",
        "block-project-ssh-keys": "TRUE",
        "serial-port-enable": "FALSE",
        // Not metadata_startup_script: changing that one replaces the instance (blocked by
        // deletion protection, and downtime); this key is updated in place.
        "startup-script": this.renderedStartupScript,
      }),
      tags: this.tags.length > 0 ? [...this.tags] : undefined,
      canIpForward: false,
      deletionProtection: deletion.protect,
      allowStoppingForUpdate: true,
      scheduling: { automaticRestart: true, onHostMaintenance: "MIGRATE", preemptible: false },
    });
    deletion.record(this.instance);
    if (machineType.acceptedUnknown) {
      recordOptOut(this.instance, "unknown-machine-type", machineType.acceptedUnknown);
    }
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
    const image = checkBootImage(this, "bootDisk.image", disk.image ?? "debian-cloud/debian-12");
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
}

/**
 * Compute Engine's limits, which otherwise fail only at apply: each value at most 256 KiB, all
 * keys and values at most 512 KiB (UTF-8 bytes, measured with references as written and the
 * Terraform escapes counted). And the last sweep of the secret boundary: no value holds a
 * credential by its shape.
 */
export function checkInstanceMetadata(
  scope: IConstruct,
  metadata: Record<string, string>,
): Record<string, string> {
  let total = 0;
  for (const [key, value] of Object.entries(metadata)) {
    const bytes = Buffer.byteLength(value, "utf8");
    total += Buffer.byteLength(key, "utf8") + bytes;
    if (bytes > METADATA_VALUE_MAX_BYTES) {
      invalid(
        scope,
        `metadata.${key}`,
        `(${bytes} bytes)`,
        `is ${bytes} bytes; Compute Engine takes at most ${METADATA_VALUE_MAX_BYTES} bytes (256 KiB) per metadata value`,
        key === "startup-script"
          ? "make the files smaller or fewer (large files belong in a bucket or an image the VM reads at boot)"
          : "make the value smaller",
      );
    }
    const shape = findSecretShape(value);
    if (shape) {
      invalid(
        scope,
        `metadata.${key}`,
        "(not shown)",
        `holds ${shape.description}, readable by anyone who can view the instance`,
        "keep secrets in Secret Manager and pass them through a service's secrets prop",
      );
    }
  }
  if (total > METADATA_TOTAL_MAX_BYTES) {
    invalid(
      scope,
      "metadata",
      `(${total} bytes in total)`,
      `is ${total} bytes in all; Compute Engine takes at most ${METADATA_TOTAL_MAX_BYTES} bytes (512 KiB) of metadata keys and values per instance`,
      "make the startup script smaller (fewer or smaller files)",
    );
  }
  return metadata;
}
