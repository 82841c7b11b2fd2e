/**
 * Running one stale stage: give the plugin its context, store the records it
 * yields content-addressed, store its published files, record the manifest in
 * the run cache and put the published files in `out/`. A failure or an
 * interruption is an outcome, never an exception.
 */
import { writeArtifact, StoredArtifact } from "../artifact.js";
import type { ProjectConfig, StageConfig } from "../config/load.js";
import { nodeErrors } from "../config/locations.js";
import { setVariables } from "../config/stage-env.js";
import { createContext, type RunTrace } from "../context.js";
import type { Digest } from "../hash.js";
import type { Rec } from "../plugin.js";
import type { OutClaims } from "../out-path.js";
import type { Project } from "../project.js";
import type { Reporter } from "../reporter.js";
import { isShardRoot, onlyShard, type Shard } from "../shard.js";
import type { StageManifest } from "../stage-index.js";
import { stageFailure } from "./failure.js";
import { isOffline, type BuildMode } from "./mode.js";
import type { StageOutcome } from "./outcome.js";
import { stagePluginsOf, type Plan } from "./plan.js";
import { materialise } from "./publish.js";
import type { SampleOrder } from "../sample/order.js";
import type { BuildResources } from "./resources.js";

export interface StageRun {
  project: Project;
  config: ProjectConfig;
  mode: BuildMode;
  resources: BuildResources;
  reporter: Reporter;
  redact: (s: string) => string;
  signal: AbortSignal;
  /** The out/ paths stages of this build have published so far (set by the scheduler). */
  outClaims?: OutClaims;
  /** A sharded build: a root stage keeps this shard's records, and nothing is published to out/ (the outputs are partial). */
  shard?: Shard;
  /** The sample order a stage's context reports (set by the scheduler). */
  sampleFor?: (stage: string) => Promise<SampleOrder | undefined>;
}

type Stale = Extract<Plan, { kind: "stale" }>;
type RunOutcome = Extract<StageOutcome, { status: "ran" | "failed" | "cancelled" }>;

/** Runs `stage`; `inputs` resolves to its verified upstream artifacts (and may fail). */
export async function runStage(stage: StageConfig, plan: Stale, inputs: () => Promise<Record<string, StoredArtifact>>, r: StageRun): Promise<RunOutcome> {
  const started = performance.now();
  let trace: RunTrace | undefined;
  try {
    const ready = await inputs();
    await r.resources.loadProviders(stage.providers);
    const created = createContext({
      stage: stage.name,
      with: structuredClone(stage.with),
      env: setVariables(stage.env),
      root: r.project.root,
      seed: r.config.seed,
      key: plan.key,
      inputs: ready,
      signal: r.signal,
      offline: isOffline(r.mode),
      redact: r.redact,
      stagePlugins: stagePluginsOf(r.config),
      memo: await r.resources.openMemo(),
      memoInFlight: r.resources.memoInFlight,
      pool: r.resources.workerPool(),
      log: r.reporter.logger(stage.name),
      progress: r.reporter.progress(stage.name),
      provider: (name) => r.resources.provider(name),
      errors: nodeErrors(r.config.locations, "stages", stage.name),
      sample: await r.sampleFor?.(stage.name),
      objects: r.project.store,
    });
    trace = created.trace;
    const plugin = await stage.plugin.load();
    const all = (await plugin.run(created.ctx)) as AsyncIterable<Rec> | Iterable<Rec>;
    const records = r.shard && isShardRoot(stage) ? onlyShard(all, r.shard) : all;
    const written = await writeArtifact(r.project.store, records, r.signal);
    const manifest: StageManifest = {
      stage: stage.name,
      records: written.digest,
      count: written.count,
      published: publishedDigests(trace.published),
      tallies: roundTallies(trace.tallies),
      reads: trace.reads,
      fingerprint: plan.fingerprint,
    };
    const manifestDigest = r.project.index.record(plan.key, manifest);
    r.resources.remote?.uploadStageResult(plan.key, manifestDigest, manifest);
    if (!r.shard) await materialise(r.project, manifest, r.outClaims);
    const artifact = new StoredArtifact(stage.name, written.digest, written.count, r.project.store, manifest.tallies);
    return {
      status: "ran", stage: stage.name, key: plan.key, fingerprint: plan.fingerprint, manifest, manifestDigest, artifact,
      reasons: plan.reasons, memo: memoOf(trace), stats: trace.stats, ms: performance.now() - started,
    };
  } catch (e) {
    const ms = performance.now() - started;
    if (r.signal.aborted) return { status: "cancelled", stage: stage.name, ms, memo: memoOf(trace) };
    const diagnostics = stageFailure(e, stage, r.redact);
    return { status: "failed", stage: stage.name, reasons: plan.reasons, diagnostics, memo: memoOf(trace), ms };
  } finally {
    r.reporter.stageFinished(stage.name);
  }
}

/** Published files are already stored (ctx.publish): the manifest names them in path order. */
function publishedDigests(published: RunTrace["published"]): Record<string, Digest> {
  const out: Record<string, Digest> = {};
  for (const [path, file] of [...published].sort(([a], [b]) => (a < b ? -1 : 1))) out[path] = file.digest;
  return out;
}

const memoOf = (t: RunTrace | undefined) => ({ hits: t?.memoHits ?? 0, misses: t?.memoMisses ?? 0 });

/** Tallies are sums of floats (costs): round so the lock is the same on every machine. */
function roundTallies(t: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(t).sort().map(([k, v]) => [k, Math.round(v * 1e6) / 1e6]));
}
