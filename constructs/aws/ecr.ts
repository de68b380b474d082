import { Construct } from "constructs";
import { z } from "zod";
import { EcrRepository as EcrRepositoryResource } from "@cdktf/provider-aws/lib/ecr-repository";
import { EcrLifecyclePolicy } from "@cdktf/provider-aws/lib/ecr-lifecycle-policy";
import { whole } from "../core/checks";
import { invalid } from "../core/errors";
import { deletionPolicy, refuseProtectionFlags } from "../core/deletion";
import type { OptOut } from "../core/opt-out";
import {
  checkProps,
  constructRef,
  optOutSchema,
  refusedProtectionFlags,
  type PropsSchema,
} from "../core/props";
import { PlatformStack } from "../core/stack";
import { checkName } from "../core/naming";
import { checkArn } from "./common";
import type { IGrantablePrincipal, IKmsKey, PolicyStatement } from "./interfaces";

/** Which images the repository keeps. */
export interface EcrLifecycle {
  /** Keep this many most recent images (tagged or not), 1-1000; older ones expire. @default 30 */
  readonly keepLastImages?: number;
  /** Expire untagged images (left behind by re-pushed builds) this many days after push, 1-3650. @default 7 */
  readonly untaggedExpiryDays?: number;
}

export interface EcrRepositoryProps {
  /**
   * Short name; the repository is `${prefix}-${name}`. Lowercase letters, digits and `._-`,
   * `/` between path parts (`api`, `bots/signal`).
   */
  readonly name: string;
  /**
   * Customer-managed KMS key for the images. Encryption is always KMS (`encryption_type = KMS`).
   * @default the AWS-managed key `aws/ecr`
   */
  readonly encryptionKey?: IKmsKey;
  /** @default keep the last 30 images, expire untagged ones after 7 days */
  readonly lifecycle?: EcrLifecycle;
  /**
   * Let `terraform destroy` delete the repository with its images (dev and review environments),
   * with a reason: drops `lifecycle.prevent_destroy`, sets `force_delete` (images are rebuilt by
   * CI) and records the opt-out `deletion-allowed` on the repository.
   * @default undefined (`force_delete = false` and Terraform refuses to destroy it)
   */
  readonly allowDeletion?: OptOut;
}

/** What other constructs need of a repository (an ECS service pulls its image from it). */
export interface IEcrRepository {
  /** `<account>.dkr.ecr.<region>.amazonaws.com/<name>`. */
  readonly repositoryUrl: string;
  readonly repositoryArn: string;
  /** Lets a principal pull images from this repository only. */
  grantPull(principal: IGrantablePrincipal): void;
}

const ECR_PROPS = z.strictObject({
  name: z.string(),
  encryptionKey: constructRef<IKmsKey>("a KMS key (an object with keyArn)", ["keyArn"]).optional(),
  lifecycle: z
    .strictObject({
      keepLastImages: z.number().optional(),
      untaggedExpiryDays: z.number().optional(),
    })
    .optional(),
  allowDeletion: optOutSchema.optional(),
  ...refusedProtectionFlags,
  forceDelete: z.unknown().optional(),
  imageTagMutability: z.unknown().optional(),
  scanOnPush: z.unknown().optional(),
}) satisfies PropsSchema<EcrRepositoryProps>;

/** Pull: read the image manifest and layers. */
export const ECR_PULL_ACTIONS = [
  "ecr:BatchCheckLayerAvailability",
  "ecr:BatchGetImage",
  "ecr:GetDownloadUrlForLayer",
] as const;
/** Push: pull, plus upload layers and put the manifest (tags are immutable: no overwrite). */
export const ECR_PUSH_ACTIONS = [
  ...ECR_PULL_ACTIONS,
  "ecr:CompleteLayerUpload",
  "ecr:InitiateLayerUpload",
  "ecr:PutImage",
  "ecr:UploadLayerPart",
] as const;

/** An id for IAM statement ids: letters and digits only, PascalCase. */
export function sidPart(text: string): string {
  return text
    .split(/[^A-Za-z0-9]+/)
    .filter((p) => p !== "")
    .map((p) => p[0].toUpperCase() + p.slice(1))
    .join("");
}

/** Refuses a grantee that cannot take statements (a role ARN string, undefined, ...). */
export function checkPrincipal(
  scope: Construct,
  property: string,
  principal: unknown,
): IGrantablePrincipal {
  const p = principal as Partial<IGrantablePrincipal> | null | undefined;
  if (typeof p !== "object" || p === null || typeof p.addToPolicy !== "function") {
    invalid(
      scope,
      property,
      principal,
      "is not a principal that can be granted permissions",
      "pass an IAM role construct (an IGrantablePrincipal with roleArn and addToPolicy), e.g. an ECS service's taskRole",
    );
  }
  return p as IGrantablePrincipal;
}

/**
 * A private ECR repository: tags immutable (a tag names one image forever), every image scanned
 * on push, images encrypted with KMS, a lifecycle policy that keeps the last images and expires
 * untagged ones, protected from `terraform destroy` and never force-deleted unless
 * {@link EcrRepositoryProps.allowDeletion}. Grants are IAM statements on this repository only.
 */
