/**
 * One build per project at a time. A second `dpo build` waits for the first
 * (saying so) instead of racing it; a lock left by a killed process is
 * detected by its pid and taken over.
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

export interface ProjectLock {
  release(): void;
}

export async function acquireProjectLock(
  path: string,
  opts: { wait: boolean; onWait: (holder: number) => void; signal?: AbortSignal },
): Promise<ProjectLock | { heldBy: number }> {
  mkdirSync(dirname(path), { recursive: true });
  let announced = false;
  for (;;) {
    try {
      const fd = openSync(path, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return { release: () => rmSync(path, { force: true }) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    const holder = readHolder(path);
    if (holder === undefined || !isAlive(holder)) {
      rmSync(path, { force: true }); // stale: its owner died (kill -9)
      continue;
    }
    if (!opts.wait) return { heldBy: holder };
    if (!announced) opts.onWait(holder);
    announced = true;
    await sleep(150, undefined, { signal: opts.signal });
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

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
