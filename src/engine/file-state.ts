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
import { join } from "node:path";
import { writeFileAtomic } from "./atomic.js";
import { hashFile, type Digest } from "./hash.js";

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

export class FileState {
  private entries: Record<string, Entry>;
  private dirty = false;

  constructor(private readonly path: string, private readonly root: string) {
    try {
      this.entries = JSON.parse(readFileSync(path, "utf8")) as Record<string, Entry>;
    } catch {
      this.entries = {};
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
    const at = Date.now();
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

export function openFileState(cacheDir: string, root: string): FileState {
  return new FileState(join(cacheDir, "file-state.json"), root);
}
