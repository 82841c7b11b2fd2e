/**
 * Agreement between judges over a whole set of pairs:
 * - Krippendorff's α on scores, with candidates as units and judges as raters:
 *   overall on each judge's aggregate score, and per criterion. A candidate in
 *   several pairs is one unit; a judge scoring it differently in two pairs is a
 *   conflict (the first score, in pair-id order, is kept and the conflict counted).
 * - Fleiss' κ on pair directions (chosen / rejected / tie), pairs as items; pairs
 *   not judged by every judge are left out and counted (Fleiss needs fixed raters).
 * - Cohen's κ on pair directions for every pair of judges, over the pairs both judged.
 */
import type { JudgedPair } from "./judged-pair.js";
import { pairwiseCohenKappa, type PairwiseKappa } from "./metrics/cohen-kappa.js";
import { fleissKappa, type FleissResult } from "./metrics/fleiss-kappa.js";
import { krippendorffAlpha, type AlphaResult, type Level } from "./metrics/krippendorff-alpha.js";
import type { Rating } from "./metrics/rating.js";

export interface JudgeStatistics {
  judges: string[];
  candidates: number;
  /** Candidate × judge × (overall | criterion) scores given twice with different values. */
  conflicts: number;
  alpha: { overall: AlphaResult; criteria: Record<string, AlphaResult> };
  fleiss: FleissResult;
  cohen: PairwiseKappa[];
}

const OVERALL = Symbol("overall");
type Scale = typeof OVERALL | string;

export function judgeStatistics(pairs: readonly JudgedPair[], judges: readonly string[], level: Level): JudgeStatistics {
  const { table, conflicts } = scoreTable(pairs);
  const criteria = [...new Set(pairs.flatMap((p) => p.criteria))];
  const alphaOn = (scale: Scale) =>
    krippendorffAlpha([...table.values()].map((byScale) => judges.map((j) => byScale.get(scale)?.get(j) ?? null)), level);

  const directions = pairs.map((p) => {
    const byJudge = new Map(p.judges.map((j) => [j.judge, j.prefers]));
    return judges.map((j): Rating => byJudge.get(j) ?? null);
  });
  const perJudge = Object.fromEntries(judges.map((j, k) => [j, directions.map((row) => row[k])]));

  return {
    judges: [...judges],
    candidates: table.size,
    conflicts,
    alpha: { overall: alphaOn(OVERALL), criteria: Object.fromEntries(criteria.map((c) => [c, alphaOn(c)])) },
    fleiss: fleissKappa(directions),
    cohen: pairwiseCohenKappa(perJudge),
  };
}

/** candidate id → scale → judge → score. */
function scoreTable(pairs: readonly JudgedPair[]) {
  const table = new Map<string, Map<Scale, Map<string, number>>>();
  let conflicts = 0;
  const put = (candidate: string, scale: Scale, judge: string, score: number | null) => {
    if (score === null) return;
    const byScale = table.get(candidate) ?? table.set(candidate, new Map()).get(candidate)!;
    const byJudge = byScale.get(scale) ?? byScale.set(scale, new Map()).get(scale)!;
    const earlier = byJudge.get(judge);
    if (earlier === undefined) byJudge.set(judge, score);
    else if (earlier !== score) conflicts++;
  };
  for (const pair of pairs) {
    for (const j of pair.judges) {
      for (const [side, candidate] of [["chosen", pair.chosenId], ["rejected", pair.rejectedId]] as const) {
        put(candidate, OVERALL, j.judge, j[side]);
        for (const [criterion, s] of Object.entries(j.scores)) put(candidate, criterion, j.judge, s[side]);
      }
    }
  }
  return { table, conflicts };
}
