import { describe, expect, it } from "vitest";
import { ManualClock } from "../../src/engine/async/clock.js";
import { HeldPuts } from "../../src/engine/memo-commits.js";

/** A store write that records when it was called and settles when told. */
function recordingWrite() {
  const calls: { key: string; value: unknown; settle(error?: unknown): void }[] = [];
  const write = (key: string, value: unknown): Promise<unknown> =>
    new Promise((resolve, reject) => calls.push({ key, value, settle: (error) => (error === undefined ? resolve(undefined) : reject(error)) }));
  return { calls, write };
}

const settled = async (p: Promise<unknown>) => {
  let state = "pending";
  p.then(() => (state = "resolved"), () => (state = "rejected"));
  await new Promise((r) => setImmediate(r));
  return state;
};

describe("HeldPuts", () => {
  it("issues the puts of one delay together, in order, each resolving only once its own write does", async () => {
    const clock = new ManualClock();
    const { calls, write } = recordingWrite();
    const held = new HeldPuts(2, write, clock);
    const a = held.put("a", 1);
    clock.advance(1);
    const b = held.put("b", 2);
    expect(calls).toHaveLength(0); // held, not written yet
    clock.advance(1);
    expect(calls.map((c) => c.key)).toEqual(["a", "b"]); // one turn, one commit
    expect(await settled(a)).toBe("pending"); // not before the write is committed
    calls[0]!.settle();
    expect(await settled(a)).toBe("resolved");
    expect(await settled(b)).toBe("pending");
    calls[1]!.settle(new Error("disk full"));
    await expect(b).rejects.toThrow("disk full"); // its own failure, not the other's
    expect(clock.pending).toBe(0);
  });

  it("a later put starts a new window; flush issues what is held at once", async () => {
    const clock = new ManualClock();
    const { calls, write } = recordingWrite();
    const held = new HeldPuts(2, write, clock);
    void held.put("a", 1);
    clock.advance(2);
    void held.put("b", 2);
    void held.put("c", 3);
    held.flush(); // e.g. before a remove or close: nothing may overtake these
    expect(calls.map((c) => c.key)).toEqual(["a", "b", "c"]);
    expect(clock.pending).toBe(0);
    held.flush(); // nothing held: nothing written
    expect(calls).toHaveLength(3);
  });

  it("a write that throws at once rejects its put and leaves the others written", async () => {
    const clock = new ManualClock();
    const written: string[] = [];
    const held = new HeldPuts(
      2,
      (key) => {
        if (key === "bad") throw new Error("value cannot be encoded");
        written.push(key);
        return Promise.resolve();
      },
      clock,
    );
    const puts = [held.put("a", 1), held.put("bad", 2), held.put("c", 3)];
    clock.advance(2);
    await expect(puts[1]).rejects.toThrow("cannot be encoded");
    await expect(puts[0]).resolves.toBeUndefined();
    await expect(puts[2]).resolves.toBeUndefined();
    expect(written).toEqual(["a", "c"]);
  });
});

describe("the LMDB memo with held puts", () => {
  it("a put not yet committed is neither overtaken by a remove of its key nor lost by a close", async () => {
    const { mkdtempSync, rmSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { openMemo } = await import("../../src/engine/memo.js");
    const dir = mkdtempSync(join(tmpdir(), "dpo-held-"));
    try {
      const memo = await openMemo(dir);
      const put = memo.put("k1" as never, { text: "one" });
      const removed = memo.remove("k1" as never);
      await Promise.all([put, removed]);
      expect(memo.get("k1" as never)).toBeUndefined();
      void memo.put("k2" as never, { text: "two" }); // held when the memo closes
      await memo.close();
      const again = await openMemo(dir);
      expect(again.get("k2" as never)).toEqual({ text: "two" });
      await again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
