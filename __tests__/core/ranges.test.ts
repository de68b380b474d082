import { coversWholeInternet, worldCoverage } from "../../vocabulary";

describe("worldCoverage (union of ranges)", () => {
  it.each([
    [["0.0.0.0/0"], { ipv4: true, ipv6: false }],
    [["::/0"], { ipv4: false, ipv6: true }],
    [["0.0.0.0/1", "128.0.0.0/1"], { ipv4: true, ipv6: false }],
    [["128.0.0.0/1", "0.0.0.0/2", "64.0.0.0/2"], { ipv4: true, ipv6: false }],
    [["::/1", "8000::/1", "10.0.0.0/8"], { ipv4: false, ipv6: true }],
    [["0.0.0.0/1", "0.0.0.0/1", "128.0.0.0/2", "192.0.0.0/2"], { ipv4: true, ipv6: false }],
    [["0.0.0.0/1", "128.0.0.0/2", "192.0.0.0/3"], { ipv4: false, ipv6: false }],
    [["10.0.0.0/8", "192.168.0.0/16"], { ipv4: false, ipv6: false }],
    [["not a cidr", "${var.x}"], { ipv4: false, ipv6: false }],
    [[], { ipv4: false, ipv6: false }],
  ])("%j -> %j", (ranges, expected) => {
    expect(worldCoverage(ranges)).toEqual(expected);
    expect(coversWholeInternet(ranges)).toBe(expected.ipv4 || expected.ipv6);
  });

  it("finds the world in 4096 /12 pieces and a gap when one is missing", () => {
    const pieces = Array.from({ length: 4096 }, (_, i) => `${i >> 4}.${(i & 15) << 4}.0.0/12`);
    expect(coversWholeInternet(pieces)).toBe(true);
    expect(coversWholeInternet(pieces.filter((_, i) => i !== 1234))).toBe(false);
  });
});
