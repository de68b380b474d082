import { Cidr, findOverlap, parseCidr, worldRangesOf } from "../../constructs/core/cidr";
import { ValidationError } from "../../constructs/core/errors";

const cidr = (text: string) => Cidr.parse(text);

describe("Cidr.tryParse", () => {
  it.each([
    ["10.0.0.0/8", "ipv4", "10.0.0.0", 8],
    ["192.168.1.0/24", "ipv4", "192.168.1.0", 24],
    ["0.0.0.0/0", "ipv4", "0.0.0.0", 0],
    ["2001:db8::/32", "ipv6", "2001:db8::", 32],
    ["::/0", "ipv6", "::", 0],
  ])("parses %s", (text, kind, network, prefix) => {
    const parsed = Cidr.tryParse(text);
    expect(parsed).toBeDefined();
    expect(parsed?.kind).toBe(kind);
    expect(parsed?.networkAddress).toBe(network);
    expect(parsed?.prefixLength).toBe(prefix);
    expect(parsed?.toString()).toBe(text);
  });

  it.each([
    ["host bits set", "10.0.0.1/8"],
    ["IPv6 host bits set", "2001:db8::1/32"],
    ["no prefix", "10.0.0.0"],
    ["prefix too long", "10.0.0.0/33"],
    ["not an address", "banana/8"],
    ["short form", "10.0/16"],
    ["surrounding space", " 10.0.0.0/8"],
    ["empty", ""],
    ["a number", 10],
    ["undefined", undefined],
  ])("rejects %s (%p)", (_what, text) => {
    expect(Cidr.tryParse(text)).toBeUndefined();
  });

  it("Cidr.parse throws a plain error on bad text", () => {
    expect(() => Cidr.parse("nope")).toThrow("not a CIDR range: nope");
  });
});

describe("range relations", () => {
  it.each([
    ["10.0.0.0/8", "10.1.0.0/16", true],
    ["10.1.0.0/16", "10.0.0.0/8", false],
    ["10.0.0.0/16", "10.0.0.0/16", true],
    ["10.0.0.0/16", "10.1.0.0/16", false],
    ["0.0.0.0/0", "203.0.113.0/24", true],
    ["0.0.0.0/0", "2001:db8::/32", false],
  ])("%s contains %s: %p", (a, b, expected) => {
    expect(cidr(a).contains(cidr(b))).toBe(expected);
  });

  it.each([
    ["10.0.0.0/16", "10.0.128.0/17", true],
    ["10.0.128.0/17", "10.0.0.0/16", true],
    ["10.0.0.0/17", "10.0.128.0/17", false],
    ["::/0", "0.0.0.0/0", false],
  ])("%s overlaps %s: %p", (a, b, expected) => {
    expect(cidr(a).overlaps(cidr(b))).toBe(expected);
  });

  it.each([
    ["10.20.0.0/16", true],
    ["172.16.0.0/12", true],
    ["172.31.255.0/24", true],
    ["172.32.0.0/16", false],
    ["192.168.0.0/16", true],
    ["192.169.0.0/16", false],
    ["8.0.0.0/8", false],
    ["10.0.0.0/7", false],
    ["fd00::/8", false],
  ])("%s is RFC 1918: %p", (text, expected) => {
    expect(cidr(text).isRfc1918).toBe(expected);
  });

  it.each([
    ["0.0.0.0/0", true],
    ["::/0", true],
    ["0.0.0.0/1", false],
  ])("%s is the whole internet: %p", (text, expected) => {
    expect(cidr(text).isWholeInternet).toBe(expected);
  });

  it("findOverlap returns the first overlapping pair, or undefined", () => {
    const ranges = ["10.0.0.0/16", "10.1.0.0/16", "10.0.5.0/24", "10.1.0.0/24"].map(cidr);
    expect(findOverlap(ranges)).toEqual({ a: 0, b: 2 });
    expect(findOverlap(ranges.slice(0, 2))).toBeUndefined();
    expect(findOverlap([])).toBeUndefined();
  });
});

