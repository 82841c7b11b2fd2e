/**
 * Memoised, batched signing. Each text's signature is memoised on its own,
 * keyed by `["minhash@1", params, sha256(normalised text)]` (the digest stands
 * for the text: same text, same key, and the key stays small), so adding
 * records signs only the new ones. The misses are gathered into batches and
 * signed in the worker pool: 100,000 misses cost a few hundred messages.
 */
import type { PluginContext, WorkerPool } from "../../engine/plugin.js";
import type { SignBatch } from "./minhash-task.js";
import type { ShingleSpec } from "./shingle.js";

/** Bump with any change to shingling, hashing or the permutations. */
export const SIGNATURE_NAMESPACE = "minhash@1";
const TASK = new URL("./minhash-task.js", import.meta.url).href;
const BATCH = 1024;

export interface SignOptions {
  spec: ShingleSpec;
  numPerm: number;
  memo: PluginContext["memo"];
  pool: WorkerPool;
}

/** Returns `sign(text, digest)`: the memoised signature of a normalised text, as numPerm·4 bytes. */
export function memoSigner(o: SignOptions): (text: string, digest: string) => Promise<Uint8Array> {
  const batcher = new SignBatcher(o);
  const params = { shingle: o.spec.kind, ngram: o.spec.size, numPerm: o.numPerm };
  const width = o.numPerm * 4;
  return async (text, digest) => {
    const sig = await o.memo<Uint8Array>([SIGNATURE_NAMESPACE, params, digest], () => batcher.sign(text));
    if (sig.byteLength !== width) throw new Error(`memoised signature has ${sig.byteLength} bytes, expected ${width}`);
    return sig;
  };
}

interface Waiting {
  text: string;
  resolve: (sig: Uint8Array) => void;
  reject: (e: unknown) => void;
}

/** Collects texts to sign and sends them to the pool BATCH at a time. */
class SignBatcher {
  private waiting: Waiting[] = [];
  private scheduled = false;
  constructor(private readonly o: SignOptions) {}

  sign(text: string): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ text, resolve, reject });
      if (this.waiting.length >= BATCH) this.flush();
      else this.schedule();
    });
  }

  private flush(): void {
    const batch = this.waiting;
    if (batch.length === 0) return;
    this.waiting = [];
    const arg: SignBatch = { texts: batch.map((w) => w.text), spec: this.o.spec, numPerm: this.o.numPerm };
    this.o.pool.run<Uint32Array>(TASK, "signBatch", arg).then(
      (sigs) => {
        const width = this.o.numPerm * 4;
        const bytes = new Uint8Array(sigs.buffer, sigs.byteOffset, sigs.byteLength);
        // slice(): each memo value owns its bytes (a view would drag the whole batch along).
        batch.forEach((w, k) => w.resolve(bytes.slice(k * width, (k + 1) * width)));
      },
      (e: unknown) => batch.forEach((w) => w.reject(e)),
    );
  }

  /** A partial batch leaves once the current turn of the event loop ends, so no text waits forever. */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }
}
