/**
 * The dedup core shared by the plugin and the benchmark.
 *
 * 1. Records are put in keep order (keep-order.ts): the project's sample order
 *    of their prompts, then id, then canonical JSON. The first record of any
 *    group is the one kept.
 * 2. Exact pass: records whose normalised text is identical form a group; the
 *    first stays as the group's representative, the rest are removed.
 * 3. Near pass over the representatives: MinHash signatures (memoised a chunk
 *    at a time, signed in the pool, see signatures.ts), LSH candidate pairs, exact Jaccard of each candidate's
 *    shingle sets; in keep order, a text at or above the threshold with an
 *    earlier *kept* text is removed under the earliest such (keep-order.ts),
 *    so admitting more prompts never changes an earlier decision. An LSH bucket of more than FULL_BUCKET
 *    texts is paired star-and-chain rather than all with all (lsh.ts), so a
 *    filled-in template repeated thousands of times stays linear.
 * 4. Each kept record lists what it stood for in `duplicates`, with the exact
 *    Jaccard between that record's text and the kept one (1 for exact copies).
 */
import { canonicalJson } from "../../engine/hash.js";
import { userError } from "../../engine/diagnostic.js";
import type { PluginContext, Progress, Rec, WorkerPool } from "../../engine/plugin.js";
import { byId, entryKeepOrder, greedyKeepers, type RankOf, type TieLines } from "./keep-order.js";
import { recordFields } from "./fields.js";
import { heldValues, reindexed, type FieldValues } from "./field-values.js";
import { candidatePairsOfKeys, MAX_TEXTS, optimalBands, type Bands, type LshWeights } from "./lsh.js";
import type { ShingleKind, ShingleSpec } from "./shingle.js";
import type { BandedSignatures } from "./signature-chunks.js";
import { renderAndSign } from "./signatures.js";
import { exactJaccard } from "./verify.js";
import { EntryTable, type Duplicate } from "./entry-table.js";

export type { Duplicate } from "./entry-table.js";

export interface DedupOptions {
  fields: string[];
  exact: boolean;
  near: boolean;
  threshold: number;
  numPerm: number;
  shingle: ShingleKind;
  ngram: number;
  unspaced: ShingleKind;
  lshWeights: LshWeights;
}

export interface DedupServices {
  memo: PluginContext["memo"];
  pool: WorkerPool;
  tally(name: string, amount: number): void;
  progress?: Progress;
  signal?: AbortSignal;
  /** The keep order's key of a record (default: its id); the plugin passes the sample order's rank. */
  rankOf?: RankOf;
}

export interface DedupStats {
  records: number;
  exactRemoved: number;
  nearRemoved: number;
  clusters: number;
  bands?: Bands;
  candidatePairs: number;
  verifiedPairs: number;
  /** LSH buckets too big to pair all with all (see FULL_BUCKET in lsh.ts). */
  oversizedBuckets: number;
  /** Texts signed in the same worker trip as they were normalised (a cold memo). */
  signedAhead: number;
  /** Distinct texts whose memoised signature chunk missed, so were signed for this build. */
  signed: number;
}

/** Near-pass result per exact group: the group it is clustered under and the similarity to it. */
interface NearResult {
  rootOf: Int32Array;
  similarity: Float64Array;
  bands?: Bands;
  candidatePairs: number;
  verifiedPairs: number;
  oversizedBuckets: number;
}

/** What dedup decided, by input position. */
export interface Decisions {
  /** 1 where the record is kept. */
  kept: Uint8Array;
  /** The kept records' input positions, in keep order. */
  keepOrder: number[];
  /** A kept record that stands for others: its new `duplicates` list (its own, then those it stands for, sorted). */
  duplicates: Map<number, Duplicate[]>;
}

/** Dedup of whole records in memory (the benchmark, tests): the kept records in keep order. */
export async function dedupRecords(input: readonly Rec[], o: DedupOptions, s: DedupServices): Promise<{ records: Rec[]; stats: DedupStats }> {
  const entries = new EntryTable(s.rankOf ?? byId);
  try {
    for (const r of input) entries.add(r);
    const values = heldValues(input.map((r) => recordFields(r, o.fields)));
    const { keepOrder, duplicates, stats } = await dedupEntries(entries, values, (tied) => new Map(tied.map((i) => [i, canonicalJson(input[i]!)])), o, s);
    return { records: keepOrder.map((i) => (duplicates.has(i) ? { ...input[i]!, duplicates: duplicates.get(i) } : input[i]!)), stats };
  } finally {
    entries.close();
  }
}

