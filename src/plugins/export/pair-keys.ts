/**
 * The first of export's two passes over its input: each pair checked (as
 * readPairs does) and kept only as its key — id, prompt, stratum and position —
 * which is all the split and the order need. The second pass reads the whole
 * pairs of the slices actually exported (`exportedPairs`), so memory follows
 * the exported slices, not the input.
 */
import { DpoError, type Diagnostic } from "../../engine/diagnostic.js";
import type { Rec } from "../../engine/plugin.js";
import { diagnosticFor, MAX_REPORTED, problemsOf, stratumOf, toExportPair, type ExportPair } from "./pairs.js";

export interface PairKey {
  id: string;
  promptId: string;
  stratum: string;
  /** Position in the input stream. */
  index: number;
}

export async function readPairKeys(records: AsyncIterable<Rec>, upstream: string, stratifyBy: string | null): Promise<PairKey[]> {
  const diagnostics: Diagnostic[] = [];
  const keys: PairKey[] = [];
  // The input is sorted by id, so a repeated id is the one just before.
  let previous: string | undefined;
  let index = 0;
  // A few strata, each read afresh in every record: one string per stratum is kept.
  const strata = new Map<string, string>();
  const interned = (s: string) => strata.get(s) ?? (strata.set(s, s), s);
  for await (const rec of records) {
    const problems = problemsOf(rec);
    if (rec.id === previous) problems.push(`its id appears twice in the output of stage "${upstream}"`);
    previous = rec.id;
    if (problems.length === 0) keys.push({ id: rec.id, promptId: rec.promptId as string, stratum: interned(stratumOf(rec, stratifyBy)), index });
    else if (diagnostics.length < MAX_REPORTED) diagnostics.push(diagnosticFor(rec, index, upstream, problems));
    index++;
  }
  if (diagnostics.length > 0) throw new DpoError(diagnostics);
  return keys;
}

/** The whole pairs of these keys, read again from the input, in the keys' order. */
export async function exportedPairs(records: AsyncIterable<Rec>, keys: readonly PairKey[], stratifyBy: string | null): Promise<ExportPair[]> {
  const wanted = new Map(keys.map((k, i) => [k.index, i] as const));
  const out: ExportPair[] = new Array(keys.length);
  let index = 0;
  for await (const rec of records) {
    const at = wanted.get(index++);
    if (at !== undefined) out[at] = toExportPair(rec, stratifyBy);
  }
  return out;
}
