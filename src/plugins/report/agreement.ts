/**
 * Agreement between judges over the report's widest set of pairs, computed
 * exactly as quality/agreement computes it (the same modules), so the report
 * and `reports/agreement.json` agree: Krippendorff's α per criterion, Cohen's κ
 * per pair of judges, Fleiss' κ; plus, from the records' `agreement`, the mean
 * share and the number of disputed pairs per criterion.
 */
import type { Diagnostic } from "../../engine/diagnostic.js";
import type { Rec } from "../../engine/plugin.js";
import { readJudgedPair, type SidePair } from "../quality/judged-pair.js";
import { judgeStatistics, type JudgeStatistics } from "../quality/judge-statistics.js";
import type { Level } from "../quality/metrics/krippendorff-alpha.js";
import { isObject } from "./inputs.js";

export interface CriterionAgreement {
  criterion: string;
  alpha: number | null;
  /** Mean share of judges backing the chosen side on this criterion, over pairs that carry it. */
  meanShare: number | null;
  disputed: number;
  /** Judges that scored both sides of some pair on it. */
  judges: number;
}

export interface AgreementSummary {
  judges: string[];
  /** Null with fewer than two judges: nothing to compare. */
  stats: JudgeStatistics | null;
  criteria: CriterionAgreement[];
  /** Pairs carrying `agreement`: what mean shares and dispute counts are over. */
  withAgreement: number;
}

export function agreementSummary(pairs: readonly Rec[], stage: string, level: Level, problem: (message: string, hint: string) => Diagnostic): AgreementSummary {
  const judged = pairs.map((rec) => readJudgedPair(rec, stage, problem));
  const judges = [...new Set(judged.flatMap((p) => p.judges.map((j) => j.judge)))].sort();
  const stats = judges.length >= 2 ? judgeStatistics(judged, judges, level) : null;
  const ids = [...new Set(judged.flatMap((p) => p.criteria))];
  const criteria = ids.map((criterion) => {
    const carried = pairs.flatMap((p) => {
      const c = isObject(p.agreement) && isObject(p.agreement.criteria) ? p.agreement.criteria[criterion] : undefined;
      return isObject(c) && typeof c.share === "number" ? [c] : [];
    });
    const shares = carried.map((c) => c.share as number).sort((a, b) => a - b);
    return {
      criterion,
      alpha: stats?.alpha.criteria[criterion]?.alpha ?? null,
      meanShare: shares.length ? shares.reduce((s, v) => s + v, 0) / shares.length : null,
      disputed: carried.filter((c) => c.disputed === true).length,
      judges: new Set(judged.flatMap((p) => p.judges.filter((j) => scoredBoth(j.scores[criterion])).map((j) => j.judge))).size,
    };
  });
  return { judges, stats, criteria, withAgreement: pairs.filter((p) => isObject(p.agreement)).length };
}

function scoredBoth(s: SidePair | undefined): boolean {
  return s !== undefined && s.chosen !== null && s.rejected !== null;
}
