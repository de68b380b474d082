import { TerraformOutput } from "cdktf";
import { escapeTerraformTemplate } from "../../constructs/core/templates";
import { ServiceAccount } from "../../constructs/gcp/service-account";
import { synthJson, testStack } from "../helpers/synth";

describe("escapeTerraformTemplate", () => {
  it("doubles the introducers of Terraform template sequences", () => {
    expect(escapeTerraformTemplate("./app/${_SERVICE_NAME}")).toBe("./app/$${_SERVICE_NAME}");
    expect(escapeTerraformTemplate("%{ if x }y%{ endif }")).toBe("%%{ if x }y%%{ endif }");
    expect(escapeTerraformTemplate("${A}-${B}")).toBe("$${A}-$${B}");
  });

  it("leaves everything else alone", () => {
    for (const text of ["$COMMIT_SHA", "$$HOME", "100%", "{}", "$ {x}", "% {x}", ""]) {
      expect(escapeTerraformTemplate(text)).toBe(text);
    }
  });

  it("escapes text that is already escaped once more, so it arrives as written", () => {
    // Terraform reads `$$${` as `$` followed by the literal `${`: the text `$${` unchanged.
    expect(escapeTerraformTemplate("$${x}")).toBe("$$${x}");
    expect(escapeTerraformTemplate("%%{x}")).toBe("%%%{x}");
  });

  it("keeps cdktf token markers, so references inside the text still resolve", () => {
    const stack = testStack();
    const sa = new ServiceAccount(stack, "sa", { name: "bot" });
    const text = escapeTerraformTemplate(`${sa.email} uses \${_SERVICE_NAME}`);
    new TerraformOutput(stack, "out", { value: text });
    expect(synthJson(stack).output?.out.value).toMatch(
      /^\$\{google_service_account\.sa_account_[A-Z0-9]+\.email\} uses \$\$\{_SERVICE_NAME\}$/,
    );
  });
});
