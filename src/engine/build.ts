/**
 * The engine's entry point: one build of a loaded project. It selects the
 * stages, takes the project lock (one build per project at a time), runs the
 * scheduler over one set of shared resources, and updates dpo.lock. Callers
 * (the CLI, watch mode, tests) own only printing and interruption.
 */
import { selectTargets } from "./config/graph.js";
import type { ProjectConfig } from "./config/load.js";
import { DpoError, formatWarning, userError } from "./diagnostic.js";
import { allowsShards, remoteAccess, writesLock, type BuildMode } from "./executor/mode.js";
import { isBuilt, type StageOutcome } from "./executor/outcome.js";
import { nextLock } from "./executor/lock-entries.js";
import { prefetchLocked } from "./executor/remote-fetch.js";
import { BuildResources } from "./executor/resources.js";
import { Scheduler } from "./executor/scheduler.js";
import { lockRequired, readLock, writeLockIfChanged, type LockFile } from "./lock.js";
import type { MemoStore } from "./memo.js";
import { openProject, type Project } from "./project.js";
import { acquireProjectLock } from "./project-lock.js";
import { createRedactor } from "./redact.js";
import type { RemoteStats } from "./remote/remote-cache.js";
import type { Reporter } from "./reporter.js";
import { shardLabel, shardProblem, type Shard } from "./shard.js";
import { grow, type AdmissionSummary, type Growth } from "./sample/growth.js";

export type { BuildMode } from "./executor/mode.js";
export type { StageOutcome, StageStatus } from "./executor/outcome.js";
export type { AdmissionSummary, Growth, Round } from "./sample/growth.js";

export interface BuildOptions {
  /** Stage names to build (with what they need); all stages when empty. */
  targets: string[];
  mode: BuildMode;
  /** Worker threads for CPU-bound item work. */
  jobs: number;
  signal: AbortSignal;
  reporter: Reporter;
  /** Wait for another build of this project to finish (default), or fail at once. */
  wait: boolean;
  /** A memo to use instead of the project's (tests). */
  memo?: MemoStore;
  /**
   * Do the item work of one shard only (src/engine/shard.ts): writes the memo
   * and the store, never dpo.lock or out/; providers divide their limits by
   * the number of shards.
   */
  shard?: Shard;
  /**
   * Admit only the first N records of the root stages, in the project's
   * sample order (src/engine/sample/order.ts); undefined: all of them.
   */
  admit?: number;
  /** Admit root records in growing rounds until this says the target is met (overrides `admit`). */
  growth?: Growth;
}

export interface BuildResult {
  project: Project;
  outcomes: StageOutcome[];
  ok: boolean;
  interrupted: boolean;
  lockChanged: boolean;
  /** What the build fetched from and uploaded to the remote cache, when it used one (final once `build` resolves). */
  remote?: RemoteStats;
  /** Root records the (last round of the) build admitted, of all there are; absent when no root was built. */
  admission?: AdmissionSummary;
  /** Each round of a growing build, in order (absent for a single build). */
  rounds?: AdmissionSummary[];
}

/** Builds the selected stages; a bad target or a held project lock is a DpoError. */
export async function build(config: ProjectConfig, o: BuildOptions): Promise<BuildResult> {
  const selected = selectTargets(config, o.targets);
  if (!selected.ok) throw new DpoError(selected.error);
  checkShard(o);
  warnIfShardStaysLocal(config, o);
  const project = openProject(config.root);
  const held = await acquireProjectLock(project.paths.buildPid, {
    wait: o.wait,
    onWait: (pid) => o.reporter.info(`another dpo build (pid ${pid}) is running in this project; waiting for it to finish…`),
    signal: o.signal,
  }).catch((e) => {
    if (o.signal.aborted) return { heldBy: -1 };
    throw e;
  });
  if ("heldBy" in held) {
    throw new DpoError(
      {
        severity: "error",
        message: held.heldBy > 0 ? `another dpo build (pid ${held.heldBy}) is running in this project` : "interrupted while waiting for another build",
        hint: "wait for it, or run without --no-wait to queue behind it",
      },
      held.heldBy > 0 ? 1 : 130,
    );
  }
  try {
    const growth = o.growth;
    if (growth) return await grow(growth, (admit) => runStages(project, config, selected.value, { ...o, admit }));
    return await runStages(project, config, selected.value, o);
  } finally {
    held.release();
  }
}

