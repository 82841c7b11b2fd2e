/**
 * What dpo.lock says after a build: one entry per stage that has output.
 * A build of the whole graph drops entries of stages no longer in it; a build
 * of some targets keeps the other stages' entries as they were.
 */
import type { LockedStage, LockFile } from "../lock.js";
import type { Built, StageOutcome } from "./outcome.js";
import { isBuilt } from "./outcome.js";

export function nextLock(previous: LockFile, outcomes: StageOutcome[], wholeGraph: boolean): LockFile {
  const stages: Record<string, LockedStage> = wholeGraph ? {} : { ...previous.stages };
  for (const o of outcomes) {
    if (isBuilt(o)) stages[o.stage] = lockEntry(o);
    else if (wholeGraph && previous.stages[o.stage]) stages[o.stage] = previous.stages[o.stage]!;
  }
  return { version: 1, stages };
}

function lockEntry(o: Built): LockedStage {
  const m = o.manifest;
  return {
    key: o.key,
    plugin: m.fingerprint.plugin,
    files: m.fingerprint.files,
    inputs: m.fingerprint.inputs,
    manifest: o.manifestDigest,
    output: m.records,
    records: m.count,
    ...(Object.keys(m.published).length ? { published: m.published } : {}),
    ...(Object.keys(m.tallies).length ? { tallies: m.tallies } : {}),
  };
}
