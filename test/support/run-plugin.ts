/**
 * Runs one plugin outside a project build, for plugin unit tests: validates
 * `with` against the plugin's schema (defaults filled in, as the engine does),
 * builds a real context (real worker pool, in-memory or given memo) and returns
 * the records in artifact order together with the run's trace and the files it
 * published.
 */
import { createContext, type RunTrace } from "../../src/engine/context.js";
import { memoryMemo, type MemoStore } from "../../src/engine/memo.js";
import type { Plugin, Rec } from "../../src/engine/plugin.js";
import { createPool } from "../../src/engine/pool.js";
import { memoryObjects } from "../../src/engine/published.js";
import { memoryArtifact, parseRecords, serialiseRecords } from "../../src/engine/records.js";
import { validate } from "../../src/engine/schema.js";

export interface RunPluginOptions {
  with: Record<string, unknown>;
  inputs?: Record<string, Rec[]>;
  root?: string;
  seed?: number;
  offline?: boolean;
  memo?: MemoStore;
  providers?: Record<string, unknown>;
  jobs?: number;
  signal?: AbortSignal;
  /** Receives the plugin's progress (default: ignored). */
  progress?: { total(n: number): void; tick(n?: number): void };
  /** Stage → `plugin@version`, as the engine gives it (`ctx.stagePlugins`). */
  stagePlugins?: Record<string, string>;
}

export interface PluginRun {
  records: Rec[];
  /** The canonical artifact text, exactly as the engine would store it. */
  text: string;
  trace: RunTrace;
  /** out/-relative path → the bytes the plugin published. */
  published: Map<string, Buffer>;
  logs: string[];
}

export async function runPlugin(plugin: Plugin, o: RunPluginOptions): Promise<PluginRun> {
  const withBlock = structuredClone(o.with);
  const v = validate(plugin.schema, withBlock);
  if (!v.valid) throw new Error(`invalid with: ${JSON.stringify(v.errors)}`);
  const logs: string[] = [];
  const pool = createPool(o.jobs ?? 2);
  const inputs = Object.fromEntries(Object.entries(o.inputs ?? {}).map(([k, recs]) => [k, memoryArtifact(k, recs)]));
  const objects = memoryObjects();
  const { ctx, trace } = createContext({
    stage: "test",
    with: withBlock,
    root: o.root ?? process.cwd(),
    seed: o.seed ?? 1,
    key: "test-stage-key",
    inputs,
    signal: o.signal ?? new AbortController().signal,
    offline: o.offline ?? false,
    memo: o.memo ?? memoryMemo(),
    pool,
    log: {
      info: (m) => logs.push(`info: ${m}`),
      warn: (m) => logs.push(`warn: ${m}`),
      debug: (m) => logs.push(`debug: ${m}`),
    },
    progress: o.progress ?? { total() {}, tick() {} },
    provider: (name) => o.providers?.[name],
    stagePlugins: o.stagePlugins,
    objects,
  });
  try {
    const out: Rec[] = [];
    const result = await plugin.run(ctx);
    for await (const r of result as AsyncIterable<Rec>) out.push(r);
    const text = serialiseRecords(out);
    const published = new Map([...trace.published].map(([path, file]) => [path, objects.get(file.digest)!]));
    return { records: parseRecords(text), text, trace, published, logs };
  } finally {
    await pool.close();
  }
}
