import fc from "fast-check";
import {
  formatQuantity,
  millicores,
  parseQuantity,
  splitQuantity,
} from "../../constructs/k8s/quantity";

describe("parseQuantity", () => {
  it.each([
    ["500m", 0.5],
    ["1500m", 1.5],
    ["2", 2],
    ["1.5", 1.5],
    [".5", 0.5],
    ["1.", 1],
    ["+3", 3],
    ["-1", -1],
    ["100n", 1e-7],
    ["250u", 0.00025],
    ["1k", 1000],
    ["1M", 1e6],
    ["2G", 2e9],
    ["1T", 1e12],
    ["1P", 1e15],
    ["1E", 1e18],
    ["1Ki", 1024],
    ["512Mi", 512 * 2 ** 20],
    ["1.5Gi", 1.5 * 2 ** 30],
    ["1Ti", 2 ** 40],
    ["1Pi", 2 ** 50],
    ["1Ei", 2 ** 60],
    ["1e3", 1000],
    ["1E3", 1000],
    ["5e-3", 0.005],
    ["0", 0],
  ])("reads %s as %d", (text, value) => {
    expect(parseQuantity(text)).toBe(value);
  });

  it("rounds once, from an exact value", () => {
    expect(parseQuantity("0.1")! + parseQuantity("0.2")!).not.toBe(0.3); // doubles, as ever
    expect(parseQuantity("300m")).toBe(0.3);
    expect(parseQuantity("1000000001m")).toBe(1000000.001);
  });

  it("tells binary from decimal suffixes: 2Gi is more than 2G", () => {
    expect(parseQuantity("2Gi")!).toBeGreaterThan(parseQuantity("2G")!);
    expect(parseQuantity("1000m")).toBe(parseQuantity("1"));
  });

  it.each([
    "",
    " 1",
    "1 ",
    "1GB",
    "1gi",
    "1mi",
    "Mi",
    "m",
    "lots",
    "1.2.3",
    "1e",
    "1e1.5",
    "1e1000",
    "0x10",
    "1_000",
    "--1",
    "1Kii",
    "1" + "0".repeat(70),
  ])("refuses %j", (text) => {
    expect(parseQuantity(text)).toBeUndefined();
    expect(splitQuantity(text)).toBeUndefined();
  });

  it.each([undefined, null, 1, {}, ["1"]])("refuses the non-string %j", (value) => {
    expect(parseQuantity(value)).toBeUndefined();
  });
});

describe("splitQuantity", () => {
  it("keeps the digits exact and the suffix as written", () => {
    expect(splitQuantity("1.5Gi")).toEqual({
      sign: 1,
      digits: 15n,
      exp10: -1,
      exp2: 30,
      suffix: "Gi",
    });
    expect(splitQuantity("-250m")).toEqual({
      sign: -1,
      digits: 250n,
      exp10: -3,
      exp2: 0,
      suffix: "m",
    });
    expect(splitQuantity("12e-2")).toEqual({
      sign: 1,
      digits: 12n,
      exp10: -2,
      exp2: 0,
      suffix: "e-2",
    });
    expect(splitQuantity("7")).toEqual({ sign: 1, digits: 7n, exp10: 0, exp2: 0, suffix: "" });
  });
});

describe("millicores", () => {
  it.each([
    ["500m", 500],
    ["1", 1000],
    ["1.5", 1500],
    ["0.25", 250],
    ["2500m", 2500],
    ["1e-3", 1],
    ["500u", 0.5],
  ])("reads %s as %d millicores", (text, value) => {
    expect(millicores(text)).toBe(value);
  });

  it("refuses what is not a quantity", () => {
    expect(millicores("half a core")).toBeUndefined();
  });
});

describe("formatQuantity", () => {
  it.each<[number, "cpu" | "memory", string]>([
    [2, "cpu", "2"],
    [1.5, "cpu", "1500m"],
    [0.25, "cpu", "250m"],
    [0.0005, "cpu", "0.0005"],
    [512 * 2 ** 20, "memory", "512Mi"],
    [3 * 2 ** 30, "memory", "3Gi"],
    [1536 * 2 ** 20, "memory", "1536Mi"],
    [4 * 2 ** 50, "memory", "4Pi"],
    [1000, "memory", "1000"],
    [1.5, "memory", "1.5"],
    [1e-7, "memory", "0.0000001"],
  ])("writes %d (%s) as %s", (value, kind, text) => {
    expect(formatQuantity(value, kind)).toBe(text);
  });

  it("refuses what is not finite", () => {
    expect(() => formatQuantity(Infinity, "cpu")).toThrow(RangeError);
    expect(() => formatQuantity(NaN, "memory")).toThrow(RangeError);
  });

  it("writes every whole number of millicores so that it reads back the same", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000_000 }), (m) => {
        const text = formatQuantity(m / 1000, "cpu");
        expect(millicores(text)).toBe(m);
        expect(text).toMatch(/^[0-9]+m?$/);
      }),
    );
  });

  it("writes every whole number of bytes so that it reads back the same", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 20 }),
        fc.constantFrom(0, 10, 20, 30),
        (n, bits) => {
          const bytes = n * 2 ** bits;
          const text = formatQuantity(bytes, "memory");
          expect(parseQuantity(text)).toBe(bytes);
          expect(text).toMatch(/^[0-9]+(Ki|Mi|Gi|Ti|Pi|Ei)?$/);
        },
      ),
    );
  });

  it("orders quantities as their values, whatever the suffix", () => {
    const quantity = fc
      .tuple(
        fc.integer({ min: 0, max: 100_000 }),
        fc.constantFrom("", "m", "k", "M", "G", "Ki", "Mi", "Gi"),
      )
      .map(([n, suffix]) => `${n}${suffix}`);
    fc.assert(
      fc.property(quantity, quantity, (a, b) => {
        const sa = splitQuantity(a)!;
        const sb = splitQuantity(b)!;
        // Compare exactly with bigints: value = digits * 10^exp10 * 2^exp2, scaled to 10^-3.
        const exact = (q: typeof sa) =>
          q.digits * 2n ** BigInt(q.exp2) * 10n ** BigInt(q.exp10 + 3);
        const ea = exact(sa);
        const eb = exact(sb);
        const [va, vb] = [parseQuantity(a)!, parseQuantity(b)!];
        if (ea < eb) expect(va).toBeLessThan(vb);
        else if (ea > eb) expect(va).toBeGreaterThan(vb);
        else expect(va).toBe(vb);
      }),
    );
  });
});
