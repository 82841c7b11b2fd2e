import { describe, expect, it } from "vitest";
import { failFastLimit } from "../../src/engine/async/fail-fast-limit.js";
import { deferred, Occupancy, ticks } from "./helpers.js";

describe("failFastLimit", () => {
  it("never runs more than n tasks, even when newcomers arrive while a slot is handed over", async () => {
    // The slot's hand-off spans a few microtask turns; a newcomer is sent at each of them.
    for (let offset = 0; offset < 8; offset++) {
      const limit = failFastLimit(1);
      const occupancy = new Occupancy();
      const gates: (() => void)[] = [];
      const task = () =>
        limit(async () => {
          occupancy.enter();
          await new Promise<void>((open) => gates.push(open));
          occupancy.leave();
        });
      const all = [task(), task()];
      await ticks();
      gates.shift()!();
      void ticks(offset).then(() => all.push(task()));
      await ticks();
      while (gates.length > 0) {
        gates.shift()!();
        await ticks();
      }
      await Promise.all(all);
      expect(occupancy.peak, `newcomer ${offset} turns after a release`).toBe(1);
    }
  });

  it("starts waiting tasks in arrival order", async () => {
    const limit = failFastLimit(2);
    const started: number[] = [];
    const gates = Array.from({ length: 5 }, () => deferred());
    const all = gates.map((gate, i) => limit(() => (started.push(i), gate.promise)));
    await ticks();
    expect(started).toEqual([0, 1]);
    gates[1]!.resolve();
    await ticks();
    gates[0]!.resolve();
    await ticks();
    expect(started).toEqual([0, 1, 2, 3]);
    for (const g of gates) g.resolve();
    await Promise.all(all);
    expect(started).toEqual([0, 1, 2, 3, 4]);
  });

  it("after a failure, fails waiting and later tasks with that error instead of starting them", async () => {
    const limit = failFastLimit(1);
    const started: string[] = [];
    const first = limit(async () => {
      started.push("first");
      throw new Error("endpoint down");
    });
    const waiting = limit(async () => void started.push("waiting"));
    await expect(first).rejects.toThrow("endpoint down");
    await expect(waiting).rejects.toThrow("endpoint down");
    await expect(limit(async () => void started.push("later"))).rejects.toThrow("endpoint down");
    expect(started).toEqual(["first"]);
  });

  it("rejects waiting tasks when the build's signal aborts, without starting them", async () => {
    const controller = new AbortController();
    const limit = failFastLimit(1, controller.signal);
    const gate = deferred();
    const running = limit(() => gate.promise);
    let started = false;
    const waiting = limit(async () => void (started = true));
    controller.abort(new Error("cancelled"));
    await expect(waiting).rejects.toThrow("cancelled");
    gate.resolve();
    await running;
    expect(started).toBe(false);
  });
});
