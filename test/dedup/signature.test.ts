import { describe, expect, it } from "vitest";
import { Clusters } from "../../src/plugins/dedup/clusters.js";
import { candidatePairs, optimalBands } from "../../src/plugins/dedup/lsh.js";
import { jaccard, shingleHashes, shingleSet } from "../../src/plugins/dedup/shingle.js";
import { estimatedJaccard, MERSENNE_31, permutations, permute, signInto } from "../../src/plugins/dedup/signature.js";
import { normaliseText } from "../../src/plugins/text/normalise.js";
import { prompts, replaceWords } from "./helpers.js";

const WORD3 = { kind: "word" as const, size: 3 };

/** FNV-1a 32 over UTF-16 code units, written plainly: the reference for shingle hashes. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h >>> 0;
}

function sign(text: string, numPerm = 128): Uint32Array {
  const out = new Uint32Array(numPerm);
  signInto(normaliseText(text), WORD3, numPerm, out, 0);
  return out;
}

describe("shingles", () => {
  it("hash each word n-gram's text with FNV-1a", () => {
    expect([...shingleHashes("the cat sat on", WORD3)]).toEqual([fnv1a("the cat sat"), fnv1a("cat sat on")]);
    expect([...shingleHashes("a\n\nb c", WORD3)]).toEqual([fnv1a("a b c")]);
    expect([...shingleHashes("abcd", { kind: "char", size: 3 })]).toEqual([fnv1a("abc"), fnv1a("bcd")]);
  });

  it("make one shingle of a short text and none of an empty one", () => {
    expect([...shingleHashes("hi there", WORD3)]).toEqual([fnv1a("hi there")]);
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

describe("permutations", () => {
  it("compute (a·x + b) mod (2^31 − 1) exactly, as BigInt does", () => {
    const { a, b } = permutations(128);
    const xs = [0, 1, 2, 12345, MERSENNE_31 - 1, 2 ** 30, 1_999_999_999];
    for (let i = 0; i < 128; i++) {
      for (const x of xs) {
        const want = Number((BigInt(a[i]!) * BigInt(x) + BigInt(b[i]!)) % BigInt(MERSENNE_31));
        expect(permute(a[i]!, b[i]!, x)).toBe(want);
      }
    }
  });

  it("come from a fixed constant: a signature never changes across builds (memo validity)", () => {
    const { a, b } = permutations(4);
    expect(permutations(128).a.subarray(0, 4)).toEqual(a);
    expect(permutations(128).b.subarray(0, 4)).toEqual(b);
    // Recorded once; if this changes, bump SIGNATURE_NAMESPACE ("minhash@1").
    expect([...sign("The quick brown fox jumps over the lazy dog", 4)]).toEqual(SNAPSHOT);
  });

  it("the unrolled loop agrees with the reference permutation", () => {
    const text = normaliseText(prompts[0]!);
    const x = [...shingleHashes(text, WORD3)].map((h) => h % MERSENNE_31);
    const { a, b } = permutations(7);
    const want = [...a].map((ai, i) => Math.min(...x.map((xj) => permute(ai, b[i]!, xj))));
    expect([...sign(prompts[0]!, 7)]).toEqual(want);
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
    expect(worst).toBeLessThan(0.2); // ~5 standard errors at 128 permutations
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
    const sigs = Uint32Array.from(rows.flat());
    const pairs = candidatePairs(sigs, rows.length, numPerm, { bands: 2, rows: 4 }, Uint8Array.from([0, 0, 0, 0, 1]));
    expect([...pairs]).toEqual([0, 1, 0, 2, 1, 2]);
  });
});

describe("clusters", () => {
  it("root every cluster at its smallest member, whatever the union order", () => {
    const c = new Clusters(6);
    c.union(5, 3);
    c.union(3, 4);
    c.union(4, 1);
    c.union(2, 0);
    expect([0, 1, 2, 3, 4, 5].map((i) => c.root(i))).toEqual([0, 1, 0, 1, 1, 1]);
  });
});

const SNAPSHOT = [7863393, 499520998, 778241052, 205524535];
