import { integer, whole } from "../../constructs/core/checks";
import { testStack } from "../helpers/app";

// The shared single-value checks: a whole number in a range, in the words each refusal uses.
describe("whole", () => {
  it.each([1, 30, 1000])("accepts %j from 1 to 1000", (value) => {
    expect(whole(testStack(), "keep", value, 1, 1000)).toBe(value);
  });

  it.each([0, 1001, 2.5, "30", null, undefined, Number.NaN])("refuses %j", (value) => {
    expect(() => whole(testStack(), "lifecycle.keep", value, 1, 1000)).toThrow(
      /lifecycle\.keep = .* is not a whole number from 1 to 1000\.\n\s+Fix: give a whole number from 1 to 1000/,
    );
  });
});

describe("integer", () => {
  it("accepts the bounds and refuses what lies outside them", () => {
    expect(integer(testStack(), "port", 1, 1, 65535)).toBe(1);
    expect(integer(testStack(), "port", 65535, 1, 65535)).toBe(65535);
    expect(() => integer(testStack(), "port", 65536, 1, 65535)).toThrow(/is outside 1–65535/);
  });
});
