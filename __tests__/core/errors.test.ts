import { Construct } from "constructs";
import { StorageBucket } from "@cdktf/provider-google/lib/storage-bucket";
import { testStack, testApp } from "../helpers/synth";
import {
  formatValue,
  invalid,
  ValidationError,
  ValidationErrors,
} from "../../constructs/core/errors";

describe("ValidationError", () => {
  it("names the construct path, the property, the value, the problem and the fix", () => {
    const scope = new Construct(testApp(), "stack");
    const child = new Construct(scope, "network");
    const error = new ValidationError({
      source: child,
      property: "subnets[1].cidr",
      value: "10.0.0.0/33",
      problem: "is not a valid CIDR range",
      fix: 'use "10.10.0.0/20"',
    });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("ValidationError");
    expect(error.message).toBe(
      'stack/network: subnets[1].cidr = "10.0.0.0/33" is not a valid CIDR range.\n  Fix: use "10.10.0.0/20"',
    );
    expect(error).toMatchObject({
      constructPath: "stack/network",
      property: "subnets[1].cidr",
      value: "10.0.0.0/33",
      problem: "is not a valid CIDR range",
      fix: 'use "10.10.0.0/20"',
    });
  });

  it("uses a plain string source as it is, and (app) for the root construct", () => {
    expect(
      new ValidationError({
        source: "config.json",
        property: "a",
        value: 1,
        problem: "p",
        fix: "f",
      }).constructPath,
    ).toBe("config.json");
    expect(
      new ValidationError({
        source: testApp(),
        property: "a",
        value: 1,
        problem: "p",
        fix: "f",
      }).message,
    ).toMatch(/^\(app\): a = 1 p\./);
  });

  it("invalid() throws a ValidationError", () => {
    expect(() => invalid("src", "prop", 42, "is too big", "use 41")).toThrow(
      new ValidationError({
        source: "src",
        property: "prop",
        value: 42,
        problem: "is too big",
        fix: "use 41",
      }),
    );
  });
});

describe("ValidationErrors", () => {
  const one = new ValidationError({
    source: "s",
    property: "a",
    value: 1,
    problem: "p1",
    fix: "f1",
  });
  const two = new ValidationError({
    source: "s",
    property: "b",
    value: 2,
    problem: "p2",
    fix: "f2",
  });

  it("lists every error in its message and keeps them one by one", () => {
    const errors = new ValidationErrors([one, two]);
    expect(errors).toBeInstanceOf(ValidationError);
    expect(errors.name).toBe("ValidationError");
    expect(errors.errors).toEqual([one, two]);
    expect(errors.message).toBe(`${one.message}\n${two.message}`);
    expect(errors.property).toBe("a");
  });

  it("refuses an empty list", () => {
    expect(() => new ValidationErrors([])).toThrow(/at least one error/);
  });
});

describe("formatValue", () => {
  it.each([
    [undefined, "undefined"],
    [null, "null"],
    ["text", '"text"'],
    [42, "42"],
    [["a", 1], '["a",1]'],
    [{ a: { b: true } }, '{"a":{"b":true}}'],
    [10n, "10"],
  ])("renders %p as %s", (value, expected) => {
    expect(formatValue(value)).toBe(expected);
  });

  it("cuts long values to 120 characters", () => {
    const text = formatValue("x".repeat(500));
    expect(text).toHaveLength(120);
    expect(text.endsWith("...")).toBe(true);
  });

  it("never renders [object Object], even for a circular value such as a construct", () => {
    const circular: Record<string, unknown> = { name: "loop" };
    circular.self = circular;
    expect(formatValue(circular)).not.toContain("[object Object]");
    expect(formatValue(new Construct(testApp(), "thing"))).not.toContain("[object Object]");
  });
});

describe("tokens in messages", () => {
  it("shows a reference as what it refers to, not as ${TfToken[...]}", () => {
    const stack = testStack();
    const bucket = new StorageBucket(stack, "b", { name: "test-dev-b", location: "US" });
    let message = "";
    try {
      invalid(stack, "name", `${bucket.name}-x`, "is not allowed", "use a literal name");
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('name = "${google_storage_bucket.b.name}-x" is not allowed');
    expect(message).not.toMatch(/TfToken/);
  });

  it("names a token it cannot resolve", () => {
    const stack = testStack();
    const bucket = new StorageBucket(stack, "b", { name: "test-dev-b", location: "US" });
    expect(() => invalid("settings", "name", bucket.name, "is bad", "fix it")).toThrow(
      'settings: name = "(a value known only at apply time)" is bad',
    );
  });
});
