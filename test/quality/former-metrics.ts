/**
 * Test oracle: the agreement metrics and the collector's table-building as
 * they were before the statistics were computed from columns (issue 16),
 * copied verbatim from src at 607a548 (comments trimmed). The streamed path must
 * give these results to the last bit; do not "fix" this file.
 */
import type { JudgedPair, Side } from "../../src/plugins/quality/judged-pair.js";
import { isMissing, present, sortedDistinct, type Rating, type RatingTable, type Value } from "../../src/plugins/quality/metrics/rating.js";
import { LevelError, type Level } from "../../src/plugins/quality/metrics/krippendorff-alpha.js";
import { assertNever } from "../../src/engine/assert-never.js";
import { Column } from "../../src/plugins/stream/column.js";

// ---- metrics/krippendorff-alpha.ts
export interface AlphaResult {
  /** null when undefined (see above). */
  alpha: number | null;
  level: Level;
  /** Observed and expected disagreement (Do, De). */
  observed: number;
  expected: number;
  /** Units with at least two ratings, and the number of values in them (n). */
  units: number;
  pairable: number;
}

export function krippendorffAlpha(ratings: RatingTable, level: Level = "nominal"): AlphaResult {
  let units = ratings.map(present).filter((values) => values.length >= 2);
  if (level !== "nominal") for (const values of units) assertNumeric(values, level);
  // Krippendorff's ordinal δ²_ck = (Σ_{g=c..k} n_g − (n_c + n_k)/2)² is exactly the squared
  // difference of the values' mid-ranks (values below + half the ties), so ordinal α is
  // interval α on mid-ranks.
  if (level === "ordinal") units = toMidRanks(units);
  const metric = level === "ordinal" ? "interval" : level;

  const marginals = countValues(units);
  const n = sum([...marginals.values()]);
  const observedSum = sum(units.map((values) => withinUnitDisagreement(values, DELTA[metric])));
  const expectedSum = EXPECTED_SUM[metric](marginals);
  const observed = n > 0 ? observedSum / n : 0;
  const expected = n > 1 ? expectedSum / (n * (n - 1)) : 0;
  const alpha = expected > 0 ? 1 - observed / expected : null;
  return { alpha, level, observed, expected, units: units.length, pairable: n };
}

type Delta = (c: Value, k: Value) => number;

/** δ²_ck (Krippendorff 2011, "difference functions"); ordinal goes through mid-ranks. */
const DELTA: Record<Exclude<Level, "ordinal">, Delta> = {
  nominal: (c, k) => (c === k ? 0 : 1),
  interval: (c, k) => ((c as number) - (k as number)) ** 2,
  ratio: (c, k) => {
    const total = (c as number) + (k as number);
    return total === 0 ? 0 : (((c as number) - (k as number)) / total) ** 2;
  },
};

/**
 * Σ_c Σ_k n_c n_k δ²_ck. Nominal and interval (hence ordinal) have closed forms, so
 * continuous scores with many distinct values stay linear; ratio sums over all
 * pairs of distinct values.
 */
const EXPECTED_SUM: Record<Exclude<Level, "ordinal">, (marginals: Map<Value, number>) => number> = {
  nominal: (marginals) => {
    const counts = [...marginals.values()];
    return sum(counts) ** 2 - sum(counts.map((m) => m * m));
  },
  interval: (marginals) => {
    // Σ n_c n_k (c − k)² = 2(n Σ n_c c² − (Σ n_c c)²)
    const entries = [...marginals] as [number, number][];
    const n = sum(entries.map(([, m]) => m));
    const first = sum(entries.map(([v, m]) => m * v));
    return 2 * (n * sum(entries.map(([v, m]) => m * v * v)) - first * first);
  },
  ratio: (marginals) => {
    const entries = [...marginals];
    let total = 0;
    for (let a = 0; a < entries.length; a++) {
      for (let b = a + 1; b < entries.length; b++) total += 2 * entries[a]![1] * entries[b]![1] * DELTA.ratio(entries[a]![0], entries[b]![0]);
    }
    return total;
  },
};

