import { describe, expect, it } from "vitest";
import { sampleRank } from "../../src/engine/sample/order.js";
import { splitAndOrder } from "../../src/plugins/export/order.js";
import type { ExportPair } from "../../src/plugins/export/pairs.js";

const pair = (promptId: string, k = 0): ExportPair =>
  ({ id: `${promptId}-${k}`, promptId, prompt: promptId, stratum: "(none)", chosen: { id: "c", text: "c" }, rejected: { id: "r", text: "r" } }) as ExportPair;
const rank = (id: string) => sampleRank(7, id);

describe("sample order of an export", () => {
  it("adding prompts never moves earlier pairs: the eval split is unchanged and train is a prefix", () => {
    const all = Array.from({ length: 300 }, (_, i) => pair(`p${i}`));
    const ranked = [...all].sort((a, b) => (rank(a.promptId) < rank(b.promptId) ? -1 : 1));
    const first = splitAndOrder(ranked.slice(0, 120), 20, rank);
    const later = splitAndOrder(all, 20, rank);
    expect(later.eval).toEqual(first.eval);
    expect(later.train.slice(0, first.train.length)).toEqual(first.train);
  });

  it("holds out whole prompts, never splitting one between eval and train", () => {
    const pairs = ["a", "b", "c", "d", "e"].flatMap((p) => [pair(p, 0), pair(p, 1)]);
    const split = splitAndOrder(pairs, 3, rank);
    expect(split.eval).toHaveLength(4);
    const held = new Set(split.eval.map((p) => p.promptId));
    expect(split.train.some((p) => held.has(p.promptId))).toBe(false);
  });
});
