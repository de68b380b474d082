import type { Resource, RuleContext, SynthStack } from "./types";
import type { Json } from "./types";
import { get, referenceOf, referencedAddresses, withDynamicBlocks } from "./values";

/**
 * The stack as the rules read it: every resource's `dynamic` blocks expanded into the blocks they
 * produce ({@link withDynamicBlocks}). The file text stays, for SARIF line numbers.
 */
export function normalizedStack(stack: SynthStack): SynthStack {
  const norm = (r: Resource): Resource =>
    JSON.stringify(r.config).includes('"dynamic"')
      ? { ...r, config: withDynamicBlocks(r.config) as Json }
      : r;
  const resources = stack.resources.map(norm);
  const data = stack.data.map(norm);
  return {
    ...stack,
    resources,
    data,
    byAddress: new Map([...resources, ...data].map((r) => [r.address, r])),
  };
}

/** The read-only view of a stack the rules get. */
export function contextOf(stack: SynthStack): RuleContext {
  return {
    stack,
    resolve: (value) => {
      const address = referenceOf(value);
      return address ? stack.byAddress.get(address) : undefined;
    },
    referencing: (target, types, options = {}) =>
      stack.resources.filter((r) => {
        if (!types.includes(r.type)) return false;
        const values = options.attrs
          ? options.attrs.map((a) => get(r.config, a))
          : Object.entries(r.config)
              .filter(([k]) => k !== "//" && k !== "depends_on")
              .map(([, v]) => v);
        return values.some(
          (v) =>
            referencedAddresses(v).includes(target.address) ||
            (options.literal !== undefined && typeof v === "string" && v === options.literal),
        );
      }),
  };
}

/** The resources of a stack of one of the given types. */
export function ofTypes(stack: SynthStack, types: readonly string[]): Resource[] {
  return stack.resources.filter((r) => types.includes(r.type));
}