/**
 * Dedup over compact entries and their field values (both by input
 * position): which to keep, in keep order (each entry's rank, then id).
 * `tieLines` gives the canonical JSON of the records at the indexes given,
 * only ever asked for records sharing a rank and an id, so a caller
 * streaming its input re-reads just those.
 */
export async function dedupEntries(
  entries: EntryTable,
  inputValues: FieldValues,
  tieLines: TieLines,
  o: DedupOptions,
  s: DedupServices,
): Promise<Decisions & { stats: DedupStats }> {
  const order = await entryKeepOrder(entries, tieLines);
  const values = reindexed(inputValues, order);
  const spec: ShingleSpec = { kind: o.shingle, size: o.ngram, unspaced: o.unspaced };
  s.progress?.total(order.length);
  const bands = optimalBands(o.threshold, o.numPerm, o.lshWeights);
  const { rows, distinct, banded, signedAhead, signed } = await renderAndSign(values, {
    spec,
    numPerm: o.numPerm,
    bands,
    sign: o.near,
    memo: s.memo,
    pool: s.pool,
    progress: s.progress,
    signal: s.signal,
  });
  const { groupOf, reps } = exactGroups(rows, distinct, o.exact);
  const near = o.near
    ? await nearClusters(reindexed(values, reps), groupRows(rows, reps), banded, bands, spec, o.threshold, s.pool)
    : noClusters(reps.length);
  const { kept, duplicates, exactRemoved, nearRemoved, clusters } = assemble(entries, order, groupOf, reps, near);
  s.tally("dedup.exact_removed", exactRemoved);
  s.tally("dedup.near_removed", nearRemoved);
  s.tally("dedup.clusters", clusters);
  const stats: DedupStats = {
    records: order.length,
    exactRemoved,
    nearRemoved,
    clusters,
    bands: near.bands,
    candidatePairs: near.candidatePairs,
    oversizedBuckets: near.oversizedBuckets,
    verifiedPairs: near.verifiedPairs,
    signedAhead,
    signed,
  };
  return { ...byInputPosition(order, kept, duplicates), stats };
}

/** Keep-order decisions turned back to input positions. */
function byInputPosition(order: readonly number[], kept: Uint8Array, duplicates: Map<number, Duplicate[]>): Decisions {
  const keptAt = new Uint8Array(order.length);
  const keepOrder: number[] = [];
  for (let k = 0; k < order.length; k++) {
    if (!kept[k]) continue;
    keptAt[order[k]!] = 1;
    keepOrder.push(order[k]!);
  }
  return { kept: keptAt, keepOrder, duplicates: new Map([...duplicates].map(([k, list]) => [order[k]!, list])) };
}

/** The signature row of each group's representative. */
function groupRows(rows: Int32Array, reps: readonly number[]): Int32Array {
  const out = new Int32Array(reps.length);
  reps.forEach((r, g) => (out[g] = rows[r]!));
  return out;
}

/**
 * Groups of identical normalised texts: a record's group is its distinct
 * text's row (rows are numbered in keep order), each represented by its first
 * record; with the exact pass off, every record is its own group.
 */
function exactGroups(rows: Int32Array, distinct: number, exact: boolean): { groupOf: Int32Array; reps: number[] } {
  if (!exact) return { groupOf: Int32Array.from(rows, (_, i) => i), reps: Array.from(rows, (_, i) => i) };
  const reps = new Array<number>(distinct);
  for (let i = rows.length - 1; i >= 0; i--) reps[rows[i]!] = i;
  return { groupOf: rows, reps };
}

function noClusters(size: number): NearResult {
  const rootOf = new Int32Array(size);
  for (let g = 0; g < size; g++) rootOf[g] = g;
  return { rootOf, similarity: new Float64Array(size).fill(1), candidatePairs: 0, verifiedPairs: 0, oversizedBuckets: 0 };
}

