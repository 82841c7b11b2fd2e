import { describe, expect, it } from "vitest";
import { sampleRank } from "../../src/engine/sample/order.js";
import { EntryTable } from "../../src/plugins/dedup/entry-table.js";
import { entryKeepOrder, sampleRankOf } from "../../src/plugins/dedup/keep-order.js";

describe("dedup's entry table", () => {
  const rankOf = sampleRankOf((id) => sampleRank(3, id));
  const records = Array.from({ length: 2_000 }, (_, i) => ({
    id: `r${i}`,
    promptId: `p${i % 700}`, // three records to most prompts: equal ranks, ordered by id
    ...(i % 3 === 0 ? { source: { file: "a.jsonl", line: i + 1 } } : {}),
    ...(i % 500 === 0 ? { duplicates: [{ id: `d${i}`, similarity: 0.9 }] } : {}),
  }));

  it("orders entries as their full 64-character ranks and ids do", async () => {
    const table = new EntryTable(rankOf);
    try {
      for (const r of records) table.add(r);
      const order = await entryKeepOrder(table, () => new Map());
      const expected = records
        .map((r, i) => ({ i, rank: rankOf(r), id: r.id }))
        .sort((a, b) => (a.rank < b.rank ? -1 : a.rank > b.rank ? 1 : a.id < b.id ? -1 : 1))
        .map((x) => x.i);
      expect(order).toEqual(expected);
    } finally {
      table.close();
    }
  });

  it("gives back each record's id, source and own duplicates from the spill", () => {
    const table = new EntryTable(rankOf);
    try {
      for (const r of records) table.add(r);
      expect(table.id(1999)).toBe("r1999");
      expect(table.extras(3)).toEqual({ source: { file: "a.jsonl", line: 4 } });
      expect(table.extras(500)).toEqual({ duplicates: [{ id: "d500", similarity: 0.9 }] });
      expect(table.extras(1)).toEqual({});
    } finally {
      table.close();
    }
  });

  it("refuses a rank that is not a hex digest", () => {
    const table = new EntryTable((r) => String(r.id));
    try {
      expect(() => table.add({ id: "not-a-digest" })).toThrow(/hex digest/);
    } finally {
      table.close();
    }
  });
});
