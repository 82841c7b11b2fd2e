/**
 * The diagnostic columns an export adds with `extras`: the pair's identity and
 * how it was judged. Named so none collides with a column TRL reads (TRL's
 * RewardTrainer uses a `margin` column as a loss margin, so the score delta is
 * `score_margin`). An optional column is written only when every exported pair
 * has it, so every row has the same columns and none is null (a null in a
 * numeric column breaks TRL's collator).
 */
import type { ExportPair } from "./pairs.js";

type Column = (p: ExportPair) => string | number | boolean | undefined;

/** Every diagnostic column in the order written; the first three are always present. */
export const DIAGNOSTIC_COLUMNS: Readonly<Record<string, Column>> = {
  pair_id: (p) => p.id,
  prompt_id: (p) => p.promptId,
  stratum: (p) => p.stratum,
  chosen_model: (p) => p.chosen.model,
  rejected_model: (p) => p.rejected.model,
  score_chosen: (p) => p.chosen.score,
  score_rejected: (p) => p.rejected.score,
  score_margin: (p) => p.margin,
  reason: (p) => p.reason,
  agreement_share: (p) => p.agreement?.share,
  disputed: (p) => p.agreement?.disputed,
};

/** The numeric diagnostic columns (pinned to float64 in the dataset card). */
export const SCORE_COLUMNS = ["score_chosen", "score_rejected", "score_margin", "agreement_share"] as const;

/** The diagnostic columns every one of `pairs` has a value for. */
export function columnsFor(pairs: readonly ExportPair[]): string[] {
  return Object.entries(DIAGNOSTIC_COLUMNS)
    .filter(([, value]) => pairs.every((p) => value(p) !== undefined && value(p) !== null))
    .map(([name]) => name);
}

export function diagnosticColumns(p: ExportPair, columns: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(columns.map((c) => [c, DIAGNOSTIC_COLUMNS[c]!(p)]));
}
