import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { optOutsOf } from "../../constructs/core/opt-out";
import { Vpc } from "../../constructs/aws/vpc";
import {
  Peer,
  SecurityGroup,
  type RuleOptions,
  type SecurityGroupProps,
} from "../../constructs/aws/security-group";
import { blocking, evaluate } from "../../policy/engine";
import { parseStack } from "../../policy/load";
import type { Json } from "../../policy/types";
import {
  findResource,
  resourcesOf,
  synthJson,
  synthWithComments,
  testStack,
} from "../helpers/synth";

const REASON = "public game server, reviewed by the security team in SEC-42";

function setup() {
  const stack = testStack({
    system: "sf",
    environment: "dev",
    backend: { kind: "s3", bucket: "sf-state", key: "sf/dev.tfstate", region: "ap-northeast-2" },
  });
  const vpc = Vpc.fromAttributes(stack, "vpc", {
    vpcId: "vpc-0123456789abcdef0",
    azs: ["ap-northeast-2a"],
    publicSubnetIds: [],
    privateSubnetIds: ["subnet-0123456789abcdef0"],
    isolatedSubnetIds: [],
  });
  const sg = new SecurityGroup(stack, "api", { vpc, description: "API servers" });
  return { stack, vpc, sg };
}

const ingressOf = (stack: ReturnType<typeof setup>["stack"]) =>
  resourcesOf(synthJson(stack), "aws_vpc_security_group_ingress_rule").map((r) => r.config);
const egressOf = (stack: ReturnType<typeof setup>["stack"]) =>
  resourcesOf(synthJson(stack), "aws_vpc_security_group_egress_rule").map((r) => r.config);

function findingsOf(stack: ReturnType<typeof setup>["stack"]) {
  const json = JSON.parse(JSON.stringify(synthWithComments(stack))) as Json;
  return evaluate([parseStack("test", json)]).filter((f) => f.severity !== "info");
}

