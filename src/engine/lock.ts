/**
 * `dpo.lock`: per stage its key, fingerprint digests, output digest, record
 * count, published files and tallies. Committed with the project: small,
 * sorted, diff-friendly, written atomically.
 */
import { readFileSync } from "node:fs";
import { writeFileAtomic } from "./atomic.js";
import type { Digest } from "./hash.js";
import type { StageKey } from "./fingerprint.js";

export interface LockedStage {
  key: StageKey;
  plugin: string;
  /** Referenced file → digest, and upstream stage → artifact digest: what `--explain` compares. */
  files: Record<string, Digest>;
  inputs: Record<string, Digest>;
  /** Digest of the stage's manifest object in the store. */
  manifest: Digest;
  output: Digest;
  records: number;
  published?: Record<string, Digest>;
  tallies?: Record<string, number>;
}

export interface LockFile {
  version: 1;
  stages: Record<string, LockedStage>;
}

export function readLock(path: string): LockFile {
  try {
    const parsed = JSON.parse(readFileSync(path, "utf8")) as LockFile;
    if (parsed && parsed.version === 1 && parsed.stages) return parsed;
  } catch {
    /* missing or unreadable: start afresh */
  }
  return { version: 1, stages: {} };
}

/** Pretty JSON with every object's keys sorted: stable, and one fact per line for diffs. */
export function serialiseLock(lock: LockFile): string {
  return JSON.stringify(sortKeys(lock), null, 2) + "\n";
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (!value || typeof value !== "object") return value;
  return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]));
}

export function writeLock(path: string, lock: LockFile): void {
  writeFileAtomic(path, serialiseLock(lock));
}
