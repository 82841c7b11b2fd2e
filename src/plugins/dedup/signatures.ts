/**
 * Normalising and signing, in the worker pool, memoised a chunk at a time.
 *
 * Each record's fields go to a worker in batches; it returns the sha256 of
 * each normalised text (the key of exact dedup). The distinct texts, in keep
 * order, are cut into content-defined chunks whose signatures are memoised
 * together (signature-chunks.ts), so adding records re-signs only the chunks
 * they land in.
 *
 * Signing a missed chunk costs a second trip with the same texts. When the
 * chunks last looked up mostly missed (a cold memo), the next batches are
 * signed in the same trip as they are normalised; the first batches never
 * are, so a warm memo with a few new records signs only their chunks.
 */
import { mapBounded } from "../../engine/async/bounded-map.js";
import type { PluginContext, Progress, WorkerPool } from "../../engine/plugin.js";
import { valuesBetween, type FieldValues } from "./field-values.js";
import type { RenderBatch } from "./minhash-task.js";
import type { ShingleSpec } from "./shingle.js";
import type { Bands } from "./lsh.js";
import { ChunkSigner, type BandedSignatures } from "./signature-chunks.js";

const TASK = new URL("./minhash-task.js", import.meta.url).href;
const BATCH = 1024;
/** Chunks waiting for the memo before normalising pauses (each holds a promise and its digests). */
const MAX_PENDING_CHUNKS = 64;

export interface SignatureOptions {
  spec: ShingleSpec;
  numPerm: number;
  /** The LSH bands the signatures are reduced to. */
  bands: Bands;
  /** False: only digests are wanted (exact dedup alone). */
  sign: boolean;
  memo: PluginContext["memo"];
  pool: WorkerPool;
  progress?: Progress;
  signal?: AbortSignal;
}

export interface Signed {
  /**
   * Each record's distinct normalised text (equal sha256), numbered in order
   * of first appearance: records with the same row are exact duplicates.
   */
  rows: Int32Array;
  /** How many distinct texts (rows) there are. */
  distinct: number;
  /** Each distinct text's band keys and empty flag (when signing). */
  banded: BandedSignatures;
  /** Texts signed in the same trip as they were normalised. */
  signedAhead: number;
  /** Distinct texts whose chunk missed the memo, so were signed for this build. */
  signed: number;
}

interface Rendered {
  digests: string[];
  signatures?: Uint16Array;
}

export async function renderAndSign(values: FieldValues, o: SignatureOptions): Promise<Signed> {
  const rows = new Int32Array(values.length);
  // Band keys go straight into one off-heap matrix as chunks land: keeping 100,000 base64
  // strings alive until the end made the garbage collector copy them again and again.
  // The digests live only here, in `rowOf`: what leaves is a row number per record.
  const size = o.sign ? values.length : 0;
  const banded: BandedSignatures = { keys: new Uint32Array(size * o.bands.bands), empty: new Uint8Array(size) };
  const rowOf = new Map<string, number>();
  const chunks = new ChunkSigner(values, banded, o);
  const pending: Promise<void>[] = [];
  let speculate = false;
  let signedAhead = 0;

  const close = (tally: { closed: number; missed: number }) => {
    const chunk = chunks.close();
    if (!chunk) return;
    chunk.done.catch(() => {}); // awaited below; this only stops an early failure counting as unhandled
    pending.push(chunk.done);
    tally.closed++;
    if (chunk.missed) tally.missed++;
  };
  // Chunks follow keep order, so batches are taken in order, whatever order they come back in.
  const take = (first: number, { digests: batch, signatures: signed }: Rendered) => {
    o.progress?.tick(batch.length);
    if (signed) signedAhead += batch.length;
    const tally = { closed: 0, missed: 0 };
    batch.forEach((digest, k) => {
      const known = rowOf.get(digest);
      if (known !== undefined) return void (rows[first + k] = known);
      const row = (rows[first + k] = rowOf.size);
      rowOf.set(digest, row);
      if (o.sign && chunks.add(digest, first + k, signed?.subarray(k * o.numPerm, (k + 1) * o.numPerm))) close(tally);
    });
    if (tally.closed > 0) speculate = tally.missed * 2 > tally.closed;
  };
  const arrived = new Map<number, Rendered>();
  let next = 0;
  // A window of batches in flight keeps every worker busy while each answer steers the next request.
  const window = Math.max(2, 2 * o.pool.size);
  await mapBounded(batchStarts(values.length), window, o.signal, async (first) => {
    const arg: RenderBatch = {
      values: valuesBetween(values, first, first + BATCH),
      sign: o.sign && speculate ? { spec: o.spec, numPerm: o.numPerm } : undefined,
    };
    arrived.set(first, await o.pool.run<Rendered>(TASK, "renderBatch", arg));
    o.signal?.throwIfAborted();
    for (let batch = arrived.get(next); batch; batch = arrived.get(next)) {
      arrived.delete(next);
      take(next, batch);
      next += BATCH;
    }
    // Signing outruns the memo's commits on a cold memo: past a bound, this batch waits for those to land.
    if (pending.length >= MAX_PENDING_CHUNKS) await Promise.all(pending.splice(0));
  });
  close({ closed: 0, missed: 0 });
  await Promise.all(pending);
  return { rows, distinct: rowOf.size, banded, signedAhead, signed: chunks.signed };
}

/** The index of each batch's first record. */
function* batchStarts(count: number): Generator<number> {
  for (let first = 0; first < count; first += BATCH) yield first;
}

