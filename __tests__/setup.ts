// First, before cdktf loads: cdktf makes tokens while its own modules load, and each would record
// its creation stack through the source maps jest installs, a few hundred ms per test file
// (constructs/core/token-traces.ts). Every stack the tests build skips them anyway.
import "../constructs/core/token-traces";
import { setupJest } from "cdktf/lib/testing/adapters/jest";

setupJest();

// Property tests run the same cases on every machine, so a red run can be replayed and CI does not
// flake; FC_SEED=<number> explores other cases locally (fast-check prints the seed of a failure).
import * as fc from "fast-check";

fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 20261203) });
