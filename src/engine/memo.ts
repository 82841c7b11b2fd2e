/**
 * The item-level memo: key → JSON value, shared by every stage and build.
 *
 * Backed by LMDB (lmdb-js): a transactional, memory-mapped store that is safe
 * under concurrent writers in several processes and survives kill -9 with no
 * recovery step. Each `put` is committed on its own (batched by lmdb-js), so an
 * item is durable as soon as its promise resolves. See docs/architecture.md.
 *
 * Its failures are user errors that name the memo: a damaged file is refused
 * before it is mapped (memo-file.ts), an unwritable directory or a full disk is
 * said as such, and a failed commit fails exactly the puts it held — nothing
 * is reported stored that was not, and what was committed before stays.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { DpoError } from "./diagnostic.js";
import type { Digest } from "./hash.js";
import { HeldPuts } from "./memo-commits.js";
import { FULL_MAP_SIZE, MapRoom, memoMapSize, type MapUse } from "./memo-map-size.js";
import { memoFileProblem } from "./memo-file.js";
import { isStorageFailure, storageError, writingTo } from "./storage-error.js";

/**
 * Puts issued within this many milliseconds share one LMDB commit
 * (memo-commits.ts). A put's promise still resolves only once its commit is
 * durable, so an item is never reported finished before it is safe; batching
 * only trims per-commit work when many items finish at once (64 LLM calls in
 * flight): at 2,500 calls a second, 2 ms made ~1,300 commits per 20,000 calls
 * and 5 ms ~770, each costing the main thread a native call that queues the
 * write thread, and the machine a sync.
 */
const COMMIT_DELAY_MS = 5;

/*
 * The address space mapped for the memo file up front (virtual: the file
 * grows only as entries are written) is 64 GiB, or less under `ulimit -v`
 * (memo-map-size.ts). lmdb-js grows a smaller map by mapping the file again at
 * twice the size and keeps the old mappings, each with the pages it had
 * touched resident: a 135 MB memo held 362 MB of RSS that way
 * (bench/memo-mapping.mjs). One large mapping holds each page once.
 */

export interface MemoStore {
  get(key: Digest): unknown | undefined;
  /**
   * After `get` missed: the value from a slower tier (the remote cache), kept
   * locally once found; undefined when no tier has it. Absent on a plain store.
   */
  fetch?(key: Digest): Promise<unknown | undefined>;
  put(key: Digest, value: unknown): Promise<void>;
  /** Every key, for `dpo gc`. */
  keys(): Iterable<Digest>;
  remove(key: Digest): Promise<void>;
  close(): Promise<void>;
}

const WHAT = "the item memo";
const MOVE_IT = "run `dpo clean --memo` (or move the folder away) to start a new memo; the LLM calls it held will be sent again";

export async function openMemo(dir: string): Promise<MemoStore> {
  writingTo(dir, WHAT, () => mkdirSync(dir, { recursive: true }));
  const dataFile = join(dir, "data.mdb");
  const problem = memoFileProblem(dataFile);
  if (problem) throw damaged(dataFile, problem);
  const { open } = await import("lmdb");
  const mapSize = memoMapSize();
  let db: ReturnType<typeof open<unknown, string>>;
  try {
    // No `commitDelay`: lmdb-js ignores it while it batches by event turn (memo-commits.ts holds the puts instead).
    db = open<unknown, string>({ path: dir, compression: true, encoding: "msgpack", mapSize });
  } catch (e) {
    throw openError(e, dir);
  }
  const quiet = silenceLmdbConsole();
  // After a failed commit and no good one since, lmdb-js's close waits forever
  // for a flush that will not come; what was committed is safe, so it is not awaited.
  let lastWriteFailed = false;
  // The handlers made once, not per write: every LLM call's reply is a put.
  const written = (): void => void (lastWriteFailed = false);
  const failed = (e: unknown): Promise<never> => {
    lastWriteFailed = true;
    return commitCause(e, db);
  };
  const track = (write: Promise<unknown>) => write.then(written, failed);
  // Puts of the same few milliseconds share one commit (memo-commits.ts).
  const held = new HeldPuts(COMMIT_DELAY_MS, (key, value) => track(db.put(key, value)));
  // A map smaller than the full one means an address-space limit: growing past it would crash.
  const room = mapSize !== undefined && mapSize < FULL_MAP_SIZE ? new MapRoom(mapSize, () => db.getStats() as MapUse) : undefined;
  return guardMemo(
    {
      get: (key) => db.get(key),
      put: (key, value) => {
        try {
          room?.check();
        } catch (e) {
          return Promise.reject(e);
        }
        return held.put(key, value);
      },
      keys: () => db.getKeys() as Iterable<Digest>,
      remove: (key) => {
        held.flush();
        return track(db.remove(key));
      },
      close: async () => {
        held.flush();
        const closing = db.close().finally(quiet.restore);
        if (lastWriteFailed) closing.catch(() => {});
        else await closing;
      },
    },
    dir,
  );
}