/** Σ over ordered pairs of different raters' values in one unit of δ², weighted 1/(m_u − 1). */
function withinUnitDisagreement(values: readonly Value[], delta: Delta): number {
  let total = 0;
  for (let i = 0; i < values.length; i++) {
    for (let j = i + 1; j < values.length; j++) total += 2 * delta(values[i]!, values[j]!);
  }
  return total / (values.length - 1);
}

/** n_c: how many pairable values equal c, keyed in sorted order. */
function countValues(units: readonly Value[][]): Map<Value, number> {
  const counts = new Map<Value, number>();
  for (const values of units) for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return new Map(sortedDistinct(counts.keys()).map((v) => [v, counts.get(v)!]));
}

/** Each value replaced by its mid-rank among all pairable values: Σ_{g<c} n_g + n_c/2. */
function toMidRanks(units: readonly Value[][]): number[][] {
  const rank = new Map<Value, number>();
  let below = 0;
  for (const [value, count] of countValues(units)) {
    rank.set(value, below + count / 2);
    below += count;
  }
  return units.map((values) => values.map((v) => rank.get(v)!));
}

function assertNumeric(values: readonly Value[], level: Level): void {
  for (const v of values) {
    if (typeof v !== "number" || !Number.isFinite(v)) {
      throw new LevelError(`${level} α needs finite numbers, got ${JSON.stringify(v)}`);
    }
    if (level === "ratio" && v < 0) throw new LevelError(`ratio α needs non-negative numbers, got ${v}`);
  }
}

