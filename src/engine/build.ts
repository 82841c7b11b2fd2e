/**
 * The executor: walks the selected stages of a loaded config, decides for each
 * whether its stored output can be reused (its key is in the run cache and the
 * objects are intact) or it must run, runs plugins with a context, stores their
 * outputs content-addressed, and finally updates dpo.lock.
 *
 * Stages start as soon as the stages they need are done, so independent stages
 * run concurrently. A key is computed from upstream *output digests*, so a stage
 * whose upstream re-ran but produced the same bytes is still reused (early cut-off).
 */
import { mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { ArtifactCorrupt, StoredArtifact, writeArtifact } from "./artifact.js";
import { writeFileAtomic } from "./atomic.js";
import type { ProjectConfig, StageConfig } from "./config/load.js";
import { nodeErrors } from "./config/locations.js";
import { createContext, type RunTrace } from "./context.js";
import { DpoError, type Diagnostic } from "./diagnostic.js";
import { describeChange, diffFingerprints, stageKey, type Change, type Fingerprint, type StageKey } from "./fingerprint.js";
import { hashFile, type Digest } from "./hash.js";
import { readLock, serialiseLock, type LockFile, type LockedStage } from "./lock.js";
import { openMemo, type MemoStore } from "./memo.js";
import type { Rec } from "./plugin.js";
import { createPool, type ClosablePool } from "./pool.js";
import type { Project } from "./project.js";
import { createRedactor } from "./redact.js";
import type { Reporter } from "./reporter.js";
import type { StageManifest } from "./stage-index.js";

export type StageStatus = "cached" | "ran" | "would-run" | "failed" | "blocked" | "cancelled";

export interface StageOutcome {
  stage: string;
  status: StageStatus;
  key?: StageKey;
  fingerprint?: Fingerprint;
  manifest?: StageManifest;
  manifestDigest?: Digest;
  artifact?: StoredArtifact;
  /** Why the stage ran (or would run). */
  reasons: string[];
  memoHits: number;
  memoMisses: number;
  /** Per-run statistics of a stage that ran (cache hits, retries); never stored. */
  stats?: Record<string, number>;
  ms: number;
  diagnostics?: Diagnostic[];
}

export interface BuildOptions {
  /** Stage names to build (with what they need); all stages when empty. */
  stages: string[];
  jobs: number;
  dryRun?: boolean;
  /** Fail instead of running anything that is not already in dpo.lock. */
  frozen?: boolean;
  /** No network request may be sent (LLM calls only from the memo). */
  offline?: boolean;
  /** Ignore stored stage outputs and recompute every stage (`dpo verify`). */
  recompute?: boolean;
  /** Leave dpo.lock alone. */
  readOnlyLock?: boolean;
  signal: AbortSignal;
  reporter: Reporter;
  /** A memo to use instead of the project's (tests). */
  memo?: MemoStore;
}

export interface BuildResult {
  outcomes: StageOutcome[];
  ok: boolean;
  interrupted: boolean;
  lockChanged: boolean;
}

export async function runBuild(project: Project, config: ProjectConfig, order: string[], opts: BuildOptions): Promise<BuildResult> {
  const build = new Build(project, config, opts);
  try {
    const outcomes = await Promise.all(order.map((s) => build.outcome(s)));
    project.files.save();
    const lockChanged = opts.dryRun || opts.frozen || opts.readOnlyLock ? false : build.updateLock(outcomes, order.length === config.order.length);
    const ok = outcomes.every((o) => o.status === "cached" || o.status === "ran" || o.status === "would-run");
    return { outcomes, ok, interrupted: opts.signal.aborted, lockChanged };
  } finally {
    await build.close();
  }
}

class Build {
  private readonly outcomes = new Map<string, Promise<StageOutcome>>();
  private readonly rebuilt = new Map<string, Promise<StageOutcome>>();
  private readonly lock: LockFile;
  private readonly redact: (s: string) => string;
  private memo?: Promise<MemoStore>;
  private pool?: ClosablePool;
  private readonly providers = new Map<string, unknown>();

  constructor(private readonly project: Project, private readonly config: ProjectConfig, private readonly opts: BuildOptions) {
    this.lock = readLock(project.lockPath);
    this.redact = createRedactor(config.secrets);
  }

  outcome(name: string): Promise<StageOutcome> {
    let p = this.outcomes.get(name);
    if (!p) {
      p = this.evaluate(this.config.stages[name]!);
      this.outcomes.set(name, p);
    }
    return p;
  }

  private async evaluate(stage: StageConfig): Promise<StageOutcome> {
    const base = { stage: stage.name, reasons: [], memoHits: 0, memoMisses: 0, ms: 0 };
    const upstream = await Promise.all(stage.needs.map((n) => this.outcome(n)));
    const started = performance.now();
    const notReady = upstream.filter((u) => u.status !== "cached" && u.status !== "ran");
    if (notReady.length) {
      const wouldRun = notReady.every((u) => u.status === "would-run");
      const why = notReady.map((u) => `upstream stage "${u.stage}" ${wouldRun ? "will run" : u.status}`);
      return { ...base, status: wouldRun ? "would-run" : "blocked", reasons: why };
    }
    const fingerprint = await this.fingerprint(stage, upstream);
    const key = stageKey(fingerprint);
    const cached = this.opts.recompute ? undefined : await this.reusable(key);
    if (cached) {
      const frozenMismatch = this.opts.frozen && this.lock.stages[stage.name]?.key !== key;
      if (!frozenMismatch) {
        await this.materialise(cached.manifest!);
        return { ...base, ...cached, key, fingerprint, status: "cached", ms: performance.now() - started };
      }
    }
    const reasons = await this.staleReasons(stage.name, key, fingerprint);
    if (this.opts.dryRun) return { ...base, key, fingerprint, status: "would-run", reasons };
    if (this.opts.frozen) {
      return {
        ...base, key, fingerprint, status: "failed", reasons,
        diagnostics: [{
          severity: "error",
          message: `--frozen: stage "${stage.name}" does not match dpo.lock and would be recomputed (${reasons.join("; ")})`,
          location: stage.location,
          hint: "run `dpo build` without --frozen and commit the updated dpo.lock",
        }],
      };
    }
    return this.execute(stage, fingerprint, key, upstream, reasons, started);
  }

  private async fingerprint(stage: StageConfig, upstream: StageOutcome[]): Promise<Fingerprint> {
    const files: Record<string, Digest> = {};
    for (const f of stage.files) files[f] = await this.project.files.digest(f);
    const inputs: Record<string, Digest> = {};
    for (const u of upstream) inputs[u.stage] = u.artifact!.digest;
    const providers: Record<string, unknown> = {};
    for (const p of stage.providers) providers[p] = this.config.providers[p]?.identity ?? null;
    return {
      plugin: `${stage.plugin.name}@${stage.plugin.version}`,
      ...(stage.pluginFile ? { pluginFile: await hashFile(stage.pluginFile) } : {}),
      with: stage.keyed, // without secret and tuning entries
      files,
      inputs,
      providers,
      seed: this.config.seed,
    };
  }

  /** The stored result for a key, if every object it names is present and the files it read are unchanged. */
  private async reusable(key: StageKey): Promise<Pick<StageOutcome, "manifest" | "manifestDigest" | "artifact"> | undefined> {
    const found = this.project.index.lookup(key);
    if (!found) return undefined;
    const m = found.manifest;
    if (!this.project.store.has(m.records)) return undefined;
    if (!Object.values(m.published).every((d) => this.project.store.has(d))) return undefined;
    for (const [path, digest] of Object.entries(m.reads)) {
      if ((await this.project.files.digestIfExists(path)) !== digest) return undefined;
    }
    const artifact = new StoredArtifact(m.stage, m.records, m.count, this.project.store);
    return { manifest: m, manifestDigest: found.digest, artifact };
  }

  private async staleReasons(name: string, key: StageKey, now: Fingerprint): Promise<string[]> {
    const locked = this.lock.stages[name];
    if (!locked) return [describeChange({ kind: "new" })];
    if (locked.key === key) return [describeChange({ kind: "output-missing" })];
    const before = this.project.index.lookup(locked.key)?.manifest;
    let changes: Change[];
    if (before) {
      changes = diffFingerprints(before.fingerprint, now);
      for (const [path, digest] of Object.entries(before.reads)) {
        const current = await this.project.files.digestIfExists(path);
        if (current !== digest) changes.push({ kind: "read", path });
      }
    } else {
      // The run cache lost the old manifest: compare what the lock keeps.
      changes = diffFingerprints(
        { plugin: locked.plugin, with: null, files: locked.files, inputs: locked.inputs, providers: {}, seed: now.seed },
        { ...now, with: null, providers: {} },
      );
    }
    return changes.length ? changes.map(describeChange) : ["configuration changed"];
  }

  private async execute(
    stage: StageConfig,
    fingerprint: Fingerprint,
    key: StageKey,
    upstream: StageOutcome[],
    reasons: string[],
    started: number,
  ): Promise<StageOutcome> {
    const base = { stage: stage.name, key, fingerprint, reasons };
    const log = this.opts.reporter.logger(stage.name);
    const progress = this.opts.reporter.progress(stage.name);
    let trace: RunTrace | undefined;
    try {
      const inputs: Record<string, StoredArtifact> = {};
      for (const u of upstream) inputs[u.stage] = await this.verifiedInput(u);
      await this.loadProviders(stage.providers);
      const created = createContext({
        stage: stage.name,
        with: structuredClone(stage.with),
        root: this.project.root,
        seed: this.config.seed,
        key,
        inputs,
        signal: this.opts.signal,
        offline: !!(this.opts.offline || this.opts.frozen),
        memo: await this.openMemo(),
        pool: this.getPool(),
        log,
        progress,
        provider: (name) => this.provider(name),
        errors: nodeErrors(this.config.locations, "stages", stage.name),
      });
      trace = created.trace;
      const ctx = created.ctx;
      const plugin = await stage.plugin.load();
      const records = (await plugin.run(ctx)) as AsyncIterable<Rec> | Iterable<Rec>;
      const written = await writeArtifact(this.project.store, records, this.opts.signal);
      const published: Record<string, Digest> = {};
      for (const [path, content] of [...trace.published].sort(([a], [b]) => (a < b ? -1 : 1))) {
        published[path] = this.project.store.put(content);
      }
      const manifest: StageManifest = {
        stage: stage.name,
        records: written.digest,
        count: written.count,
        published,
        tallies: roundTallies(trace.tallies),
        reads: trace.reads,
        fingerprint,
      };
      const manifestDigest = this.project.index.record(key, manifest);
      await this.materialise(manifest);
      const artifact = new StoredArtifact(stage.name, written.digest, written.count, this.project.store);
      return { ...base, status: "ran", manifest, manifestDigest, artifact, memoHits: trace.memoHits, memoMisses: trace.memoMisses, stats: trace.stats, ms: performance.now() - started };
    } catch (e) {
      const status = this.opts.signal.aborted ? "cancelled" : "failed";
      const diagnostics = status === "cancelled" ? [] : toDiagnostics(e, stage, this.redact);
      return { ...base, status, diagnostics, memoHits: trace?.memoHits ?? 0, memoMisses: trace?.memoMisses ?? 0, ms: performance.now() - started };
    } finally {
      this.opts.reporter.stageFinished(stage.name);
    }
  }

  /**
   * An upstream artifact, verified against its digest. A corrupt or vanished
   * object is never used: the upstream stage is recomputed (once) with a warning.
   */
  private async verifiedInput(u: StageOutcome): Promise<StoredArtifact> {
    if (await u.artifact!.verify()) return u.artifact!;
    this.opts.reporter.warn(`the stored output of stage "${u.stage}" is missing or corrupt; recomputing it`);
    let p = this.rebuilt.get(u.stage);
    if (!p) {
      const stage = this.config.stages[u.stage]!;
      p = Promise.all(stage.needs.map((n) => this.outcome(n))).then((up) =>
        this.execute(stage, u.fingerprint!, u.key!, up, ["stored output corrupt"], performance.now()),
      );
      this.rebuilt.set(u.stage, p);
    }
    const again = await p;
    if (again.status !== "ran" || !(await again.artifact!.verify())) throw new ArtifactCorrupt(u.stage, u.artifact!.digest);
    return again.artifact!;
  }

  /** Writes the stage's published files under out/, where they differ from what is there. */
  private async materialise(m: StageManifest): Promise<void> {
    for (const [rel, digest] of Object.entries(m.published)) {
      const outRel = join("out", rel);
      if ((await this.project.files.digestIfExists(outRel)) === digest) continue;
      const data = this.project.store.get(digest);
      if (!data) throw new ArtifactCorrupt(m.stage, digest);
      mkdirSync(dirname(join(this.project.root, outRel)), { recursive: true });
      writeFileAtomic(join(this.project.root, outRel), data, join(this.project.cacheDir, "tmp"));
    }
  }

  private openMemo(): Promise<MemoStore> {
    return (this.memo ??= this.opts.memo ? Promise.resolve(this.opts.memo) : openMemo(join(this.project.cacheDir, "memo")));
  }

  private getPool(): ClosablePool {
    return (this.pool ??= createPool(this.opts.jobs));
  }

  /** Creates the providers a stage names (once per build), so `ctx.provider` can stay synchronous. */
  private async loadProviders(names: string[]): Promise<void> {
    for (const name of names) {
      const p = this.config.providers[name];
      if (!p || this.providers.has(name)) continue;
      const type = await p.providerType.load();
      const log = this.opts.reporter.logger(`provider ${name}`);
      if (!this.providers.has(name)) this.providers.set(name, type.create(p.config, { name, log, redact: this.redact, fail: nodeErrors(this.config.locations, "providers", name).fail }));
    }
  }

  private provider(name: string): unknown {
    return this.providers.get(name);
  }

  /** Records every built stage in dpo.lock; returns whether the file changed. */
  updateLock(outcomes: StageOutcome[], wholeGraph: boolean): boolean {
    const stages: Record<string, LockedStage> = wholeGraph ? {} : { ...this.lock.stages };
    for (const o of outcomes) {
      if ((o.status !== "cached" && o.status !== "ran") || !o.manifest) {
        if (wholeGraph && this.lock.stages[o.stage]) stages[o.stage] = this.lock.stages[o.stage]!;
        continue;
      }
      const m = o.manifest;
      stages[o.stage] = {
        key: o.key!,
        plugin: m.fingerprint.plugin,
        files: m.fingerprint.files,
        inputs: m.fingerprint.inputs,
        manifest: o.manifestDigest!,
        output: m.records,
        records: m.count,
        ...(Object.keys(m.published).length ? { published: m.published } : {}),
        ...(Object.keys(m.tallies).length ? { tallies: m.tallies } : {}),
      };
    }
    const next = serialiseLock({ version: 1, stages });
    let current = "";
    try {
      current = readFileSync(this.project.lockPath, "utf8");
    } catch {
      /* no lock yet */
    }
    if (next === current) return false;
    writeFileAtomic(this.project.lockPath, next, join(this.project.cacheDir, "tmp"));
    return true;
  }

  async close(): Promise<void> {
    // Providers live for one build: release what they hold (an HTTP pool's
    // keep-alive sockets), or every rebuild in watch mode would leave its own.
    await Promise.allSettled([...this.providers.values()].map((p) => (p as { close?: () => unknown }).close?.()));
    await this.pool?.close();
    if (this.memo && !this.opts.memo) await (await this.memo).close();
  }
}

/** Tallies are sums of floats (costs): round so the lock is the same on every machine. */
function roundTallies(t: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(t).sort().map(([k, v]) => [k, Math.round(v * 1e6) / 1e6]));
}

function toDiagnostics(e: unknown, stage: StageConfig, redact: (s: string) => string): Diagnostic[] {
  if (e instanceof DpoError) return e.diagnostics.map((d) => ({ ...d, message: redact(`stage "${stage.name}": ${d.message}`) }));
  if (e instanceof ArtifactCorrupt) return [{ severity: "error", message: e.message }];
  const err = e as Error;
  const where = err?.stack?.split("\n").slice(1, 4).join("\n") ?? "";
  return [{
    severity: "error",
    message: redact(`stage "${stage.name}" (${stage.uses}) failed: ${err?.message ?? String(e)}`),
    location: stage.location,
    hint: process.env.DPO_DEBUG ? redact(where) : "set DPO_DEBUG=1 to see where in the plugin it failed",
  }];
}

