import { describe, expect, it } from "vitest";
import { RankTable, sampleOrder, sampleOrderOf, sampleRank } from "../../src/engine/sample/order.js";

describe("the sample order's compact rank table", () => {
  const ids = Array.from({ length: 5_000 }, (_, i) => `prompt-${(i * 7919) % 4_000}`); // 4,000 ids, some twice

  it("places every root where the order of full ranks puts it, each id once", () => {
    const order = sampleOrder(11, ids, 100);
    const expected = sampleOrderOf(11, ids);
    expect(order.total).toBe(4_000);
    expect(order.admitted).toBe(100);
    expected.forEach((id, i) => expect(order.position(id)).toBe(i + 1));
  });

  it("knows no place for an id that is not a root, and ranks any id as before", () => {
    const ranks = new RankTable(11);
    for (const id of ids) ranks.add(id);
    const order = ranks.order();
    expect(order.admitted).toBe(4_000);
    expect(order.position("prompt-4000")).toBeUndefined();
    expect(order.position("")).toBeUndefined();
    expect(order.rank("prompt-3")).toBe(sampleRank(11, "prompt-3"));
  });

  it("is empty without roots", () => {
    const order = sampleOrder(1, []);
    expect([order.total, order.admitted, order.position("a")]).toEqual([0, 0, undefined]);
  });
});
