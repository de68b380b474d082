import { ValidationError } from "../../constructs/core/errors";
import { isSecretValueName, UNIT_FILE_WORD } from "../../constructs/gcp/env-secrets";
import { Network } from "../../constructs/gcp/network";
import { Secret } from "../../constructs/gcp/secrets";
import { Vm, type VmProps } from "../../constructs/gcp/vm";
import { detectSecret, isSecretLikeName, shannonEntropy } from "../../vocabulary/secrets";
import { resourcesOf, synthJson, testStack } from "../helpers/synth";
import { REGISTRY, sa, setup, SHA } from "../helpers/vm";

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

describe("secret values by their shape", () => {
  const image = `${REGISTRY}/core-engine:${SHA}`;
  // Obviously fake values that only have the shape of the real thing.
  const fake = {
    awsAccessKeyId: "AKIAIOSFODNN7EXAMPLE",
    awsTemporaryKeyId: "ASIAIOSFODNN7EXAMPLE",
    gcpApiKey: `AIza${"FAKE0".repeat(7)}`,
    pem: "-----BEGIN RSA PRIVATE KEY-----\nFAKE\n-----END RSA PRIVATE KEY-----",
    pemPkcs8: "-----BEGIN PRIVATE KEY-----",
    pemOpenSsh: "-----BEGIN OPENSSH PRIVATE KEY-----",
    githubPat: `ghp_${"FAKE".repeat(9)}`,
    githubOauth: `gho_${"FAKE".repeat(9)}`,
    githubServer: `ghs_${"FAKE".repeat(9)}`,
    githubFineGrained: `github_pat_${"FAKE0".repeat(5)}_${"FAKE".repeat(10)}`,
    gitlab: `glpat-${"FAKE".repeat(5)}`,
    slackBot: "xoxb-0000000000-FAKEFAKEFAKE",
    slackUser: "xoxp-0000000000-FAKEFAKEFAKE",
    stripeSecret: `sk_live_${"FAKE".repeat(6)}`,
    stripeRestricted: `rk_live_${"FAKE".repeat(6)}`,
    sendgrid: `SG.${"FAKE".repeat(5)}12.${"FAKE".repeat(10)}FAK`,
    openaiLegacy: `sk-${"FAKE".repeat(12)}`,
    openaiProject: `sk-proj-${"FAKE".repeat(10)}`,
    jwt: "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJmYWtlIn0.ZmFrZS1zaWduYXR1cmU",
  };

  it.each(Object.entries(fake))("detects %s", (_, value) => {
    expect(detectSecret(value)).toBeDefined();
    expect(detectSecret(`prefix ${value} suffix`)).toBeDefined();
  });

  it.each([
    "postgres://app:hunter2@db.example.com:5432/app",
    "redis://:hunter2@127.0.0.1:6379/0",
    "https://user:pa%24%24@example.com/hook",
    "amqp://u:p@mq",
  ])("detects the URL with a password %s", (value) => {
    expect(detectSecret(value)?.id).toBe("url-password");
  });

  it.each<[string, string]>([
    ["EXCHANGE_API_KEY", "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6"],
    ["SESSION_TOKEN", "Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0"],
    ["WEBHOOK_SECRET", "9f86d081884c7d659a2feaa0c55ad015"],
    ["ADMIN_PASSWORD_HASH", "Qx7vT2mK9pL4wR8zN3bY6cF1"],
  ])("detects a high-entropy value under %s", (name, value) => {
    expect(detectSecret(value, name)?.id).toBe("high-entropy");
    expect(isSecretLikeName(name)).toBe(true);
  });

  it.each<[string, string]>([
    ["LOG_LEVEL", "info"],
    ["REDIS_URL", "redis://127.0.0.1:6379/0"],
    ["API_URL", "https://api.example.com/v1?x=1"],
    ["DB_URL", "postgres://app@db.example.com/app"],
    ["IMAGE", `${REGISTRY}/core-engine:${SHA}`],
    ["RELEASE", "0123456789abcdef0123456789abcdef01234567"],
    ["SERVICE_NAME", "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6"],
    ["EXCHANGE_API_KEY_SECRET", "projects/example-trading-bot/secrets/binance-api-key"],
    ["TELEGRAM_BOT_TOKEN_SECRET", "trading-bot-prod-telegram-bot-token"],
    ["DB_IAM_USER", "stockpilot-prod-vm@example-stockpilot-prod.iam"],
    ["SKU", "sk-small"],
  ])("takes %s=%s for ordinary configuration", (name, value) => {
    expect(detectSecret(value, name)).toBeUndefined();
  });

  it("measures Shannon entropy in bits per character", () => {
    expect(shannonEntropy("")).toBe(0);
    expect(shannonEntropy("aaaa")).toBe(0);
    expect(shannonEntropy("abcd")).toBe(2);
  });

  const refused = (services: VmProps["services"]): ValidationError => {
    try {
      setup({ services });
    } catch (e) {
      if (e instanceof ValidationError) return e;
      throw e;
    }
    throw new Error("accepted");
  };

  it.each(Object.entries(fake).filter(([, v]) => !v.includes(" ") && !v.includes("\n")))(
    "refuses %s in a service's env, without showing it",
    (_, value) => {
      const error = refused([{ name: "core-engine", image, env: { UPSTREAM: value } }]);
      expect(error.property).toBe("services[0].env.UPSTREAM");
      expect(error.message).toMatch(/"\(not shown\)" looks like .*Secret Manager/s);
      expect(error.message).not.toContain(value.slice(0, 12));
    },
  );

  it("refuses a PEM block in env without showing it, before the unit file check", () => {
    const error = refused([{ name: "core-engine", image, env: { TLS: fake.pem } }]);
    expect(error.message).toMatch(/looks like a PEM private key block/);
    expect(error.message).not.toContain("BEGIN");
  });

  it("refuses a URL with a password and a high-entropy value under a secret-like name", () => {
    expect(
      refused([
        { name: "core-engine", image, env: { DATABASE_URL: "postgres://app:hunter2@db/app" } },
      ]).message,
    ).toMatch(/env\.DATABASE_URL = "\(not shown\)" looks like a URL with a password/);
    expect(
      refused([
        {
          name: "core-engine",
          image,
          env: { SIGNING_KEY_SECRET: "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6" },
        },
      ]).message,
    ).toMatch(/looks like a random-looking value/);
  });

  it("refuses a secret in args, by shape and by the flag's name", () => {
    expect(
      refused([{ name: "core-engine", image, args: [`--key=${fake.stripeSecret}`] }]).property,
    ).toBe("services[0].args[0]");
    expect(
      refused([
        { name: "core-engine", image, args: ["--api-token=a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6"] },
      ]).message,
    ).toMatch(/args\[0\] = "\(not shown\)" looks like a random-looking value/);
  });

  it("refuses a secret in a host file's content", () => {
    expect(() =>
      setup({ files: [{ path: "/etc/app/key.pem", content: `${fake.pemPkcs8}\nFAKE\n` }] }),
    ).toThrow(/files\[0\]\.content = "\(not shown\)" holds a PEM private key block/);
  });

  it("accepts ordinary env values", () => {
    const { vm } = setup({
      services: [
        {
          name: "core-engine",
          image,
          env: {
            LOG_LEVEL: "info",
            API_URL: "https://api.example.com/v1",
            IMAGE_TAG: SHA,
            DB_PASSWORD_SECRET: "trading-bot-db-password",
          },
        },
      ],
    });
    expect(vm.renderedUnits["core-engine"]).toContain("--env LOG_LEVEL=info");
  });
});

