/**
 * Cohen's κ for two raters (Cohen 1960), optionally weighted (Cohen 1968):
 *
 *   κ = 1 − Σ_ij w_ij o_ij / Σ_ij w_ij e_ij,   e_ij = (row_i · col_j) / N
 *
 * with disagreement weights w_ij = [i ≠ j] (unweighted, which equals
 * (p_o − p_e)/(1 − p_e)), |i − j|/(K − 1) (linear) or (|i − j|/(K − 1))² (quadratic),
 * where i, j are positions in the ordered category list (numbers sort numerically).
 *
 * Items that either rater left unrated are skipped and counted. κ is null when
 * undefined: no item rated by both, or no expected disagreement (both raters used
 * one and the same category).
 */
import { assertNever } from "../../../engine/assert-never.js";
import { isMissing, sortedDistinct, type Rating, type Value } from "./rating.js";

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
  return cohenKappaOf(bothRaters(a, b), options);
}

/**
 * The two raters' ratings visited item by item, in item order. κ walks them
 * twice (categories, then the contingency table), so a source can be a view of
 * columns.
 */
export type RatingPairSource = (visit: (a: Rating, b: Rating) => void) => void;

function bothRaters(a: readonly Rating[], b: readonly Rating[]): RatingPairSource {
  if (a.length !== b.length) throw new RangeError(`the two raters have ${a.length} and ${b.length} ratings`);
  return (visit) => a.forEach((r, i) => visit(r, b[i]));
}

/** κ from items visited in order, with memory bounded by the categories: only the K × K table is built. */
export function cohenKappaOf(forEachItem: RatingPairSource, options: CohenOptions = {}): CohenResult {
  let rated = 0;
  let N = 0;
  const used = new Set<Value>();
  forEachItem((x, y) => {
    rated++;
    if (isMissing(x) || isMissing(y)) return;
    N++;
    used.add(x).add(y);
  });
  const skipped = rated - N;
  const categories = options.categories ?? sortedDistinct(used);
  const index = new Map(categories.map((c, i) => [c, i]));
  const K = categories.length;
  const table = categories.map(() => categories.map(() => 0));
  forEachItem((x, y) => {
    if (isMissing(x) || isMissing(y)) return;
    const i = index.get(x);
    const j = index.get(y);
    if (i === undefined || j === undefined) throw new RangeError(`rating ${JSON.stringify(i === undefined ? x : y)} is not among the categories`);
    table[i]![j]!++;
  });
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
  return pairwiseCohenKappaOf(Object.keys(ratings), (a, b) => bothRaters(ratings[a]!, ratings[b]!), options);
}

/** Cohen's κ for every pair of the named raters, in name order (a < b); `items(a, b)` visits their ratings. */
export function pairwiseCohenKappaOf(
  raters: readonly string[],
  items: (a: string, b: string) => RatingPairSource,
  options: CohenOptions = {},
): PairwiseKappa[] {
  const names = [...new Set(raters)].sort();
  return names.flatMap((a, i) => names.slice(i + 1).map((b) => ({ a, b, ...cohenKappaOf(items(a, b), options) })));
}
