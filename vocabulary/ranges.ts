import ipaddr from "ipaddr.js";

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

/** The first and last address of a range as integers (IPv4 and IPv6 alike). */
function bounds(cidr: Cidr): { readonly first: bigint; readonly last: bigint } {
  const bits = cidr.kind === "ipv4" ? 32 : 128;
  const parsed = ipaddr.parse(cidr.networkAddress);
  let first = 0n;
  for (const byte of parsed.toByteArray()) first = (first << 8n) | BigInt(byte);
  const size = 1n << BigInt(bits - cidr.prefixLength);
  return { first, last: first + size - 1n };
}

/** Which address families a set of ranges covers completely, judged on their union. */
export interface WorldCoverage {
  /** The ranges together cover every IPv4 address (0.0.0.0/0, or 0.0.0.0/1 + 128.0.0.0/1, ...). */
  readonly ipv4: boolean;
  /** The ranges together cover every IPv6 address (::/0, or ::/1 + 8000::/1, ...). */
  readonly ipv6: boolean;
}

/**
 * Judges exposure on the union of ranges, not on any one of them: `0.0.0.0/1` and `128.0.0.0/1`
 * together are the whole internet although neither is `0.0.0.0/0`. Intervals are merged per
 * family; text that is not a CIDR is ignored (callers validate or treat it as unknown).
 */
export function worldCoverage(ranges: Iterable<Cidr | string>): WorldCoverage {
  const byFamily = {
    ipv4: [] as { first: bigint; last: bigint }[],
    ipv6: [] as { first: bigint; last: bigint }[],
  };
  for (const range of ranges) {
    const cidr = typeof range === "string" ? Cidr.tryParse(range.trim()) : range;
    if (cidr) byFamily[cidr.kind].push(bounds(cidr));
  }
  const covers = (list: { first: bigint; last: bigint }[], bits: number): boolean => {
    const end = (1n << BigInt(bits)) - 1n;
    let next = 0n;
    for (const r of [...list].sort((a, b) =>
      a.first < b.first ? -1 : a.first > b.first ? 1 : 0,
    )) {
      if (r.first > next) return false;
      if (r.last + 1n > next) next = r.last + 1n;
      if (next > end) return true;
    }
    return false;
  };
  return { ipv4: covers(byFamily.ipv4, 32), ipv6: covers(byFamily.ipv6, 128) };
}

/** True when the union of the ranges is every address of a family (IPv4 or IPv6). */
export function coversWholeInternet(ranges: Iterable<Cidr | string>): boolean {
  const coverage = worldCoverage(ranges);
  return coverage.ipv4 || coverage.ipv6;
}
