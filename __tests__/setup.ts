import { setupJest } from "cdktf/lib/testing/adapters/jest";

setupJest();

// Property tests run the same cases on every machine, so a red run can be replayed and CI does not
// flake; FC_SEED=<number> explores other cases locally (fast-check prints the seed of a failure).
import * as fc from "fast-check";

fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 20261203) });
