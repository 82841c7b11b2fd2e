import { describe, expect, it } from "vitest";
import { mapBounded } from "../../src/engine/async/bounded-map.js";
import { deferred, Occupancy, ticks } from "./helpers.js";

/** An async stream of 0..count-1 that records how far it was read and whether it was closed. */
function stream(count: number) {
  const seen = { pulled: 0, closed: false };
  async function* numbers() {
    try {
      for (let i = 0; i < count; i++) {
        seen.pulled = i + 1;
        yield i;
      }
    } finally {
      seen.closed = true;
    }
  }
  return { items: numbers(), seen };
}

describe("mapBounded", () => {
  it("returns results in input order, whatever order they finish in", async () => {
    const gates = Array.from({ length: 4 }, () => deferred<string>());
    const result = mapBounded([0, 1, 2, 3], 4, undefined, (i) => gates[i]!.promise);
    for (const i of [3, 1, 0, 2]) gates[i]!.resolve(`r${i}`);
    expect(await result).toEqual(["r0", "r1", "r2", "r3"]);
  });

  it("keeps at most `limit` items in progress and reads the stream only as slots free up", async () => {
    const { items, seen } = stream(10);
    const occupancy = new Occupancy();
    const gates: (() => void)[] = [];
    const result = mapBounded(items, 3, undefined, async (i) => {
      occupancy.enter();
      await new Promise<void>((open) => gates.push(open));
      occupancy.leave();
      return i * 2;
    });
    await ticks();
    expect(seen.pulled).toBe(3);
    while (gates.length > 0) {
      gates.shift()!();
      await ticks();
    }
    expect(await result).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
    expect(occupancy.peak).toBe(3);
  });

  it("on the first failure starts nothing new, lets running items finish, closes the stream, then throws that error", async () => {
    const { items, seen } = stream(100);
    const gates = [deferred(), deferred(), deferred()];
    const finished: number[] = [];
    const result = mapBounded(items, 3, undefined, async (i) => {
      await gates[i]!.promise;
      finished.push(i);
      return i;
    });
    const outcome = result.then(() => "resolved", (e: Error) => e.message);
    await ticks();
    expect(seen.pulled).toBe(3);
    gates[1]!.reject(new Error("record 1 is bad"));
    await ticks();
    gates[2]!.reject(new Error("record 2 is bad too"));
    await ticks();
    expect(await Promise.race([outcome, ticks().then(() => "waiting for record 0")])).toBe("waiting for record 0");
    gates[0]!.resolve();
    expect(await outcome).toBe("record 1 is bad");
    expect(finished).toEqual([0]);
    expect(seen.pulled).toBe(3);
    expect(seen.closed).toBe(true);
  });

  it("throws a failure of the stream itself after the running items finish", async () => {
    async function* broken() {
      yield 1;
      throw new Error("corrupt input");
    }
    const finished: number[] = [];
    const result = mapBounded(broken(), 2, undefined, async (i) => void finished.push(i));
    await expect(result).rejects.toThrow("corrupt input");
    expect(finished).toEqual([1]);
  });

  it("stops starting items when the signal aborts and throws its reason", async () => {
    const controller = new AbortController();
    const { items, seen } = stream(100);
    const gate = deferred();
    const started: number[] = [];
    const result = mapBounded(items, 2, controller.signal, async (i) => {
      started.push(i);
      await gate.promise;
    });
    await ticks();
    controller.abort(new Error("cancelled"));
    gate.resolve();
    await expect(result).rejects.toThrow("cancelled");
    expect(started).toEqual([0, 1]);
    expect(seen.closed).toBe(true);
    await expect(mapBounded([1], 1, controller.signal, async () => 1)).rejects.toThrow("cancelled");
  });

  it("maps an empty stream to an empty list", async () => {
    expect(await mapBounded([], 4, undefined, async () => 1)).toEqual([]);
  });
});
