/**
 * The loop every source shares: take parsed items as a format yields them,
 * pass good records on at once (so a large file streams through), collect bad
 * ones, keep the progress bar and the counters up to date, and finish with the
 * error report the `onError` mode asks for.
 */
import type { PluginContext, Rec } from "../../engine/plugin.js";
import type { Line } from "./lines.js";
import { BadRecord, Problems, type OnError } from "./problems.js";

/** One input record as a format parsed it: a value, or why it is unusable. */
export type Parsed<T = Rec> = { line: number; value: T } | { line: number; problem: BadRecord; file?: string };

export interface ErrorOptions {
  onError: OnError;
  maxErrors: number;
}

/** Runs `build`, turning a BadRecord it throws into a problem at `line`. */
export function attempt<T>(line: number, build: () => T): Parsed<T> {
  try {
    return { line, value: build() };
  } catch (err) {
    if (err instanceof BadRecord) return { line, problem: err };
    throw err;
  }
}

/**
 * Applies a line parser to batches of lines. `parse` returns undefined for a
 * line that completes no record (blank, or the middle of a multi-line record);
 * `end` flushes what is left when the input ends.
 */
export async function* parseLines<T>(
  batches: AsyncIterable<Line[]>,
  parse: (line: Line) => Parsed<T> | undefined,
  end: () => Parsed<T> | undefined = () => undefined,
): AsyncGenerator<Parsed<T>[]> {
  for await (const lines of batches) {
    const out: Parsed<T>[] = [];
    for (const line of lines) {
      const item = parse(line);
      if (item) out.push(item);
    }
    yield out;
  }
  const last = end();
  if (last) yield [last];
}

/**
 * The parsed batches of every file in turn, as one stream (the shards a glob
 * pattern names); each problem is tagged with its file, so errors name it.
 */
export async function* eachFile<T>(files: string[], open: (file: string) => AsyncIterable<Parsed<T>[]>): AsyncGenerator<Parsed<T>[]> {
  for (const file of files) {
    for await (const batch of open(file)) {
      for (const item of batch) if ("problem" in item) item.file = file;
      yield batch;
    }
  }
}

export async function* emitRecords(
  ctx: Pick<PluginContext, "progress" | "log" | "tally">,
  file: string,
  options: ErrorOptions,
  batches: AsyncIterable<Parsed[]>,
  /** What `Parsed.line` counts: text lines, or records (rows of a table). */
  unit: "line" | "record" = "line",
): AsyncGenerator<Rec> {
  const problems = new Problems(options.onError, options.maxErrors);
  let seen = 0;
  let read = 0;
  for await (const batch of batches) {
    for (const item of batch) {
      if ("problem" in item) {
        problems.add(item.file ?? file, item.line, item.problem, unit);
      } else if (problems.count === 0 || options.onError === "skip") {
        // Once a failing run has an error the stage is lost: keep reading only to report the rest.
        read++;
        yield item.value;
      }
    }
    seen += batch.length;
    ctx.progress.total(seen);
    ctx.progress.tick(batch.length);
  }
  ctx.tally("records.read", read);
  problems.finish(ctx);
  // Said here, naming the file, rather than left for an export to find 0 pairs.
  if (read === 0) ctx.log.warn(`${file}: no records read${problems.count > 0 ? " (every record was bad and skipped)" : ""}; later stages get no input`);
}
