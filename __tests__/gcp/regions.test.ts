import { Network } from "../../constructs/gcp/network";
import { synthJson, testStack } from "../helpers/synth";
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
    ["us-central", /did you mean us-central1\?$/],
    ["us-centrl1", /did you mean us-central1\?$/],
    ["europe-west", /did you mean europe-west1, europe-west2 or europe-west3\?$/],
    ["mars-north1", /a region listed in constructs\/gcp\/regions\.ts .*unlistedRegions/],
    ["", /a region listed in constructs\/gcp\/regions\.ts/],
    [undefined, /a region listed in constructs\/gcp\/regions\.ts/],
    ["constructor", /a region listed in constructs\/gcp\/regions\.ts/],
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

describe("unlisted regions (PlatformStackProps.unlistedRegions)", () => {
  const reason = "opened after this release; capacity reserved there, ticket NET-42";
  const unlistedRegions = [{ name: "europe-north3", zones: ["a", "b"], reason }];

  it("lets every construct of the stack use the region and its zones, and records the opt-out", () => {
    const stack = testStack({ unlistedRegions });
    expect(checkRegion(stack, "region", "europe-north3")).toBe("europe-north3");
    expect(checkZone(stack, "zone", "europe-north3-b", "europe-north3")).toBe("europe-north3-b");
    expect(() => checkZone(stack, "zone", "europe-north3-c", "europe-north3")).toThrow(
      /Fix: use one of europe-north3-a, europe-north3-b/,
    );
    const network = new Network(stack, "net", {
      subnets: [{ region: "europe-north3", cidr: "10.10.0.0/20" }],
    });
    expect(network.regions).toEqual(["europe-north3"]);
    synthJson(stack);
    // Testing.synth strips `//` keys; the stack's own JSON keeps them.
    expect((stack.toTerraform() as Record<string, unknown>)["//"]).toMatchObject({
      opt_outs: [{ id: "unlisted-region:europe-north3", reason }],
    });
  });

  it("is still refused in a stack that does not list it, and from settings text", () => {
    expect(() => checkRegion(testStack(), "region", "europe-north3")).toThrow(
      /is not a known Google Cloud region/,
    );
    expect(() => checkRegion("settings", "region", "europe-north3")).toThrow(
      /Fix: did you mean europe-north1 or europe-north2\?/,
    );
  });

  it.each([
    [
      [{ name: "Europe North3", zones: ["a"], reason }],
      /unlistedRegions\[0\]\.name .* is not a region name/,
    ],
    [[{ name: "europe-north3", zones: [], reason }], /unlistedRegions\[0\]\.zones .* zone letters/],
    [[{ name: "europe-north3", zones: ["a", "a"], reason }], /zone letters/],
    [
      [{ name: "europe-north3", zones: ["a"], reason: "new" }],
      /unlistedRegions\[0\]\.reason .* too short/,
    ],
    [[...unlistedRegions, ...unlistedRegions], /unlistedRegions\[1\]\.name .* is listed twice/],
    ["europe-north3", /unlistedRegions = .* is not a list/],
  ])("refuses a bad declaration %#", (list, message) => {
    expect(() => testStack({ unlistedRegions: list as never })).toThrow(message);
  });
});
