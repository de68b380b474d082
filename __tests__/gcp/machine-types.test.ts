import { ValidationError } from "../../constructs/core/errors";
import { optOutsOf } from "../../constructs/core/opt-out";
import {
  checkMachineType,
  closestMachineTypes,
  knownMachineTypes,
} from "../../constructs/gcp/machine-types";
import { type VmProps } from "../../constructs/gcp/vm";
import { reasonRecords } from "../../policy/engine";
import { parseStack } from "../../policy/load";
import { helpExampleStack } from "../helpers/help";
import { findResource, synthWithComments, testStack } from "../helpers/synth";
import { instanceOf, setup } from "../helpers/vm";

describe("Vm machine types", () => {
  it.each([
    "e2-standard-4",
    "e2-medium",
    "e2-highcpu-16",
    "n2-standard-8",
    "n2d-highmem-4",
    "c3-standard-4",
    "n1-standard-1",
    "e2-custom-4-16384",
    "n2-custom-36-36864",
    "n2d-custom-16-8192",
  ])("accepts machine type %s", (machineType) => {
    const { stack } = setup({ machineType });
    expect(instanceOf(stack).machine_type).toBe(machineType);
  });

  it.each<[Partial<VmProps>, RegExp]>([
    [
      { machineType: "e2-standard-3" },
      /machineType = "e2-standard-3" is not a size of e2-standard.*e2-standard-2, e2-standard-4/s,
    ],
    [
      { machineType: "foo" },
      /machineType = "foo" is not a known Compute Engine machine type.*e2-standard-4/s,
    ],
    [{ machineType: "e2-custom-3-4096" }, /e2-custom-3-4096" has a vCPU count.*even number/s],
    [{ machineType: "e2-custom-4-100000" }, /has 100000 MB of memory for 4 vCPUs.*2048 to 32768/s],
    [{ machineType: "n2d-custom-24-24576" }, /vCPU count n2d-custom does not offer/],
  ])("rejects machine type %p", (overrides, message) => {
    expect(() => setup(overrides)).toThrow(message);
  });
});

const REASON = "n4d is GA in us-central1-a, checked by the platform team (OPS-42)";

function errorOf(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error("no error thrown");
}

describe("Vm machine types outside the catalogue", () => {
  it.each<[string, string]>([
    ["n4d-standard-4", "the closest known are n2d-standard-4, n4-standard-4, n1-standard-4"],
    ["c4a-standard-8", "the closest known are c4-standard-8, n4-standard-8, c2-standard-8"],
    ["e2-standrad-4", "the closest known are e2-standard-4, e2-standard-2, e2-standard-8"],
    ["e2-custom-3-4096", "the closest are e2-custom-2-4096, e2-custom-4-4096"],
    ["e2-custom-4-100000", "the closest are e2-custom-4-32768"],
    ["n2d-custom-24-24576", "the closest are n2d-custom-16-24576, n2d-custom-32-24576"],
  ])("refuses %s, naming the closest known types and the opt-out", (machineType, closest) => {
    const error = errorOf(() => setup({ machineType }));
    expect(error.property).toBe("machineType");
    expect(error.value).toBe(machineType);
    expect(error.fix).toContain(closest);
    expect(error.fix).toContain("allowUnknownMachineType: { reason:");
  });

  it("accepts an unknown type with a reason and records the opt-out on the instance", () => {
    const { stack, vm } = setup({
      machineType: "n4d-standard-4",
      allowUnknownMachineType: { reason: REASON },
    });
    const instance = findResource(synthWithComments(stack), "google_compute_instance");
    expect(instance.machine_type).toBe("n4d-standard-4");
    expect(instance["//"]).toMatchObject({
      opt_outs: [{ id: "unknown-machine-type", reason: REASON }],
    });
    expect(optOutsOf(vm.instance)).toEqual([{ id: "unknown-machine-type", reason: REASON }]);
  });

  it("lists the accepted type in the review report's opt-outs", () => {
    const { stack } = setup({
      machineType: "e2-custom-3-4096",
      allowUnknownMachineType: { reason: REASON },
    });
    const records = reasonRecords([parseStack("test-dev", synthWithComments(stack))], "opt_outs");
    expect(records).toEqual([
      expect.objectContaining({
        id: "unknown-machine-type",
        reason: REASON,
        address: expect.stringMatching(/^google_compute_instance\./),
      }),
    ]);
  });

  it("records nothing for a known type, even with the opt-out given", () => {
    const { stack, vm } = setup({
      machineType: "e2-standard-4",
      allowUnknownMachineType: { reason: REASON },
    });
    expect(optOutsOf(vm.instance)).toEqual([]);
    const instance = findResource(synthWithComments(stack), "google_compute_instance");
    expect(instance["//"]).not.toHaveProperty("opt_outs");
  });

  it("refuses an opt-out without a real reason, whatever the type", () => {
    for (const machineType of ["n4d-standard-4", "e2-standard-4"]) {
      const error = errorOf(() =>
        setup({ machineType, allowUnknownMachineType: { reason: "new" } }),
      );
      expect(error.property).toBe("allowUnknownMachineType.reason");
      expect(error.problem).toMatch(/is too short/);
    }
  });

  it.each<[unknown, RegExp]>([
    ["E2-STANDARD-4", /machineType = "E2-STANDARD-4" is not a machine type.*e2-standard-4/s],
    ["e2-standard-4 ", /is not a machine type/],
    ["${var.machine_type}", /is not a machine type/],
    ["e2-standard-4; reboot", /is not a machine type/],
    ["-e2", /is not a machine type/],
    [42, /machineType = 42 is not a machine type/],
    [undefined, /machineType = undefined is not a machine type/],
  ])("refuses %p even with the opt-out: it is not a machine type name", (machineType, message) => {
    const error = errorOf(() =>
      setup({ machineType: machineType as string, allowUnknownMachineType: { reason: REASON } }),
    );
    expect(error.message).toMatch(message);
  });
});

describe("the machine type catalogue", () => {
  const stack = testStack();

  it("accepts every type it lists, without an opt-out", () => {
    const known = knownMachineTypes();
    expect(known).toEqual(expect.arrayContaining(["e2-medium", "n2-highmem-8", "c3-standard-4"]));
    for (const type of known) {
      expect(checkMachineType(stack, "machineType", type, undefined)).toEqual({
        machineType: type,
      });
    }
  });

  it("names a known type as its own closest", () => {
    for (const type of knownMachineTypes()) {
      expect(closestMachineTypes(type)[0]).toBe(type);
    }
  });

  it("returns the opt-out that accepted an unknown type, for the caller to record", () => {
    const optOut = { reason: REASON };
    expect(checkMachineType(stack, "machineType", "z3-highmem-88", optOut)).toEqual({
      machineType: "z3-highmem-88",
      acceptedUnknown: optOut,
    });
  });

  it("names the opt-out prop the caller gives in the fix", () => {
    const error = errorOf(() =>
      checkMachineType(stack, "vm.machineType", "z3-highmem-88", undefined, "vm.allowUnknown"),
    );
    expect(error.property).toBe("vm.machineType");
    expect(error.fix).toContain("pass vm.allowUnknown: { reason:");
  });

  it("suggests valid custom types for any vCPU count", () => {
    expect(closestMachineTypes("e2-custom-0-0")).toEqual(["e2-custom-2-1024"]);
    expect(closestMachineTypes("n2-custom-200-4096")).toEqual(["n2-custom-128-65536"]);
    expect(closestMachineTypes("e2-custom-999999999999-1")).toEqual(["e2-custom-32-16384"]);
  });
});

describe("help example: vm.md, an unknown machine type", () => {
  it("runs the page's code: the type is used and its opt-out recorded", () => {
    const stack = helpExampleStack("vm.md", 2);
    const instance = findResource(synthWithComments(stack), "google_compute_instance");
    expect(instance).toMatchObject({
      name: "batch-prod-worker",
      machine_type: "n4d-standard-4",
      "//": { opt_outs: [{ id: "unknown-machine-type", reason: expect.stringMatching(/^n4d/) }] },
    });
  });
});
