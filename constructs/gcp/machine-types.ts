import type { IConstruct } from "constructs";
import { invalid } from "../core/errors";
import { acceptOptOut, type OptOut } from "../core/opt-out";
import { distance } from "fastest-levenshtein";

/**
 * The Compute Engine machine types the library knows: predefined sizes per family and class,
 * the shared-core types, and the custom types of E2, N2 and N2D. A type outside this catalogue
 * is refused with the closest known names, unless the caller accepts it with a reasoned opt-out
 * (Compute Engine adds families and sizes faster than any list is updated).
 */

/** Machine type sizes (vCPUs) per family and class, from the Compute Engine machine families. */
const PREDEFINED: Readonly<Record<string, Readonly<Record<string, readonly number[]>>>> = {
  e2: { standard: [2, 4, 8, 16, 32], highmem: [2, 4, 8, 16], highcpu: [2, 4, 8, 16, 32] },
  n1: {
    standard: [1, 2, 4, 8, 16, 32, 64, 96],
    highmem: [2, 4, 8, 16, 32, 64, 96],
    highcpu: [2, 4, 8, 16, 32, 64, 96],
  },
  n2: {
    standard: [2, 4, 8, 16, 32, 48, 64, 80, 96, 128],
    highmem: [2, 4, 8, 16, 32, 48, 64, 80, 96, 128],
    highcpu: [2, 4, 8, 16, 32, 48, 64, 80, 96],
  },
  n2d: {
    standard: [2, 4, 8, 16, 32, 48, 64, 80, 96, 128, 224],
    highmem: [2, 4, 8, 16, 32, 48, 64, 80, 96],
    highcpu: [2, 4, 8, 16, 32, 48, 64, 80, 96, 128, 224],
  },
  n4: triple([2, 4, 8, 16, 32, 48, 64, 80]),
  c2: { standard: [4, 8, 16, 30, 60] },
  c2d: triple([2, 4, 8, 16, 32, 56, 112]),
  c3: triple([4, 8, 22, 44, 88, 176]),
  c3d: triple([4, 8, 16, 30, 60, 90, 180, 360]),
  c4: triple([2, 4, 8, 16, 24, 32, 48, 96, 144, 192, 288]),
  t2d: { standard: [1, 2, 4, 8, 16, 32, 48, 60] },
};
const SHARED_CORE = ["e2-micro", "e2-small", "e2-medium", "f1-micro", "g1-small"];
/** Custom machine types: allowed vCPU counts; memory is 0.5–8 GB per vCPU in 256 MB steps. */
const CUSTOM_VCPUS: Readonly<Record<string, (n: number) => boolean>> = {
  e2: (n) => n >= 2 && n <= 32 && n % 2 === 0,
  n2: (n) => (n >= 2 && n <= 32 && n % 2 === 0) || (n > 32 && n <= 128 && n % 4 === 0),
  n2d: (n) => [2, 4, 8].includes(n) || (n >= 16 && n <= 96 && n % 16 === 0),
};
const CUSTOM_VCPU_RULES: Readonly<Record<string, string>> = {
  e2: "use an even number of vCPUs from 2 to 32",
  n2: "use an even number of vCPUs up to 32, or a multiple of 4 up to 128",
  n2d: "use 2, 4, 8 or a multiple of 16 up to 96 vCPUs",
};
/** The largest vCPU count any custom family offers: the search range for the closest ones. */
const MAX_CUSTOM_VCPUS = 128;
const MB_STEP = 256;
/**
 * What a machine type name may look like at all, known or not: lowercase letters, digits and
 * hyphens, a letter first, at most 63 characters. Also what keeps an accepted unknown type from
 * carrying anything but a name into the JSON.
 */
const MACHINE_TYPE_NAME = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
const CLOSEST_COUNT = 3;
/** How a known machine type is written, for the messages. */
const FORMAT = `use <family>-<standard|highmem|highcpu>-<vCPUs> (e.g. e2-standard-4) from families ${Object.keys(PREDEFINED).join(", ")}, a shared-core type (${SHARED_CORE.join(", ")}) or <e2|n2|n2d>-custom-<vCPUs>-<MB> (e.g. e2-custom-4-16384)`;

function triple(sizes: readonly number[]): Record<string, readonly number[]> {
  return { standard: sizes, highmem: sizes, highcpu: sizes };
}

/** The result of {@link checkMachineType}. */
export interface CheckedMachineType {
  /** The machine type, as given. */
  readonly machineType: string;
  /**
   * The opt-out that accepted a type outside the catalogue, to record on the instance; undefined
   * for a known type (an opt-out given for a known type is not recorded).
   */
  readonly acceptedUnknown?: OptOut;
}

/** Every predefined and shared-core machine type of the catalogue, family by family. */
export function knownMachineTypes(): readonly string[] {
  const names = Object.entries(PREDEFINED).flatMap(([family, classes]) =>
    Object.entries(classes).flatMap(([kind, sizes]) => sizes.map((n) => `${family}-${kind}-${n}`)),
  );
  return [...SHARED_CORE, ...names];
}

/**
 * Up to three known machine types closest to `type` by edit distance (ties in catalogue order),
 * the nearest first. For a custom type of a known family, the valid custom types nearest in vCPUs
 * and memory.
 */
