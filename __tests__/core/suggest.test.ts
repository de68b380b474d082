import { closestNames, suggestion } from "../../constructs/core/suggest";

describe("closestNames", () => {
  const regions = ["us-central1", "us-east1", "us-east4", "me-central1", "europe-west1"];

  it.each([
    ["us-centrl1", ["us-central1"]],
    ["US-EAST1", ["us-east1", "us-east4"]],
    ["us-east", ["us-east1", "us-east4"]],
    ["asia-south9", []],
    ["", []],
    [undefined, []],
    [42, []],
  ])("%p -> %p", (value, expected) => {
    expect(closestNames(value, regions)).toEqual(expected);
  });

  it("returns at most the limit, best first", () => {
    expect(
      closestNames("e2-standard", ["e2-standard-2", "e2-standard-4", "e2-standard-8"], 2),
    ).toEqual(["e2-standard-2", "e2-standard-4"]);
  });
});

describe("suggestion", () => {
  it("words one, two or three names, and falls back when nothing is close", () => {
    expect(suggestion("us-centrl1", ["us-central1"], "x")).toBe("did you mean us-central1?");
    expect(suggestion("ab", ["ab1", "ab2"], "x")).toBe("did you mean ab1 or ab2?");
    expect(suggestion("ab", ["ab1", "ab2", "ab3"], "x")).toBe("did you mean ab1, ab2 or ab3?");
    expect(suggestion("zzzzzz", ["ab1"], "use one of ab1")).toBe("use one of ab1");
  });
});
