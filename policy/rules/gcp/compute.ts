// GCP rules: Compute instances and templates.
import type { Json, Resource, Rule, RuleContext, Verdict } from "../../types";
import {
  blocks,
  COMPLIANT,
  combine,
  flag,
  get,
  isObject,
  isToken,
  NOT_APPLICABLE,
  problemsVerdict,
  requireFlag,
  show,
  strings,
  unverifiable,
  violation,
} from "../../values";
import { OPT_OUT_IDS } from "../../../vocabulary";
import { FROM_TEMPLATE, INSTANCE_TYPES, VM, VM_LABEL, CLOUD_PLATFORM } from "./resources";

/** Who a VM runs as: no identity, a dedicated account, the default compute account, unknown. */
function vmIdentity(
  r: Resource,
  context: RuleContext,
): "none" | "dedicated" | "default" | "unknown" {
  const account = blocks(r.config.service_account)[0];
  if (!account) return "none";
  const email = account.email;
  if (email === undefined || email === "" || email === "default") return "default";
  if (isToken(email)) {
    const target = context.resolve(email);
    if (target?.address.startsWith("data.google_compute_default_service_account."))
      return "default";
    return target?.type === "google_service_account" ? "dedicated" : "unknown";
  }
  return /-compute@developer\.gserviceaccount\.com$/.test(String(email)) ? "default" : "dedicated";
}

/** A metadata value; the whole expression when the metadata map is one. */
export function metadata(c: Json, key: string): unknown {
  if (isToken(c.metadata)) return c.metadata;
  return isObject(c.metadata) ? c.metadata[key] : undefined;
}

function metadataFlag(c: Json, key: string, wanted: boolean, whenUnset: Verdict): Verdict {
  const value = metadata(c, key);
  const parsed = flag(value);
  if (parsed === undefined) return whenUnset;
  if (parsed === wanted) return COMPLIANT;
  if (parsed === "unknown") return violation(unverifiable(`metadata["${key}"]`, value));
  return violation(`metadata["${key}"] is ${show(value)}`);
}

export const computeRules: Rule[] = [
  {
    id: "GCP-VM-001",
    checkovNote:
      "Also reads `google_compute_region_instance_template`; a `google_compute_instance_from_template` is read with its source template when that is in the stack, and fails closed when it is not (checkov: unknown).",
    checkov: "CKV_GCP_30",
    severity: "error",
    title: "VM does not run as the default compute service account",
    types: VM,
    appliesTo: VM_LABEL,
    fix: "Create a dedicated service account (ServiceAccount construct) and set service_account.email to it.",
    check: (r, context) => {
      const identity = vmIdentity(r, context);
      if (identity === "default") {
        return violation(
          `runs as the default compute service account (service_account.email = ${show(get(r.config, "service_account.email"))})`,
        );
      }
      if (identity === "unknown")
        return violation(
          unverifiable("service_account.email", get(r.config, "service_account.email")),
        );
      return COMPLIANT;
    },
  },
  {
    id: "GCP-VM-002",
    checkovNote:
      "As GCP-VM-001 for templates; an account that cannot be verified with full scopes is a finding.",
    checkov: "CKV_GCP_31",
    severity: "error",
    title: "VM does not combine the default service account with full API scopes",
    types: VM,
    appliesTo: VM_LABEL,
    fix: "Use a dedicated service account (then cloud-platform scope is fine: IAM roles limit it) or narrow the scopes.",
    check: (r, context) => {
      const identity = vmIdentity(r, context);
      if (identity === "none" || identity === "dedicated") return COMPLIANT;
      const scopes = get(r.config, "service_account.scopes");
      const full =
        isToken(scopes) || strings(scopes).some((s) => CLOUD_PLATFORM.includes(s) || isToken(s));
      if (!full) return COMPLIANT;
      return violation(
        `has scopes ${show(scopes)} with ${identity === "default" ? "the default compute service account" : "a service account that cannot be verified"}`,
      );
    },
  },
  {
    id: "GCP-VM-003",
    checkovNote: "As GCP-VM-001 for templates and instances from templates.",
    checkov: "CKV_GCP_32",
    severity: "error",
    title: "VM blocks project-wide SSH keys",
    types: VM,
    appliesTo: VM_LABEL,
    fix: 'Set metadata "block-project-ssh-keys" = "true" (use OS Login for SSH access).',
    check: (r) =>
      metadataFlag(
        r.config,
        "block-project-ssh-keys",
        true,
        violation(
          'metadata["block-project-ssh-keys"] is not set: project-wide SSH keys are accepted',
        ),
      ),
  },
  {
    id: "GCP-VM-004",
    checkovNote: "As GCP-VM-001 for templates and instances from templates.",
    checkov: "CKV_GCP_35",
    severity: "error",
    title: "VM serial port access is off",
    types: VM,
    appliesTo: VM_LABEL,
    fix: 'Remove metadata "serial-port-enable" or set it to "false".',
    check: (r) => metadataFlag(r.config, "serial-port-enable", false, COMPLIANT),
  },
  {
    id: "GCP-VM-005",
    checkovNote:
      "Stricter: checkov's CKV_GCP_34 reads `google_compute_instance` and fails only an explicit `enable-oslogin = false`; this rule reads templates too and requires OS Login to be on in the instance metadata (project metadata is not visible to the review).",
    checkov: "CKV_GCP_34",
    severity: "error",
    title: "VM uses OS Login",
    types: VM,
    appliesTo: VM_LABEL,
    fix: 'Set metadata "enable-oslogin" = "TRUE" so SSH access is granted through IAM.',
    check: (r) =>
      metadataFlag(
        r.config,
        "enable-oslogin",
        true,
        violation(
          'metadata["enable-oslogin"] is not set: the project metadata decides, which this review cannot see',
        ),
      ),
  },
  {
    id: "GCP-VM-006",
    checkovNote:
      "As GCP-VM-001 for templates and instances from templates; vTPM and integrity monitoring count their provider default (true).",
    checkov: "CKV_GCP_39",
    severity: "error",
    title: "VM is a Shielded VM (secure boot, vTPM, integrity monitoring)",
    types: VM,
    appliesTo: VM_LABEL,
    fix: "Set shielded_instance_config { enable_secure_boot = true, enable_vtpm = true, enable_integrity_monitoring = true }.",
    check: (r) =>
      combine(
        requireFlag(r.config, "shielded_instance_config.enable_secure_boot", true, false),
        requireFlag(r.config, "shielded_instance_config.enable_vtpm", true, true),
        requireFlag(r.config, "shielded_instance_config.enable_integrity_monitoring", true, true),
      ),
  },
  {
    id: "GCP-VM-007",
    checkovNote: "Also reads templates, region templates and instances from templates.",
    checkov: "CKV_GCP_40",
    severity: "warning",
    title: "VM has no external IP",
    types: VM,
    appliesTo: VM_LABEL,
    fix: "Remove network_interface.access_config; reach the internet through Cloud NAT and the VM through IAP.",
    check: (r) =>
      problemsVerdict(
        blocks(r.config.network_interface).flatMap((nic, i) =>
          blocks(nic.access_config).length > 0 || isToken(nic.access_config)
            ? [`network_interface[${i}].access_config gives it an external IP`]
            : [],
        ),
      ),
  },
  {
    id: "GCP-VM-008",
    severity: "warning",
    title: "VM has deletion protection",
    types: INSTANCE_TYPES,
    fix: "Set deletion_protection = true on instances that hold state or are hard to rebuild.",
    acceptedOptOuts: [OPT_OUT_IDS.deletionAllowed],
    check: (r) => requireFlag(r.config, "deletion_protection", true, false),
  },
  {
    id: "GCP-VM-009",
    checkovNote:
      "Stricter: checkov's CKV_GCP_36 reads `google_compute_instance` only and exempts `gke-` names; templates and instances from templates are read here too.",
    checkov: "CKV_GCP_36",
    severity: "warning",
    title: "VM does not forward IP packets",
    types: VM,
    appliesTo: VM_LABEL,
    fix: "Set can_ip_forward = false unless the VM is a router or NAT appliance.",
    check: (r) => requireFlag(r.config, "can_ip_forward", false, false),
  },
  {
    id: "GCP-VM-010",
    severity: "error",
    title: "VM startup script runs only pinned container images",
    types: VM,
    appliesTo: VM_LABEL,
    fix: "Reference images by commit SHA tag or @sha256 digest (ArtifactRegistry.image(name, { tag })), never :latest or untagged.",
    check: (r) => {
      const script = [get(r.config, "metadata.startup-script"), r.config.metadata_startup_script]
        .filter((s): s is string => typeof s === "string")
        .join("\n");
      if (script === "") return NOT_APPLICABLE;
      return problemsVerdict(
        unpinnedImages(script).map((image) => `the startup script runs ${image}, which can move`),
      );
    },
  },
];

