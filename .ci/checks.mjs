// The static checks of `npm test` (typecheck, lint, format:check) side by side instead of one
// after the other: each is mostly one core, so on two cores this takes about the time of the
// slowest instead of the sum (help/performance.md). Each check's output is held back and printed
// whole when it ends, so their lines never interleave; the exit code is 1 when any check failed.
import { Buffer } from "node:buffer";
import { spawn } from "node:child_process";

const checks = process.argv.slice(2);
if (checks.length === 0) {
  console.error("usage: node .ci/checks.mjs SCRIPT [SCRIPT ...] (npm scripts of this package)");
  process.exit(2);
}

const npm = process.platform === "win32" ? "npm.cmd" : "npm";

function run(script) {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(npm, ["run", "--silent", script], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    const output = [];
    child.stdout.on("data", (chunk) => output.push(chunk));
    child.stderr.on("data", (chunk) => output.push(chunk));
    child.on("error", (error) => resolve({ script, code: 1, output: [Buffer.from(`${error}\n`)] }));
    child.on("close", (code, signal) => {
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      resolve({ script, code: code ?? 1, signal, seconds, output });
    });
  });
}

const results = await Promise.all(
  checks.map((script) =>
    run(script).then((result) => {
      const text = Buffer.concat(result.output).toString("utf8");
      const verdict = result.code === 0 ? "ok" : `FAILED (exit ${result.signal ?? result.code})`;
      process.stdout.write(`> ${script}: ${verdict} in ${result.seconds} s\n`);
      if (result.code !== 0 && text.trim() !== "") process.stdout.write(text.replace(/\n?$/, "\n"));
      return result;
    }),
  ),
);

process.exitCode = results.some((r) => r.code !== 0) ? 1 : 0;
