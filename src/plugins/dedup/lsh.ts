/**
 * Locality-sensitive hashing over MinHash signatures: the signature is cut
 * into b bands of r rows; two texts become a candidate pair when any band is
 * identical. P(candidate | Jaccard s) = 1 − (1 − s^r)^b, an S-curve whose
 * steep part sits near the threshold.
 */

export interface Bands {
  bands: number;
  rows: number;
}

export interface LshWeights {
  falsePositive: number;
  falseNegative: number;
}

/**
 * The (b, r) with b·r ≤ numPerm minimising
 *   wFP · ∫₀ᵗ P(candidate | s) ds + wFN · ∫ₜ¹ (1 − P(candidate | s)) ds,
 * the weighted areas of false positives below and false negatives above the
 * threshold t: the choice datasketch's MinHashLSH makes (it also allows b·r < numPerm).
 */
export function optimalBands(threshold: number, numPerm: number, weights: LshWeights): Bands {
  let best: Bands = { bands: 1, rows: numPerm };
  let bestError = Infinity;
  for (let bands = 1; bands <= numPerm; bands++) {
    for (let rows = 1; rows * bands <= numPerm; rows++) {
      const p = (s: number) => 1 - (1 - s ** rows) ** bands;
      const falsePositive = integrate(p, 0, threshold);
      const falseNegative = integrate((s) => 1 - p(s), threshold, 1);
      const error = weights.falsePositive * falsePositive + weights.falseNegative * falseNegative;
      if (error < bestError) {
        bestError = error;
        best = { bands, rows };
      }
    }
  }
  return best;
}

/** Composite Simpson's rule: smooth integrands, plenty accurate for ranking (b, r). */
function integrate(f: (s: number) => number, from: number, to: number, steps = 200): number {
  const h = (to - from) / steps;
  let sum = f(from) + f(to);
  for (let k = 1; k < steps; k++) sum += (k % 2 ? 4 : 2) * f(from + k * h);
  return (sum * h) / 3;
}

/**
 * The most texts of one band bucket that are paired all with all. A bigger
 * bucket (thousands of near-identical texts, e.g. one template filled in)
 * would make k²/2 pairs to verify; its members are paired with the bucket's
 * first member and with their neighbour in it instead, 2k pairs, which still
 * joins every member similar to the first or to a neighbour.
 */
export const FULL_BUCKET = 256;

export interface Candidates {
  /** Flat [i, j, i, j, …] with i < j, each pair once, sorted. */
  pairs: Uint32Array;
  /** Buckets larger than FULL_BUCKET, paired star-and-chain instead of all with all. */
  oversizedBuckets: number;
}

/**
 * Candidate pairs [i, j] (i < j) of the rows of `signatures` (n rows of
 * numPerm values) that share at least one band. Rows where `skip[i]` is set
 * (texts without shingles) take no part.
 */
export function candidatePairs(signatures: Uint16Array, n: number, numPerm: number, bands: Bands, skip: Uint8Array): Candidates {
  const keys = new Uint32Array(n * bands.bands);
  for (let i = 0; i < n; i++) bandKeysInto(signatures, i * numPerm, bands, keys, i * bands.bands);
  return candidatePairsOfKeys(keys, n, bands.bands, skip);
}

/**
 * Writes the band keys of the signature at `signatures[from…]` into
 * `out[at…at + bands)`: each band is reduced to a 32-bit key (a key collision
 * only adds a candidate that verification then rejects, it never loses one).
 * Dedup keeps these 64 bytes a text rather than its 256-byte signature.
 */
export function bandKeysInto(signatures: Uint16Array, from: number, { bands, rows }: Bands, out: Uint32Array, at: number): void {
  for (let band = 0; band < bands; band++) out[at + band] = bandKey(signatures, from + band * rows, rows);
}

/**
 * Candidate pairs [i, j] (i < j) among n texts that share a band key: text
 * i's keys are row `rowOf[i]` (default i) of `keys` (rows of `bands` keys).
 * Texts where `skip[i]` is set take no part.
 */
export function candidatePairsOfKeys(keys: Uint32Array, n: number, bands: number, skip: Uint8Array, rowOf?: ArrayLike<number>): Candidates {
  const found: number[] = [];
  const sortable = new Float64Array(n);
  let oversizedBuckets = 0;
  for (let band = 0; band < bands; band++) {
    let m = 0;
    for (let i = 0; i < n; i++) {
      if (skip[i]) continue;
      sortable[m++] = keys[(rowOf ? rowOf[i]! : i) * bands + band]! * INDEX_SPAN + i;
    }
    oversizedBuckets += collectRuns(sortable.subarray(0, m).sort(), found);
  }
  return { pairs: uniquePairs(found), oversizedBuckets };
}

/** Packing (key, index) into one double: key < 2^32, index < 2^21, total < 2^53. */
const INDEX_SPAN = 2 ** 21;
export const MAX_TEXTS = INDEX_SPAN;

function bandKey(sig: Uint16Array, from: number, rows: number): number {
  let h = 0x9e3779b9;
  for (let k = 0; k < rows; k++) {
    h = Math.imul(h ^ sig[from + k]!, 0x85ebca6b);
    h ^= h >>> 13;
  }
  h = Math.imul(h ^ (h >>> 16), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * The pairs inside each run of equal keys (indices ascending within a run), as
 * packed i·2^21 + j: all of them, or star and chain for a run longer than
 * FULL_BUCKET. Returns how many runs were that long.
 */
function collectRuns(sorted: Float64Array, found: number[]): number {
  let oversized = 0;
  let start = 0;
  while (start < sorted.length) {
    const key = Math.floor(sorted[start]! / INDEX_SPAN);
    let end = start + 1;
    while (end < sorted.length && Math.floor(sorted[end]! / INDEX_SPAN) === key) end++;
    const index = (x: number) => sorted[x]! - key * INDEX_SPAN;
    if (end - start <= FULL_BUCKET) {
      for (let x = start; x < end; x++) {
        for (let y = x + 1; y < end; y++) found.push(index(x) * INDEX_SPAN + index(y));
      }
    } else {
      oversized++;
      for (let y = start + 1; y < end; y++) {
        found.push(index(start) * INDEX_SPAN + index(y));
        if (y > start + 1) found.push(index(y - 1) * INDEX_SPAN + index(y));
      }
    }
    start = end;
  }
  return oversized;
}

function uniquePairs(found: number[]): Uint32Array {
  const packed = Float64Array.from(found).sort();
  const out: number[] = [];
  for (let k = 0; k < packed.length; k++) {
    if (k > 0 && packed[k] === packed[k - 1]) continue;
    const i = Math.floor(packed[k]! / INDEX_SPAN);
    out.push(i, packed[k]! - i * INDEX_SPAN);
  }
  return Uint32Array.from(out);
}
