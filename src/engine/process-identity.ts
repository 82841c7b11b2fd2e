/**
 * Which process wrote a lock: a pid alone is not enough, because pids are
 * reused (routinely in containers, where every run starts at the same pid).
 * Where Linux's /proc is there, a process is also named by its start time
 * (clock ticks since boot, field 22 of /proc/<pid>/stat) and the boot it ran
 * in; elsewhere the pid is all there is, and is trusted as before.
 */
import { readFileSync } from "node:fs";
import { hostname } from "node:os";

export interface ProcessIdentity {
  pid: number;
  /** Start time in clock ticks since boot; absent without /proc. */
  start?: string;
  /** /proc/sys/kernel/random/boot_id; absent without /proc. */
  boot?: string;
  host?: string;
}

/** This process, as another process will check it. */
export function ownIdentity(): ProcessIdentity {
  return { pid: process.pid, start: startTicks(process.pid), boot: bootId(), host: hostname() };
}

/** Is the process `id` names still running (here and in this boot)? */
export function isRunning(id: ProcessIdentity): boolean {
  const me = ownIdentity();
  // Another boot: that process is gone, whatever now has its pid.
  if (id.boot && me.boot && id.boot !== me.boot) return false;
  // Another host in this boot (a container on this kernel), or one whose boot
  // is unknown: its processes may be invisible from here, so it is trusted.
  if (id.host && id.host !== me.host) return true;
  if (!pidAlive(id.pid)) return false;
  const now = startTicks(id.pid);
  return id.start === undefined || now === undefined || now === id.start;
}

/**
 * For a lock that names only a pid (written by an older dpo): could that pid
 * be the process that wrote the lock at `writtenMs`? Not if it started after.
 */
export function couldHaveWritten(pid: number, writtenMs: number): boolean {
  if (!pidAlive(pid)) return false;
  const started = startedAtMs(pid);
  return started === undefined || started <= writtenMs + CLOCK_SLACK_MS;
}

/** Boot time is whole seconds and the tick is 10 ms: allow for both, and for a little clock drift. */
const CLOCK_SLACK_MS = 2_000;
/** USER_HZ: 100 on every Linux this runs on; checked against this process's own start before use. */
const TICKS_PER_SECOND = 100;

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

function startTicks(pid: number): string | undefined {
  const stat = readProc(`/proc/${pid}/stat`);
  // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ")".
  const fields = stat?.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = fields?.[22 - 3];
  return ticks && /^\d+$/.test(ticks) ? ticks : undefined;
}

function bootId(): string | undefined {
  return readProc("/proc/sys/kernel/random/boot_id")?.trim() || undefined;
}

/** Wall-clock start of `pid` in ms, when /proc tells it and the tick rate checks out on this process. */
function startedAtMs(pid: number): number | undefined {
  const btime = Number(/^btime (\d+)$/m.exec(readProc("/proc/stat") ?? "")?.[1]);
  if (!btime) return undefined;
  const at = (p: number) => {
    const ticks = startTicks(p);
    return ticks === undefined ? undefined : btime * 1000 + (Number(ticks) * 1000) / TICKS_PER_SECOND;
  };
  const self = at(process.pid);
  if (self === undefined || Math.abs(self - performance.timeOrigin) > CLOCK_SLACK_MS) return undefined;
  return at(pid);
}

function readProc(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}
