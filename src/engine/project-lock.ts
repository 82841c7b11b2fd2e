/**
 * One build per project at a time. A second `dpo build` waits for the first
 * (saying so) instead of racing it; a lock left by a killed process is
 * detected by its pid and taken over.
 *
 * Two races are closed on purpose. The lock file appears with its pid already
 * in it (written to a private file, then hard-linked into place), so nobody
 * reads an empty lock and mistakes it for a stale one. And a stale lock is
 * removed only under a short-lived takeover lock, after checking it still
 * names the same dead process, so two builds that find the same stale lock
 * cannot both take it (one could otherwise delete the other's fresh lock).
 */
import { closeSync, linkSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

export interface ProjectLock {
  release(): void;
}

/** A takeover lock older than this was left by a process killed mid-takeover. */
const TAKEOVER_STALE_MS = 10_000;

export async function acquireProjectLock(
  path: string,
  opts: { wait: boolean; onWait: (holder: number) => void; signal?: AbortSignal },
): Promise<ProjectLock | { heldBy: number }> {
  mkdirSync(dirname(path), { recursive: true });
  let announced = false;
  for (;;) {
    if (createWithPid(path)) return { release: () => rmSync(path, { force: true }) };
    const holder = readHolder(path);
    if (holder === undefined || !isAlive(holder)) {
      removeIfStill(path, holder); // stale: its owner died (kill -9)
      continue;
    }
    if (!opts.wait) return { heldBy: holder };
    if (!announced) opts.onWait(holder);
    announced = true;
    await sleep(150, undefined, { signal: opts.signal });
  }
}

/** Creates `path` holding this process's pid, atomically; false when it already exists. */
function createWithPid(path: string): boolean {
  const own = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  const fd = openSync(own, "wx");
  try {
    writeSync(fd, String(process.pid));
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

/** Removes the lock at `path` if it still names `staleHolder`, under a takeover lock; gives up quietly if another process is taking over. */
function removeIfStill(path: string, staleHolder: number | undefined): void {
  const takeover = `${path}.takeover`;
  if (!createWithPid(takeover)) {
    if (ageMs(takeover) > TAKEOVER_STALE_MS) rmSync(takeover, { force: true });
    return;
  }
  try {
    if (readHolder(path) === staleHolder) rmSync(path, { force: true });
  } finally {
    rmSync(takeover, { force: true });
  }
}

function readHolder(path: string): number | undefined {
  try {
    const pid = Number(readFileSync(path, "utf8"));
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
