/**
 * Builds the `ctx` a plugin's `run` receives, and collects what the run leaves
 * behind besides records: memo statistics, tallies, published files and the
 * files it read on its own (which become part of the stage's freshness check).
 */
import { nodeErrors, type NodeErrors } from "./config/locations.js";
import { InFlight } from "./async/in-flight.js";
import { digestOf, type Digest } from "./hash.js";
import type { MemoStore } from "./memo.js";
import type { Artifact, Logger, PluginContext, Progress, WorkerPool } from "./plugin.js";
import { pointerNaming, projectFileReaders } from "./project-files.js";
import { claimsCollide, outFileProblem } from "./out-path.js";
import { memoryObjects, storeContent, type ObjectSink, type PublishedFile } from "./published.js";
import { seededRng } from "./rng.js";
import { unknownSample, type SampleOrder } from "./sample/order.js";

export interface ContextOptions {
  stage: string;
  with: Record<string, unknown>;
  /** The set variables among those `with` names through `dpo: "env"` (default: none). */
  env?: Record<string, string>;
  root: string;
  seed: number;
  key: string;
  inputs: Record<string, Artifact>;
  signal: AbortSignal;
  offline: boolean;
  /** Replaces every secret value of the config by `***` (default: nothing to redact). */
  redact?: (text: string) => string;
  /** Stage → `plugin@version`, for provenance (default: none known). */
  stagePlugins?: Record<string, string>;
  memo: MemoStore;
  /** Memo work running now, shared by every stage of a build so identical items in flight run once. */
  memoInFlight?: InFlight<Digest, unknown>;
  pool: WorkerPool;
  log: Logger;
  progress: Progress;
  /** Returns the provider instance for a configured name, or undefined. */
  provider: (name: string) => unknown;
  /** Located errors about this stage's config entry (default: unlocated, for plugin tests). */
  errors?: NodeErrors;
  /** The sample order over the root stages' records (default: ranks only, for plugin tests). */
  sample?: SampleOrder;
  /** Where published files are stored as they are published (default: memory, for plugin tests). */
  objects?: ObjectSink;
}

export interface RunTrace {
  memoHits: number;
  memoMisses: number;
  tallies: Record<string, number>;
  /** Per-run statistics (cache hits, retries): shown, never stored. */
  stats: Record<string, number>;
  /** out/-relative path → the stored content (./published.ts). */
  published: Map<string, PublishedFile>;
  /** Project-relative path → digest of files read through ctx.readFile. */
  reads: Record<string, Digest>;
}

export function createContext(o: ContextOptions): { ctx: PluginContext; trace: RunTrace } {
  const errors = o.errors ?? nodeErrors(undefined, "stages", o.stage);
  const trace: RunTrace = { memoHits: 0, memoMisses: 0, tallies: {}, stats: {}, published: new Map(), reads: {} };
  const inFlight = o.memoInFlight ?? new InFlight<Digest, unknown>();
  const objects = o.objects ?? memoryObjects();

  const files = projectFileReaders(o.root, o.with, errors, trace.reads);

  // Plain promise chains rather than nested async functions: this runs once
  // per LLM call, and every extra async layer is garbage the GC must chase.
  const memoLookup = <T>(key: unknown, fn: () => Promise<T>): Promise<T> => {
    const k = digestOf(key);
    const stored = o.memo.get(k);
    if (stored !== undefined) {
      trace.memoHits++;
      return Promise.resolve(stored as T);
    }
    const running = inFlight.get(k);
    if (running) {
      trace.memoHits++;
      return running as Promise<T>;
    }
    const compute = (): Promise<T> => {
      trace.memoMisses++;
      return Promise.resolve(fn())
        // Persist before anyone sees the value: a crash after this point loses nothing.
        .then((value) => (value === undefined ? value : o.memo.put(k, value).then(() => value)));
    };
    // A slower tier (the remote cache) is asked before the work is done here.
    const p = o.memo.fetch
      ? o.memo.fetch(k).then((found) => (found === undefined ? compute() : (trace.memoHits++, found as T)))
      : compute();
    return inFlight.track(k, p) as Promise<T>;
  };
  const memo = <T>(key: unknown, fn: () => Promise<T>): Promise<T> => {
    try {
      return memoLookup(key, fn);
    } catch (err) {
      return Promise.reject(err);
    }
  };

  const ctx: PluginContext = {
    stage: o.stage,
    with: o.with,
    env: o.env ?? {},
    root: o.root,
    seed: o.seed,
    key: o.key,
    inputs: o.inputs,
    signal: o.signal,
    offline: o.offline,
    redact: o.redact ?? ((text) => text),
    stagePlugins: o.stagePlugins ?? {},
    sample: o.sample ?? unknownSample(o.seed),
    memo,
    ...files,
    fail: errors.fail,
    diagnostic: errors.diagnostic,
    provider<P>(name: string): P {
      const p = o.provider(name);
      if (p === undefined) errors.fail(pointerNaming(o.with, name), `stage "${o.stage}" uses provider "${name}", which is not configured`);
      return p as P;
    },
    pool: o.pool,
    rng: (...labels) => seededRng(o.seed, o.stage, ...labels),
    progress: o.progress,
    log: o.log,
    tally(name, amount) {
      trace.tallies[name] = (trace.tallies[name] ?? 0) + amount;
    },
    stat(name, amount) {
      trace.stats[name] = (trace.stats[name] ?? 0) + amount;
    },
    publish(relPath, content) {
      const clean = relPath.split("\\").join("/");
      const problem = outFileProblem(clean) ?? overlap(trace.published, clean);
      if (problem) errors.fail(pointerNaming(o.with, relPath), `cannot publish "${relPath}": ${problem}`, "a published path names a file inside out/, e.g. `reports/agreement.json`");
      const stored = storeContent(objects, content);
      trace.published.set(clean, stored);
      return stored;
    },
  };
  return { ctx, trace };
}

/** A published path that is a folder of `path`, or lies in it (the same path again just replaces the content). */
function overlap(published: ReadonlyMap<string, unknown>, path: string): string | undefined {
  for (const other of published.keys()) {
    if (other !== path && claimsCollide(other, path)) return `it collides with "${other}", published by this stage too (a path cannot be both a file and a folder)`;
  }
  return undefined;
}
