/**
 * What the agreement metrics take as input. A rating is a category label or a
 * number; `null`/`undefined` (and NaN) mean "this rater did not rate this unit".
 * Data come as one array per unit, one slot per rater, so missing ratings keep
 * their position (Krippendorff's reliability matrix, transposed).
 */
export type Rating = number | string | null | undefined;

/** ratings[unit][rater]. */
export type RatingTable = readonly (readonly Rating[])[];

export type Value = number | string;

export function isMissing(r: Rating): r is null | undefined {
  return r === null || r === undefined || (typeof r === "number" && Number.isNaN(r));
}

/** The ratings of one unit that are present, in rater order. */
export function present(unit: readonly Rating[]): Value[] {
  return unit.filter((r): r is Value => !isMissing(r));
}

/** Distinct values in a stable order: numerically when all are numbers, else as strings. */
export function sortedDistinct(values: Iterable<Value>): Value[] {
  const distinct = [...new Set(values)];
  const numeric = distinct.every((v) => typeof v === "number");
  return numeric
    ? (distinct as number[]).sort((a, b) => a - b)
    : distinct.sort((a, b) => (String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0));
}
