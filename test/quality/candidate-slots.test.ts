import { describe, expect, it } from "vitest";
import { CandidateSlots } from "../../src/plugins/quality/candidate-slots.js";
import { seededRng } from "../../src/engine/rng.js";

describe("CandidateSlots", () => {
  it("numbers ids in order of first sight, like a Map, over hex and other ids and several growths", () => {
    const rng = seededRng("candidate-slots");
    const hex = (n: number) => Array.from({ length: n }, () => "0123456789abcdef"[rng.int(16)]).join("");
    const pool = [
      ...Array.from({ length: 6000 }, () => hex(16)),
      // Hex ids counting up (a user's own), and ids that are almost the pipeline's.
      ...Array.from({ length: 3000 }, (_, i) => i.toString(16).padStart(16, "0")),
      ...Array.from({ length: 500 }, () => hex(15)),
      ...Array.from({ length: 500 }, () => hex(17)),
      ...Array.from({ length: 500 }, () => hex(16).toUpperCase()),
      ...Array.from({ length: 500 }, () => `${hex(15)}g`),
      ...Array.from({ length: 500 }, (_, i) => `p${i}:chosen`),
      "0000000000000000",
      "ffffffffffffffff",
      "FFFFFFFFFFFFFFFF",
      "",
    ];
    const ids = Array.from({ length: 40_000 }, () => pool[rng.int(pool.length)]!);
    const slots = new CandidateSlots();
    const want = new Map<string, number>();
    for (const id of ids) if (!want.has(id)) want.set(id, want.size);
    expect(ids.map((id) => slots.slotOf(id))).toEqual(ids.map((id) => want.get(id)));
    expect(slots.size).toBe(want.size);
    expect([...want.keys()].map((id) => slots.slotOf(id))).toEqual([...want.values()]);
    expect(want.size).toBeGreaterThan(8000);
  });

  it("keeps a lowercase hex id and its uppercase spelling apart", () => {
    const slots = new CandidateSlots();
    expect([slots.slotOf("00000000000000ab"), slots.slotOf("00000000000000AB"), slots.slotOf("00000000000000ab")]).toEqual([0, 1, 0]);
  });
});
