/**
 * What a secret value looks like, for both sides: the constructs refuse such values wherever they
 * would land in instance metadata, unit files, env or the synthesized JSON; the policy pack can
 * flag them in any Terraform JSON. Three kinds of evidence, strongest first:
 *
 * 1. a well-known credential format anywhere in the text (cloud keys, SaaS tokens, PEM private
 *    keys, JWTs): {@link SECRET_SHAPES};
 * 2. a URL that carries a password in its user info (`scheme://user:pass@host`);
 * 3. a long, random-looking value ({@link isHighEntropy}) under a name that announces a secret
 *    ({@link isSecretLikeName}: `*_KEY`, `*_TOKEN`, `*_SECRET`, `*PASSWORD*`, ...).
 *
 * Dependency-free on purpose: the review CLI loads it without the construct library.
 */

/** One recognisable credential format. */
export interface SecretShape {
  /** A short stable id, e.g. `aws-access-key-id`. */
  readonly id: string;
  /** What it is, for messages: "an AWS access key ID". */
  readonly description: string;
  /** Matches the credential anywhere in a text (not anchored, not global). */
  readonly pattern: RegExp;
}

/** Credential formats recognised anywhere in a text. */
export const SECRET_SHAPES: readonly SecretShape[] = [
  {
    id: "aws-access-key-id",
    description: "an AWS access key ID",
    pattern: /(?<![A-Z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])/,
  },
  {
    id: "gcp-api-key",
    description: "a Google API key",
    pattern: /(?<![A-Za-z0-9_-])AIza[0-9A-Za-z_-]{35}(?![A-Za-z0-9_-])/,
  },
  {
    id: "private-key",
    description: "a PEM private key block",
    pattern: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/,
  },
  {
    id: "github-token",
    description: "a GitHub token",
    pattern:
      /(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})(?![A-Za-z0-9_])/,
  },
  {
    id: "gitlab-token",
    description: "a GitLab personal access token",
    pattern: /(?<![A-Za-z0-9_-])glpat-[A-Za-z0-9_-]{20,}/,
  },
  {
    id: "slack-token",
    description: "a Slack token",
    pattern: /(?<![A-Za-z0-9_-])xox[abprs]-[A-Za-z0-9-]{10,}/,
  },
  {
    id: "slack-webhook",
    description: "a Slack incoming webhook URL",
    pattern: /hooks\.slack\.com\/services\/T[A-Za-z0-9_]+\/B[A-Za-z0-9_]+\/[A-Za-z0-9_]+/,
  },
  {
    id: "stripe-key",
    description: "a Stripe secret or restricted key",
    pattern: /(?<![A-Za-z0-9_])(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}/,
  },
  {
    id: "sendgrid-key",
    description: "a SendGrid API key",
    pattern: /(?<![A-Za-z0-9_.-])SG\.[A-Za-z0-9_-]{16,32}\.[A-Za-z0-9_-]{16,64}/,
  },
  {
    id: "openai-key",
    description: "an OpenAI API key",
    // Legacy keys: sk- and 48 alphanumerics; project, service-account and admin keys: a
    // prefix and a long body. Both carry T3BlbkFJ (base64 of "OpenAI") in the middle.
    pattern:
      /(?<![A-Za-z0-9_-])sk-(?:[A-Za-z0-9]{48}(?![A-Za-z0-9])|(?:proj|svcacct|admin)-[A-Za-z0-9_-]{20,}|[A-Za-z0-9_-]{0,200}T3BlbkFJ)/,
  },
  {
    id: "jwt",
    description: "a JSON Web Token",
    pattern: /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,4096}\.eyJ[A-Za-z0-9_-]{8,4096}\./,
  },
  {
    id: "url-password",
    description: "a URL with a password in it",
    // Bounded and anchored at the start of a scheme, so long texts are scanned in linear time.
    pattern:
      /(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]{0,31}:\/\/[^\s/?#@:]{0,256}:[^\s/?#@]{1,256}@/,
  },
];

/** Names that announce a secret: `*_KEY`, `*_TOKEN`, `*_SECRET`, `*PASSWORD*`, `*_CREDENTIALS`, ... */
const SECRET_LIKE_NAME =
  /(?:^|[_.-])(?:KEY|KEYS|APIKEY|TOKEN|TOKENS|SECRET|SECRETS|PASS|PWD|PASSPHRASE|CREDENTIAL|CREDENTIALS|AUTH|SALT|SIGNATURE)$|PASSW(?:OR)?D|PRIVATE_?KEY|ACCESS_?KEY/i;

/** The thresholds of {@link isHighEntropy}. */
export const HIGH_ENTROPY = {
  /** Shorter values are never judged random. */
  minLength: 20,
  /** Bits per character above which a mixed value (letters and digits) counts as random. */
  bitsPerChar: 4.0,
  /** The same for values of hexadecimal digits only, whose alphabet has 16 symbols. */
  hexBitsPerChar: 3.0,
} as const;

/** True when a variable or attribute name announces a secret value. */
export function isSecretLikeName(name: string): boolean {
  return SECRET_LIKE_NAME.test(name);
}

/** Shannon entropy of `text` in bits per character (0 for the empty string). */
export function shannonEntropy(text: string): number {
  const chars = [...text];
  if (chars.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const c of chars) counts.set(c, (counts.get(c) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) {
    const p = n / chars.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/**
 * True when a value looks randomly generated: at least {@link HIGH_ENTROPY.minLength}
 * characters without spaces, and either hexadecimal with at least `hexBitsPerChar` bits per
 * character, or mixing at least two of lowercase letters, uppercase letters and digits with at
 * least `bitsPerChar`. Human-made identifiers (`trading-bot-prod-exchange-api-key`,
 * `projects/p/secrets/db-password`) are lowercase words and stay below.
 */
export function isHighEntropy(value: string): boolean {
  if (value.length < HIGH_ENTROPY.minLength || /\s/.test(value)) return false;
  const entropy = shannonEntropy(value);
  if (/^[0-9a-fA-F]+$/.test(value)) return entropy >= HIGH_ENTROPY.hexBitsPerChar;
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/].filter((c) => c.test(value)).length;
  return classes >= 2 && entropy >= HIGH_ENTROPY.bitsPerChar;
}

/** The first credential format found in `text`, if any. */
export function findSecretShape(text: string): SecretShape | undefined {
  return SECRET_SHAPES.find((shape) => shape.pattern.test(text));
}

/** Why a value was judged a secret. */
export interface SecretFinding {
  /** A {@link SecretShape} id, or `high-entropy`. */
  readonly id: string;
  /** For messages: "an AWS access key ID", "a random-looking value under a secret name". */
  readonly description: string;
}

/**
 * Judges one value, optionally with the name it is stored under (an env variable, an
 * attribute): a known credential format or a URL with a password anywhere in it, or a
 * high-entropy value under a secret-like name. Undefined when it looks like ordinary
 * configuration.
 */
export function detectSecret(value: string, name?: string): SecretFinding | undefined {
  const shape = findSecretShape(value);
  if (shape) return { id: shape.id, description: shape.description };
  if (name !== undefined && isSecretLikeName(name) && isHighEntropy(value)) {
    return {
      id: "high-entropy",
      description: `a random-looking value (${shannonEntropy(value).toFixed(1)} bits per character) under a secret name`,
    };
  }
  return undefined;
}
