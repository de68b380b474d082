// First: every stack skips cdktf's per-token creation traces, whatever entry point builds it
// (runApp, a user's own app, cdktf's Testing helpers in a test).
import "./token-traces";
import type { Construct, IConstruct } from "constructs";
import { Aspects, GcsBackend, S3Backend, TerraformStack } from "cdktf";
import { z } from "zod";
import { parseConfig } from "./config";
import { invalid } from "./errors";
import { allowDeletionIn } from "./deletion";
import { acceptOptOut, type OptOut } from "./opt-out";
import { checkLabels, LabelsAspect } from "./labels";
import { checkName, NAME_RULES, type NameKind } from "./naming";
import { TerraformTextAspect } from "./terraform-text";

/** Where Terraform keeps the stack's state. */
export interface GcsBackendConfig {
  /** The backend type; GCS for GCP stacks. */
  readonly kind: "gcs";
  /** The state bucket; it must exist before `cdktf deploy` and should have versioning on. */
  readonly bucket: string;
  /** Path prefix inside the bucket, e.g. `trading-bot/prod`. */
  readonly prefix: string;
}

/** Terraform state in S3, for AWS stacks: encrypted, with a lock so two applies cannot race. */
export interface S3BackendConfig {
  /** The backend type; S3 for AWS stacks. */
  readonly kind: "s3";
  /** The state bucket; it must exist before `cdktf deploy`, with versioning and public access blocked. */
  readonly bucket: string;
  /** The state object's key, e.g. `signal-factory/prod/terraform.tfstate`. */
  readonly key: string;
  /** The bucket's region, e.g. `ap-northeast-2`. */
  readonly region: string;
  /**
   * A KMS key (ARN or alias ARN) the state is encrypted with.
   * @default the bucket's default encryption (SSE-S3); `encrypt` is always on
   */
  readonly kmsKeyId?: string;
  /**
   * A DynamoDB table for state locking, for Terraform before 1.10.
   * @default undefined: Terraform's own S3 lock file (`use_lockfile`, Terraform 1.10 or newer)
   */
  readonly dynamodbTable?: string;
}

export type BackendConfig = GcsBackendConfig | S3BackendConfig;

export interface PlatformStackProps {
  /** The system's name, first part of the stack name and the `system` label, e.g. `trading-bot`. */
  readonly system: string;
  /** The environment, second part of the stack name and the `environment` label, e.g. `prod`. */
  readonly environment: string;
  /**
   * For a system with several stacks per environment (its cloud resources, and a Kubernetes
   * stack beside them): a short word appended to the stack name, `<system>-<environment>-<part>`
   * (`dantaro-wallet-prod-k8s`), as the registry's stack parts name them.
   * @default none: the stack is `<system>-<environment>`
   */
  readonly part?: string;
  /**
   * Prefix of every cloud resource name in the stack (`${prefix}-vpc`).
   * @default `${system}-${environment}`
   */
  readonly prefix?: string;
  /**
   * Remote state backend. Required: a local backend would write the checkout's absolute path into
   * the JSON and keep state on one laptop.
   */
  readonly backend: BackendConfig;
  /** Extra labels for every resource, on top of `environment`, `system` and `managed-by`. @default {} */
  readonly labels?: Readonly<Record<string, string>>;
  /**
   * Regions the library's catalogue does not list yet (one opened after this release, say), each
   * with its zones and a reason. Every construct of the stack then accepts them where it checks a
   * region or zone, and the stack's JSON records each as an opt-out (`"//".opt_outs`,
   * `unlisted-region:<name>`) that the review report lists.
   * @default [] (only catalogued regions)
   */
  readonly unlistedRegions?: readonly UnlistedRegion[];
  /**
   * Lets every stateful construct of the stack (databases, buckets, secrets, registries, clusters)
   * be deleted by `cdktf destroy`: for dev and review environments that are torn down. Each
   * resource records the opt-out (`deletion-allowed`) with this reason, and the review lists it.
   * A construct's own `allowDeletion` still wins.
   * @default undefined (every deletion protection on)
   */
  readonly allowDeletion?: OptOut;
  /**
   * Where the stack's settings came from (`settings.json trading-bot.prod`), named in errors such
   * as two environments that resolve to one stack.
   * @default the stack id
   */
  readonly source?: string;
}

