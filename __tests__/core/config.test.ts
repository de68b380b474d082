import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { z } from "zod";
import { parseConfig, readConfigFile } from "../../constructs/core/config";
import { ValidationError, ValidationErrors } from "../../constructs/core/errors";
import { cidrSchema, labelsSchema } from "../../constructs/core/schemas";
import { gcpProjectIdSchema, gcpRegionSchema } from "../../constructs/gcp/schemas";

const schema = z
  .object({
    projectId: gcpProjectIdSchema,
    regions: z.array(z.object({ region: gcpRegionSchema, cidr: cidrSchema }).strict()).min(1),
    replicas: z.number().int().default(1),
    labels: labelsSchema.optional(),
  })
  .strict();

const good = {
  projectId: "my-project-1",
  regions: [{ region: "us-central1", cidr: "10.0.0.0/20" }],
};

function errorOf(input: unknown): ValidationError {
  try {
    parseConfig(schema, input, "settings.json");
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error("parseConfig accepted the input");
}

describe("parseConfig", () => {
  it("returns the parsed data with defaults applied", () => {
    expect(parseConfig(schema, good, "settings.json")).toEqual({ ...good, replicas: 1 });
  });

  it("reports several bad fields at once, each with its path, value and fix", () => {
    const error = errorOf({
      projectId: "Bad_Project",
      regions: [{ region: "us-central", cidr: "10.0.0.1/20" }],
    });
    expect(error).toBeInstanceOf(ValidationErrors);
    const errors = (error as ValidationErrors).errors;
    expect(errors.map((e) => e.property)).toEqual([
      "projectId",
      "regions[0].region",
      "regions[0].cidr",
    ]);
    expect(error.message).toContain(
      'settings.json: projectId = "Bad_Project" is invalid.\n  Fix: use a GCP project ID',
    );
    expect(error.message).toContain(
      'settings.json: regions[0].region = "us-central" is invalid.\n  Fix: use a Google Cloud region',
    );
    expect(error.message).toContain('regions[0].cidr = "10.0.0.1/20" is invalid');
  });

  it("throws a single ValidationError for a single bad field", () => {
    const error = errorOf({ ...good, regions: [] });
    expect(error).not.toBeInstanceOf(ValidationErrors);
    expect(error.message).toMatch(/^settings\.json: regions = \[\] is invalid\.\n {2}Fix: .+/);
  });

  it("reports an unknown key at the top level and nested", () => {
    expect(errorOf({ ...good, projectID: "x" }).message).toBe(
      'settings.json: projectID = ["projectID"] is not a known setting.\n  Fix: did you mean projectId?',
    );
    expect(
      errorOf({ ...good, regions: [{ region: "us-east1", cidr: "10.0.0.0/20", zone: "b" }] })
        .property,
    ).toBe("regions[0].zone");
  });

  it("reports a missing field", () => {
    expect(errorOf({ regions: good.regions }).message).toBe(
      "settings.json: projectId = undefined is missing.\n  Fix: give a string",
    );
  });

  it("reports a field of the wrong type", () => {
    expect(errorOf({ ...good, regions: "us-central1" }).message).toMatch(
      /regions = "us-central1" has the wrong type\.\n {2}Fix: give an array/,
    );
  });

  it("reports a bad root value", () => {
    expect(errorOf(null).message).toMatch(/^settings\.json: \(root\) = null has the wrong type/);
  });
});

describe("readConfigFile", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "config-test-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("returns the parsed JSON", () => {
    const file = path.join(dir, "ok.json");
    fs.writeFileSync(file, JSON.stringify(good));
    expect(readConfigFile(file)).toEqual(good);
  });

  it("turns a missing file into a ValidationError naming the file", () => {
    const file = path.join(dir, "missing.json");
    expect(() => readConfigFile(file, "PLATFORM_SETTINGS")).toThrow(ValidationError);
    expect(() => readConfigFile(file, "PLATFORM_SETTINGS")).toThrow(
      `PLATFORM_SETTINGS: path = ${JSON.stringify(file)} cannot be read (ENOENT).\n  Fix: point to an existing JSON file`,
    );
  });

  it("turns invalid JSON into a ValidationError naming the file", () => {
    const file = path.join(dir, "bad.json");
    fs.writeFileSync(file, "{ not json");
    expect(() => readConfigFile(file)).toThrow(ValidationError);
    expect(() => readConfigFile(file)).toThrow(
      new RegExp(`^config file: contents = ${JSON.stringify(file)} is not valid JSON \\(.+\\)`),
    );
  });
});

describe("parseConfig with enumerations", () => {
  const schema = z.object({ tier: z.enum(["ZONAL", "REGIONAL"]) }).strict();

  it("reports a missing value as missing and lists the allowed ones", () => {
    expect(() => parseConfig(schema, {}, "s.json")).toThrow(
      's.json: tier = undefined is missing.\n  Fix: use one of "ZONAL", "REGIONAL"',
    );
  });

  it("reports a wrong value as not allowed", () => {
    expect(() => parseConfig(schema, { tier: "HA" }, "s.json")).toThrow(
      's.json: tier = "HA" is not one of the allowed values.\n  Fix: use one of "ZONAL", "REGIONAL"',
    );
  });
});

describe("a misspelt setting is answered with the closest names", () => {
  const schema = z.strictObject({
    projectId: z.string(),
    regions: z.array(z.strictObject({ region: z.string(), subnetCidr: z.string() })).optional(),
  });

  it.each([
    [
      { projetcId: "x", projectId: "y" },
      /projetcId = \["projetcId"\] is not a known setting\.\n {2}Fix: did you mean projectId\?/,
    ],
    [
      {
        projectId: "y",
        regions: [{ region: "r", subnetCdir: "10.0.0.0/20", subnetCidr: "10.0.0.0/20" }],
      },
      /regions\[0\]\.subnetCdir = \["subnetCdir"\] is not a known setting\.\n {2}Fix: did you mean subnetCidr\?/,
    ],
    [{ projectId: "y", zzzzzzzz: 1 }, /Fix: remove it or check its spelling/],
  ])("%j", (input, message) => {
    expect(() => parseConfig(schema, input, "settings.json")).toThrow(message);
  });
});
