import { getEventListeners } from "node:events";
import { describe, expect, it } from "vitest";
import { Semaphore } from "../../src/engine/async/semaphore.js";
import { ticks } from "./helpers.js";

describe("Semaphore", () => {
  it("serves waiters first come, first served, never more than `size` at once", async () => {
    const sem = new Semaphore(2);
    const releases = new Map<number, () => void>();
    const order: number[] = [];
    for (let i = 0; i < 6; i++) void sem.acquire().then((release) => (order.push(i), releases.set(i, release)));
    await ticks();
    expect(order).toEqual([0, 1]);
    releases.get(1)!();
    await ticks();
    expect(order).toEqual([0, 1, 2]);
    releases.get(0)!();
    releases.get(0)!(); // a second release of the same slot frees nothing
    await ticks();
    expect(order).toEqual([0, 1, 2, 3]);
    for (const i of [2, 3, 4, 5]) {
      releases.get(i)!();
      await ticks();
    }
    expect(order).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it("hands a released slot to the waiter, so a newcomer cannot take it first", async () => {
    const sem = new Semaphore(1);
    const release = await sem.acquire();
    const order: string[] = [];
    const waiter = sem.acquire().then((r) => (order.push("waiter"), r));
    await ticks();
    release();
    const newcomer = sem.acquire().then((r) => (order.push("newcomer"), r));
    (await waiter)();
    (await newcomer)();
    expect(order).toEqual(["waiter", "newcomer"]);
  });

  it("rejects a waiter whose signal aborts, keeps the others in order, and listens once per signal", async () => {
    const sem = new Semaphore(1);
    const release = await sem.acquire();
    const a = new AbortController();
    const b = new AbortController();
    const order: string[] = [];
    const wait = (name: string, signal: AbortSignal) =>
      sem.acquire(signal).then(
        (r) => (order.push(name), r()),
        (e: Error) => order.push(`${name}: ${e.message}`),
      );
    const all = [wait("a1", a.signal), wait("b1", b.signal), wait("a2", a.signal), wait("b2", b.signal)];
    expect(getEventListeners(a.signal, "abort")).toHaveLength(1);
    a.abort(new Error("stop"));
    release();
    await Promise.all(all);
    expect(order).toEqual(["a1: stop", "a2: stop", "b1", "b2"]);
  });

  it("refuses an already aborted signal without taking a slot", async () => {
    const sem = new Semaphore(1);
    await expect(sem.acquire(AbortSignal.abort(new Error("late")))).rejects.toThrow("late");
    const release = await sem.acquire();
    release();
  });

  it("needs a size of at least one", () => {
    expect(() => new Semaphore(0)).toThrow(RangeError);
  });
});