/** A region named by the user that the catalogue does not know, accepted with a reason. */
export interface UnlistedRegion {
  /** The region, e.g. `europe-north3`: lowercase `<area>-<name><digits>`. */
  readonly name: string;
  /** Its zone letters (`["a", "b", "c"]`), so zones can still be checked. */
  readonly zones: readonly string[];
  /** Why the region is used although unlisted: at least 20 characters. */
  readonly reason: string;
}

/** Prop names and types; the backend and unlisted regions get their own, more specific checks. */
const PLATFORM_STACK_PROPS = z.strictObject({
  system: z.string(),
  environment: z.string(),
  part: z.string().optional(),
  prefix: z.string().optional(),
  backend: z.unknown().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  unlistedRegions: z.unknown().optional(),
  allowDeletion: z.unknown().optional(),
  source: z.string().optional(),
});

const STACK_MARK = Symbol.for("platform.PlatformStack");
/** The source of each stack id already defined in an app, for the duplicate-stack error. */
const stackSources = new WeakMap<IConstruct, Map<string, string>>();

/**
 * A Terraform stack for one system in one environment. Its id is `${system}-${environment}`
 * (`-${part}` appended for a second stack of the environment); it
 * owns the naming prefix, the labels every resource gets, the remote backend, and a register of
 * names so two resources of a kind never share one.
 */
export class PlatformStack extends TerraformStack {
  /** Finds the PlatformStack a construct belongs to. */
  static override of(construct: IConstruct): PlatformStack {
    for (const scope of construct.node.scopes.slice().reverse()) {
      if ((scope as unknown as Record<symbol, unknown>)[STACK_MARK] === true) {
        return scope as PlatformStack;
      }
    }
    return invalid(
      construct,
      "scope",
      construct.node.path,
      "is not inside a PlatformStack",
      "create library constructs inside a PlatformStack (or a stack class derived from it)",
    );
  }

  readonly system: string;
  readonly environment: string;
  readonly prefix: string;
  /** The labels the stack's aspect applies to every labelled resource. */
  readonly labels: Readonly<Record<string, string>>;
  private readonly names = new Map<string, string>();
  private readonly unlisted = new Map<string, UnlistedRegion>();

  constructor(scope: Construct, props: PlatformStackProps) {
    const id = PlatformStack.stackId(scope, props);
    super(scope, id);
    Object.defineProperty(this, STACK_MARK, { value: true });
    this.system = props.system;
    this.environment = props.environment;
    this.prefix = checkName(this, "prefix", "prefix", props.prefix ?? id);
    this.labels = checkLabels(this, "labels", {
      ...(props.labels ?? {}),
      environment: this.environment,
      system: this.system,
      "managed-by": "cdktf",
    });
    this.configureBackend(props.backend);
    this.acceptUnlistedRegions(props.unlistedRegions);
    if (props.allowDeletion !== undefined) {
      allowDeletionIn(this, props.allowDeletion, "allowDeletion");
    }
    Aspects.of(this).add(new LabelsAspect(this.labels));
    // Last, so that it also sees what earlier aspects wrote.
    Aspects.of(this).add(new TerraformTextAspect());
  }

  /**
   * cdktf resolves every element once before synthesis only to discover references between
   * stacks (each found adds an output and a remote-state data source), then resolves them all
   * again to write the JSON: a quarter of a large stack's synth. An app with this stack alone
   * can hold no such reference, so there the first pass is skipped; with other stacks beside it,
   * cdktf's pass runs unchanged.
   */
  override prepareStack(): void {
    const stacks = this.node.root.node.findAll().filter((c) => TerraformStack.isStack(c));
    if (stacks.length === 1) {
      this.ensureBackendExists();
      return;
    }
    super.prepareStack();
  }

