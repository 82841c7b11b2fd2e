import { describe, expect, it } from "vitest";
import { mapOrdered } from "../../src/engine/async/map-ordered.js";

/** A stream that counts how far it has been read. */
function counted(n: number) {
  const state = { read: 0, closed: false };
  async function* gen() {
    try {
      for (let i = 0; i < n; i++) {
        state.read++;
        yield i;
      }
    } finally {
      state.closed = true;
    }
  }
  return { state, items: gen() };
}

describe("mapOrdered", () => {
  it("yields in input order while later items finish first", async () => {
    const out: number[] = [];
    const { items } = counted(20);
    for await (const x of mapOrdered(items, 5, undefined, async (i) => {
      await new Promise((r) => setImmediate(r));
      if (i % 3 === 0) await new Promise((r) => setImmediate(r));
      return i * 2;
    })) out.push(x);
    expect(out).toEqual(Array.from({ length: 20 }, (_, i) => i * 2));
  });

  it("reads no further ahead than the window", async () => {
    const { state, items } = counted(1000);
    let maxAhead = 0;
    let consumed = 0;
    for await (const _ of mapOrdered(items, 8, undefined, async (i) => i)) {
      consumed++;
      maxAhead = Math.max(maxAhead, state.read - consumed);
    }
    expect(consumed).toBe(1000);
    expect(maxAhead).toBeLessThanOrEqual(8);
  });

  it("throws the first failure, lets running items finish and closes the stream", async () => {
    const { state, items } = counted(100);
    const finished: number[] = [];
    const run = async () => {
      for await (const _ of mapOrdered(items, 4, undefined, async (i) => {
        await new Promise((r) => setImmediate(r));
        if (i === 2) throw new Error("boom");
        finished.push(i);
        return i;
      }));
    };
    await expect(run()).rejects.toThrow("boom");
    expect(state.closed).toBe(true);
    expect(state.read).toBeLessThan(10);
    expect(finished).toEqual(expect.arrayContaining([0, 1, 3]));
  });
});
