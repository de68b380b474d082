import ipaddr from "ipaddr.js";
import { invalid, type ErrorSource } from "./errors";

/**
 * An IP range in CIDR notation, parsed and checked by ipaddr.js (the address library Express and
 * many other Node projects rely on) instead of hand-written bit arithmetic.
 */
export class Cidr {
  /** The RFC 1918 private IPv4 blocks. */
  static readonly RFC1918: readonly Cidr[] = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"].map(
    (c) => Cidr.parse(c),
  );

  /**
   * Parses `a.b.c.d/n` or an IPv6 CIDR. Returns undefined when the text is not a CIDR or when it
   * has host bits set (`10.0.0.1/16`), since a range must start at its network address.
   */
  static tryParse(text: unknown): Cidr | undefined {
    if (typeof text !== "string") return undefined;
    const value = text.trim();
    if (value !== text || !value.includes("/")) return undefined;
    const isV4 = ipaddr.IPv4.isValidCIDRFourPartDecimal(value);
    if (!isV4 && !ipaddr.IPv6.isValidCIDR(value)) return undefined;
    const [address, prefixLength] = ipaddr.parseCIDR(value);
    const network = isV4
      ? ipaddr.IPv4.networkAddressFromCIDR(value)
      : ipaddr.IPv6.networkAddressFromCIDR(value);
    if (network.toString() !== address.toString()) return undefined;
    return new Cidr(address, prefixLength);
  }

  /** Parses a CIDR or throws a plain Error; use {@link parseCidr} for user input. */
  static parse(text: string): Cidr {
    const cidr = Cidr.tryParse(text);
    if (!cidr) throw new Error(`not a CIDR range: ${text}`);
    return cidr;
  }

  private constructor(
    private readonly address: ipaddr.IPv4 | ipaddr.IPv6,
    /** The prefix length, `16` in `10.0.0.0/16`. */
    readonly prefixLength: number,
  ) {}

  /** `ipv4` or `ipv6`. */
  get kind(): "ipv4" | "ipv6" {
    return this.address.kind();
  }

  /** The network address, `10.0.0.0` in `10.0.0.0/16`. */
  get networkAddress(): string {
    return this.address.toString();
  }

  /** True when the range covers every address of its family (`0.0.0.0/0`, `::/0`). */
  get isWholeInternet(): boolean {
    return this.prefixLength === 0;
  }

  /** True when every address of `other` is inside this range. */
  contains(other: Cidr): boolean {
    if (other.kind !== this.kind || other.prefixLength < this.prefixLength) return false;
    return other.address.match(this.address, this.prefixLength);
  }

  /** True when the two ranges share at least one address. */
  overlaps(other: Cidr): boolean {
    return this.contains(other) || other.contains(this);
  }

  /** True when the range lies inside one of the RFC 1918 private blocks. */
  get isRfc1918(): boolean {
    return Cidr.RFC1918.some((block) => block.contains(this));
  }

  toString(): string {
    return `${this.networkAddress}/${this.prefixLength}`;
  }
}

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
