/**
 * Completing the local store from the remote cache for one stage key: the
 * run-cache entry (unless this machine has it), its manifest, and every
 * object the manifest names that is missing here. The local run-cache entry
 * is written last, so a local hit always has its objects.
 *
 * Planning walks the graph stage by stage (a key needs its upstream outputs),
 * so a fresh clone would fetch one stage after another. dpo.lock names every
 * object of every stage, though: `prefetchLocked` starts all those downloads
 * at once when the build starts, and planning then joins them.
 */
import type { StageKey } from "../fingerprint.js";
import type { Digest } from "../hash.js";
import type { LockedStage, LockFile } from "../lock.js";
import type { Project } from "../project.js";
import type { RemoteCache } from "../remote/remote-cache.js";

/**
 * True when the stage's result (manifest and objects) is now in the local
 * store. When dpo.lock names this very key, its manifest digest is used
 * as is: no run-cache request is needed.
 */
export async function fetchStageResult(key: StageKey, project: Project, remote: RemoteCache, locked?: LockedStage): Promise<boolean> {
  const local = project.index.lookup(key).found;
  const fromLock = locked?.key === key && (await remote.fetchObject(locked.manifest)) ? locked.manifest : undefined;
  const digest: Digest | undefined = local?.digest ?? fromLock ?? (await remote.stageResult(key));
  if (!digest) return false;
  const manifest = local?.manifest ?? project.index.load(digest).found?.manifest;
  if (!manifest) return false;
  const objects = [manifest.records, ...Object.values(manifest.published)];
  const fetched = await Promise.all(objects.map((d) => remote.fetchObject(d)));
  if (!fetched.every(Boolean)) return false;
  if (!local) project.index.record(key, manifest);
  if (!local) remote.markPresent(key);
  return true;
}

/** Starts downloading every object dpo.lock names that is missing here; resolves when all are settled. */
export function prefetchLocked(lock: LockFile, project: Project, remote: RemoteCache): Promise<unknown> {
  const digests = new Set<Digest>();
  for (const s of Object.values(lock.stages)) for (const d of [s.manifest, s.output, ...Object.values(s.published ?? {})]) if (!project.store.has(d)) digests.add(d);
  return Promise.allSettled([...digests].map((d) => remote.fetchObject(d)));
}
