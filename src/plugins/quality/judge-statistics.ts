/**
 * Agreement between judges over a whole set of pairs:
 * - Krippendorff's α on scores, with candidates as units and judges as raters:
 *   overall on each judge's aggregate score, and per criterion. A candidate in
 *   several pairs is one unit; a judge scoring it differently in two pairs is a
 *   conflict (the first score, in pair-id order, is kept and the conflict counted).
 * - Fleiss' κ on pair directions (chosen / rejected / tie), pairs as items; pairs
 *   not judged by every judge are left out and counted (Fleiss needs fixed raters).
 * - Cohen's κ on pair directions for every pair of judges, over the pairs both judged.
 *
 * Pairs stream through a collector that keeps only what the statistics need,
 * in flat columns: a slot per candidate with one score per (scale, judge), and
 * one direction code per (pair, judge). At the end the metrics walk views of
 * those columns (a reused buffer per unit, pair or pair of judges), so no
 * reliability table is built: the extra memory is the distinct values, not the
 * candidates or the pairs.
 */
import type { JudgedPair, Side } from "./judged-pair.js";
import { pairwiseCohenKappaOf, type PairwiseKappa, type RatingPairSource } from "./metrics/cohen-kappa.js";
import { fleissKappaOfRatings, type FleissResult, type RatingSource } from "./metrics/fleiss-kappa.js";
import { krippendorffAlphaOf, type AlphaResult, type Level, type UnitSource } from "./metrics/krippendorff-alpha.js";
import type { Rating } from "./metrics/rating.js";
import { Column } from "../stream/column.js";
import { CandidateSlots } from "./candidate-slots.js";

export interface JudgeStatistics {
  judges: string[];
  candidates: number;
  /** Candidate × judge × (overall | criterion) scores given twice with different values. */
  conflicts: number;
  alpha: { overall: AlphaResult; criteria: Record<string, AlphaResult> };
  fleiss: FleissResult;
  cohen: PairwiseKappa[];
}

/** The statistics of pairs held in memory (tests, the HTML report). */
export function judgeStatistics(pairs: readonly JudgedPair[], judges: readonly string[], level: Level): JudgeStatistics {
  const collector = new JudgeStatisticsCollector();
  for (const p of pairs) collector.add(p);
  return collector.statistics(judges, level);
}

/** The overall scale's key among criterion ids (which are never empty). */
const OVERALL = "";
const SIDES: readonly Side[] = ["chosen", "rejected", "tie"];

export class JudgeStatisticsCollector {
  /** Candidate id → its unit slot, in order of first score. */
  private readonly slots = new CandidateSlots();
  /** Scale → judge → score per candidate slot (NaN: none). */
  private readonly scores = new Map<string, Map<string, Column<Float64Array>>>();
  /** Judge → direction per pair (an index into SIDES; -1: not judged). */
  private readonly directions = new Map<string, Column<Int32Array>>();
  /** Criterion ids in order of first appearance over the pairs. */
  private readonly criteria = new Set<string>();
  private pairs = 0;
  private conflicts = 0;

  add(pair: JudgedPair): void {
    for (const c of pair.criteria) this.criteria.add(c);
    for (const j of pair.judges) {
      this.direction(j.judge).set(this.pairs, SIDES.indexOf(j.prefers));
      for (const [side, candidate] of [["chosen", pair.chosenId], ["rejected", pair.rejectedId]] as const) {
        this.put(candidate, OVERALL, j.judge, j[side]);
        for (const [criterion, s] of Object.entries(j.scores)) this.put(candidate, criterion, j.judge, s[side]);
      }
    }
    this.pairs++;
  }

  statistics(judges: readonly string[], level: Level): JudgeStatistics {
    return {
      judges: [...judges],
      candidates: this.slots.size,
      conflicts: this.conflicts,
      alpha: { overall: this.alphaOn(OVERALL, judges, level), criteria: Object.fromEntries([...this.criteria].map((c) => [c, this.alphaOn(c, judges, level)])) },
      fleiss: fleissKappaOfRatings(this.directionRows(judges)),
      cohen: pairwiseCohenKappaOf(judges, (a, b) => this.directionPairs(a, b)),
    };
  }

  private alphaOn(scale: string, judges: readonly string[], level: Level): AlphaResult {
    return krippendorffAlphaOf(this.units(scale, judges), level);
  }

  /** Each candidate slot's scores on a scale, in judge order, missing ones left out. */
  private units(scale: string, judges: readonly string[]): UnitSource {
    const byJudge = judges.map((j) => this.scores.get(scale)?.get(j));
    const values: number[] = [];
    return (visit) => {
      for (let slot = 0; slot < this.slots.size; slot++) {
        values.length = 0;
        for (const column of byJudge) {
          const v = column?.get(slot);
          if (v !== undefined && !Number.isNaN(v)) values.push(v);
        }
        visit(values);
      }
    };
  }

  /** Each pair's directions, one slot per judge (null: not judged). */
  private directionRows(judges: readonly string[]): RatingSource {
    const byJudge = judges.map((j) => this.directions.get(j));
    const row: Rating[] = judges.map(() => null);
    return (visit) => {
      for (let i = 0; i < this.pairs; i++) {
        for (let k = 0; k < byJudge.length; k++) row[k] = side(byJudge[k]?.get(i));
        visit(row);
      }
    };
  }

  /** Two judges' directions, pair by pair. */
  private directionPairs(a: string, b: string): RatingPairSource {
    const [first, second] = [this.directions.get(a), this.directions.get(b)];
    return (visit) => {
      for (let i = 0; i < this.pairs; i++) visit(side(first?.get(i)), side(second?.get(i)));
    };
  }

  /** A candidate gets its slot with its first score: one never scored is no unit. */
  private put(candidate: string, scale: string, judge: string, value: number | null): void {
    if (value === null) return;
    const slot = this.slots.slotOf(candidate);
    let byJudge = this.scores.get(scale);
    if (!byJudge) this.scores.set(scale, (byJudge = new Map()));
    let column = byJudge.get(judge);
    if (!column) byJudge.set(judge, (column = new Column((n) => new Float64Array(n), NaN)));
    const earlier = column.get(slot);
    if (Number.isNaN(earlier)) column.set(slot, value);
    else if (earlier !== value) this.conflicts++;
  }

  private direction(judge: string): Column<Int32Array> {
    let column = this.directions.get(judge);
    if (!column) this.directions.set(judge, (column = new Column((n) => new Int32Array(n), -1)));
    return column;
  }
}

const side = (code: number | undefined): Rating => (code === undefined || code < 0 ? null : SIDES[code]!);