describe("parseCidr", () => {
  it("returns the parsed range", () => {
    expect(parseCidr("src", "p", "10.10.0.0/20").toString()).toBe("10.10.0.0/20");
  });

  it("throws a ValidationError naming the source and property", () => {
    expect(() => parseCidr("network", "subnets[0].cidr", "nope")).toThrow(ValidationError);
    expect(() => parseCidr("network", "subnets[0].cidr", "nope")).toThrow(
      /^network: subnets\[0\]\.cidr = "nope" is not a valid CIDR range\.\n {2}Fix: .*10\.10\.0\.0\/20/,
    );
  });

  it.each([["10.0.0.0/33"], ["10.0.0.0"], [""], [17], [undefined], ["banana/8"]])(
    "rejects %p as not a CIDR",
    (value) => {
      expect(() => parseCidr("s", "p", value)).toThrow(/is not a valid CIDR range/);
    },
  );

  it.each([
    ["10.0.0.1/16", "10.0.0.0/16"],
    ["10.10.5.0/20", "10.10.0.0/20"],
    ["2001:db8::1/32", "2001:db8::/32"],
  ])("rejects %s for host bits and suggests %s", (value, network) => {
    expect(() => parseCidr("s", "p", value, { allowIpv6: true })).toThrow(
      `has host bits set.\n  Fix: use the network address, e.g. "${network}"`,
    );
  });

  // A malformed text must not be reported as "host bits set" with a network address the user
  // never meant: ipaddr.js reads "10.1" as 10.0.0.1 and "010.0.0.0" as octal 8.0.0.0.
  it.each([["10.1/16"], ["10.0/16"], [" 10.0.0.0/8"], ["010.0.0.0/8"]])(
    "reports malformed %p as not a valid CIDR range, not as host bits",
    (value) => {
      expect(() => parseCidr("s", "p", value)).toThrow(/is not a valid CIDR range/);
    },
  );

  it("rejects IPv6 unless allowed", () => {
    expect(() => parseCidr("s", "p", "2001:db8::/32")).toThrow(
      /is an IPv6 range where IPv4 is required/,
    );
    expect(parseCidr("s", "p", "2001:db8::/32", { allowIpv6: true }).kind).toBe("ipv6");
  });

  it.each([
    ["10.0.0.0/7", /has prefix length \/7, outside the allowed \/8 to \/29/],
    ["10.0.0.0/30", /has prefix length \/30, outside the allowed \/8 to \/29/],
  ])("enforces the prefix bounds on %s", (value, message) => {
    expect(() => parseCidr("s", "p", value, { minPrefix: 8, maxPrefix: 29 })).toThrow(message);
  });

  it("accepts the prefix bounds themselves", () => {
    expect(parseCidr("s", "p", "10.0.0.0/8", { minPrefix: 8, maxPrefix: 29 }).prefixLength).toBe(8);
    expect(parseCidr("s", "p", "10.0.0.8/29", { minPrefix: 8, maxPrefix: 29 }).prefixLength).toBe(
      29,
    );
  });
});

describe("worldRangesOf", () => {
  const world = (...texts: string[]) => worldRangesOf(texts.map(cidr))?.map(String);

  it.each<[string, string[], string[]]>([
    ["0.0.0.0/0", ["0.0.0.0/0"], ["0.0.0.0/0"]],
    ["::/0", ["::/0"], ["::/0"]],
    ["two IPv4 halves", ["0.0.0.0/1", "128.0.0.0/1"], ["0.0.0.0/1", "128.0.0.0/1"]],
    [
      "four IPv4 quarters, out of order",
      ["192.0.0.0/2", "0.0.0.0/2", "128.0.0.0/2", "64.0.0.0/2"],
      ["192.0.0.0/2", "0.0.0.0/2", "128.0.0.0/2", "64.0.0.0/2"],
    ],
    ["two IPv6 halves", ["::/1", "8000::/1"], ["::/1", "8000::/1"]],
    [
      "halves and a range inside one of them",
      ["10.0.0.0/8", "0.0.0.0/1", "128.0.0.0/1"],
      ["0.0.0.0/1", "128.0.0.0/1"],
    ],
    ["/0 and a half inside it", ["0.0.0.0/1", "0.0.0.0/0"], ["0.0.0.0/0"]],
    [
      "IPv6 halves beside an IPv4 range that is not the world",
      ["203.0.113.0/24", "::/1", "8000::/1"],
      ["::/1", "8000::/1"],
    ],
    ["both families", ["0.0.0.0/0", "::/1", "8000::/1"], ["0.0.0.0/0", "::/1", "8000::/1"]],
    [
      "a range given twice",
      ["0.0.0.0/1", "0.0.0.0/1", "128.0.0.0/1"],
      ["0.0.0.0/1", "0.0.0.0/1", "128.0.0.0/1"],
    ],
  ])("finds the world in %s", (_what, ranges, expected) => {
    expect(world(...ranges)).toEqual(expected);
  });

  it.each<[string, string[]]>([
    ["nothing", []],
    ["one IPv4 half", ["0.0.0.0/1"]],
    ["a set with a gap (192.0.0.0/2 missing a /3)", ["0.0.0.0/1", "128.0.0.0/2", "192.0.0.0/3"]],
    ["halves of different families", ["0.0.0.0/1", "8000::/1"]],
    ["the RFC 1918 blocks", ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]],
    ["one IPv6 half", ["8000::/1"]],
  ])("finds no world in %s", (_what, ranges) => {
    expect(world(...ranges)).toBeUndefined();
  });

  it("returns the caller's own Cidr objects", () => {
    const ranges = [cidr("0.0.0.0/1"), cidr("128.0.0.0/1")];
    const found = worldRangesOf(ranges);
    expect(found?.[0]).toBe(ranges[0]);
    expect(found?.[1]).toBe(ranges[1]);
  });
});
