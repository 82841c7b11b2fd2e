import { describe, expect, it } from "vitest";
import { RecordedIndex } from "../../src/plugins/generate/recorded-index.js";

describe("RecordedIndex", () => {
  it("keeps each wanted key's outputs in the order added, across its columns' growth; others are not wanted", () => {
    const index = new RecordedIndex();
    for (let k = 0; k < 900; k++) index.want(`k${k}`);
    const a = index.generator("model-a");
    const b = index.generator("model-b");
    expect(index.generator("model-a")).toBe(a);
    for (let i = 0; i < 3000; i++) index.add(`k${i % 900}`, i % 2 ? b : a, { offset: i * 10, length: i });
    expect(index.wants("k5")).toBe(true);
    expect(index.wants("elsewhere")).toBe(false);
    expect(index.outputsOf("k5")).toEqual([5, 905, 1805, 2705].map((i) => ({ generator: i % 2 ? "model-b" : "model-a", text: { offset: i * 10, length: i } })));
    expect(index.outputsOf("never")).toEqual([]);
    expect(index.generators).toEqual(["model-a", "model-b"]);
  });
});
