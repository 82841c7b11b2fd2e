import { getEventListeners } from "node:events";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../src/engine/async/clock.js";
import { sleep } from "../../src/engine/async/sleep.js";
import { ticks } from "./helpers.js";

describe("sleep", () => {
  it("waits on the clock it is given", async () => {
    const clock = new ManualClock();
    let woke = false;
    const sleeping = sleep(100, undefined, clock).then(() => (woke = true));
    clock.advance(99);
    await ticks();
    expect(woke).toBe(false);
    clock.advance(1);
    await sleeping;
    expect(woke).toBe(true);
  });

  it("rejects with the signal's reason on abort, and clears its timer", async () => {
    const clock = new ManualClock();
    const controller = new AbortController();
    const sleeping = sleep(1_000, controller.signal, clock);
    expect(clock.pending).toBe(1);
    controller.abort(new Error("cancelled"));
    await expect(sleeping).rejects.toThrow("cancelled");
    expect(clock.pending).toBe(0);
    await expect(sleep(10, controller.signal, clock)).rejects.toThrow("cancelled");
  });

  it("unsubscribes from the signal once it wakes, and resolves at once for no time", async () => {
    const clock = new ManualClock();
    const controller = new AbortController();
    const sleeping = sleep(5, controller.signal, clock);
    clock.advance(5);
    await sleeping;
    controller.abort(new Error("after"));
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
    await sleep(0, undefined, clock);
    expect(clock.pending).toBe(0);
  });
});
