import { Construct } from "constructs";
import { z } from "zod";
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { SecretsmanagerSecretRotation } from "@cdktf/provider-aws/lib/secretsmanager-secret-rotation";
import { SecretsmanagerSecretPolicy } from "@cdktf/provider-aws/lib/secretsmanager-secret-policy";
import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { invalid } from "../core/errors";
import { checkName } from "../core/naming";
import { deletionPolicy, refuseProtectionFlags } from "../core/deletion";
import type { OptOut } from "../core/opt-out";
import {
  constructRef,
  checkProps,
  optOutSchema,
  refusedProtectionFlags,
  type PropsSchema,
} from "../core/props";
import { PlatformStack } from "../core/stack";
import { checkArn } from "./common";
import type { IGrantablePrincipal, IKmsKey } from "./interfaces";

/** Scheduled rotation by a Lambda function. */
export interface SecretRotation {
  /** The rotation function's ARN; Secrets Manager must be allowed to invoke it. */
  readonly lambdaArn: string;
  /** Days between rotations, 1-1000. @default 30 */
  readonly days?: number;
}

export interface SecretsManagerSecretProps {
  /**
   * The secret's name, used as given: `/`-separated segments of letters, digits and `_+=.@-`
   * (`signal-factory/prod/db`), at most 512 characters, not ending in `-` and six characters
   * (which reads as the random suffix of the secret's ARN).
   * @default `${prefix}-${id}`
   */
  readonly name?: string;
  /** What the secret holds and who puts its value. @default none */
  readonly description?: string;
  /** A customer-managed KMS key the secret is encrypted with. @default the `aws/secretsmanager` key */
  readonly kmsKey?: IKmsKey;
  /**
   * Days Secrets Manager keeps a deleted secret recoverable, 7-30. `0` (deleted at once, without
   * recovery) needs {@link allowDeletion}.
   * @default 30
   */
  readonly recoveryWindowDays?: number;
  /** Rotate the value on a schedule with a Lambda function. @default none */
  readonly rotation?: SecretRotation;
  /**
   * Attach a resource policy that denies every request not made over TLS. Secrets Manager's
   * endpoints accept HTTPS only, so this changes nothing for callers; it is there for audits that
   * look for the statement on the secret itself.
   * @default false
   */
  readonly denyInsecureTransport?: boolean;
  /**
   * Let `terraform destroy` delete the secret, with a reason (dev and review environments): drops
   * `lifecycle.prevent_destroy`, allows a recovery window of `0`, and records `deletion-allowed`.
   * @default undefined (Terraform refuses to destroy the secret)
   */
  readonly allowDeletion?: OptOut;
}

const SECRET_PROPS = z.strictObject({
  name: z.string().optional(),
  description: z.string().optional(),
  kmsKey: constructRef<IKmsKey>("a KMS key (an IKmsKey)", ["keyArn"]).optional(),
  recoveryWindowDays: z.number().optional(),
  rotation: z.strictObject({ lambdaArn: z.string(), days: z.number().optional() }).optional(),
  denyInsecureTransport: z.boolean().optional(),
  allowDeletion: optOutSchema.optional(),
  ...refusedProtectionFlags,
}) satisfies PropsSchema<SecretsManagerSecretProps>;

/**
 * A Secrets Manager secret without a value: Terraform creates the container, and the value is put
 * out of band (`aws secretsmanager put-secret-value --secret-id <name> --secret-string file://...`)
 * or by a rotation function, so it is never in code, JSON or state. Encrypted with KMS (a
 * customer key optionally), recoverable for 30 days after deletion, protected from
 * `terraform destroy`; `grantRead()` lets one role read this secret only.
 */
export class SecretsManagerSecret extends Construct {
  /** The secret (escape hatch). */
  readonly secret: SecretsmanagerSecret;
  /** The rotation schedule, when {@link SecretsManagerSecretProps.rotation} is set. */
  readonly rotation?: SecretsmanagerSecretRotation;
  /** The resource policy, when {@link SecretsManagerSecretProps.denyInsecureTransport} is set. */
  readonly resourcePolicy?: SecretsmanagerSecretPolicy;
  /** The key the secret is encrypted with, when a customer key was given. */
  readonly kmsKey?: IKmsKey;

