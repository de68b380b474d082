import Sequencer from "@jest/test-sequencer";

/** Jest's test order, with files marked `@slow` first while jest has no timing for them. */
declare class SlowFirstSequencer extends Sequencer {}
export = SlowFirstSequencer;
