/**
 * Each judge's verdict on a pair (docs/records.md "Pair" `judges`), and the
 * judges that cannot give one (`incomplete`).
 *
 * - A judge that scored both sides on at least one criterion prefers the side
 *   with the higher weighted score over the criteria it scored on both.
 * - A pairwise comparison of the pair's two candidates (a human's A vs B) is
 *   that judge's verdict, stated rather than computed: its `prefers` and
 *   per-criterion `criteria` come from the comparison, `basis: "comparison"`;
 *   scores the same judge gave both sides are kept alongside.
 * - A judge whose scores reach only one side, with no comparison, has no
 *   preference and no verdict. A human judge in that state is listed under
 *   `incomplete` (its scores still count in that side's aggregate): it is an
 *   annotation not finished yet, which `dpo annotate` can complete. (An LLM or
 *   offline judge that could not score a side says why in its `unscored`
 *   judgements on the candidate.)
 */
import type { Comparison, Preference } from "../judge/human-pairwise.js";
import type { RubricSummary } from "../rubric/model.js";
import { weighted, type CandidateScore } from "./aggregate.js";

export type Side = "chosen" | "rejected" | "tie";

export interface Verdict {
  judge: string;
  prefers: Side;
  chosen: number | null;
  rejected: number | null;
  scores: Record<string, { chosen: number; rejected: number }>;
  /** Stated per-criterion preferences (comparisons only). */
  criteria?: Record<string, Side>;
  basis?: "comparison";
}

/**
 * A reward model's direction, from its reward difference. No `chosen`/`rejected`
 * scores: a raw reward is not on the rubric's scale, so it votes on direction
 * only (agreement counts it in shares, disputes and κ, not in α or spread);
 * the raw rewards are kept under `reward`.
 */
export interface RewardVerdict {
  judge: string;
  kind: "reward-model";
  prefers: Side;
  reward: { chosen: number; rejected: number; margin: number };
}

export interface Incomplete {
  judge: string;
  /** The criteria this judge scored on each side (no criterion on both). */
  chosen: string[];
  rejected: string[];
}

const round = (x: number) => Math.round(x * 10_000) / 10_000;

/** The verdicts (by judge id) and the judges left incomplete. */
export function judgeVerdicts(
  chosen: CandidateScore,
  rejected: CandidateScore,
  rubric: RubricSummary,
  comparisons: readonly Comparison[],
): { judges: (Verdict | RewardVerdict)[]; incomplete: Incomplete[] } {
  const stated = new Map(comparisons.filter((c) => compares(c, chosen, rejected)).map((c) => [c.judge, c]));
  const names = [...new Set([...chosen.byJudge.keys(), ...rejected.byJudge.keys(), ...stated.keys()])].sort();
  const judges: Verdict[] = [];
  const incomplete: Incomplete[] = [];
  for (const judge of names) {
    const fromScores = scoredVerdict(judge, chosen.byJudge.get(judge) ?? {}, rejected.byJudge.get(judge) ?? {}, rubric);
    const comparison = stated.get(judge);
    if (comparison) judges.push(statedVerdict(judge, comparison, chosen.candidate.id, fromScores));
    else if (fromScores) judges.push(fromScores);
    else if (isHuman(judge, chosen, rejected)) incomplete.push({ judge, chosen: scoredCriteria(chosen, judge, rubric), rejected: scoredCriteria(rejected, judge, rubric) });
  }
  const all = [...judges, ...rewardVerdicts(chosen, rejected)].sort((a, b) => (a.judge < b.judge ? -1 : a.judge > b.judge ? 1 : 0));
  return { judges: all, incomplete };
}

function rewardVerdicts(chosen: CandidateScore, rejected: CandidateScore): RewardVerdict[] {
  const out: RewardVerdict[] = [];
  for (const [judge, c] of [...chosen.rewards].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const r = rejected.rewards.get(judge);
    if (r === undefined) continue;
    const prefers = Math.abs(c - r) < 1e-9 ? "tie" : c > r ? "chosen" : "rejected";
    out.push({ judge, kind: "reward-model", prefers, reward: { chosen: round(c), rejected: round(r), margin: round(c - r) } });
  }
  return out;
}

function isHuman(judge: string, ...sides: CandidateScore[]): boolean {
  return sides.some((s) => (s.candidate.judgements ?? []).some((j) => j.judge === judge && j.kind === "human"));
}

function scoredCriteria(s: CandidateScore, judge: string, rubric: RubricSummary): string[] {
  const scores = s.byJudge.get(judge) ?? {};
  return rubric.criteria.map((c) => c.id).filter((id) => scores[id] !== undefined);
}

/** Whether a comparison is about exactly these two candidates (in either order). */
export function compares(c: Comparison, chosen: CandidateScore, rejected: CandidateScore): boolean {
  const ids = [chosen.candidate.id, rejected.candidate.id];
  return ids.includes(c.a) && ids.includes(c.b);
}

function scoredVerdict(judge: string, c: Record<string, number>, r: Record<string, number>, rubric: RubricSummary): Verdict | undefined {
  const shared = rubric.criteria.map((x) => x.id).filter((id) => c[id] !== undefined && r[id] !== undefined);
  if (shared.length === 0) return undefined;
  const pick = (s: Record<string, number>) => Object.fromEntries(shared.map((id) => [id, s[id]!]));
  const cw = weighted(pick(c), rubric)!;
  const rw = weighted(pick(r), rubric)!;
  const prefers = Math.abs(cw - rw) < 1e-9 ? "tie" : cw > rw ? "chosen" : "rejected";
  const scores = Object.fromEntries(shared.map((id) => [id, { chosen: c[id]!, rejected: r[id]! }]));
  return { judge, prefers, chosen: round(cw), rejected: round(rw), scores };
}

function statedVerdict(judge: string, c: Comparison, chosenId: string, fromScores: Verdict | undefined): Verdict {
  const side = (p: Preference): Side => (p === "tie" ? "tie" : (p === "a") === (c.a === chosenId) ? "chosen" : "rejected");
  const criteria = Object.fromEntries(Object.entries(c.criteria).map(([id, p]) => [id, side(p)]));
  return {
    judge,
    prefers: side(c.preference),
    chosen: fromScores?.chosen ?? null,
    rejected: fromScores?.rejected ?? null,
    scores: fromScores?.scores ?? {},
    criteria,
    basis: "comparison",
  };
}

/** The rationales of the comparisons behind stated verdicts: `{judge, criterion, comparison}` (criterion `overall` for the whole). */
export function comparisonRationales(comparisons: readonly Comparison[], chosen: CandidateScore, rejected: CandidateScore) {
  return comparisons
    .filter((c) => compares(c, chosen, rejected))
    .flatMap((c) => Object.entries(c.rationale).filter(([, text]) => text !== "").map(([criterion, text]) => ({ judge: c.judge, criterion, comparison: text })));
}

/** e.g. "human:ana prefers rejected", one part per stated verdict, for the pair's reason. */
export function statedReasons(judges: readonly (Verdict | RewardVerdict)[]): string[] {
  return judges.filter((j): j is Verdict => "basis" in j && j.basis === "comparison").map((j) => (j.prefers === "tie" ? `${j.judge} sees a tie` : `${j.judge} prefers ${j.prefers}`));
}
