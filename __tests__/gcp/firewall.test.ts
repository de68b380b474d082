import { ValidationError } from "../../constructs/core/errors";
import { Firewall, type FirewallProps, type FirewallRule } from "../../constructs/gcp/firewall";
import { Network } from "../../constructs/gcp/network";
import { blocking, evaluate } from "../../policy/engine";
import { parseStack } from "../../policy/load";
import type { Json } from "../../policy/types";
import { helpExampleStack } from "../helpers/help";
import { findResource, resourcesOf, synthJson, testStack } from "../helpers/synth";

const REASON = "vendor support session, approved in SEC-101";
const VPC_ID = expect.stringMatching(/^\$\{google_compute_network\.[^.]+\.id\}$/);
const BOT_SA = { email: "bot@my-project.iam.gserviceaccount.com" };

function setup(props: Partial<FirewallProps> = {}) {
  const stack = testStack();
  const network = new Network(stack, "network", {
    subnets: [{ region: "us-central1", cidr: "10.0.0.0/20" }],
    privateGoogleApisDns: false,
  });
  const firewall = new Firewall(stack, "firewall", { network, ...props });
  return { stack, network, firewall };
}

const rulesOf = (props: Partial<FirewallProps> = {}) => synthJson(setup(props).stack);
const rule = (json: ReturnType<typeof synthJson>, name: string) =>
  findResource(json, "google_compute_firewall", { name: `test-dev-${name}` });
const ruleNames = (json: ReturnType<typeof synthJson>) =>
  resourcesOf(json, "google_compute_firewall")
    .map((r) => r.config.name)
    .sort();

/** The opt-outs recorded on each rule, by rule name (Testing.synth strips the `//` key). */
function optOuts(props: Partial<FirewallProps>): Record<string, unknown> {
  const { stack } = setup(props);
  synthJson(stack);
  const rules = (
    stack.toTerraform() as {
      resource: Record<string, Record<string, { name: string; "//"?: { opt_outs?: unknown } }>>;
    }
  ).resource.google_compute_firewall;
  return Object.fromEntries(
    Object.values(rules)
      .filter((r) => r["//"]?.opt_outs)
      .map((r) => [r.name, r["//"]?.opt_outs]),
  );
}

const ingress = (extra: Partial<FirewallRule> = {}): FirewallRule => ({
  name: "allow-web",
  ports: [443],
  ranges: ["203.0.113.0/24"],
  ...extra,
});

