/**
 * Shingling: a normalised text becomes the set of 32-bit hashes of its
 * shingles, either word n-grams (n consecutive words joined by one space) or
 * character n-grams (n consecutive UTF-16 code units). A character shingle's
 * hash is FNV-1a over its code units; a word shingle's hash combines the FNV-1a
 * hashes of its words. Either way a shingle's hash depends on its text only,
 * never on where or how it was found.
 *
 * A text shorter than one shingle is a single shingle of the whole text; an
 * empty text has no shingles (and so never becomes a near-duplicate).
 *
 * Scripts that put no spaces between words (Chinese, Japanese, Thai, Lao,
 * Khmer, Myanmar) would make a whole sentence one "word", so two texts that
 * differ in one character would share no shingle. A text in which at least
 * UNSPACED_SHARE of the non-space characters belong to such scripts is
 * therefore shingled by characters even when words were asked for (unless
 * `unspaced: "word"`).
 */
export type ShingleKind = "word" | "char";

export interface ShingleSpec {
  kind: ShingleKind;
  /** Words or characters per shingle. */
  size: number;
  /** With `kind: "word"`: how texts mostly in unspaced scripts are shingled (default "char"). */
  unspaced?: ShingleKind;
}

/** The share of unspaced-script characters from which a text counts as written in one. */
export const UNSPACED_SHARE = 0.3;
const UNSPACED_CHAR = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]/gu;
const NON_ASCII = /[^\x00-\x7f]/;

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const SPACE = 32;
const NEWLINE = 10;

/**
 * The shingle hashes of a text, in text order, duplicates included. The
 * result is a view of a buffer reused by the next call (signing thousands of
 * texts allocates nothing per text): copy it to keep it.
 */
export function shingleHashes(text: string, spec: ShingleSpec): Uint32Array {
  const byWords = spec.kind === "word" && !(spec.unspaced !== "word" && isMostlyUnspaced(text));
  return byWords ? wordShingles(text, spec.size) : charShingles(text, spec.size);
}

/** Is the text mostly in scripts without spaces between words? ASCII text (the common case) is answered without a scan. */
export function isMostlyUnspaced(text: string): boolean {
  if (!NON_ASCII.test(text)) return false;
  const unspaced = text.match(UNSPACED_CHAR)?.length ?? 0;
  if (unspaced === 0) return false;
  let visible = 0;
  for (const ch of text) if (ch !== " " && ch !== "\n") visible++;
  return unspaced >= UNSPACED_SHARE * visible;
}

/** The distinct shingle hashes of a text, sorted ascending: a set for exact Jaccard. */
export function shingleSet(text: string, spec: ShingleSpec): Uint32Array {
  const hashes = shingleHashes(text, spec).slice().sort();
  let n = 0;
  for (let i = 0; i < hashes.length; i++) {
    if (i === 0 || hashes[i] !== hashes[i - 1]) hashes[n++] = hashes[i]!;
  }
  return hashes.subarray(0, n);
}

/** |A ∩ B| / |A ∪ B| of two sorted sets (1 when both are empty). */
export function jaccard(a: Uint32Array, b: Uint32Array): number {
  if (a.length === 0 && b.length === 0) return 1;
  let i = 0;
  let j = 0;
  let common = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (x === y) {
      common++;
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  return common / (a.length + b.length - common);
}

let hashBuf = new Uint32Array(256);

function output(count: number): Uint32Array {
  if (count > hashBuf.length) hashBuf = new Uint32Array(Math.max(count, hashBuf.length * 2));
  return hashBuf.subarray(0, count);
}

function charShingles(text: string, size: number): Uint32Array {
  if (text.length === 0) return output(0);
  const count = Math.max(1, text.length - size + 1);
  const out = output(count);
  for (let i = 0; i < count; i++) {
    let h = FNV_OFFSET;
    const end = Math.min(text.length, i + size);
    for (let k = i; k < end; k++) h = Math.imul(h ^ text.charCodeAt(k), FNV_PRIME);
    out[i] = h >>> 0;
  }
  return out;
}

/**
 * Each word is hashed once (FNV-1a of its code units), and a shingle's hash
 * combines its words' hashes in order: a function of the shingle's text alone,
 * without rehashing every word n times.
 */
function wordShingles(text: string, size: number): Uint32Array {
  const { hashes, count } = wordHashes(text);
  if (count === 0) return output(0);
  const shingles = Math.max(1, count - size + 1);
  const out = output(shingles);
  for (let i = 0; i < shingles; i++) {
    let h = FNV_OFFSET;
    const last = Math.min(count, i + size);
    for (let w = i; w < last; w++) {
      h = Math.imul(h ^ hashes[w]!, 0x85ebca6b);
      h ^= h >>> 13;
    }
    out[i] = h >>> 0;
  }
  return out;
}

let wordCapacity = 0;
let wordBuf = new Int32Array(0);

/**
 * The FNV-1a hash of each word, in a buffer reused across calls (a worker
 * signs thousands of texts). Words are runs of characters other than space and
 * newline (normalised text has no other white space).
 */
function wordHashes(text: string): { hashes: Int32Array; count: number } {
  const worst = (text.length >> 1) + 1;
  if (worst > wordCapacity) {
    wordCapacity = Math.max(worst, wordCapacity * 2);
    wordBuf = new Int32Array(wordCapacity);
  }
  let count = 0;
  let h = FNV_OFFSET;
  let inWord = false;
  for (let k = 0; k < text.length; k++) {
    const c = text.charCodeAt(k);
    if (c === SPACE || c === NEWLINE) {
      if (inWord) wordBuf[count++] = h;
      inWord = false;
      h = FNV_OFFSET;
    } else {
      h = Math.imul(h ^ c, FNV_PRIME);
      inWord = true;
    }
  }
  if (inWord) wordBuf[count++] = h;
  return { hashes: wordBuf, count };
}
