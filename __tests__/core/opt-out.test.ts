import { ComputeNetwork } from "@cdktf/provider-google/lib/compute-network";
import {
  acceptOptOut,
  MIN_REASON_LENGTH,
  optOutsOf,
  recordOptOut,
} from "../../constructs/core/opt-out";
import { synthJson, testStack } from "../helpers/synth";

/** The `//` comment of a resource: Testing.synth strips it, so read the stack's full JSON. */
function commentOf(stack: ReturnType<typeof testStack>, type: string, id: string): unknown {
  synthJson(stack); // runs the aspects
  return (stack.toTerraform() as { resource: Record<string, Record<string, { "//"?: unknown }>> })
    .resource[type][id]["//"];
}

const REASON = "break-glass access for on-call, ticket OPS-123";

describe("acceptOptOut", () => {
  it("returns false when no opt-out was given and true for a valid one", () => {
    const stack = testStack();
    expect(acceptOptOut(stack, "allowWorld", undefined)).toBe(false);
    expect(acceptOptOut(stack, "allowWorld", { reason: REASON })).toBe(true);
    expect(acceptOptOut(stack, "allowWorld", { reason: "x".repeat(MIN_REASON_LENGTH) })).toBe(true);
  });

  it.each([
    ["a short reason", { reason: "temp" }, 4],
    ["a reason padded with spaces", { reason: `  ${"x".repeat(MIN_REASON_LENGTH - 1)}   ` }, 19],
    ["an empty reason", { reason: "" }, 0],
    ["no reason", {}, 0],
    ["null", null, 0],
  ])("rejects %s", (_what, optOut, length) => {
    expect(() => acceptOptOut(testStack(), "ssh.allowWorld", optOut as never)).toThrow(
      `ssh.allowWorld.reason = ${JSON.stringify((optOut as { reason?: string } | null)?.reason)} is too short to explain an insecure choice (${length} characters, at least ${MIN_REASON_LENGTH} needed)`,
    );
  });
});

describe("recordOptOut", () => {
  it('writes every opt-out under "//".opt_outs and keeps the resource metadata', () => {
    const stack = testStack();
    const vpc = new ComputeNetwork(stack, "vpc", { name: "test-dev-vpc" });
    recordOptOut(vpc, "first", { reason: `  ${REASON}  ` });
    recordOptOut(vpc, "second", { reason: "another documented reason" });
    const comment = commentOf(stack, "google_compute_network", "vpc") as Record<string, unknown>;
    expect(comment.opt_outs).toEqual([
      { id: "first", reason: REASON },
      { id: "second", reason: "another documented reason" },
    ]);
    expect(comment.metadata).toMatchObject({ path: "test-dev/vpc" });
    expect(optOutsOf(vpc)).toEqual(comment.opt_outs);
  });

  it("leaves resources without opt-outs alone", () => {
    const stack = testStack();
    const vpc = new ComputeNetwork(stack, "vpc", { name: "test-dev-vpc" });
    expect(optOutsOf(vpc)).toEqual([]);
    const comment = commentOf(stack, "google_compute_network", "vpc");
    expect(comment).toHaveProperty("metadata");
    expect(comment).not.toHaveProperty("opt_outs");
  });
});
