import { describe, expect, it } from "vitest";
import { normalisePrompt, normaliseText } from "../../src/plugins/text/normalise.js";
import { prompts } from "./helpers.js";

/** The definition, written plainly: normaliseText's fast paths must return exactly this. */
const plain = (text: string) => text.normalize("NFKC").toLowerCase().replace(/\s+/gu, " ").trim();

/** Pieces that exercise every branch: ASCII, white space of every kind, compatibility forms, case, astral characters. */
const PIECES = [
  "a", "Word", "ÉCOLE", "x", " ", "  ", "\t", "\n", "\r\n", "\v", "\f", "\u00a0", "\u2003", "\u3000", "\u2028", "\ufeff",
  "\u1680", "\u202f", "\u0085", "\u200b", "日本語", "中文", "😀", "👩‍👩‍👧", "e\u0301", "Å", "ﬁ", "①", "Ａ", "ǅ", "İ", "ß", "Σ", "\ud800", "!", "\u0000",
];

/** A deterministic pseudo-random stream (mulberry32), so failures reproduce. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

describe("normaliseText", () => {
  it("equals the plain NFKC / lower case / fold / trim definition on thousands of mixed strings", () => {
    const next = random(42);
    const strings = [""];
    for (let n = 0; n < 5000; n++) {
      const length = Math.floor(next() * 12);
      let s = "";
      for (let k = 0; k < length; k++) s += PIECES[Math.floor(next() * PIECES.length)];
      strings.push(s);
    }
    for (const s of strings) expect(normaliseText(s)).toBe(plain(s));
  });

  it("equals the definition on every single piece, alone and between words", () => {
    for (const p of PIECES) {
      for (const s of [p, `a${p}b`, `A ${p} B`, `${p}${p}`, ` ${p} `]) expect(normaliseText(s)).toBe(plain(s));
    }
  });

  it("equals the definition on real prompts and on case / white-space variants of them", () => {
    for (const p of prompts) {
      for (const s of [p, p.toUpperCase(), p.replace(/ /g, "  "), p.replace(/ /g, "\t"), `\n${p}\u00a0`, p.replace(/a/g, "Ａ")]) {
        expect(normaliseText(s)).toBe(plain(s));
      }
    }
  });

  it("folds white space, case and compatibility forms", () => {
    expect(normaliseText("  Hello\t\tWORLD\u00a0ﬁne\n")).toBe("hello world fine");
    expect(normalisePrompt([{ role: "user", content: " Hi\n there " }])).toBe("user: hi there");
  });
});
