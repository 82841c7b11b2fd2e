/**
 * Completing the local store from the remote cache for one stage key: the
 * run-cache entry (unless this machine has it), its manifest, and every
 * object the manifest names that is missing here. The local run-cache entry
 * is written last, so a local hit always has its objects.
 */
import type { StageKey } from "../fingerprint.js";
import type { Digest } from "../hash.js";
import type { Project } from "../project.js";
import type { RemoteCache } from "../remote/remote-cache.js";

/** True when the stage's result (manifest and objects) is now in the local store. */
export async function fetchStageResult(key: StageKey, project: Project, remote: RemoteCache): Promise<boolean> {
  const local = project.index.lookup(key).found;
  const digest: Digest | undefined = local?.digest ?? (await remote.stageResult(key));
  if (!digest) return false;
  const manifest = local?.manifest ?? project.index.load(digest).found?.manifest;
  if (!manifest) return false;
  const objects = [manifest.records, ...Object.values(manifest.published)];
  const fetched = await Promise.all(objects.map((d) => remote.fetchObject(d)));
  if (!fetched.every(Boolean)) return false;
  if (!local) project.index.record(key, manifest);
  return true;
}
