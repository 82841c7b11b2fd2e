/**
 * Judges that scored only one side of pairs: they give those pairs no verdict
 * (pair/verdicts.ts), so agreement cannot count them there. How often that
 * happens, per judge, is reported rather than hidden — typically an annotator
 * who has scored one candidate of a pair and not yet the other.
 */
import type { JudgedPair } from "./judged-pair.js";

/** Judge → pairs where it is incomplete, counted pair by pair. */
export class IncompleteCount {
  private readonly counts: Record<string, number> = {};

  add(pair: JudgedPair): void {
    for (const judge of pair.incomplete) this.counts[judge] = (this.counts[judge] ?? 0) + 1;
  }

  /** In judge order; empty when every judge reached both sides. */
  byJudge(): Record<string, number> {
    return Object.fromEntries(Object.entries(this.counts).sort(([a], [b]) => (a < b ? -1 : 1)));
  }
}

export function incompleteWarning(byJudge: Record<string, number>): string {
  const listed = Object.entries(byJudge).map(([j, n]) => `${j} on ${n} pair${n === 1 ? "" : "s"}`);
  return `judges that scored only one side of a pair give it no verdict: ${listed.join(", ")} (listed under \`incomplete\` on those pairs)`;
}
