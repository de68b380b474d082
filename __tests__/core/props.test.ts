import { z } from "zod";
import { checkProps, constructRef } from "../../constructs/core/props";
import { RegionalPlatform } from "../../constructs/gcp/region";
import { ServiceAccount } from "../../constructs/gcp/service-account";
import { testStack } from "../helpers/synth";

describe("checkProps (run-time props validation)", () => {
  const schema = z.strictObject({
    name: z.string(),
    enabled: z.boolean().optional(),
    days: z.number().optional(),
    network: constructRef<{ subnet(): void }>("a Network", ["subnet"]).optional(),
  });
  const check = (props: unknown) => checkProps(testStack(), schema, props, "{ name: 'x' }");

  it.each([
    [
      { name: "x", enabled: "false" },
      /enabled = "false" has the wrong type\.\n {2}Fix: give a boolean, not the string "false"/,
    ],
    [
      { name: "x", days: "30" },
      /days = "30" has the wrong type\.\n {2}Fix: give a number, not the string "30"/,
    ],
    [{ name: 42 }, /name = 42 has the wrong type\.\n {2}Fix: give a string, not the number 42/],
    [{ name: "x", nmae: "y" }, /nmae = \["nmae"\] is not a known prop/],
    [{ name: "x", network: "vpc" }, /network = "vpc" is invalid\.\n {2}Fix: pass a Network/],
    [null, /props = null are missing\.\n {2}Fix: pass \{ name: 'x' \}/],
    [[], /props = \[\] are missing/],
  ])("refuses %j", (props, message) => {
    expect(() => check(props)).toThrow(message);
  });

  it("names every bad prop at once", () => {
    expect(() => check({ name: 1, enabled: "yes", days: null })).toThrow(
      /name = 1 has the wrong type[\s\S]*enabled = "yes" has the wrong type[\s\S]*days = null has the wrong type/,
    );
  });

  it("accepts valid props and returns them", () => {
    expect(check({ name: "x", enabled: true, days: 3 })).toEqual({
      name: "x",
      enabled: true,
      days: 3,
    });
  });

  it("is what ServiceAccount runs first: a JavaScript caller gets the type named", () => {
    const stack = testStack();
    expect(
      () => new ServiceAccount(stack, "sa", { name: "runner", displayName: 7 } as never),
    ).toThrow(
      /test-dev\/sa: displayName = 7 has the wrong type\.\n {2}Fix: give a string, not the number 7/,
    );
    expect(
      () => new ServiceAccount(stack, "sb", { name: "runner", descripton: "x" } as never),
    ).toThrow(/descripton = \["descripton"\] is not a known prop/);
  });
});

describe("props checks of PlatformStack and RegionalPlatform", () => {
  it("PlatformStack refuses a wrong type or an unknown prop with the stack named", () => {
    expect(() => testStack({ labels: { team: 7 } } as never)).toThrow(
      /labels\.team = 7 has the wrong type\.\n {2}Fix: give a string, not the number 7/,
    );
    expect(() => testStack({ lables: {} } as never)).toThrow(
      /lables = \["lables"\] is not a known prop/,
    );
  });

  it("RegionalPlatform refuses a string where a Network belongs and a misspelt region field", () => {
    const stack = testStack();
    const spec = { region: "us-central1", machineType: "e2-small", databaseTier: "db-f1-micro" };
    expect(
      () =>
        new RegionalPlatform(stack, "p", {
          network: "vpc",
          primary: { ...spec, zoen: "us-central1-a" },
          vm: {},
          database: {},
        } as never),
    ).toThrow(
      /network = "vpc" is invalid\.\n {2}Fix: pass a Network[\s\S]*primary\.zoen = \["zoen"\] is not a known prop/,
    );
  });
});

describe("RegionalPlatform names the prop the user wrote", () => {
  it.each([
    ["primary", /p: primary\.databaseTier = "db-huge" is not a Cloud SQL for PostgreSQL tier/],
    ["backup", /p: backups\[0\]\.databaseTier = "db-huge" is not a Cloud SQL for PostgreSQL tier/],
  ])("for a bad %s database tier", (which, message) => {
    const stack = testStack();
    const good = { region: "us-central1", machineType: "e2-small", databaseTier: "db-g1-small" };
    const bad = { region: "us-east1", machineType: "e2-small", databaseTier: "db-huge" };
    expect(
      () =>
        new RegionalPlatform(stack, "p", {
          network: { subnet: () => ({}) },
          primary: which === "primary" ? { ...bad, region: "us-central1" } : good,
          backups: which === "backup" ? [bad] : [],
          vm: {},
          database: {},
        } as never),
    ).toThrow(message);
  });
});
