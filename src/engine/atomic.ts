/**
 * Crash-safe writes: write a temp file beside the target (same directory, so
 * the rename never crosses a filesystem even when `cache/` or `out/` is a
 * mount or a symlink to one), fsync it, rename it over the target, then fsync
 * the directory so the rename itself survives a power cut. A reader sees the
 * old file or the new one, never half.
 */
import { randomBytes } from "node:crypto";
import { closeSync, copyFileSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { writingTo } from "./storage-error.js";

export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  replaceAtomically(path, (tmp) => {
    const fd = openSync(tmp, "w");
    try {
      writeSync(fd, typeof data === "string" ? Buffer.from(data) : data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  });
}

/** `writeFileAtomic` with the bytes of the file at `source`, copied by the kernel rather than read into memory. */
export function copyFileAtomic(source: string, path: string): void {
  replaceAtomically(path, (tmp) => {
    copyFileSync(source, tmp);
    const fd = openSync(tmp, "r+");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  });
}

/** Fills a temp file beside `path` (`fill` leaves it synced), renames it over `path` and syncs the directory. */
function replaceAtomically(path: string, fill: (tmp: string) => void): void {
  const dir = dirname(path);
  writingTo(path, undefined, () => {
    mkdirSync(dir, { recursive: true });
    const tmp = tempPathBeside(path);
    try {
      fill(tmp);
      renameSync(tmp, path);
    } catch (e) {
      rmSync(tmp, { force: true });
      throw e;
    }
    fsyncDir(dir);
  });
}

/** A fresh, hidden name in `path`'s directory. */
export function tempPathBeside(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
}

/** Makes a rename into `dir` durable. Best effort: some platforms (Windows) cannot open a directory. */
export function fsyncDir(dir: string): void {
  let fd: number;
  try {
    fd = openSync(dir, "r");
  } catch {
    return;
  }
  try {
    fsyncSync(fd);
  } catch {
    /* EINVAL/EISDIR where directories cannot be synced */
  } finally {
    closeSync(fd);
  }
}
