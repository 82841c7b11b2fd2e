/**
 * A pairwise judge's entry in a pair's `judges` list (docs/records.md "Pair"):
 *   { judge, kind: "pairwise", mode, prefers, consistent, verdicts: {<criterion | "overall">: …} }
 * With mode `overall` the pair verdict is the overall question's verdict. Per
 * criterion it is a vote weighted by the rubric's weights: each consistent
 * criterion verdict counts +1 (chosen), −1 (rejected) or 0 (tie); a
 * position-inconsistent or unanswered one counts 0. `consistent` is true when
 * every answered question got the same side in both orders. The entry has no
 * `chosen`/`rejected` scores: it votes on direction only, so agreement counts
 * it in shares, disputes and κ but not in score statistics (α, spread).
 */
import type { Rubric } from "../rubric/model.js";
import type { PairwiseMode } from "./pairwise-config.js";
import type { QuestionOutcome, Side } from "./pairwise-judge.js";
import { OVERALL } from "./pairwise-prompt.js";

const VOTE: Record<Side, number> = { chosen: 1, tie: 0, rejected: -1 };

/** The entry, or undefined when no question was answered in both orders (the judge then casts no vote). */
export function pairwiseEntry(judge: string, mode: PairwiseMode, rubric: Rubric, outcomes: Record<string, QuestionOutcome>): Record<string, unknown> | undefined {
  const answered = Object.values(outcomes).filter((o) => !("unanswered" in o));
  if (answered.length === 0) return undefined;
  const consistent = answered.every((o) => "consistent" in o && o.consistent);
  const prefers = mode === "overall" ? decided(outcomes[OVERALL]) : weightedVote(rubric, outcomes);
  return { judge, kind: "pairwise", mode, prefers, consistent, verdicts: outcomes };
}

function decided(o: QuestionOutcome | undefined): Side {
  return o && "prefers" in o ? o.prefers : "tie";
}

function weightedVote(rubric: Rubric, outcomes: Record<string, QuestionOutcome>): Side {
  let sum = 0;
  for (const c of rubric.criteria) sum += c.weight * VOTE[decided(outcomes[c.id])];
  return Math.abs(sum) < 1e-9 ? "tie" : sum > 0 ? "chosen" : "rejected";
}
