import { z } from "zod";
import { Cidr } from "./cidr";

/**
 * Reusable zod schemas for environment configuration. Each custom message tells the user what to
 * write, since {@link parseConfig} shows it as the fix.
 */
export const cidrSchema = z.string().refine((v) => Cidr.tryParse(v) !== undefined, {
  message: 'use a CIDR network address with a prefix length, e.g. "10.10.0.0/20"',
});

export const labelsSchema = z.record(
  z
    .string()
    .regex(
      /^[a-z][a-z0-9_-]{0,62}$/,
      "use a label key: lowercase letter first, then [a-z0-9_-], at most 63",
    ),
  z.string().regex(/^[a-z0-9_-]{0,63}$/, "use a label value of [a-z0-9_-], at most 63 characters"),
);
