/**
 * The lines of a file, a 64 KiB chunk at a time. readline's async iterator
 * buffers up to 1,024 lines ahead of its reader; for kilobyte-sized records
 * and the dozens of sorted runs a large artifact merges, that read-ahead alone
 * held hundreds of megabytes. Here what is held is one chunk and the lines cut
 * from it. A trailing "\r" is dropped, as readline does with `crlfDelay: Infinity`.
 */
import { createReadStream } from "node:fs";
import { StringDecoder } from "node:string_decoder";

const CHUNK = 1 << 16;

export async function* readLines(path: string): AsyncGenerator<string> {
  const decoder = new StringDecoder("utf8");
  let rest = "";
  for await (const chunk of createReadStream(path, { highWaterMark: CHUNK })) {
    const lines = (rest + decoder.write(chunk as Buffer)).split("\n");
    rest = lines.pop()!;
    for (const line of lines) yield withoutCr(line);
  }
  rest += decoder.end();
  if (rest) yield withoutCr(rest);
}

function withoutCr(line: string): string {
  return line.endsWith("\r") ? line.slice(0, -1) : line;
}
