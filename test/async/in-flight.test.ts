import { describe, expect, it } from "vitest";
import { InFlight } from "../../src/engine/async/in-flight.js";
import { deferred } from "./helpers.js";

describe("InFlight", () => {
  it("runs once per key while running, then forgets the key", async () => {
    const inFlight = new InFlight<string, number>();
    const gate = deferred<number>();
    let starts = 0;
    const start = () => (starts++, gate.promise);
    const a = inFlight.run("k", start);
    const b = inFlight.run("k", start);
    const other = inFlight.run("other", () => Promise.resolve(7));
    expect(a).toBe(b);
    expect(inFlight.size).toBe(2);
    gate.resolve(42);
    expect(await Promise.all([a, b, other])).toEqual([42, 42, 7]);
    expect(starts).toBe(1);
    expect(inFlight.size).toBe(0);
    expect(await inFlight.run("k", () => (starts++, Promise.resolve(43)))).toBe(43);
    expect(starts).toBe(2);
  });

  it("shares a failure with everyone waiting, and lets the next call try again", async () => {
    const inFlight = new InFlight<string, number>();
    const failing = inFlight.track("k", Promise.reject(new Error("timeout")));
    expect(inFlight.get("k")).toBe(failing);
    await expect(inFlight.get("k")!).rejects.toThrow("timeout");
    expect(inFlight.get("k")).toBeUndefined();
    expect(await inFlight.run("k", () => Promise.resolve(1))).toBe(1);
  });
});
