/**
 * Fleiss' κ (Fleiss 1971, "Measuring nominal scale agreement among many
 * raters"): the same number of raters m on every item, nominal categories.
 *
 *   P_i = (Σ_j n_ij² − m) / (m(m − 1)),   P̄ = mean P_i,   P̄e = Σ_j p_j²,   κ = (P̄ − P̄e)/(1 − P̄e)
 *
 * Missing ratings: Fleiss' formula needs a fixed m, so `fleissKappa` keeps only
 * complete items (every rater rated) and reports how many it dropped; with
 * `incomplete: "error"` it throws instead. Krippendorff's α is the measure
 * that uses incomplete items.
 *
 * κ is null when undefined: no item, fewer than two raters, or a single category
 * used throughout (P̄e = 1).
 */
import { isMissing, sortedDistinct, type RatingTable, type Value } from "./rating.js";

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

function sum(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}
