/**
 * A tinypool for CPU-bound item work, one per build (see executor/resources.ts),
 * created on first use so builds that need no workers (and no-op builds) never
 * pay for threads.
 */
import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { WorkerPool } from "./plugin.js";

export interface ClosablePool extends WorkerPool {
  close(): Promise<void>;
}

/**
 * Each worker's V8 heap limits. A pool task is a batch (32 records to judge,
 * 1,024 to sign) whose live set is a few MB, but V8's defaults (16 MB
 * semi-spaces; an old generation allowed to grow to 4× its live size under a
 * 4 GB limit) let each worker sit at ~60 MB of heap, mostly garbage. 4 MB
 * semi-spaces and a 1 GB old generation (below 2 GB V8 grows it by smaller
 * factors) keep a judging worker at ~26 MB, with no more CPU time (bench/RESULTS.md,
 * "Judge stage memory"). 1 GB is still ~50× a task's live set; a task that
 * outgrows it fails with the worker's out-of-memory error, not the process.
 */
export const WORKER_HEAP_LIMITS = { maxYoungGenerationSizeMb: 12, maxOldGenerationSizeMb: 1024 } as const;

export function createPool(threads: number): ClosablePool {
  let pool: import("tinypool").default | undefined;
  let starting: Promise<import("tinypool").default> | undefined;
  const get = () =>
    (starting ??= import("tinypool").then(({ default: Tinypool }) => {
      pool = new Tinypool({
        filename: workerModuleUrl(new URL("./worker.js", import.meta.url).href),
        minThreads: 0,
        maxThreads: Math.max(1, threads),
        idleTimeout: 2_000,
        resourceLimits: WORKER_HEAP_LIMITS,
      });
      return pool;
    }));
  return {
    size: Math.max(1, threads),
    async run<T>(module: string, fn: string, arg: unknown): Promise<T> {
      const p = await get();
      return (await p.run({ module: workerModuleUrl(module), fn, arg })) as T;
    },
    async close() {
      if (pool) await pool.destroy();
    },
  };
}

/**
 * Worker threads load compiled JavaScript. When the engine runs from the
 * TypeScript sources (under vitest), a task URL points into `src/` at a `.js`
 * file that exists only in `dist/`: map it there.
 */
export function workerModuleUrl(url: string): string {
  if (!url.startsWith("file:")) return url;
  const path = fileURLToPath(url);
  if (existsSync(path)) return url;
  const built = path.replace(/([\\/])src([\\/])/, "$1dist$2").replace(/\.ts$/, ".js");
  return existsSync(built) ? pathToFileURL(built).href : url;
}