/**
 * `inner` with its failures as user errors about `dir`. Each put reports its
 * own commit: a failed one rejects (its value is not stored), one committed
 * after it resolves (lmdb stores it: the failed transaction's space is freed).
 * Exported so tests can put a failing store underneath.
 */
export function guardMemo(inner: MemoStore, dir: string): MemoStore {
  const failed = (e: unknown): never => {
    throw writeError(e, dir);
  };
  // A write that throws at once throws to the caller, as before; one that rejects rejects with the user error.
  const write = (op: () => Promise<void>): Promise<void> => op().catch(failed);
  return {
    get: (key) => {
      try {
        return inner.get(key);
      } catch (e) {
        throw damaged(join(dir, "data.mdb"), `reading it failed: ${(e as Error)?.message ?? String(e)}`);
      }
    },
    put: (key, value) => inner.put(key, value).catch(failed),
    keys: () => inner.keys(),
    remove: (key) => write(() => inner.remove(key)),
    close: () => inner.close(),
  };
}

function damaged(dataFile: string, why: string): DpoError {
  return new DpoError({ severity: "error", message: `${WHAT} ${dataFile} is damaged: ${why}`, hint: MOVE_IT }, 1);
}

function writeError(e: unknown, dir: string): unknown {
  if (isStorageFailure(e)) return storageError(e, dir, WHAT);
  if (e instanceof DpoError) return e;
  const message = `a write to ${WHAT} at ${dir} failed: ${(e as Error)?.message ?? String(e)}`;
  return new DpoError({ severity: "error", message, hint: "check that the disk is not full and the folder is writable; items stored before this are kept" }, 1);
}

function openError(e: unknown, dir: string): unknown {
  const err = errnoOf(e);
  if (err) return storageError(err, dir, WHAT);
  return new DpoError({ severity: "error", message: `${WHAT} at ${dir} cannot be opened: ${(e as Error)?.message ?? String(e)}`, hint: MOVE_IT }, 1);
}

/**
 * lmdb-js rejects each put of a failed commit with "Commit failed" and the real
 * error on a separate promise (`commitError`), and rejects its own promise for
 * the next batch too (`committed`). Both must be handled here, or each is an
 * unhandled rejection that kills the process with a raw stack.
 */
async function commitCause(e: unknown, db: { committed: PromiseLike<unknown> }): Promise<never> {
  db.committed.then(undefined, () => {});
  const pending = (e as { commitError?: Promise<unknown> })?.commitError;
  if (!pending) throw errnoOf(e) ?? e;
  const cause = await pending.then(() => e, (c: unknown) => c);
  throw errnoOf(cause) ?? cause;
}

/** lmdb-js errors carry a numeric errno (`code: 28`) or name it in the message: as Node's `{ code: "ENOSPC" }`. */
function errnoOf(e: unknown): NodeJS.ErrnoException | undefined {
  const err = e as { code?: unknown; message?: unknown } | undefined;
  const byNumber: Record<number, string> = { 1: "EPERM", 5: "EIO", 13: "EACCES", 28: "ENOSPC", 30: "EROFS", 122: "EDQUOT" };
  const code = typeof err?.code === "number" ? byNumber[err.code] : typeof err?.code === "string" ? err.code : undefined;
  return code ? Object.assign(new Error(String(err?.message)), { code }) : undefined;
}

/**
 * lmdb-js also prints a failed commit's error with its stack to stderr before
 * rejecting the writes; the rejection is reported properly, so that print is
 * dropped while any memo is open.
 */
let openMemos = 0;
let consoleError: typeof console.error | undefined;
function silenceLmdbConsole(): { restore(): void } {
  if (openMemos++ === 0) {
    const original = (consoleError = console.error);
    console.error = (...args: unknown[]) => {
      if (args.length === 1 && args[0] instanceof Error && /[\\/]lmdb[\\/]/.test(args[0].stack ?? "")) return;
      original(...args);
    };
  }
  let restored = false;
  return {
    restore: () => {
      if (restored) return;
      restored = true;
      if (--openMemos === 0 && consoleError) console.error = consoleError;
    },
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
