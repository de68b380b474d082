import { ValidationError } from "../../constructs/core/errors";
import { CloudSqlPostgres } from "../../constructs/gcp/cloud-sql";
import {
  GOOGLE_PRIVATE_APIS_CIDR,
  Network,
  type NetworkAttributes,
  type NetworkProps,
} from "../../constructs/gcp/network";
import { Vm } from "../../constructs/gcp/vm";
import { helpExampleStack } from "../helpers/help";
import { findResource, resourcesOf, synthJson, testStack } from "../helpers/synth";

const REASON = "carrier-grade NAT range assigned by the colo, NET-77";
const VPC_ID = expect.stringMatching(/^\$\{google_compute_network\.[^.]+\.id\}$/);
const base: NetworkProps = { subnets: [{ region: "us-central1", cidr: "10.0.0.0/20" }] };

function synth(props: Partial<NetworkProps> = {}) {
  const stack = testStack();
  const network = new Network(stack, "network", { ...base, ...props });
  return { stack, network, json: synthJson(stack) };
}

function build(props: Partial<NetworkProps>): Network {
  return new Network(testStack(), "network", { ...base, ...props });
}

describe("Network", () => {
  it("creates a custom-mode VPC named after the stack prefix", () => {
    const { json, network } = synth();
    expect(findResource(json, "google_compute_network")).toEqual({
      name: "test-dev-vpc",
      auto_create_subnetworks: false,
      routing_mode: "GLOBAL",
      delete_default_routes_on_create: false,
    });
    expect(network.regions).toEqual(["us-central1"]);
  });

  it("takes a name and a regional routing mode", () => {
    const { json } = synth({ name: "core", routingMode: "REGIONAL" });
    expect(findResource(json, "google_compute_network")).toMatchObject({
      name: "test-dev-core",
      routing_mode: "REGIONAL",
    });
  });

  it("creates one subnet per region with Private Google Access and flow logs", () => {
    const { json, network } = synth({
      subnets: [
        { region: "us-central1", cidr: "10.0.0.0/20" },
        {
          region: "us-east1",
          cidr: "10.1.0.0/20",
          flowLogs: {
            aggregationInterval: "INTERVAL_1_MIN",
            sampling: 1,
            metadata: "EXCLUDE_ALL_METADATA",
          },
        },
      ],
    });
    expect(resourcesOf(json, "google_compute_subnetwork")).toHaveLength(2);
    expect(findResource(json, "google_compute_subnetwork", { region: "us-central1" })).toEqual({
      name: "test-dev-us-central1",
      network: VPC_ID,
      region: "us-central1",
      ip_cidr_range: "10.0.0.0/20",
      private_ip_google_access: true,
      log_config: {
        aggregation_interval: "INTERVAL_5_SEC",
        flow_sampling: 0.5,
        metadata: "INCLUDE_ALL_METADATA",
      },
    });
    expect(findResource(json, "google_compute_subnetwork", { region: "us-east1" })).toMatchObject({
      name: "test-dev-us-east1",
      ip_cidr_range: "10.1.0.0/20",
      log_config: {
        aggregation_interval: "INTERVAL_1_MIN",
        flow_sampling: 1,
        metadata: "EXCLUDE_ALL_METADATA",
      },
    });
    expect(network.regions).toEqual(["us-central1", "us-east1"]);
    expect(network.subnet("us-east1").cidr.toString()).toBe("10.1.0.0/20");
  });

  it("adds secondary ranges", () => {
    const { json } = synth({
      subnets: [
        {
          region: "us-central1",
          cidr: "10.0.0.0/20",
          secondaryRanges: [
            { name: "pods", cidr: "10.4.0.0/14" },
            { name: "services", cidr: "10.8.0.0/20" },
          ],
        },
      ],
    });
    expect(findResource(json, "google_compute_subnetwork").secondary_ip_range).toEqual([
      { range_name: "pods", ip_cidr_range: "10.4.0.0/14" },
      { range_name: "services", ip_cidr_range: "10.8.0.0/20" },
    ]);
  });

  it("reserves a private services range and peers it with service networking", () => {
    const { json, network } = synth({ privateServicesAccess: { cidr: "10.100.0.0/16" } });
    expect(findResource(json, "google_compute_global_address")).toMatchObject({
      name: "test-dev-psa",
      purpose: "VPC_PEERING",
      address_type: "INTERNAL",
      address: "10.100.0.0",
      prefix_length: 16,
      network: VPC_ID,
    });
    expect(findResource(json, "google_service_networking_connection")).toEqual({
      network: VPC_ID,
      service: "servicenetworking.googleapis.com",
      reserved_peering_ranges: [
        expect.stringMatching(/^\$\{google_compute_global_address\.[^.]+\.name\}$/),
      ],
      deletion_policy: "ABANDON",
    });
    expect(network.privateServicesCidr?.toString()).toBe("10.100.0.0/16");
  });

  it("has no private services access unless asked", () => {
    const { json, network } = synth();
    expect(resourcesOf(json, "google_compute_global_address")).toEqual([]);
    expect(resourcesOf(json, "google_service_networking_connection")).toEqual([]);
    expect(network.privateServicesConnection).toBeUndefined();
  });

  it("puts a Cloud Router and Cloud NAT in every subnet's region", () => {
    const { json } = synth({
      subnets: [
        { region: "us-central1", cidr: "10.0.0.0/20" },
        { region: "us-east1", cidr: "10.1.0.0/20" },
      ],
    });
    for (const region of ["us-central1", "us-east1"]) {
      expect(findResource(json, "google_compute_router", { region })).toEqual({
        name: `test-dev-router-${region}`,
        network: VPC_ID,
        region,
      });
      expect(findResource(json, "google_compute_router_nat", { region })).toEqual({
        name: `test-dev-nat-${region}`,
        router: expect.stringMatching(/^\$\{google_compute_router\.[^.]+\.name\}$/),
        region,
        nat_ip_allocate_option: "AUTO_ONLY",
        source_subnetwork_ip_ranges_to_nat: "LIST_OF_SUBNETWORKS",
        subnetwork: [
          {
            name: expect.stringMatching(/^\$\{google_compute_subnetwork\.[^.]+\.id\}$/),
            source_ip_ranges_to_nat: ["ALL_IP_RANGES"],
          },
        ],
        log_config: { enable: true, filter: "ERRORS_ONLY" },
      });
    }
  });

  it("accepts internet routes with a gap in their union", () => {
    const internetRoutes = ["0.0.0.0/1", "128.0.0.0/2", "192.0.0.0/3"];
    const { json } = synth({ deleteDefaultInternetRoute: true, internetRoutes });
    const routes = resourcesOf(json, "google_compute_route")
      .map((r) => String(r.config.dest_range))
      .filter((r) => r !== GOOGLE_PRIVATE_APIS_CIDR);
    expect(routes.sort()).toEqual([...internetRoutes].sort());
  });

  it("creates no router or NAT with nat: false", () => {
    const { json, network } = synth({ nat: false });
    expect(resourcesOf(json, "google_compute_router")).toEqual([]);
    expect(resourcesOf(json, "google_compute_router_nat")).toEqual([]);
    expect(network.subnet("us-central1").nat).toBeUndefined();
  });

  it("replaces the default internet route with Private Google Access and the listed routes", () => {
    const { json } = synth({
      deleteDefaultInternetRoute: true,
      internetRoutes: ["198.51.100.0/24", "203.0.113.0/24"],
    });
    expect(findResource(json, "google_compute_network").delete_default_routes_on_create).toBe(true);
    const routes = resourcesOf(json, "google_compute_route").map((r) => r.config);
    routes.sort((a, b) => String(a.name).localeCompare(String(b.name)));
    expect(routes).toEqual([
      {
        name: "test-dev-internet-0",
        network: VPC_ID,
        dest_range: "198.51.100.0/24",
        next_hop_gateway: "default-internet-gateway",
      },
      {
        name: "test-dev-internet-1",
        network: VPC_ID,
        dest_range: "203.0.113.0/24",
        next_hop_gateway: "default-internet-gateway",
      },
      {
        name: "test-dev-private-googleapis",
        network: VPC_ID,
        dest_range: GOOGLE_PRIVATE_APIS_CIDR,
        next_hop_gateway: "default-internet-gateway",
        description: "Private Google Access to private.googleapis.com",
      },
    ]);
  });

  it("creates no routes while the default internet route stays", () => {
    expect(resourcesOf(synth().json, "google_compute_route")).toEqual([]);
  });

  it("resolves googleapis.com, pkg.dev and gcr.io privately to private.googleapis.com", () => {
    const { json } = synth();
    const ips = ["199.36.153.8", "199.36.153.9", "199.36.153.10", "199.36.153.11"];
    const zoneRef = expect.stringMatching(/^\$\{google_dns_managed_zone\.[^.]+\.name\}$/);
    for (const [id, dns, aName] of [
      ["googleapis", "googleapis.com.", "private.googleapis.com."],
      ["pkg-dev", "pkg.dev.", "pkg.dev."],
      ["gcr-io", "gcr.io.", "gcr.io."],
    ]) {
      expect(findResource(json, "google_dns_managed_zone", { dnsName: dns })).toMatchObject({
        name: `test-dev-${id}`,
        visibility: "private",
        private_visibility_config: { networks: [{ network_url: VPC_ID }] },
      });
      expect(findResource(json, "google_dns_record_set", { name: aName, type: "A" })).toEqual({
        managed_zone: zoneRef,
        name: aName,
        type: "A",
        ttl: 300,
        rrdatas: ips,
      });
      expect(findResource(json, "google_dns_record_set", { name: `*.${dns}` })).toEqual({
        managed_zone: zoneRef,
        name: `*.${dns}`,
        type: "CNAME",
        ttl: 300,
        rrdatas: [aName],
      });
    }
  });

  it("creates no DNS zones with privateGoogleApisDns: false", () => {
    const { json } = synth({ privateGoogleApisDns: false });
    expect(resourcesOf(json, "google_dns_managed_zone")).toEqual([]);
    expect(resourcesOf(json, "google_dns_record_set")).toEqual([]);
  });

  it("accepts a subnet outside RFC 1918 with an opt-out and records it on the subnet", () => {
    const { stack, json } = synth({
      subnets: [
        {
          region: "us-central1",
          cidr: "100.64.0.0/20",
          secondaryRanges: [{ name: "pods", cidr: "100.72.0.0/16" }],
          allowNonRfc1918: { reason: REASON },
        },
      ],
    });
    expect(findResource(json, "google_compute_subnetwork").ip_cidr_range).toBe("100.64.0.0/20");
    const subnets = (
      stack.toTerraform() as { resource: Record<string, Record<string, Record<string, unknown>>> }
    ).resource.google_compute_subnetwork;
    expect(
      Object.values(subnets).map((s) => (s["//"] as Record<string, unknown>).opt_outs),
    ).toEqual([[{ id: "non-rfc1918-subnet", reason: REASON }]]);
  });

  it("names the regions that exist when asked for a subnet it does not have", () => {
    expect(() => build({}).subnet("us-east1")).toThrow(
      'network: region = "us-east1" has no subnet in this network.\n  Fix: use one of us-central1, or add a subnet for it',
    );
  });
});

