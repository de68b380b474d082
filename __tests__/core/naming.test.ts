import { checkName, NAME_RULES, type NameKind, prefixedName } from "../../constructs/core/naming";

describe("checkName", () => {
  it.each<[NameKind, string]>([
    ["network", "vpc"],
    ["network", "a"],
    ["firewall", "allow-ssh-2"],
    ["network", "a".repeat(63)],
    ["prefix", "a".repeat(30)],
    ["service-account", "runner"],
    ["service-account", "a".repeat(30)],
    ["sql-instance", "a".repeat(84)],
    ["secret", "API_Key-2"],
    ["bucket", "my_state-bucket1"],
    ["bucket", "1ab"],
  ])("accepts %s name %p", (kind, name) => {
    expect(checkName("src", "name", kind, name)).toBe(name);
  });

  it.each<[NameKind, unknown]>([
    ["network", "VPC"],
    ["network", "1vpc"],
    ["network", "vpc-"],
    ["network", "my_vpc"],
    ["network", ""],
    ["firewall", "allow ssh"],
    ["secret", "api.key"],
    ["bucket", "-bucket"],
    ["bucket", "Bucket"],
    ["network", undefined],
    ["network", 42],
  ])("rejects %s name %p with the kind's rule", (kind, name) => {
    const rule = NAME_RULES[kind];
    expect(() => checkName("src", "name", kind, name)).toThrow(
      `is not a valid ${kind} name.\n  Fix: use ${rule.rule}, ${rule.min}–${rule.max} characters`,
    );
  });

  it.each<[NameKind, string, RegExp]>([
    ["network", "a".repeat(64), /is 64 characters long; a network name takes 1–63.*shorten/s],
    ["prefix", "a".repeat(31), /is 31 characters long; a prefix name takes 1–30/],
    [
      "service-account",
      "abcde",
      /is 5 characters long; a service-account name takes 6–30.*longer/s,
    ],
    ["sql-instance", "a".repeat(85), /is 85 characters long; a sql-instance name takes 1–84/],
    ["secret", "a".repeat(256), /is 256 characters long; a secret name takes 1–255/],
    ["bucket", "ab", /is 2 characters long; a bucket name takes 3–63/],
    ["bucket", "a".repeat(64), /is 64 characters long; a bucket name takes 3–63/],
  ])("rejects a %s name of the wrong length", (kind, name, message) => {
    expect(() => checkName("src", "name", kind, name)).toThrow(message);
  });
});

describe("prefixedName", () => {
  it("joins the prefix and the parts with hyphens", () => {
    expect(prefixedName("src", "name", "router", "bot-prod", "router", "us-east1")).toBe(
      "bot-prod-router-us-east1",
    );
  });

  it("names the property the user controls when the result is invalid", () => {
    expect(() => prefixedName("src", "subnets[0].name", "network", "bot-prod", "Bad")).toThrow(
      /^src: subnets\[0\]\.name = "bot-prod-Bad" is not a valid network name/,
    );
    expect(() => prefixedName("src", "name", "network", "p".repeat(30), "n".repeat(33))).toThrow(
      /name = "p+-n+" is 64 characters long.*shorten the name or the environment prefix/s,
    );
  });
});