describe("Firewall", () => {
  it("denies and logs everything else, both ways, at priority 65534", () => {
    const json = rulesOf();
    expect(ruleNames(json)).toEqual(["test-dev-deny-all-egress", "test-dev-deny-all-ingress"]);
    expect(rule(json, "deny-all-ingress")).toEqual({
      name: "test-dev-deny-all-ingress",
      network: VPC_ID,
      direction: "INGRESS",
      priority: 65534,
      description: "Deny and log all ingress not allowed by a rule above",
      deny: [{ protocol: "all" }],
      source_ranges: ["0.0.0.0/0"],
      log_config: { metadata: "INCLUDE_ALL_METADATA" },
    });
    expect(rule(json, "deny-all-egress")).toEqual({
      name: "test-dev-deny-all-egress",
      network: VPC_ID,
      direction: "EGRESS",
      priority: 65534,
      description: "Deny and log all egress not allowed by a rule above",
      deny: [{ protocol: "all" }],
      destination_ranges: ["0.0.0.0/0"],
      log_config: { metadata: "INCLUDE_ALL_METADATA" },
    });
  });

  it("allows SSH from the listed ranges, expanding iap", () => {
    const json = rulesOf({ ssh: { from: ["iap", "203.0.113.0/24"] } });
    expect(rule(json, "allow-ssh")).toEqual({
      name: "test-dev-allow-ssh",
      network: VPC_ID,
      direction: "INGRESS",
      priority: 1000,
      description: "SSH from the listed admin ranges",
      allow: [{ protocol: "tcp", ports: ["22"] }],
      source_ranges: ["35.235.240.0/20", "203.0.113.0/24"],
      log_config: { metadata: "INCLUDE_ALL_METADATA" },
    });
  });

  it("allows HTTPS egress to the listed destinations", () => {
    const json = rulesOf({
      httpsEgress: [
        { name: "exchanges", to: ["198.51.100.0/24", "203.0.113.0/24"] },
        { name: "google", to: ["google-private-apis"] },
      ],
    });
    expect(rule(json, "allow-https-exchanges")).toEqual({
      name: "test-dev-allow-https-exchanges",
      network: VPC_ID,
      direction: "EGRESS",
      priority: 1000,
      description: "HTTPS to exchanges",
      allow: [{ protocol: "tcp", ports: ["443"] }],
      destination_ranges: ["198.51.100.0/24", "203.0.113.0/24"],
      log_config: { metadata: "INCLUDE_ALL_METADATA" },
    });
    expect(rule(json, "allow-https-google").destination_ranges).toEqual(["199.36.153.8/30"]);
  });

  it("adds custom ingress and egress rules", () => {
    const json = rulesOf({
      ingress: [
        {
          name: "allow-health-checks",
          ports: [8080, "9000-9100"],
          ranges: ["google-health-checks"],
          priority: 900,
        },
        { name: "allow-ping", protocol: "icmp", ranges: ["10.0.0.0/8"], description: "ping" },
      ],
      egress: [{ name: "allow-dns", protocol: "udp", ports: ["53"], ranges: ["10.0.0.2/32"] }],
      logMetadata: "EXCLUDE_ALL_METADATA",
    });
    expect(rule(json, "allow-health-checks")).toMatchObject({
      direction: "INGRESS",
      priority: 900,
      description: "Allow tcp 8080 9000-9100 from the listed ranges",
      allow: [{ protocol: "tcp", ports: ["8080", "9000-9100"] }],
      source_ranges: ["35.191.0.0/16", "130.211.0.0/22"],
      log_config: { metadata: "EXCLUDE_ALL_METADATA" },
    });
    expect(rule(json, "allow-ping")).toMatchObject({
      description: "ping",
      allow: [{ protocol: "icmp" }],
    });
    expect(rule(json, "allow-dns")).toMatchObject({
      direction: "EGRESS",
      description: "Allow udp 53 to the listed ranges",
      allow: [{ protocol: "udp", ports: ["53"] }],
      destination_ranges: ["10.0.0.2/32"],
    });
    expect(rule(json, "deny-all-ingress").log_config).toEqual({ metadata: "EXCLUDE_ALL_METADATA" });
  });

  it("targets instances by tags or service accounts; deny rules apply to all", () => {
    const json = rulesOf({
      targets: { serviceAccounts: [BOT_SA] },
      ssh: { from: ["iap"], targets: { tags: ["bastion"] } },
      ingress: [ingress()],
      httpsEgress: [{ name: "api", to: ["198.51.100.0/24"], targets: { tags: ["web", "api-1"] } }],
    });
    expect(rule(json, "allow-ssh").target_tags).toEqual(["bastion"]);
    expect(rule(json, "allow-ssh")).not.toHaveProperty("target_service_accounts");
    expect(rule(json, "allow-web").target_service_accounts).toEqual([BOT_SA.email]);
    expect(rule(json, "allow-https-api").target_tags).toEqual(["web", "api-1"]);
    for (const deny of ["deny-all-ingress", "deny-all-egress"]) {
      expect(rule(json, deny)).not.toHaveProperty("target_tags");
      expect(rule(json, deny)).not.toHaveProperty("target_service_accounts");
    }
  });

  it("applies to all instances when no targets are given", () => {
    const json = rulesOf({ ingress: [ingress()] });
    expect(rule(json, "allow-web")).not.toHaveProperty("target_tags");
    expect(rule(json, "allow-web")).not.toHaveProperty("target_service_accounts");
  });

  // Only tcp 80 and 443 may be open to the world without an opt-out: 8080 and UDP need one.
  it("refuses a non-web port from the whole internet without an opt-out, accepts it with one", () => {
    const app = ingress({ name: "allow-app", ports: [8080], ranges: ["0.0.0.0/0", "::/0"] });
    const udp = ingress({
      name: "allow-udp-22",
      protocol: "udp",
      ports: [22],
      ranges: ["0.0.0.0/0"],
    });
    expect(() => rulesOf({ ingress: [app] })).toThrow(
      /ingress\[0\]\.ranges = \["0\.0\.0\.0\/0","::\/0"\] opens tcp:8080 to the whole internet.*ingress\[0\]\.allowWorld: \{ reason \}/s,
    );
    expect(() => rulesOf({ ingress: [udp] })).toThrow(
      /ingress\[0\]\.ranges = \["0\.0\.0\.0\/0"\] opens udp:22 to the whole internet/,
    );
    const allowWorld = { reason: REASON };
    const props = {
      ingress: [
        { ...app, allowWorld },
        { ...udp, allowWorld },
      ],
    };
    const json = rulesOf(props);
    expect(rule(json, "allow-app").source_ranges).toEqual(["0.0.0.0/0", "::/0"]);
    expect(rule(json, "allow-udp-22").source_ranges).toEqual(["0.0.0.0/0"]);
    expect(optOuts(props)).toEqual({
      "test-dev-allow-app": [{ id: "world-ingress", reason: REASON }],
      "test-dev-allow-udp-22": [{ id: "world-ingress", reason: REASON }],
    });
  });

  it("exposes each rule by its short name", () => {
    const { firewall } = setup({ ssh: { from: ["iap"] } });
    expect(Object.keys(firewall.rules).sort()).toEqual([
      "allow-ssh",
      "deny-all-egress",
      "deny-all-ingress",
    ]);
  });
});

describe("Firewall opt-outs", () => {
  it("accepts SSH from the world with allowWorld and records it on the rule", () => {
    const ssh = { from: ["0.0.0.0/0"], allowWorld: { reason: REASON } };
    expect(rule(rulesOf({ ssh }), "allow-ssh").source_ranges).toEqual(["0.0.0.0/0"]);
    expect(optOuts({ ssh })).toEqual({
      "test-dev-allow-ssh": [{ id: "admin-port-from-world", reason: REASON }],
    });
  });

  it("accepts egress to the world with allowWorld and records it on the rule", () => {
    const egress = [
      {
        name: "allow-all-https",
        ports: [443],
        ranges: ["0.0.0.0/0"],
        allowWorld: { reason: REASON },
      },
    ];
    expect(optOuts({ egress })).toEqual({
      "test-dev-allow-all-https": [{ id: "egress-to-world", reason: REASON }],
    });
  });

  it("drops the deny-all egress rule with allowUnlistedEgress and records it", () => {
    const props = { allowUnlistedEgress: { reason: REASON } };
    expect(ruleNames(rulesOf(props))).toEqual(["test-dev-deny-all-ingress"]);
    expect(optOuts(props)).toEqual({
      "test-dev-deny-all-ingress": [{ id: "unlisted-egress-allowed", reason: REASON }],
    });
  });

  it("records nothing without opt-outs", () => {
    expect(
      optOuts({ ssh: { from: ["iap"] }, ingress: [ingress({ ranges: ["0.0.0.0/0"] })] }),
    ).toEqual({});
  });
});

