import {
  availabilityZonesOf,
  checkArn,
  checkAwsName,
  checkAwsRegion,
} from "../../constructs/aws/common";
import { testStack } from "../helpers/synth";

describe("AWS common checks", () => {
  it("knows regions and their zones, with a near-miss suggestion", () => {
    expect(checkAwsRegion("src", "region", "ap-northeast-2")).toBe("ap-northeast-2");
    expect(availabilityZonesOf("src", "ap-northeast-2")).toEqual([
      "ap-northeast-2a",
      "ap-northeast-2b",
      "ap-northeast-2c",
      "ap-northeast-2d",
    ]);
    expect(() => checkAwsRegion("src", "region", "ap-northeast2")).toThrow(
      /did you mean ap-northeast-2/,
    );
    expect(() => checkAwsRegion("src", "region", 7)).toThrow(/is not a known AWS region/);
  });

  it("accepts a region the stack lists as unlisted", () => {
    const stack = testStack({
      unlistedRegions: [
        { name: "ap-east-2", zones: ["a", "b"], reason: "opened after this release, ticket NET-7" },
      ],
    });
    expect(checkAwsRegion(stack, "region", "ap-east-2")).toBe("ap-east-2");
    expect(availabilityZonesOf(stack, "ap-east-2")).toEqual(["ap-east-2a", "ap-east-2b"]);
  });

  it("checks ARNs", () => {
    const arn = "arn:aws:kms:ap-northeast-2:111122223333:key/1234";
    expect(checkArn("src", "key", arn, "kms")).toBe(arn);
    expect(() => checkArn("src", "key", arn, "iam")).toThrow(/is not an ARN of iam/);
    expect(() => checkArn("src", "key", "key/1234")).toThrow(/is not an ARN/);
  });

  it("checks names by rule", () => {
    const rule = { pattern: /^[a-z][a-z0-9-]*$/, max: 10, describe: "lowercase", example: "db" };
    expect(checkAwsName("src", "name", "db-1", rule)).toBe("db-1");
    expect(() => checkAwsName("src", "name", "Db", rule)).toThrow(
      /is not a valid name \(lowercase, at most 10\)/,
    );
    expect(() => checkAwsName("src", "name", "a".repeat(11), rule)).toThrow(/at most 10/);
  });
});
