/**
 * Filesystem failures the user can act on — a read-only or unwritable cache, a
 * full disk — as user errors that name the path and say what to do, instead of
 * `internal error … EACCES` and a stack trace.
 */
import { DpoError } from "./diagnostic.js";

const CAUSES: Record<string, { what: string; hint: string }> = {
  EACCES: { what: "permission denied", hint: "make it writable by this user, or run dpo as a user who can write it" },
  EPERM: { what: "operation not permitted", hint: "make it writable by this user (is it immutable, or owned by another user?)" },
  EROFS: { what: "read-only file system", hint: "run the build where the project's cache/ and out/ are writable (or mount them read-write)" },
  ENOSPC: { what: "no space left on device", hint: "free some disk space and run the build again: finished work is kept and the next build resumes from it" },
  EDQUOT: { what: "disk quota exceeded", hint: "free some space within your quota and run the build again: finished work is kept" },
  // LMDB reports a short write (the disk filled up mid-write) as EIO.
  EIO: { what: "input/output error", hint: "the disk may be full or failing: free some space (or check the disk) and run the build again; finished work is kept" },
};

/** True when `e` is one of the filesystem errors `storageError` explains. */
export function isStorageFailure(e: unknown): e is NodeJS.ErrnoException {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === "string" && code in CAUSES;
}

/**
 * `e` as a user error (exit 1) naming `path` when it is a permission, read-only
 * or full-disk failure; any other error is returned unchanged, to be rethrown.
 * `what` says what was being written: "the project lock", "the item memo"…
 */
export function storageError(e: unknown, path: string, what?: string): unknown {
  if (!isStorageFailure(e)) return e;
  const cause = CAUSES[e.code!]!;
  const target = what ? `${what} at ${path}` : path;
  return new DpoError({ severity: "error", message: `cannot write ${target}: ${cause.what} (${e.code})`, hint: cause.hint }, 1);
}

/** Runs `write`, turning a storage failure into a user error about `path`. */
export function writingTo<T>(path: string, what: string | undefined, write: () => T): T {
  try {
    return write();
  } catch (e) {
    throw storageError(e, path, what);
  }
}
