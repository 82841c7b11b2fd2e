/**
 * What each candidate's judgements cost, by judge: collected as the LLM and
 * reward-model judges answer (in any order), then put on the candidate as
 * `cost: {"judge:<id>": {calls, prompt, completion, …}}` next to whatever cost
 * it already carried (its generation's `generate`, an earlier judge stage's),
 * keys sorted so the record does not depend on which judge finished first.
 * The export sums these per prompt (export/cost.ts). Offline and human judges
 * cost nothing and add nothing, so their records are unchanged.
 */
import type { RecordCost } from "../../providers/record-cost.js";

export class JudgeCosts {
  private readonly byCandidate = new Map<string, Map<string, RecordCost>>();

  /** A sink for one candidate's cost at one judge. */
  sink(candidateId: string, judgeId: string): (cost: RecordCost) => void {
    return (cost) => {
      let costs = this.byCandidate.get(candidateId);
      if (!costs) this.byCandidate.set(candidateId, (costs = new Map()));
      costs.set(`judge:${judgeId}`, cost);
    };
  }

  /** The candidate with its judges' costs added to its `cost`, or as it was when none of its judges cost anything. */
  withCosts<C extends { id: string; cost?: unknown }>(candidate: C): C {
    const mine = this.byCandidate.get(candidate.id);
    if (!mine) return candidate;
    const carried = typeof candidate.cost === "object" && candidate.cost !== null ? (candidate.cost as Record<string, unknown>) : {};
    const merged: Record<string, unknown> = { ...carried, ...Object.fromEntries(mine) };
    const sorted = Object.fromEntries(Object.keys(merged).sort().map((k) => [k, merged[k]]));
    return { ...candidate, cost: sorted };
  }

  /** Drops what was collected for these candidates, once their records are out: the stage streams. */
  forget(candidateIds: readonly string[]): void {
    for (const id of candidateIds) this.byCandidate.delete(id);
  }
}
