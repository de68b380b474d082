import { display, displayName } from "./inventory";
import type { Resource, SynthStack } from "./types";
import { blocks, flag, get, readable, referencedAddresses } from "./values";

/**
 * A Mermaid `flowchart` of a stack's network: each VPC with its subnets grouped by region, the
 * instances in their subnets, the databases attached to the VPC by private IP in their region,
 * replicas linked to their primary (across regions), and the internet where something has a
 * public IP. Returns undefined for a stack without networks, instances or databases.
 */

const NETWORKS = ["google_compute_network", "aws_vpc"];
const SUBNETS = ["google_compute_subnetwork", "aws_subnet"];
const INSTANCES = ["google_compute_instance", "aws_instance"];
const DATABASES = ["google_sql_database_instance", "aws_db_instance"];

interface Node {
  readonly resource: Resource;
  readonly id: string;
  readonly label: string;
  readonly shape: "box" | "db";
  /** The VPC address it belongs to, if known. */
  readonly network?: string;
  readonly region?: string;
  /** The subnet address it sits in, if known. */
  readonly subnet?: string;
}

/** The first address of one of `types` a value references. */
function refTo(value: unknown, stack: SynthStack, types: readonly string[]): string | undefined {
  return referencedAddresses(value).find((a) => types.includes(stack.byAddress.get(a)?.type ?? ""));
}

const regionOfZone = (zone: unknown): string | undefined =>
  typeof zone === "string" && /^[a-z]+-[a-z]+\d+-[a-z]$/.test(zone)
    ? zone.replace(/-[a-z]$/, "")
    : undefined;

/** Quotes end a Mermaid label; `<br/>` in labels is a line break and stays. */
function escape(text: string): string {
  return text.replace(/"/g, "#quot;");
}

export function networkDiagram(stack: SynthStack): string | undefined {
  const nodes: Node[] = [];
  const byAddress = new Map<string, Node>();
  const add = (resource: Resource, node: Omit<Node, "resource" | "id">): void => {
    const created = { resource, id: `n${nodes.length}`, ...node };
    nodes.push(created);
    byAddress.set(resource.address, created);
  };
  const of = (types: readonly string[]): Resource[] =>
    stack.resources.filter((r) => types.includes(r.type));

  for (const r of of(NETWORKS)) {
    add(r, {
      label: `VPC ${displayName(r)}${r.config.cidr_block ? `<br/>${readable(r.config.cidr_block)}` : ""}`,
      shape: "box",
    });
  }
  for (const r of of(SUBNETS)) {
    const c = r.config;
    add(r, {
      label: `subnet ${displayName(r)}<br/>${readable(c.ip_cidr_range ?? c.cidr_block)}`,
      shape: "box",
      network: refTo(c.network ?? c.vpc_id, stack, NETWORKS),
      region: readable(c.region ?? c.availability_zone) || undefined,
    });
  }
  for (const r of of(INSTANCES)) {
    const c = r.config;
    const nic = blocks(c.network_interface)[0] ?? {};
    const subnet = refTo(nic.subnetwork ?? c.subnet_id, stack, SUBNETS);
    const subnetNode = subnet ? byAddress.get(subnet) : undefined;
    add(r, {
      label: `VM ${displayName(r)}`,
      shape: "box",
      subnet,
      network: subnetNode?.network ?? refTo(nic.network, stack, NETWORKS),
      region: subnetNode?.region ?? regionOfZone(c.zone),
    });
  }
  for (const r of of(DATABASES)) {
    const c = r.config;
    const primary = c.master_instance_name ?? c.replicate_source_db;
    const network = refTo(get(c, "settings.ip_configuration.private_network"), stack, NETWORKS);
    add(r, {
      label: [
        `${r.type === "aws_db_instance" ? "RDS" : "Cloud SQL"} ${displayName(r)}`,
        ...(network ? ["private IP"] : []),
        ...(primary !== undefined ? [`replica of ${display(primary, stack)}`] : []),
      ].join("<br/>"),
      shape: "db",
      network,
      region: readable(c.region ?? c.availability_zone) || undefined,
    });
  }
  if (nodes.length === 0) return undefined;

  const lines = ["flowchart LR"];
  const draw = (n: Node, indent: string): string =>
    `${indent}${n.id}${n.shape === "db" ? `[("${escape(n.label)}")]` : `["${escape(n.label)}"]`}`;
  const networks = nodes.filter((n) => NETWORKS.includes(n.resource.type));
  const placed = new Set<Node>(networks);
  networks.forEach((vpc) => {
    lines.push(`  subgraph ${vpc.id} ["${escape(vpc.label)}"]`);
    const members = nodes.filter((n) => n.network === vpc.resource.address);
    const regions = [...new Set(members.map((n) => n.region ?? "(region unknown)"))].sort();
    regions.forEach((region, i) => {
      lines.push(`    subgraph ${vpc.id}_r${i} ["${escape(region)}"]`);
      for (const n of members.filter((m) => (m.region ?? "(region unknown)") === region)) {
        lines.push(draw(n, "      "));
        placed.add(n);
      }
      lines.push("    end");
    });
    lines.push("  end");
  });
  for (const n of nodes.filter((x) => !placed.has(x))) lines.push(draw(n, "  "));

  const edges: string[] = [];
  const exposed = nodes.filter((n) => isPublic(n.resource));
  if (exposed.length > 0) {
    lines.push("  internet((internet))");
    for (const n of exposed) edges.push(`  internet -->|public IP| ${n.id}`);
  }
  for (const n of nodes) {
    const subnet = n.subnet ? byAddress.get(n.subnet) : undefined;
    if (subnet) edges.push(`  ${subnet.id} --- ${n.id}`);
    const primary = referencedAddresses(
      n.resource.config.master_instance_name ?? n.resource.config.replicate_source_db,
    )[0];
    const primaryNode = primary ? byAddress.get(primary) : undefined;
    if (primaryNode) edges.push(`  ${primaryNode.id} ==>|replica| ${n.id}`);
  }
  return [...lines, ...edges].join("\n");
}

function isPublic(r: Resource): boolean {
  if (r.type === "google_compute_instance") {
    return blocks(r.config.network_interface).some((nic) => blocks(nic.access_config).length > 0);
  }
  if (r.type === "google_sql_database_instance") {
    return flag(get(r.config, "settings.ip_configuration.ipv4_enabled")) !== false;
  }
  if (r.type === "aws_db_instance") return flag(r.config.publicly_accessible) === true;
  if (r.type === "aws_instance") return flag(r.config.associate_public_ip_address) === true;
  return false;
}
