import { describe, expect, it } from "vitest";
import { ManualClock, systemClock } from "../../src/engine/async/clock.js";

describe("ManualClock", () => {
  it("fires due timers in due order, ties in creation order, with now() at each timer's time", () => {
    const clock = new ManualClock();
    const fired: string[] = [];
    const at = (name: string) => () => fired.push(`${name}@${clock.now()}`);
    clock.setTimeout(at("late"), 30);
    clock.setTimeout(at("tie1"), 10);
    clock.setTimeout(at("tie2"), 10);
    const cancelled = clock.setTimeout(at("cancelled"), 5);
    clock.clearTimeout(cancelled);
    clock.advance(20);
    expect(fired).toEqual(["tie1@10", "tie2@10"]);
    expect(clock.now()).toBe(20);
    expect(clock.pending).toBe(1);
    clock.advance(10);
    expect(fired).toEqual(["tie1@10", "tie2@10", "late@30"]);
  });

  it("fires a timer set by a firing timer when it falls due within the same advance", () => {
    const clock = new ManualClock();
    const fired: number[] = [];
    clock.setTimeout(() => clock.setTimeout(() => fired.push(clock.now()), 5), 5);
    clock.advance(10);
    expect(fired).toEqual([10]);
    clock.setTimeout(() => fired.push(-1), -5);
    clock.advance(0);
    expect(fired).toEqual([10, -1]);
  });
});

describe("systemClock", () => {
  it("is monotonic and clears its timers", () => {
    const t = systemClock.now();
    expect(systemClock.now()).toBeGreaterThanOrEqual(t);
    let fired = false;
    const timer = systemClock.setTimeout(() => (fired = true), 0);
    systemClock.clearTimeout(timer);
    systemClock.clearTimeout(undefined);
    expect(fired).toBe(false);
  });
});