function sum(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

// ---- metrics/fleiss-kappa.ts
export interface FleissResult {
  kappa: number | null;
  /** P̄ and P̄e. */
  observed: number;
  expected: number;
  /** Items used and raters per item. */
  items: number;
  raters: number;
  /** Items left out because a rating was missing. */
  dropped: number;
  /** Categories in the order of the count columns. */
  categories: Value[];
}

export interface FleissOptions {
  /** What to do with an item that lacks a rating: "drop" (default, counted) or "error". */
  incomplete?: "drop" | "error";
}

/** κ from ratings[item][rater]; every row has one slot per rater. */
export function fleissKappa(ratings: RatingTable, options: FleissOptions = {}): FleissResult {
  // A loop, not Math.max(...rows): spreading a million arguments overflows the stack.
  let raters = 0;
  for (const row of ratings) raters = Math.max(raters, row.length);
  const complete = ratings.filter((row) => row.length === raters && !row.some(isMissing));
  const dropped = ratings.length - complete.length;
  if (dropped > 0 && options.incomplete === "error") {
    throw new RangeError(`Fleiss' κ needs every item rated by all ${raters} raters; ${dropped} item(s) are incomplete`);
  }
  const categories = sortedDistinct(complete.flat() as Value[]);
  const column = new Map(categories.map((c, j) => [c, j]));
  const counts = complete.map((row) => {
    const n = categories.map(() => 0);
    for (const r of row) n[column.get(r as Value)!]!++;
    return n;
  });
  return { ...fleissKappaFromCounts(counts), dropped, categories };
}

/**
 * κ from a count table: counts[item][category] = how many raters put the item in
 * that category (the layout of Fleiss' paper). Every row must sum to the same m.
 */
export function fleissKappaFromCounts(counts: readonly (readonly number[])[]): Omit<FleissResult, "categories" | "dropped"> {
  const items = counts.length;
  const raters = items > 0 ? sum(counts[0]!) : 0;
  counts.forEach((row, i) => {
    if (sum(row) !== raters) throw new RangeError(`item ${i + 1} has ${sum(row)} ratings, item 1 has ${raters}`);
  });
  if (items === 0 || raters < 2) return { kappa: null, observed: 0, expected: 0, items, raters };

  const perItem = counts.map((row) => (sum(row.map((n) => n * n)) - raters) / (raters * (raters - 1)));
  const observed = sum(perItem) / items;
  const categoryShare = counts[0]!.map((_, j) => sum(counts.map((row) => row[j] ?? 0)) / (items * raters));
  const expected = sum(categoryShare.map((p) => p * p));
  const kappa = expected < 1 ? (observed - expected) / (1 - expected) : null;
  return { kappa, observed, expected, items, raters };
}

// ---- metrics/cohen-kappa.ts
export type Weights = "none" | "linear" | "quadratic";

export interface CohenResult {
  kappa: number | null;
  /** Observed and chance agreement (1 − weighted disagreement, for weighted κ). */
  observed: number;
  expected: number;
  /** Items rated by both raters. */
  items: number;
  /** Items skipped because one rating was missing. */
  skipped: number;
}

export interface CohenOptions {
  weights?: Weights;
  /** The ordered categories, for weighted κ when the natural order is not right. */
  categories?: readonly Value[];
}

export function cohenKappa(a: readonly Rating[], b: readonly Rating[], options: CohenOptions = {}): CohenResult {
  if (a.length !== b.length) throw new RangeError(`the two raters have ${a.length} and ${b.length} ratings`);
  const both = a.flatMap((r, i) => (isMissing(r) || isMissing(b[i]) ? [] : [[r, b[i]] as [Value, Value]]));
  const skipped = a.length - both.length;
  const categories = options.categories ?? sortedDistinct(both.flat());
  const index = new Map(categories.map((c, i) => [c, i]));
  const K = categories.length;
  const table = categories.map(() => categories.map(() => 0));
  for (const [x, y] of both) {
    const i = index.get(x);
    const j = index.get(y);
    if (i === undefined || j === undefined) throw new RangeError(`rating ${JSON.stringify(i === undefined ? x : y)} is not among the categories`);
    table[i]![j]!++;
  }
  const N = both.length;
  const rows = table.map((row) => row.reduce((s, n) => s + n, 0));
  const cols = categories.map((_, j) => table.reduce((s, row) => s + row[j]!, 0));
  const w = disagreementWeight(options.weights ?? "none", K);
  let observedDisagreement = 0;
  let expectedDisagreement = 0;
  for (let i = 0; i < K; i++) {
    for (let j = 0; j < K; j++) {
      observedDisagreement += (w(i, j) * table[i]![j]!) / (N || 1);
      expectedDisagreement += (w(i, j) * rows[i]! * cols[j]!) / (N * N || 1);
    }
  }
  const kappa = N > 0 && expectedDisagreement > 0 ? 1 - observedDisagreement / expectedDisagreement : null;
  return { kappa, observed: 1 - observedDisagreement, expected: 1 - expectedDisagreement, items: N, skipped };
}

function disagreementWeight(weights: Weights, K: number): (i: number, j: number) => number {
  const span = Math.max(1, K - 1);
  switch (weights) {
    case "none":
      return (i, j) => (i === j ? 0 : 1);
    case "linear":
      return (i, j) => Math.abs(i - j) / span;
    case "quadratic":
      return (i, j) => (Math.abs(i - j) / span) ** 2;
    default:
      return assertNever(weights);
  }
}

export interface PairwiseKappa extends CohenResult {
  a: string;
  b: string;
}

/**
 * Cohen's κ for every pair of raters, in name order (a < b). `ratings[name][item]`;
 * all raters list the same items in the same order.
 */
export function pairwiseCohenKappa(
  ratings: Readonly<Record<string, readonly Rating[]>>,
  options: CohenOptions = {},
): PairwiseKappa[] {
  const names = Object.keys(ratings).sort();
  return names.flatMap((a, i) => names.slice(i + 1).map((b) => ({ a, b, ...cohenKappa(ratings[a]!, ratings[b]!, options) })));
}
// ---- judge-statistics.ts
export interface JudgeStatistics {
  judges: string[];
  candidates: number;
  /** Candidate × judge × (overall | criterion) scores given twice with different values. */
  conflicts: number;
  alpha: { overall: AlphaResult; criteria: Record<string, AlphaResult> };
  fleiss: FleissResult;
  cohen: PairwiseKappa[];
}

/** The statistics of pairs held in memory (tests, the HTML report). */
export function judgeStatistics(pairs: readonly JudgedPair[], judges: readonly string[], level: Level): JudgeStatistics {
  const collector = new JudgeStatisticsCollector();
  for (const p of pairs) collector.add(p);
  return collector.statistics(judges, level);
}

/** The overall scale's key among criterion ids (which are never empty). */
const OVERALL = "";
const SIDES: readonly Side[] = ["chosen", "rejected", "tie"];

export class JudgeStatisticsCollector {
  /** Candidate id → its unit slot, in order of first score. */
  private readonly slots = new Map<string, number>();
  /** Scale → judge → score per candidate slot (NaN: none). */
  private readonly scores = new Map<string, Map<string, Column<Float64Array>>>();
  /** Judge → direction per pair (an index into SIDES; -1: not judged). */
  private readonly directions = new Map<string, Column<Int32Array>>();
  /** Criterion ids in order of first appearance over the pairs. */
  private readonly criteria = new Set<string>();
  private pairs = 0;
  private conflicts = 0;

  add(pair: JudgedPair): void {
    for (const c of pair.criteria) this.criteria.add(c);
    for (const j of pair.judges) {
      this.direction(j.judge).set(this.pairs, SIDES.indexOf(j.prefers));
      for (const [side, candidate] of [["chosen", pair.chosenId], ["rejected", pair.rejectedId]] as const) {
        this.put(candidate, OVERALL, j.judge, j[side]);
        for (const [criterion, s] of Object.entries(j.scores)) this.put(candidate, criterion, j.judge, s[side]);
      }
    }
    this.pairs++;
  }

  statistics(judges: readonly string[], level: Level): JudgeStatistics {
    const directions = Array.from({ length: this.pairs }, (_, i) => judges.map((j): Rating => side(this.directions.get(j)?.get(i))));
    const perJudge = Object.fromEntries(judges.map((j, k) => [j, directions.map((row) => row[k])]));
    return {
      judges: [...judges],
      candidates: this.slots.size,
      conflicts: this.conflicts,
      alpha: { overall: this.alphaOn(OVERALL, judges, level), criteria: Object.fromEntries([...this.criteria].map((c) => [c, this.alphaOn(c, judges, level)])) },
      fleiss: fleissKappa(directions),
      cohen: pairwiseCohenKappa(perJudge),
    };
  }

  private alphaOn(scale: string, judges: readonly string[], level: Level): AlphaResult {
    const byJudge = judges.map((j) => this.scores.get(scale)?.get(j));
    const units = Array.from({ length: this.slots.size }, (_, slot) => byJudge.map((column) => score(column?.get(slot))));
    return krippendorffAlpha(units, level);
  }

  /** A candidate gets its slot with its first score: one never scored is no unit. */
  private put(candidate: string, scale: string, judge: string, value: number | null): void {
    if (value === null) return;
    let slot = this.slots.get(candidate);
    if (slot === undefined) this.slots.set(candidate, (slot = this.slots.size));
    let byJudge = this.scores.get(scale);
    if (!byJudge) this.scores.set(scale, (byJudge = new Map()));
    let column = byJudge.get(judge);
    if (!column) byJudge.set(judge, (column = new Column((n) => new Float64Array(n), NaN)));
    const earlier = column.get(slot);
    if (Number.isNaN(earlier)) column.set(slot, value);
    else if (earlier !== value) this.conflicts++;
  }

  private direction(judge: string): Column<Int32Array> {
    let column = this.directions.get(judge);
    if (!column) this.directions.set(judge, (column = new Column((n) => new Int32Array(n), -1)));
    return column;
  }
}

const score = (v: number | undefined): Rating => (v === undefined || Number.isNaN(v) ? null : v);
const side = (code: number | undefined): Rating => (code === undefined || code < 0 ? null : SIDES[code]!);
