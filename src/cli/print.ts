/** Prints diagnostics to stderr with (a window of) the offending source line under each. */
import { join, resolve } from "node:path";
import { excerptSpan, formatDiagnostic, type Diagnostic, type SourceLine, type SourceLookup } from "../engine/diagnostic.js";
import { readSourceLines } from "./source-lines.js";

export function printDiagnostics(diagnostics: Diagnostic[], root: string, stream: NodeJS.WritableStream = process.stderr): void {
  const sources = sourcesFor(resolve(root), diagnostics);
  for (const d of diagnostics) stream.write(formatDiagnostic(d, sources) + "\n");
  const errors = diagnostics.filter((d) => d.severity === "error").length;
  if (errors > 1) stream.write(`${errors} errors\n`);
}

/** The source lines the diagnostics point at, each file read once and only up to its last line needed. */
export function sourcesFor(root: string, diagnostics: readonly Diagnostic[]): SourceLookup {
  const wanted = new Map<string, Map<number, { from: number; to: number }>>();
  for (const d of diagnostics) {
    const loc = d.location;
    if (loc?.line === undefined || loc.file.endsWith(".gz")) continue; // a compressed file has no printable lines
    const lines = wanted.get(loc.file) ?? new Map();
    const span = excerptSpan(loc);
    const had = lines.get(loc.line);
    lines.set(loc.line, had ? { from: Math.min(had.from, span.from), to: Math.max(had.to, span.to) } : span);
    wanted.set(loc.file, lines);
  }
  const found = new Map<string, Map<number, SourceLine>>();
  for (const [file, lines] of wanted) {
    try {
      found.set(file, readSourceLines(join(root, file), lines));
    } catch {
      /* not a readable file: no excerpt */
    }
  }
  return (file, line) => found.get(file)?.get(line);
}
