import { TerraformOutput } from "cdktf";
import * as fc from "fast-check";
import {
  escapeTerraformText,
  hasTerraformTemplateSequence,
} from "../../constructs/core/terraform-text";
import { ServiceAccount } from "../../constructs/gcp/service-account";
import { synthJson, testStack } from "../helpers/synth";

describe("escapeTerraformText", () => {
  it("doubles the introducers of Terraform template sequences", () => {
    expect(escapeTerraformText("./app/${_SERVICE_NAME}")).toBe("./app/$${_SERVICE_NAME}");
    expect(escapeTerraformText("%{ if x }y%{ endif }")).toBe("%%{ if x }y%%{ endif }");
    expect(escapeTerraformText("${A}-${B}")).toBe("$${A}-$${B}");
  });

  it("leaves everything else alone", () => {
    for (const text of ["$COMMIT_SHA", "$$HOME", "100%", "{}", "$ {x}", "% {x}", ""]) {
      expect(escapeTerraformText(text)).toBe(text);
    }
  });

  it("escapes text that is already escaped once more, so it arrives as written", () => {
    // Terraform reads `$$${` as `$` followed by the literal `${`: the text `$${` unchanged.
    expect(escapeTerraformText("$${x}")).toBe("$$${x}");
    expect(escapeTerraformText("%%{x}")).toBe("%%%{x}");
  });

  it("keeps cdktf token markers, so references inside the text still resolve", () => {
    const stack = testStack();
    const sa = new ServiceAccount(stack, "sa", { name: "bot" });
    const text = escapeTerraformText(`${sa.email} uses \${_SERVICE_NAME}`);
    new TerraformOutput(stack, "out", { value: text });
    expect(synthJson(stack).output?.out.value).toMatch(
      /^\$\{google_service_account\.sa_account_[A-Z0-9]+\.email\} uses \$\$\{_SERVICE_NAME\}$/,
    );
  });

  it("escapes text that only starts like a token marker", () => {
    expect(escapeTerraformText("${TfToken[oops")).toBe("$${TfToken[oops");
    expect(escapeTerraformText("%{TfToken[x]}")).toBe("%%{TfToken[x]}");
  });

  it("escapes around a marker, keeping the marker itself", () => {
    const stack = testStack();
    const sa = new ServiceAccount(stack, "sa", { name: "bot" });
    const text = escapeTerraformText(`%{x} \${${sa.email}} \${y}`);
    expect(text).toMatch(/^%%\{x\} \$\$\{\$\{TfToken\[TOKEN\.[0-9]+\]\}\} \$\$\{y\}$/);
  });

  it("round-trips any text through Terraform's unescaping, leaving no template sequence", () => {
    // Terraform reads `$${` as `${` and `%%{` as `%{`, scanning left to right.
    const unescape = (text: string) => text.replace(/([$%])\1\{/g, "$1{");
    const pieces = fc.constantFrom("$", "%", "{", "}", "$$", "%%", "a", " ", "\n");
    const text = fc.array(fc.oneof(pieces, fc.string()), { maxLength: 20 }).map((a) => a.join(""));
    fc.assert(
      fc.property(text, (t) => {
        const escaped = escapeTerraformText(t);
        expect(unescape(escaped)).toBe(t);
        expect(hasTerraformTemplateSequence(escaped)).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("hasTerraformTemplateSequence", () => {
  it("finds an unescaped ${ or %{", () => {
    for (const text of ["${x}", "a %{ if x }", "$${a} ${b}", "%%{a}%{b}", "${TfToken[oops"]) {
      expect(hasTerraformTemplateSequence(text)).toBe(true);
    }
  });

  it("accepts escapes (read left to right), token markers and text without sequences", () => {
    for (const text of ["$${x}", "%%{x}", "${TfToken[TOKEN.1]}", "$HOME 100% {}", "$$${{", ""]) {
      expect(hasTerraformTemplateSequence(text)).toBe(false);
    }
  });
});
