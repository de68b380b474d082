import { Lazy, TerraformOutput, Testing } from "cdktf";
import { StorageBucket } from "@cdktf/provider-google/lib/storage-bucket";
import {
  escapeTerraformText,
  escapeTerraformValue,
  hasTerraformTemplateSequence,
} from "../../constructs/core/terraform-text";
import { testStack } from "../helpers/synth";

describe("escapeTerraformText", () => {
  it.each([
    ['${file("/etc/passwd")}', '$${file("/etc/passwd")}'],
    ["%{ for x in y }${x}%{ endfor }", "%%{ for x in y }$${x}%%{ endfor }"],
    ["plain $ and % and {braces}", "plain $ and % and {braces}"],
    ["${TfToken[TOKEN.1]} and ${x}", "${TfToken[TOKEN.1]} and $${x}"],
    ["${TfToken[unterminated", "$${TfToken[unterminated"],
  ])("%s -> %s", (input, expected) => {
    expect(escapeTerraformText(input)).toBe(expected);
    expect(hasTerraformTemplateSequence(expected)).toBe(false);
  });

  it("leaves tokens, class instances and // comments alone in nested values", () => {
    const lazy = Lazy.stringValue({ produce: () => "${x}" });
    const date = new Date(0);
    const value = { a: ["${x}", { b: "%{y}" }], lazy, date, "//": { note: "${keep}" }, n: 1 };
    expect(escapeTerraformValue(value)).toEqual({
      a: ["$${x}", { b: "%%{y}" }],
      lazy,
      date,
      "//": { note: "${keep}" },
      n: 1,
    });
    // Every text is escaped exactly once, here: what looks escaped already is user text too.
    expect(escapeTerraformValue({ script: "echo $${HOME} %%{x}" })).toEqual({
      script: "echo $$${HOME} %%%{x}",
    });
    const clean = { a: ["x"], b: { c: "y" } };
    expect(escapeTerraformValue(clean)).toBe(clean);
  });
});

describe("TerraformTextAspect (every PlatformStack)", () => {
  it("escapes literal template sequences in any resource's attributes and keeps references", () => {
    const stack = testStack();
    const bucket = new StorageBucket(stack, "b", {
      name: "test-dev-b",
      location: "US",
      labels: { team: "x" },
      website: { notFoundPage: '${file("/home/me/.ssh/id_rsa")}' },
    });
    new StorageBucket(stack, "c", {
      name: "test-dev-c",
      location: "US",
      website: { mainPageSuffix: `${bucket.name}/%{if true}index%{endif}` },
    });
    new TerraformOutput(stack, "o", { value: bucket.url, description: "url ${var.secret}" });
    const json = JSON.parse(Testing.synth(stack)) as {
      resource: { google_storage_bucket: Record<string, { website: Record<string, string> }> };
      output: Record<string, { value: string; description: string }>;
    };
    const buckets = Object.values(json.resource.google_storage_bucket);
    expect(buckets[0].website.not_found_page).toBe('$${file("/home/me/.ssh/id_rsa")}');
    expect(buckets[1].website.main_page_suffix).toMatch(
      /^\$\{google_storage_bucket\.b\.name\}\/%%\{if true\}index%%\{endif\}$/,
    );
    expect(json.output.o).toEqual({
      value: "${google_storage_bucket.b.url}",
      description: "url $${var.secret}",
    });
  });

  it("does not touch escape-hatch overrides, which are raw Terraform on purpose", () => {
    const stack = testStack();
    const bucket = new StorageBucket(stack, "b", { name: "test-dev-b", location: "US" });
    bucket.addOverride("location", "${var.location}");
    const json = JSON.parse(Testing.synth(stack)) as {
      resource: { google_storage_bucket: { b: { location: string } } };
    };
    expect(json.resource.google_storage_bucket.b.location).toBe("${var.location}");
  });
});
