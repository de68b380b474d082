import type { IConstruct } from "constructs";
import { detectSecret, type SecretFinding } from "../../vocabulary/secrets";
import { invalid } from "../core/errors";

/**
 * The environment variables of a VM's services, which are written into unit files and so into
 * the instance metadata: names, values safe in a unit file, and what keeps secret values out: a
 * name that announces a secret value is refused, and so is a value that is a secret by its shape
 * (a known credential format, a URL with a password, or a random-looking value under a secret
 * name: `vocabulary/secrets.ts`). `<NAME>_SECRET` carries a Secret Manager secret's ID for the
 * service to read at run time.
 */

/**
 * Words that mean nothing special to bash, systemd (`$`, `%`, quotes, `\`, `;`) or Terraform
 * (`${`, `%{`): no quoting needed in a unit file or a shell line.
 */
export const UNIT_FILE_WORD = /^[A-Za-z0-9._:/@+=,-]*$/;
const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;
/** Env names that announce a secret value; its Secret Manager name goes in `<NAME>_SECRET`. */
const SECRET_VALUE_NAME =
  /(^|_)(PASSWORD|PASSWD|PWD|TOKEN|API_KEY|APIKEY|SECRET_KEY|PRIVATE_KEY|ACCESS_KEY|CREDENTIALS?)$/;
/** A Secret Manager secret: its id, or its resource name with an optional version. */
const SECRET_REF =
  /^([A-Za-z0-9_-]{1,255}|projects\/[a-z0-9-]+\/secrets\/[A-Za-z0-9_-]{1,255}(\/versions\/(latest|[0-9]+))?)$/;

/** True when an env name announces a secret value (`DB_PASSWORD`, `API_TOKEN`, `AWS_ACCESS_KEY`). */
export function isSecretValueName(name: string): boolean {
  return SECRET_VALUE_NAME.test(name);
}

/** True for an environment variable name, `[A-Z_][A-Z0-9_]*`. */
export function isEnvName(name: unknown): name is string {
  return typeof name === "string" && ENV_NAME.test(name);
}

/**
 * Refuses a value that is a secret by its shape (`name` is the variable or flag it is given
 * under, for the entropy check). The value itself is never shown in the error.
 */
export function refuseSecretValue(
  scope: IConstruct,
  property: string,
  value: unknown,
  name?: string,
): void {
  if (typeof value !== "string") return;
  const finding: SecretFinding | undefined = detectSecret(value, name);
  if (finding === undefined) return;
  invalid(
    scope,
    property,
    "(not shown)",
    `looks like ${finding.description}, which would be readable in the VM's metadata and unit files by anyone who can view the instance`,
    "store it in Secret Manager and pass the Secret through the service's secrets prop (secrets: { NAME: secret }), so the service reads it at run time",
  );
}

/**
 * Checks one environment variable of a service (`property` is the env prop, e.g.
 * `services[0].env`): a name of `[A-Z_][A-Z0-9_]*` that does not announce a secret value, a value
 * that is not a secret by its shape, a value of {@link UNIT_FILE_WORD}, and for a name ending in
 * `_SECRET` a value that is a secret's ID. A value that may be a secret is never shown in the
 * error.
 */
export function checkEnv(
  scope: IConstruct,
  property: string,
  key: string,
  value: unknown,
): { name: string; value: string } {
  if (!ENV_NAME.test(key)) {
    invalid(
      scope,
      `${property} key`,
      key,
      "is not an environment variable name",
      "use uppercase letters, digits and underscores, not starting with a digit",
    );
  }
  if (isSecretValueName(key)) {
    invalid(
      scope,
      `${property}.${key}`,
      "(not shown)",
      "would put a secret value into the VM's metadata and unit files",
      `store it in Secret Manager and pass its name instead, e.g. ${key}_SECRET: "<secret id>", for the service to read at run time`,
    );
  }
  refuseSecretValue(scope, `${property}.${key}`, value, key);
  if (typeof value !== "string" || !UNIT_FILE_WORD.test(value)) {
    invalid(
      scope,
      `${property}.${key}`,
      value,
      "contains characters the unit file would interpret (spaces, quotes, $, %, ;, \\)",
      "use letters, digits and . _ : / @ + = , - only",
    );
  }
  if (key.endsWith("_SECRET") && !SECRET_REF.test(value)) {
    invalid(
      scope,
      `${property}.${key}`,
      value,
      "is not a Secret Manager secret name",
      "pass the secret's id (letters, digits, _ and -) or projects/<p>/secrets/<id>[/versions/<v>]",
    );
  }
  return { name: key, value };
}
