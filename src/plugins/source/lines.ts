/**
 * Streams a text file line by line without holding it in memory. Lines are
 * split on bytes (so a multi-byte character is never cut) and decoded with a
 * fatal UTF-8 decoder, so invalid bytes are reported with their line number
 * instead of turning into U+FFFD unnoticed. Files ending in `.gz` are
 * gunzipped on the fly.
 *
 * Line breaks are LF or CRLF, or — detected from the first chunk, for files
 * written by old Mac tools and some spreadsheet exports — a bare CR: a file
 * whose first chunk has carriage returns and no line feed has CR line breaks
 * throughout (a UTF-8 multi-byte sequence never contains the CR byte, so
 * turning each CR into LF is exact).
 *
 * Lines come in batches, one per chunk read: one async step per chunk rather
 * than per line keeps a million-line file fast. Each batch is decoded in one
 * call; only a batch that fails is decoded again line by line to find the culprit.
 */
import { createReadStream } from "node:fs";
import type { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { userError } from "../../engine/diagnostic.js";
import { decodeStrict } from "../../engine/utf8.js";

export interface Line {
  /** 1-based line number. */
  number: number;
  /** The line without its terminator (`\n` or `\r\n`). */
  text: string;
  /** Set when the bytes were not valid UTF-8; `text` is then a lossy decoding. */
  invalidUtf8?: { column: number };
}

const NEWLINE = 0x0a;
const CR = 0x0d;
const BOM = "\uFEFF";

/** Opens a project file as a byte stream, gunzipping `.gz` files. */
export function openInput(absPath: string, signal?: AbortSignal): Readable {
  const raw = createReadStream(absPath, { signal, highWaterMark: 256 * 1024 });
  if (!absPath.endsWith(".gz")) return raw;
  const gunzip = createGunzip();
  // pipe() does not forward errors: a missing file must fail the gunzip stream too.
  raw.on("error", (err) => gunzip.destroy(err));
  gunzip.on("close", () => raw.destroy());
  return raw.pipe(gunzip);
}

/** The lines of a file in batches. `file` is the project-relative name used in error messages. */
export async function* readLineBatches(absPath: string, file: string, signal?: AbortSignal): AsyncGenerator<Line[]> {
  const input = openInput(absPath, signal);
  let next = 1;
  // The start of an unfinished line, in pieces (a long line may span many chunks).
  let pending: Buffer[] = [];
  let crBreaks: boolean | undefined;
  try {
    for await (const raw of input as AsyncIterable<Buffer>) {
      crBreaks ??= raw.indexOf(NEWLINE) === -1 && raw.indexOf(CR) !== -1;
      const chunk = crBreaks ? crToLf(raw) : raw;
      const lastNewline = chunk.lastIndexOf(NEWLINE);
      if (lastNewline === -1) {
        pending.push(chunk);
        continue;
      }
      const head = chunk.subarray(0, lastNewline);
      const region = pending.length ? Buffer.concat([...pending, head]) : head;
      // A copy, so the rest of the chunk is not kept alive by a small tail.
      pending = lastNewline + 1 < chunk.length ? [Buffer.from(chunk.subarray(lastNewline + 1))] : [];
      const lines = decodeRegion(region, next);
      next += lines.length;
      yield lines;
    }
  } catch (err) {
    if (signal?.aborted) throw err;
    throw readError(err, file, next);
  } finally {
    if (!input.destroyed) input.destroy();
  }
  if (pending.length) yield decodeRegion(Buffer.concat(pending), next);
}

function crToLf(chunk: Buffer): Buffer {
  const copy = Buffer.from(chunk);
  for (let i = copy.indexOf(CR); i !== -1; i = copy.indexOf(CR, i + 1)) copy[i] = NEWLINE;
  return copy;
}

/** Bytes holding whole lines (without the final newline) → numbered lines from `first`. */
function decodeRegion(region: Buffer, first: number): Line[] {
  const { text, invalidColumn } = decodeStrict(region);
  if (invalidColumn !== undefined) return splitBytes(region).map((bytes, i) => decodeLine(bytes, first + i));
  const texts = text.split("\n");
  if (first === 1 && texts[0]!.startsWith(BOM)) texts[0] = texts[0]!.slice(1);
  return texts.map((t, i) => ({ number: first + i, text: t.endsWith("\r") ? t.slice(0, -1) : t }));
}

function splitBytes(region: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  for (let end = region.indexOf(NEWLINE); end !== -1; end = region.indexOf(NEWLINE, start)) {
    out.push(region.subarray(start, end));
    start = end + 1;
  }
  out.push(region.subarray(start));
  return out;
}

function decodeLine(bytes: Buffer, number: number): Line {
  const body = bytes.length && bytes[bytes.length - 1] === 0x0d ? bytes.subarray(0, -1) : bytes;
  const { text, invalidColumn } = decodeStrict(body);
  if (invalidColumn !== undefined) return { number, text, invalidUtf8: { column: invalidColumn } };
  return { number, text: number === 1 && text.startsWith(BOM) ? text.slice(1) : text };
}

function readError(err: unknown, file: string, line: number) {
  const e = err as NodeJS.ErrnoException;
  if (e.code === "ENOENT") return userError(`cannot read "${file}": no such file`, { location: { file } });
  if (e.code === "Z_DATA_ERROR" || e.code === "Z_BUF_ERROR") {
    return userError(`"${file}" is not a valid gzip file (${e.message})`, {
      location: { file, line },
      hint: "files ending in .gz are gunzipped; rename the file if it is not compressed",
    });
  }
  return userError(`cannot read "${file}": ${e.message ?? String(err)}`, { location: { file } });
}

