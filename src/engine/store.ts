/**
 * The content-addressed object store: `cache/objects/<2 hex>/<sha256>`.
 * Objects are immutable, written atomically and verified on read: a corrupt or
 * missing object is reported as absent (the caller recomputes it with a
 * warning), never returned.
 */
import { createHash } from "node:crypto";
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { copyFileAtomic, fsyncDir, writeFileAtomic } from "./atomic.js";
import { hashFileSync, sha256, type Digest } from "./hash.js";
import { isDigest } from "./shape.js";
import { writingTo } from "./storage-error.js";

/** `objects/<2 hex>/`: anything else under objects/ (the scratch dir) is not an object. */
const PREFIX = /^[0-9a-f]{2}$/;

export class ObjectStore {
  readonly dir: string;
  /**
   * Where objects (and sorted runs) are written before they are renamed into
   * place: inside objects/, so the rename never crosses a filesystem.
   */
  readonly tmpDir: string;
  /** Objects verified during this process: read-verify once per build. */
  private readonly verified = new Set<string>();

  constructor(paths: { objectsDir: string; tmpDir: string }) {
    this.dir = paths.objectsDir;
    this.tmpDir = paths.tmpDir;
  }

  pathOf(digest: Digest): string {
    return join(this.dir, digest.slice(0, 2), digest);
  }

  has(digest: Digest): boolean {
    return existsSync(this.pathOf(digest));
  }

  put(data: string | Uint8Array): Digest {
    const digest = sha256(data);
    // An existing object is only trusted once verified: a corrupt one is replaced.
    if (!this.verified.has(digest) && !this.verify(digest)) writeFileAtomic(this.pathOf(digest), data);
    this.verified.add(digest);
    return digest;
  }

  /** The object's bytes, or undefined when it is missing or does not match its digest. */
  get(digest: Digest): Buffer | undefined {
    let data: Buffer;
    try {
      data = readFileSync(this.pathOf(digest));
    } catch {
      return undefined;
    }
    if (!this.verified.has(digest)) {
      if (sha256(data) !== digest) return undefined;
      this.verified.add(digest);
    }
    return data;
  }

  /** True when the object exists and its content matches its digest (read in chunks, never whole). */
  verify(digest: Digest): boolean {
    if (this.verified.has(digest)) return existsSync(this.pathOf(digest));
    if (hashFileSync(this.pathOf(digest)) !== digest) return false;
    this.verified.add(digest);
    return true;
  }

  /** Writes the object to `path` atomically without reading it into memory; false when it is missing or corrupt. */
  copyTo(digest: Digest, path: string): boolean {
    if (!this.verify(digest)) return false;
    copyFileAtomic(this.pathOf(digest), path);
    return true;
  }

  /** Streams chunks into a new object without holding it in memory. */
  writer(): ObjectWriter {
    return new ObjectWriter(this, this.tmpDir);
  }

  /** @internal used by ObjectWriter: moves a fully written temp file into place (replacing a corrupt copy). */
  adopt(tmpPath: string, digest: Digest): void {
    const dir = join(this.dir, digest.slice(0, 2));
    writingTo(dir, "the object store", () => {
      mkdirSync(dir, { recursive: true });
      renameSync(tmpPath, this.pathOf(digest));
    });
    fsyncDir(dir);
    this.verified.add(digest);
  }

  /** Every stored object (temp files and anything else that is not an object are skipped). */
  *list(): Iterable<{ digest: Digest; size: number }> {
    if (!existsSync(this.dir)) return;
    for (const prefix of readdirSync(this.dir)) {
      if (!PREFIX.test(prefix)) continue;
      for (const name of readdirSync(join(this.dir, prefix))) {
        if (isDigest(name)) yield { digest: name, size: statSync(join(this.dir, prefix, name)).size };
      }
    }
  }

  remove(digest: Digest): void {
    rmSync(this.pathOf(digest), { force: true });
  }
}

export class ObjectWriter {
  private readonly hash = createHash("sha256");
  private readonly tmpPath: string;
  private readonly fd: number;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private written = 0;

  constructor(private readonly store: ObjectStore, tmpDir: string) {
    this.tmpPath = join(tmpDir, `.obj-${process.pid}-${randomBytes(6).toString("hex")}`);
    this.fd = writingTo(tmpDir, "the object store", () => {
      mkdirSync(tmpDir, { recursive: true });
      return openSync(this.tmpPath, "w");
    });
  }

  write(chunk: string | Uint8Array): void {
    const buf = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    this.hash.update(buf);
    this.pending.push(buf);
    this.pendingBytes += buf.length;
    this.written += buf.length;
    if (this.pendingBytes > 1 << 20) this.flush();
  }

  /** Bytes written so far. */
  get bytes(): number {
    return this.written;
  }

  private flush(): void {
    if (this.pendingBytes) writingTo(this.tmpPath, "the object store", () => writeSync(this.fd, Buffer.concat(this.pending, this.pendingBytes)));
    this.pending = [];
    this.pendingBytes = 0;
  }

  finish(): Digest {
    this.flush();
    writingTo(this.tmpPath, "the object store", () => fsyncSync(this.fd));
    closeSync(this.fd);
    const digest = this.hash.digest("hex") as Digest;
    this.store.adopt(this.tmpPath, digest);
    return digest;
  }

  /** Finishes the object only if its content has the digest `expected` (a download); otherwise drops it. */
  finishAs(expected: Digest): boolean {
    this.flush();
    const digest = this.hash.copy().digest("hex");
    if (digest !== expected) {
      this.abort();
      return false;
    }
    this.finish();
    return true;
  }

  /**
   * Stops writing an object and keeps what was written as a plain file at
   * `path` (on the store's filesystem): an artifact written in order until a
   * record came out of order keeps its sorted prefix as a run to merge.
   */
  detach(path: string): string {
    this.flush();
    closeSync(this.fd);
    writingTo(path, "the object store", () => renameSync(this.tmpPath, path));
    return path;
  }

  abort(): void {
    try {
      closeSync(this.fd);
    } catch {
      /* already closed */
    }
    rmSync(this.tmpPath, { force: true });
  }
}
