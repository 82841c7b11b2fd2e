/**
 * One build per project at a time. A second `dpo build` (or `dpo gc`) waits
 * for the first (saying so) instead of racing it; a lock left by a killed
 * process is detected and taken over.
 *
 * The lock names the process that holds it — pid, start time, boot and host
 * (process-identity.ts) — so a lock whose pid now belongs to another process
 * (PID 1 after an OOM kill, the next container run) is stale, not held. A lock
 * of an older dpo holds a bare pid; it is held while that pid lives and did not
 * start after the lock was written.
 *
 * Two races are closed on purpose. The lock file appears with its owner already
 * in it (written to a private file, then hard-linked into place), so nobody
 * reads an empty lock and mistakes it for a stale one. And a stale lock is
 * removed only under a short-lived takeover lock, after checking it still
 * holds the same bytes, so two builds that find the same stale lock cannot
 * both take it (one could otherwise delete the other's fresh lock).
 */
import { closeSync, linkSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { couldHaveWritten, isRunning, ownIdentity, type ProcessIdentity } from "./process-identity.js";
import { isObject } from "./shape.js";
import { storageError } from "./storage-error.js";

export interface ProjectLock {
  release(): void;
}

/** A takeover lock older than this was left by a process killed mid-takeover. */
const TAKEOVER_STALE_MS = 10_000;

export async function acquireProjectLock(
  path: string,
  opts: { wait: boolean; onWait: (holder: number) => void; signal?: AbortSignal },
): Promise<ProjectLock | { heldBy: number }> {
  try {
    mkdirSync(dirname(path), { recursive: true });
    let announced = false;
    for (;;) {
      if (createWithOwner(path)) return { release: () => rmSync(path, { force: true }) };
      const holder = readHolder(path);
      if (!holder.owner || !holds(holder.owner, holder.writtenMs)) {
        removeIfStill(path, holder.text); // stale: its owner died (kill -9), or its pid is someone else's now
        continue;
      }
      if (!opts.wait) return { heldBy: holder.owner.pid };
      if (!announced) opts.onWait(holder.owner.pid);
      announced = true;
      await sleep(150, undefined, { signal: opts.signal });
    }
  } catch (e) {
    throw storageError(e, path, "the project lock");
  }
}

/** Creates `path` naming this process, atomically; false when it already exists. */
function createWithOwner(path: string): boolean {
  const own = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  const fd = openSync(own, "wx");
  try {
    writeSync(fd, JSON.stringify(ownIdentity()));
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(own, path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw e;
  } finally {
    rmSync(own, { force: true });
  }
}

/** Removes the lock at `path` if it still holds `staleText`, under a takeover lock; gives up quietly if another process is taking over. */
function removeIfStill(path: string, staleText: string | undefined): void {
  const takeover = `${path}.takeover`;
  if (!createWithOwner(takeover)) {
    if (ageMs(takeover) > TAKEOVER_STALE_MS) rmSync(takeover, { force: true });
    return;
  }
  try {
    if (readHolder(path).text === staleText) rmSync(path, { force: true });
  } finally {
    rmSync(takeover, { force: true });
  }
}

interface Holder {
  /** The lock's bytes; undefined when it cannot be read (already gone). */
  text?: string;
  /** Who it names; undefined when it names nobody (empty, garbage). */
  owner?: ProcessIdentity;
  /** When it was written, for locks that name only a pid. */
  writtenMs: number;
}

function readHolder(path: string): Holder {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return { writtenMs: 0 };
  }
  return { text, owner: parseOwner(text), writtenMs: Date.now() - ageMs(path) };
}

/** The identity a lock names: `{"pid":…,"start":…,"boot":…,"host":…}`, or a bare pid (older dpo). */
export function parseOwner(text: string): ProcessIdentity | undefined {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return validPid(Number(trimmed)) ? { pid: Number(trimmed) } : undefined;
  let v: unknown;
  try {
    v = JSON.parse(trimmed);
  } catch {
    return undefined;
  }
  if (!isObject(v) || !validPid(v.pid)) return undefined;
  const str = (x: unknown) => (typeof x === "string" && x ? x : undefined);
  return { pid: v.pid, start: str(v.start), boot: str(v.boot), host: str(v.host) };
}

const validPid = (pid: unknown): pid is number => Number.isInteger(pid) && (pid as number) > 0;

/** Does the lock's owner still hold it? */
function holds(owner: ProcessIdentity, writtenMs: number): boolean {
  const legacy = owner.start === undefined && owner.boot === undefined && owner.host === undefined;
  return legacy ? couldHaveWritten(owner.pid, writtenMs) : isRunning(owner);
}

function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}
