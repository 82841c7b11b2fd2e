/**
 * The item-level memo: key → JSON value, shared by every stage and build.
 *
 * Backed by LMDB (lmdb-js): a transactional, memory-mapped store that is safe
 * under concurrent writers in several processes and survives kill -9 with no
 * recovery step. Each `put` is committed on its own (batched by lmdb-js), so an
 * item is durable as soon as its promise resolves. See docs/architecture.md.
 */
import { mkdirSync } from "node:fs";
import type { Digest } from "./hash.js";

/**
 * Puts issued within this many milliseconds share one LMDB commit. A put's
 * promise still resolves only once its commit is durable, so an item is never
 * reported finished before it is safe; batching only trims per-commit work when
 * many items finish at once (64 LLM calls in flight).
 */
const COMMIT_DELAY_MS = 2;

export interface MemoStore {
  get(key: Digest): unknown | undefined;
  put(key: Digest, value: unknown): Promise<void>;
  /** Every key, for `dpo gc`. */
  keys(): Iterable<Digest>;
  remove(key: Digest): Promise<void>;
  close(): Promise<void>;
}

export async function openMemo(dir: string): Promise<MemoStore> {
  mkdirSync(dir, { recursive: true });
  const { open } = await import("lmdb");
  const db = open<unknown, string>({ path: dir, compression: true, encoding: "msgpack", commitDelay: COMMIT_DELAY_MS });
  return {
    get: (key) => db.get(key),
    put: async (key, value) => {
      await db.put(key, value);
    },
    keys: () => db.getKeys() as Iterable<Digest>,
    remove: async (key) => {
      await db.remove(key);
    },
    close: () => db.close(),
  };
}

/** An in-memory memo for tests and `dpo verify` dry runs. */
export function memoryMemo(): MemoStore & { readonly size: number } {
  const map = new Map<Digest, unknown>();
  return {
    get: (key) => (map.has(key) ? structuredClone(map.get(key)) : undefined),
    put: async (key, value) => {
      map.set(key, structuredClone(value));
    },
    keys: () => map.keys(),
    remove: async (key) => {
      map.delete(key);
    },
    close: async () => {},
    get size() {
      return map.size;
    },
  };
}