export function closestMachineTypes(type: string): string[] {
  const wanted = type.toLowerCase();
  const custom = /^(e2|n2|n2d)-custom-([0-9]+)-([0-9]+)$/.exec(wanted);
  if (custom) return closestCustom(custom[1], Number(custom[2]), Number(custom[3]));
  return knownMachineTypes()
    .map((name, index) => ({ name, index, distance: distance(wanted, name) }))
    .sort((a, b) => a.distance - b.distance || a.index - b.index)
    .slice(0, CLOSEST_COUNT)
    .map((m) => m.name);
}

/**
 * Checks a machine type against the catalogue. A type the catalogue lacks throws a
 * ValidationError naming the closest known types, unless `allowUnknown` (the prop
 * `allowProperty`) accepts it with a reason; then it is returned with that opt-out for the caller
 * to record. A value that is not a machine type name at all is refused even then.
 */
export function checkMachineType(
  scope: IConstruct,
  property: string,
  type: unknown,
  allowUnknown: OptOut | undefined,
  allowProperty = "allowUnknownMachineType",
): CheckedMachineType {
  const optOut = acceptOptOut(scope, allowProperty, allowUnknown) ? allowUnknown : undefined;
  if (typeof type !== "string" || !MACHINE_TYPE_NAME.test(type)) {
    const closest = typeof type === "string" ? closestMachineTypes(type) : [];
    invalid(
      scope,
      property,
      type,
      "is not a machine type",
      `${closest.length > 0 ? `the closest known are ${closest.join(", ")}; ` : ""}${FORMAT}`,
    );
  }
  const problem = catalogueProblem(type);
  if (problem === undefined) return { machineType: type };
  if (optOut) return { machineType: type, acceptedUnknown: optOut };
  return invalid(
    scope,
    property,
    type,
    problem.problem,
    `${problem.fix}; or, for a type Compute Engine offers that this catalogue lacks, pass ${allowProperty}: { reason: "<why this type, who checked it exists>" }`,
  );
}

/** Why `type` is not in the catalogue and what to use instead; undefined when it is. */
function catalogueProblem(type: string): { problem: string; fix: string } | undefined {
  if (SHARED_CORE.includes(type)) return undefined;
  const custom = /^(e2|n2|n2d)-custom-([0-9]+)-([0-9]+)$/.exec(type);
  if (custom) {
    const [, family, cpuText, memText] = custom;
    const cpus = Number(cpuText);
    const mb = Number(memText);
    const closest = `the closest are ${closestCustom(family, cpus, mb).join(", ")}`;
    if (!CUSTOM_VCPUS[family](cpus)) {
      return {
        problem: `has a vCPU count ${family}-custom does not offer`,
        fix: `${CUSTOM_VCPU_RULES[family]}: ${closest}`,
      };
    }
    if (mb % MB_STEP !== 0 || mb < cpus * 512 || mb > cpus * 8192) {
      return {
        problem: `has ${mb} MB of memory for ${cpus} vCPUs`,
        fix: `use a multiple of ${MB_STEP} MB from ${cpus * 512} to ${cpus * 8192} (0.5–8 GB per vCPU): ${closest}`,
      };
    }
    return undefined;
  }
  const shape = /^([a-z][a-z0-9]*)-(standard|highmem|highcpu)-([0-9]+)$/.exec(type);
  const sizes = shape ? PREDEFINED[shape[1]]?.[shape[2]] : undefined;
  if (!shape || !sizes) {
    return {
      problem: "is not a known Compute Engine machine type",
      fix: `the closest known are ${closestMachineTypes(type).join(", ")}; ${FORMAT}`,
    };
  }
  if (!sizes.includes(Number(shape[3]))) {
    return {
      problem: `is not a size of ${shape[1]}-${shape[2]}`,
      fix: `use one of ${sizes.map((n) => `${shape[1]}-${shape[2]}-${n}`).join(", ")}`,
    };
  }
  return undefined;
}

/**
 * The valid custom types of `family` nearest to `cpus` vCPUs and `mb` MB: the allowed vCPU
 * counts just below and above (or `cpus` itself when allowed), each with the memory nearest to
 * `mb` that it allows.
 */
function closestCustom(family: string, cpus: number, mb: number): string[] {
  const allowed = CUSTOM_VCPUS[family];
  const counts: number[] = [];
  if (allowed(cpus)) {
    counts.push(cpus);
  } else {
    const below = range(Math.min(cpus, MAX_CUSTOM_VCPUS + 1) - 1, 1).find(allowed);
    const above =
      cpus < MAX_CUSTOM_VCPUS ? range(cpus + 1, MAX_CUSTOM_VCPUS).find(allowed) : undefined;
    if (below !== undefined) counts.push(below);
    if (above !== undefined) counts.push(above);
  }
  return counts.map((n) => {
    const memory = Math.min(n * 8192, Math.max(n * 512, Math.round(mb / MB_STEP) * MB_STEP));
    return `${family}-custom-${n}-${memory}`;
  });
}

/** The integers from `from` to `to` (both at most a few hundred), in that direction; empty below 1. */
function range(from: number, to: number): number[] {
  if (from < 1) return [];
  const step = to >= from ? 1 : -1;
  return Array.from({ length: Math.abs(to - from) + 1 }, (_, i) => from + i * step);
}