describe("Firewall validation", () => {
  it.each<[string, Partial<FirewallProps>, RegExp]>([
    [
      "SSH from 0.0.0.0/0",
      { ssh: { from: ["0.0.0.0/0"] } },
      /= \["0\.0\.0\.0\/0"\] opens SSH \(port 22\) to the whole internet.*allowWorld: \{ reason \}/s,
    ],
    [
      "SSH from ::/0",
      { ssh: { from: ["iap", "::/0"] } },
      /= \["::\/0"\] opens SSH \(port 22\) to the whole internet/,
    ],
    [
      "RDP from the world",
      { ingress: [ingress({ name: "allow-rdp", ports: [3389], ranges: ["0.0.0.0/0"] })] },
      /ingress\[0\]\.ranges = \["0\.0\.0\.0\/0"\] opens RDP \(port 3389\) to the whole internet/,
    ],
    [
      "a port range covering 22 from the world",
      { ingress: [ingress({ ports: ["20-25"], ranges: ["0.0.0.0/0"] })] },
      /opens SSH \(port 22\)/,
    ],
    [
      "all ports from the world",
      { ingress: [ingress({ ports: ["1-65535"], ranges: ["::/0"] })] },
      /opens SSH \(port 22\)/,
    ],
    [
      "egress to 0.0.0.0/0",
      { egress: [ingress({ name: "allow-out", ranges: ["0.0.0.0/0"] })] },
      /egress\[0\]\.ranges = \["0\.0\.0\.0\/0"\] egress to the whole internet undoes the default deny/,
    ],
    [
      "egress to ::/0",
      { egress: [ingress({ name: "allow-out", ranges: ["::/0"] })] },
      /egress to the whole internet undoes the default deny/,
    ],
    [
      "HTTPS egress to 0.0.0.0/0",
      { httpsEgress: [{ name: "all", to: ["0.0.0.0/0"] }] },
      /egress to the whole internet undoes the default deny/,
    ],
    [
      "an SSH opt-out with a short reason",
      { ssh: { from: ["0.0.0.0/0"], allowWorld: { reason: "temporary" } } },
      /ssh\.allowWorld\.reason = "temporary" is too short/,
    ],
    [
      "an allowUnlistedEgress opt-out with a short reason",
      { allowUnlistedEgress: { reason: "" } },
      /allowUnlistedEgress\.reason = "" is too short/,
    ],
    ["an empty ssh.from", { ssh: { from: [] } }, /ssh\.from = \[\] is empty/],
    [
      "empty ranges",
      { ingress: [ingress({ ranges: [] })] },
      /ingress\[0\]\.ranges = \[\] is empty/,
    ],
    [
      "a bad range",
      { ingress: [ingress({ ranges: ["10.0.0.0/8", "internet"] })] },
      /ingress\[0\]\.ranges\[1\] = "internet" is not a valid CIDR range/,
    ],
    [
      "a range with host bits",
      { egress: [ingress({ ranges: ["10.0.0.1/8"] })] },
      /egress\[0\]\.ranges\[0\] = "10\.0\.0\.1\/8" has host bits set/,
    ],
    [
      "port 0",
      { ingress: [ingress({ ports: [0] })] },
      /ingress\[0\]\.ports\[0\] = 0 is not a valid port or port range/,
    ],
    [
      "port 65536",
      { ingress: [ingress({ ports: [443, 65536] })] },
      /ingress\[0\]\.ports\[1\] = 65536 is not a valid port or port range/,
    ],
    [
      "a reversed range",
      { ingress: [ingress({ ports: ["90-80"] })] },
      /ingress\[0\]\.ports\[0\] = "90-80" is not a valid port or port range/,
    ],
    [
      "a range past 65535",
      { ingress: [ingress({ ports: ["80-65536"] })] },
      /ports\[0\] = "80-65536" is not a valid port/,
    ],
    [
      "a word",
      { ingress: [ingress({ ports: ["abc"] })] },
      /ingress\[0\]\.ports\[0\] = "abc" is not a valid port or port range/,
    ],
    [
      "a fraction",
      { ingress: [ingress({ ports: [1.5] })] },
      /ingress\[0\]\.ports\[0\] = 1\.5 is not a valid port or port range/,
    ],
    [
      "ports on icmp",
      { ingress: [ingress({ protocol: "icmp", ports: [8] })] },
      /ingress\[0\]\.ports = \[8\] is set for icmp, which has no ports/,
    ],
    [
      "missing ports on tcp",
      { ingress: [ingress({ ports: undefined })] },
      /ingress\[0\]\.ports = undefined is empty for tcp/,
    ],
    [
      "no ports on udp",
      { egress: [ingress({ protocol: "udp", ports: [] })] },
      /egress\[0\]\.ports = \[\] is empty for udp/,
    ],
    [
      "priority -1",
      { ingress: [ingress({ priority: -1 })] },
      /ingress\[0\]\.priority = -1 is outside 0–65533/,
    ],
    [
      "priority 65534",
      { ingress: [ingress({ priority: 65534 })] },
      /ingress\[0\]\.priority = 65534 is outside 0–65533.*65534 holds the default deny rules/s,
    ],
    [
      "priority 1.5",
      { ingress: [ingress({ priority: 1.5 })] },
      /ingress\[0\]\.priority = 1\.5 is outside 0–65533/,
    ],
    [
      "a duplicate rule name",
      { ingress: [ingress(), ingress()] },
      /ingress\[1\]\.name = "test-dev-allow-web" is already used by another firewall in this stack/,
    ],
    [
      "a name used for ingress and egress",
      { ingress: [ingress()], egress: [ingress()] },
      /egress\[0\]\.name = "test-dev-allow-web" is already used by another firewall/,
    ],
    [
      "a bad rule name",
      { ingress: [ingress({ name: "Allow Web" })] },
      /ingress\[0\]\.name = "Allow Web" is not a valid firewall name/,
    ],
    [
      "a rule name too long with the prefix",
      { ingress: [ingress({ name: `a${"b".repeat(56)}` })] },
      /ingress\[0\]\.name = "test-dev-ab+" is 66 characters long/,
    ],
    [
      "a bad HTTPS egress name",
      { httpsEgress: [{ name: "Exchanges", to: ["198.51.100.0/24"] }] },
      /httpsEgress\[0\]\.name = "Exchanges" is not a valid firewall name/,
    ],
    [
      "a rule that is not an object",
      { ingress: [null as never] },
      /ingress\[0\] = null is not a rule/,
    ],
    [
      "tags mixed with service accounts",
      { targets: { tags: ["web"], serviceAccounts: [BOT_SA] } },
      /targets = \{"tags":\["web"\]\} mixes network tags and service accounts/,
    ],
    [
      "tags mixed with service accounts on a rule",
      { ingress: [ingress({ targets: { tags: ["web"], serviceAccounts: [BOT_SA] } })] },
      /ingress\[0\]\.targets = .* mixes network tags and service accounts/,
    ],
    [
      "a bad tag",
      { ssh: { from: ["iap"], targets: { tags: ["Web_Server"] } } },
      /ssh\.targets\.tags\[0\] = "Web_Server" is not a valid network tag/,
    ],
    [
      "a service account without an email",
      { targets: { serviceAccounts: [{} as never] } },
      /targets\.serviceAccounts\[0\] = \{\} has no email/,
    ],
    [
      "a bad protocol",
      { ingress: [ingress({ protocol: "sctp" as never })] },
      /ingress\[0\]\.protocol = "sctp" is not a supported protocol.*"tcp", "udp" or "icmp"/s,
    ],
    [
      "a bad logMetadata",
      { logMetadata: "ALL" as never },
      /logMetadata = "ALL" is not a log metadata setting/,
    ],
  ])("rejects %s", (_what, props, message) => {
    expect(() => setup(props)).toThrow(ValidationError);
    expect(() => setup(props)).toThrow(message);
  });

  it("requires a network", () => {
    expect(() => new Firewall(testStack(), "firewall", {} as never)).toThrow(
      /^test-dev\/firewall: network = undefined is missing/,
    );
  });

  it("refuses something that is not a network", () => {
    expect(
      () => new Firewall(testStack(), "firewall", { network: { id: "vpc" } as never }),
    ).toThrow(/^test-dev\/firewall: network = \{"id":"vpc"\} is not a network/);
  });

  it("rejects a second unnamed Firewall in one stack, naming the name prop", () => {
    const { stack, network } = setup({ ingress: [ingress()] });
    expect(() => new Firewall(stack, "second", { network, ingress: [ingress()] })).toThrow(
      'test-dev/second: name = "test-dev-deny-all-ingress" is already used by another firewall in this stack (test-dev/firewall)',
    );
  });

  it("lets a named second Firewall reuse rule names under its own infix", () => {
    const { stack, network } = setup({ ingress: [ingress()] });
    new Firewall(stack, "second", { network, name: "dmz", ingress: [ingress()] });
    const names = resourcesOf(synthJson(stack), "google_compute_firewall").map(
      (r) => r.config.name,
    );
    expect(names).toEqual(
      expect.arrayContaining([
        "test-dev-allow-web",
        "test-dev-dmz-allow-web",
        "test-dev-dmz-deny-all-ingress",
      ]),
    );
  });

  it("reserves the default deny rule names", () => {
    expect(() => setup({ ingress: [ingress({ name: "deny-all-ingress" })] })).toThrow(
      /ingress\[0\]\.name = "deny-all-ingress" is reserved for the default deny rules/,
    );
  });

  // The message must name the prop the user wrote: `ssh.from` and `httpsEgress[i].to`.
  it.each<[string, Partial<FirewallProps>, RegExp]>([
    [
      "SSH from the world",
      { ssh: { from: ["0.0.0.0/0"] } },
      /ssh\.from = \["0\.0\.0\.0\/0"\] opens SSH/,
    ],
    [
      "a bad SSH source",
      { ssh: { from: ["10.0.0.0/33"] } },
      /ssh\.from\[0\] = "10\.0\.0\.0\/33" is not a valid CIDR range/,
    ],
    [
      "empty HTTPS destinations",
      { httpsEgress: [{ name: "api", to: [] }] },
      /httpsEgress\[0\]\.to = \[\] is empty/,
    ],
    [
      "a bad HTTPS destination",
      { httpsEgress: [{ name: "api", to: ["api.example.com"] }] },
      /httpsEgress\[0\]\.to\[0\] = "api\.example\.com" is not a valid CIDR range/,
    ],
    [
      "a rule named like a default deny rule",
      { ingress: [ingress({ name: "deny-all-ingress" })] },
      /ingress\[0\]\.name = "(test-dev-)?deny-all-ingress"/,
    ],
  ])("names the prop the user wrote for %s", (_what, props, message) => {
    expect(() => setup(props)).toThrow(message);
  });
});

