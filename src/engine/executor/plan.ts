/**
 * Planning one stage: its fingerprint, and whether its stored output can be
 * reused. Nothing here runs a plugin or writes a file; the answer is a value.
 *
 * A key is computed from upstream *output digests*, so a stage whose upstream
 * re-ran but produced the same bytes is still fresh (early cut-off).
 */
import { StoredArtifact } from "../artifact.js";
import type { ProjectConfig, StageConfig } from "../config/load.js";
import { keyedEnv } from "../config/stage-env.js";
import { formatWarning } from "../diagnostic.js";
import { describeChange, diffFingerprints, stageKey, type Change, type Fingerprint, type StageKey } from "../fingerprint.js";
import { hashFile, type Digest } from "../hash.js";
import type { LockedStage, LockFile } from "../lock.js";
import type { Project } from "../project.js";
import type { RemoteCache } from "../remote/remote-cache.js";
import type { Reporter } from "../reporter.js";
import { isShardRoot, shardLabel, type Shard } from "../shard.js";
import { mayReuse, type BuildMode } from "./mode.js";
import { fetchStageResult } from "./remote-fetch.js";
import type { BuiltOutput } from "./outcome.js";

export type Plan =
  /** The run cache has this key, its objects are present and the files it read are unchanged. */
  | { kind: "fresh"; stored: BuiltOutput }
  /** The stage must run; `reasons` say why, against dpo.lock. */
  | { kind: "stale"; key: StageKey; fingerprint: Fingerprint; reasons: string[] };

export interface PlanContext {
  project: Project;
  /** Where warnings about unreadable run-cache entries go. */
  reporter: Reporter;
  config: ProjectConfig;
  lock: LockFile;
  mode: BuildMode;
  /** Set in a sharded build: root stages keep this shard's records, and their keys say so. */
  shard?: Shard;
  /** Where stage results missing here are looked up next. */
  remote?: RemoteCache;
}

/** `admission`: how many root records the stage's inputs were cut to, when the build admits only some (see sample/admission.ts). */
export async function planStage(stage: StageConfig, inputs: Record<string, Digest>, p: PlanContext, admission?: Fingerprint["admission"]): Promise<Plan> {
  const fingerprint = { ...(await fingerprintOf(stage, inputs, p)), ...(admission ? { admission } : {}) };
  const key = stageKey(fingerprint);
  const stored = mayReuse(p.mode, key, p.lock.stages[stage.name]?.key) ? await reusableHereOrRemote(key, fingerprint, p, p.lock.stages[stage.name]) : undefined;
  if (stored) return { kind: "fresh", stored };
  return { kind: "stale", key, fingerprint, reasons: await staleReasons(stage.name, key, fingerprint, p) };
}

async function fingerprintOf(stage: StageConfig, inputs: Record<string, Digest>, p: PlanContext): Promise<Fingerprint> {
  const files: Record<string, Digest> = {};
  for (const f of stage.files) files[f] = await p.project.files.digest(f);
  const providers: Record<string, unknown> = {};
  for (const name of stage.providers) providers[name] = p.config.providers[name]?.identity ?? null;
  const env = keyedEnv(stage.env); // digests of non-secret values; absent when none, so other keys stay as they were
  return {
    plugin: `${stage.plugin.name}@${stage.plugin.version}`,
    ...(stage.pluginFile ? { pluginFile: await hashFile(stage.pluginFile) } : {}),
    with: stage.keyed, // without secret and tuning entries
    files,
    inputs,
    providers,
    ...(env ? { env } : {}),
    seed: p.config.seed,
    ...(p.shard && isShardRoot(stage) ? { shard: shardLabel(p.shard) } : {}),
    ...(stage.plugin.provenance ? { stagePlugins: stagePluginsOf(p.config) } : {}),
  };
}

/** Every stage → the `plugin@version` it runs: what `ctx.stagePlugins` tells a plugin. */
export function stagePluginsOf(config: ProjectConfig): Record<string, string> {
  return Object.fromEntries(Object.values(config.stages).map((s) => [s.name, `${s.plugin.name}@${s.plugin.version}`]));
}

/** The stored result for a key, locally or else fetched from the remote cache into the local store. */
async function reusableHereOrRemote(key: StageKey, fingerprint: Fingerprint, p: PlanContext, locked: LockedStage | undefined): Promise<BuiltOutput | undefined> {
  const here = await reusable(key, fingerprint, p);
  if (here || !p.remote) return here;
  return (await fetchStageResult(key, p.project, p.remote, locked)) ? reusable(key, fingerprint, p) : undefined;
}

/** The stored result for a key, if every object it names is present and the files it read are unchanged. */
async function reusable(key: StageKey, fingerprint: Fingerprint, { project, reporter }: PlanContext): Promise<BuiltOutput | undefined> {
  const { found, problem } = project.index.lookup(key);
  if (problem) reporter.warn(formatWarning(problem));
  if (!found) return undefined;
  const m = found.manifest;
  if (!project.store.has(m.records)) return undefined;
  if (!Object.values(m.published).every((d) => project.store.has(d))) return undefined;
  for (const [path, digest] of Object.entries(m.reads)) {
    if ((await project.files.digestIfExists(path)) !== digest) return undefined;
  }
  const artifact = new StoredArtifact(m.stage, m.records, m.count, project.store, m.tallies);
  return { key, fingerprint, manifest: m, manifestDigest: found.digest, artifact };
}

/** Why a stage must run, compared with what dpo.lock (and the manifest it names) recorded. */
async function staleReasons(name: string, key: StageKey, now: Fingerprint, p: PlanContext): Promise<string[]> {
  const locked = p.lock.stages[name];
  if (!locked) return [describeChange({ kind: "new" })];
  const before = p.project.index.lookup(locked.key).found?.manifest;
  if (locked.key === key) {
    // Same key: either a file the stage read (which no key covers) changed, or the stored result is gone.
    const reads = before ? await changedReads(before.reads, p) : [];
    return (reads.length ? reads : [{ kind: "output-missing" } as const]).map(describeChange);
  }
  let changes: Change[];
  if (before) {
    changes = diffFingerprints(before.fingerprint, now);
    // A key file the stage also read is said once, as the key file.
    const said = new Set(changes.flatMap((c) => (c.kind === "file" ? [c.path] : [])));
    changes.push(...(await changedReads(before.reads, p)).filter((c) => c.kind === "read" && !said.has(c.path)));
  } else {
    // The run cache lost the old manifest: compare what the lock keeps.
    changes = diffFingerprints(
      { plugin: locked.plugin, with: null, files: locked.files, inputs: locked.inputs, providers: {}, seed: now.seed },
      { ...now, with: null, providers: {} },
    );
  }
  return changes.length ? changes.map(describeChange) : ["configuration changed"];
}

/** The files a stored result read that differ now. */
async function changedReads(reads: Record<string, Digest>, p: PlanContext): Promise<Change[]> {
  const changed: Change[] = [];
  for (const [path, digest] of Object.entries(reads)) {
    if ((await p.project.files.digestIfExists(path)) !== digest) changed.push({ kind: "read", path });
  }
  return changed;
}
