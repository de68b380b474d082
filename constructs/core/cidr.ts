import ipaddr from "ipaddr.js";
import { Cidr, worldCoverage } from "../../vocabulary/ranges";
import { invalid, type ErrorSource } from "./errors";

export { Cidr };

/** Options for {@link parseCidr}. */
export interface ParseCidrOptions {
  /** Accept IPv6 ranges too. @default false */
  readonly allowIpv6?: boolean;
  /** Shortest allowed prefix (largest range), e.g. 8. @default 0 */
  readonly minPrefix?: number;
  /** Longest allowed prefix (smallest range), e.g. 29. @default 32 (128 for IPv6) */
  readonly maxPrefix?: number;
}

/** Parses user input as a CIDR, throwing a {@link ValidationError} that names the property. */
export function parseCidr(
  source: ErrorSource,
  property: string,
  value: unknown,
  options: ParseCidrOptions = {},
): Cidr {
  const cidr = Cidr.tryParse(value);
  if (!cidr) {
    const text = typeof value === "string" ? value : "";
    const hostBits = ipaddr.IPv4.isValidCIDRFourPartDecimal(text) || ipaddr.IPv6.isValidCIDR(text);
    invalid(
      source,
      property,
      value,
      hostBits ? "has host bits set" : "is not a valid CIDR range",
      hostBits
        ? `use the network address, e.g. "${networkOf(text)}"`
        : 'write a network address with a prefix length, e.g. "10.10.0.0/20"',
    );
  }
  if (cidr.kind === "ipv6" && !options.allowIpv6) {
    invalid(source, property, value, "is an IPv6 range where IPv4 is required", "use an IPv4 CIDR");
  }
  const min = options.minPrefix ?? 0;
  const max = options.maxPrefix ?? (cidr.kind === "ipv4" ? 32 : 128);
  if (cidr.prefixLength < min || cidr.prefixLength > max) {
    invalid(
      source,
      property,
      value,
      `has prefix length /${cidr.prefixLength}, outside the allowed /${min} to /${max}`,
      `choose a range between /${min} and /${max}`,
    );
  }
  return cidr;
}

function networkOf(text: string): string {
  const [, prefix] = ipaddr.parseCIDR(text);
  const network = ipaddr.IPv4.isValidCIDR(text)
    ? ipaddr.IPv4.networkAddressFromCIDR(text)
    : ipaddr.IPv6.networkAddressFromCIDR(text);
  return `${network.toString()}/${prefix}`;
}

/**
 * Returns the first pair of overlapping ranges in a list, with their indexes, or undefined.
 */
export function findOverlap(
  ranges: readonly Cidr[],
): { readonly a: number; readonly b: number } | undefined {
  for (let a = 0; a < ranges.length; a++) {
    for (let b = a + 1; b < ranges.length; b++) {
      if (ranges[a].overlaps(ranges[b])) return { a, b };
    }
  }
  return undefined;
}

/**
 * The ranges of a list that together are the whole internet of a family (IPv4 or IPv6), judged on
 * their union: `["0.0.0.0/1", "128.0.0.0/1"]` is the world although neither range is `/0`.
 * Returns undefined when no family is covered. Ranges inside another range of the list are left
 * out (two CIDRs either nest or are disjoint, so what remains is exactly the covering set); equal
 * ranges are all kept, since each of them alone completes the union. Input order is kept.
 */
export function worldRangesOf(ranges: readonly Cidr[]): Cidr[] | undefined {
  const coverage = worldCoverage(ranges);
  if (!coverage.ipv4 && !coverage.ipv6) return undefined;
  const covered = ranges.filter((r) => coverage[r.kind]);
  return covered.filter(
    (r) => !covered.some((other) => other.prefixLength < r.prefixLength && other.contains(r)),
  );
}
