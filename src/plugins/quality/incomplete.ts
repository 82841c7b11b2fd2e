/**
 * Judges that scored only one side of pairs: they give those pairs no verdict
 * (pair/verdicts.ts), so agreement cannot count them there. How often that
 * happens, per judge, is reported rather than hidden — typically an annotator
 * who has scored one candidate of a pair and not yet the other.
 */
import type { JudgedPair } from "./judged-pair.js";

/** Judge → pairs where it is incomplete; empty when every judge reached both sides. */
export function incompleteByJudge(pairs: readonly JudgedPair[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of pairs) for (const judge of p.incomplete) out[judge] = (out[judge] ?? 0) + 1;
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}

export function incompleteWarning(byJudge: Record<string, number>): string {
  const listed = Object.entries(byJudge).map(([j, n]) => `${j} on ${n} pair${n === 1 ? "" : "s"}`);
  return `judges that scored only one side of a pair give it no verdict: ${listed.join(", ")} (listed under \`incomplete\` on those pairs)`;
}
