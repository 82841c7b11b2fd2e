/**
 * Synthetic corpus for the dedup benchmark: documents of ~1 KB of words drawn
 * (Zipf-like) from a fixed vocabulary, with planted near duplicates and
 * planted negatives. Deterministic: the same arguments give the same corpus.
 *
 *   originals   the rest of the corpus
 *   positives   copies of distinct originals with 0.5–3.5 % of words replaced
 *               (word-trigram Jaccard ≈ 0.80–0.97)
 *   negatives   copies of distinct originals with 5–10 % of words replaced
 *               (Jaccard ≈ 0.55–0.75, must be kept)
 *   variants    an original with different case and white space (exact duplicates after normalisation)
 *
 * Each planted pair is {source, copy, kind} by index into `docs`.
 */
export function generateCorpus({ count = 100_000, positives = 0.1, negatives = 0.05, variants = 0.02, seed = 7 } = {}) {
  const rand = mulberry32(seed);
  const vocabulary = makeVocabulary(20_000, rand);
  const zipf = zipfSampler(vocabulary.length, rand);
  const nPos = Math.round(count * positives);
  const nNeg = Math.round(count * negatives);
  const nVar = Math.round(count * variants);
  const nOrig = count - nPos - nNeg - nVar;
  const docs = [];
  for (let i = 0; i < nOrig; i++) docs.push(randomDoc(vocabulary, zipf, rand));
  const pairs = [];
  // Distinct sources for every planted copy, so the true clusters are pairs.
  const sources = shuffled(nOrig, rand).slice(0, nPos + nNeg + nVar);
  let s = 0;
  for (let i = 0; i < nPos; i++) plant("positive", edited(docs[sources[s++]], 0.005 + 0.03 * rand(), vocabulary, zipf, rand));
  for (let i = 0; i < nNeg; i++) plant("negative", edited(docs[sources[s++]], 0.05 + 0.05 * rand(), vocabulary, zipf, rand));
  for (let i = 0; i < nVar; i++) plant("variant", restyled(docs[sources[s++]], rand));
  return { docs, pairs };

  function plant(kind, text) {
    pairs.push({ source: sources[s - 1], copy: docs.length, kind });
    docs.push(text);
  }
}

function randomDoc(vocabulary, zipf, rand) {
  const words = [];
  let length = 0;
  const target = 900 + Math.floor(rand() * 200);
  while (length < target) {
    const w = vocabulary[zipf()];
    words.push(w);
    length += w.length + 1;
  }
  return words.join(" ");
}

/** Replaces a fraction of the words (at random positions) by random words. */
function edited(text, fraction, vocabulary, zipf, rand) {
  const words = text.split(" ");
  const edits = Math.max(1, Math.round(words.length * fraction));
  for (let k = 0; k < edits; k++) words[Math.floor(rand() * words.length)] = vocabulary[zipf()];
  return words.join(" ");
}

/** Same words, different case and spacing. */
function restyled(text, rand) {
  return text
    .split(" ")
    .map((w) => (rand() < 0.2 ? w.toUpperCase() : w))
    .join(rand() < 0.5 ? "  " : " \n ");
}

function makeVocabulary(size, rand) {
  const letters = "abcdefghijklmnopqrstuvwxyz";
  const seen = new Set();
  while (seen.size < size) {
    const len = 2 + Math.floor(rand() * 8);
    let w = "";
    for (let k = 0; k < len; k++) w += letters[Math.floor(rand() * 26)];
    seen.add(w);
  }
  return [...seen];
}

/** Zipf(1)-distributed ranks via the inverse of the cumulative weights. */
function zipfSampler(n, rand) {
  const cumulative = new Float64Array(n);
  let total = 0;
  for (let r = 0; r < n; r++) cumulative[r] = total += 1 / (r + 1);
  return () => {
    const u = rand() * total;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid] < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

function shuffled(n, rand) {
  const a = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

function mulberry32(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