describe("a service's secrets", () => {
  const image = `${REGISTRY}/core-engine:${SHA}`;

  it("grants the VM's account access and passes the secret's ID as <NAME>_SECRET", () => {
    const stack = testStack();
    const apiKey = new Secret(stack, "api-key", { name: "exchange-api-key" });
    const dbPassword = new Secret(stack, "db", { name: "db-password" });
    const network = new Network(stack, "network", {
      subnets: [{ region: "us-central1", cidr: "10.10.0.0/20" }],
    });
    const vm = new Vm(stack, "vm", {
      name: "bot",
      zone: "us-central1-a",
      network,
      machineType: "e2-standard-4",
      serviceAccount: sa,
      services: [
        {
          name: "core-engine",
          image,
          env: { LOG_LEVEL: "info" },
          secrets: { EXCHANGE_API_KEY: apiKey, DB_PASSWORD: dbPassword },
        },
        { name: "worker", image: `${REGISTRY}/worker:${SHA}`, secrets: { API_KEY: apiKey } },
      ],
    });
    expect(vm.renderedUnits["core-engine"]).toContain(
      `--env LOG_LEVEL=info --env EXCHANGE_API_KEY_SECRET=${apiKey.secretId} --env DB_PASSWORD_SECRET=${dbPassword.secretId} $IMAGE`,
    );
    expect(apiKey.secretId).toBe("test-dev-exchange-api-key");
    expect(vm.renderedUnits.worker).toContain("--env API_KEY_SECRET=test-dev-exchange-api-key");
    const json = synthJson(stack);
    const grants = resourcesOf(json, "google_secret_manager_secret_iam_member").map(
      (r) => r.config,
    );
    expect(grants).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          role: "roles/secretmanager.secretAccessor",
          member: sa.member,
          secret_id: expect.stringMatching(
            /^\$\{google_secret_manager_secret\.api-key_secret_\w+\.id\}$/,
          ),
        }),
      ]),
    );
    // One grant per secret, however many services read it.
    expect(grants).toHaveLength(2);
  });

  it.each<[unknown, RegExp]>([
    [
      { API_KEY: "exchange-api-key" },
      /secrets\.API_KEY = "exchange-api-key" is not a Secret construct/,
    ],
    [{ "api-key": undefined }, /secrets key = "api-key" is not an environment variable name/],
    [["x"], /secrets = \["x"\] is not a map of names to Secrets/],
  ])("refuses secrets %p", (secrets, message) => {
    expect(() =>
      setup({ services: [{ name: "core-engine", image, secrets: secrets as never }] }),
    ).toThrow(message);
  });

  it("refuses a <NAME>_SECRET given in env too", () => {
    const stack = testStack();
    const secret = new Secret(stack, "s", { name: "api-key" });
    const network = new Network(stack, "network", {
      subnets: [{ region: "us-central1", cidr: "10.10.0.0/20" }],
    });
    expect(
      () =>
        new Vm(stack, "vm", {
          name: "bot",
          zone: "us-central1-a",
          network,
          machineType: "e2-standard-4",
          serviceAccount: sa,
          services: [
            {
              name: "core-engine",
              image,
              env: { API_KEY_SECRET: "other" },
              secrets: { API_KEY: secret },
            },
          ],
        }),
    ).toThrow(/secrets\.API_KEY = "API_KEY_SECRET" is also given in env/);
  });
});
