/** @slow builds and synthesizes a stack for every input of every construct */
import {
  AWS_SWEEP_CASES,
  K8S_SWEEP_CASES,
  SWEEP_CASES,
  UNESCAPED_DIRECTIVE,
  UNESCAPED_INTERPOLATION,
  checkScripts,
  describeError,
  formatPath,
  getAt,
  namesProperty,
  parsePath,
  runCase,
  setAt,
  startupScripts,
  stringLeaves,
  testStack,
  unquotedOccurrences,
  wrongTypesFor,
  type PathKey,
  type SweepCase,
} from "../helpers/boundary";

/**
 * The input boundary as a sweep: every string leaf of every construct's props (GCP, AWS and
 * Kubernetes) gets each hostile
 * payload, one at a time. The construct must refuse it with a ValidationError that names the
 * property, or synthesize JSON in which the payload is inert: no Terraform template sequence left
 * unescaped, and no shell payload outside single quotes or a quoted heredoc in a startup script.
 */

const PAYLOADS = [
  '${file("/etc/passwd")}',
  "%{ if true }x%{ endif }",
  "$(id)",
  "`id`",
  "'; rm -rf / #",
] as const;

/**
 * String leaves swept per construct, as measured when the sweep was written. A change that drops
 * props from the table (or stops walking nested ones) fails here instead of shrinking the sweep.
 */
const LEAF_FLOORS: Readonly<Record<string, number>> = {
  Network: 15,
  "Network.fromAttributes (name)": 13,
  "Network.fromAttributes (selfLink)": 3,
  Firewall: 31,
  ServiceAccount: 6,
  Secret: 7,
  ArtifactRegistry: 10,
  Bucket: 7,
  Vm: 34,
  CloudSqlPostgres: 26,
  Monitoring: 22,
  CloudBuildPipeline: 9,
  RegionalPlatform: 25,
  Vpc: 13,
  "Vpc.fromAttributes": 10,
  SecurityGroup: 13,
  S3Bucket: 8,
  StaticSite: 9,
  KmsKey: 5,
  IamRole: 13,
  "IamRole (account root)": 6,
  SecretsManagerSecret: 5,
  RdsPostgres: 15,
  RedisReplicationGroup: 9,
  EcrRepository: 3,
  EcsFargateService: 11,
  EksCluster: 12,
  Namespace: 15,
  Ingress: 17,
  Workload: 58,
  "Workload.singleton": 51,
  GkeCluster: 17,
};
const TOTAL_FLOOR = 498;

/** Startup scripts that carry a payload, for bash -n and shellcheck at the end. */
const scriptsWithPayload = new Map<string, { where: string; script: string }>();
const sweptLeaves = new Map<string, number>();

function leavesOf(sweep: SweepCase): PathKey[][] {
  return stringLeaves(sweep.props(testStack()));
}

/** What is wrong with the outcome of one hostile build, or undefined when it is acceptable. */
function judge(sweep: SweepCase, keys: readonly PathKey[], payload: string): string | undefined {
  const outcome = runCase(sweep, (props) => setAt(props, keys, payload));
  if (outcome.kind === "crashed") return `crashed: ${describeError(outcome.error)}`;
  if (outcome.kind === "refused") {
    return namesProperty(outcome.error.message, keys)
      ? undefined
      : `ValidationError does not name the property: ${outcome.error.message.split("\n")[0]}`;
  }
  const { json } = outcome;
  if (UNESCAPED_INTERPOLATION.test(json) || UNESCAPED_DIRECTIVE.test(json)) {
    return "synthesized with an unescaped Terraform sequence in the JSON";
  }
  for (const script of startupScripts(json)) {
    const lines = unquotedOccurrences(script, payload);
    if (lines.length > 0) {
      return `startup script has the payload outside quotes: ${JSON.stringify(lines[0].trim())}`;
    }
    const key = payload;
    if (script.includes(payload) && !scriptsWithPayload.has(key)) {
      // One script per payload: every host file goes through the same heredoc of one template.
      scriptsWithPayload.set(key, {
        where: `${sweep.construct} ${formatPath(keys)} = ${payload}`,
        script,
      });
    }
  }
  return undefined;
}

/** Every case of the table: GCP, AWS and Kubernetes constructs. */
const CASES: readonly SweepCase[] = [...SWEEP_CASES, ...AWS_SWEEP_CASES, ...K8S_SWEEP_CASES];

describe.each(CASES.map((c) => [c.construct, c] as const))("%s", (_name, sweep) => {
  it("synthesizes from the rich valid props", () => {
    const outcome = runCase(sweep, () => {});
    expect(outcome.kind === "synthesized" ? "synthesized" : describeError(outcome.error)).toBe(
      "synthesized",
    );
  });

  it("refuses or neutralizes each hostile payload in every string leaf", () => {
    const leaves = leavesOf(sweep);
    sweptLeaves.set(sweep.construct, leaves.length);
    const failures: string[] = [];
    for (const keys of leaves) {
      for (const payload of PAYLOADS) {
        const problem = judge(sweep, keys, payload);
        if (problem) failures.push(`${formatPath(keys)} = ${payload}: ${problem}`);
      }
    }
    expect(failures).toEqual([]);
    expect(leaves.length).toBeGreaterThanOrEqual(LEAF_FLOORS[sweep.construct]);
  });

  it("refuses a wrong type in every prop with a ValidationError naming it", () => {
    const sample = sweep.props(testStack());
    const failures: string[] = [];
    let tried = 0;
    for (const root of sweep.typeRoots) {
      const rootKeys = parsePath(root);
      const object = getAt(sample, rootKeys) as Record<string, unknown>;
      for (const key of Object.keys(object)) {
        if (root === "" && sweep.extra?.includes(key)) continue;
        const keys = [...rootKeys, key];
        for (const wrong of wrongTypesFor(object[key])) {
          tried++;
          const outcome = runCase(sweep, (props) => setAt(props, keys, wrong.value));
          const where = `${formatPath(keys)} = ${wrong.label}`;
          if (outcome.kind === "crashed") {
            failures.push(`${where}: crashed: ${describeError(outcome.error)}`);
          } else if (outcome.kind === "synthesized") {
            failures.push(`${where}: accepted`);
          } else if (!namesProperty(outcome.error.message, keys)) {
            failures.push(`${where}: message does not name it: ${outcome.error.message}`);
          }
        }
      }
    }
    expect(tried).toBeGreaterThan(0);
    expect(failures).toEqual([]);
  });
});

describe("the sweep as a whole", () => {
  it("covers every construct of the table with at least the measured number of leaves", () => {
    const total = CASES.reduce((n, c) => n + (sweptLeaves.get(c.construct) ?? 0), 0);
    expect([...sweptLeaves.keys()].sort()).toEqual(CASES.map((c) => c.construct).sort());
    expect(total).toBeGreaterThanOrEqual(TOTAL_FLOOR);
  });

  it("has startup scripts carrying a payload (in a quoted heredoc) that pass bash -n and shellcheck", () => {
    // A host file's content accepts any text, so the payloads do reach a script.
    expect(scriptsWithPayload.size).toBeGreaterThan(0);
    const unique = [...scriptsWithPayload.values()];
    const problems = checkScripts(unique.map((s) => s.script)).map(
      (p) => `${unique[p.index]?.where ?? "?"}: ${p.problem}`,
    );
    expect(problems).toEqual([]);
  });
});