/** Runs the given stages (in topological order) under a lock the caller holds. */
export async function runStages(project: Project, config: ProjectConfig, order: string[], o: BuildOptions): Promise<BuildResult> {
  const redact = createRedactor(config.secrets);
  const lock = readLockFor(project, o);
  const resources = new BuildResources({
    memoDir: project.paths.memoDir, memo: o.memo, jobs: o.jobs, providers: config.providers, locations: config.locations, reporter: o.reporter, redact,
    concurrentBuilds: o.shard?.count ?? 1,
    remote: remoteFor(config, o.mode, project),
  });
  const scheduler = new Scheduler({ project, config, lock, mode: o.mode, resources, remote: resources.remote, reporter: o.reporter, redact, signal: o.signal, shard: o.shard }, o.admit);
  // A fresh clone downloads what dpo.lock names all at once, not stage after stage.
  // Not a shard: dpo.lock names whole outputs, and every stage of a shard has its own key.
  if (resources.remote && o.mode !== "verify" && !o.shard) void prefetchLocked(lock, project, resources.remote);
  try {
    const outcomes = await Promise.all(order.map((s) => scheduler.outcome(s)));
    const admission = o.admit === undefined ? undefined : await scheduler.admissionSummary(order);
    project.files.save();
    const wholeGraph = order.length === config.order.length;
    // A shard's outputs are partial: the lock describes whole builds only.
    const lockChanged = writesLock(o.mode) && !o.shard ? writeLockIfChanged(project.paths.lockFile, nextLock(lock, outcomes, wholeGraph)) : false;
    const ok = outcomes.every((x) => isBuilt(x) || x.status === "would-run");
    return { project, outcomes, ok, interrupted: o.signal.aborted, lockChanged, ...(admission ? { admission } : {}), ...(resources.remote ? { remote: resources.remote.stats } : {}) };
  } finally {
    await resources.close();
  }
}

/** A shard that does not exist, or a mode that checks whole builds, is a user error before anything runs. */
function checkShard(o: BuildOptions): void {
  if (!o.shard) return;
  const problem = shardProblem(o.shard);
  if (problem) throw problem;
  if (!allowsShards(o.mode)) {
    throw userError(`--shard cannot be combined with ${o.mode === "frozen" ? "--frozen" : `a ${o.mode} build`}: it checks the whole build against dpo.lock`, {
      hint: "run the shards with `dpo build --shard i/n`, then the check without --shard",
    });
  }
}

/**
 * A shard's work reaches the assembling build through the memo: without a
 * remote cache it uploads to, that memo is this project's only. Right for
 * shards run one after another in one directory (so a warning, not an
 * error), wrong for shards on separate machines.
 */
function warnIfShardStaysLocal(config: ProjectConfig, o: BuildOptions): void {
  if (!o.shard || o.mode === "dry-run") return;
  const access = config.remoteCache ? remoteAccess(o.mode, config.remoteCache.mode) : "none";
  if (access === "read-write") return;
  const why = !config.remoteCache ? "no remote cache is set" : access === "read-only" ? "the remote cache is read-only" : "--offline uses no remote cache";
  o.reporter.warn(
    `shard ${shardLabel(o.shard)}: ${why}, so this shard's memo entries stay on this machine; ` +
      "only a build in this project directory can assemble them (fine for shards run one after another here) — " +
      "for shards on several machines, give every shard and the final build a read-write remote cache (remoteCache: { url, mode: read-write }, or --remote-cache URL --remote-cache-mode read-write)",
  );
}

/** The remote cache as this build may use it (none in modes that stay local). */
function remoteFor(config: ProjectConfig, mode: BuildMode, project: Project) {
  const settings = config.remoteCache;
  const access = settings ? remoteAccess(mode, settings.mode) : "none";
  return settings && access !== "none" ? { settings, upload: access === "read-write", store: project.store } : undefined;
}

/**
 * dpo.lock as the build compares against it. An unreadable one is a warning and
 * the build proceeds as if unlocked (and rewrites it) — except under --frozen,
 * whose whole point is comparing against it.
 */
function readLockFor(project: Project, o: BuildOptions): LockFile {
  const { lock, problem } = readLock(project.paths.lockFile);
  if (problem && o.mode === "frozen") {
    throw lockRequired(problem, "--frozen", "restore it from version control, or run `dpo build` without --frozen to rewrite it");
  }
  if (problem) o.reporter.warn(formatWarning(problem));
  if (project.files.problem) o.reporter.warn(formatWarning(project.files.problem));
  return lock;
}
