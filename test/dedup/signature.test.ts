import { describe, expect, it } from "vitest";
import { candidatePairs, FULL_BUCKET, optimalBands } from "../../src/plugins/dedup/lsh.js";
import { jaccard, shingleHashes, shingleSet } from "../../src/plugins/dedup/shingle.js";
import { binOf, EMPTY_SLOT, estimatedJaccard, isEmptySignature, mix32, signInto, slotValue } from "../../src/plugins/dedup/signature.js";
import { normaliseText } from "../../src/plugins/text/normalise.js";
import { prompts, replaceWords } from "./helpers.js";

const WORD3 = { kind: "word" as const, size: 3 };

/** FNV-1a 32 over UTF-16 code units, written plainly: the reference for shingle hashes. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h >>> 0;
}

/** A word shingle's hash, written plainly: its words' FNV-1a hashes combined in order. */
function wordShingle(text: string): number {
  let h = 0x811c9dc5;
  for (const word of text.split(" ")) {
    h = Math.imul(h ^ fnv1a(word), 0x85ebca6b);
    h ^= h >>> 13;
  }
  return h >>> 0;
}

function sign(text: string, numPerm = 128): Uint16Array {
  const out = new Uint16Array(numPerm);
  signInto(normaliseText(text), WORD3, numPerm, out, 0);
  return out;
}

describe("shingles", () => {
  it("hash each word n-gram from its words' FNV-1a hashes, and each character n-gram with FNV-1a", () => {
    expect([...shingleHashes("the cat sat on", WORD3)]).toEqual([wordShingle("the cat sat"), wordShingle("cat sat on")]);
    expect([...shingleHashes("a\n\nb c", WORD3)]).toEqual([wordShingle("a b c")]);
    expect([...shingleHashes("abcd", { kind: "char", size: 3 })]).toEqual([fnv1a("abc"), fnv1a("bcd")]);
  });

  it("tell apart shingles that only split the same letters differently", () => {
    const [ab] = shingleHashes("ab c d", WORD3);
    const [a] = shingleHashes("a bc d", WORD3);
    expect(ab).not.toBe(a);
  });

  it("make one shingle of a short text and none of an empty one", () => {
    expect([...shingleHashes("hi there", WORD3)]).toEqual([wordShingle("hi there")]);
    expect(shingleHashes("", WORD3)).toHaveLength(0);
    expect(shingleHashes("", { kind: "char", size: 5 })).toHaveLength(0);
  });

  it("give exact Jaccard of the distinct shingles", () => {
    const a = shingleSet("a b c d a b c", WORD3); // {abc, bcd, cda, dab}
    const b = shingleSet("a b c d e", WORD3); // {abc, bcd, cde}
    expect(a).toHaveLength(4);
    expect(jaccard(a, b)).toBeCloseTo(2 / 5, 12);
  });
});

/** One-permutation hashing written plainly: bins of the mixed hashes, then borrowing for empty bins. */
function referenceSignature(text: string, numPerm: number): number[] {
  const hashes = [...shingleHashes(normaliseText(text), WORD3)].map(mix32);
  const bins = Array.from({ length: numPerm }, (_, i) => hashes.filter((h) => binOf(h, numPerm) === i));
  const minima = bins.map((b) => (b.length ? Math.min(...b) : undefined));
  return minima.map((m, i) => {
    if (m !== undefined) return slotValue(m);
    for (let attempt = 1; ; attempt++) {
      const j = binOf(mix32(Math.imul(i + 1, 0x9e3779b1) ^ Math.imul(attempt, 0x85ebca6b)), numPerm);
      if (minima[j] !== undefined) return slotValue(minima[j]!);
    }
  });
}

