import fc from "fast-check";
import {
  isDnsLabel,
  isDnsSubdomain,
  isQualifiedName,
} from "../../constructs/core/kubernetes-names";

// The name rules of the Kubernetes API server (apimachinery's validation package), shared by the
// Kubernetes, GKE and EKS constructs.
describe("Kubernetes names", () => {
  it.each([
    ["shop", true],
    ["shop-api-2", true],
    ["2shop", true],
    ["a".repeat(63), true],
    ["a".repeat(64), false],
    ["Shop", false],
    ["shop-", false],
    ["-shop", false],
    ["shop.api", false],
    ["shop_api", false],
    ["", false],
    [42, false],
  ])("DNS-1123 label %j: %s", (value, ok) => {
    expect(isDnsLabel(value)).toBe(ok);
  });

  it.each([
    ["shop.example.com", true],
    ["api", true],
    [`${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(61)}`, true],
    [`${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(62)}`, false],
    ["shop..example", false],
    [".shop", false],
    ["shop.", false],
    [`${"a".repeat(64)}.com`, false],
    ["Shop.example", false],
    ["", false],
  ])("DNS-1123 subdomain %j: %s", (value, ok) => {
    expect(isDnsSubdomain(value)).toBe(ok);
  });

  it.each([
    ["app", true],
    ["app.kubernetes.io/name", true],
    ["iam.gke.io/gcp-service-account", true],
    ["Team_Name", true],
    ["example.com/", false],
    ["/name", false],
    ["example..com/name", false],
    ["Example.com/name", false],
    [`${"a".repeat(64)}.com/name`, false],
    [`example.com/${"a".repeat(64)}`, false],
    ["a/b/c", false],
    ["name-", false],
    ["bad key", false],
  ])("label or annotation key %j: %s", (value, ok) => {
    expect(isQualifiedName(value)).toBe(ok);
  });

  it("accepts a key exactly when its prefix is a subdomain and its name a qualified name", () => {
    const label = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,8}[a-z0-9])?$/);
    const prefix = fc.array(label, { minLength: 1, maxLength: 4 }).map((p) => p.join("."));
    const name = fc.stringMatching(/^[A-Za-z0-9]([-A-Za-z0-9_.]{0,8}[A-Za-z0-9])?$/);
    fc.assert(
      fc.property(prefix, name, (p, n) => {
        expect(isQualifiedName(`${p}/${n}`)).toBe(true);
        expect(isQualifiedName(`${p}./${n}`)).toBe(false);
        expect(isQualifiedName(`${p}/${n}-`)).toBe(false);
      }),
    );
  });
});
