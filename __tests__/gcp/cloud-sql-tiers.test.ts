import { SHARED_CORE_TIERS, checkTier } from "../../constructs/gcp/cloud-sql-tiers";
import { checkTier as fromCloudSql } from "../../constructs/gcp/cloud-sql";

describe("checkTier", () => {
  test("checkTier accepts real tiers", () => {
    for (const tier of ["db-f1-micro", "db-g1-small", "db-custom-1-3840", "db-custom-96-638976"]) {
      expect(checkTier("test", "tier", tier)).toBe(tier);
    }
    expect(SHARED_CORE_TIERS).toEqual(["db-f1-micro", "db-g1-small"]);
  });

  test("stays importable from cloud-sql", () => {
    expect(fromCloudSql).toBe(checkTier);
  });

  test.each([
    ["db-custom-98-393216", /has 98 vCPUs/],
    ["db-custom-1-3584", /has 3584 MB of memory.*\n.*3840–6656 MB/],
    ["db-custom-4-27136", /has 27136 MB of memory.*\n.*3840–26624 MB/],
    ["db-n1-standard-2", /is not a Cloud SQL for PostgreSQL tier/],
    [42, /tier = 42 is not a Cloud SQL for PostgreSQL tier/],
  ])("refuses %p", (tier, message) => {
    expect(() => checkTier("test", "tier", tier)).toThrow(message);
  });
});