  constructor(scope: Construct, id: string, props: SecretsManagerSecretProps = {}) {
    super(scope, id);
    checkProps(this, SECRET_PROPS, props, "{ name: 'signal-factory/prod/db' }");
    refuseProtectionFlags(this, props, "SecretsManagerSecret");
    const stack = PlatformStack.of(this);
    const deletion = deletionPolicy(this, props.allowDeletion);
    const name = stack.claimName(
      this,
      "name",
      "secretsmanager-secret",
      this.checkName(props.name ?? `${stack.prefix}-${id}`),
    );
    if (
      props.description !== undefined &&
      (props.description.length > 2048 ||
        [...props.description].some((c) => c.charCodeAt(0) < 0x20))
    ) {
      invalid(
        this,
        "description",
        props.description,
        "is not a secret description (one line, at most 2048 characters)",
        "describe what the secret holds in one line",
      );
    }
    const window = props.recoveryWindowDays ?? 30;
    if (window === 0) {
      if (!deletion.allowed) {
        invalid(
          this,
          "recoveryWindowDays",
          window,
          "deletes the secret at once, without any way to recover it",
          "keep 7-30 days, or set allowDeletion: { reason } for an environment that is torn down",
        );
      }
    } else if (!Number.isInteger(window) || window < 7 || window > 30) {
      invalid(
        this,
        "recoveryWindowDays",
        window,
        "is not a whole number of days from 7 to 30",
        "give 7-30 days (30 is the default)",
      );
    }
    if (props.kmsKey !== undefined) checkArn(this, "kmsKey", props.kmsKey.keyArn, "kms");
    this.kmsKey = props.kmsKey;

    this.secret = new SecretsmanagerSecret(this, "secret", {
      name,
      description: props.description,
      kmsKeyId: props.kmsKey?.keyArn,
      recoveryWindowInDays: window,
      lifecycle: deletion.lifecycle(),
    });
    deletion.record(this.secret);

    if (props.rotation !== undefined) {
      checkArn(this, "rotation.lambdaArn", props.rotation.lambdaArn, "lambda");
      const days = props.rotation.days ?? 30;
      if (!Number.isInteger(days) || days < 1 || days > 1000) {
        invalid(
          this,
          "rotation.days",
          days,
          "is not a whole number of days from 1 to 1000",
          "give the days between rotations, e.g. 30",
        );
      }
      this.rotation = new SecretsmanagerSecretRotation(this, "rotation", {
        secretId: this.secret.id,
        rotationLambdaArn: props.rotation.lambdaArn,
        rotationRules: { automaticallyAfterDays: days },
        // The first rotation runs on schedule, after the value was put.
        rotateImmediately: false,
      });
    }

    if (props.denyInsecureTransport === true) {
      const document = new DataAwsIamPolicyDocument(this, "tls-only", {
        statement: [
          {
            sid: "DenyInsecureTransport",
            effect: "Deny",
            principals: [{ type: "*", identifiers: ["*"] }],
            actions: ["secretsmanager:*"],
            resources: ["*"],
            condition: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
          },
        ],
      });
      this.resourcePolicy = new SecretsmanagerSecretPolicy(this, "policy", {
        secretArn: this.secret.arn,
        policy: document.json,
        blockPublicPolicy: true,
      });
    }
  }

  /** The secret's ARN (with its random suffix). */
  get secretArn(): string {
    return this.secret.arn;
  }

  /** The customer-managed key's ARN, when the secret has one (what readers need kms:Decrypt on). */
  get kmsKeyArn(): string | undefined {
    return this.kmsKey?.keyArn;
  }

  /** The secret's name. */
  get secretName(): string {
    return this.secret.name;
  }

  /**
   * Lets `principal` read this secret's value: `secretsmanager:GetSecretValue` and
   * `secretsmanager:DescribeSecret` on this secret's ARN only, and `kms:Decrypt` on its customer
   * key when it has one, limited to this secret's encryption context through Secrets Manager.
   */
  grantRead(principal: IGrantablePrincipal): void {
    if (
      principal === null ||
      typeof principal !== "object" ||
      typeof (principal as { addToPolicy?: unknown }).addToPolicy !== "function"
    ) {
      invalid(
        this,
        "grantRead(principal)",
        principal,
        "is not a grantable principal",
        "pass an IamRole (or another IGrantablePrincipal)",
      );
    }
    const sid = `${pascal(this.node.id)}${this.node.addr.slice(0, 8)}`;
    principal.addToPolicy({
      sid: `ReadSecret${sid}`,
      effect: "Allow",
      actions: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
      resources: [this.secret.arn],
    });
    if (this.kmsKey) {
      principal.addToPolicy({
        sid: `DecryptSecret${sid}`,
        effect: "Allow",
        actions: ["kms:Decrypt"],
        resources: [this.kmsKey.keyArn],
        conditions: {
          StringEquals: { "kms:EncryptionContext:SecretARN": this.secret.arn },
          StringLike: { "kms:ViaService": "secretsmanager.*.amazonaws.com" },
        },
      });
    }
  }

  private checkName(name: unknown): string {
    const checked = checkName(this, "name", "secretsmanager-secret", name);
    // AWS accepts empty path segments; a name such as "/db" or "a//b" is a slip, not a path.
    const bad = checked.split("/").findIndex((segment) => segment === "");
    if (bad >= 0) {
      invalid(
        this,
        "name",
        checked,
        `is not a secret path (segment ${bad + 1} is empty)`,
        'use "/"-separated segments, e.g. "signal-factory/prod/db"',
      );
    }
    return checked;
  }
}

function pascal(text: string): string {
  return text
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join("");
}