describe("Firewall uptime checkers", () => {
  it("reads the uptime checkers' addresses at deploy time for an ingress rule", () => {
    const stack = testStack();
    const network = new Network(stack, "network", {
      subnets: [{ region: "us-central1", cidr: "10.0.0.0/20" }],
    });
    new Firewall(stack, "firewall", {
      network,
      ingress: [{ name: "allow-health", ports: [8080], ranges: ["google-uptime-checkers"] }],
    });
    const json = synthJson(stack);
    const rule = findResource(json, "google_compute_firewall", { name: "test-dev-allow-health" });
    expect(rule.source_ranges).toMatch(
      /^\$\{formatlist\("%s\/32", data\.google_monitoring_uptime_check_ips\.[\w-]+\.uptime_check_ips\[\*\]\.ip_address\)\}$/,
    );
    expect(json.data).toHaveProperty("google_monitoring_uptime_check_ips");
  });

  it("refuses the uptime checkers as an egress destination", () => {
    const stack = testStack();
    const network = new Network(stack, "network", {
      subnets: [{ region: "us-central1", cidr: "10.0.0.0/20" }],
    });
    expect(
      () =>
        new Firewall(stack, "firewall", {
          network,
          egress: [{ name: "to-checkers", ports: [443], ranges: ["google-uptime-checkers"] }],
        }),
    ).toThrow(
      /egress\[0\]\.ranges = \["google-uptime-checkers"\] uses google-uptime-checkers in an egress rule/,
    );
  });
});

