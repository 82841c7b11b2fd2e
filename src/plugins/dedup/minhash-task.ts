/**
 * Worker-pool tasks for dedup. Each call handles a whole batch so that the
 * cost of a message is spread over hundreds of texts.
 */
import { hash } from "node:crypto";
import { renderText, type FieldValue } from "./fields.js";
import { jaccard, shingleSet, type ShingleSpec } from "./shingle.js";
import { signInto } from "./signature.js";

export interface RenderBatch {
  values: FieldValue[][];
}

/** Normalised texts and the sha256 of each (the key of exact dedup and of the signature memo). */
export function renderBatch({ values }: RenderBatch): { texts: string[]; digests: string[] } {
  const texts = values.map(renderText);
  return { texts, digests: texts.map((t) => hash("sha256", t)) };
}

export interface SignBatch {
  texts: string[];
  spec: ShingleSpec;
  numPerm: number;
}

/** Signatures of a batch, concatenated: text k owns [k·numPerm, (k+1)·numPerm). */
export function signBatch({ texts, spec, numPerm }: SignBatch): Uint32Array {
  const out = new Uint32Array(texts.length * numPerm);
  for (let k = 0; k < texts.length; k++) signInto(texts[k]!, spec, numPerm, out, k * numPerm);
  return out;
}

export interface JaccardBatch {
  texts: string[];
  /** Pairs of indices into `texts`, flattened: [a0, b0, a1, b1, …]. */
  pairs: Uint32Array;
  spec: ShingleSpec;
}

/** Exact Jaccard similarity of each pair's shingle sets. */
export function jaccardBatch({ texts, pairs, spec }: JaccardBatch): Float64Array {
  const sets = texts.map((t) => shingleSet(t, spec));
  const out = new Float64Array(pairs.length / 2);
  for (let k = 0; k < out.length; k++) out[k] = jaccard(sets[pairs[2 * k]!]!, sets[pairs[2 * k + 1]!]!);
  return out;
}
