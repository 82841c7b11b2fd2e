/**
 * Normalising and signing, in the worker pool, memoised per text.
 *
 * Each record's fields go to a worker in batches; it returns the sha256 of
 * each normalised text (the key of exact dedup). Each distinct text's MinHash
 * signature is memoised on its own, keyed by `["minhash@3", params,
 * sha256(normalised text)]` (the digest stands for the text and keeps the key
 * small; params = [shingle kind, n-gram size, numPerm]), so adding records
 * signs only the new ones.
 *
 * Signing the misses costs a second trip with the same text. When the last
 * batch back was mostly misses (a cold memo), the next batches are signed in
 * the same trip as they are normalised; the first batch never is, so a warm
 * memo with a few new records signs only those.
 */
import { mapBounded } from "../../engine/async/bounded-map.js";
import type { PluginContext, Progress, WorkerPool } from "../../engine/plugin.js";
import { valuesBetween, type FieldValues } from "./field-values.js";
import type { RenderBatch, SignBatch } from "./minhash-task.js";
import type { ShingleSpec } from "./shingle.js";

/** Bump with any change to normalisation, shingling, hashing or the permutations. */
export const SIGNATURE_NAMESPACE = "minhash@3";
const TASK = new URL("./minhash-task.js", import.meta.url).href;
const BATCH = 1024;
/** Signatures waiting for the memo before signing pauses (a few commits' worth). */
const MAX_UNSTORED = 16 * BATCH;

export interface SignatureOptions {
  spec: ShingleSpec;
  numPerm: number;
  /** False: only digests are wanted (exact dedup alone). */
  sign: boolean;
  memo: PluginContext["memo"];
  pool: WorkerPool;
  progress?: Progress;
  signal?: AbortSignal;
}

export interface Signed {
  /** sha256 of each record's normalised text. */
  digests: string[];
  /** Signatures, one row of numPerm values per distinct text (when signing); `rowOf` maps a digest to its row. */
  signatures: Uint16Array;
  rowOf: Map<string, number>;
  /** Texts signed in the same trip as they were normalised. */
  signedAhead: number;
}

export async function renderAndSign(values: FieldValues, o: SignatureOptions): Promise<Signed> {
  const digests = new Array<string>(values.length);
  // Signatures go straight into one off-heap matrix as they arrive: keeping 100,000 base64
  // strings alive until the end made the garbage collector copy them again and again.
  const signatures = new Uint16Array(o.sign ? values.length * o.numPerm : 0);
  const rowOf = new Map<string, number>();
  const written: Promise<void>[] = [];
  const misses = new MissBatcher(values, o);
  // Flat primitives: the memo hashes this key 100,000 times, and arrays canonicalise cheaply.
  const params = [o.spec.kind, o.spec.size, o.numPerm, `unspaced:${o.spec.unspaced ?? "char"}`];
  let speculate = false;
  let signedAhead = 0;

  const handle = (first: number, { digests: batch, signatures: signed }: { digests: string[]; signatures?: Uint16Array }) => {
    o.signal?.throwIfAborted();
    o.progress?.tick(batch.length);
    if (signed) signedAhead += batch.length;
    let missed = 0;
    batch.forEach((digest, k) => {
      digests[first + k] = digest;
      if (!o.sign || rowOf.has(digest)) return;
      const row = rowOf.size;
      rowOf.set(digest, row);
      let fresh = false;
      const signature = o.memo<string>([SIGNATURE_NAMESPACE, params, digest], () => {
        missed++;
        fresh = true;
        return signed ? Promise.resolve(toBase64(signed, k, o.numPerm)) : misses.sign(first + k);
      });
      // A signature signed in this trip is copied as it came; a memoised one is decoded.
      const done = signature.then((sig) =>
        fresh && signed
          ? signatures.set(signed.subarray(k * o.numPerm, (k + 1) * o.numPerm), row * o.numPerm)
          : writeSignature(signatures, row, sig, o.numPerm),
      );
      done.catch(() => {}); // awaited below; this only stops an early failure counting as unhandled
      written.push(done);
    });
    // ctx.memo calls `fn` at once on a miss, so `missed` is known here; were it called later,
    // nothing would be signed ahead, which is slower but still right.
    speculate = o.sign && missed * 2 > batch.length;
  };
  // A window of batches in flight keeps every worker busy while each answer steers the next request.
  const window = Math.max(2, 2 * o.pool.size);
  await mapBounded(batchStarts(values.length), window, o.signal, async (first) => {
    const arg: RenderBatch = {
      values: valuesBetween(values, first, first + BATCH),
      sign: speculate ? { spec: o.spec, numPerm: o.numPerm } : undefined,
    };
    handle(first, await o.pool.run<{ digests: string[]; signatures?: Uint16Array }>(TASK, "renderBatch", arg));
    // Signing outruns the memo's commits on a cold memo: each signature waiting to be stored holds
    // its promises and its batch's matrix. Past a bound, this batch waits for those to land.
    if (written.length >= MAX_UNSTORED) await Promise.all(written.splice(0));
  });
  await Promise.all(written);
  return { digests, signatures, rowOf, signedAhead };
}

/** The index of each batch's first record. */
function* batchStarts(count: number): Generator<number> {
  for (let first = 0; first < count; first += BATCH) yield first;
}

/** Decodes a memoised signature (base64) into row `slot` of a signature matrix. */
export function writeSignature(into: Uint16Array, slot: number, base64: string, numPerm: number): void {
  const width = numPerm * 2;
  const written = Buffer.from(into.buffer, into.byteOffset, into.byteLength).write(base64, slot * width, width, "base64");
  if (written !== width || base64.length !== Math.ceil(width / 3) * 4) {
    throw new Error(`memoised signature has the wrong length for ${numPerm} permutations`);
  }
}

function toBase64(signatures: Uint16Array, k: number, numPerm: number): string {
  const width = numPerm * 2;
  return Buffer.from(signatures.buffer, signatures.byteOffset, signatures.byteLength).toString("base64", k * width, (k + 1) * width);
}

interface Waiting {
  index: number;
  resolve: (sig: string) => void;
  reject: (e: unknown) => void;
}

/** Collects the records whose signature missed the memo and signs them BATCH at a time. */
class MissBatcher {
  private waiting: Waiting[] = [];
  private scheduled = false;
  constructor(
    private readonly values: FieldValues,
    private readonly o: SignatureOptions,
  ) {}

  sign(index: number): Promise<string> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ index, resolve, reject });
      if (this.waiting.length >= BATCH) this.flush();
      else this.schedule();
    });
  }

  private flush(): void {
    const batch = this.waiting;
    if (batch.length === 0) return;
    this.waiting = [];
    const arg: SignBatch = { values: batch.map((w) => this.values.at(w.index)), spec: this.o.spec, numPerm: this.o.numPerm };
    this.o.pool.run<Uint16Array>(TASK, "signBatch", arg).then(
      (sigs) => batch.forEach((w, k) => w.resolve(toBase64(sigs, k, this.o.numPerm))),
      (e: unknown) => batch.forEach((w) => w.reject(e)),
    );
  }

  /** A partial batch leaves once the current turn of the event loop ends, so no record waits forever. */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }
}
