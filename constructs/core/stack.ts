import type { Construct, IConstruct } from "constructs";
import { Aspects, GcsBackend, TerraformStack } from "cdktf";
import { invalid } from "./errors";
import { checkLabels, LabelsAspect } from "./labels";
import { checkName, type NameKind } from "./naming";

/** Where Terraform keeps the stack's state. */
export interface GcsBackendConfig {
  /** The backend type; GCS for GCP stacks. */
  readonly kind: "gcs";
  /** The state bucket; it must exist before `cdktf deploy` and should have versioning on. */
  readonly bucket: string;
  /** Path prefix inside the bucket, e.g. `trading-bot/prod`. */
  readonly prefix: string;
}

export type BackendConfig = GcsBackendConfig;

export interface PlatformStackProps {
  /** The system's name, first part of the stack name and the `system` label, e.g. `trading-bot`. */
  readonly system: string;
  /** The environment, second part of the stack name and the `environment` label, e.g. `prod`. */
  readonly environment: string;
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
}

const STACK_MARK = Symbol.for("platform.PlatformStack");

/**
 * A Terraform stack for one system in one environment. Its id is `${system}-${environment}`; it
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

  constructor(scope: Construct, props: PlatformStackProps) {
    const id = PlatformStack.stackId(props);
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
    Aspects.of(this).add(new LabelsAspect(this.labels));
  }

  /** Checks system and environment before cdktf sees the id, so a bad one is a ValidationError. */
  private static stackId(props: PlatformStackProps | undefined): string {
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
    checkName(source, "system", "prefix", props.system);
    checkName(source, "environment", "prefix", props.environment);
    return `${props.system}-${props.environment}`;
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
        `is already used by another ${kind} in this stack (${holder})`,
        "give each resource its own name",
      );
    }
    this.names.set(key, owner.node.path);
    return name;
  }

  private configureBackend(backend: BackendConfig | undefined): void {
    if (backend === undefined || backend === null || backend.kind !== "gcs") {
      invalid(
        this,
        "backend",
        backend,
        "must be a remote backend",
        "pass { kind: 'gcs', bucket: 'my-state-bucket', prefix: 'system/env' }",
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
}
