import { checkRegion, checkZone, GCP_REGIONS, isGcpRegion } from "../../constructs/gcp/regions";

describe("regions", () => {
  it("knows every listed region with at least three zones", () => {
    for (const [region, zones] of Object.entries(GCP_REGIONS)) {
      expect(region).toMatch(/^[a-z]+-[a-z]+[0-9]+$/);
      expect(zones.length).toBeGreaterThanOrEqual(3);
    }
    expect(isGcpRegion("toString")).toBe(false);
  });

  it.each([["us-central1"], ["europe-west1"], ["asia-southeast1"]])("accepts %s", (region) => {
    expect(checkRegion("src", "region", region)).toBe(region);
  });

  it.each([
    ["us-central", /use one of us-central1$/],
    ["europe-west", /use one of europe-west1, europe-west2, .*europe-west12$/],
    ["mars-north1", /use one of the regions listed in constructs\/gcp\/regions\.ts/],
    ["", /use one of the regions listed/],
    [undefined, /use one of the regions listed/],
    ["constructor", /use one of the regions listed/],
  ])("rejects %p and suggests close matches", (region, fix) => {
    expect(() => checkRegion("src", "subnets[0].region", region)).toThrow(
      /subnets\[0\]\.region = .* is not a known Google Cloud region\./,
    );
    expect(() => checkRegion("src", "subnets[0].region", region)).toThrow(fix);
  });
});

describe("checkZone", () => {
  it.each([
    ["us-central1-f", undefined],
    ["europe-west1-b", "europe-west1"],
  ])("accepts %s", (zone, region) => {
    expect(checkZone("src", "zone", zone, region)).toBe(zone);
  });

  it.each([
    ["us-central1-d", undefined, /use a zone such as us-central1-a/],
    ["europe-west1-a", "europe-west1", /use one of europe-west1-b, europe-west1-c, europe-west1-d/],
    ["us-central1", undefined, /use a zone such as/],
    [42, undefined, /use a zone such as/],
  ])("rejects the unknown zone %p", (zone, region, fix) => {
    expect(() => checkZone("src", "zone", zone, region)).toThrow(
      /zone = .* is not a known Google Cloud zone\./,
    );
    expect(() => checkZone("src", "zone", zone, region)).toThrow(fix);
  });

  it("rejects a zone of another region", () => {
    expect(() => checkZone("src", "zone", "us-east1-b", "us-central1")).toThrow(
      'zone = "us-east1-b" is not in region us-central1.\n  Fix: use one of us-central1-a, us-central1-b, us-central1-c, us-central1-f',
    );
    expect(() => checkZone("src", "zone", "us-east1-b", "nowhere1")).toThrow(
      /is not in region nowhere1\.\n {2}Fix: use one of that region's zones/,
    );
  });
});