  /** The unlisted region of that name the stack accepted, if any. */
  unlistedRegion(name: string): UnlistedRegion | undefined {
    return this.unlisted.get(name);
  }

  private acceptUnlistedRegions(list: readonly UnlistedRegion[] | undefined): void {
    if (list === undefined) return;
    if (!Array.isArray(list)) {
      invalid(this, "unlistedRegions", list, "is not a list", "pass [{ name, zones, reason }]");
    }
    list.forEach((region, i) => {
      const p = `unlistedRegions[${i}]`;
      if (typeof region?.name !== "string" || !/^[a-z]+(-[a-z]+)+-?[0-9]{1,2}$/.test(region.name)) {
        invalid(
          this,
          `${p}.name`,
          region?.name,
          "is not a region name",
          'write e.g. "europe-north3"',
        );
      }
      if (this.unlisted.has(region.name)) {
        invalid(this, `${p}.name`, region.name, "is listed twice", "list each region once");
      }
      const zones: unknown = region.zones;
      if (
        !Array.isArray(zones) ||
        zones.length === 0 ||
        zones.some((z) => typeof z !== "string" || !/^[a-z]$/.test(z)) ||
        new Set(zones).size !== zones.length
      ) {
        invalid(
          this,
          `${p}.zones`,
          zones,
          "is not a list of distinct zone letters",
          'write e.g. ["a", "b", "c"]',
        );
      }
      acceptOptOut(this, p, { reason: region.reason });
      this.unlisted.set(region.name, {
        name: region.name,
        zones: [...region.zones],
        reason: region.reason.trim(),
      });
    });
    if (this.unlisted.size > 0) {
      this.addOverride(
        "//.opt_outs",
        [...this.unlisted.values()].map((r) => ({
          id: `unlisted-region:${r.name}`,
          reason: r.reason,
        })),
      );
    }
  }

  /** Checks system and environment before cdktf sees the id, so a bad one is a ValidationError. */
  private static stackId(scope: Construct, props: PlatformStackProps | undefined): string {
    const source = `${props?.system}-${props?.environment}`;
    if (props === undefined || props === null || typeof props !== "object") {
      invalid(
        "PlatformStack",
        "props",
        props,
        "are missing",
        "pass { system, environment, backend }",
      );
    }
    parseConfig(
      PLATFORM_STACK_PROPS,
      props,
      typeof props.source === "string" ? props.source : source,
      "prop",
    );
    checkName(source, "system", "prefix", props.system);
    checkName(source, "environment", "prefix", props.environment);
    if (props.part !== undefined && !/^[a-z][a-z0-9]{0,9}$/.test(props.part)) {
      invalid(
        source,
        "part",
        props.part,
        "is not a stack part",
        "use a short lowercase word such as k8s or gke (the stack is <system>-<environment>-<part>)",
      );
    }
    const id =
      props.part === undefined
        ? `${props.system}-${props.environment}`
        : `${props.system}-${props.environment}-${props.part}`;
    const here = typeof props.source === "string" ? props.source : id;
    const sources = stackSources.get(scope) ?? new Map<string, string>();
    stackSources.set(scope, sources);
    const first = sources.get(id);
    if (first !== undefined || scope.node.tryFindChild(id) !== undefined) {
      invalid(
        here,
        "environment",
        props.environment,
        `makes the stack "${id}", which ${first ?? "another construct of the app"} already defines`,
        "give each environment its own environment name; two settings entries must not describe one stack",
      );
    }
    sources.set(id, here);
    return id;
  }

