import { invalid, type ErrorSource } from "../core/errors";
import { PlatformStack, type UnlistedRegion } from "../core/stack";
import { suggestion } from "../core/suggest";

/**
 * Google Cloud regions and their zone suffixes, as published in the Compute Engine region list.
 * Kept as data so that a typo such as `us-central` fails at synth time instead of at deploy time;
 * add a region here when Google opens one, or, until then, list it in the stack's
 * `unlistedRegions` with a reason.
 */
export const GCP_REGIONS: Readonly<Record<string, readonly string[]>> = {
  "africa-south1": ["a", "b", "c"],
  "asia-east1": ["a", "b", "c"],
  "asia-east2": ["a", "b", "c"],
  "asia-northeast1": ["a", "b", "c"],
  "asia-northeast2": ["a", "b", "c"],
  "asia-northeast3": ["a", "b", "c"],
  "asia-south1": ["a", "b", "c"],
  "asia-south2": ["a", "b", "c"],
  "asia-southeast1": ["a", "b", "c"],
  "asia-southeast2": ["a", "b", "c"],
  "australia-southeast1": ["a", "b", "c"],
  "australia-southeast2": ["a", "b", "c"],
  "europe-central2": ["a", "b", "c"],
  "europe-north1": ["a", "b", "c"],
  "europe-north2": ["a", "b", "c"],
  "europe-southwest1": ["a", "b", "c"],
  "europe-west1": ["b", "c", "d"],
  "europe-west2": ["a", "b", "c"],
  "europe-west3": ["a", "b", "c"],
  "europe-west4": ["a", "b", "c"],
  "europe-west6": ["a", "b", "c"],
  "europe-west8": ["a", "b", "c"],
  "europe-west9": ["a", "b", "c"],
  "europe-west10": ["a", "b", "c"],
  "europe-west12": ["a", "b", "c"],
  "me-central1": ["a", "b", "c"],
  "me-central2": ["a", "b", "c"],
  "me-west1": ["a", "b", "c"],
  "northamerica-northeast1": ["a", "b", "c"],
  "northamerica-northeast2": ["a", "b", "c"],
  "northamerica-south1": ["a", "b", "c"],
  "southamerica-east1": ["a", "b", "c"],
  "southamerica-west1": ["a", "b", "c"],
  "us-central1": ["a", "b", "c", "f"],
  "us-east1": ["b", "c", "d"],
  "us-east4": ["a", "b", "c"],
  "us-east5": ["a", "b", "c"],
  "us-south1": ["a", "b", "c"],
  "us-west1": ["a", "b", "c"],
  "us-west2": ["a", "b", "c"],
  "us-west3": ["a", "b", "c"],
  "us-west4": ["a", "b", "c"],
};

/** True when `region` is a known Google Cloud region. */
export function isGcpRegion(region: unknown): region is string {
  return typeof region === "string" && Object.prototype.hasOwnProperty.call(GCP_REGIONS, region);
}

/** The stack-accepted unlisted region a construct may use ({@link PlatformStackProps.unlistedRegions}). */
function unlisted(source: ErrorSource, region: unknown): UnlistedRegion | undefined {
  if (typeof source === "string" || typeof region !== "string") return undefined;
  const stack = source.node.scopes.find((s): s is PlatformStack => s instanceof PlatformStack);
  return stack?.unlistedRegion(region);
}

/** The zone letters of a catalogued region, or of an unlisted region the construct's stack accepted. */
export function zonesOf(source: ErrorSource, region: string): readonly string[] | undefined {
  return isGcpRegion(region) ? GCP_REGIONS[region] : unlisted(source, region)?.zones;
}

/**
 * Checks a region name and returns it: a catalogued region, or one the construct's stack lists in
 * `unlistedRegions` with a reason.
 */
export function checkRegion(source: ErrorSource, property: string, region: unknown): string {
  if (!isGcpRegion(region) && unlisted(source, region) === undefined) {
    invalid(source, property, region, "is not a known Google Cloud region", suggest(region));
  }
  return region as string;
}

/** Checks a zone name (`us-central1-a`), optionally that it lies in `region`, and returns it. */
export function checkZone(
  source: ErrorSource,
  property: string,
  zone: unknown,
  region?: string,
): string {
  const match = typeof zone === "string" ? /^(.*)-([a-z])$/.exec(zone) : null;
  if (!match || !zonesOf(source, match[1])?.includes(match[2])) {
    invalid(
      source,
      property,
      zone,
      "is not a known Google Cloud zone",
      region && zonesOf(source, region)
        ? `use one of ${zonesOf(source, region)!
            .map((z) => `${region}-${z}`)
            .join(", ")}`
        : "use a zone such as us-central1-a",
    );
  }
  if (region !== undefined && match[1] !== region) {
    invalid(
      source,
      property,
      zone,
      `is not in region ${region}`,
      `use one of ${
        zonesOf(source, region)
          ?.map((z) => `${region}-${z}`)
          .join(", ") ?? "that region's zones"
      }`,
    );
  }
  return zone as string;
}

function suggest(region: unknown): string {
  return suggestion(
    region,
    Object.keys(GCP_REGIONS),
    "a region listed in constructs/gcp/regions.ts (e.g. us-central1, us-east1), or list a newer region in the stack's unlistedRegions with a reason",
  );
}
