// `npm test` in one go: the static checks (typecheck, lint, format:check) and jest side by side
// instead of one after the other. Each check is mostly one core and jest's workers wait on child
// processes part of the time, so on two cores the whole takes less than the sum
// (help/performance.md).
//
//   node .ci/checks.mjs SCRIPT [SCRIPT ...] [-- COMMAND [ARG ...]]
//
// Each SCRIPT (an npm script of this package) runs with its output held back; COMMAND runs with
// the terminal's output, live. Each check's verdict (and a failed check's whole output) is printed
// when the command has ended, so their lines never break into its output. Exit code: 1 when
// anything failed, else 0.
import { Buffer } from "node:buffer";
import { spawn } from "node:child_process";

const args = process.argv.slice(2);
const split = args.indexOf("--");
const checks = split === -1 ? args : args.slice(0, split);
const live = split === -1 ? [] : args.slice(split + 1);
if (checks.length === 0 && live.length === 0) {
  console.error("usage: node .ci/checks.mjs SCRIPT [SCRIPT ...] [-- COMMAND [ARG ...]]");
  process.exit(2);
}

const npm = process.platform === "win32" ? "npm.cmd" : "npm";

// Every Node process of the run (the checks, jest's workers, the processes tests start) gets a
// 64 MB young generation instead of V8's 16 MB: the run allocates briskly, and with the default
// the scavenger ran three times as often (201 scavenges instead of 66 in prettier's check). In
// CPU profiles, garbage collection went from 14% to 9% of jest's time and from 15% to 13% of
// tsc's (help/performance.md). A NODE_OPTIONS that sets the size itself is left alone.
const YOUNG_GENERATION = "--max-semi-space-size=64";
const nodeOptions = process.env.NODE_OPTIONS ?? "";
if (!nodeOptions.includes("--max-semi-space-size")) {
  process.env.NODE_OPTIONS = `${nodeOptions} ${YOUNG_GENERATION}`.trim();
}

function runCheck(script) {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(npm, ["run", "--silent", script], { stdio: ["ignore", "pipe", "pipe"] });
    const output = [];
    child.stdout.on("data", (chunk) => output.push(chunk));
    child.stderr.on("data", (chunk) => output.push(chunk));
    const done = (code, signal) =>
      resolve({
        script,
        code: code ?? 1,
        signal,
        seconds: ((Date.now() - started) / 1000).toFixed(1),
        text: Buffer.concat(output).toString("utf8"),
      });
    child.on("error", (error) => {
      output.push(Buffer.from(`${error}\n`));
      done(1);
    });
    child.on("close", done);
  });
}

function runLive([command, ...rest]) {
  return new Promise((resolve) => {
    const child = spawn(command, rest, { stdio: "inherit" });
    child.on("error", (error) => {
      console.error(`${command}: ${error.message}`);
      resolve(1);
    });
    child.on("close", (code) => resolve(code ?? 1));
  });
}

const [results, liveCode] = await Promise.all([
  Promise.all(checks.map(runCheck)),
  live.length > 0 ? runLive(live) : Promise.resolve(0),
]);

for (const result of results) {
  const verdict = result.code === 0 ? "ok" : `FAILED (exit ${result.signal ?? result.code})`;
  process.stdout.write(`> ${result.script}: ${verdict} in ${result.seconds} s\n`);
  if (result.code !== 0 && result.text.trim() !== "") {
    process.stdout.write(result.text.replace(/\n?$/, "\n"));
  }
}

process.exitCode = liveCode !== 0 || results.some((r) => r.code !== 0) ? 1 : 0;
