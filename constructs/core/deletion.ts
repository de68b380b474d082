import { OPT_OUT_IDS } from "../../vocabulary";
import type { IConstruct } from "constructs";
import type { TerraformElement, TerraformResourceLifecycle } from "cdktf";
import { invalid } from "./errors";
import { acceptOptOut, recordOptOut, type OptOut } from "./opt-out";

/** The opt-out id recorded on a stateful resource whose deletion protections were turned off. */
export const DELETION_ALLOWED = OPT_OUT_IDS.deletionAllowed;

/**
 * Props that would switch a deletion protection off by a boolean. No construct takes them: the
 * protections are on, and turning them off goes through `allowDeletion: { reason }`.
 */
const PROTECTION_FLAGS = ["deletionProtection", "preventDestroy", "forceDestroy"] as const;

/**
 * How a stateful construct (database, bucket, secret, registry) protects its resources from
 * deletion, as decided by its `allowDeletion` prop. One mechanism for every such construct: the
 * opt-out is checked the same way, the protections are dropped together and the decision is
 * recorded on each resource as `deletion-allowed` with its reason.
 */
export interface DeletionPolicy {
  /** True when `allowDeletion: { reason }` was given. */
  readonly allowed: boolean;
  /** The accepted opt-out, when {@link allowed}. */
  readonly optOut: OptOut | undefined;
  /** The value for a provider's deletion-protection flag: `true` unless {@link allowed}. */
  readonly protect: boolean;
  /**
   * The resource's `lifecycle`: `extra` plus `preventDestroy: true` unless {@link allowed};
   * `undefined` when that leaves nothing to set. A new object on every call.
   */
  lifecycle(extra?: TerraformResourceLifecycle): TerraformResourceLifecycle | undefined;
  /** Records the opt-out (`deletion-allowed`) on `resource`; does nothing unless {@link allowed}. */
  record(resource: TerraformElement): void;
}

/** The stack-wide `allowDeletion` of each stack that set one (see {@link allowDeletionIn}). */
const scopeDeletion = new WeakMap<IConstruct, OptOut>();

/**
 * Lets every stateful construct under `scope` be deleted, for an environment that is torn down
 * (dev, review): the stack-wide `allowDeletion` of `PlatformStackProps`. A construct's own
 * `allowDeletion` still wins; each resource records the opt-out with this reason. The reason is
 * checked here, once.
 */
export function allowDeletionIn(scope: IConstruct, allowDeletion: OptOut, property: string): void {
  if (acceptOptOut(scope, property, allowDeletion)) scopeDeletion.set(scope, allowDeletion);
}

/** The innermost stack-wide `allowDeletion` above `scope`, if any. */
function inheritedDeletion(scope: IConstruct): OptOut | undefined {
  for (const s of scope.node.scopes.slice().reverse()) {
    const found = scopeDeletion.get(s);
    if (found) return found;
  }
  return undefined;
}

/**
 * Checks `allowDeletion` (a reason of the minimum length, as every opt-out) and returns the
 * {@link DeletionPolicy} that follows from it. Without one, the stack-wide `allowDeletion` of
 * the stack the construct is in applies ({@link allowDeletionIn}).
 */
export function deletionPolicy(
  scope: IConstruct,
  own: OptOut | undefined,
  property = "allowDeletion",
): DeletionPolicy {
  const allowDeletion = own ?? inheritedDeletion(scope);
  const allowed =
    own === undefined ? allowDeletion !== undefined : acceptOptOut(scope, property, own);
  const optOut = allowed ? allowDeletion : undefined;
  return {
    allowed,
    optOut,
    protect: !allowed,
    lifecycle(extra?: TerraformResourceLifecycle) {
      const set = Object.entries(extra ?? {}).filter(([, v]) => v !== undefined);
      const lifecycle: TerraformResourceLifecycle = {
        ...(allowed ? {} : { preventDestroy: true }),
        ...Object.fromEntries(set),
      };
      return Object.keys(lifecycle).length > 0 ? lifecycle : undefined;
    },
    record(resource: TerraformElement) {
      if (optOut) recordOptOut(resource, DELETION_ALLOWED, optOut);
    },
  };
}

/**
 * Refuses `deletionProtection`, `preventDestroy` and `forceDestroy` in props (they reach a
 * construct only from untyped callers, such as a settings file), so that `false` there is never
 * silently ignored: the protections are turned off with `allowDeletion: { reason }` only.
 */
export function refuseProtectionFlags(scope: IConstruct, props: object, what: string): void {
  for (const flag of PROTECTION_FLAGS) {
    if (!Object.prototype.hasOwnProperty.call(props, flag)) continue;
    const value: unknown = (props as Record<string, unknown>)[flag];
    invalid(
      scope,
      flag,
      value,
      `is not a prop of ${what}: its deletion protections are always on`,
      flag === "forceDestroy"
        ? "remove it; nothing is force-destroyed (empty a bucket before deleting it); to let Terraform delete the resource, set allowDeletion: { reason }"
        : "remove it; to let Terraform delete the resource (dev and review environments), set allowDeletion: { reason }",
    );
  }
}
