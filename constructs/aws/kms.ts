import { Construct } from "constructs";
import { TerraformProvider } from "cdktf";
import { z } from "zod";
import { KmsKey as KmsKeyResource } from "@cdktf/provider-aws/lib/kms-key";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { DataAwsRegion } from "@cdktf/provider-aws/lib/data-aws-region";
import {
  DataAwsIamPolicyDocument,
  type DataAwsIamPolicyDocumentStatement,
} from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { deletionPolicy, refuseProtectionFlags } from "../core/deletion";
import { invalid } from "../core/errors";
import { checkName } from "../core/naming";
import type { OptOut } from "../core/opt-out";
import {
  checkedBy,
  checkProps,
  optOutSchema,
  refusedProtectionFlags,
  stringOf,
  type PropsSchema,
} from "../core/props";
import { PlatformStack } from "../core/stack";
import { suggestion } from "../core/suggest";
import type { IGrantablePrincipal, IKmsKey } from "./interfaces";

/**
 * AWS services a key can let use it, and how. Most services use a key on behalf of the caller
 * (`kms:ViaService`): the key policy lets principals of the account use the key only through that
 * service, as AWS-managed keys (`aws/rds`) do. CloudWatch Logs encrypts with its own service
 * principal, limited to the account's log groups in the key's region.
 */
export const KMS_SERVICES = {
  backup: "via-service",
  dynamodb: "via-service",
  ec2: "via-service",
  ecr: "via-service",
  eks: "via-service",
  elasticache: "via-service",
  logs: "service-principal",
  rds: "via-service",
  s3: "via-service",
  secretsmanager: "via-service",
  sns: "via-service",
  sqs: "via-service",
  ssm: "via-service",
} as const;

/** A service of {@link KMS_SERVICES}. */
export type KmsService = keyof typeof KMS_SERVICES;

export interface KmsKeyProps {
  /**
   * Short name; the alias is `alias/${prefix}-${name}` (letters, digits and `/_-`).
   * @default the construct id
   */
  readonly name?: string;
  /** What the key protects, shown in the console. @default `${prefix}-${name}` */
  readonly description?: string;
  /**
   * AWS services that may use the key for the account's principals (see {@link KMS_SERVICES}).
   * The account's root keeps full control, so IAM policies can still grant use of the key.
   * @default [] (only what IAM policies grant)
   */
  readonly services?: readonly KmsService[];
  /** Days between scheduling the key's deletion and its deletion, 7-30. @default 30 */
  readonly deletionWindowDays?: number;
  /** Days between automatic rotations of the key material, 90-2560. @default 365 */
  readonly rotationPeriodDays?: number;
  /**
   * The provider the key is created with: an `AwsProvider` with an `alias` for another region
   * (a cross-region replica's key must live in the replica's region).
   * @default the stack's default AWS provider
   */
  readonly provider?: TerraformProvider;
  /**
   * Let `terraform destroy` schedule the key's deletion, with a reason (dev and review
   * environments): drops `lifecycle.prevent_destroy` and records `deletion-allowed` on the key.
   * The deletion window still applies.
   * @default undefined (Terraform refuses to destroy the key)
   */
  readonly allowDeletion?: OptOut;
}

const KMS_KEY_PROPS = z.strictObject({
  name: z.string().optional(),
  description: z.string().optional(),
  services: z.array(stringOf<KmsService>()).optional(),
  deletionWindowDays: z.number().optional(),
  rotationPeriodDays: z.number().optional(),
  provider: checkedBy<TerraformProvider>("checkProvider").optional(),
  allowDeletion: optOutSchema.optional(),
  ...refusedProtectionFlags,
}) satisfies PropsSchema<KmsKeyProps>;

const USE_ACTIONS = [
  "kms:Decrypt",
  "kms:DescribeKey",
  "kms:Encrypt",
  "kms:GenerateDataKey",
  "kms:GenerateDataKeyWithoutPlaintext",
  "kms:ReEncryptFrom",
  "kms:ReEncryptTo",
];
const GRANT_ACTIONS = ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"];

