// Jest's order, except on a machine where jest has not run the suite yet (a fresh clone, a CI
// runner): jest then has no durations and starts the largest files first, which put the files
// that spawn whole tool runs (the scaffold walk, the CLI synth) last, and the run waited on them
// alone at the end. A test file whose first docblock has an `@slow <why>` pragma starts first when
// jest knows no duration for it. Once jest has timings, its own longest-first order stands.
const fs = require("node:fs");
const { extract, parse } = require("jest-docblock");
const Sequencer = require("@jest/test-sequencer").default;

/** Whether the file's leading docblock marks it `@slow`. */
function isSlow(file) {
  const pragmas = parse(extract(fs.readFileSync(file, "utf8")));
  return Object.hasOwn(pragmas, "slow");
}

class SlowFirstSequencer extends Sequencer {
  sort(tests) {
    const sorted = super.sort(tests);
    const first = sorted.filter((test) => test.duration == null && isSlow(test.path));
    return [...first, ...sorted.filter((test) => !first.includes(test))];
  }
}

module.exports = SlowFirstSequencer;
