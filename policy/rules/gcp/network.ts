// GCP rules: Network.
import type { Json, Rule } from "../../types";
import { blocks, COMPLIANT, NOT_APPLICABLE, requireFlag, violation } from "../../values";
import { SUBNET } from "./resources";

/** Proxy-only and PSC subnets have no flow logs and no Private Google Access. */
function isWorkloadSubnet(c: Json): boolean {
  return c.purpose === undefined || c.purpose === "PRIVATE" || c.purpose === "PRIVATE_RFC_1918";
}

export const networkRules: Rule[] = [
  {
    id: "GCP-NET-001",
    checkovNote:
      "Subnets with a purpose other than PRIVATE (proxy-only, PSC) are not applicable; checkov's CKV_GCP_26 exempts the proxy-only purposes.",
    checkov: "CKV_GCP_26",
    severity: "warning",
    title: "Subnet has VPC flow logs",
    types: SUBNET,
    fix: "Set log_config on the subnetwork (the Network construct does: 5 s interval, 50% sampling).",
    check: (r) =>
      !isWorkloadSubnet(r.config)
        ? NOT_APPLICABLE
        : blocks(r.config.log_config).length > 0
          ? COMPLIANT
          : violation("log_config is not set: no VPC flow logs"),
  },
  {
    id: "GCP-NET-002",
    checkov: "CKV_GCP_74",
    severity: "warning",
    title: "Subnet has Private Google Access",
    types: SUBNET,
    fix: "Set private_ip_google_access = true so instances reach Google APIs without public IPs.",
    check: (r) =>
      isWorkloadSubnet(r.config)
        ? requireFlag(r.config, "private_ip_google_access", true, false)
        : NOT_APPLICABLE,
  },
  {
    id: "GCP-NET-003",
    severity: "warning",
    title: "VPC does not auto-create subnets",
    types: ["google_compute_network"],
    fix: "Set auto_create_subnetworks = false and declare the subnets (auto mode opens a subnet in every region).",
    check: (r) => requireFlag(r.config, "auto_create_subnetworks", false, true),
  },
];
