/**
 * Canonical record serialisation: one canonical JSON object per line, sorted
 * by id (then by the line itself, so duplicate ids still sort the same way).
 * No timestamps, no key order, no worker count can change an artifact's bytes.
 */
import { canonicalJson } from "./hash.js";
import type { Artifact, Rec } from "./plugin.js";
import type { Digest } from "./hash.js";
import { sha256 } from "./hash.js";

export function recordLine(rec: Rec): string {
  return canonicalJson(rec);
}

export function compareLines(a: { id: string; line: string }, b: { id: string; line: string }): number {
  if (a.id !== b.id) return a.id < b.id ? -1 : 1;
  return a.line < b.line ? -1 : a.line > b.line ? 1 : 0;
}

/** Records → canonical artifact bytes. For small outputs and tests; the engine streams. */
export function serialiseRecords(records: Iterable<Rec>): string {
  const rows = [...records].map((r) => ({ id: String(r.id), line: recordLine(r) }));
  rows.sort(compareLines);
  return rows.map((r) => r.line + "\n").join("");
}

export function parseRecords(text: string): Rec[] {
  const out: Rec[] = [];
  for (const line of text.split("\n")) if (line) out.push(JSON.parse(line) as Rec);
  return out;
}

/** An artifact held in memory (tests, and stages whose input is small). */
export function memoryArtifact(stage: string, records: Rec[], tallies: Record<string, number> = {}): Artifact {
  const text = serialiseRecords(records);
  const sorted = parseRecords(text);
  return {
    stage,
    digest: sha256(text) as Digest,
    count: sorted.length,
    tallies,
    async *records() {
      yield* sorted;
    },
  };
}