/** Checks a `provider` prop or option: an `AwsProvider` (a Terraform provider construct). */
export function checkProvider(
  scope: Construct,
  property: string,
  provider: unknown,
): TerraformProvider | undefined {
  if (provider === undefined) return undefined;
  if (!(provider instanceof TerraformProvider)) {
    invalid(
      scope,
      property,
      provider,
      "is not a Terraform provider",
      'pass an AwsProvider, e.g. new AwsProvider(stack, "dr", { region: "us-west-2", alias: "dr" })',
    );
  }
  return provider;
}

/**
 * A customer-managed KMS key: symmetric, automatic rotation on, a deletion window, an alias, and a
 * key policy that gives the account's root full control (so IAM policies decide who else may use
 * it) and lets the named AWS services use it for the account. Protected from `terraform destroy`
 * unless {@link KmsKeyProps.allowDeletion}.
 */
export class KmsKey extends Construct implements IKmsKey {
  /** The key (escape hatch). */
  readonly key: KmsKeyResource;
  /** The key's alias. */
  readonly alias: KmsAlias;
  /** The key policy's document. */
  readonly policyDocument: DataAwsIamPolicyDocument;
  /** The services the key policy lets use the key, sorted. */
  readonly services: readonly KmsService[];
  private readonly grantSids = new Set<string>();

  constructor(scope: Construct, id: string, props: KmsKeyProps = {}) {
    super(scope, id);
    checkProps(this, KMS_KEY_PROPS, props, '{ name: "db", services: ["rds"] }');
    refuseProtectionFlags(this, props, "KmsKey");
    const stack = PlatformStack.of(this);
    const provider = checkProvider(this, "provider", props.provider);
    const deletion = deletionPolicy(this, props.allowDeletion);
    const fullName = `${stack.prefix}-${props.name ?? id}`;
    const aliasName = stack.claimName(
      this,
      "name",
      "kms-alias",
      checkName(this, "name", "kms-alias", `alias/${fullName}`),
    );
    const description = props.description ?? fullName;
    if (typeof description !== "string" || description.length > 8192 || /[\0]/.test(description)) {
      invalid(
        this,
        "description",
        description,
        "is not a key description",
        "use up to 8192 characters",
      );
    }
    const deletionWindowInDays = wholeNumber(
      this,
      "deletionWindowDays",
      props.deletionWindowDays ?? 30,
      7,
      30,
    );
    const rotationPeriodInDays = wholeNumber(
      this,
      "rotationPeriodDays",
      props.rotationPeriodDays ?? 365,
      90,
      2560,
    );
    this.services = this.checkServices(props.services ?? []);

    const caller = new DataAwsCallerIdentity(this, "account", { provider });
    const partition = new DataAwsPartition(this, "partition", { provider });
    const statements: DataAwsIamPolicyDocumentStatement[] = [
      {
        sid: "AccountRootAdmin",
        effect: "Allow",
        principals: [
          {
            type: "AWS",
            identifiers: [`arn:${partition.partition}:iam::${caller.accountId}:root`],
          },
        ],
        actions: ["kms:*"],
        resources: ["*"],
      },
    ];
    if (this.services.length > 0) {
      const region = new DataAwsRegion(this, "region", { provider });
      for (const service of this.services) {
        statements.push(
          KMS_SERVICES[service] === "service-principal"
            ? {
                sid: `Use${pascal(service)}`,
                effect: "Allow",
                principals: [
                  {
                    type: "Service",
                    identifiers: [`${service}.${region.region}.${partition.dnsSuffix}`],
                  },
                ],
                actions: USE_ACTIONS,
                resources: ["*"],
                condition: [
                  {
                    test: "ArnLike",
                    variable: "kms:EncryptionContext:aws:logs:arn",
                    values: [
                      `arn:${partition.partition}:logs:${region.region}:${caller.accountId}:*`,
                    ],
                  },
                ],
              }
            : {
                sid: `Use${pascal(service)}`,
                effect: "Allow",
                principals: [{ type: "AWS", identifiers: ["*"] }],
                actions: [...USE_ACTIONS, ...GRANT_ACTIONS],
                resources: ["*"],
                condition: [
                  {
                    test: "StringEquals",
                    variable: "kms:CallerAccount",
                    values: [caller.accountId],
                  },
                  {
                    test: "StringEquals",
                    variable: "kms:ViaService",
                    values: [`${service}.${region.region}.${partition.dnsSuffix}`],
                  },
                ],
              },
        );
      }
    }
    this.policyDocument = new DataAwsIamPolicyDocument(this, "policy", {
      provider,
      statement: statements,
    });
    this.key = new KmsKeyResource(this, "key", {
      provider,
      description,
      keyUsage: "ENCRYPT_DECRYPT",
      customerMasterKeySpec: "SYMMETRIC_DEFAULT",
      enableKeyRotation: true,
      rotationPeriodInDays,
      deletionWindowInDays,
      multiRegion: false,
      bypassPolicyLockoutSafetyCheck: false,
      policy: this.policyDocument.json,
      lifecycle: deletion.lifecycle(),
    });
    deletion.record(this.key);
    this.alias = new KmsAlias(this, "alias", {
      provider,
      name: aliasName,
      targetKeyId: this.key.keyId,
    });
  }