describe("signatures", () => {
  it("bin each shingle's mixed hash by its position in the 32-bit range", () => {
    expect(binOf(0, 128)).toBe(0);
    expect(binOf(-1, 128)).toBe(127); // 2^32 − 1
    expect(binOf(0x7fffffff, 128)).toBe(63);
    expect(binOf(-0x80000000, 128)).toBe(64); // 2^31
    expect(binOf(-1, 100)).toBe(99);
  });

  it("agree with one-permutation hashing written plainly, for short texts (mostly borrowed bins) and long ones", () => {
    for (const p of [prompts[0]!, prompts[1]!, "just one shingle", prompts.slice(0, 8).join(" ")]) {
      for (const numPerm of [8, 100, 128]) expect([...sign(p, numPerm)]).toEqual(referenceSignature(p, numPerm));
    }
  });

  it("keep the low 16 bits of each minimum, never the empty marker", () => {
    expect(slotValue(0x12345678)).toBe(0x5678);
    expect(slotValue(-1)).toBe(EMPTY_SLOT - 1);
    expect(slotValue(0x7fffffff)).toBe(EMPTY_SLOT - 1);
    expect(slotValue(0x10000)).toBe(0);
  });

  it("mark only texts without shingles as empty", () => {
    const sigs = new Uint16Array(3 * 16);
    signInto("", WORD3, 16, sigs, 0);
    signInto("one", WORD3, 16, sigs, 16);
    signInto(normaliseText(prompts[0]!), WORD3, 16, sigs, 32);
    expect([0, 1, 2].map((g) => isEmptySignature(sigs, g, 16))).toEqual([true, false, false]);
    expect([...sigs.subarray(0, 16)].every((v) => v === EMPTY_SLOT)).toBe(true);
  });

  it("come from fixed constants: a signature never changes across builds (memo validity)", () => {
    // Recorded once; if this changes, bump SIGNATURE_NAMESPACE (signature-chunks.ts).
    expect([...sign("The quick brown fox jumps over the lazy dog", 8)]).toEqual(SNAPSHOT);
  });

  it("estimate Jaccard without bias on real prompts", () => {
    const errors: number[] = [];
    for (const p of prompts.slice(0, 60)) {
      for (const every of [3, 6, 12, 1e6]) {
        const q = replaceWords(p, every, 1);
        const exact = jaccard(shingleSet(normaliseText(p), WORD3), shingleSet(normaliseText(q), WORD3));
        errors.push(estimatedJaccard(sign(p), sign(q)) - exact);
      }
    }
    const mean = errors.reduce((s, e) => s + e, 0) / errors.length;
    const worst = Math.max(...errors.map(Math.abs));
    expect(Math.abs(mean)).toBeLessThan(0.02);
    expect(worst).toBeLessThan(0.2); // ~5 standard errors at 128 slots
  });

  it("estimate Jaccard without bias on ~1 KB texts at every similarity", () => {
    const long = prompts.slice(0, 40).join(" ");
    const errors: number[] = [];
    for (let every = 2; every <= 60; every++) {
      const q = replaceWords(long, every, every % 7);
      const exact = jaccard(shingleSet(normaliseText(long), WORD3), shingleSet(normaliseText(q), WORD3));
      errors.push(estimatedJaccard(sign(long), sign(q)) - exact);
    }
    const mean = errors.reduce((s, e) => s + e, 0) / errors.length;
    expect(Math.abs(mean)).toBeLessThan(0.02);
    expect(Math.max(...errors.map(Math.abs))).toBeLessThan(0.2);
  });
});

describe("LSH", () => {
  it("picks datasketch's bands × rows for equal weights, and more bands when misses weigh more", () => {
    expect(optimalBands(0.8, 128, { falsePositive: 0.5, falseNegative: 0.5 })).toEqual({ bands: 9, rows: 13 });
    expect(optimalBands(0.8, 128, { falsePositive: 0.05, falseNegative: 0.95 })).toEqual({ bands: 16, rows: 8 });
  });

  it("proposes pairs that share a band, once each, and skips texts without shingles", () => {
    const numPerm = 8;
    const rows = [
      [1, 2, 3, 4, 5, 6, 7, 8],
      [9, 9, 9, 9, 5, 6, 7, 8], // shares band 2 with row 0
      [1, 2, 3, 4, 5, 6, 7, 8], // shares both bands with row 0, band 2 with row 1
      [9, 8, 7, 6, 4, 3, 2, 1],
      [1, 2, 3, 4, 0, 0, 0, 0], // shares band 1, but is skipped
    ];
    const sigs = Uint16Array.from(rows.flat());
    const { pairs, oversizedBuckets } = candidatePairs(sigs, rows.length, numPerm, { bands: 2, rows: 4 }, Uint8Array.from([0, 0, 0, 0, 1]));
    expect([...pairs]).toEqual([0, 1, 0, 2, 1, 2]);
    expect(oversizedBuckets).toBe(0);
  });

  it("pairs a bucket bigger than FULL_BUCKET star-and-chain, not all with all", () => {
    const numPerm = 4;
    const n = FULL_BUCKET + 50;
    const sigs = new Uint16Array(n * numPerm).fill(7); // every text in the one bucket
    const { pairs, oversizedBuckets } = candidatePairs(sigs, n, numPerm, { bands: 1, rows: 4 }, new Uint8Array(n));
    expect(oversizedBuckets).toBe(1);
    const got = new Set<string>();
    for (let k = 0; k < pairs.length; k += 2) got.add(`${pairs[k]}-${pairs[k + 1]}`);
    const expected = new Set<string>();
    for (let j = 1; j < n; j++) expected.add(`0-${j}`);
    for (let j = 2; j < n; j++) expected.add(`${j - 1}-${j}`);
    expect(got).toEqual(expected);
    expect(pairs.length / 2).toBe(2 * n - 3);
  });
});

const SNAPSHOT = [5392, 58434, 58434, 5392, 5392, 23227, 23227, 23227];
