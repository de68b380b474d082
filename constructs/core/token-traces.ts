/**
 * cdktf records where every token was created: each `Lazy` and intrinsic token calls
 * `Error.captureStackTrace` on a fresh `{ stack: "" }` object with an unlimited depth, and formats
 * it at once. The JSON never shows it, yet collecting those frames was a tenth of the synth, and
 * with source maps on (so that a real bug's stack trace names the TypeScript line) formatting each
 * through the map doubled the synth's CPU time (help/performance.md). So a capture into exactly
 * such an object (a plain object whose only property is an empty `stack`) is skipped: cdktf then
 * records no creation stack, as with `stackTraces: false`. Every other capture, and the trace of
 * every `Error`, is untouched. Installed once per process (per module registry under jest), when
 * this module is loaded: `PlatformStack`'s module imports it first, and `runApp` calls it again
 * (a no-op then).
 */
export function skipTokenCreationTraces(): void {
  const current = Error.captureStackTrace as CaptureStackTrace;
  if (current[SKIPS_TOKEN_TRACES]) return;
  const capture: CaptureStackTrace = (target, below) => {
    if (isTokenTraceHolder(target)) return;
    current.call(Error, target, below);
  };
  capture[SKIPS_TOKEN_TRACES] = true;
  Error.captureStackTrace = capture;
}

/** cdktf's holder of a token's creation stack: `{ stack: "" }` and nothing else. */
function isTokenTraceHolder(target: object): boolean {
  if (target === null || typeof target !== "object") return false;
  if (Object.getPrototypeOf(target) !== Object.prototype) return false;
  const keys = Object.keys(target);
  return keys.length === 1 && keys[0] === "stack" && (target as { stack: unknown }).stack === "";
}

const SKIPS_TOKEN_TRACES = Symbol("skipsTokenTraces");
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
type CaptureStackTrace = ((target: object, below?: Function) => void) & {
  [SKIPS_TOKEN_TRACES]?: boolean;
};

skipTokenCreationTraces();
