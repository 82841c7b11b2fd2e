/**
 * MinHash signatures by one-permutation hashing with optimal densification
 * (Li, Owen & Zhang 2012; Shrivastava 2017). Instead of numPerm independent
 * permutations (numPerm hash evaluations per shingle), each shingle is hashed
 * once, and the hash both picks one of numPerm bins (its high part) and orders
 * the shingles within that bin: slot i of the signature is the smallest hash
 * that fell into bin i (its low 16 bits are kept, see EMPTY_SLOT). A bin no shingle fell into borrows the value of another
 * bin, chosen by a fixed sequence of probes that depends on the bin number
 * only, so two texts with the same empty bins borrow from the same places.
 * Two texts agree in a slot with probability equal to their Jaccard
 * similarity, as with classic MinHash, at the cost of one hash per shingle.
 *
 * The hash is murmur3's finaliser over the shingle hash (FNV's weak bits do
 * not carry over) and the probe sequence is fixed: NOT the project seed. A
 * signature must stay the same across builds, seeds and releases so that
 * memoised signatures stay valid. Changing any of this means bumping the memo
 * namespace (SIGNATURE_NAMESPACE in signature-chunks.ts).
 */
import { shingleHashes, type ShingleSpec } from "./shingle.js";

/**
 * Every slot of the signature of a text without shingles, and of no other:
 * a slot keeps the low 16 bits of its minimum (b-bit MinHash, Li & König
 * 2010: two different minima agree by chance with probability ~2^-16, which
 * neither the estimate nor LSH notices, and the signature takes half the
 * memo), with 0xffff folded onto 0xfffe.
 */
export const EMPTY_SLOT = 0xffff;
const SLOT_MASK = 0xffff;
const TWO_32 = 4294967296;

let minima = new Int32Array(128);
let filled = new Uint8Array(128);

/**
 * Writes the signature of `text` into `out[offset .. offset+numPerm)`, each
 * slot the low bits of a (signed 32-bit) minimum, see EMPTY_SLOT. A text with
 * no shingles, and only such a text, gets EMPTY_SLOT in every slot.
 */
export function signInto(text: string, spec: ShingleSpec, numPerm: number, out: Uint16Array, offset: number): void {
  const x = shingleHashes(text, spec);
  if (numPerm > minima.length) {
    minima = new Int32Array(numPerm);
    filled = new Uint8Array(numPerm);
  }
  filled.fill(0, 0, numPerm);
  let bins = 0;
  for (let j = 0; j < x.length; j++) {
    const h = mix32(x[j]!);
    const bin = binOf(h, numPerm);
    if (filled[bin] === 0) {
      filled[bin] = 1;
      minima[bin] = h;
      bins++;
    } else if (h < minima[bin]!) minima[bin] = h;
  }
  for (let i = 0; i < numPerm; i++) {
    out[offset + i] = bins === 0 ? EMPTY_SLOT : slotValue(filled[i] ? minima[i]! : minima[donorBin(i, numPerm, filled)]!);
  }
}

/** The stored part of a minimum: its low 16 bits, never EMPTY_SLOT. */
export function slotValue(minimum: number): number {
  const low = minimum & SLOT_MASK;
  return low === EMPTY_SLOT ? EMPTY_SLOT - 1 : low;
}

/** The bin of a (signed) hash: its position in the 32-bit range, scaled to [0, numPerm). */
export function binOf(h: number, numPerm: number): number {
  return Math.floor(((h >>> 0) * numPerm) / TWO_32);
}

/** The first filled bin in empty bin i's fixed probe sequence (at least one bin is filled). */
function donorBin(i: number, numPerm: number, filled: Uint8Array): number {
  for (let attempt = 1; ; attempt++) {
    const j = binOf(mix32(Math.imul(i + 1, 0x9e3779b1) ^ Math.imul(attempt, 0x85ebca6b)), numPerm);
    if (filled[j]) return j;
  }
}

/** murmur3's fmix32: a bijection of the 32-bit values that spreads every input bit over the output. */
export function mix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

/** True when row `slot` of a signature matrix is the signature of a text without shingles. */
export function isEmptySignature(signatures: Uint16Array, slot: number, numPerm: number): boolean {
  for (let i = slot * numPerm; i < (slot + 1) * numPerm; i++) if (signatures[i] !== EMPTY_SLOT) return false;
  return true;
}

/** Fraction of equal slots: the MinHash estimate of the Jaccard similarity. */
export function estimatedJaccard(sigA: ArrayLike<number>, sigB: ArrayLike<number>): number {
  let same = 0;
  for (let i = 0; i < sigA.length; i++) if (sigA[i] === sigB[i]) same++;
  return same / sigA.length;
}