describe("Firewall FQDN egress", () => {
  const account = { email: "vm@p-123456.iam.gserviceaccount.com" };
  function build(fqdnEgress: unknown, targets: object = { serviceAccounts: [account] }) {
    const stack = testStack();
    const network = new Network(stack, "network", {
      subnets: [{ region: "us-central1", cidr: "10.0.0.0/20" }],
      firewallPolicyEnforcementOrder: "BEFORE_CLASSIC_FIREWALL",
    });
    new Firewall(stack, "firewall", { network, targets, fqdnEgress: fqdnEgress as never });
    return stack;
  }

  it("allows named hosts through a network firewall policy evaluated before the VPC rules", () => {
    const json = synthJson(
      build([{ name: "mirrors", hosts: ["deb.debian.org"], ports: [80, 443] }]),
    );
    expect(findResource(json, "google_compute_network")).toMatchObject({
      network_firewall_policy_enforcement_order: "BEFORE_CLASSIC_FIREWALL",
    });
    expect(findResource(json, "google_compute_network_firewall_policy")).toMatchObject({
      name: "test-dev-egress-fqdn",
    });
    expect(findResource(json, "google_compute_network_firewall_policy_association")).toMatchObject({
      attachment_target: expect.stringContaining("google_compute_network."),
    });
    expect(findResource(json, "google_compute_network_firewall_policy_rule")).toMatchObject({
      direction: "EGRESS",
      action: "allow",
      enable_logging: true,
      match: {
        dest_fqdns: ["deb.debian.org"],
        layer4_configs: [{ ip_protocol: "tcp", ports: ["80", "443"] }],
      },
      target_service_accounts: [account.email],
    });
    // The VPC still denies every other egress.
    expect(
      findResource(json, "google_compute_firewall", { name: "test-dev-deny-all-egress" }),
    ).toMatchObject({ deny: [{ protocol: "all" }], destination_ranges: ["0.0.0.0/0"] });
  });

  it("builds the help page's FQDN example on a network that reads policies first", () => {
    const json = synthJson(helpExampleStack("firewall.md", 1));
    expect(findResource(json, "google_compute_network")).toMatchObject({
      network_firewall_policy_enforcement_order: "BEFORE_CLASSIC_FIREWALL",
    });
    expect(findResource(json, "google_compute_network_firewall_policy_rule")).toMatchObject({
      rule_name: "package-mirrors",
      match: { dest_fqdns: ["deb.debian.org", "pypi.org"] },
    });
  });

  it("creates no policy without FQDN egress", () => {
    const json = synthJson(build([]));
    expect(resourcesOf(json, "google_compute_network_firewall_policy")).toEqual([]);
    expect(resourcesOf(json, "google_compute_network_firewall_policy_rule")).toEqual([]);
  });

  it.each([undefined, "AFTER_CLASSIC_FIREWALL"] as const)(
    "refuses FQDN egress on a network whose order is %s, and leaves the network alone",
    (order) => {
      const stack = testStack();
      const network = new Network(stack, "network", {
        subnets: [{ region: "us-central1", cidr: "10.0.0.0/20" }],
        firewallPolicyEnforcementOrder: order,
      });
      let error: unknown;
      try {
        new Firewall(stack, "firewall", {
          network,
          targets: { serviceAccounts: [account] },
          fqdnEgress: [{ name: "mirrors", hosts: ["deb.debian.org"] }],
        });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as Error).message).toMatch(
        /^test-dev\/firewall: network\.firewallPolicyEnforcementOrder = "AFTER_CLASSIC_FIREWALL" of test-dev\/network evaluates the VPC rules, and their deny-all egress, before the policy that fqdnEgress writes\.\n {2}Fix: set firewallPolicyEnforcementOrder: "BEFORE_CLASSIC_FIREWALL" on the Network/,
      );
      expect(network.vpc.networkFirewallPolicyEnforcementOrderInput).toBe(order);
    },
  );

  it.each([
    [[{ name: "m", hosts: [] }], /fqdnEgress\[0\]\.hosts = \[\] must list 1 to 100 host names/],
    [
      [{ name: "m", hosts: ["*.debian.org"] }],
      /fqdnEgress\[0\]\.hosts\[0\] = "\*\.debian\.org" is not a fully qualified host name/,
    ],
    [
      [{ name: "m", hosts: ["https://deb.debian.org/"] }],
      /hosts\[0\] = "https:\/\/deb\.debian\.org\/" is not a fully qualified host name/,
    ],
    [
      [{ name: "m", hosts: ["deb.debian.org"], ports: [0] }],
      /fqdnEgress\[0\]\.ports\[0\] = 0 is not a valid port/,
    ],
    [
      [
        { name: "m", hosts: ["a.example.com"] },
        { name: "m", hosts: ["b.example.com"] },
      ],
      /fqdnEgress\[1\]\.name = "m" is used twice in fqdnEgress/,
    ],
  ])("rejects %j", (fqdnEgress, message) => {
    expect(() => build(fqdnEgress)).toThrow(message);
  });

  it("rejects network tag targets, which firewall policies cannot match", () => {
    expect(() => build([{ name: "m", hosts: ["deb.debian.org"] }], { tags: ["vm"] })).toThrow(
      /fqdnEgress\[0\]\.targets = \{"tags":\["vm"\]\} targets network tags, which firewall policies cannot match/,
    );
  });
});

