import { describe, expect, it } from "vitest";
import { seededRng } from "../../src/engine/rng.js";
import { interleave, stratifiedOrder } from "../../src/plugins/export/order.js";

describe("stratified order", () => {
  it("interleaves strata so every prefix is within one item of proportional", () => {
    const strata = new Map([
      ["a", Array.from({ length: 7 }, (_, i) => `a${i}`)],
      ["b", ["b0", "b1"]],
      ["c", ["c0"]],
    ]);
    const out = interleave(strata);
    expect(out).toHaveLength(10);
    expect(out.filter((x) => x.startsWith("a"))).toEqual(strata.get("a")); // each stratum keeps its own order
    for (let k = 1; k <= out.length; k++) {
      for (const [s, list] of strata) {
        const taken = out.slice(0, k).filter((x) => x.startsWith(s)).length;
        expect(Math.abs(taken - (k * list.length) / 10)).toBeLessThan(1);
      }
    }
  });

  it("handles no items and a single stratum", () => {
    expect(interleave(new Map())).toEqual([]);
    expect(interleave(new Map([["only", [3, 1, 2]]]))).toEqual([3, 1, 2]);
  });

  it("shuffles each stratum with its own seeded stream: same seed, same order", () => {
    const items = Array.from({ length: 40 }, (_, i) => ({ id: i, s: i % 3 === 0 ? "x" : "y" }));
    const order = (list: typeof items) =>
      stratifiedOrder(list, (t) => t.s, (s) => seededRng("test", s)).map((t) => t.id);
    const a = order(items);
    expect(order(items)).toEqual(a);
    expect(a).not.toEqual(items.map((t) => t.id));
    expect([...a].sort((p, q) => p - q)).toEqual(items.map((t) => t.id));
  });
});
