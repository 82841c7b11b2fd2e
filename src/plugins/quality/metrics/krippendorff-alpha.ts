/**
 * Krippendorff's α for any number of raters, units and missing ratings, in the
 * coincidence-matrix formulation of Krippendorff (2011), "Computing
 * Krippendorff's Alpha-Reliability":
 *
 *   α = 1 − Do/De,   Do = (1/n) Σ_c Σ_k o_ck δ²_ck,   De = 1/(n(n−1)) Σ_c Σ_k n_c n_k δ²_ck
 *
 * where o_ck counts, over every unit with m_u ≥ 2 values, each ordered pair of
 * values from different raters with weight 1/(m_u − 1); n_c is the number of
 * pairable values equal to c and n the number of pairable values. Units with
 * fewer than two values cannot be paired and are left out. The matrix itself is
 * never built: Σ o_ck δ²_ck is summed unit by unit, Σ n_c n_k δ²_ck from the marginals.
 *
 * α is undefined (null) when there is nothing to compare: fewer than two
 * pairable values, or no variation at all (every pairable value the same, so
 * De = 0). A perfect agreement with variation between units gives α = 1.
 */
import { present, sortedDistinct, type RatingTable, type Value } from "./rating.js";

export type Level = "nominal" | "ordinal" | "interval" | "ratio";

/** Scores the level of measurement cannot take (a negative score on a ratio scale): the user's choice of level, not a fault. */
export class LevelError extends RangeError {}
export const LEVELS: readonly Level[] = ["nominal", "ordinal", "interval", "ratio"];

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

/** α of a table held in memory: ratings[unit][rater]. */
export function krippendorffAlpha(ratings: RatingTable, level: Level = "nominal"): AlphaResult {
  const units = ratings.map(present);
  return krippendorffAlphaOf((visit) => units.forEach((values) => visit(values)), level);
}

/**
 * The units of a reliability table, each as its present values in rater order,
 * visited in unit order. α walks them twice (marginals, then disagreement), so
 * a source can be a view of columns: `values` is only read during the call and
 * may be a buffer reused for the next unit.
 */
export type UnitSource = (visit: (values: readonly Value[]) => void) => void;

/**
 * α from units visited in order, with memory bounded by the distinct values:
 * no table is built. Units with fewer than two values are skipped. Sums run in
 * unit order, as a table's would, so a table and a view of the same units give
 * the same bits.
 */
export function krippendorffAlphaOf(forEachUnit: UnitSource, level: Level = "nominal"): AlphaResult {
  const pairable: UnitSource = (visit) => forEachUnit((values) => {
    if (values.length >= 2) visit(values);
  });
  let units = 0;
  const counts = new Map<Value, number>();
  pairable((values) => {
    if (level !== "nominal") assertNumeric(values, level);
    units++;
    for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  });
  const byValue = sortedCounts(counts);
  // Krippendorff's ordinal δ²_ck = (Σ_{g=c..k} n_g − (n_c + n_k)/2)² is exactly the squared
  // difference of the values' mid-ranks (values below + half the ties), so ordinal α is
  // interval α on mid-ranks.
  const rank = level === "ordinal" ? midRanks(byValue) : undefined;
  const marginals = rank ? new Map([...byValue].map(([v, m]) => [rank.get(v)!, m])) : byValue;
  const metric = level === "ordinal" ? "interval" : level;

  const n = sum([...marginals.values()]);
  let observedSum = 0;
  const ranked: number[] = [];
  pairable((values) => {
    observedSum += withinUnitDisagreement(rank ? ranksOf(values, rank, ranked) : values, DELTA[metric]);
  });
  const expectedSum = EXPECTED_SUM[metric](marginals);
  const observed = n > 0 ? observedSum / n : 0;
  const expected = n > 1 ? expectedSum / (n * (n - 1)) : 0;
  const alpha = expected > 0 ? 1 - observed / expected : null;
  return { alpha, level, observed, expected, units, pairable: n };
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
function sortedCounts(counts: Map<Value, number>): Map<Value, number> {
  return new Map(sortedDistinct(counts.keys()).map((v) => [v, counts.get(v)!]));
}

/** Each value's mid-rank among all pairable values: Σ_{g<c} n_g + n_c/2. */
function midRanks(byValue: Map<Value, number>): Map<Value, number> {
  const rank = new Map<Value, number>();
  let below = 0;
  for (const [value, count] of byValue) {
    rank.set(value, below + count / 2);
    below += count;
  }
  return rank;
}

/** The values' mid-ranks, written into `into` (one buffer for every unit). */
function ranksOf(values: readonly Value[], rank: Map<Value, number>, into: number[]): number[] {
  into.length = 0;
  for (const v of values) into.push(rank.get(v)!);
  return into;
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
