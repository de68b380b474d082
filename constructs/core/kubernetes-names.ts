import type { IConstruct } from "constructs";
import { invalid } from "./errors";

/**
 * Kubernetes object names and label keys, checked the way the API server checks them (its
 * `IsDNS1123Label`, `IsDNS1123Subdomain` and `IsQualifiedName`), for every construct that writes
 * one: the Kubernetes constructs, and the GKE and EKS constructs that bind a Kubernetes service
 * account to a cloud identity.
 */

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/** True for a DNS-1123 label: lowercase letters, digits and `-`, at most 63 characters. */
export function isDnsLabel(value: unknown): value is string {
  return typeof value === "string" && value.length <= 63 && DNS_LABEL.test(value);
}

/** True for a DNS-1123 subdomain: dot-separated DNS-1123 labels, at most 253 characters. */
export function isDnsSubdomain(value: unknown): value is string {
  return (
    typeof value === "string" &&
    value.length >= 1 &&
    value.length <= 253 &&
    value.split(".").every((label) => isDnsLabel(label))
  );
}

/**
 * True for a label or annotation key: `[prefix/]name`, the prefix a DNS-1123 subdomain, the name
 * at most 63 letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit.
 */
export function isQualifiedName(value: unknown): value is string {
  if (typeof value !== "string") return false;
  const slash = value.lastIndexOf("/");
  const name = slash < 0 ? value : value.slice(slash + 1);
  return (
    (slash < 0 || isDnsSubdomain(value.slice(0, slash))) &&
    name.length <= 63 &&
    QUALIFIED_NAME.test(name)
  );
}

/** Checks a Kubernetes object name that must be a DNS-1123 label (namespaces, services). */
export function checkDnsLabel(scope: IConstruct, property: string, value: unknown): string {
  if (!isDnsLabel(value)) {
    invalid(
      scope,
      property,
      value,
      "is not a DNS-1123 label",
      "use at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit",
    );
  }
  return value;
}

/** Checks a Kubernetes object name that must be a DNS-1123 subdomain (ingresses, secrets). */
export function checkDnsSubdomain(scope: IConstruct, property: string, value: unknown): string {
  if (!isDnsSubdomain(value)) {
    invalid(
      scope,
      property,
      value,
      "is not a DNS-1123 subdomain",
      "use at most 253 characters of lowercase letters, digits, '-' and '.', each dot-separated part starting and ending with a letter or digit",
    );
  }
  return value;
}

/**
 * Checks a map of Kubernetes labels: keys are `[prefix/]name` (a DNS-1123 subdomain prefix, a
 * name of at most 63 letters, digits, `-`, `_` and `.`), values empty or a name of at most 63.
 */
export function checkK8sLabels(
  scope: IConstruct,
  property: string,
  labels: Readonly<Record<string, string>>,
): Readonly<Record<string, string>> {
  for (const [key, value] of Object.entries(labels)) {
    if (!isQualifiedName(key)) {
      invalid(
        scope,
        `${property} key`,
        key,
        "is not a Kubernetes label key",
        "write [prefix/]name: an optional DNS subdomain prefix and a name of at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit",
      );
    }
    if (
      typeof value !== "string" ||
      value.length > 63 ||
      (value !== "" && !QUALIFIED_NAME.test(value))
    ) {
      invalid(
        scope,
        `${property}.${key}`,
        value,
        "is not a Kubernetes label value",
        "use at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit (or an empty value)",
      );
    }
  }
  return labels;
}
