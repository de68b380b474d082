import type { Resource, Rule } from "../types";
import { CREDENTIAL_KEY, isObject, isToken, NOT_APPLICABLE, problemsVerdict } from "../values";

/** Types whose secrets have a rule of their own (it names the better way for that resource). */
const OWN_SECRET_RULE = [
  "google_secret_manager_secret_version",
  "aws_secretsmanager_secret_version",
  "aws_db_instance",
  "kubernetes_secret",
  "kubernetes_secret_v1",
];
/** An environment variable name that says it holds a credential. */
const CREDENTIAL_NAME = /(password|passwd|secret|token|api_?key|private_?key)/i;

/**
 * The paths of literal credentials in a config: attributes named like a credential holding a
 * literal string, and `{ name, value }` pairs (container env) whose name says credential.
 */
export function literalCredentials(value: unknown, path = ""): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => literalCredentials(v, `${path}[${i}]`));
  if (!isObject(value)) return [];
  const found: string[] = [];
  const literal = (v: unknown): boolean => typeof v === "string" && v !== "" && !isToken(v);
  if (typeof value.name === "string" && CREDENTIAL_NAME.test(value.name) && literal(value.value)) {
    found.push(`${path}.value (${value.name})`);
  }
  for (const [key, item] of Object.entries(value)) {
    if (key === "//") continue;
    const at = path ? `${path}.${key}` : key;
    if (CREDENTIAL_KEY.test(key) && literal(item)) found.push(at);
    else found.push(...literalCredentials(item, at));
  }
  return found;
}

export const COMMON_RULES: readonly Rule[] = [
  {
    id: "GEN-SEC-001",
    severity: "error",
    title: "No literal credentials in resource arguments",
    types: /.*/,
    appliesTo: "every resource (except the types with their own literal-secret rule)",
    fix: "Reference a generated or stored value (random_password, a secret manager reference) instead of writing the credential in code.",
    check: (r) =>
      OWN_SECRET_RULE.includes(r.type)
        ? NOT_APPLICABLE
        : problemsVerdict(
            literalCredentials(r.config).map(
              (p) => `${p} holds a literal credential: it is in the synthesized JSON and in git`,
            ),
          ),
  },
];

/** A name that marks a bucket as holding backups: its literal name, else its address. */
export function isBackupName(r: Resource, nameKeys: readonly string[]): boolean {
  const names = nameKeys
    .map((k) => r.config[k])
    .filter((v) => typeof v === "string" && !isToken(v));
  return (names.length > 0 ? names : [r.name]).some((n) => /backup/i.test(String(n)));
}
