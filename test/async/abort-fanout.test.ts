import { getEventListeners } from "node:events";
import { describe, expect, it } from "vitest";
import { onAbort, subscribe, type AbortSubscriber } from "../../src/engine/async/abort-fanout.js";
import { Semaphore } from "../../src/engine/async/semaphore.js";
import { sleep } from "../../src/engine/async/sleep.js";
import { ManualClock } from "../../src/engine/async/clock.js";

describe("abort fan-out", () => {
  it("gives a signal one listener, whoever waits on it: subscribers, semaphores, sleeps", async () => {
    const controller = new AbortController();
    const { signal } = controller;
    const calls: string[] = [];
    onAbort(signal, () => calls.push("a"));
    subscribe(signal, { aborted: (reason) => calls.push(`node: ${(reason as Error).message}`) });
    const semaphores = [new Semaphore(1), new Semaphore(1)];
    const waits = semaphores.map(async (sem) => {
      await sem.acquire();
      return sem.acquire(signal);
    });
    await Promise.resolve();
    const sleeping = sleep(1_000, signal, new ManualClock());
    expect(getEventListeners(signal, "abort")).toHaveLength(1);
    controller.abort(new Error("stop"));
    expect(calls).toEqual(["a", "node: stop"]);
    for (const w of [...waits, sleeping]) await expect(w).rejects.toThrow("stop");
  });

  it("calls subscribers in order, skips those that left, and calls a late one at once", () => {
    const controller = new AbortController();
    const calls: number[] = [];
    const offs = Array.from({ length: 10 }, (_, i) => onAbort(controller.signal, () => calls.push(i)));
    offs.slice(0, 5).forEach((off) => off());
    offs[0]!(); // leaving twice is harmless
    controller.abort();
    expect(calls).toEqual([5, 6, 7, 8, 9]);
    let late = false;
    onAbort(controller.signal, () => (late = true));
    expect(late).toBe(true);
  });

  it("never calls a subscriber that an earlier one took out during the fan-out, and misses none after it", () => {
    const controller = new AbortController();
    const calls: string[] = [];
    const node = (name: string, also?: () => void): AbortSubscriber => ({ aborted: () => (calls.push(name), also?.()) });
    const list = subscribe(controller.signal, node("first", () => list.remove(second)));
    const second = node("second");
    subscribe(controller.signal, second);
    subscribe(controller.signal, node("third"));
    controller.abort();
    expect(calls).toEqual(["first", "third"]);
  });
});
