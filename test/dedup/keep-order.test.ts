import { describe, expect, it } from "vitest";
import { greedyKeepers, inKeepOrder } from "../../src/plugins/dedup/keep-order.js";

describe("dedup keep rule", () => {
  it("a later record never bridges two earlier kept records (union-find would merge a and b through c)", () => {
    // 0~2 and 2~1, 0 !~ 1: with 0 and 1 only, both are kept; adding 2 must keep both still.
    expect([...greedyKeepers(2, [])]).toEqual([0, 1]);
    expect([...greedyKeepers(3, [[0, 2], [1, 2]])]).toEqual([0, 1, 0]);
  });

  it("a record duplicating only a removed record is kept", () => {
    expect([...greedyKeepers(3, [[0, 1], [1, 2]])]).toEqual([0, 0, 2]);
  });

  it("orders by the rank it is given, not by id", () => {
    const recs = [{ id: "a" }, { id: "b" }, { id: "c" }];
    const rank: Record<string, string> = { a: "3", b: "1", c: "2" };
    expect(inKeepOrder(recs, (r) => rank[r.id]!).map((r) => r.id)).toEqual(["b", "c", "a"]);
  });
});
