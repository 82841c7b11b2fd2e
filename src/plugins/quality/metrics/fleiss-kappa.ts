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
import { isMissing, sortedDistinct, type Rating, type RatingTable, type Value } from "./rating.js";

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
  return fleissKappaOfRatings((visit) => ratings.forEach((row) => visit(row)), options);
}

/**
 * Rows of ratings visited in item order; κ walks them three times (raters,
 * categories, counts), and a row is only read during the call, so a source can
 * be a view of columns reusing one buffer.
 */
export type RatingSource = (visit: (row: readonly Rating[]) => void) => void;

/** κ from rows visited in order, with memory bounded by the categories: no table is built. */
export function fleissKappaOfRatings(forEachItem: RatingSource, options: FleissOptions = {}): FleissResult {
  let items = 0;
  let raters = 0;
  forEachItem((row) => {
    items++;
    raters = Math.max(raters, row.length);
  });
  const isComplete = (row: readonly Rating[]) => row.length === raters && !row.some(isMissing);
  let complete = 0;
  const used = new Set<Value>();
  forEachItem((row) => {
    if (!isComplete(row)) return;
    complete++;
    for (const r of row) used.add(r as Value);
  });
  const dropped = items - complete;
  if (dropped > 0 && options.incomplete === "error") {
    throw new RangeError(`Fleiss' κ needs every item rated by all ${raters} raters; ${dropped} item(s) are incomplete`);
  }
  const categories = sortedDistinct(used);
  const column = new Map(categories.map((c, j) => [c, j]));
  const counts = categories.map(() => 0);
  const result = fleissKappaOf((visit) =>
    forEachItem((row) => {
      if (!isComplete(row)) return;
      counts.fill(0);
      for (const r of row) counts[column.get(r as Value)!]!++;
      visit(counts);
    }),
  );
  return { ...result, dropped, categories };
}

/**
 * κ from a count table: counts[item][category] = how many raters put the item in
 * that category (the layout of Fleiss' paper). Every row must sum to the same m.
 */
export function fleissKappaFromCounts(counts: readonly (readonly number[])[]): Omit<FleissResult, "categories" | "dropped"> {
  return fleissKappaOf((visit) => counts.forEach((row) => visit(row)));
}

/**
 * Count rows visited in item order; a row is only read during the call, so a
 * source can reuse one buffer for every item.
 */
export type CountSource = (visit: (counts: readonly number[]) => void) => void;

/**
 * κ from count rows visited once, in item order, with memory bounded by the
 * categories: no table is built. P̄ is summed in item order and the category
 * totals row by row, as over a table, so both give the same bits.
 */
export function fleissKappaOf(forEachItem: CountSource): Omit<FleissResult, "categories" | "dropped"> {
  let items = 0;
  let raters = 0;
  let agreementSum = 0;
  let totals: number[] = [];
  forEachItem((row) => {
    const m = sum(row);
    if (items === 0) {
      raters = m;
      totals = row.map(() => 0);
    } else if (m !== raters) throw new RangeError(`item ${items + 1} has ${m} ratings, item 1 has ${raters}`);
    items++;
    agreementSum += (sum(row.map((n) => n * n)) - raters) / (raters * (raters - 1));
    for (let j = 0; j < totals.length; j++) totals[j]! += row[j] ?? 0;
  });
  if (items === 0 || raters < 2) return { kappa: null, observed: 0, expected: 0, items, raters };

  const observed = agreementSum / items;
  const categoryShare = totals.map((t) => t / (items * raters));
  const expected = sum(categoryShare.map((p) => p * p));
  const kappa = expected < 1 ? (observed - expected) / (1 - expected) : null;
  return { kappa, observed, expected, items, raters };
}

function sum(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}