describe("Network validation", () => {
  const subnet = (extra: object) => ({
    subnets: [{ region: "us-central1", cidr: "10.0.0.0/20", ...extra }],
  });
  const two = (a: object, b: object) => ({
    subnets: [
      { region: "us-central1", cidr: "10.0.0.0/20", ...a },
      { region: "us-east1", cidr: "10.1.0.0/20", ...b },
    ],
  });

  it.each<[string, Partial<NetworkProps> | Record<string, unknown>, RegExp]>([
    [
      "an invalid CIDR",
      subnet({ cidr: "10.0.0.0/33" }),
      /subnets\[0\]\.cidr = "10\.0\.0\.0\/33" is not a valid CIDR range/,
    ],
    [
      "host bits set",
      subnet({ cidr: "10.0.0.5/20" }),
      /subnets\[0\]\.cidr = "10\.0\.0\.5\/20" has host bits set.*"10\.0\.0\.0\/20"/s,
    ],
    [
      "a prefix shorter than /8",
      subnet({ cidr: "10.0.0.0/7" }),
      /subnets\[0\]\.cidr = "10\.0\.0\.0\/7" has prefix length \/7, outside the allowed \/8 to \/29/,
    ],
    [
      "a prefix longer than /29",
      subnet({ cidr: "10.0.0.0/30" }),
      /subnets\[0\]\.cidr = "10\.0\.0\.0\/30" has prefix length \/30, outside the allowed \/8 to \/29/,
    ],
    [
      "an IPv6 subnet",
      subnet({ cidr: "fd00::/64" }),
      /subnets\[0\]\.cidr = "fd00::\/64" is an IPv6 range/,
    ],
    [
      "overlapping subnets",
      two({}, { cidr: "10.0.8.0/21" }),
      /subnets\[1\]\.cidr = "10\.0\.8\.0\/21" overlaps subnets\[0\]\.cidr \(10\.0\.0\.0\/20\)/,
    ],
    [
      "a secondary range overlapping another subnet",
      two({}, { secondaryRanges: [{ name: "pods", cidr: "10.0.0.0/16" }] }),
      /subnets\[1\]\.secondaryRanges\[0\]\.cidr = "10\.0\.0\.0\/16" overlaps subnets\[0\]\.cidr/,
    ],
    [
      "overlapping secondary ranges",
      subnet({
        secondaryRanges: [
          { name: "pods", cidr: "10.4.0.0/14" },
          { name: "svc", cidr: "10.5.0.0/20" },
        ],
      }),
      /subnets\[0\]\.secondaryRanges\[1\]\.cidr = "10\.5\.0\.0\/20" overlaps subnets\[0\]\.secondaryRanges\[0\]\.cidr \(10\.4\.0\.0\/14\)/,
    ],
    [
      "a bad secondary range CIDR",
      subnet({ secondaryRanges: [{ name: "pods", cidr: "pods" }] }),
      /subnets\[0\]\.secondaryRanges\[0\]\.cidr = "pods" is not a valid CIDR range/,
    ],
    [
      "a bad secondary range name",
      subnet({ secondaryRanges: [{ name: "Pods", cidr: "10.4.0.0/14" }] }),
      /subnets\[0\]\.secondaryRanges\[0\]\.name = "Pods" is not a valid subnetwork name/,
    ],
    [
      "a secondary range name used twice",
      subnet({
        secondaryRanges: [
          { name: "pods", cidr: "10.4.0.0/16" },
          { name: "pods", cidr: "10.5.0.0/16" },
        ],
      }),
      /subnets\[0\]\.secondaryRanges\[1\]\.name = "pods" is used twice in this subnet/,
    ],
    [
      "a private services range overlapping a subnet",
      { ...subnet({}), privateServicesAccess: { cidr: "10.0.0.0/16" } },
      /privateServicesAccess\.cidr = "10\.0\.0\.0\/16" overlaps subnets\[0\] range 10\.0\.0\.0\/20/,
    ],
    [
      "a private services range overlapping a secondary range",
      {
        ...subnet({ secondaryRanges: [{ name: "pods", cidr: "10.4.0.0/14" }] }),
        privateServicesAccess: { cidr: "10.6.0.0/16" },
      },
      /privateServicesAccess\.cidr = "10\.6\.0\.0\/16" overlaps subnets\[0\] range 10\.4\.0\.0\/14/,
    ],
    [
      "a private services range outside RFC 1918",
      { privateServicesAccess: { cidr: "100.64.0.0/16" } },
      /privateServicesAccess\.cidr = "100\.64\.0\.0\/16" is outside RFC 1918/,
    ],
    [
      "a private services range smaller than /24",
      { privateServicesAccess: { cidr: "10.100.0.0/25" } },
      /privateServicesAccess\.cidr = "10\.100\.0\.0\/25" has prefix length \/25, outside the allowed \/8 to \/24/,
    ],
    [
      "a private services range without a CIDR",
      { privateServicesAccess: {} },
      /privateServicesAccess\.cidr = undefined is not a valid CIDR range/,
    ],
    [
      "a subnet outside RFC 1918",
      subnet({ cidr: "100.64.0.0/20" }),
      /subnets\[0\]\.cidr = "100\.64\.0\.0\/20" is outside the RFC 1918 private ranges.*allowNonRfc1918/s,
    ],
    [
      "a secondary range outside RFC 1918",
      subnet({ secondaryRanges: [{ name: "pods", cidr: "100.64.0.0/14" }] }),
      /subnets\[0\]\.secondaryRanges\[0\]\.cidr = "100\.64\.0\.0\/14" is outside the RFC 1918/,
    ],
    [
      "a non-RFC 1918 opt-out with a short reason",
      subnet({ cidr: "100.64.0.0/20", allowNonRfc1918: { reason: "needed" } }),
      /subnets\[0\]\.allowNonRfc1918\.reason = "needed" is too short to explain an insecure choice \(6 characters, at least 20 needed\)/,
    ],
    [
      "an unknown region",
      subnet({ region: "us-central" }),
      /subnets\[0\]\.region = "us-central" is not a known Google Cloud region.*us-central1/s,
    ],
    [
      "a region used twice",
      two({}, { region: "us-central1" }),
      /subnets\[1\]\.region = "us-central1" is already used by subnets\[0\]/,
    ],
    ["no subnets", { subnets: [] }, /subnets = \[\] must list at least one subnet/],
    [
      "missing subnets",
      { subnets: undefined },
      /subnets = undefined must list at least one subnet/,
    ],
    ["a bad name", { name: "My_VPC" }, /name = "My_VPC" is not a valid network name/],
    [
      "a name too long with the prefix",
      { name: `v${"x".repeat(60)}` },
      /name = "test-dev-vx+" is 70 characters long/,
    ],
    [
      "internetRoutes without deleteDefaultInternetRoute",
      { internetRoutes: ["198.51.100.0/24"] },
      /internetRoutes = \["198\.51\.100\.0\/24"\] has no effect while the default internet route exists.*deleteDefaultInternetRoute: true/s,
    ],
    [
      "an internet route to everything",
      { deleteDefaultInternetRoute: true, internetRoutes: ["0.0.0.0/0"] },
      /internetRoutes\[0\] = "0\.0\.0\.0\/0" has prefix length \/0, outside the allowed \/1 to \/32/,
    ],
    [
      "internet routes whose union is every IPv4 address (halves)",
      { deleteDefaultInternetRoute: true, internetRoutes: ["0.0.0.0/1", "128.0.0.0/1"] },
      /internetRoutes = \["0\.0\.0\.0\/1","128\.0\.0\.0\/1"\] together route every IPv4 address to the internet.*deleteDefaultInternetRoute: false/s,
    ],
    [
      "internet routes whose union is every IPv4 address (quarters beside a narrower route)",
      {
        deleteDefaultInternetRoute: true,
        internetRoutes: [
          "198.51.100.0/24",
          "0.0.0.0/2",
          "64.0.0.0/2",
          "128.0.0.0/2",
          "192.0.0.0/2",
        ],
      },
      /internetRoutes = \["0\.0\.0\.0\/2","64\.0\.0\.0\/2","128\.0\.0\.0\/2","192\.0\.0\.0\/2"\] together route every IPv4 address/,
    ],
    [
      "a bad internet route",
      { deleteDefaultInternetRoute: true, internetRoutes: ["198.51.100.1/24"] },
      /internetRoutes\[0\] = "198\.51\.100\.1\/24" has host bits set/,
    ],
    [
      "NAT with the default route deleted and no internet routes",
      { deleteDefaultInternetRoute: true },
      /nat = true cannot reach anything once the default internet route is deleted.*nat: false/s,
    ],
    [
      "flow log sampling 0",
      subnet({ flowLogs: { sampling: 0 } }),
      /subnets\[0\]\.flowLogs\.sampling = 0 is outside \(0, 1\]/,
    ],
    [
      "flow log sampling above 1",
      subnet({ flowLogs: { sampling: 1.5 } }),
      /subnets\[0\]\.flowLogs\.sampling = 1\.5 is outside \(0, 1\]/,
    ],
    [
      "flow log sampling not a number",
      subnet({ flowLogs: { sampling: "0.5" } }),
      /subnets\[0\]\.flowLogs\.sampling = "0\.5" has the wrong type\.\n {2}Fix: give a number, not the string "0\.5"/,
    ],
    [
      "a bad routing mode",
      { routingMode: "global" },
      /routingMode = "global" is not a routing mode.*"GLOBAL" or "REGIONAL"/s,
    ],
    // Every prop is validated: these enums must not reach the JSON unchecked.
    [
      "a bad flow log interval",
      subnet({ flowLogs: { aggregationInterval: "INTERVAL_2_SEC" } }),
      /subnets\[0\]\.flowLogs\.aggregationInterval = "INTERVAL_2_SEC"/,
    ],
    [
      "a bad flow log metadata setting",
      subnet({ flowLogs: { metadata: "ALL" } }),
      /subnets\[0\]\.flowLogs\.metadata = "ALL"/,
    ],
  ])("rejects %s", (_what, props, message) => {
    expect(() => build(props as Partial<NetworkProps>)).toThrow(ValidationError);
    expect(() => build(props as Partial<NetworkProps>)).toThrow(message);
  });

  it("accepts the edges of the allowed ranges", () => {
    expect(() =>
      build({
        subnets: [
          { region: "us-central1", cidr: "10.0.0.0/8", flowLogs: { sampling: 1 } },
          { region: "us-east1", cidr: "192.168.0.0/29", flowLogs: { sampling: 0.01 } },
        ],
        privateServicesAccess: { cidr: "172.16.0.0/24" },
        deleteDefaultInternetRoute: true,
        nat: false,
      }),
    ).not.toThrow();
  });

  it("rejects props that are missing altogether", () => {
    expect(() => new Network(testStack(), "network", undefined as never)).toThrow(
      /^test-dev\/network: props = undefined are missing/,
    );
  });

  it("rejects two networks of the same name in one stack", () => {
    const stack = testStack();
    new Network(stack, "a", base);
    expect(() => new Network(stack, "b", base)).toThrow(
      /test-dev\/b: name = "test-dev-vpc" is already used by another network in this stack \(test-dev\/a\)/,
    );
  });

  it("rejects a second network with the default name in one stack", () => {
    const stack = testStack();
    new Network(stack, "a", { subnets: [{ region: "us-central1", cidr: "10.0.0.0/20" }] });
    expect(
      () => new Network(stack, "b", { subnets: [{ region: "us-east1", cidr: "10.1.0.0/20" }] }),
    ).toThrow(
      /name = "test-dev-vpc" is already used by another network in this stack \(test-dev\/a\)/,
    );
  });

  it("names everything a named network derives after it, so two networks coexist", () => {
    const stack = testStack();
    const routed = { deleteDefaultInternetRoute: true, nat: false };
    const region = "us-central1";
    new Network(stack, "a", { ...routed, subnets: [{ region, cidr: "10.0.0.0/20" }] });
    new Network(stack, "b", {
      ...routed,
      name: "mgmt",
      subnets: [{ region, cidr: "10.1.0.0/20" }],
    });
    const json = synthJson(stack);
    const names = (type: string) => resourcesOf(json, type).map((r) => r.config.name);
    expect(names("google_compute_subnetwork")).toEqual([
      "test-dev-us-central1",
      "test-dev-mgmt-us-central1",
    ]);
    expect(names("google_compute_route")).toEqual([
      "test-dev-private-googleapis",
      "test-dev-mgmt-private-googleapis",
    ]);
    expect(names("google_dns_managed_zone")).toEqual([
      "test-dev-gcr-io",
      "test-dev-googleapis",
      "test-dev-pkg-dev",
      "test-dev-mgmt-gcr-io",
      "test-dev-mgmt-googleapis",
      "test-dev-mgmt-pkg-dev",
    ]);
  });
});

