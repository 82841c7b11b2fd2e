/**
 * The file-state table: project-relative path → (size, mtime, inode) → digest,
 * as Ninja and DVC keep it. An input whose stat is unchanged is not re-read, so
 * a no-op build of a project with large datasets only stats them.
 *
 * A file modified within the same clock tick as it was last hashed could keep
 * its mtime (git's "racily clean" problem): entries whose mtime is not safely
 * older than the moment they were recorded are re-hashed next time.
 */
import { readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { writeFileAtomic } from "./atomic.js";
import type { Diagnostic } from "./diagnostic.js";
import { hashFile, type Digest } from "./hash.js";
import { isCount, isDigest, isNumber, isObject, isRecordOf } from "./shape.js";

interface Entry {
  size: number;
  mtimeMs: number;
  ino: number;
  digest: Digest;
  /** When the digest was taken (ms since epoch). */
  at: number;
}

/** How far an mtime must lie before the hashing moment to be trusted. */
const RACY_MS = 2_000;

export interface FileStateOptions {
  /** Wall-clock time in ms since the epoch, comparable with mtimes (tests inject one). */
  now?: () => number;
}

export class FileState {
  private entries: Record<string, Entry>;
  private dirty = false;
  private readonly now: () => number;
  /** Why the saved table was discarded (it is rebuilt by hashing), if it was. */
  readonly problem?: Diagnostic;

  constructor(private readonly path: string, private readonly root: string, options: FileStateOptions = {}) {
    this.now = options.now ?? Date.now;
    const read = readTable(path, root);
    this.entries = read.entries;
    if (read.problem) {
      this.problem = read.problem;
      this.dirty = true; // rewrite it even if nothing is hashed, so the warning is given once
    }
  }

  /** The content digest of a project file, hashing it only when its stat changed. */
  async digest(relPath: string): Promise<Digest> {
    const abs = join(this.root, relPath);
    const st = statSync(abs);
    const e = this.entries[relPath];
    if (e && e.size === st.size && e.mtimeMs === st.mtimeMs && e.ino === st.ino && e.at - st.mtimeMs > RACY_MS) {
      return e.digest;
    }
    const at = this.now();
    const digest = await hashFile(abs);
    this.entries[relPath] = { size: st.size, mtimeMs: st.mtimeMs, ino: st.ino, digest, at };
    this.dirty = true;
    return digest;
  }

  /** The digest if the file exists, else undefined. */
  async digestIfExists(relPath: string): Promise<Digest | undefined> {
    try {
      return await this.digest(relPath);
    } catch {
      return undefined;
    }
  }

  save(): void {
    if (!this.dirty) return;
    writeFileAtomic(this.path, JSON.stringify(this.entries));
    this.dirty = false;
  }
}

/** The saved table; an empty one when missing, and also (with a problem) when it is not valid JSON of the right shape. */
function readTable(path: string, root: string): { entries: Record<string, Entry>; problem?: Diagnostic } {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return { entries: {} };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (isRecordOf(parsed, isEntry)) return { entries: parsed };
  return {
    entries: {},
    problem: { severity: "warning", message: "the file-state table is corrupt; discarding it (inputs are hashed again)", location: { file: relative(root, path).split("\\").join("/") } },
  };
}

function isEntry(v: unknown): v is Entry {
  return isObject(v) && isCount(v.size) && isNumber(v.mtimeMs) && isNumber(v.ino) && isDigest(v.digest) && isNumber(v.at);
}

