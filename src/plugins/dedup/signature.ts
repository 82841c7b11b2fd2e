/**
 * MinHash signatures. Permutation i maps a shingle hash x to
 *   h_i(x) = (a_i·x + b_i) mod p,  p = 2^31 − 1 (a Mersenne prime),
 * and the signature keeps, for each i, the minimum over the text's shingles.
 *
 * Exact arithmetic in doubles: x < 2^31 and a_i < 2^21, so a_i·x + b_i < 2^53
 * and is an exact integer; the Mersenne reduction (v mod p = ⌊v/2^31⌋ + v mod 2^31,
 * then one conditional subtraction) uses only exact operations. Every a_i ≠ 0,
 * so each h_i is a permutation of [0, p).
 *
 * The coefficients come from a fixed constant, NOT the project seed: a
 * signature must stay the same across builds, seeds and releases so that
 * memoised signatures stay valid. Changing the constant or this scheme means
 * bumping the memo namespace ("minhash@1").
 */
import { shingleHashes, type ShingleSpec } from "./shingle.js";

export const MERSENNE_31 = 2147483647;
const TWO_31 = 2147483648;
const INV_TWO_31 = 1 / TWO_31;
const A_LIMIT = 1 << 21;
const COEFFICIENT_SEED = 0x6d696e68; // "minh"

export interface Permutations {
  readonly a: Float64Array;
  readonly b: Float64Array;
}

const cache = new Map<number, Permutations>();

/** The first `count` permutations (the first k are the same for every count ≥ k). */
export function permutations(count: number): Permutations {
  let perms = cache.get(count);
  if (!perms) {
    const next = mulberry32(COEFFICIENT_SEED);
    const a = new Float64Array(count);
    const b = new Float64Array(count);
    for (let i = 0; i < count; i++) {
      a[i] = 1 + (next() % (A_LIMIT - 1));
      b[i] = next() % MERSENNE_31;
    }
    perms = { a, b };
    cache.set(count, perms);
  }
  return perms;
}

/**
 * Writes the signature of `text` into `out[offset .. offset+numPerm)`. A text
 * with no shingles gets p in every slot (larger than any real minimum).
 */
export function signInto(text: string, spec: ShingleSpec, numPerm: number, out: Uint32Array, offset: number): void {
  const x = reducedShingles(text, spec);
  const { a, b } = permutations(numPerm);
  const count = x.length;
  let i = 0;
  // Four permutations per pass over the shingles: independent minima keep the CPU busy.
  for (; i + 4 <= numPerm; i += 4) {
    const a0 = a[i]!, a1 = a[i + 1]!, a2 = a[i + 2]!, a3 = a[i + 3]!;
    const b0 = b[i]!, b1 = b[i + 1]!, b2 = b[i + 2]!, b3 = b[i + 3]!;
    let m0 = MERSENNE_31, m1 = MERSENNE_31, m2 = MERSENNE_31, m3 = MERSENNE_31;
    for (let j = 0; j < count; j++) {
      const xj = x[j]!;
      let v = a0 * xj + b0;
      let hi = Math.floor(v * INV_TWO_31);
      let r = v - hi * TWO_31 + hi;
      if (r >= MERSENNE_31) r -= MERSENNE_31;
      if (r < m0) m0 = r;
      v = a1 * xj + b1;
      hi = Math.floor(v * INV_TWO_31);
      r = v - hi * TWO_31 + hi;
      if (r >= MERSENNE_31) r -= MERSENNE_31;
      if (r < m1) m1 = r;
      v = a2 * xj + b2;
      hi = Math.floor(v * INV_TWO_31);
      r = v - hi * TWO_31 + hi;
      if (r >= MERSENNE_31) r -= MERSENNE_31;
      if (r < m2) m2 = r;
      v = a3 * xj + b3;
      hi = Math.floor(v * INV_TWO_31);
      r = v - hi * TWO_31 + hi;
      if (r >= MERSENNE_31) r -= MERSENNE_31;
      if (r < m3) m3 = r;
    }
    out[offset + i] = m0;
    out[offset + i + 1] = m1;
    out[offset + i + 2] = m2;
    out[offset + i + 3] = m3;
  }
  for (; i < numPerm; i++) {
    let m = MERSENNE_31;
    for (let j = 0; j < count; j++) {
      const r = permute(a[i]!, b[i]!, x[j]!);
      if (r < m) m = r;
    }
    out[offset + i] = m;
  }
}

/** (a·x + b) mod p, exactly: the reference the unrolled loop above inlines. */
export function permute(a: number, b: number, x: number): number {
  const v = a * x + b;
  const hi = Math.floor(v * INV_TWO_31);
  const r = v - hi * TWO_31 + hi;
  return r >= MERSENNE_31 ? r - MERSENNE_31 : r;
}

/** Fraction of equal slots: the MinHash estimate of the Jaccard similarity. */
export function estimatedJaccard(sigA: ArrayLike<number>, sigB: ArrayLike<number>): number {
  let same = 0;
  for (let i = 0; i < sigA.length; i++) if (sigA[i] === sigB[i]) same++;
  return same / sigA.length;
}

let reduced = new Float64Array(256);

/** Shingle hashes reduced into [0, p), in a buffer reused across calls. */
function reducedShingles(text: string, spec: ShingleSpec): Float64Array {
  const hashes = shingleHashes(text, spec);
  if (hashes.length > reduced.length) reduced = new Float64Array(Math.max(hashes.length, reduced.length * 2));
  for (let j = 0; j < hashes.length; j++) reduced[j] = hashes[j]! % MERSENNE_31;
  return reduced.subarray(0, hashes.length);
}

/** A small, well-mixed 32-bit PRNG (mulberry32): only used for the fixed coefficients. */
function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  };
}
