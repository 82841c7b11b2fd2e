/**
 * Signatures are memoised a chunk of distinct texts at a time, not per text.
 *
 * Why: one LMDB entry per text costs ~680 bytes of B-tree leaf for a
 * 256-byte signature, and a build touches (so holds resident) every leaf it
 * looks a key up in: the memo of 185,000 signatures was 191 MB, all of it in
 * the build's RSS, and 2 GB at a million prompts. A chunk of a few hundred
 * signatures is one entry in LMDB's overflow pages, written without being
 * mapped in and read only when it hits.
 *
 * Chunks are content-defined over the distinct texts in keep order: a chunk
 * ends after a text whose digest starts with a 1-in-AVERAGE_ROWS pattern (or
 * at MAX_ROWS texts), so its bounds move only where texts are added or
 * removed. Admitting a few more prompts re-signs the few chunks they land in
 * (a few hundred short texts each), not the whole input. The chunk's key is
 * its texts' digests, so it can never serve a different text.
 */
import type { PluginContext, WorkerPool } from "../../engine/plugin.js";
import type { FieldValues } from "./field-values.js";
import type { SignBatch } from "./minhash-task.js";
import { bandKeysInto, type Bands } from "./lsh.js";
import type { ShingleSpec } from "./shingle.js";
import { isEmptySignature } from "./signature.js";

/** Bump with any change to normalisation, shingling, hashing, the permutations or the chunking. */
export const SIGNATURE_NAMESPACE = "minhash-chunk@4";
/** Distinct texts per chunk on average (a power of two below 2^24). */
export const AVERAGE_ROWS = 256;
const MAX_ROWS = 8 * AVERAGE_ROWS;
const TASK = new URL("./minhash-task.js", import.meta.url).href;

export interface ChunkOptions {
  spec: ShingleSpec;
  numPerm: number;
  bands: Bands;
  memo: PluginContext["memo"];
  pool: WorkerPool;
}

/** What dedup keeps of each distinct text's signature: its LSH band keys, and whether the text has no shingles. */
export interface BandedSignatures {
  /** `bands` keys per row (distinct text). */
  keys: Uint32Array;
  /** 1 where the row's text has no shingles (its signature is all EMPTY_SLOT). */
  empty: Uint8Array;
}

/** Does the text with this digest end its chunk, once the chunk holds `rows` texts? */
export function endsChunk(digest: string, rows: number): boolean {
  return rows >= MAX_ROWS || parseInt(digest.slice(0, 6), 16) % AVERAGE_ROWS === 0;
}

/**
 * Fills rows of the band keys chunk by chunk: from the memo when the chunk
 * hits, else by signing what was not signed ahead and memoising the chunk.
 * A chunk's full signatures exist only while it is open or being stored.
 * `add` takes the distinct texts in keep order; `close` ends the chunk.
 */
export class ChunkSigner {
  private start = 0;
  private readonly digests: string[] = [];
  /** The open chunk's signatures (rows signed ahead are filled as they come). */
  private buffer: Uint16Array;
  /** Texts of the open chunk not signed ahead: their place in the chunk and input position. */
  private unsigned: { at: number; index: number }[] = [];
  private readonly params: unknown[];
  /** Texts of chunks that missed the memo (signed for this build). */
  signed = 0;

  constructor(
    private readonly values: FieldValues,
    private readonly out: BandedSignatures,
    private readonly o: ChunkOptions,
  ) {
    this.params = [o.spec.kind, o.spec.size, o.numPerm, `unspaced:${o.spec.unspaced ?? "char"}`];
    this.buffer = this.newBuffer();
  }

  /** The next distinct text, with its digest: its signature when signed ahead, else the text's input position. */
  add(digest: string, index: number, signature?: Uint16Array): boolean {
    const at = this.digests.push(digest) - 1;
    this.makeRoom(at + 1);
    if (signature) this.buffer.set(signature, at * this.o.numPerm);
    else this.unsigned.push({ at, index });
    return endsChunk(digest, this.digests.length);
  }

  /** Ends the open chunk (if any): resolves once its rows' band keys are written; `missed` says whether it had to be signed. */
  close(): { done: Promise<void>; missed: boolean } | undefined {
    if (this.digests.length === 0) return undefined;
    const { start, buffer, unsigned } = this;
    const rows = this.digests.length;
    let missed = false;
    const sig = this.o.memo<string>([SIGNATURE_NAMESPACE, this.params, this.digests.splice(0)], () => {
      missed = true;
      this.signed += rows;
      return this.sign(buffer, rows, unsigned);
    });
    this.start += rows;
    this.unsigned = [];
    this.buffer = this.newBuffer();
    // ctx.memo calls its function at once on a miss, so `missed` is known here.
    const done = sig.then((base64) => {
      if (!missed) decodeInto(buffer, rows, base64, this.o.numPerm);
      this.band(buffer, start, rows);
    });
    return { done, missed };
  }

  private async sign(buffer: Uint16Array, rows: number, unsigned: { at: number; index: number }[]): Promise<string> {
    if (unsigned.length > 0) {
      const arg: SignBatch = { values: unsigned.map((u) => this.values.at(u.index)), spec: this.o.spec, numPerm: this.o.numPerm };
      const signed = await this.o.pool.run<Uint16Array>(TASK, "signBatch", arg);
      const width = this.o.numPerm;
      unsigned.forEach((u, k) => buffer.set(signed.subarray(k * width, (k + 1) * width), u.at * width));
    }
    return bytesOf(buffer, rows * this.o.numPerm).toString("base64");
  }

  /** Rows start… of the output from the chunk's signatures. */
  private band(buffer: Uint16Array, start: number, rows: number): void {
    const { numPerm, bands } = this.o;
    for (let k = 0; k < rows; k++) {
      bandKeysInto(buffer, k * numPerm, bands, this.out.keys, (start + k) * bands.bands);
      this.out.empty[start + k] = isEmptySignature(buffer, k, numPerm) ? 1 : 0;
    }
  }

  /**
   * Room for a typical chunk, grown (by doubling, to MAX_ROWS) only for a long
   * one: a buffer of MAX_ROWS rows for every chunk allocated and zeroed 8× the
   * memory the average chunk uses.
   */
  private newBuffer(): Uint16Array {
    return new Uint16Array(2 * AVERAGE_ROWS * this.o.numPerm);
  }

  private makeRoom(rows: number): void {
    if (rows * this.o.numPerm <= this.buffer.length) return;
    const grown = new Uint16Array(Math.min(MAX_ROWS * this.o.numPerm, this.buffer.length * 2));
    grown.set(this.buffer);
    this.buffer = grown;
  }
}

/** Decodes a memoised chunk (base64) of `rows` signatures into `into`. */
export function decodeInto(into: Uint16Array, rows: number, base64: string, numPerm: number): void {
  const width = rows * numPerm * 2;
  const written = bytesOf(into, into.length).write(base64, 0, width, "base64");
  if (written !== width || base64.length !== Math.ceil(width / 3) * 4) {
    throw new Error(`a memoised signature chunk has the wrong length for ${rows} texts of ${numPerm} permutations`);
  }
}

function bytesOf(matrix: Uint16Array, length: number): Buffer {
  return Buffer.from(matrix.buffer, matrix.byteOffset, length * 2);
}
