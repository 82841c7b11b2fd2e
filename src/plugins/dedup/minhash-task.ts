/**
 * Worker-pool tasks for dedup. Each call handles a whole batch so that the
 * cost of a message is spread over a thousand texts. Tasks take the records'
 * raw field values and normalise them here: the main thread never holds or
 * ships normalised text.
 */
import { hash } from "node:crypto";
import { renderText, type FieldValue } from "./fields.js";
import { jaccard, shingleSet, type ShingleSpec } from "./shingle.js";
import { signInto } from "./signature.js";

export interface RenderBatch {
  values: FieldValue[][];
  /** Also sign every text (when the memo is expected to miss). */
  sign?: { spec: ShingleSpec; numPerm: number };
}

/** sha256 of each normalised text (the key of exact dedup and of the signature memo), and optionally signatures. */
export function renderBatch({ values, sign }: RenderBatch): { digests: string[]; signatures?: Uint16Array } {
  const texts = values.map(renderText);
  const digests = texts.map((t) => hash("sha256", t));
  return sign ? { digests, signatures: signTexts(texts, sign.spec, sign.numPerm) } : { digests };
}

export interface SignBatch {
  values: FieldValue[][];
  spec: ShingleSpec;
  numPerm: number;
}

/** Signatures of a batch, concatenated: record k owns [k·numPerm, (k+1)·numPerm). */
export function signBatch({ values, spec, numPerm }: SignBatch): Uint16Array {
  return signTexts(values.map(renderText), spec, numPerm);
}

function signTexts(texts: string[], spec: ShingleSpec, numPerm: number): Uint16Array {
  const out = new Uint16Array(texts.length * numPerm);
  for (let k = 0; k < texts.length; k++) signInto(texts[k]!, spec, numPerm, out, k * numPerm);
  return out;
}

export interface JaccardBatch {
  values: FieldValue[][];
  /** Pairs of indices into `values`, flattened: [a0, b0, a1, b1, …]. */
  pairs: Uint32Array;
  spec: ShingleSpec;
}

/** Exact Jaccard similarity of each pair's shingle sets. */
export function jaccardBatch({ values, pairs, spec }: JaccardBatch): Float64Array {
  const sets = values.map((v) => shingleSet(renderText(v), spec));
  const out = new Float64Array(pairs.length / 2);
  for (let k = 0; k < out.length; k++) out[k] = jaccard(sets[pairs[2 * k]!]!, sets[pairs[2 * k + 1]!]!);
  return out;
}
