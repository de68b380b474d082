import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import Handlebars from "handlebars";
import { ValidationError } from "../../constructs/core/errors";
import {
  isHostName,
  loadTemplate,
  renderTemplate,
  shellDoubleQuoted,
  shellQuote,
  TEMPLATES_DIR,
} from "../../constructs/core/templates";

const unitVariables = {
  instanceName: "test-dev-bot",
  name: "core-engine",
  image: "us-central1-docker.pkg.dev/p/r/core-engine:3f9c2ab",
  env: [{ name: "LOG_LEVEL", value: "info" }],
  args: ["--verbose"],
  slice: false,
  memoryMax: "",
  releaseState: false,
};

const startupVariables = {
  instanceName: "test-dev-bot",
  registryHosts: "us-central1-docker.pkg.dev",
  opsAgent: true,
  serviceNames: "core-engine",
  services: [
    {
      name: "core-engine",
      unit: "[Unit]",
      slice: "",
      image: "registry.example/core-engine:3f9c2ab",
      pinnedLine: "# pinned: registry.example/core-engine:3f9c2ab",
    },
  ],
  deployScript: "#!/bin/bash",
  release: false,
  releaseScript: "",
  releaseService: "",
  releaseTimer: "",
  hostPackages: [],
  files: [],
  enableUnits: [],
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
    const text = renderTemplate("test", "nginx-site.conf.hbs", {
      system: "a&b <c>",
      serverNames: "example.com",
      tlsConfig: "/etc/nginx/conf.d/tls.conf",
      acmeRoot: "/var/www/html",
    });
    expect(text).toContain("# Written by the a&b <c> stack");
    const unit = renderTemplate("test", "container.service.hbs", unitVariables);
    expect(unit).toContain("ExecStart=/usr/bin/docker run --rm --name core-engine");
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

/** Runs bash once: prints each word of `words` (shell source) followed by a NUL byte. */
function bashPrints(words: readonly string[]): string[] {
  const result = spawnSync("bash", ["-c", `printf '%s\\0' ${words.join(" ")}`], {
    encoding: "utf8",
  });
  expect(result.status).toBe(0);
  return result.stdout.split("\0").slice(0, -1);
}

describe("the quoting helpers", () => {
  it("leaves safe shell words unchanged and single-quotes the rest", () => {
    expect(shellQuote("us-central1-docker.pkg.dev")).toBe("us-central1-docker.pkg.dev");
    expect(shellQuote("/etc/nginx/conf.d/site.conf")).toBe("/etc/nginx/conf.d/site.conf");
    expect(shellQuote("")).toBe("''");
    expect(shellQuote("a b")).toBe("'a b'");
    expect(shellQuote("it's")).toBe("'it'\\''s'");
    expect(shellQuote("$(id)")).toBe("'$(id)'");
    expect(shellQuote("~root")).toBe("'~root'");
  });

  it('escapes \\, `, " and $ inside double quotes, and keeps cdktf references', () => {
    expect(shellDoubleQuoted("core-engine")).toBe("core-engine");
    expect(shellDoubleQuoted('a"b$c`d\\e')).toBe('a\\"b\\$c\\`d\\\\e');
    expect(shellDoubleQuoted("${TfToken[TOKEN.1]}-x")).toBe("${TfToken[TOKEN.1]}-x");
  });

  // bash reads back exactly the string that was quoted, whatever it holds.
  it("round-trips any text through bash (property)", () => {
    const text = fc.string({ unit: "binary", maxLength: 30 }).filter((t) => !t.includes("\0"));
    const samples = fc.sample(text, 200);
    expect(bashPrints(samples.map(shellQuote))).toEqual(samples);
    expect(bashPrints(samples.map((t) => `"${shellDoubleQuoted(t)}"`))).toEqual(samples);
  });

  it("checks RFC 1123 host names", () => {
    for (const ok of [
      "stockpilot.ai",
      "www.stockpilot.ai",
      "a",
      "xn--bcher-kva.example",
      "a-b.c1",
    ]) {
      expect(isHostName(ok)).toBe(true);
    }
    for (const bad of [
      "",
      "-a.com",
      "a-.com",
      "a..b",
      "a_b.com",
      "a.com;",
      "a b",
      `${"a".repeat(64)}.com`,
      ".a.com",
      "a.com.",
    ]) {
      expect(isHostName(bad)).toBe(false);
    }
    expect(isHostName(Array(64).fill("abc").join("."))).toBe(false);
  });

  it.each<[string, string, Record<string, unknown>, RegExp]>([
    [
      "a space in a unit file word",
      "container.service.hbs",
      { ...unitVariables, image: "r.example.com/a/b:1 --privileged" },
      /template container\.service\.hbs = "r\.example\.com\/a\/b:1 --privileged" is not one plain word.*\{\{word\}\} at line \d+/,
    ],
    [
      "a % specifier in a unit file word",
      "container.service.hbs",
      { ...unitVariables, args: ["%h"] },
      /is not one plain word/,
    ],
    [
      "a line break in a comment",
      "pg-dump.sh.hbs",
      {
        system: "x\nrm -rf /",
        unit: "u",
        database: "d",
        bucket: "b",
        retentionDays: 30,
        host: "10.0.0.3",
        user: "u",
      },
      /holds a line break, which would end the comment \(\{\{comment\}\} at line 2/,
    ],
    [
      "a space in a connection string value",
      "pg-dump.sh.hbs",
      {
        system: "s",
        unit: "u",
        database: "d",
        bucket: "b",
        retentionDays: 30,
        host: "10.0.0.3 sslmode=disable",
        user: "u",
      },
      /= "10\.0\.0\.3 sslmode=disable" is not one plain word/,
    ],
    [
      "a server name that is not a host name",
      "nginx-site.conf.hbs",
      {
        system: "s",
        serverNames: "example.com; include /etc/passwd",
        tlsConfig: "/t",
        acmeRoot: "/a",
      },
      /has "example\.com;", which is not an RFC 1123 host name/,
    ],
    [
      "an object instead of text",
      "container.slice.hbs",
      { instanceName: "i", name: { toString: () => "x" }, memoryHigh: "", memoryMax: "1G" },
      /is a object, not text or a number/,
    ],
  ])(
    "refuses %s with a ValidationError naming the template and line",
    (_, name, variables, message) => {
      const error = errorOf(() => renderTemplate("test", name, variables));
      expect(error.message).toMatch(message);
    },
  );

  it("names a missing helper argument like a missing variable", () => {
    expect(() =>
      renderTemplate("test", "container.slice.hbs", { name: "x", memoryHigh: "", memoryMax: "1G" }),
    ).toThrow(/"instanceName" is used at line \d+ but no value was given/);
  });

  // Heredoc bodies are the only values inserted without a helper: they sit between a quoted
  // heredoc's delimiters, where the shell reads nothing.
  const RAW = [
    "body",
    "delimiter",
    "unit",
    "slice",
    "deployScript",
    "releaseScript",
    "releaseService",
    "releaseTimer",
  ];
  it.each(fs.readdirSync(TEMPLATES_DIR).filter((name) => name.endsWith(".hbs")))(
    "%s inserts every value through a quoting helper",
    (name) => {
      const raw: string[] = [];
      const visit = (node: unknown): void => {
        if (Array.isArray(node)) return node.forEach(visit);
        if (node === null || typeof node !== "object") return;
        const n = node as hbs.AST.MustacheStatement & {
          program?: unknown;
          inverse?: unknown;
          body?: unknown;
        };
        if (n.type === "MustacheStatement" && n.params.length === 0) {
          raw.push((n.path as hbs.AST.PathExpression).original);
        }
        visit(n.body);
        visit(n.program);
        visit(n.inverse);
      };
      visit(Handlebars.parse(fs.readFileSync(path.join(TEMPLATES_DIR, name), "utf8")));
      expect(raw.filter((v) => !RAW.includes(v))).toEqual([]);
    },
  );
});
