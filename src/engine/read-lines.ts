/**
 * The lines of a file, a 256 KiB chunk (by default) at a time. readline's async iterator
 * buffers up to 1,024 lines ahead of its reader; for kilobyte-sized records
 * and the dozens of sorted runs a large artifact merges, that read-ahead alone
 * held hundreds of megabytes. Here what is held is one chunk and the line
 * being cut from it.
 *
 * Lines are found in the bytes ("\n" never occurs inside a multi-byte UTF-8
 * character) and each is decoded on its own: decoding whole chunks and
 * splitting the string cost eight times as much on large artifacts
 * (bench/artifact-codecs.mjs), and every line kept its chunk's string alive.
 * A trailing "\r" is dropped, as readline does with `crlfDelay: Infinity`.
 */
import { open } from "node:fs/promises";

const CHUNK = 1 << 18;
const NEWLINE = 0x0a;
const CR = 0x0d;

/** `chunkBytes`: the read size (the k-way merge of many sorted runs reads each through a smaller one). */
export async function* readLines(path: string, chunkBytes = CHUNK): AsyncGenerator<string> {
  const file = await open(path, "r");
  try {
    const chunk = Buffer.allocUnsafe(chunkBytes);
    // The start of a line that runs past the chunk it began in.
    let carried: Buffer[] = [];
    for (;;) {
      const { bytesRead } = await file.read(chunk, 0, chunkBytes, null);
      if (bytesRead === 0) break;
      let start = 0;
      for (let nl = chunk.indexOf(NEWLINE, start); nl >= 0 && nl < bytesRead; nl = chunk.indexOf(NEWLINE, start)) {
        if (carried.length === 0) yield decode(chunk, start, nl);
        else {
          carried.push(chunk.subarray(start, nl));
          const whole = Buffer.concat(carried);
          carried = [];
          yield decode(whole, 0, whole.length);
        }
        start = nl + 1;
      }
      // A copy: the chunk is overwritten by the next read.
      if (start < bytesRead) carried.push(Buffer.from(chunk.subarray(start, bytesRead)));
    }
    if (carried.length > 0) {
      const whole = Buffer.concat(carried);
      yield decode(whole, 0, whole.length);
    }
  } finally {
    await file.close();
  }
}

function decode(bytes: Buffer, start: number, end: number): string {
  return bytes.toString("utf8", start, end > start && bytes[end - 1] === CR ? end - 1 : end);
}
