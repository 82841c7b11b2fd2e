/**
 * `dpo.lock`: per stage its key, fingerprint digests, output digest, record
 * count, published files and tallies. Committed with the project: small,
 * sorted, diff-friendly, written atomically, and checked when read — a lock
 * that is corrupt or still holds merge-conflict markers is reported where it
 * breaks, never silently taken for an empty one (which would let `dpo gc`
 * delete every object).
 */
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { writeFileAtomic } from "./atomic.js";
import { DpoError, type Diagnostic, type Location } from "./diagnostic.js";
import type { Digest } from "./hash.js";
import type { StageKey } from "./fingerprint.js";
import { isCount, isDigest, isObject, isOptional, isRecordOf, isString, isTally } from "./shape.js";

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

export interface LockRead {
  /** The lock; empty when the file is missing or unreadable. */
  lock: LockFile;
  /** Why an existing file was not used, located at the line that breaks it. */
  problem?: Diagnostic;
}

const emptyLock = (): LockFile => ({ version: 1, stages: {} });

export function readLock(path: string): LockRead {
  const file = basename(path);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return { lock: emptyLock() };
    return { lock: emptyLock(), problem: lockProblem(`${file} cannot be read: ${(e as Error).message}`, { file }) };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    const marker = conflictMarkerLine(text);
    if (marker) return { lock: emptyLock(), problem: lockProblem(`${file} has unresolved merge-conflict markers`, { file, line: marker, column: 1, length: 7 }) };
    return { lock: emptyLock(), problem: lockProblem(`${file} is not valid JSON: ${(e as Error).message}`, { file, ...jsonErrorPosition(text, (e as Error).message) }) };
  }
  const wrong = shapeProblem(parsed);
  if (wrong) return { lock: emptyLock(), problem: lockProblem(`${file} is not a dpo lock file: ${wrong}`, { file }) };
  return { lock: parsed as LockFile };
}

function lockProblem(message: string, location: Location): Diagnostic {
  return {
    severity: "warning",
    message: `${message}; treating it as absent`,
    location,
    hint: "restore it from version control, or let `dpo build` rewrite it from the run cache",
  };
}

/** What is wrong with a parsed lock, or undefined when it has the shape of a LockFile. */
function shapeProblem(v: unknown): string | undefined {
  if (!isObject(v) || v.version !== 1) return "expected an object with `version: 1`";
  if (!isObject(v.stages)) return "expected `stages` to be an object";
  const bad = Object.entries(v.stages).find(([, s]) => !isLockedStage(s));
  return bad ? `stage "${bad[0]}" is not a locked stage (key, plugin, files, inputs, manifest, output, records)` : undefined;
}

function isLockedStage(v: unknown): v is LockedStage {
  return (
    isObject(v) &&
    isDigest(v.key) &&
    isString(v.plugin) &&
    isRecordOf(v.files, isDigest) &&
    isRecordOf(v.inputs, isDigest) &&
    isDigest(v.manifest) &&
    isDigest(v.output) &&
    isCount(v.records) &&
    isOptional(v.published, (p): p is Record<string, Digest> => isRecordOf(p, isDigest)) &&
    isOptional(v.tallies, (t): t is Record<string, number> => isRecordOf(t, isTally))
  );
}

/** The 1-based line of the first `<<<<<<<` conflict marker, if any. */
function conflictMarkerLine(text: string): number | undefined {
  const i = text.split(/\r?\n/).findIndex((l) => l.startsWith("<<<<<<<"));
  return i < 0 ? undefined : i + 1;
}

/** Line and column of a JSON.parse error, from the offset V8 puts in its message. */
function jsonErrorPosition(text: string, message: string): { line?: number; column?: number } {
  const lineCol = /\(line (\d+) column (\d+)\)/.exec(message);
  if (lineCol) return { line: Number(lineCol[1]), column: Number(lineCol[2]) };
  const at = /at position (\d+)/.exec(message);
  const offset = at ? Number(at[1]) : /end of JSON input/.test(message) ? text.length : undefined;
  if (offset === undefined) return {};
  const before = text.slice(0, offset).split("\n");
  return { line: before.length, column: before[before.length - 1]!.length + 1 };
}

/** The error of a command that must not go on without a readable lock (`dpo gc`, `--frozen`, …). */
export function lockRequired(problem: Diagnostic, what: string, hint = problem.hint): DpoError {
  const message = problem.message.replace(/; treating it as absent$/, "");
  return new DpoError({ ...problem, severity: "error", message: `${what} needs a readable dpo.lock: ${message}`, ...(hint ? { hint } : {}) }, 2);
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

/** Writes the lock (atomically) unless the file already holds exactly these bytes; returns whether it changed. */
export function writeLockIfChanged(path: string, lock: LockFile): boolean {
  const next = serialiseLock(lock);
  let current: string | undefined;
  try {
    current = readFileSync(path, "utf8");
  } catch {
    /* no lock yet */
  }
  if (next === current) return false;
  writeFileAtomic(path, next);
  return true;
}