describe("Firewall on an existing Shared VPC", () => {
  const HOST = "acme-net-host";
  const account = { email: "vm@acme-service.iam.gserviceaccount.com" };
  function shared(order?: "BEFORE_CLASSIC_FIREWALL" | "AFTER_CLASSIC_FIREWALL") {
    const stack = testStack();
    const network = Network.fromAttributes(stack, "shared-vpc", {
      name: "shared-vpc",
      projectId: HOST,
      subnets: [{ region: "us-central1", name: "apps" }],
      firewallPolicyEnforcementOrder: order,
    });
    return { stack, network };
  }

  it("writes the rules into the VPC's host project", () => {
    const { stack, network } = shared();
    new Firewall(stack, "firewall", {
      network,
      targets: { serviceAccounts: [account] },
      ssh: { from: ["iap"] },
    });
    const json = synthJson(stack);
    const rules = resourcesOf(json, "google_compute_firewall").map((r) => r.config);
    expect(rules.map((r) => r.name).sort()).toEqual([
      "test-dev-allow-ssh",
      "test-dev-deny-all-egress",
      "test-dev-deny-all-ingress",
    ]);
    for (const r of rules) {
      expect(r).toMatchObject({
        project: HOST,
        network: `projects/${HOST}/global/networks/shared-vpc`,
      });
    }
    expect(json.resource).not.toHaveProperty("google_compute_network");
  });

  it("attaches the FQDN policy to the VPC when the VPC evaluates policies first", () => {
    const { stack, network } = shared("BEFORE_CLASSIC_FIREWALL");
    new Firewall(stack, "firewall", {
      network,
      targets: { serviceAccounts: [account] },
      fqdnEgress: [{ name: "mirrors", hosts: ["deb.debian.org"] }],
    });
    const json = synthJson(stack);
    expect(findResource(json, "google_compute_network_firewall_policy")).toMatchObject({
      project: HOST,
    });
    expect(findResource(json, "google_compute_network_firewall_policy_association")).toMatchObject({
      project: HOST,
      attachment_target: `projects/${HOST}/global/networks/shared-vpc`,
    });
    expect(findResource(json, "google_compute_network_firewall_policy_rule")).toMatchObject({
      project: HOST,
      target_service_accounts: [account.email],
    });
    expect(json.resource).not.toHaveProperty("google_compute_network");
  });

  it("refuses FQDN egress when the VPC is stated to evaluate its rules first", () => {
    const { stack, network } = shared();
    expect(
      () =>
        new Firewall(stack, "firewall", {
          network,
          targets: { serviceAccounts: [account] },
          fqdnEgress: [{ name: "mirrors", hosts: ["deb.debian.org"] }],
        }),
    ).toThrow(
      /network\.firewallPolicyEnforcementOrder = "AFTER_CLASSIC_FIREWALL" of test-dev\/shared-vpc evaluates the VPC rules/,
    );
  });
});

