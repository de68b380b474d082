import { ValidationError } from "../../constructs/core/errors";
import { isSecretValueName, UNIT_FILE_WORD } from "../../constructs/gcp/env-secrets";
import { type VmProps } from "../../constructs/gcp/vm";
import { REGISTRY, setup, SHA } from "../helpers/vm";

describe("Vm service environment", () => {
  const image = `${REGISTRY}/core-engine:${SHA}`;
  it.each<[VmProps["services"], RegExp]>([
    [
      [{ name: "core-engine", image, env: { "log-level": "info" } }],
      /services\[0\].env key = "log-level" is not an environment variable name/,
    ],
    [
      [{ name: "core-engine", image, env: { DB_PASSWORD: "hunter2" } }],
      /env.DB_PASSWORD = "\(not shown\)" would put a secret value.*DB_PASSWORD_SECRET/s,
    ],
    [
      [{ name: "core-engine", image, env: { GREETING: "hello world" } }],
      /env.GREETING = "hello world" contains characters/,
    ],
    [
      [{ name: "core-engine", image, env: { HOME_DIR: "$(id)" } }],
      /env.HOME_DIR = "\$\(id\)" contains characters/,
    ],
    [
      [{ name: "core-engine", image, env: { KEY_SECRET: "a:b" } }],
      /env.KEY_SECRET = "a:b" is not a Secret Manager secret name/,
    ],
  ])("rejects env %#", (services, message) => {
    let error: unknown;
    try {
      setup({ services });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toMatch(message);
  });

  it("does not show a secret value in the error message", () => {
    expect(() =>
      setup({ services: [{ name: "core-engine", image, env: { API_TOKEN: "hunter2" } }] }),
    ).toThrow(expect.objectContaining({ message: expect.not.stringContaining("hunter2") }));
  });
});

describe("the env secret heuristics", () => {
  it.each([
    "PASSWORD",
    "DB_PASSWORD",
    "DB_PASSWD",
    "API_TOKEN",
    "EXCHANGE_API_KEY",
    "STRIPE_APIKEY",
    "JWT_SECRET_KEY",
    "SSH_PRIVATE_KEY",
    "AWS_ACCESS_KEY",
    "GOOGLE_CREDENTIALS",
  ])("takes %s for a secret value", (name) => {
    expect(isSecretValueName(name)).toBe(true);
  });

  it.each(["DB_PASSWORD_SECRET", "API_TOKEN_SECRET", "LOG_LEVEL", "TOKENIZER", "PWD_DIR", "KEY"])(
    "takes %s for a plain setting",
    (name) => {
      expect(isSecretValueName(name)).toBe(false);
    },
  );

  it("lets no shell, systemd or Terraform syntax through as a unit file word", () => {
    for (const word of [
      "a b",
      "$HOME",
      "%n",
      "'x'",
      '"x"',
      "a;b",
      "a\\b",
      "${x}",
      "%{x}",
      "`id`",
    ]) {
      expect(UNIT_FILE_WORD.test(word)).toBe(false);
    }
    expect(UNIT_FILE_WORD.test("--interval=5s,a:b/c@d+e")).toBe(true);
  });
});
