/**
 * What the probe's reward model sees of a reply: hashed word 1- and 2-grams
 * (signed feature hashing, scaled by 1/√grams so long replies do not dominate)
 * and a few text statistics on fixed, a-priori scales. Nothing here was chosen
 * by looking at the gold preferences.
 */
export const HASHED = 1 << 14;
export const DENSE_NAMES = ["log-chars", "log-words", "log-lines", "list-lines", "code-blocks", "headings", "prompt-coverage", "type-token-ratio"];
export const DIM = HASHED + DENSE_NAMES.length;

const WORD = /[a-z0-9']+/g;

/** FNV-1a, 32 bits: the same bucket for the same n-gram on every machine. */
function fnv1a(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

const words = (text) => text.toLowerCase().match(WORD) ?? [];

/** A sparse vector (index → value) for `reply` to `prompt`. */
export function replyFeatures(prompt, reply) {
  const v = new Map();
  const w = words(reply);
  const grams = [...w, ...w.slice(1).map((x, i) => `${w[i]} ${x}`)];
  const scale = grams.length ? 1 / Math.sqrt(grams.length) : 0;
  for (const g of grams) {
    const h = fnv1a(g);
    const index = h % HASHED;
    const sign = h & 0x80000000 ? -1 : 1;
    v.set(index, (v.get(index) ?? 0) + sign * scale);
  }
  const lines = reply.split("\n");
  const promptTypes = new Set(words(prompt));
  const replyTypes = new Set(w);
  const dense = [
    Math.log1p(reply.length) / 8,
    Math.log1p(w.length) / 7,
    Math.log1p(lines.length) / 4,
    lines.filter((l) => /^\s*([-*•]|\d+[.)])\s/.test(l)).length / lines.length,
    Math.min(1, (reply.match(/```/g) ?? []).length / 2),
    Math.min(1, lines.filter((l) => /^#{1,6}\s|^\*\*[^*]+\*\*:?$/.test(l.trim())).length / 5),
    promptTypes.size ? [...promptTypes].filter((t) => replyTypes.has(t)).length / promptTypes.size : 0,
    w.length ? replyTypes.size / w.length : 0,
  ];
  dense.forEach((x, k) => v.set(HASHED + k, x));
  return v;
}

/** a − b, sparse. */
export function difference(a, b) {
  const d = new Map(a);
  for (const [i, x] of b) d.set(i, (d.get(i) ?? 0) - x);
  return d;
}

export function score(w, v) {
  let s = 0;
  for (const [i, x] of v) s += w[i] * x;
  return s;
}