// Exposure is judged on the union of ranges, across every rule of the Firewall that opens the same
// protocol and port: no single range needs to be 0.0.0.0/0 for the world to get in.
describe("Firewall world exposure", () => {
  const HALVES = ["0.0.0.0/1", "128.0.0.0/1"];
  const QUARTERS = ["0.0.0.0/2", "64.0.0.0/2", "128.0.0.0/2", "192.0.0.0/2"];
  const V6_HALVES = ["::/1", "8000::/1"];
  const open = (name: string, ports: FirewallRule["ports"], ranges: string[], extra = {}) =>
    ingress({ name, ports, ranges, ...extra });

  it.each<[string, Partial<FirewallProps>, RegExp]>([
    [
      "SSH from two halves of IPv4",
      { ssh: { from: HALVES } },
      /ssh\.from = \["0\.0\.0\.0\/1","128\.0\.0\.0\/1"\] opens SSH \(port 22\) to the whole internet/,
    ],
    [
      "PostgreSQL from four quarters",
      { ingress: [open("allow-pg", [5432], QUARTERS)] },
      /ingress\[0\]\.ranges = \["0\.0\.0\.0\/2","64\.0\.0\.0\/2","128\.0\.0\.0\/2","192\.0\.0\.0\/2"\] opens tcp:5432 to the whole internet/,
    ],
    [
      "Redis from two halves of IPv6",
      { ingress: [open("allow-redis", [6379], ["10.0.0.0/8", ...V6_HALVES])] },
      /ingress\[0\]\.ranges = \["::\/1","8000::\/1"\] opens tcp:6379 to the whole internet/,
    ],
    [
      "SSH split across the ssh intent and an ingress rule",
      { ssh: { from: ["0.0.0.0/1"] }, ingress: [open("allow-admin", [22], ["128.0.0.0/1"])] },
      /ssh\.from = \["0\.0\.0\.0\/1"\] opens SSH \(port 22\) to the whole internet, together with ingress\[0\]\.ranges \(128\.0\.0\.0\/1\).*set allowWorld: \{ reason \} on ssh and ingress\[0\]/s,
    ],
    [
      "Docker split across two ingress rules",
      { ingress: [open("a", [2375], ["0.0.0.0/1"]), open("b", [2375], ["128.0.0.0/1"])] },
      /ingress\[0\]\.ranges = \["0\.0\.0\.0\/1"\] opens tcp:2375 to the whole internet, together with ingress\[1\]\.ranges/,
    ],
    [
      "SSH split across a port and a port range covering it",
      { ingress: [open("a", [22], ["0.0.0.0/1"]), open("b", ["20-30"], ["128.0.0.0/1"])] },
      /ingress\[0\]\.ranges = \["0\.0\.0\.0\/1"\] opens SSH \(port 22\) to the whole internet/,
    ],
    [
      "PostgreSQL from the world",
      { ingress: [open("allow-pg", [5432], ["0.0.0.0/0"])] },
      /opens tcp:5432 to the whole internet.*only tcp 80 and 443 may be open to the world without an opt-out.*ingress\[0\]\.allowWorld: \{ reason \}/s,
    ],
    [
      "Redis from the world",
      { ingress: [open("allow-redis", [6379], ["::/0"])] },
      /opens tcp:6379 to the whole internet/,
    ],
    [
      "the Docker daemon from the world",
      { ingress: [open("allow-docker", [2375], ["0.0.0.0/0"])] },
      /opens tcp:2375 to the whole internet/,
    ],
    [
      "all TCP ports from the world",
      { ingress: [open("allow-all", ["1-65535"], ["0.0.0.0/0"])] },
      /opens SSH \(port 22\), RDP \(port 3389\) and tcp:1-65535 to the whole internet/,
    ],
    [
      "a port range between the web ports",
      { ingress: [open("allow-range", ["80-443"], ["0.0.0.0/0"])] },
      /opens tcp:80-443 to the whole internet/,
    ],
    [
      "a port range of an app",
      { ingress: [open("allow-range", ["8000-8100"], HALVES)] },
      /opens tcp:8000-8100 to the whole internet/,
    ],
    [
      "UDP from the world",
      { ingress: [open("allow-dns", [53], ["0.0.0.0/0"], { protocol: "udp" })] },
      /opens udp:53 to the whole internet/,
    ],
    [
      "UDP 443 (QUIC) from the world",
      { ingress: [open("allow-quic", [443], ["0.0.0.0/0"], { protocol: "udp" })] },
      /opens udp:443 to the whole internet/,
    ],
    [
      "egress to two halves in one rule",
      { egress: [open("allow-out", [443], HALVES)] },
      /egress\[0\]\.ranges = \["0\.0\.0\.0\/1","128\.0\.0\.0\/1"\] egress to the whole internet undoes the default deny \(tcp:443\)/,
    ],
    [
      "egress split across an egress rule and an HTTPS intent",
      {
        httpsEgress: [{ name: "low", to: ["0.0.0.0/1"] }],
        egress: [open("allow-high", [443], ["128.0.0.0/1"])],
      },
      /httpsEgress\[0\]\.to = \["0\.0\.0\.0\/1"\] egress to the whole internet undoes the default deny \(tcp:443, together with egress\[0\]\.ranges \(128\.0\.0\.0\/1\)\)/,
    ],
    [
      "ICMP egress to IPv6 halves",
      { egress: [open("allow-ping", undefined, V6_HALVES, { protocol: "icmp" })] },
      /egress to the whole internet undoes the default deny \(icmp\)/,
    ],
    [
      "a world-ingress opt-out with a short reason",
      { ingress: [open("allow-pg", [5432], ["0.0.0.0/0"], { allowWorld: { reason: "ok" } })] },
      /ingress\[0\]\.allowWorld\.reason = "ok" is too short/,
    ],
  ])("refuses %s", (_what, props, message) => {
    let error: unknown;
    try {
      setup(props);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toMatch(message);
  });

  it.each<[string, Partial<FirewallProps>]>([
    [
      "HTTP and HTTPS from the world",
      { ingress: [open("allow-web", [80, 443], ["0.0.0.0/0", "::/0"])] },
    ],
    ["HTTPS from two halves", { ingress: [open("allow-web", [443], HALVES)] }],
    [
      "ICMP from the world",
      { ingress: [open("allow-ping", undefined, ["0.0.0.0/0"], { protocol: "icmp" })] },
    ],
    [
      "SSH from a set with a gap (every /3 but the last)",
      {
        ssh: {
          from: ["0.0.0.0/1", "128.0.0.0/2", "192.0.0.0/3"],
        },
      },
    ],
    [
      "halves on different ports",
      { ingress: [open("a", [22], ["0.0.0.0/1"]), open("b", [3389], ["128.0.0.0/1"])] },
    ],
    [
      "halves on one port but different protocols",
      {
        ingress: [
          open("a", [5432], ["0.0.0.0/1"]),
          open("b", [5432], ["128.0.0.0/1"], { protocol: "udp" }),
        ],
      },
    ],
    [
      "web ports from one half and an app port from the other",
      { ingress: [open("a", [443], ["0.0.0.0/0"]), open("b", [8080], ["128.0.0.0/1"])] },
    ],
    [
      "egress halves on different ports",
      { egress: [open("a", [443], ["0.0.0.0/1"]), open("b", [80], ["128.0.0.0/1"])] },
    ],
    ["an IPv4 half and an IPv6 half", { ingress: [open("a", [5432], ["0.0.0.0/1", "8000::/1"])] }],
  ])("accepts %s without an opt-out", (_what, props) => {
    expect(() => setup(props)).not.toThrow();
    expect(optOuts(props)).toEqual({});
  });

  it("accepts pieces split across two rules when each carries the opt-out, and records it on both", () => {
    const allowWorld = { reason: REASON };
    const props = {
      ssh: { from: ["0.0.0.0/1"], allowWorld },
      ingress: [open("allow-admin", [22], ["128.0.0.0/1"], { allowWorld })],
    };
    expect(optOuts(props)).toEqual({
      "test-dev-allow-ssh": [{ id: "admin-port-from-world", reason: REASON }],
      "test-dev-allow-admin": [{ id: "admin-port-from-world", reason: REASON }],
    });
  });

  it("refuses pieces split across two rules when only one carries the opt-out", () => {
    const props = {
      ingress: [
        open("a", [5432], ["0.0.0.0/1"], { allowWorld: { reason: REASON } }),
        open("b", [5432], ["128.0.0.0/1"]),
      ],
    };
    expect(() => setup(props)).toThrow(
      /ingress\[1\]\.ranges = \["128\.0\.0\.0\/1"\] opens tcp:5432 to the whole internet, together with ingress\[0\]\.ranges \(0\.0\.0\.0\/1\)/,
    );
  });

  it("records both opt-outs for a port range covering SSH", () => {
    const props = { ingress: [open("a", ["20-25"], QUARTERS, { allowWorld: { reason: REASON } })] };
    expect(optOuts(props)).toEqual({
      "test-dev-a": [
        { id: "admin-port-from-world", reason: REASON },
        { id: "world-ingress", reason: REASON },
      ],
    });
  });

  it("records egress-to-world on each rule of a split egress", () => {
    const allowWorld = { reason: REASON };
    const props = {
      egress: [
        open("a", [443], ["0.0.0.0/1"], { allowWorld }),
        open("b", [443], ["128.0.0.0/1"], { allowWorld }),
      ],
    };
    expect(optOuts(props)).toEqual({
      "test-dev-a": [{ id: "egress-to-world", reason: REASON }],
      "test-dev-b": [{ id: "egress-to-world", reason: REASON }],
    });
  });

  it("does not record an opt-out that no exposure needs", () => {
    const props = {
      ingress: [open("a", [5432], ["203.0.113.0/24"], { allowWorld: { reason: REASON } })],
    };
    expect(optOuts(props)).toEqual({});
  });
});

// An opt-out the construct records must be the decision the policy gate accepts for the same risk.
describe("Firewall opt-outs and the policy gate", () => {
  function findingsOf(props: Partial<FirewallProps>) {
    const { stack } = setup(props);
    const json = JSON.parse(JSON.stringify(stack.toTerraform())) as Json;
    return evaluate([parseStack("test-dev", json)]).filter((f) =>
      f.address.startsWith("google_compute_firewall."),
    );
  }

  it("suppresses GCP-FW-006 with the world-ingress opt-out", () => {
    const findings = findingsOf({
      ingress: [open5432({ allowWorld: { reason: REASON } })],
    });
    expect(findings).toEqual([
      expect.objectContaining({ ruleId: "GCP-FW-006", suppressed: REASON }),
    ]);
    expect(blocking(findings)).toEqual([]);
  });

  it("suppresses GCP-FW-001 and GCP-FW-006 with the admin-port opt-out", () => {
    const findings = findingsOf({ ssh: { from: ["0.0.0.0/0"], allowWorld: { reason: REASON } } });
    expect(findings.map((f) => f.ruleId).sort()).toEqual(["GCP-FW-001"]);
    expect(findings.every((f) => f.suppressed === REASON)).toBe(true);
    expect(blocking(findings)).toEqual([]);
  });

  it("reports GCP-FW-006 unsuppressed when the opt-out is removed through an escape hatch", () => {
    const { stack, firewall } = setup({ ingress: [open5432({ allowWorld: { reason: REASON } })] });
    firewall.rules["allow-pg"].addOverride("//.opt_outs", []);
    const json = JSON.parse(JSON.stringify(stack.toTerraform())) as Json;
    const findings = blocking(evaluate([parseStack("test-dev", json)]));
    expect(findings).toEqual([
      expect.objectContaining({
        ruleId: "GCP-FW-006",
        constructPath: "test-dev/firewall/allow-pg",
      }),
    ]);
  });

  it("passes the reference web rule (80 and 443 from the world) with no finding", () => {
    expect(findingsOf({ ingress: [ingress({ ports: [80, 443], ranges: ["0.0.0.0/0"] })] })).toEqual(
      [],
    );
  });
});

function open5432(extra: Partial<FirewallRule> = {}): FirewallRule {
  return { name: "allow-pg", ports: [5432], ranges: ["0.0.0.0/0"], ...extra };
}
