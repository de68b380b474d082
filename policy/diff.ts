import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { evaluate } from "./engine";
import {
  exposureTable,
  iamTable,
  protectionTable,
  type ExposureRow,
  type GrantRow,
  type Protection,
  type ProtectionColumn,
  type ProtectionRow,
} from "./inventory";
import { Cidr, ESCALATION_ROLES, PRIMITIVE_ROLES, projectRoleRisk } from "../vocabulary";
import { parseJson, parseStack, ReviewInputError } from "./load";
import type { Finding, Resource, SynthStack } from "./types";
import { CREDENTIAL_KEY, isObject, isToken } from "./values";

/** One attribute that differs: `settings.ip_configuration.ipv4_enabled`, false → true. */
export interface AttributeChange {
  readonly path: string;
  /** Undefined when the attribute was added. */
  readonly before?: unknown;
  /** Undefined when the attribute was removed. */
  readonly after?: unknown;
}

export interface ResourceChange {
  readonly stack: string;
  readonly address: string;
  readonly status: "added" | "removed" | "changed";
  readonly constructPath?: string;
  /** Attribute-level detail of a changed resource. */
  readonly changes: readonly AttributeChange[];
}

/** The order security-relevant changes are listed in. */
export const SECURITY_CATEGORIES = [
  "exposure",
  "grant",
  "protection",
  "encryption",
  "replica",
  "finding",
] as const;
export type SecurityCategory = (typeof SECURITY_CATEGORIES)[number];

export interface SecurityChange {
  readonly category: SecurityCategory;
  readonly stack: string;
  readonly address: string;
  readonly message: string;
}

export interface ReviewDiff {
  readonly base: string;
  readonly stacksAdded: readonly string[];
  readonly stacksRemoved: readonly string[];
  /** Listed first in every report, in {@link SECURITY_CATEGORIES} order. */
  readonly security: readonly SecurityChange[];
  readonly resources: readonly ResourceChange[];
}

// ---------------------------------------------------------------------------------------------
// Reading the output committed at a git ref

function git(args: readonly string[], cwd: string): string {
  return execFileSync("git", args, {
    cwd,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    maxBuffer: 512 * 1024 * 1024,
  });
}

/**
 * The stacks of the output directory `dir` as committed at `ref`, read with `git ls-tree` and
 * `git show` (no checkout, no shell). Throws {@link ReviewInputError} when `dir` is not in a git
 * work tree, the ref is not a commit, or the ref has no such output.
 */
