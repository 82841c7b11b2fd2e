/**
 * How much the judges of one pair back it.
 *
 * - `share`: the fraction of judges that prefer the chosen side, a tie counting
 *   half (a judge who sees no difference neither backs nor opposes the pair).
 * - `spread`: the population standard deviation of the judges' margins
 *   (their aggregate chosen − rejected score); null when no judge gave both.
 * - per criterion: the same share computed from each judge's criterion scores
 *   (higher chosen score = backs, equal = half, lower = opposes), or from the
 *   preference a pairwise judge stated for that criterion.
 * - `disputed`: unless a STRICT majority of the pair's judges prefer the chosen
 *   side (more than half of them; a tie is not a vote for it), or when share <
 *   minShare (a stricter rule: minShare = 1 demands unanimity); with
 *   `criterionDisputes: "dispute"` also when any criterion's share is below
 *   minShare. With two judges the pair stands only when both prefer chosen:
 *   a one-one split (chosen/rejected) and a backer against an abstainer
 *   (chosen/tie) are both disputed. A pair with no judge is not disputed.
 * - `dispute` (only on a disputed pair) says why: `split` (as many judges
 *   against as for), `outvoted` (more against), `abstentions` (more for than
 *   against, but not a majority of all judges, the rest tie), `minShare` (a
 *   majority, but share below minShare) or `criterion` (only a criterion).
 */
import type { JudgedPair, Judgement, SidePair } from "./judged-pair.js";

export interface CriterionAgreement {
  share: number;
  /** Judges that scored both sides on this criterion. */
  judges: number;
  disputed: boolean;
}

export interface PairAgreement {
  judges: number;
  /** null when the pair has no judge. */
  share: number | null;
  spread: number | null;
  disputed: boolean;
  /** Why the pair is disputed; present only when it is. */
  dispute?: DisputeReason;
  criteria: Record<string, CriterionAgreement>;
}

export const DISPUTE_REASONS = ["split", "outvoted", "abstentions", "minShare", "criterion"] as const;
export type DisputeReason = (typeof DISPUTE_REASONS)[number];

export interface DisputeRule {
  minShare: number;
  criterionDisputes: "report" | "dispute";
}

const VOTE = { chosen: 1, tie: 0.5, rejected: 0 } as const;

export function pairAgreement(pair: JudgedPair, rule: DisputeRule): PairAgreement {
  const share = mean(pair.judges.map((j) => VOTE[j.prefers]));
  const margins = pair.judges.flatMap((j) => (hasBoth(j) ? [j.chosen - j.rejected] : []));
  const criteria: Record<string, CriterionAgreement> = {};
  for (const criterion of pair.criteria) {
    const votes = pair.judges.flatMap((j) => criterionVote(j, criterion));
    if (votes.length === 0) continue;
    const criterionShare = mean(votes)!;
    criteria[criterion] = { share: criterionShare, judges: votes.length, disputed: criterionShare < rule.minShare };
  }
  const criterionDisputed = rule.criterionDisputes === "dispute" && Object.values(criteria).some((c) => c.disputed);
  const dispute = overallDispute(pair, share, rule) ?? (criterionDisputed ? "criterion" : undefined);
  const out: PairAgreement = {
    judges: pair.judges.length,
    share,
    spread: margins.length > 0 ? standardDeviation(margins) : null,
    disputed: dispute !== undefined,
    criteria,
  };
  if (dispute) out.dispute = dispute;
  return out;
}

/** Why the judges' verdicts dispute the pair, or undefined when a strict majority backs it (and share ≥ minShare). */
function overallDispute(pair: JudgedPair, share: number | null, rule: DisputeRule): DisputeReason | undefined {
  if (share === null) return undefined;
  const backers = pair.judges.filter((j) => j.prefers === "chosen").length;
  const opposers = pair.judges.filter((j) => j.prefers === "rejected").length;
  if (backers * 2 <= pair.judges.length) return backers === opposers ? "split" : backers < opposers ? "outvoted" : "abstentions";
  return share < rule.minShare ? "minShare" : undefined;
}

type Scored = { chosen: number; rejected: number };

/** A judge's vote on one criterion: its stated preference, else the sign of its score delta; none when it gave neither. */
function criterionVote(j: Judgement, criterion: string): number[] {
  const stated = j.stated[criterion];
  if (stated !== undefined) return [VOTE[stated]];
  const s = j.scores[criterion];
  return s !== undefined && hasBoth(s) ? [Math.sign(s.chosen - s.rejected) / 2 + 0.5] : [];
}

function hasBoth(s: SidePair): s is Scored {
  return s.chosen !== null && s.rejected !== null;
}

function mean(xs: readonly number[]): number | null {
  return xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length;
}

function standardDeviation(xs: readonly number[]): number {
  const m = mean(xs)!;
  return Math.sqrt(mean(xs.map((x) => (x - m) ** 2))!);
}
