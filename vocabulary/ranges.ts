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
