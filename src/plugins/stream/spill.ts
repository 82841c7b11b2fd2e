/**
 * A scratch file for text a stage must keep between two passes but need not
 * hold in memory (recorded outputs waiting for their prompt): appended once,
 * read back by position. Writes are buffered; the file is removed on close.
 * It lives in the OS temp dir, which must be on disk for inputs larger than memory.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Where a text is in the file: byte offset and length. */
export interface SpillRef {
  offset: number;
  length: number;
}

/** Pending bytes written out at once. */
const FLUSH_BYTES = 1 << 20;

export class SpillFile {
  private readonly dir: string;
  private readonly fd: number;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private size = 0;
  private written = 0;

  constructor(prefix: string) {
    this.dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
    this.fd = openSync(join(this.dir, "spill"), "w+");
  }

  append(text: string): SpillRef {
    const bytes = Buffer.from(text, "utf8");
    const ref = { offset: this.size, length: bytes.length };
    this.pending.push(bytes);
    this.pendingBytes += bytes.length;
    this.size += bytes.length;
    if (this.pendingBytes >= FLUSH_BYTES) this.flush();
    return ref;
  }

  read(ref: SpillRef): string {
    if (ref.offset + ref.length > this.written) this.flush();
    const buf = Buffer.allocUnsafe(ref.length);
    let done = 0;
    while (done < ref.length) done += readSync(this.fd, buf, done, ref.length - done, ref.offset + done);
    return buf.toString("utf8");
  }

  close(): void {
    closeSync(this.fd);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private flush(): void {
    const data = Buffer.concat(this.pending);
    let done = 0;
    while (done < data.length) done += writeSync(this.fd, data, done, data.length - done, this.written + done);
    this.written += data.length;
    this.pending = [];
    this.pendingBytes = 0;
  }
}
