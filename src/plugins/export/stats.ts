/**
 * What a set of exported pairs looks like: its mix (per stratum, per source
 * file), its scores and its judge agreement. Feeds the manifest and the card.
 * Figures are rounded to 4 decimals so they read well and never show float noise.
 */
import type { ExportPair } from "./pairs.js";

export interface Spread {
  min: number;
  mean: number;
  median: number;
  max: number;
}

export interface Summary {
  pairs: number;
  prompts: number;
  byStratum: Record<string, number>;
  bySourceFile: Record<string, number>;
  scores: {
    /** Pairs with a numeric margin (the others are not in `margin`). */
    withMargin: number;
    margin: Spread | null;
    chosenMean: number | null;
    rejectedMean: number | null;
  };
  /** Null when no pair carries `agreement` (no quality/agreement stage upstream). */
  agreement: { pairs: number; shareMean: number | null; shareMin: number | null; disputed: number } | null;
}

export const UNKNOWN_SOURCE = "(unknown)";

export function summarise(pairs: readonly ExportPair[]): Summary {
  const margins = numbers(pairs.map((p) => p.margin));
  const withAgreement = pairs.filter((p) => p.agreement !== undefined);
  const shares = numbers(withAgreement.map((p) => p.agreement!.share));
  return {
    pairs: pairs.length,
    prompts: new Set(pairs.map((p) => p.promptId)).size,
    byStratum: countBy(pairs, (p) => p.stratum),
    bySourceFile: countBy(pairs, (p) => p.sourceFile ?? UNKNOWN_SOURCE),
    scores: {
      withMargin: margins.length,
      margin: spread(margins),
      chosenMean: mean(numbers(pairs.map((p) => p.chosen.score))),
      rejectedMean: mean(numbers(pairs.map((p) => p.rejected.score))),
    },
    agreement:
      withAgreement.length === 0
        ? null
        : {
            pairs: withAgreement.length,
            shareMean: mean(shares),
            shareMin: shares.length ? round(shares.reduce((m, v) => Math.min(m, v))) : null,
            disputed: withAgreement.filter((p) => p.agreement!.disputed === true).length,
          },
  };
}

/** Distinct rubrics seen on the pairs, sorted by digest. */
export function rubricsOf(pairs: readonly ExportPair[]): { name?: string; digest: string }[] {
  const byDigest = new Map<string, { name?: string; digest: string }>();
  for (const p of pairs) if (p.rubric && !byDigest.has(p.rubric.digest)) byDigest.set(p.rubric.digest, p.rubric);
  return [...byDigest.values()].sort((a, b) => (a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0));
}

/** Counts by key, keys sorted, so the JSON is the same whatever the pair order. */
function countBy<T>(items: readonly T[], keyOf: (item: T) => string): Record<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(keyOf(item), (counts.get(keyOf(item)) ?? 0) + 1);
  return Object.fromEntries([...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function numbers(values: readonly (number | undefined)[]): number[] {
  return values.filter((v): v is number => typeof v === "number" && Number.isFinite(v));
}

/** Sorted first: a sum's rounding depends on its order, and pair order varies by slice. */
function mean(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return round(sorted.reduce((s, v) => s + v, 0) / sorted.length);
}

function spread(values: readonly number[]): Spread | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { min: round(s[0]!), mean: mean(s)!, median: round(median), max: round(s[s.length - 1]!) };
}

export function round(x: number): number {
  const r = Math.round(x * 1e4) / 1e4;
  return r === 0 ? 0 : r; // no "-0" in JSON text
}
