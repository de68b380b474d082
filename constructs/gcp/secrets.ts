import { Construct } from "constructs";
import { z } from "zod";
import { Token } from "cdktf";
import { SecretManagerSecret } from "@cdktf/provider-google/lib/secret-manager-secret";
import { SecretManagerSecretIamMember } from "@cdktf/provider-google/lib/secret-manager-secret-iam-member";
import { invalid } from "../core/errors";
import { prefixedName } from "../core/naming";
import { deletionPolicy, refuseProtectionFlags } from "../core/deletion";
import type { OptOut } from "../core/opt-out";
import { checkedBy, checkProps, constructRef, optOutSchema, type PropsSchema } from "../core/props";
import { PlatformStack } from "../core/stack";
import { checkMember, PUBLIC_MEMBERS, type IGrantable } from "./iam";
import { checkRegion } from "./regions";
import { IamMembers } from "./service-account";

/** Where Secret Manager keeps the secret's payloads. */
export type SecretReplication =
  /** Google chooses the locations. */
  | { readonly automatic: true }
  /** Only these regions, for data residency. */
  | { readonly userManaged: { readonly locations: readonly string[] } };

/** A rotation schedule: Secret Manager publishes `SECRET_ROTATE` to the secret's topics. */
export interface SecretRotation {
  /**
   * Time between notifications: whole seconds as `"2592000s"`, or a number of days. At least
   * 3600s, at most 3153600000s (100 years).
   */
  readonly period: string | number;
  /**
   * The first notification, RFC 3339 UTC (`"2026-01-01T00:00:00Z"`); the API needs it with a
   * period and wants it at least 5 minutes after the apply. Later changes made by the service
   * are ignored by Terraform.
   */
  readonly nextRotationTime: string;
}

export interface SecretProps {
  /** Short name; the secret ID is `${prefix}-${name}` (letters, digits, `_`, `-`; ≤ 255). */
  readonly name: string;
  /** @default { automatic: true } */
  readonly replication?: SecretReplication;
  /** Rotation notifications; needs {@link topics}. @default undefined (no rotation schedule) */
  readonly rotation?: SecretRotation;
  /**
   * Pub/Sub topics (`projects/<id>/topics/<name>`, at most 10) notified of changes to the secret
   * and of rotation. The Secret Manager service agent needs `roles/pubsub.publisher` on each.
   * @default [] (required when {@link rotation} is set)
   */
  readonly topics?: readonly string[];
  /** Principals that may read the secret's versions (see {@link Secret.grantAccess}). @default [] */
  readonly accessors?: readonly IGrantable[];
  /**
   * Let `terraform destroy` delete the secret and its versions, with a reason (dev and review
   * environments): sets the provider's `deletion_protection` to false, drops
   * `lifecycle.prevent_destroy` and records the opt-out `deletion-allowed` on the secret.
   * @default undefined (the secret cannot be deleted: both protections on)
   */
  readonly allowDeletion?: OptOut;
}

/**
 * Shapes and types of {@link SecretProps}. Unknown keys, here and inside `replication` and
 * `rotation`, are refused before the schema runs by `rejectUnknownKeys`, which never echoes their
 * values (one could be the secret); `replication` and `rotation` are judged whole by
 * `checkReplication` and `checkRotation`, whose messages show the accepted forms.
 */
const SECRET_PROPS = z.strictObject({
  name: z.string(),
  replication: checkedBy<SecretReplication>("checkReplication").optional(),
  rotation: checkedBy<SecretRotation>("checkRotation").optional(),
  topics: z.array(z.string()).optional(),
  accessors: z
    .array(
      constructRef<IGrantable>("a ServiceAccount, or { member: 'serviceAccount:...' }", ["member"]),
    )
    .optional(),
  allowDeletion: optOutSchema.optional(),
}) satisfies PropsSchema<SecretProps>;

const PROPS = Object.keys(SECRET_PROPS.shape);
const ACCESSOR_ROLE = "roles/secretmanager.secretAccessor";
const MIN_PERIOD = 3600;
const MAX_PERIOD = 3_153_600_000;
const MAX_TOPICS = 10;
const TOPIC = /^projects\/[a-z][a-z0-9-]{4,28}[a-z0-9]\/topics\/[A-Za-z][A-Za-z0-9_.~+%-]{2,254}$/;
const RFC3339_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;
const VALUE_LIKE = /value|data|payload|plain|pass(word|wd)?|secret|token|api_?key|credential/i;

