/**
 * Reads just the source lines diagnostics point at, for their excerpts: one
 * streaming pass per file that stops after the last line needed and keeps
 * only a window of each line (see `excerptSpan`), so an error on a 50 MB
 * line of a dataset neither loads the file nor prints the line.
 */
import { closeSync, openSync, readSync } from "node:fs";
import type { SourceLine } from "../engine/diagnostic.js";

/** Line number → the [from, to) code units of it wanted. */
export type WantedLines = ReadonlyMap<number, { from: number; to: number }>;

const CHUNK = 64 * 1024;

/** The wanted windows of a file's lines; a line past the end of the file is absent. Throws when the file cannot be read. */
export function readSourceLines(path: string, wanted: WantedLines): Map<number, SourceLine> {
  const found = new Map<number, SourceLine>();
  const last = Math.max(0, ...wanted.keys());
  const fd = openSync(path, "r");
  try {
    const decoder = new TextDecoder("utf-8");
    const buf = Buffer.allocUnsafe(CHUNK);
    let line = 1;
    let column = 0; // code units of the current line before the current piece
    const take = (piece: string) => {
      const w = wanted.get(line);
      if (w && column + piece.length > w.from && column < w.to) {
        const got = found.get(line) ?? { text: "", offset: Math.max(w.from, column), more: false };
        got.text += piece.slice(Math.max(0, w.from - column), w.to - column);
        found.set(line, got);
      }
      const got = w && column + piece.length > w.to ? found.get(line) : undefined;
      if (got) got.more = true;
      column += piece.length;
    };
    const endLine = () => {
      const got = found.get(line);
      if (got && !got.more && got.text.endsWith("\r")) got.text = got.text.slice(0, -1);
      else if (!got && wanted.has(line)) found.set(line, { text: "", offset: 0, more: false });
      line++;
      column = 0;
    };
    for (let n = readSync(fd, buf, 0, CHUNK, null); n > 0 && line <= last; n = readSync(fd, buf, 0, CHUNK, null)) {
      const text = decoder.decode(buf.subarray(0, n), { stream: true });
      let start = 0;
      for (let nl = text.indexOf("\n"); nl !== -1 && line <= last; nl = text.indexOf("\n", start)) {
        take(text.slice(start, nl));
        endLine();
        start = nl + 1;
      }
      if (line <= last) take(text.slice(start));
    }
    if (line <= last && (column > 0 || found.has(line))) endLine(); // a last line without a newline
    return found;
  } finally {
    closeSync(fd);
  }
}
