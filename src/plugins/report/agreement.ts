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
import { JudgeStatisticsCollector, type JudgeStatistics } from "../quality/judge-statistics.js";
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

/** Takes the pairs one at a time; keeps the statistics' columns and a few numbers per criterion, not the pairs. */
export class AgreementSummaryCollector {
  private readonly stats = new JudgeStatisticsCollector();
  private readonly judges = new Set<string>();
  /** Criterion ids in order of first appearance over the pairs. */
  private readonly criteria = new Set<string>();
  /** Criterion → the shares pairs carry on it, and how many of those are disputed. */
  private readonly carried = new Map<string, { shares: number[]; disputed: number }>();
  /** Criterion → judges that scored both sides of some pair on it. */
  private readonly scorers = new Map<string, Set<string>>();
  private pairs = 0;
  private withAgreement = 0;

  constructor(
    private readonly stage: string,
    private readonly problem: (message: string, hint: string) => Diagnostic,
  ) {}

  add(rec: Rec): void {
    const pair = readJudgedPair(rec, this.stage, this.problem);
    this.stats.add(pair);
    this.pairs++;
    for (const c of pair.criteria) this.criteria.add(c);
    for (const j of pair.judges) {
      this.judges.add(j.judge);
      for (const [criterion, s] of Object.entries(j.scores)) if (scoredBoth(s)) setOf(this.scorers, criterion).add(j.judge);
    }
    if (!isObject(rec.agreement)) return;
    this.withAgreement++;
    const byCriterion = isObject(rec.agreement.criteria) ? rec.agreement.criteria : {};
    for (const [criterion, c] of Object.entries(byCriterion)) {
      if (!isObject(c) || typeof c.share !== "number") continue;
      const entry = this.carried.get(criterion) ?? this.carried.set(criterion, { shares: [], disputed: 0 }).get(criterion)!;
      entry.shares.push(c.share);
      if (c.disputed === true) entry.disputed++;
    }
  }

  /** Null without pairs. */
  summary(level: Level): AgreementSummary | null {
    if (this.pairs === 0) return null;
    const judges = [...this.judges].sort();
    const stats = judges.length >= 2 ? this.stats.statistics(judges, level) : null;
    const criteria = [...this.criteria].map((criterion) => {
      const carried = this.carried.get(criterion);
      const shares = [...(carried?.shares ?? [])].sort((a, b) => a - b); // sorted: a float sum depends on its order
      return {
        criterion,
        alpha: stats?.alpha.criteria[criterion]?.alpha ?? null,
        meanShare: shares.length ? shares.reduce((s, v) => s + v, 0) / shares.length : null,
        disputed: carried?.disputed ?? 0,
        judges: this.scorers.get(criterion)?.size ?? 0,
      };
    });
    return { judges, stats, criteria, withAgreement: this.withAgreement };
  }
}

function setOf(map: Map<string, Set<string>>, key: string): Set<string> {
  return map.get(key) ?? map.set(key, new Set()).get(key)!;
}

function scoredBoth(s: SidePair | undefined): boolean {
  return s !== undefined && s.chosen !== null && s.rejected !== null;
}
