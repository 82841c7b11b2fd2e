import { describe, expect, it } from "vitest";
import { seededRng } from "../../src/engine/rng.js";
import { sentenceKeys, sentences, syllables, words } from "../../src/plugins/judge/text-features.js";

describe("text features", () => {
  it("syllables counts vowel groups, a final e not counted, at least one", () => {
    const reference = (w: string) => Math.max(1, w.replace(/e$/, "").match(/[aeiouy]+/g)?.length ?? 1);
    const rng = seededRng("syllables");
    const letters = "aeiouybcdfghklmnprstwé1";
    for (let i = 0; i < 5000; i++) {
      const w = Array.from({ length: 1 + rng.int(12) }, () => letters[rng.int(letters.length)]).join("");
      expect(syllables(w), w).toBe(reference(w));
    }
    expect([syllables("make"), syllables("reading"), syllables("rhythm"), syllables("e")]).toEqual([1, 2, 1, 1]);
  });

  it("sentences and their keys: split on terminal punctuation and line breaks, empty pieces dropped", () => {
    const text = "First one. Second, here!\n\n- item\n...\nFirst ONE.";
    expect(sentences(text)).toEqual(["First one.", "Second, here!", "- item", "First ONE."]);
    expect(sentenceKeys(text)).toEqual(["first one", "second here", "item", "first one"]);
    expect(words("Don't stop")).toEqual(["dont", "stop"]);
    expect(words("Ｄｏｎ＇ｔ ｓｔｏｐ")).toEqual(["dont", "stop"]); // the apostrophe appears only once NFKC-normalised
    expect(words("no quote here 42")).toEqual(["no", "quote", "here", "42"]);
  });
});
