/**
 * Diagnostics are data: what went wrong, where (file:line:column or a dataset
 * record), what was found and what was expected. The CLI prints them without
 * stack traces; tests assert on them exactly.
 */
export interface Location {
  /** Project-relative path of the file. */
  file: string;
  /** 1-based line. */
  line?: number;
  /** 1-based column. */
  column?: number;
  /** Length of the offending span, for the marker under the source line. */
  length?: number;
  /** 1-based record number inside a dataset file, when that is more useful than a line. */
  record?: number;
}

export interface Diagnostic {
  severity: "error" | "warning";
  message: string;
  location?: Location;
  /** Path inside the document, e.g. `stages.judge.with.rubric`. */
  path?: string;
  /** A hint such as "did you mean `needs`?". */
  hint?: string;
  /** Other places that explain this one (e.g. each edge of a cycle). */
  related?: { message: string; location?: Location }[];
}

/**
 * An expected failure carried as an exception across async boundaries that do
 * not return Results (plugin code, streams). The CLI prints its diagnostics
 * and exits with `exitCode` (2 for user errors).
 */
export class DpoError extends Error {
  readonly diagnostics: Diagnostic[];
  readonly exitCode: number;
  constructor(diagnostics: Diagnostic | Diagnostic[], exitCode = 2) {
    const list = Array.isArray(diagnostics) ? diagnostics : [diagnostics];
    super(list.map((d) => d.message).join("; "));
    this.name = "DpoError";
    this.diagnostics = list;
    this.exitCode = exitCode;
  }
}

/** Shorthand for an error diagnostic. */
export function userError(message: string, extra: Omit<Diagnostic, "severity" | "message"> = {}): DpoError {
  return new DpoError({ severity: "error", message, ...extra });
}

export function formatLocation(loc: Location): string {
  let s = loc.file;
  if (loc.record !== undefined) s += `:record ${loc.record}`;
  else if (loc.line !== undefined) s += `:${loc.line}${loc.column !== undefined ? `:${loc.column}` : ""}`;
  return s;
}

/** A warning as one reporter message (the reporter adds `warning: `): `file:line:col: message`, then the hint. */
export function formatWarning(d: Diagnostic): string {
  const head = d.location ? `${formatLocation(d.location)}: ` : "";
  return `${head}${d.message}${d.hint ? `\n  hint: ${d.hint}` : ""}`;
}

/**
 * `file:line:col: error: message`, then the source line and a marker under the
 * span when the source text is available.
 */
export function formatDiagnostic(d: Diagnostic, sources: ReadonlyMap<string, string> = new Map()): string {
  const head = d.location ? `${formatLocation(d.location)}: ` : "";
  const lines = [`${head}${d.severity}: ${d.message}`];
  if (d.path) lines.push(`  at ${d.path}`);
  const excerpt = d.location && sourceExcerpt(d.location, sources.get(d.location.file));
  if (excerpt) lines.push(excerpt);
  if (d.hint) lines.push(`  hint: ${d.hint}`);
  for (const r of d.related ?? []) {
    lines.push(`  ${r.location ? formatLocation(r.location) + ": " : ""}${r.message}`);
  }
  return lines.join("\n");
}

function sourceExcerpt(loc: Location, text: string | undefined): string | undefined {
  if (text === undefined || loc.line === undefined) return undefined;
  const src = text.split(/\r?\n/)[loc.line - 1];
  if (src === undefined) return undefined;
  const gutter = `${loc.line} | `;
  const col = Math.max(1, loc.column ?? 1);
  const len = Math.max(1, Math.min(loc.length ?? 1, src.length - col + 1));
  return `  ${gutter}${src}\n  ${" ".repeat(gutter.length + col - 1)}${"^".repeat(len)}`;
}

/**
 * Edit distance counting an adjacent swap as one edit (optimal string
 * alignment), so `biuld` is one edit from `build`. Small inputs only (names).
 */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/** The closest candidate within a third of the word's length, if any. */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(word.length / 3)) + 1;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best;
}
