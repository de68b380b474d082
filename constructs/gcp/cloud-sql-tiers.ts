import { type ErrorSource, invalid } from "../core/errors";

/** The shared-core tiers: a fraction of a vCPU, for development and tests. */
export const SHARED_CORE_TIERS: readonly string[] = ["db-f1-micro", "db-g1-small"];
const CUSTOM_TIER = /^db-custom-(\d+)-(\d+)$/;

/**
 * Checks a Cloud SQL for PostgreSQL Enterprise tier: `db-f1-micro`, `db-g1-small`, or
 * `db-custom-<vCPUs>-<MB>` with 1 or an even 2–96 vCPUs and 0.9–6.5 GB per vCPU, in multiples of
 * 256 MB and at least 3840 MB.
 */
export function checkTier(source: ErrorSource, property: string, tier: unknown): string {
  const example = 'use "db-custom-<vCPUs>-<MB>" such as "db-custom-2-8192", or "db-g1-small"';
  if (typeof tier === "string" && SHARED_CORE_TIERS.includes(tier)) return tier;
  const match = typeof tier === "string" ? CUSTOM_TIER.exec(tier) : null;
  if (!match) {
    return invalid(source, property, tier, "is not a Cloud SQL for PostgreSQL tier", example);
  }
  const cpus = Number(match[1]);
  const mb = Number(match[2]);
  if (!(cpus === 1 || (cpus % 2 === 0 && cpus >= 2 && cpus <= 96))) {
    invalid(
      source,
      property,
      tier,
      `has ${cpus} vCPUs`,
      "use 1 or an even number from 2 to 96 vCPUs",
    );
  }
  const low = Math.max(3840, Math.ceil((0.9 * 1024 * cpus) / 256) * 256);
  const high = Math.floor((6.5 * 1024 * cpus) / 256) * 256;
  if (mb % 256 !== 0 || mb < low || mb > high) {
    invalid(
      source,
      property,
      tier,
      `has ${mb} MB of memory, not a multiple of 256 MB between 0.9 and 6.5 GB per vCPU (at least 3840 MB)`,
      `use ${low}–${high} MB in steps of 256 for ${cpus} vCPU${cpus === 1 ? "" : "s"}`,
    );
  }
  return tier as string;
}