export class EcrRepository extends Construct implements IEcrRepository {
  /** The repository (escape hatch). */
  readonly repository: EcrRepositoryResource;
  /** The lifecycle policy (escape hatch). */
  readonly lifecyclePolicy: EcrLifecyclePolicy;
  private readonly sid: string;
  /** One token for the ARN, so a repeated grant is the same statement. */
  private arn!: string;

  constructor(scope: Construct, id: string, props: EcrRepositoryProps) {
    super(scope, id);
    const stack = PlatformStack.of(this);
    checkProps(this, ECR_PROPS, props, "{ name: 'api' }");
    refuseProtectionFlags(this, props, "EcrRepository");
    if (Object.hasOwn(props, "forceDelete")) {
      invalid(
        this,
        "forceDelete",
        (props as unknown as Record<string, unknown>).forceDelete,
        "is not a prop of EcrRepository: images are never force-deleted by default",
        "remove it; to let Terraform delete the repository with its images, set allowDeletion: { reason }",
      );
    }
    for (const fixed of ["imageTagMutability", "scanOnPush"] as const) {
      if (Object.hasOwn(props, fixed)) {
        invalid(
          this,
          fixed,
          (props as unknown as Record<string, unknown>)[fixed],
          "is not a prop of EcrRepository: tags are always immutable and every push is scanned",
          "remove it; push a new tag (or pin by digest) instead of moving a tag",
        );
      }
    }
    const deletion = deletionPolicy(this, props.allowDeletion);
    if (typeof props.name !== "string" || props.name === "") {
      invalid(this, "name", props.name, "is missing", "pass a short name such as 'api'");
    }
    const name = stack.claimName(
      this,
      "name",
      "ecr-repository",
      checkName(this, "name", "ecr-repository", `${stack.prefix}-${props.name}`),
    );
    const keyArn =
      props.encryptionKey === undefined
        ? undefined
        : checkArn(this, "encryptionKey", props.encryptionKey.keyArn, "kms");
    const lifecycle = props.lifecycle ?? {};
    const keep = whole(this, "lifecycle.keepLastImages", lifecycle.keepLastImages ?? 30, 1, 1000);
    const untaggedDays = whole(
      this,
      "lifecycle.untaggedExpiryDays",
      lifecycle.untaggedExpiryDays ?? 7,
      1,
      3650,
    );
    this.sid = sidPart(name);

    this.repository = new EcrRepositoryResource(this, "repository", {
      name,
      imageTagMutability: "IMMUTABLE",
      imageScanningConfiguration: { scanOnPush: true },
      encryptionConfiguration: [{ encryptionType: "KMS", kmsKey: keyArn }],
      forceDelete: deletion.allowed,
      lifecycle: deletion.lifecycle(),
    });
    deletion.record(this.repository);
    this.arn = this.repository.arn;
    this.lifecyclePolicy = new EcrLifecyclePolicy(this, "lifecycle", {
      repository: this.repository.name,
      policy: JSON.stringify({
        rules: [
          {
            rulePriority: 1,
            description: `Expire untagged images after ${untaggedDays} days`,
            selection: {
              tagStatus: "untagged",
              countType: "sinceImagePushed",
              countUnit: "days",
              countNumber: untaggedDays,
            },
            action: { type: "expire" },
          },
          {
            rulePriority: 2,
            description: `Keep the last ${keep} images`,
            selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: keep },
            action: { type: "expire" },
          },
        ],
      }),
    });
  }

  /** The repository's name (`${prefix}-${name}`). */
  get repositoryName(): string {
    return this.repository.name;
  }

  /** The repository's ARN. */
  get repositoryArn(): string {
    return this.arn;
  }

  /** `<account>.dkr.ecr.<region>.amazonaws.com/<name>`, for image references. */
  get repositoryUrl(): string {
    return this.repository.repositoryUrl;
  }

  /**
   * Lets a principal pull images from this repository: the pull actions on this repository's ARN,
   * and `ecr:GetAuthorizationToken` on `*` (that action has no resource-level permission).
   */
  grantPull(principal: IGrantablePrincipal): void {
    const p = checkPrincipal(this, "grantPull(principal)", principal);
    for (const s of this.statements("Pull", ECR_PULL_ACTIONS)) p.addToPolicy(s);
  }

  /**
   * Lets a principal push images to this repository (and pull them): the upload actions on this
   * repository's ARN, and `ecr:GetAuthorizationToken` on `*`. Tags stay immutable.
   */
  grantPush(principal: IGrantablePrincipal): void {
    const p = checkPrincipal(this, "grantPush(principal)", principal);
    for (const s of this.statements("Push", ECR_PUSH_ACTIONS)) p.addToPolicy(s);
  }

  private statements(kind: string, actions: readonly string[]): PolicyStatement[] {
    return [
      {
        sid: `Ecr${kind}${this.sid}`,
        effect: "Allow",
        actions: [...actions],
        resources: [this.arn],
      },
      {
        sid: `EcrAuth${kind}${this.sid}`,
        effect: "Allow",
        actions: ["ecr:GetAuthorizationToken"],
        resources: ["*"],
      },
    ];
  }
}