describe("SecurityGroup", () => {
  it("has no ingress and no egress by default", () => {
    const { stack, sg } = setup();
    const json = synthJson(stack);
    expect(findResource(json, "aws_security_group")).toMatchObject({
      name: "sf-dev-api",
      description: "API servers",
      vpc_id: "vpc-0123456789abcdef0",
      tags: { Name: "sf-dev-api", environment: "dev" },
    });
    const group = findResource(json, "aws_security_group");
    expect(group.ingress).toBeUndefined();
    expect(group.egress).toBeUndefined();
    expect(resourcesOf(json, "aws_vpc_security_group_ingress_rule")).toEqual([]);
    expect(resourcesOf(json, "aws_vpc_security_group_egress_rule")).toEqual([]);
    expect(sg.securityGroupId).toMatch(/TOKEN/);
  });

  it("allows from another group, CIDRs and a prefix list, one rule per peer, described", () => {
    const { stack, vpc, sg } = setup();
    const web = new SecurityGroup(stack, "web", { vpc, description: "Web servers" });
    sg.allowFrom(web, 8080, "API from the web servers");
    sg.allowFrom(Peer.cidrs(["10.20.0.0/16", "fd00::/8"]), { from: 9000, to: 9100 }, "Metrics");
    sg.allowFrom(Peer.securityGroup(sg), "all", "Peers of the API", { protocol: "udp" });
    sg.allowFrom(Peer.prefixList("pl-78a54011"), 443, "From the corporate prefix list");
    const rules = ingressOf(stack);
    expect(rules).toEqual([
      expect.objectContaining({
        description: "API from the web servers",
        ip_protocol: "tcp",
        from_port: 8080,
        to_port: 8080,
        referenced_security_group_id: expect.stringMatching(/aws_security_group\.web/),
      }),
      expect.objectContaining({ cidr_ipv4: "10.20.0.0/16", from_port: 9000, to_port: 9100 }),
      expect.objectContaining({ cidr_ipv6: "fd00::/8", description: "Metrics" }),
      expect.objectContaining({
        ip_protocol: "udp",
        from_port: 0,
        to_port: 65535,
        referenced_security_group_id: expect.stringMatching(/aws_security_group\.api/),
      }),
      expect.objectContaining({ prefix_list_id: "pl-78a54011", from_port: 443 }),
    ]);
    for (const r of rules) {
      expect(r.security_group_id).toMatch(/aws_security_group\.api/);
      expect(r.description).toEqual(expect.any(String));
    }
    expect(sg.ingressRules).toHaveLength(5);
  });

  it("allows egress to listed destinations, and protocol all without ports", () => {
    const { stack, sg } = setup();
    sg.allowTo(Peer.cidrs(["10.20.64.0/18"]), "all", "Everything inside the VPC", {
      protocol: "all",
    });
    sg.allowTo(Peer.prefixList("pl-78a54011"), 443, "S3 through the gateway endpoint");
    const rules = egressOf(stack);
    expect(rules[0]).toMatchObject({ ip_protocol: "-1", cidr_ipv4: "10.20.64.0/18" });
    expect(rules[0].from_port).toBeUndefined();
    expect(rules[0].to_port).toBeUndefined();
    expect(rules[1]).toMatchObject({
      ip_protocol: "tcp",
      from_port: 443,
      prefix_list_id: "pl-78a54011",
    });
  });

  it("reaches S3 through a created Vpc's endpoint prefix list", () => {
    const { stack } = setup();
    const vpc = new Vpc(stack, "net", { region: "ap-northeast-2", cidr: "10.20.0.0/16" });
    const sg = new SecurityGroup(stack, "worker", { vpc, description: "Workers" });
    sg.allowTo(Peer.prefixList(vpc.s3PrefixListId!), 443, "S3");
    expect(egressOf(stack)[0].prefix_list_id).toMatch(/aws_vpc_endpoint\..*\.prefix_list_id/);
  });

  it("opens tcp 80 and 443 to the world without an opt-out", () => {
    const { stack, sg } = setup();
    sg.allowFrom(Peer.world(), 443, "HTTPS from the internet");
    sg.allowFrom(Peer.world(), 80, "HTTP redirect from the internet");
    expect(ingressOf(stack).map((r) => r.cidr_ipv4)).toEqual(["0.0.0.0/0", "0.0.0.0/0"]);
    for (const r of sg.ingressRules) expect(optOutsOf(r)).toEqual([]);
    expect(findingsOf(stack).filter((f) => f.suppressed === undefined)).toEqual([]);
  });

  describe("world exposure", () => {
    it.each([
      [
        5432,
        {},
        /allowFrom\(peer\) = "0.0.0.0\/0" opens tcp:5432 to the whole internet in allowFrom #0/,
      ],
      [22, {}, /opens SSH \(tcp\/22\) to the whole internet.*SSM Session Manager/s],
      [3389, {}, /opens RDP \(tcp\/3389\) to the whole internet/],
      [443, { protocol: "udp" }, /opens udp:443 to the whole internet/],
      [{ from: 80, to: 443 }, {}, /opens tcp:80-443 to the whole internet/],
      ["all", {}, /opens SSH \(tcp\/22\), RDP \(tcp\/3389\) and tcp:all to the whole internet/],
      [
        "all",
        { protocol: "all" },
        /opens SSH \(tcp\/22\), RDP \(tcp\/3389\) and every protocol to the whole internet/,
      ],
    ])("refuses %j %j from the world without allowWorld", (port, options, message) => {
      const { sg } = setup();
      expect(() =>
        sg.allowFrom(Peer.world(), port as never, "From anywhere", options as RuleOptions),
      ).toThrow(message);
    });

    it("judges the union of ranges within one call and across calls", () => {
      const split = setup();
      expect(() =>
        split.sg.allowFrom(Peer.cidrs(["0.0.0.0/1", "128.0.0.0/1"]), 5432, "Split world"),
      ).toThrow(/opens tcp:5432 to the whole internet/);

      const { sg } = setup();
      sg.allowFrom(Peer.cidrs(["0.0.0.0/1"]), 5432, "Lower half");
      expect(() => sg.allowFrom(Peer.cidrs(["128.0.0.0/1"]), 5432, "Upper half")).toThrow(
        /opens tcp:5432 to the whole internet, together with allowFrom #0 \("Lower half"\): 0.0.0.0\/1/,
      );
    });

    it("needs the opt-out on every call taking part", () => {
      const { sg } = setup();
      sg.allowFrom(Peer.cidrs(["0.0.0.0/1"]), 5432, "Lower half");
      expect(() =>
        sg.allowFrom(Peer.cidrs(["128.0.0.0/1"]), 5432, "Upper half", {
          allowWorld: { reason: REASON },
        }),
      ).toThrow(/allowFrom\(peer\) = "0.0.0.0\/1" opens tcp:5432 .*in allowFrom #0/s);
    });

    it("leaves the group as it was when a call is refused", () => {
      const { stack, sg } = setup();
      sg.allowFrom(Peer.cidrs(["0.0.0.0/1"]), 5432, "Lower half");
      expect(() =>
        sg.allowFrom(Peer.cidrs(["10.0.0.0/8", "128.0.0.0/1"]), 5432, "Upper half"),
      ).toThrow(/whole internet/);
      expect(ingressOf(stack).map((r) => r.cidr_ipv4)).toEqual(["0.0.0.0/1"]);
      sg.allowFrom(Peer.cidrs(["10.0.0.0/8"]), 5432, "Inside only");
      expect(sg.ingressRules).toHaveLength(2);
    });

    it("judges IPv6 on its own: ::/0 is the world too", () => {
      const { sg } = setup();
      expect(() => sg.allowFrom(Peer.cidrs(["::/0"]), 6379, "Redis")).toThrow(
        /"::\/0" opens tcp:6379 to the whole internet/,
      );
    });

    it("does not count a range open on another port", () => {
      const { stack, sg } = setup();
      sg.allowFrom(Peer.cidrs(["0.0.0.0/1"]), 5432, "Lower half on 5432");
      sg.allowFrom(Peer.cidrs(["128.0.0.0/1"]), 5433, "Upper half on 5433");
      expect(ingressOf(stack)).toHaveLength(2);
    });

    it("records world-ingress, and admin-port-from-world for SSH, with the reason", () => {
      const { stack, sg } = setup();
      const [pg] = sg.allowFrom(Peer.world(), 5432, "Public PostgreSQL", {
        allowWorld: { reason: REASON },
      });
      const [ssh] = sg.allowFrom(Peer.world(), 22, "SSH from anywhere", {
        allowWorld: { reason: REASON },
      });
      const [range] = sg.allowFrom(Peer.world(), { from: 20, to: 25 }, "FTP to SMTP", {
        allowWorld: { reason: REASON },
      });
      expect(optOutsOf(pg)).toEqual([{ id: "world-ingress", reason: REASON }]);
      expect(optOutsOf(ssh)).toEqual([{ id: "admin-port-from-world", reason: REASON }]);
      expect(optOutsOf(range)).toEqual([
        { id: "admin-port-from-world", reason: REASON },
        { id: "world-ingress", reason: REASON },
      ]);
      const json = synthWithComments(stack);
      const written = resourcesOf(json, "aws_vpc_security_group_ingress_rule").map(
        (r) => (r.config["//"] as { opt_outs?: unknown })?.opt_outs,
      );
      expect(written[1]).toEqual([{ id: "admin-port-from-world", reason: REASON }]);
    });

    it("records the opt-out on each rule of a split world", () => {
      const { sg } = setup();
      const allowWorld = { reason: REASON };
      const [low] = sg.allowFrom(Peer.cidrs(["0.0.0.0/1"]), 5432, "Lower half", { allowWorld });
      expect(optOutsOf(low)).toEqual([]);
      const [high] = sg.allowFrom(Peer.cidrs(["128.0.0.0/1"]), 5432, "Upper half", { allowWorld });
      expect(optOutsOf(low)).toEqual([{ id: "world-ingress", reason: REASON }]);
      expect(optOutsOf(high)).toEqual([{ id: "world-ingress", reason: REASON }]);
    });

    it("refuses egress to the world without allowWorld, and records egress-to-world with it", () => {
      const { sg } = setup();
      expect(() => sg.allowTo(Peer.world(), 443, "HTTPS anywhere")).toThrow(
        /allowTo\(peer\) = "0.0.0.0\/0" opens egress to the whole internet \(tcp:443\).*Peer\.prefixList/s,
      );
      const [rule] = sg.allowTo(Peer.world(), 443, "HTTPS anywhere", {
        allowWorld: { reason: REASON },
      });
      expect(optOutsOf(rule)).toEqual([{ id: "egress-to-world", reason: REASON }]);
    });

    it("opens all outbound only through allowAllOutbound, recorded as egress-to-world", () => {
      const { stack, vpc } = setup();
      const sg = new SecurityGroup(stack, "open", {
        vpc,
        description: "Build agents",
        allowAllOutbound: { reason: REASON },
      });
      expect(egressOf(stack)).toEqual([
        expect.objectContaining({ ip_protocol: "-1", cidr_ipv4: "0.0.0.0/0" }),
        expect.objectContaining({ ip_protocol: "-1", cidr_ipv6: "::/0" }),
      ]);
      for (const r of sg.egressRules) {
        expect(optOutsOf(r)).toEqual([{ id: "egress-to-world", reason: REASON }]);
      }
      expect(
        () =>
          new SecurityGroup(stack, "short", {
            vpc,
            description: "x",
            allowAllOutbound: { reason: "ok" },
          }),
      ).toThrow(/allowAllOutbound\.reason = "ok" is too short/);
    });

    it("needs a reason of some length", () => {
      const { sg } = setup();
      expect(() =>
        sg.allowFrom(Peer.world(), 5432, "Public PostgreSQL", { allowWorld: { reason: "yes" } }),
      ).toThrow(/allowFrom\.allowWorld\.reason = "yes" is too short/);
    });
  });

  it.each([
    [() => [Peer.world(), 0, "x"], /allowFrom\(port\) = 0 is not a port/],
    [() => [Peer.world(), 70000, "x"], /allowFrom\(port\) = 70000 is not a port/],
    [
      () => [Peer.world(), { from: 90, to: 80 }, "x"],
      /allowFrom\(port\) = \{"from":90,"to":80\} is not a port/,
    ],
    [() => [Peer.world(), "443", "x"], /allowFrom\(port\) = "443" is not a port/],
    [
      () => [Peer.world(), 443, "x", { protocol: "all" }],
      /allowFrom\(port\) = 443 is a port, but protocol "all"/,
    ],
    [
      () => [Peer.world(), 443, "x", { protocol: "icmp" }],
      /allowFrom\.protocol = "icmp" is not a supported protocol/,
    ],
    [() => [Peer.world(), 443, "x", { allowWrld: {} }], /allowWrld/],
    [() => [Peer.world(), 443, ""], /allowFrom\(description\) = "" is missing/],
    [() => [Peer.world(), 443, undefined], /allowFrom\(description\) = undefined is missing/],
    [
      () => [Peer.world(), 443, "naïve ünïcode"],
      /allowFrom\(description\) = "naïve ünïcode" has characters AWS does not accept/,
    ],
    [() => [Peer.world(), 443, "x".repeat(256)], /is 256 characters long \(AWS allows 255\)/],
    [
      () => [Peer.cidrs(["10.0.0.1/16"]), 443, "x"],
      /allowFrom\(peer\)\.cidrs\[0\] = "10.0.0.1\/16" has host bits set/,
    ],
    [
      () => [Peer.cidrs(["10.0.0.0/16", "10.0.0.0/16"]), 443, "x"],
      /allowFrom\(peer\)\.cidrs\[1\] = "10.0.0.0\/16" is listed twice/,
    ],
    [() => [Peer.cidrs([]), 443, "x"], /allowFrom\(peer\)\.cidrs = \[\] is empty/],
    [
      () => [Peer.prefixList("s3"), 443, "x"],
      /allowFrom\(peer\)\.prefixList = "s3" is not a prefix list id/,
    ],
    [
      () => ["sg-0123456789abcdef0", 443, "x"],
      /allowFrom\(peer\) = "sg-0123456789abcdef0" is not a peer/,
    ],
    [
      () => [{ securityGroupId: "default" }, 443, "x"],
      /allowFrom\(peer\)\.securityGroupId = "default" is not a security group id/,
    ],
    [() => [null, 443, "x"], /allowFrom\(peer\) = null is not a peer/],
  ])("rejects allowFrom arguments %#", (args, message) => {
    const { sg } = setup();
    expect(() => (sg.allowFrom as (...a: unknown[]) => unknown)(...(args() as unknown[]))).toThrow(
      message,
    );
  });

  it("refuses the same rule twice", () => {
    const { sg } = setup();
    sg.allowFrom(Peer.cidrs(["10.0.0.0/16"]), 443, "Once");
    expect(() => sg.allowFrom(Peer.cidrs(["10.0.0.0/16"]), 443, "Twice")).toThrow(
      /repeats allowFrom #0 \("Once"\): the same peer on the same tcp ports/,
    );
    sg.allowFrom(Peer.cidrs(["10.0.0.0/16"]), 443, "Same range, udp", { protocol: "udp" });
  });

  it.each([
    [{ description: undefined }, /description = undefined is missing/],
    [
      { description: "Düsseldorf" },
      /description = "Düsseldorf" has characters AWS does not accept/,
    ],
    [{ vpc: undefined }, /vpc.*pass a Vpc \(or Vpc.fromAttributes\)/s],
    [{ vpc: "vpc-0123456789abcdef0" }, /vpc.*pass a Vpc/s],
    [{ name: "web$(id)" }, /name\.Name = "sf-dev-web\$\(id\)" is not a valid AWS tag value/],
    [{ name: "bad?name" }, /name = "sf-dev-bad\?name" is not a valid security group name/],
    [{ allowAllOutbound: true }, /allowAllOutbound/],
    [{ ingress: [] }, /ingress/],
  ])("rejects props %j", (override, message) => {
    const { stack, vpc } = setup();
    const props = { vpc, description: "Workers", ...(override as object) } as SecurityGroupProps;
    expect(() => new SecurityGroup(stack, "w", props)).toThrow(message);
  });

  it("refuses a second group with the same name", () => {
    const { stack, vpc } = setup();
    expect(
      () => new SecurityGroup(stack, "other", { vpc, name: "api", description: "Again" }),
    ).toThrow(/name = "sf-dev-api" is already used by another security group in this stack/);
  });

  describe("and the policy pack", () => {
    it("finds nothing on the default group and inside-VPC rules", () => {
      const { stack, vpc, sg } = setup();
      const db = new SecurityGroup(stack, "db", { vpc, description: "Database" });
      db.allowFrom(sg, 5432, "PostgreSQL from the API");
      sg.allowTo(db, 5432, "PostgreSQL to the database");
      sg.allowFrom(Peer.cidrs(["10.20.0.0/16"]), 22, "SSH from inside the VPC");
      expect(findingsOf(stack)).toEqual([]);
    });

    it("accepts the opted-out groups: AWS-SG-001/002/003 suppressed with the reasons", () => {
      const { stack, sg } = setup();
      const allowWorld = { reason: REASON };
      sg.allowFrom(Peer.world(), 22, "SSH", { allowWorld });
      sg.allowFrom(Peer.world(), 3389, "RDP", { allowWorld });
      sg.allowFrom(Peer.world(), 5432, "PostgreSQL", { allowWorld });
      const findings = findingsOf(stack);
      expect(findings.map((f) => f.ruleId).sort()).toEqual([
        "AWS-SG-001",
        "AWS-SG-002",
        "AWS-SG-003",
      ]);
      expect(findings.every((f) => f.suppressed === REASON)).toBe(true);
      expect(blocking(findings)).toEqual([]);
    });

    it("flags the raw equivalents written without the construct", () => {
      const { stack, sg } = setup();
      const raw = (id: string, port: number) =>
        new VpcSecurityGroupIngressRule(stack, id, {
          securityGroupId: sg.securityGroupId,
          ipProtocol: "tcp",
          fromPort: port,
          toPort: port,
          cidrIpv4: "0.0.0.0/0",
          description: "raw",
        });
      raw("raw-ssh", 22);
      raw("raw-rdp", 3389);
      raw("raw-pg", 5432);
      const findings = blocking(findingsOf(stack));
      expect(findings.map((f) => `${f.ruleId} ${f.address.split(".")[1]}`).sort()).toEqual([
        "AWS-SG-001 raw-ssh",
        "AWS-SG-002 raw-rdp",
        "AWS-SG-003 raw-pg",
      ]);
    });

    it("flags an opted-out rule whose record was removed through an escape hatch", () => {
      const { stack, sg } = setup();
      const [rule] = sg.allowFrom(Peer.world(), 5432, "PostgreSQL", {
        allowWorld: { reason: REASON },
      });
      rule.addOverride("//.opt_outs", []);
      expect(blocking(findingsOf(stack))).toEqual([
        expect.objectContaining({ ruleId: "AWS-SG-003", constructPath: "sf-dev/api/ingress-0" }),
      ]);
    });
  });
});
