import * as fs from "node:fs";
import * as path from "node:path";
import { ValidationError } from "../../constructs/core/errors";
import { loadTemplate, renderTemplate, TEMPLATES_DIR } from "../../constructs/core/templates";

const unitVariables = {
  instanceName: "test-dev-bot",
  name: "core-engine",
  image: "us-central1-docker.pkg.dev/p/r/core-engine:3f9c2ab",
  env: [{ name: "LOG_LEVEL", value: "info" }],
  args: ["--verbose"],
  slice: false,
  memoryMax: "",
};

const startupVariables = {
  instanceName: "test-dev-bot",
  registryHosts: "us-central1-docker.pkg.dev",
  opsAgent: true,
  serviceNames: "core-engine",
  services: [{ name: "core-engine", unit: "[Unit]", slice: "" }],
  deployScript: "#!/bin/bash",
  helpers: false,
  hostPackages: "",
  files: [],
  enableUnits: "",
  slicedNames: "",
};

/** A copy of `variables` without `key`. */
function without(variables: Record<string, unknown>, key: string): Record<string, unknown> {
  return Object.fromEntries(Object.entries(variables).filter(([k]) => k !== key));
}

function errorOf(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error("expected a ValidationError");
}

describe("renderTemplate", () => {
  it("reads templates from the project's templates/ directory, not the working directory", () => {
    expect(TEMPLATES_DIR).toBe(path.resolve(__dirname, "../../templates"));
  });

  it("renders without HTML escaping", () => {
    const text = renderTemplate("test", "container.service.hbs", {
      ...unitVariables,
      env: [{ name: "URL", value: "a=1&b=<2>" }],
    });
    expect(text).toContain("--env URL=a=1&b=<2> $IMAGE");
    expect(text).toContain("ExecStart=/usr/bin/docker run --rm --name core-engine");
  });

  it("turns a missing variable into a ValidationError naming the template and the variable", () => {
    const rest = without(unitVariables, "image");
    const error = errorOf(() =>
      renderTemplate("test", "container.service.hbs", rest, "container unit"),
    );
    expect(error.message).toMatch(
      /^test: template container\.service\.hbs = "image" is used at line \d+ but no value was given \(container unit variables missing\)\./,
    );
    expect(error.message).not.toMatch(/\[object Object\]/);
  });

  it("counts a variable given as undefined or null as missing", () => {
    expect(() =>
      renderTemplate("test", "deploy.sh.hbs", {
        instanceName: "x",
        serviceNames: undefined,
        services: [],
      }),
    ).toThrow(/"serviceNames" is used at line \d+ but no value was given/);
    expect(() =>
      renderTemplate("test", "deploy.sh.hbs", {
        instanceName: "x",
        serviceNames: null,
        services: [],
      }),
    ).toThrow(/"serviceNames" is used/);
  });

  it("checks the arguments of if and each, which handlebars' strict mode lets through", () => {
    const noOps = without(startupVariables, "opsAgent");
    expect(() => renderTemplate("test", "startup.sh.hbs", noOps, "startup script")).toThrow(
      /template startup\.sh\.hbs = "opsAgent" is used at line \d+ but no value was given \(startup script variables missing\)/,
    );
    const noServices = without(startupVariables, "services");
    expect(() => renderTemplate("test", "startup.sh.hbs", noServices, "startup script")).toThrow(
      /"services" is used at line \d+/,
    );
  });

  it("names a variable missing inside a loop item", () => {
    expect(() =>
      renderTemplate("test", "startup.sh.hbs", {
        ...startupVariables,
        services: [{ name: "core-engine" }],
      }),
    ).toThrow(/"unit" is used at line \d+/);
  });

  it("accepts false and empty values, which are given", () => {
    const text = renderTemplate("test", "startup.sh.hbs", {
      ...startupVariables,
      opsAgent: false,
      registryHosts: "",
    });
    expect(text).not.toContain("ops-agent");
    expect(text).not.toContain("configure-docker");
    expect(text).toContain("systemctl enable --now core-engine.service");
  });

  it("rejects names that are not plain template files", () => {
    expect(() => renderTemplate("test", "../package.json", {})).toThrow(
      /template = "\.\.\/package\.json" is not a template file name/,
    );
    expect(() => renderTemplate("test", "missing.sh.hbs", {})).toThrow(
      /template = "missing\.sh\.hbs" does not exist in the project's templates\/ directory/,
    );
  });

  it("compiles each template once", () => {
    expect(loadTemplate("test", "deploy.sh.hbs")).toBe(loadTemplate("test", "deploy.sh.hbs"));
  });

  // Every template rendered into instance metadata (cloudbuild.yaml is escaped when inlined).
  it.each(fs.readdirSync(TEMPLATES_DIR).filter((name) => name.endsWith(".hbs")))(
    "%s has no ${ or %{, which Terraform would interpolate in the instance metadata",
    (name) => {
      expect(fs.readFileSync(path.join(TEMPLATES_DIR, name), "utf8")).not.toMatch(/[$%]\{/);
    },
  );
});