/**
 * A Secret Manager secret: the container only. Its value never passes through code, config or
 * the synthesized JSON; it is added out of band with
 * `printf %s "$VALUE" | gcloud secrets versions add <secretId> --data-file=-`. Deletion is blocked
 * twice (the provider's `deletion_protection` and `lifecycle.prevent_destroy`; both off only with
 * {@link SecretProps.allowDeletion}); readers are granted `roles/secretmanager.secretAccessor` on
 * this secret only.
 */
export class Secret extends Construct {
  /** The secret (escape hatch). */
  readonly secret: SecretManagerSecret;
  /** The secret ID, `${prefix}-${name}`: what applications and `gcloud secrets` use. */
  readonly secretId: string;
  private readonly accessors: IamMembers<SecretManagerSecretIamMember>;

  constructor(scope: Construct, id: string, props: SecretProps) {
    super(scope, id);
    const stack = PlatformStack.of(this);
    const hintId =
      typeof props?.name === "string" ? `${stack.prefix}-${props.name}` : "<secret-id>";
    if (props !== null && typeof props === "object") {
      // Before the schema: an unknown key may hold the secret's value, which is never echoed.
      refuseProtectionFlags(this, props, "Secret");
      rejectUnknownKeys(this, "", props, PROPS, hintId);
    }
    checkProps(this, SECRET_PROPS, props, "{ name: 'exchange-api-key' }");
    const deletion = deletionPolicy(this, props.allowDeletion);
    if (typeof props.name !== "string" || props.name.length === 0) {
      invalid(this, "name", props.name, "is missing", "pass a short name such as 'api-key'");
    }
    this.secretId = stack.claimName(
      this,
      "name",
      "secret",
      prefixedName(this, "name", "secret", stack.prefix, props.name),
    );
    const replication = this.checkReplication(props.replication, hintId);
    const topics = this.checkTopics(props.topics);
    const rotation = this.checkRotation(props.rotation, topics, hintId);

    this.secret = new SecretManagerSecret(this, "secret", {
      secretId: this.secretId,
      replication,
      rotation,
      topics: topics.length > 0 ? topics.map((name) => ({ name })) : undefined,
      deletionProtection: deletion.protect,
      lifecycle: deletion.lifecycle({
        // The service advances next_rotation_time at each notification; resetting it to the
        // configured (past) time would fail the apply.
        ignoreChanges: rotation ? ["rotation[0].next_rotation_time"] : undefined,
      }),
    });
    deletion.record(this.secret);
    this.accessors = new IamMembers(this, `secret/${this.secretId}`);
    (props.accessors ?? []).forEach((a, i) => this.grant(`accessors[${i}]`, a));
  }

  /** The secret's resource ID, `projects/<project>/secrets/<secretId>` (a Terraform reference). */
  get id(): string {
    return this.secret.id;
  }

  /**
   * Lets `grantee` read the secret's versions: `roles/secretmanager.secretAccessor` on this
   * secret only, as an additive `google_secret_manager_secret_iam_member`. Idempotent.
   */
  grantAccess(grantee: IGrantable): SecretManagerSecretIamMember {
    return this.grant("grantee", grantee);
  }

  private grant(property: string, grantee: IGrantable): SecretManagerSecretIamMember {
    const member: unknown = grantee?.member;
    if (typeof member === "string" && PUBLIC_MEMBERS.includes(member)) {
      invalid(
        this,
        property,
        member,
        "would let anyone read the secret",
        "grant the service account of the workload that reads it",
      );
    }
    checkMember(this, property, member);
    return this.accessors.add(
      grantee,
      ACCESSOR_ROLE,
      (id, m) =>
        new SecretManagerSecretIamMember(this, id, {
          secretId: this.secret.id,
          role: ACCESSOR_ROLE,
          member: m,
        }),
    );
  }

  private checkReplication(replication: SecretReplication | undefined, hintId: string) {
    if (replication === undefined) return { auto: {} };
    const given: Record<string, unknown> =
      replication !== null && typeof replication === "object" ? { ...replication } : {};
    rejectUnknownKeys(this, "replication", given, ["automatic", "userManaged"], hintId);
    const managed = given.userManaged as { locations?: unknown } | undefined;
    if ((given.automatic === true) === (managed !== undefined)) {
      invalid(
        this,
        "replication",
        replication,
        "must be either automatic or user-managed",
        "pass { automatic: true } or { userManaged: { locations: ['us-central1', 'us-east1'] } }",
      );
    }
    if (managed === undefined) return { auto: {} };
    rejectUnknownKeys(this, "replication.userManaged", { ...managed }, ["locations"], hintId);
    const locations = managed.locations;
    if (!Array.isArray(locations) || locations.length === 0) {
      invalid(
        this,
        "replication.userManaged.locations",
        locations,
        "is empty",
        "list the regions that may hold the secret, e.g. ['us-central1', 'us-east1'], or use { automatic: true }",
      );
    }
    const seen = new Set<string>();
    const replicas = locations.map((l, i) => {
      const location = checkRegion(this, `replication.userManaged.locations[${i}]`, l);
      if (seen.has(location)) {
        invalid(
          this,
          `replication.userManaged.locations[${i}]`,
          location,
          "is listed twice",
          "list each region once",
        );
      }
      seen.add(location);
      return { location };
    });
    return { userManaged: { replicas } };
  }

