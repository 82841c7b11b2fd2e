/** Prints diagnostics to stderr with the offending source line under each. */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { formatDiagnostic, type Diagnostic } from "../engine/diagnostic.js";

export function printDiagnostics(diagnostics: Diagnostic[], root: string, stream: NodeJS.WritableStream = process.stderr): void {
  const files = diagnostics.flatMap((d) => (d.location?.line !== undefined ? [d.location.file] : []));
  const sources = sourcesFor(resolve(root), files);
  for (const d of diagnostics) stream.write(formatDiagnostic(d, sources) + "\n");
  const errors = diagnostics.filter((d) => d.severity === "error").length;
  if (errors > 1) stream.write(`${errors} errors\n`);
}

/** Source texts for printing excerpts under diagnostics. */
export function sourcesFor(root: string, files: Iterable<string>): Map<string, string> {
  const map = new Map<string, string>();
  for (const f of files) {
    try {
      map.set(f, readFileSync(join(root, f), "utf8"));
    } catch {
      /* not a readable file (e.g. a record location in a gzip): no excerpt */
    }
  }
  return map;
}