describe("Network subnets as the constructs see them", () => {
  it("exposes each created subnet's ranges", () => {
    const { network } = synth({
      subnets: [
        {
          region: "us-east1",
          cidr: "10.1.0.0/20",
          secondaryRanges: [{ name: "pods", cidr: "10.64.0.0/14" }],
        },
      ],
    });
    const subnet = network.subnet("us-east1");
    expect(subnet.cidr.toString()).toBe("10.1.0.0/20");
    expect(subnet.secondaryRanges.map((r) => [r.name, r.cidr.toString()])).toEqual([
      ["pods", "10.64.0.0/14"],
    ]);
    expect(network.projectId).toBeUndefined();
  });
});

describe("Network firewall policy enforcement order", () => {
  it("leaves GCP's default (after the VPC rules) out of the JSON", () => {
    const { json, network } = synth();
    expect(network.firewallPolicyEnforcementOrder).toBe("AFTER_CLASSIC_FIREWALL");
    expect(
      findResource(json, "google_compute_network").network_firewall_policy_enforcement_order,
    ).toBeUndefined();
  });

  it.each(["BEFORE_CLASSIC_FIREWALL", "AFTER_CLASSIC_FIREWALL"] as const)(
    "writes %s when it is set",
    (order) => {
      const { json, network } = synth({ firewallPolicyEnforcementOrder: order });
      expect(network.firewallPolicyEnforcementOrder).toBe(order);
      expect(findResource(json, "google_compute_network")).toMatchObject({
        network_firewall_policy_enforcement_order: order,
      });
    },
  );

  it("rejects an unknown order", () => {
    expect(() => build({ firewallPolicyEnforcementOrder: "FIRST" as never })).toThrow(
      /firewallPolicyEnforcementOrder = "FIRST" is not a firewall policy enforcement order/,
    );
  });
});