export function readBaseStacks(dir: string, ref: string): SynthStack[] {
  if (ref === "" || ref.startsWith("-"))
    throw new ReviewInputError(`--base ${JSON.stringify(ref)} is not a git ref`);
  const absolute = path.resolve(dir);
  let top: string;
  try {
    top = git(["rev-parse", "--show-toplevel"], absolute).trim();
  } catch {
    throw new ReviewInputError(`${dir} is not inside a git work tree, so --base cannot read it`);
  }
  try {
    git(["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], top);
  } catch {
    throw new ReviewInputError(`--base ${ref} is not a commit in ${top}`);
  }
  const relative = path
    .relative(fs.realpathSync(top), fs.realpathSync(absolute))
    .split(path.sep)
    .join("/");
  const stacksPath = relative ? `${relative}/stacks` : "stacks";
  let names: string[];
  try {
    names = git(["ls-tree", "--name-only", `${ref}:${stacksPath}`], top)
      .split("\n")
      .filter(Boolean);
  } catch {
    throw new ReviewInputError(
      `${ref} has no ${stacksPath}/ (was the synthesized output committed there?)`,
    );
  }
  return names.sort().map((name) => {
    const file = `${stacksPath}/${name}/cdk.tf.json`;
    let text: string;
    try {
      text = git(["show", `${ref}:${file}`], top);
    } catch {
      throw new ReviewInputError(`${ref} has no ${file}`);
    }
    return parseStack(name, parseJson(text, `${ref}:${file}`), text);
  });
}

// ---------------------------------------------------------------------------------------------
// Attribute-level diff

// Written here rather than taken from a JSON diff library: Terraform JSON is plain data, the
// diff must skip `//` comments at every depth, treat lists of scalars (CIDRs, ports) as one value
// a reviewer reads whole, and redact literal credentials. That is the 30 lines below; a library
// would need the same pre- and post-processing around its own change format.

const REDACTED = "(redacted)";

/** Leaf values by path (`allow[0].ports`); lists of scalars are one leaf, `//` is skipped. */
function flatten(value: unknown, prefix: string, out: Map<string, unknown>): Map<string, unknown> {
  if (Array.isArray(value) && value.some((v) => isObject(v) || Array.isArray(v))) {
    value.forEach((v, i) => flatten(v, `${prefix}[${i}]`, out));
  } else if (isObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      if (key !== "//") flatten(item, prefix ? `${prefix}.${key}` : key, out);
    }
  } else {
    out.set(prefix, value);
  }
  return out;
}

/** Hides literal credentials: the diff goes into PR comments. */
function redact(path: string, value: unknown): unknown {
  const key = path.split(/[.[]/).pop() ?? "";
  const secretPath = CREDENTIAL_KEY.test(key) || /(^|\.)(data|binary_data|data_wo)\./.test(path);
  return secretPath && typeof value === "string" && !isToken(value) ? REDACTED : value;
}

/** The attributes that differ between two configs of one resource. */
export function attributeChanges(before: unknown, after: unknown): AttributeChange[] {
  const a = flatten(before, "", new Map());
  const b = flatten(after, "", new Map());
  const paths = [...new Set([...a.keys(), ...b.keys()])].sort();
  return paths.flatMap((p) => {
    if (JSON.stringify(a.get(p)) === JSON.stringify(b.get(p))) return [];
    return [
      {
        path: p,
        ...(a.has(p) ? { before: redact(p, a.get(p)) } : {}),
        ...(b.has(p) ? { after: redact(p, b.get(p)) } : {}),
      },
    ];
  });
}

// ---------------------------------------------------------------------------------------------
// Security-relevant changes

const key = (...parts: string[]): string => parts.join("\u0000");

function exposureChanges(base: ExposureRow[], head: ExposureRow[]): SecurityChange[] {
  return head.flatMap((row) => {
    const before = base.filter((b) => b.stack === row.stack && b.address === row.address);
    const describe = `${row.kind} ${row.to}: ${row.from.join(", ")} on ${row.ports}`;
    if (before.length === 0) {
      return [
        {
          category: "exposure" as const,
          stack: row.stack,
          address: row.address,
          message: `new exposure: ${describe}`,
        },
      ];
    }
    // A source is new unless the base had it, or a range that contains it (a narrower range is
    // not a widening); a range that contains a base range is reported as wider.
    const baseSources = before.flatMap((b) => b.from);
    const sources = row.from
      .filter((f) => !baseSources.includes(f))
      .filter((f) => {
        const range = Cidr.tryParse(f.split(" ")[0]);
        return !(range && baseSources.some((b) => Cidr.tryParse(b.split(" ")[0])?.contains(range)));
      })
      .map((f) => {
        const range = Cidr.tryParse(f.split(" ")[0]);
        const narrower = range
          ? baseSources.find((b) => {
              const old = Cidr.tryParse(b.split(" ")[0]);
              return old !== undefined && range.contains(old) && !row.from.includes(b);
            })
          : undefined;
        return narrower ? `${f} (wider than ${narrower})` : f;
      });
    const ports = row.ports
      .split(", ")
      .filter((p) => !before.some((b) => b.ports.split(", ").includes(p)));
    if (sources.length === 0 && ports.length === 0) return [];
    const added = [
      ...(sources.length > 0 ? [`sources ${sources.join(", ")}`] : []),
      ...(ports.length > 0 ? [`ports ${ports.join(", ")}`] : []),
    ];
    return [
      {
        category: "exposure" as const,
        stack: row.stack,
        address: row.address,
        message: `widened exposure: ${describe} (added ${added.join(" and ")})`,
      },
    ];
  });
}

/** How broad a role is, for "a broader role" (vocabulary's lists): 2 primitive, 1 escalation. */
function breadth(role: string): number {
  if (PRIMITIVE_ROLES.includes(role)) return 2;
  return ESCALATION_ROLES.includes(role) || projectRoleRisk(role)?.kind === "escalation" ? 1 : 0;
}

function grantChanges(base: GrantRow[], head: GrantRow[]): SecurityChange[] {
  const grantKey = (g: GrantRow) => key(g.stack, g.member, g.role, g.on, g.condition ?? "");
  const known = new Set(base.map(grantKey));
  return head
    .filter((g) => !known.has(grantKey(g)))
    .map((g) => {
      const same = base.filter(
        (b) => b.stack === g.stack && b.member === g.member && b.on === g.on,
      );
      const broader = same.find((b) => breadth(g.role) > breadth(b.role));
      const unconditioned = same.find((b) => b.role === g.role && b.condition && !g.condition);
      const detail = broader
        ? `broader role: ${g.role} to ${g.member} on ${g.on} (was ${broader.role})`
        : unconditioned
          ? `grant no longer limited by a condition: ${g.role} to ${g.member} on ${g.on} (was ${unconditioned.condition})`
          : `new grant: ${g.role} to ${g.member} on ${g.on}${g.condition ? ` if ${g.condition}` : ""}`;
      return {
        category: "grant" as const,
        stack: g.stack,
        address: g.address,
        message: `${detail}${g.authoritative ? " (authoritative)" : ""}`,
      };
    });
}

/** The numbers of a protection's text (`14 backups, 7 days of logs`), to tell a weakening. */
function amounts(p: Protection | undefined): number[] {
  return [...(p?.text ?? "").matchAll(/\d+(?:\.\d+)?/g)].map((m) => Number(m[0]));
}

const COLUMN_NAMES: Readonly<Record<ProtectionColumn, string>> = {
  backups: "backups",
  pitr: "point-in-time recovery",
  retention: "retention",
  deletion: "deletion protection",
  encryption: "encryption",
  versioning: "versioning",
};

function protectionChanges(
  base: ProtectionRow[],
  head: ProtectionRow[],
  headStacks: readonly SynthStack[],
): SecurityChange[] {
  return base.flatMap((row): SecurityChange[] => {
    const after = head.find((h) => h.stack === row.stack && h.address === row.address);
    const replicaOf = row.notes.find((n) => n.startsWith("replica of "));
    if (!after) {
      const stackGone = !headStacks.some((s) => s.name === row.stack);
      if (replicaOf && row.kind.startsWith("Cloud SQL")) {
        return [
          {
            category: "replica",
            stack: row.stack,
            address: row.address,
            message: `replica dropped: ${row.kind} ${row.name} (${replicaOf})`,
          },
        ];
      }
      return [
        {
          category: "protection",
          stack: row.stack,
          address: row.address,
          message: `stateful resource removed${stackGone ? " with its stack" : ""}: ${row.kind} ${row.name} (its data goes with it)`,
        },
      ];
    }
    return row.protections.flatMap((p): SecurityChange[] => {
      const now = after.protections.find((q) => q.column === p.column && q.label === p.label);
      // A measure (retention: no on/off) or a protection still on can still be weakened.
      const measure = p.value === undefined && now !== undefined && now.value === undefined;
      if (p.value !== true && !measure) return [];
      const what = `${COLUMN_NAMES[p.column]}${p.label ? ` (${p.label})` : ""}`;
      const state = (q: Protection | undefined): string =>
        q === undefined
          ? "absent"
          : (q.text ?? (q.value === "unknown" ? "unverified" : q.value ? "on" : "off"));
      if (measure || now?.value === true) {
        // Still on, but less of it: fewer retained backups, shorter log or backup retention.
        const [was, is] = [amounts(p), amounts(now)];
        return was.length === is.length && was.some((n, i) => is[i] < n)
          ? [
              {
                category: "protection",
                stack: row.stack,
                address: row.address,
                message: `protection weakened: ${what} on ${row.kind} ${row.name} (was ${state(p)}, now ${state(now)})`,
              },
            ]
          : [];
      }
      return [
        {
          category: p.column === "encryption" ? "encryption" : "protection",
          stack: row.stack,
          address: row.address,
          message: `${p.column === "encryption" ? "encryption removed" : "protection removed"}: ${what} on ${row.kind} ${row.name} (was ${state(p)}, now ${state(now)})`,
        },
      ];
    });
  });
}

function findingChanges(base: readonly Finding[], head: readonly Finding[]): SecurityChange[] {
  const open = (f: Finding): boolean => f.suppressed === undefined;
  const known = new Set(base.filter(open).map((f) => key(f.ruleId, f.stack, f.address)));
  return head
    .filter((f) => open(f) && !known.has(key(f.ruleId, f.stack, f.address)))
    .map((f) => ({
      category: "finding" as const,
      stack: f.stack,
      address: f.address,
      message: `new ${f.severity} finding ${f.ruleId}: ${f.message}`,
    }));
}

// ---------------------------------------------------------------------------------------------

function resourceChanges(
  base: readonly SynthStack[],
  head: readonly SynthStack[],
): ResourceChange[] {
  const index = (
    stacks: readonly SynthStack[],
  ): Map<string, { stack: string; resource: Resource }> =>
    new Map(
      stacks.flatMap((s) =>
        s.resources.map((r) => [key(s.name, r.address), { stack: s.name, resource: r }] as const),
      ),
    );
  const before = index(base);
  const after = index(head);
  const changes: ResourceChange[] = [];
  const entry = (
    status: ResourceChange["status"],
    stack: string,
    r: Resource,
    list: AttributeChange[] = [],
  ): ResourceChange => ({
    stack,
    address: r.address,
    status,
    ...(r.constructPath ? { constructPath: r.constructPath } : {}),
    changes: list,
  });
  for (const [k, { stack, resource }] of after) {
    const old = before.get(k);
    if (!old) changes.push(entry("added", stack, resource));
    else {
      const list = attributeChanges(old.resource.config, resource.config);
      if (list.length > 0) changes.push(entry("changed", stack, resource, list));
    }
  }
  for (const [k, { stack, resource }] of before)
    if (!after.has(k)) changes.push(entry("removed", stack, resource));
  const order = { removed: 0, changed: 1, added: 2 };
  return changes.sort(
    (a, b) =>
      a.stack.localeCompare(b.stack) ||
      order[a.status] - order[b.status] ||
      a.address.localeCompare(b.address),
  );
}

/**
 * Compares the output at a base ref with the current one: resources added, removed and changed
 * (attribute by attribute, `//` comments ignored), and the security-relevant changes first.
 */
export function diffStacks(
  baseRef: string,
  base: readonly SynthStack[],
  head: readonly SynthStack[],
  headFindings: readonly Finding[] = evaluate(head),
): ReviewDiff {
  const all = <T>(stacks: readonly SynthStack[], table: (s: SynthStack) => T[]): T[] =>
    stacks.flatMap(table);
  const security = [
    ...exposureChanges(all(base, exposureTable), all(head, exposureTable)),
    ...grantChanges(all(base, iamTable), all(head, iamTable)),
    ...protectionChanges(all(base, protectionTable), all(head, protectionTable), head),
    ...findingChanges(evaluate(base), headFindings),
  ].sort(
    (a, b) => SECURITY_CATEGORIES.indexOf(a.category) - SECURITY_CATEGORIES.indexOf(b.category),
  );
  const names = (stacks: readonly SynthStack[]): string[] => stacks.map((s) => s.name);
  return {
    base: baseRef,
    stacksAdded: names(head).filter((n) => !names(base).includes(n)),
    stacksRemoved: names(base).filter((n) => !names(head).includes(n)),
    security,
    resources: resourceChanges(base, head),
  };
}
