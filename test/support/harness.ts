/**
 * The in-process engine rig: a temporary project folder, the real loader and
 * executor, an in-memory memo and a recording reporter — no subprocess, no
 * compiled CLI, no sleeping. Test plugins are plain objects registered under
 * `test/*` names; each counts how often it ran and which items it computed.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { build, type BuildMode, type BuildResult, type StageOutcome } from "../../src/engine/build.js";
import { loadConfig } from "../../src/engine/config/load.js";
import { DpoError } from "../../src/engine/diagnostic.js";
import { memoryMemo, type MemoStore } from "../../src/engine/memo.js";
import { definePlugin, type Plugin, type PluginContext, type Rec } from "../../src/engine/plugin.js";
import { createRegistry } from "../../src/engine/registry.js";
import type { Reporter } from "../../src/engine/reporter.js";
import type { Shard } from "../../src/engine/shard.js";

/** What the test plugins did, across every build of one harness. */
export interface Activity {
  /** Stage name → number of times its plugin ran. */
  runs: Record<string, number>;
  /** Stage name → item texts computed (memo misses), in order. */
  computed: Record<string, string[]>;
}

export interface HarnessBuild extends BuildResult {
  /** Stage name → outcome. */
  stage: Record<string, StageOutcome>;
  warnings: string[];
  infos: string[];
}

export class Harness {
  readonly dir: string;
  readonly memo: MemoStore;
  readonly activity: Activity = { runs: {}, computed: {} };
  private readonly plugins: Record<string, () => Promise<Plugin>>;

  constructor(files: Record<string, string> = {}, extra: Record<string, Plugin> = {}, project?: { dir: string; memo: MemoStore }) {
    this.dir = project?.dir ?? mkdtempSync(join(tmpdir(), "dpo-engine-"));
    this.memo = project?.memo ?? memoryMemo();
    for (const [rel, content] of Object.entries(files)) this.write(rel, content);
    const all = { "test/items": itemsPlugin(this.activity), "test/fail": failPlugin, ...extra };
    this.plugins = Object.fromEntries(Object.entries(all).map(([name, p]) => [name, async () => p]));
  }

  /** The same project (directory and memo) with other test plugins registered: a plugin upgraded between builds. */
  withPlugins(extra: Record<string, Plugin>): Harness {
    return new Harness({}, extra, { dir: this.dir, memo: this.memo });
  }

  path(rel: string): string {
    return join(this.dir, rel);
  }

  write(rel: string, content: string | Uint8Array): void {
    mkdirSync(dirname(this.path(rel)), { recursive: true });
    writeFileSync(this.path(rel), content);
  }

  read(rel: string): string {
    return readFileSync(this.path(rel), "utf8");
  }

  /** Loads the config (throwing its diagnostics as one DpoError) and builds. */
  /** `env`: what `${VAR}` and `dpo: "env"` names read (default: nothing). */
  async build(mode: BuildMode = "build", o: { targets?: string[]; signal?: AbortSignal; shard?: Shard; admit?: number; env?: Record<string, string | undefined> } = {}): Promise<HarnessBuild> {
    const registry = createRegistry(this.plugins, {});
    const loaded = await loadConfig({ root: this.dir, registry, env: o.env ?? {} });
    if (!loaded.ok) throw new DpoError(loaded.error, 2);
    const { reporter, warnings, infos } = recordingReporter();
    const result = await build(loaded.value, {
      targets: o.targets ?? [], mode, jobs: 1, wait: false, memo: this.memo, reporter, shard: o.shard,
      signal: o.signal ?? new AbortController().signal, admit: o.admit,
    });
    return { ...result, stage: Object.fromEntries(result.outcomes.map((x) => [x.stage, x])), warnings, infos };
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export function recordingReporter(): { reporter: Reporter; warnings: string[]; infos: string[] } {
  const warnings: string[] = [];
  const infos: string[] = [];
  const logger = { info: (m: string) => infos.push(m), warn: (m: string) => warnings.push(m), debug() {} };
  const reporter: Reporter = {
    ...logger,
    error: (m) => warnings.push(m),
    logger: () => logger,
    progress: () => ({ total() {}, tick() {} }),
    stageFinished() {},
    summary() {},
    close() {},
  };
  return { reporter, warnings, infos };
}

/** JSONL lines `{id, text}` numbered from `from`. */
export const lines = (n: number, from = 0): string =>
  Array.from({ length: n }, (_, i) => JSON.stringify({ id: `r${String(i + from).padStart(4, "0")}`, text: `item ${i + from}` })).join("\n") + "\n";

interface ItemsWith {
  path?: string;
  suffix: string;
  publish?: string;
  /** Resolves before each item's work: lets a test hold a stage mid-run. */
  gate?: string;
  /** A project file read through ctx.readFile and appended to every text: a read no key covers. */
  read?: string;
}

/** Gates by name that `test/items` awaits before each item (see `ItemsWith.gate`). */
export const gates = new Map<string, (ctx: PluginContext, item: number) => Promise<void>>();

/**
 * One record per input line (of `path`) or upstream record, text + suffix,
 * each item memoised; optionally publishes the texts as `publish`.
 */
function itemsPlugin(activity: Activity): Plugin {
  return definePlugin<ItemsWith>({
    name: "test/items",
    version: "1",
    description: "test plugin",
    schema: {
      type: "object",
      additionalProperties: false,
      properties: {
        path: { type: "string", dpo: "file", description: "input JSONL" },
        suffix: { type: "string", default: "", description: "appended to every text" },
        publish: { type: "string", description: "an out/ path to publish the texts to" },
        gate: { type: "string", description: "a test gate to await before each item" },
        read: { type: "string", description: "a project file read through ctx.readFile, appended to every text" },
      },
    },
    async *run(ctx) {
      activity.runs[ctx.stage] = (activity.runs[ctx.stage] ?? 0) + 1;
      const rows: Rec[] = [];
      if (ctx.with.path) for (const l of readFileSync(ctx.resolve(ctx.with.path), "utf8").split("\n")) if (l.trim()) rows.push(JSON.parse(l));
      for (const a of Object.values(ctx.inputs)) for await (const r of a.records()) rows.push(r);
      const texts: string[] = [];
      const read = ctx.with.read ? (await ctx.readFile(ctx.with.read)).toString("utf8").trim() : "";
      for (const [i, row] of rows.entries()) {
        await gates.get(ctx.with.gate ?? "")?.(ctx, i);
        const text = await ctx.memo(["test-items@1", row.text, ctx.with.suffix + read], async () => {
          (activity.computed[ctx.stage] ??= []).push(String(row.text));
          return `${row.text}${ctx.with.suffix}${read}`;
        });
        texts.push(text);
        yield { id: row.id, text };
      }
      if (ctx.with.publish) ctx.publish(ctx.with.publish, texts.join("\n") + "\n");
    },
  });
}

const failPlugin = definePlugin<Record<string, never>>({
  name: "test/fail",
  version: "1",
  description: "always fails",
  schema: { type: "object", additionalProperties: false, properties: {} },
  run() {
    throw new Error("this plugin always fails");
  },
});