  private checkTopics(topics: readonly string[] | undefined): string[] {
    if (topics === undefined) return [];
    if (!Array.isArray(topics) || topics.length > MAX_TOPICS) {
      invalid(
        this,
        "topics",
        topics,
        `is not a list of at most ${MAX_TOPICS} topics`,
        "pass ['projects/<project>/topics/<name>', ...]",
      );
    }
    topics.forEach((t, i) => {
      if (typeof t !== "string" || !(Token.isUnresolved(t) || TOPIC.test(t))) {
        invalid(
          this,
          `topics[${i}]`,
          t,
          "is not a Pub/Sub topic name",
          "use 'projects/<project-id>/topics/<topic>' or a PubsubTopic's id",
        );
      }
      if (topics.indexOf(t) !== i) {
        invalid(this, `topics[${i}]`, t, "is listed twice", "list each topic once");
      }
    });
    return [...topics];
  }

  private checkRotation(
    rotation: SecretRotation | undefined,
    topics: readonly string[],
    hintId: string,
  ) {
    if (rotation === undefined) return undefined;
    if (rotation === null || typeof rotation !== "object") {
      invalid(this, "rotation", rotation, "is not an object", "pass { period, nextRotationTime }");
    }
    rejectUnknownKeys(this, "rotation", { ...rotation }, ["period", "nextRotationTime"], hintId);
    const period = rotation.period;
    const seconds =
      typeof period === "number"
        ? Number.isInteger(period)
          ? period * 86_400
          : NaN
        : typeof period === "string" && /^\d+s$/.test(period)
          ? Number(period.slice(0, -1))
          : NaN;
    if (Number.isNaN(seconds)) {
      invalid(
        this,
        "rotation.period",
        period,
        "is not a rotation period",
        'use whole seconds such as "2592000s" (30 days) or a whole number of days such as 30',
      );
    }
    if (seconds < MIN_PERIOD || seconds > MAX_PERIOD) {
      invalid(
        this,
        "rotation.period",
        period,
        `is ${seconds}s; Secret Manager takes ${MIN_PERIOD}s (1 hour) to ${MAX_PERIOD}s (100 years)`,
        'use a period of at least "3600s", e.g. 30 days',
      );
    }
    const next = rotation.nextRotationTime;
    if (typeof next !== "string" || !RFC3339_UTC.test(next) || Number.isNaN(Date.parse(next))) {
      invalid(
        this,
        "rotation.nextRotationTime",
        next,
        "is not an RFC 3339 UTC timestamp (Secret Manager needs it with a period)",
        'use e.g. "2026-01-01T00:00:00Z", at least 5 minutes after the apply',
      );
    }
    if (topics.length === 0) {
      invalid(
        this,
        "topics",
        topics,
        "is empty, but rotation notifications are published only to the secret's topics",
        "pass topics: ['projects/<project>/topics/<name>'] and grant the Secret Manager service agent roles/pubsub.publisher on it",
      );
    }
    return { rotationPeriod: `${seconds}s`, nextRotationTime: next };
  }
}

/**
 * Refuses keys the props interface does not have, so a secret value cannot slip in through an
 * untyped object. The value itself is never echoed in the error.
 */
function rejectUnknownKeys(
  scope: Construct,
  path: string,
  given: object,
  known: readonly string[],
  secretId: string,
): void {
  const addValue = `add the value out of band after deploying: printf %s "$VALUE" | gcloud secrets versions add ${secretId} --data-file=-`;
  for (const key of Object.keys(given)) {
    if (known.includes(key)) continue;
    const property = path ? `${path}.${key}` : key;
    const redacted = "(redacted)";
    if (VALUE_LIKE.test(key)) {
      invalid(
        scope,
        property,
        redacted,
        "looks like a secret value; values never go into code, config or the synthesized JSON",
        `remove it and ${addValue}`,
      );
    }
    invalid(
      scope,
      property,
      redacted,
      "is not a Secret prop",
      `use only ${known.join(", ")}; a secret value is never a prop: ${addValue}`,
    );
  }
}