const HOST = "acme-net-host";
const API = "https://www.googleapis.com/compute/v1";
const sharedVpc: NetworkAttributes = {
  selfLink: `${API}/projects/${HOST}/global/networks/shared-vpc`,
  subnets: [
    {
      region: "us-central1",
      selfLink: `${API}/projects/${HOST}/regions/us-central1/subnetworks/apps-us-central1`,
      cidr: "10.20.0.0/20",
      secondaryRanges: [{ name: "pods", cidr: "10.64.0.0/14" }],
    },
    { region: "us-east1", name: "apps-us-east1" },
  ],
  privateServicesAccess: { rangeName: "google-managed-services-shared", cidr: "10.30.0.0/16" },
};

function imported(attrs: Partial<NetworkAttributes> = {}) {
  const stack = testStack();
  const network = Network.fromAttributes(stack, "shared-vpc", { ...sharedVpc, ...attrs });
  return { stack, network };
}

describe("Network.fromAttributes", () => {
  it("describes an existing VPC and its subnets without creating anything", () => {
    const { stack, network } = imported();
    expect(network.id).toBe(`projects/${HOST}/global/networks/shared-vpc`);
    expect(network.selfLink).toBe(`${API}/projects/${HOST}/global/networks/shared-vpc`);
    expect(network.name).toBe("shared-vpc");
    expect(network.projectId).toBe(HOST);
    expect(network.regions).toEqual(["us-central1", "us-east1"]);
    expect(network.firewallPolicyEnforcementOrder).toBe("AFTER_CLASSIC_FIREWALL");
    const central = network.subnet("us-central1");
    expect(central.selfLink).toBe(
      `${API}/projects/${HOST}/regions/us-central1/subnetworks/apps-us-central1`,
    );
    expect(central.cidr?.toString()).toBe("10.20.0.0/20");
    expect(central.secondaryRanges?.map((r) => [r.name, r.cidr.toString()])).toEqual([
      ["pods", "10.64.0.0/14"],
    ]);
    const east = network.subnet("us-east1");
    // A subnet given by name lives in the VPC's project.
    expect(east.selfLink).toBe(
      `${API}/projects/${HOST}/regions/us-east1/subnetworks/apps-us-east1`,
    );
    expect(east.cidr).toBeUndefined();
    // Ranges not described are unknown (a GKE cluster takes its named ranges on trust), not none.
    expect(east.secondaryRanges).toBeUndefined();
    expect(network.privateServices).toEqual({
      rangeName: "google-managed-services-shared",
      cidr: expect.objectContaining({ prefixLength: 16 }),
    });
    expect(network.privateServices?.dependable).toBeUndefined();
    expect(synthJson(stack).resource).toBeUndefined();
  });

  it("takes a name and project instead of a self link, and a relative subnet link", () => {
    const { network } = imported({
      selfLink: undefined,
      name: "shared-vpc",
      projectId: HOST,
      subnets: [
        {
          region: "europe-west1",
          selfLink: `projects/${HOST}/regions/europe-west1/subnetworks/eu`,
        },
        { region: "us-east1", name: "east", projectId: HOST },
      ],
      privateServicesAccess: undefined,
      firewallPolicyEnforcementOrder: "BEFORE_CLASSIC_FIREWALL",
    });
    expect(network.id).toBe(`projects/${HOST}/global/networks/shared-vpc`);
    expect(network.subnet("europe-west1").selfLink).toBe(
      `${API}/projects/${HOST}/regions/europe-west1/subnetworks/eu`,
    );
    expect(network.subnet("us-east1").selfLink).toBe(
      `${API}/projects/${HOST}/regions/us-east1/subnetworks/east`,
    );
    expect(network.privateServices).toBeUndefined();
    expect(network.firewallPolicyEnforcementOrder).toBe("BEFORE_CLASSIC_FIREWALL");
  });

  it("states a subnet without secondary ranges when they are given as []", () => {
    const { network } = imported({
      subnets: [{ region: "us-east1", name: "apps-us-east1", secondaryRanges: [] }],
    });
    expect(network.subnet("us-east1").secondaryRanges).toEqual([]);
  });

  it("names the regions it has when asked for another", () => {
    const { network } = imported();
    expect(() => network.subnet("asia-east1")).toThrow(ValidationError);
    expect(() => network.subnet("asia-east1")).toThrow(
      /^test-dev\/shared-vpc: region = "asia-east1" has no subnet in this network\.\n {2}Fix: use one of us-central1, us-east1/,
    );
  });

  it("puts a VM and a Cloud SQL instance of a service project on the Shared VPC", () => {
    const { stack, network } = imported();
    new Vm(stack, "vm", {
      name: "bot",
      zone: "us-east1-b",
      network,
      machineType: "e2-standard-2",
      serviceAccount: {
        email: "vm@acme-service.iam.gserviceaccount.com",
        member: "serviceAccount:vm@acme-service.iam.gserviceaccount.com",
      },
      services: [
        {
          name: "core-engine",
          image: "us-central1-docker.pkg.dev/acme-service/repo/core-engine:3f9c2ab",
        },
      ],
    });
    new CloudSqlPostgres(stack, "db", {
      network,
      region: "us-central1",
      projectId: "acme-service",
    });
    const json = synthJson(stack);
    expect(findResource(json, "google_compute_instance")).toMatchObject({
      network_interface: [
        { subnetwork: `${API}/projects/${HOST}/regions/us-east1/subnetworks/apps-us-east1` },
      ],
    });
    const db = findResource(json, "google_sql_database_instance");
    expect(db).toMatchObject({
      project: "acme-service",
      settings: {
        ip_configuration: {
          ipv4_enabled: false,
          private_network: `projects/${HOST}/global/networks/shared-vpc`,
          allocated_ip_range: "google-managed-services-shared",
        },
      },
    });
    expect(db.depends_on).toBeUndefined();
    for (const type of [
      "google_compute_network",
      "google_compute_subnetwork",
      "google_compute_global_address",
      "google_service_networking_connection",
      "google_compute_router",
    ]) {
      expect(json.resource).not.toHaveProperty(type);
    }
  });

  const link = (project: string, region: string, name: string) =>
    `${API}/projects/${project}/regions/${region}/subnetworks/${name}`;
  it.each<[string, Partial<NetworkAttributes>, RegExp]>([
    [
      "a VPC self link that is not one",
      { selfLink: `${API}/projects/${HOST}/networks/shared-vpc` },
      /selfLink = ".*\/projects\/acme-net-host\/networks\/shared-vpc" is not a VPC self link/,
    ],
    [
      "a subnet's link as the VPC's",
      { selfLink: link(HOST, "us-central1", "apps") },
      /selfLink = ".*" is not a VPC self link/,
    ],
    [
      "a project number in the self link",
      { selfLink: `${API}/projects/123456789012/global/networks/shared-vpc` },
      /selfLink = "123456789012" is not a GCP project ID/,
    ],
    [
      "a VPC name that breaks RFC 1035",
      { selfLink: `projects/${HOST}/global/networks/Shared_VPC` },
      /selfLink = "Shared_VPC" is not a valid network name/,
    ],
    [
      "both a self link and a name",
      { name: "shared-vpc" },
      /name = "shared-vpc" is given together with selfLink/,
    ],
    [
      "a name without a project",
      { selfLink: undefined, name: "shared-vpc" },
      /projectId = undefined is missing/,
    ],
    ["neither a self link nor a name", { selfLink: undefined }, /name = undefined is missing/],
    [
      "a bad project ID",
      { selfLink: undefined, name: "shared-vpc", projectId: "Acme Host" },
      /projectId = "Acme Host" is not a GCP project ID/,
    ],
    ["no subnets", { subnets: [] }, /subnets = \[\] must list at least one subnet/],
    [
      "an unknown region",
      { subnets: [{ region: "us-central", name: "apps" }] },
      /subnets\[0\]\.region = "us-central" is not a known Google Cloud region/,
    ],
    [
      "the same region twice",
      {
        subnets: [
          { region: "us-east1", name: "a" },
          { region: "us-east1", name: "b" },
        ],
      },
      /subnets\[1\]\.region = "us-east1" is already used by subnets\[0\]/,
    ],
    [
      "a subnet self link that is not one",
      { subnets: [{ region: "us-east1", selfLink: "https://example.com/apps" }] },
      /subnets\[0\]\.selfLink = "https:\/\/example\.com\/apps" is not a subnet self link/,
    ],
    [
      "a subnet self link of another region",
      { subnets: [{ region: "us-east1", selfLink: link(HOST, "us-west1", "apps") }] },
      /subnets\[0\]\.selfLink = ".*" names region us-west1, not the subnet's region us-east1/,
    ],
    [
      "a subnet self link in another project",
      { subnets: [{ region: "us-east1", selfLink: link("acme-service", "us-east1", "apps") }] },
      /subnets\[0\]\.selfLink = "acme-service" is not the network's project acme-net-host/,
    ],
    [
      "a subnet project that is not the VPC's",
      { subnets: [{ region: "us-east1", name: "apps", projectId: "acme-service" }] },
      /subnets\[0\]\.projectId = "acme-service" is not the network's project acme-net-host/,
    ],
    [
      "a subnet with neither self link nor name",
      { subnets: [{ region: "us-east1" }] },
      /subnets\[0\]\.name = undefined is missing/,
    ],
    [
      "a subnet with a self link and a name",
      { subnets: [{ region: "us-east1", name: "a", selfLink: link(HOST, "us-east1", "a") }] },
      /subnets\[0\]\.name = "a" is given together with selfLink/,
    ],
    [
      "a bad subnet name",
      { subnets: [{ region: "us-east1", name: "Apps" }] },
      /subnets\[0\]\.name = "Apps" is not a valid subnetwork name/,
    ],
    [
      "a bad subnet CIDR",
      { subnets: [{ region: "us-east1", name: "a", cidr: "10.0.1.0/16" }] },
      /subnets\[0\]\.cidr = "10\.0\.1\.0\/16" has host bits set/,
    ],
    [
      "a bad secondary range",
      {
        subnets: [
          { region: "us-east1", name: "a", secondaryRanges: [{ name: "pods", cidr: "pods" }] },
        ],
      },
      /subnets\[0\]\.secondaryRanges\[0\]\.cidr = "pods" is not a valid CIDR range/,
    ],
    [
      "two secondary ranges of one name",
      {
        subnets: [
          {
            region: "us-east1",
            name: "a",
            secondaryRanges: [
              { name: "pods", cidr: "10.64.0.0/14" },
              { name: "pods", cidr: "10.68.0.0/14" },
            ],
          },
        ],
      },
      /subnets\[0\]\.secondaryRanges\[1\]\.name = "pods" is used twice in this subnet/,
    ],
    [
      "overlapping subnet ranges",
      {
        subnets: [
          { region: "us-east1", name: "a", cidr: "10.0.0.0/16" },
          { region: "us-west1", name: "b", cidr: "10.0.4.0/22" },
        ],
      },
      /subnets\[1\]\.cidr = "10\.0\.4\.0\/22" overlaps subnets\[0\]\.cidr \(10\.0\.0\.0\/16\)/,
    ],
    [
      "a private services range overlapping a subnet",
      { privateServicesAccess: { rangeName: "psa", cidr: "10.20.0.0/24" } },
      /privateServicesAccess\.cidr = "10\.20\.0\.0\/24" overlaps subnets\[0\]\.cidr/,
    ],
    [
      "a private services range too small",
      { privateServicesAccess: { rangeName: "psa", cidr: "10.99.0.0/28" } },
      /privateServicesAccess\.cidr = "10\.99\.0\.0\/28" has prefix length \/28, outside the allowed \/8 to \/24/,
    ],
    [
      "a bad private services range name",
      { privateServicesAccess: { rangeName: "Google Managed" } },
      /privateServicesAccess\.rangeName = "Google Managed" is not a valid address name/,
    ],
    [
      "a missing private services range name",
      { privateServicesAccess: {} as never },
      /privateServicesAccess\.rangeName = undefined is not a valid address name/,
    ],
    [
      "an unknown enforcement order",
      { firewallPolicyEnforcementOrder: "before" as never },
      /firewallPolicyEnforcementOrder = "before" is not a firewall policy enforcement order/,
    ],
  ])("rejects %s", (_, attrs, message) => {
    let error: unknown;
    try {
      imported(attrs);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toMatch(/^test-dev\/shared-vpc: /);
    expect((error as Error).message).toMatch(message);
  });

  it("builds the help page's Shared VPC example on the host project's subnet and range", () => {
    const json = synthJson(helpExampleStack("network.md", 1));
    expect(json.resource).not.toHaveProperty("google_compute_network");
    expect(findResource(json, "google_compute_instance")).toMatchObject({
      network_interface: [
        { subnetwork: `${API}/projects/acme-net-host/regions/us-central1/subnetworks/trading` },
      ],
    });
    expect(findResource(json, "google_sql_database_instance")).toMatchObject({
      settings: {
        ip_configuration: {
          private_network: "projects/acme-net-host/global/networks/shared",
          allocated_ip_range: "google-managed-services-shared",
        },
      },
    });
  });

  it("rejects missing attributes", () => {
    expect(() => Network.fromAttributes(testStack(), "vpc", undefined as never)).toThrow(
      /^test-dev\/vpc: attrs = undefined are missing/,
    );
  });
});