async function nearClusters(
  fields: FieldValues,
  rows: Int32Array,
  banded: BandedSignatures,
  bands: Bands,
  spec: ShingleSpec,
  threshold: number,
  pool: WorkerPool,
): Promise<NearResult> {
  if (fields.length > MAX_TEXTS) {
    throw userError(`dedup/minhash handles at most ${MAX_TEXTS} distinct texts in one stage, got ${fields.length}`, {
      hint: "split the input into several stages",
    });
  }
  // Group g's band keys are row rows[g] (a row per distinct text): read in place, not copied.
  const skip = new Uint8Array(fields.length);
  // A text without shingles can only be an exact duplicate.
  for (let g = 0; g < fields.length; g++) skip[g] = banded.empty[rows[g]!]!;
  const { pairs: candidates, oversizedBuckets } = candidatePairsOfKeys(banded.keys, fields.length, bands.bands, skip, rows);
  const similarities = await exactJaccard(fields, candidates, spec, pool);

  const known = new Map<number, number>();
  const verified: [number, number][] = [];
  for (let k = 0; k < similarities.length; k++) {
    const i = candidates[2 * k]!;
    const j = candidates[2 * k + 1]!;
    known.set(pairKey(i, j), similarities[k]!);
    known.set(pairKey(j, i), similarities[k]!);
    if (similarities[k]! >= threshold) verified.push([i, j]);
  }
  const verifiedPairs = verified.length;
  const rootOf = greedyKeepers(fields.length, verified);
  const similarity = await similarityToRoot(fields, rootOf, known, spec, pool);
  return { rootOf, similarity, bands, candidatePairs: candidates.length / 2, verifiedPairs, oversizedBuckets };
}

const pairKey = (i: number, j: number) => i * MAX_TEXTS + j;

/**
 * Exact Jaccard of each member with its cluster's root. Usually the pair was
 * verified already; in a chain (a~b, b~c) the root–member pair is computed
 * here, and may be below the threshold: the record was removed through the chain.
 */
async function similarityToRoot(
  fields: FieldValues,
  rootOf: Int32Array,
  known: Map<number, number>,
  spec: ShingleSpec,
  pool: WorkerPool,
): Promise<Float64Array> {
  const similarity = new Float64Array(rootOf.length).fill(1);
  const missing: number[] = [];
  for (let g = 0; g < rootOf.length; g++) {
    if (rootOf[g] === g) continue;
    const j = known.get(pairKey(rootOf[g]!, g));
    if (j === undefined) missing.push(rootOf[g]!, g);
    else similarity[g] = j;
  }
  const computed = await exactJaccard(fields, Uint32Array.from(missing), spec, pool);
  computed.forEach((j, k) => (similarity[missing[2 * k + 1]!] = j));
  return similarity;
}

/** Which records (in keep order) are kept, and what each keeper that stands for others lists. */
function assemble(entries: EntryTable, order: readonly number[], groupOf: Int32Array, reps: number[], near: NearResult) {
  const standsFor = new Map<number, Duplicate[]>();
  const kept = new Uint8Array(order.length);
  let exactRemoved = 0;
  let nearRemoved = 0;
  for (let i = 0; i < order.length; i++) {
    const group = groupOf[i]!;
    const keeper = reps[near.rootOf[group]!]!;
    if (keeper === i) {
      kept[i] = 1;
      continue;
    }
    if (reps[group] === i) nearRemoved++;
    else exactRemoved++;
    const { source, duplicates } = entries.extras(order[i]!);
    const list = standsFor.get(keeper) ?? [];
    list.push(duplicateEntry(entries.id(order[i]!), source, near.similarity[group]!), ...(duplicates ?? []));
    standsFor.set(keeper, list);
  }
  const duplicates = new Map<number, Duplicate[]>();
  for (const [i, added] of standsFor) duplicates.set(i, sortDuplicates([...(entries.extras(order[i]!).duplicates ?? []), ...added]));
  return { kept, duplicates, exactRemoved, nearRemoved, clusters: standsFor.size };
}

function duplicateEntry(id: string, source: unknown, similarity: number): Duplicate {
  const entry: Duplicate = { id, similarity: Math.round(similarity * 1e4) / 1e4 };
  if (source !== undefined) entry.source = source;
  return entry;
}

function sortDuplicates(list: Duplicate[]): Duplicate[] {
  if (list.length < 2) return list;
  return list
    .map((d) => ({ d, line: canonicalJson(d) }))
    .sort((a, b) => compare(a.d.id, b.d.id) || compare(a.line, b.line))
    .map((x) => x.d);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