/**
 * A `google_compute_instance_from_template` is read as its source template with the instance's
 * own arguments on top (metadata merged key by key), when the template is in the stack. When it
 * is not, only the instance's own arguments can be read: a check they do not satisfy fails
 * closed, saying the rest is inherited from a template the review cannot see.
 */
export function fromTemplate(check: Rule["check"]): Rule["check"] {
  return (r, context) => {
    if (r.type !== FROM_TEMPLATE) return check(r, context);
    const source = r.config.source_instance_template;
    const template = context.resolve(source);
    if (template && /instance_template$/.test(template.type)) {
      const metadata =
        isObject(template.config.metadata) && isObject(r.config.metadata)
          ? { ...template.config.metadata, ...r.config.metadata }
          : (r.config.metadata ?? template.config.metadata);
      const config: Json = { ...template.config, ...r.config };
      if (metadata !== undefined) config.metadata = metadata;
      return check({ ...r, config }, context);
    }
    const verdict = check(r, context);
    return verdict.status === "non-compliant"
      ? violation(
          `${verdict.message}; what the instance does not set comes from source_instance_template = ${show(source)}, which cannot be verified: it is not a template of this stack`,
        )
      : verdict;
  };
}

/**
 * Registry image references in a script that carry no digest and no tag, or the tag latest. A
 * bare repository assigned to `repository=` is not an image: deploy.sh appends a checked commit
 * SHA to it.
 */
function unpinnedImages(script: string): string[] {
  const found = new Set<string>();
  for (const m of script.matchAll(IMAGE_REFERENCE)) {
    const image = m[1];
    if (script.slice(Math.max(0, (m.index ?? 0) - 12), m.index).endsWith('repository="')) continue;
    if (image.includes("@sha256:")) continue;
    const last = image.slice(image.lastIndexOf("/") + 1);
    const tag = last.includes(":") ? last.slice(last.lastIndexOf(":") + 1) : undefined;
    if (tag === undefined || tag === "latest") found.add(image);
  }
  return [...found];
}

const IMAGE_REFERENCE =
  /(?<![\w.-])((?:[a-z0-9-]+\.)*(?:pkg\.dev|gcr\.io|docker\.io)\/[A-Za-z0-9._/-]+(?::[A-Za-z0-9._-]+)?(?:@sha256:[0-9a-f]{64})?)/g;
