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
 * One source line for an excerpt, whole or as a window of it: `text` starts
 * at code unit `offset` of the line, and `more` says the line goes on after it.
 */
export interface SourceLine {
  text: string;
  offset: number;
  more: boolean;
}

/** The source line at `line` (1-based) of a project file, for excerpts; undefined when unavailable. */
export type SourceLookup = (file: string, line: number) => SourceLine | undefined;

/** How many characters an excerpt shows on each side of the marked span: a record on a 50 MB line prints one screen line, not the record. */
export const EXCERPT_WINDOW = 60;

/** The part of a line an excerpt needs around a column: [from, to) in code units. */
export function excerptSpan(loc: Location): { from: number; to: number } {
  const at = Math.max(1, loc.column ?? 1) - 1;
  return { from: Math.max(0, at - EXCERPT_WINDOW), to: at + Math.min(Math.max(1, loc.length ?? 1), EXCERPT_WINDOW) + EXCERPT_WINDOW };
}

/**
 * `file:line:col: error: message`, then the source line and a marker under the
 * span when the source is available: whole texts by file, or a lookup that
 * reads only the lines needed.
 */
export function formatDiagnostic(d: Diagnostic, sources: ReadonlyMap<string, string> | SourceLookup = new Map()): string {
  const head = d.location ? `${formatLocation(d.location)}: ` : "";
  const lines = [`${head}${d.severity}: ${d.message}`];
  if (d.path) lines.push(`  at ${d.path}`);
  const excerpt = d.location && sourceExcerpt(d.location, lookupIn(sources));
  if (excerpt) lines.push(excerpt);
  if (d.hint) lines.push(`  hint: ${d.hint}`);
  for (const r of d.related ?? []) {
    lines.push(`  ${r.location ? formatLocation(r.location) + ": " : ""}${r.message}`);
  }
  return lines.join("\n");
}

function lookupIn(sources: ReadonlyMap<string, string> | SourceLookup): SourceLookup {
  if (typeof sources === "function") return sources;
  return (file, line) => {
    const text = sources.get(file)?.split(/\r?\n/)[line - 1];
    return text === undefined ? undefined : { text, offset: 0, more: false };
  };
}

/** The line, clipped to a window around the span (`…` where cut), and a marker under the span. */
function sourceExcerpt(loc: Location, lookup: SourceLookup): string | undefined {
  if (loc.line === undefined) return undefined;
  const src = lookup(loc.file, loc.line);
  if (src === undefined) return undefined;
  const at = Math.max(1, loc.column ?? 1) - 1;
  const span = excerptSpan(loc);
  const start = Math.max(span.from, src.offset);
  const end = Math.min(span.to, src.offset + src.text.length);
  const shown = (start > 0 ? "…" : "") + src.text.slice(start - src.offset, Math.max(start, end) - src.offset) + (end < src.offset + src.text.length || src.more ? "…" : "");
  const gutter = `${loc.line} | `;
  const markAt = (start > 0 ? 1 : 0) + at - start;
  const len = Math.max(1, Math.min(loc.length ?? 1, end - at));
  return `  ${gutter}${shown}\n  ${" ".repeat(gutter.length + markAt)}${"^".repeat(len)}`;
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
