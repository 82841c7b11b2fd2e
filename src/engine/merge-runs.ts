/**
 * The k-way merge of an artifact's sorted runs (artifact.ts). A large
 * artifact of kilobyte records makes a run every few megabytes, so k reaches
 * the hundreds at a million records: the heads sit in a binary heap (log k
 * comparisons a row, not k), and each run is read through a chunk that
 * shrinks as k grows, so the readers together hold a bounded buffer.
 */
import type { Rec } from "./plugin.js";
import { readLines } from "./read-lines.js";
import { compareLines } from "./records.js";

export interface Row {
  id: string;
  line: string;
}

/** What all the runs' read chunks may hold together; each gets at least MIN_CHUNK. */
const READ_BUDGET = 8 << 20;
const MIN_CHUNK = 16 << 10;
const MAX_CHUNK = 256 << 10;

/** The rows of sorted run files plus an in-memory sorted tail, in artifact order. */
export async function* mergeRuns(paths: readonly string[], tail: readonly Row[]): AsyncGenerator<Row> {
  const chunk = Math.max(MIN_CHUNK, Math.min(MAX_CHUNK, Math.floor(READ_BUDGET / Math.max(1, paths.length))));
  const sources: Head["source"][] = [...paths.map((p) => readRun(p, chunk)), tail[Symbol.iterator]()];
  const heap = new HeadHeap();
  await Promise.all(sources.map(async (source) => heap.push(source, (await source.next()).value as Row | undefined)));
  for (let top = heap.peek(); top; top = heap.peek()) {
    yield top.row;
    heap.replaceTop((await top.source.next()).value as Row | undefined);
  }
}

async function* readRun(path: string, chunk: number): AsyncGenerator<Row> {
  for await (const line of readLines(path, chunk)) if (line) yield { id: (JSON.parse(line) as Rec).id, line };
}

interface Head {
  row: Row;
  source: Iterator<Row> | AsyncIterator<Row>;
}

/** A min-heap of each run's current row, by artifact order. */
class HeadHeap {
  private readonly heads: Head[] = [];

  push(source: Head["source"], row: Row | undefined): void {
    if (!row) return;
    this.heads.push({ row, source });
    this.up(this.heads.length - 1);
  }

  peek(): Head | undefined {
    return this.heads[0];
  }

  /** The top run's next row takes its place, or the run leaves the heap when it has none. */
  replaceTop(row: Row | undefined): void {
    const h = this.heads;
    if (row) h[0]!.row = row;
    else {
      const last = h.pop()!;
      if (h.length === 0) return;
      h[0] = last;
    }
    this.down(0);
  }

  private up(i: number): void {
    const h = this.heads;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (compareLines(h[i]!.row, h[parent]!.row) >= 0) return;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  private down(i: number): void {
    const h = this.heads;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let least = i;
      if (left < h.length && compareLines(h[left]!.row, h[least]!.row) < 0) least = left;
      if (right < h.length && compareLines(h[right]!.row, h[least]!.row) < 0) least = right;
      if (least === i) return;
      [h[i], h[least]] = [h[least]!, h[i]!];
      i = least;
    }
  }
}
