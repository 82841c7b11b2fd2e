/**
 * Which record of a group of duplicates is kept: the earliest in keep order,
 * and a record is removed only as a near-duplicate of an earlier record that
 * is itself kept. Keep order is the project's sample order of each record's
 * prompt (`promptId`, else its own id; ties by id, then canonical JSON), the
 * order in which `dpo build --iteration` admits prompts. With both rules,
 * admitting more prompts never changes what happened to earlier records: a
 * later record cannot displace an earlier one, nor (as union-find clusters
 * would let it) bridge two earlier kept records into one cluster.
 */
import { createHash } from "node:crypto";
import { canonicalJson } from "../../engine/hash.js";
import type { Rec } from "../../engine/plugin.js";

/** The key a record is ordered by: a hex digest (the sample order's rank of its prompt). */
export type RankOf = (rec: Rec) => string;

/** The sha256 of a record's id: an order independent of input order, for callers without a sample order. */
export const byId: RankOf = (rec) => createHash("sha256").update(String(rec.id)).digest("hex");

/** The sample order's rank of a record's prompt. */
export function sampleRankOf(rank: (id: string) => string): RankOf {
  return (rec) => rank(String(typeof rec.promptId === "string" ? rec.promptId : rec.id));
}

/** Records by rank, then id, then canonical JSON: a total order independent of input order. */
export function inKeepOrder(input: readonly Rec[], rankOf: RankOf): Rec[] {
  const keyed = input.map((r) => ({ r, rank: rankOf(r), id: String(r.id), line: "" }));
  keyed.sort((a, b) => compare(a.rank, b.rank) || compare(a.id, b.id) || compare(lineOf(a), lineOf(b)));
  return keyed.map((k) => k.r);
}

/** The canonical JSON of the records at these input indexes (a streaming caller re-reads just those). */
export type TieLines = (indexes: number[]) => Map<number, string> | Promise<Map<number, string>>;

/**
 * The same order over compact entries, as input positions: by rank, then id;
 * only among entries equal in both is the canonical JSON asked for (`tieLines`).
 */
export async function entryKeepOrder(entries: { readonly length: number; compare(a: number, b: number): number }, tieLines: TieLines): Promise<number[]> {
  const sorted = Array.from({ length: entries.length }, (_, i) => i).sort((a, b) => entries.compare(a, b));
  const runs: [number, number][] = [];
  for (let start = 0; start < sorted.length; ) {
    let end = start + 1;
    while (end < sorted.length && entries.compare(sorted[end]!, sorted[start]!) === 0) end++;
    if (end - start > 1) runs.push([start, end]);
    start = end;
  }
  if (runs.length === 0) return sorted;
  const lines = await tieLines(runs.flatMap(([start, end]) => sorted.slice(start, end)));
  for (const [start, end] of runs) {
    const run = sorted.slice(start, end).sort((a, b) => compare(lines.get(a)!, lines.get(b)!));
    run.forEach((x, k) => (sorted[start + k] = x));
  }
  return sorted;
}

function lineOf(k: { r: Rec; line: string }): string {
  if (!k.line) k.line = canonicalJson(k.r);
  return k.line;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * For groups 0..n-1 in keep order and the verified near-duplicate pairs among
 * them: the group each one is kept under (itself when kept), the earliest kept
 * group it duplicates.
 */
export function greedyKeepers(size: number, pairs: readonly (readonly [number, number])[]): Int32Array {
  // Only groups with a verified pair get a list: a million groups are a million arrays otherwise.
  const earlier = new Map<number, number[]>();
  for (const [i, j] of pairs) {
    if (i === j) continue;
    const later = Math.max(i, j);
    const list = earlier.get(later);
    if (list) list.push(Math.min(i, j));
    else earlier.set(later, [Math.min(i, j)]);
  }
  const keeperOf = new Int32Array(size);
  for (let g = 0; g < size; g++) {
    let keeper = g;
    for (const e of earlier.get(g) ?? []) if (keeperOf[e] === e && e < keeper) keeper = e;
    keeperOf[g] = keeper;
  }
  return keeperOf;
}
