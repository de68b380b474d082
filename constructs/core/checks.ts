import type { IConstruct } from "constructs";
import { invalid } from "./errors";

/**
 * Checks of single values that several constructs share, each refusing with the same wording:
 * what the value is not, and what to write instead.
 */

/** `value` if it is one of `allowed`; refused with the list otherwise. */
export function oneOf<T extends string>(
  scope: IConstruct,
  property: string,
  value: unknown,
  allowed: readonly T[],
): T {
  if (!allowed.includes(value as T)) {
    invalid(
      scope,
      property,
      value,
      "is not an accepted value",
      `use one of ${allowed.map((a) => `"${a}"`).join(", ")}`,
    );
  }
  return value as T;
}

/** `value` if it is an integer from `min` to `max`, inclusive. */
export function integer(
  scope: IConstruct,
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
      `is outside ${min}–${max}`,
      `use an integer from ${min} to ${max}`,
    );
  }
  return value as number;
}

/** `value` if it is a whole number from `min` to `max`, inclusive, said in those words. */
export function whole(
  scope: IConstruct,
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
      `is not a whole number from ${min} to ${max}`,
      `give a whole number from ${min} to ${max}`,
    );
  }
  return value as number;
}

/** `value` if it is a boolean. */
export function boolean(scope: IConstruct, property: string, value: unknown): boolean {
  if (typeof value !== "boolean") {
    invalid(scope, property, value, "is not a boolean", "use true or false");
  }
  return value;
}
