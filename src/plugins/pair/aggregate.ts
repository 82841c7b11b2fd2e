/**
 * From judgements to one number per candidate. For each criterion the judges'
 * scores are combined (mean or median; unscored values ignored), then the
 * criteria are weighted by the rubric. Only criteria with at least one score
 * take part, with their weights renormalised. A gated criterion below its gate,
 * or with no score at all, keeps the candidate from being chosen: a gate that
 * cannot be checked is not passed.
 *
 * Reward-model judgements (kind "reward-model", a raw reward rather than a
 * score on the rubric's scale) never enter these means: they are kept apart,
 * per judge. A candidate no rubric-scale judge scored, but a reward model did,
 * is ranked by its mean reward instead (`basis: "reward"`); pair/preference
 * never compares candidates of different bases.
 */
import type { RubricSummary } from "../rubric/model.js";
import type { Judgement } from "../judge/judgement.js";

export type JudgeAggregate = "mean" | "median";

export interface JudgedCandidate {
  id: string;
  text: string;
  model?: string;
  judgements?: Judgement[];
  [field: string]: unknown;
}

export interface GateFailure {
  criterion: string;
  /** The judge-aggregated score, or null when no judge scored it. */
  score: number | null;
  gate: number;
}

export interface CandidateScore {
  candidate: JudgedCandidate;
  /** Criterion → judge-aggregated score (scored criteria only). */
  criteria: Record<string, number>;
  aggregate: number;
  /** Judge → criterion → score. */
  byJudge: Map<string, Record<string, number>>;
  gateFailures: GateFailure[];
  /** Reward-model judge → raw reward. */
  rewards: Map<string, number>;
  /** What `aggregate` is: the rubric's weighted score, or the mean raw reward. */
  basis: "rubric" | "reward";
}

export function combine(values: number[], how: JudgeAggregate): number {
  if (how === "mean") return values.reduce((a, b) => a + b, 0) / values.length;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The weighted mean of the given criterion scores, or undefined when none is scored. */
export function weighted(scores: Record<string, number>, rubric: RubricSummary): number | undefined {
  let sum = 0;
  let weight = 0;
  for (const c of rubric.criteria) {
    const s = scores[c.id];
    if (s === undefined) continue;
    sum += c.weight * s;
    weight += c.weight;
  }
  return weight > 0 ? sum / weight : undefined;
}

/** The candidate's scores, or undefined when no judge scored it on anything. */
export function scoreCandidate(
  candidate: JudgedCandidate,
  rubric: RubricSummary,
  how: JudgeAggregate,
  useJudge: (judge: string) => boolean,
): CandidateScore | undefined {
  const byJudge = new Map<string, Record<string, number>>();
  const byCriterion = new Map<string, number[]>();
  const rewards = new Map<string, number>();
  for (const j of candidate.judgements ?? []) {
    if (j.score === null || !useJudge(j.judge)) continue;
    if (j.kind === "reward-model") {
      rewards.set(j.judge, j.score);
      continue;
    }
    byJudge.set(j.judge, { ...byJudge.get(j.judge), [j.criterion]: j.score });
    byCriterion.set(j.criterion, [...(byCriterion.get(j.criterion) ?? []), j.score]);
  }
  const criteria: Record<string, number> = {};
  for (const c of rubric.criteria) {
    const values = byCriterion.get(c.id);
    if (values?.length) criteria[c.id] = combine(values, how);
  }
  const rubricAggregate = weighted(criteria, rubric);
  const basis = rubricAggregate === undefined ? "reward" : "rubric";
  const aggregate = rubricAggregate ?? (rewards.size > 0 ? combine([...rewards.values()], "mean") : undefined);
  if (aggregate === undefined) return undefined;
  const gateFailures: GateFailure[] = [];
  for (const c of rubric.criteria) {
    if (c.gate === undefined) continue;
    const score = criteria[c.id];
    if (score === undefined || score < c.gate) gateFailures.push({ criterion: c.id, score: score ?? null, gate: c.gate });
  }
  return { candidate, criteria, aggregate, byJudge, gateFailures, rewards, basis };
}

export const passesGates = (s: CandidateScore) => s.gateFailures.length === 0;