  /**
   * Claims a cloud resource name of a kind for a construct; throws when another construct of the
   * stack already uses it (the API would reject the second one at deploy time).
   */
  claimName(owner: IConstruct, property: string, kind: NameKind, name: string): string {
    const key = `${kind}:${name}`;
    const holder = this.names.get(key);
    if (holder !== undefined) {
      invalid(
        owner,
        property,
        name,
        `is already used by another ${NAME_RULES[kind]?.label ?? kind} in this stack (${holder})`,
        "give each resource its own name",
      );
    }
    this.names.set(key, owner.node.path);
    return name;
  }

  private configureBackend(backend: BackendConfig | undefined): void {
    if (backend?.kind === "s3") return this.configureS3Backend(backend);
    if (backend === undefined || backend === null || backend.kind !== "gcs") {
      invalid(
        this,
        "backend",
        backend,
        "must be a remote backend",
        "pass { kind: 'gcs', bucket: 'my-state-bucket', prefix: 'system/env' } (GCP) or { kind: 's3', bucket, key, region } (AWS)",
      );
    }
    checkName(this, "backend.bucket", "bucket", backend.bucket);
    if (typeof backend.prefix !== "string" || !/^[a-z0-9][a-z0-9/_-]*$/.test(backend.prefix)) {
      invalid(
        this,
        "backend.prefix",
        backend.prefix,
        "is not a valid state prefix",
        "use lowercase letters, digits, '-', '_' and '/', e.g. 'trading-bot/prod'",
      );
    }
    new GcsBackend(this, { bucket: backend.bucket, prefix: backend.prefix });
  }

  private configureS3Backend(backend: S3BackendConfig): void {
    if (
      typeof backend.bucket !== "string" ||
      !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(backend.bucket)
    ) {
      invalid(
        this,
        "backend.bucket",
        backend.bucket,
        "is not an S3 bucket name",
        "use 3-63 lowercase letters, digits, '.' and '-'",
      );
    }
    if (
      typeof backend.key !== "string" ||
      !/^[A-Za-z0-9][A-Za-z0-9/_.-]*$/.test(backend.key) ||
      backend.key.includes("..")
    ) {
      invalid(
        this,
        "backend.key",
        backend.key,
        "is not a valid state key",
        "use e.g. 'signal-factory/prod/terraform.tfstate'",
      );
    }
    if (
      typeof backend.region !== "string" ||
      !/^[a-z]{2}(-gov)?-[a-z]+-[0-9]$/.test(backend.region)
    ) {
      invalid(
        this,
        "backend.region",
        backend.region,
        "is not an AWS region",
        "use e.g. 'ap-northeast-2'",
      );
    }
    if (
      backend.kmsKeyId !== undefined &&
      (typeof backend.kmsKeyId !== "string" || !/^arn:aws[a-z-]*:kms:/.test(backend.kmsKeyId))
    ) {
      invalid(
        this,
        "backend.kmsKeyId",
        backend.kmsKeyId,
        "is not a KMS key ARN",
        "use arn:aws:kms:<region>:<account>:key/<id> or an alias ARN",
      );
    }
    if (
      backend.dynamodbTable !== undefined &&
      (typeof backend.dynamodbTable !== "string" ||
        !/^[A-Za-z0-9_.-]{3,255}$/.test(backend.dynamodbTable))
    ) {
      invalid(
        this,
        "backend.dynamodbTable",
        backend.dynamodbTable,
        "is not a DynamoDB table name",
        "use 3-255 letters, digits, '_', '-' and '.'",
      );
    }
    new S3Backend(this, {
      bucket: backend.bucket,
      key: backend.key,
      region: backend.region,
      encrypt: true,
      ...(backend.kmsKeyId ? { kmsKeyId: backend.kmsKeyId } : {}),
      ...(backend.dynamodbTable ? { dynamodbTable: backend.dynamodbTable } : {}),
    });
    // cdktf 0.21 predates S3's native lock file; Terraform 1.10+ reads use_lockfile.
    if (!backend.dynamodbTable) this.addOverride("terraform.backend.s3.use_lockfile", true);
  }
}