  /** The key's ARN. */
  get keyArn(): string {
    return this.key.arn;
  }

  /** The key's id (a UUID). */
  get keyId(): string {
    return this.key.keyId;
  }

  /** The alias, `alias/${prefix}-${name}`. */
  get aliasName(): string {
    return this.alias.name;
  }

  /** The alias's ARN. */
  get aliasArn(): string {
    return this.alias.arn;
  }

  /** Lets a principal decrypt with the key (`kms:Decrypt`, `kms:DescribeKey`). */
  grantDecrypt(grantee: IGrantablePrincipal): void {
    this.grant("grantDecrypt", grantee, "Decrypt", ["kms:Decrypt", "kms:DescribeKey"]);
  }

  /** Lets a principal encrypt and decrypt with the key, and make data keys. */
  grantEncryptDecrypt(grantee: IGrantablePrincipal): void {
    this.grant("grantEncryptDecrypt", grantee, "EncryptDecrypt", [
      "kms:Decrypt",
      "kms:DescribeKey",
      "kms:Encrypt",
      "kms:GenerateDataKey",
    ]);
  }

  private grant(
    method: string,
    grantee: IGrantablePrincipal,
    what: string,
    actions: readonly string[],
  ): void {
    if (typeof grantee?.addToPolicy !== "function") {
      invalid(
        this,
        `${method}(grantee)`,
        grantee,
        "is not a principal that can be granted permissions",
        "pass an IamRole (an IGrantablePrincipal)",
      );
    }
    const sid = `Kms${what}${pascal(this.node.id)}`.slice(0, 128);
    if (this.grantSids.has(`${grantee.node.path}:${sid}`)) return;
    this.grantSids.add(`${grantee.node.path}:${sid}`);
    grantee.addToPolicy({ sid, effect: "Allow", actions, resources: [this.keyArn] });
  }

  private checkServices(services: readonly KmsService[]): KmsService[] {
    const known = Object.keys(KMS_SERVICES);
    services.forEach((service, i) => {
      if (!known.includes(service)) {
        invalid(
          this,
          `services[${i}]`,
          service,
          "is not a service the key can let use it",
          suggestion(service, known, `use one of ${known.join(", ")}`),
        );
      }
      if (services.indexOf(service) !== i) {
        invalid(this, `services[${i}]`, service, "is listed twice", "list each service once");
      }
    });
    return [...services].sort();
  }
}

function pascal(text: string): string {
  return text
    .split(/[^a-zA-Z0-9]+/)
    .filter((p) => p !== "")
    .map((p) => p[0].toUpperCase() + p.slice(1))
    .join("");
}

function wholeNumber(
  scope: Construct,
  property: string,
  value: unknown,
  min: number,
  max: number,
): number {
  if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) {
    invalid(
      scope,
      property,
      value,
      `is not a whole number of days from ${min} to ${max}`,
      `give a whole number of days from ${min} to ${max}`,
    );
  }
  return value as number;
}
