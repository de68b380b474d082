/**
 * Kubernetes resource quantities (`500m`, `2`, `512Mi`, `1.5Gi`, `1e3`), parsed to a number of
 * base units (cores for CPU, bytes for memory) following the grammar of the API machinery:
 *
 *     quantity        ::= signedNumber suffix
 *     signedNumber    ::= number | "+" number | "-" number
 *     number          ::= digits | digits "." digits | digits "." | "." digits
 *     suffix          ::= binarySI | decimalExponent | decimalSI
 *     binarySI        ::= Ki | Mi | Gi | Ti | Pi | Ei
 *     decimalSI       ::= n | u | m | "" | k | M | G | T | P | E
 *     decimalExponent ::= "e" signedNumber | "E" signedNumber     (an integer here)
 *
 * so limits and requests are compared as numbers, never as text. Dependency-free and pure.
 */

const BINARY: Readonly<Record<string, number>> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL: Readonly<Record<string, number>> = {
  n: -9,
  u: -6,
  m: -3,
  "": 0,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};
const QUANTITY =
  /^([+-]?)([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:(Ki|Mi|Gi|Ti|Pi|Ei)|[eE]([+-]?[0-9]+)|(n|u|m|k|M|G|T|P|E)?)$/;

/** A quantity split into an exact decimal mantissa and its powers of ten and two. */
export interface ParsedQuantity {
  /** -1 or 1. */
  readonly sign: 1 | -1;
  /** The digits of the number without its decimal point. */
  readonly digits: bigint;
  /** The power of ten the digits are multiplied by (the decimal point and a decimal suffix). */
  readonly exp10: number;
  /** The power of two (a binary suffix). */
  readonly exp2: number;
  /** The suffix as written (`Mi`, `m`, `e3`, `""`). */
  readonly suffix: string;
}

/** Splits a quantity by the grammar; undefined when the text is not a quantity. */
export function splitQuantity(text: unknown): ParsedQuantity | undefined {
  if (typeof text !== "string" || text.length > 64) return undefined;
  const match = QUANTITY.exec(text);
  if (!match) return undefined;
  const [, signText, number, binary, exponent, decimal] = match;
  const [whole, fraction = ""] = number.split(".");
  const exp = exponent !== undefined ? Number(exponent) : 0;
  if (!Number.isSafeInteger(exp) || Math.abs(exp) > 100) return undefined;
  const digits = BigInt(`${whole}${fraction}` || "0");
  return {
    sign: signText === "-" ? -1 : 1,
    digits,
    exp10: exp + (binary ? 0 : DECIMAL[decimal ?? ""]) - fraction.length,
    exp2: binary ? BINARY[binary] : 0,
    suffix: binary ?? (exponent !== undefined ? text.slice(text.search(/[eE]/)) : (decimal ?? "")),
  };
}

/**
 * The value of a quantity in base units (cores, bytes), or undefined when the text is not a
 * quantity. Computed exactly and rounded once, so `parseQuantity("1500m")` is `1.5`.
 */
export function parseQuantity(text: unknown): number | undefined {
  return scaled(text, 1n);
}

/** The value of a CPU quantity in millicores (`"500m"` → 500, `"1.5"` → 1500). */
export function millicores(text: unknown): number | undefined {
  return scaled(text, 1000n);
}

/** The quantity times `factor`, exact until the one final rounding. */
function scaled(text: unknown, factor: bigint): number | undefined {
  const q = splitQuantity(text);
  if (q === undefined) return undefined;
  let numerator = q.digits * 2n ** BigInt(q.exp2) * factor;
  let denominator = 1n;
  if (q.exp10 >= 0) numerator *= 10n ** BigInt(q.exp10);
  else denominator = 10n ** BigInt(-q.exp10);
  return q.sign * ratio(numerator, denominator);
}

const SAFE = 2n ** 53n;

/** numerator / denominator as a double: correctly rounded while both fit in 53 bits. */
function ratio(numerator: bigint, denominator: bigint): number {
  if (numerator === 0n) return 0;
  const d = gcd(numerator, denominator);
  const n = numerator / d;
  const m = denominator / d;
  if (n <= SAFE && m <= SAFE) return Number(n) / Number(m);
  if (m === 1n) return Number(n);
  // Beyond 53 bits: keep 20 digits of the fraction, then one rounding to the nearest double.
  const whole = n / m;
  const fraction = ((n % m) * 10n ** 20n) / m;
  return Number(whole) + Number(fraction) / 1e20;
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/**
 * A value written as the shortest exact quantity: CPU in whole cores (`2`) or millicores
 * (`1500m`), memory in the largest binary suffix that divides it (`512Mi`, `3Gi`) or bytes.
 * Values that are not whole millicores (CPU) or whole bytes (memory) are written in plain
 * decimal notation (`0.0005`, `1.5`).
 */
export function formatQuantity(value: number, kind: "cpu" | "memory"): string {
  if (!Number.isFinite(value)) throw new RangeError(`${value} is not a finite quantity`);
  if (kind === "cpu") {
    const milli = Math.round(value * 1000);
    if (Math.abs(milli / 1000 - value) <= Number.EPSILON * Math.abs(value)) {
      return milli % 1000 === 0 ? `${milli / 1000}` : `${milli}m`;
    }
    return plain(value);
  }
  if (Number.isSafeInteger(value) && value !== 0) {
    for (const [suffix, bits] of Object.entries(BINARY).reverse()) {
      const unit = 2 ** bits;
      if (value % unit === 0) return `${value / unit}${suffix}`;
    }
    return `${value}`;
  }
  return plain(value);
}

/** A number in decimal notation without an exponent (the grammar's `e` is a suffix). */
function plain(value: number): string {
  const text = `${value}`;
  if (!/e/i.test(text)) return text;
  return value.toFixed(20).replace(/\.?0+$/, "");
}
