/**
 * Growing admission: a build that admits the first K root records, looks at
 * what came out, and admits more until its caller's target is met. The engine
 * knows nothing of the target (an export iteration's pair count): the caller's
 * `Growth` reads the outcomes and names the next K. Earlier records cost
 * nothing the second time: their item work is in the memo.
 */
import type { StageOutcome } from "../executor/outcome.js";

export interface Round {
  /** Root records admitted in this round, of `total`. */
  admitted: number;
  total: number;
  outcomes: readonly StageOutcome[];
}

export interface Growth {
  /** Root records to admit in the first round. */
  first: number;
  /** After a round: how many to admit next (more than `admitted`), or "done" when the target is met. */
  next(round: Round): number | "done";
}

export type AdmissionSummary = Omit<Round, "outcomes">;

/** Runs rounds with `runRound(K)` until `growth` says done, every root record is admitted, or a round fails. */
export async function grow<R extends { ok: boolean; interrupted: boolean; outcomes: StageOutcome[]; admission?: AdmissionSummary }>(
  growth: Growth,
  runRound: (admit: number) => Promise<R>,
): Promise<R & { rounds: AdmissionSummary[] }> {
  const rounds: AdmissionSummary[] = [];
  let admit = Math.max(1, growth.first);
  for (;;) {
    const result = await runRound(admit);
    const a = result.admission ?? { admitted: admit, total: admit };
    rounds.push({ admitted: a.admitted, total: a.total });
    if (!result.ok || result.interrupted || a.admitted >= a.total) return { ...result, rounds };
    const next = growth.next({ ...a, outcomes: result.outcomes });
    if (next === "done") return { ...result, rounds };
    admit = Math.max(next, a.admitted + 1);
  }
}
