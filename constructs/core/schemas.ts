import { z } from "zod";
import { MIN_REASON_LENGTH } from "../../vocabulary";
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

/**
 * The stack-wide `allowDeletion` of an environment's settings: for an environment that is torn
 * down (dev, review), lets `cdktf destroy` delete its stateful resources; each records the reason
 * (help/deploying.md). Never in prod.
 */
export const allowDeletionSchema = z
  .object({
    reason: z
      .string()
      .refine(
        (r) => r.trim().length >= MIN_REASON_LENGTH,
        `write why this environment may be destroyed, at least ${MIN_REASON_LENGTH} characters, e.g. "review environment, destroyed when its pull request closes"`,
      ),
  })
  .strict()
  .describe(
    "For an environment that is torn down: lets cdktf destroy delete its stateful resources, recorded with this reason.",
  );
