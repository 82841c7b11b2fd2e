/**
 * Artifacts: a stage's records as canonical JSONL in the object store, sorted
 * by id. Writing sorts with bounded memory (sorted runs spilled to temp files,
 * then a k-way merge), so a source of a million records never has to fit in
 * memory twice; reading verifies the digest before the first record is used.
 */
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { hashFile, type Digest } from "./hash.js";
import type { Artifact, Rec } from "./plugin.js";
import { mergeRuns, type Row } from "./merge-runs.js";
import { readLines } from "./read-lines.js";
import { compareLines, recordLine } from "./records.js";
import type { ObjectStore, ObjectWriter } from "./store.js";
import { writingTo } from "./storage-error.js";

/** Rows held in memory before a sorted run is spilled to disk. */
const RUN_ROWS = 200_000;
/**
 * Characters of rows held before a run is spilled, whichever comes first:
 * judged records run to kilobytes each, so a row count alone would let a run
 * of large records outgrow memory. V8 keeps a string with any character past
 * U+00FF at two bytes a character (a pair's rationale has "…"), so 16 Mi
 * characters hold up to 32 MB; at 64 Mi the pairs stage of 100,000 prompts
 * held 128 MB of run (bench/pipeline.mjs).
 */
const RUN_CHARS = 16 << 20;

export interface WrittenArtifact {
  digest: Digest;
  count: number;
}

export interface WriteArtifactOptions {
  /** Rows held in memory before a sorted run is spilled (default 200,000); tests lower it to run the merge. */
  runRows?: number;
  /** Characters of rows held before a sorted run is spilled (default 16 Mi). */
  runChars?: number;
}

export async function writeArtifact(
  store: ObjectStore,
  records: AsyncIterable<Rec> | Iterable<Rec>,
  signal?: AbortSignal,
  { runRows = RUN_ROWS, runChars = RUN_CHARS }: WriteArtifactOptions = {},
): Promise<WrittenArtifact> {
  const runs: string[] = [];
  // In the store's scratch dir, on the objects' filesystem (a RAM-backed /tmp could not hold them).
  const spillDir = join(store.tmpDir, `sort-${process.pid}-${randomBytes(4).toString("hex")}`);
  const nextRun = () => {
    writingTo(spillDir, "the object store", () => mkdirSync(spillDir, { recursive: true }));
    return join(spillDir, `run-${runs.length}`);
  };
  // Most stages yield in id order (they map their sorted input record by record): those rows go
  // straight into the object, and nothing is held. The first row out of order turns what was
  // written into the first sorted run, and the rest takes the sorting path.
  let direct: ObjectWriter | undefined = store.writer();
  let last: Row | undefined;
  let rows: Row[] = [];
  let held = 0;
  let count = 0;
  try {
    for await (const rec of records) {
      signal?.throwIfAborted();
      if (!rec || typeof rec !== "object" || typeof rec.id !== "string" || !rec.id) {
        throw new Error(`a plugin produced a record without a string id (record ${count + 1})`);
      }
      const row = { id: rec.id, line: recordLine(rec) };
      count++;
      if (direct) {
        if (!last || compareLines(last, row) <= 0) {
          direct.write(row.line + "\n");
          last = row;
          continue;
        }
        runs.push(direct.detach(nextRun()));
        direct = last = undefined;
      }
      rows.push(row);
      held += row.line.length;
      if (rows.length >= runRows || held >= runChars) {
        runs.push(spill(rows, nextRun()));
        rows = [];
        held = 0;
      }
    }
    if (direct) return { digest: direct.finish(), count };
    rows.sort(compareLines);
    const out = store.writer();
    try {
      if (runs.length === 0) for (const r of rows) out.write(r.line + "\n");
      else for await (const r of mergeRuns(runs, rows)) out.write(r.line + "\n");
      return { digest: out.finish(), count };
    } catch (e) {
      out.abort();
      throw e;
    }
  } catch (e) {
    direct?.abort();
    throw e;
  } finally {
    if (runs.length) rmSync(spillDir, { recursive: true, force: true });
  }
}

/** Lines joined per write: a run is written in pieces, never copied whole into one string. */
const SPILL_CHUNK = 1 << 20;

function spill(rows: Row[], path: string): string {
  rows.sort(compareLines);
  writingTo(path, "the object store", () => {
    const fd = openSync(path, "w");
    try {
      let chunk: string[] = [];
      let size = 0;
      for (const r of rows) {
        chunk.push(r.line, "\n");
        size += r.line.length + 1;
        if (size >= SPILL_CHUNK) {
          writeSync(fd, chunk.join(""));
          chunk = [];
          size = 0;
        }
      }
      if (chunk.length) writeSync(fd, chunk.join(""));
    } finally {
      closeSync(fd);
    }
  });
  return path;
}

/**
 * An artifact in the store. `verify` (hashing the object) runs before the
 * first read; a mismatch throws ArtifactCorrupt so the engine can rebuild it.
 */
export class StoredArtifact implements Artifact {
  private verified = false;
  constructor(
    readonly stage: string,
    readonly digest: Digest,
    readonly count: number,
    private readonly store: ObjectStore,
    readonly tallies: Readonly<Record<string, number>> = {},
  ) {}

  async verify(): Promise<boolean> {
    if (this.verified) return true;
    try {
      this.verified = (await hashFile(this.store.pathOf(this.digest))) === this.digest;
    } catch {
      this.verified = false;
    }
    return this.verified;
  }

  async *records(): AsyncGenerator<Rec> {
    if (!(await this.verify())) throw new ArtifactCorrupt(this.stage, this.digest);
    for await (const line of readLines(this.store.pathOf(this.digest))) if (line) yield JSON.parse(line) as Rec;
  }

  /** All records in memory: for tests and tools, never for plugins (the Artifact interface has no `all`). */
  async all(): Promise<Rec[]> {
    const out: Rec[] = [];
    for await (const r of this.records()) out.push(r);
    return out;
  }
}

export class ArtifactCorrupt extends Error {
  constructor(readonly stage: string, readonly digest: Digest) {
    super(`the stored output of stage "${stage}" (${digest.slice(0, 12)}) is missing or corrupt`);
  }
}
