/**
 * Real filesystem faults for tests, where the machine allows them: a tiny
 * tmpfs (a disk that fills up) and a read-only bind mount (a read-only cache).
 * Both need root and a working `mount`; tests skip themselves otherwise. File
 * modes are no substitute: root ignores them.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const mounted: string[] = [];

function mount(args: string[]): boolean {
  return spawnSync("mount", args, { stdio: "ignore" }).status === 0;
}

/** Can this process mount (root, and `mount` works here)? Probed once. */
export const canMount: boolean = (() => {
  if (process.getuid?.() !== 0) return false;
  const probe = mkdtempSync(join(tmpdir(), "dpo-mount-probe-"));
  const ok = mount(["-t", "tmpfs", "-o", "size=64k", "tmpfs", probe]);
  if (ok) spawnSync("umount", [probe]);
  rmdirSync(probe);
  return ok;
})();

/** Mounts a tmpfs of `size` (e.g. "512k") at `dir`, creating it. */
export function mountTmpfs(dir: string, size: string): void {
  mkdirSync(dir, { recursive: true });
  if (!mount(["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir])) throw new Error(`cannot mount a tmpfs at ${dir}`);
  mounted.push(dir);
}

/** Makes `dir` read-only in place (a read-only bind mount of itself). */
export function bindReadOnly(dir: string): void {
  if (!mount(["--bind", dir, dir])) throw new Error(`cannot bind-mount ${dir}`);
  mounted.push(dir);
  if (!mount(["-o", "remount,ro,bind", dir])) throw new Error(`cannot remount ${dir} read-only`);
}

/** Undoes every mount made here, newest first. */
export function unmountAll(): void {
  // Lazily: a memo left open after a failed commit still holds its files.
  for (const dir of mounted.splice(0).reverse()) spawnSync("umount", ["-l", dir], { stdio: "ignore" });
}
