import { Token } from "cdktf";
import { invalid, type ErrorSource } from "../core/errors";
import { suggestion } from "../core/suggest";

/**
 * Checks shared by the AWS constructs: regions, availability zones, ARNs and resource names.
 * Catalogues are checks with an escape, as on GCP: a region the list lacks can be named in the
 * stack's `unlistedRegions` with a reason (its zone letters are the AZ suffixes).
 */

/** AWS commercial regions and their availability-zone letters. */
export const AWS_REGIONS: Readonly<Record<string, readonly string[]>> = {
  "af-south-1": ["a", "b", "c"],
  "ap-east-1": ["a", "b", "c"],
  "ap-northeast-1": ["a", "c", "d"],
  "ap-northeast-2": ["a", "b", "c", "d"],
  "ap-northeast-3": ["a", "b", "c"],
  "ap-south-1": ["a", "b", "c"],
  "ap-south-2": ["a", "b", "c"],
  "ap-southeast-1": ["a", "b", "c"],
  "ap-southeast-2": ["a", "b", "c"],
  "ap-southeast-3": ["a", "b", "c"],
  "ap-southeast-4": ["a", "b", "c"],
  "ca-central-1": ["a", "b", "d"],
  "eu-central-1": ["a", "b", "c"],
  "eu-central-2": ["a", "b", "c"],
  "eu-north-1": ["a", "b", "c"],
  "eu-south-1": ["a", "b", "c"],
  "eu-south-2": ["a", "b", "c"],
  "eu-west-1": ["a", "b", "c"],
  "eu-west-2": ["a", "b", "c"],
  "eu-west-3": ["a", "b", "c"],
  "il-central-1": ["a", "b", "c"],
  "me-central-1": ["a", "b", "c"],
  "me-south-1": ["a", "b", "c"],
  "sa-east-1": ["a", "b", "c"],
  "us-east-1": ["a", "b", "c", "d", "e", "f"],
  "us-east-2": ["a", "b", "c"],
  "us-west-1": ["a", "c"],
  "us-west-2": ["a", "b", "c", "d"],
};

function unlistedZones(source: ErrorSource, region: string): readonly string[] | undefined {
  if (typeof source === "string") return undefined;
  for (const scope of [...source.node.scopes].reverse()) {
    const stack = scope as {
      unlistedRegion?: (name: string) => { zones: readonly string[] } | undefined;
    };
    if (typeof stack.unlistedRegion === "function") return stack.unlistedRegion(region)?.zones;
  }
  return undefined;
}

/** Checks an AWS region (`ap-northeast-2`) and returns it. */
export function checkAwsRegion(source: ErrorSource, property: string, region: unknown): string {
  if (
    typeof region === "string" &&
    (Object.hasOwn(AWS_REGIONS, region) || unlistedZones(source, region))
  ) {
    return region;
  }
  return invalid(
    source,
    property,
    region,
    "is not a known AWS region",
    suggestion(
      region,
      Object.keys(AWS_REGIONS),
      "use a region such as ap-northeast-2 or us-west-2, or list a newer one in the stack's unlistedRegions with a reason",
    ),
  );
}

/** The availability zones of a region (`ap-northeast-2a`, ...), in order. */
export function availabilityZonesOf(source: ErrorSource, region: string): string[] {
  const letters = Object.hasOwn(AWS_REGIONS, region)
    ? AWS_REGIONS[region]
    : (unlistedZones(source, region) ?? []);
  return letters.map((l) => `${region}${l}`);
}

/** Checks an ARN (`arn:aws:<service>:...`), optionally of one service; tokens are accepted. */
export function checkArn(
  source: ErrorSource,
  property: string,
  value: unknown,
  service?: string,
): string {
  if (Token.isUnresolved(value)) return value as string;
  const match =
    typeof value === "string"
      ? /^arn:aws(-[a-z]+)*:([a-z0-9-]+):([a-z0-9-]*):(\d{12})?:\S+$/.exec(value)
      : null;
  if (!match || (service !== undefined && match[2] !== service)) {
    invalid(
      source,
      property,
      value,
      service ? `is not an ARN of ${service}` : "is not an ARN",
      `use arn:aws:${service ?? "<service>"}:<region>:<account>:<resource>`,
    );
  }
  return value as string;
}

/**
 * Checks a resource name against a pattern and a length, and returns it. Most AWS names are
 * 1-255 of letters, digits and `-_`; each construct passes its own rule and an example.
 */
export function checkAwsName(
  source: ErrorSource,
  property: string,
  value: unknown,
  rule: {
    readonly pattern: RegExp;
    readonly max: number;
    readonly describe: string;
    readonly example: string;
  },
): string {
  if (
    typeof value !== "string" ||
    value.length === 0 ||
    value.length > rule.max ||
    !rule.pattern.test(value)
  ) {
    invalid(
      source,
      property,
      value,
      `is not a valid name (${rule.describe}, at most ${rule.max})`,
      `use e.g. "${rule.example}"`,
    );
  }
  return value;
}
