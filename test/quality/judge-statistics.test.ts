/**
 * The streaming collector must give exactly the statistics of the whole
 * table: a reference builds the candidate × scale × judge table in memory
 * (first score kept, conflicts counted, candidates never scored left out)
 * and the metrics must agree to the last bit, over more candidates than a
 * column's first allocation.
 */
import { describe, expect, it } from "vitest";
import type { JudgedPair, Side } from "../../src/plugins/quality/judged-pair.js";
import { judgeStatistics } from "../../src/plugins/quality/judge-statistics.js";
import { pairwiseCohenKappa } from "../../src/plugins/quality/metrics/cohen-kappa.js";
import { fleissKappa } from "../../src/plugins/quality/metrics/fleiss-kappa.js";
import { krippendorffAlpha } from "../../src/plugins/quality/metrics/krippendorff-alpha.js";
import type { Rating } from "../../src/plugins/quality/metrics/rating.js";
import { seededRng } from "../../src/engine/rng.js";

const JUDGES = ["a", "b", "c"];
const CRITERIA = ["x", "y"];
const SIDES: Side[] = ["chosen", "rejected", "tie"];

function randomPairs(count: number): JudgedPair[] {
  const rng = seededRng("judge-statistics");
  const score = () => (rng.next() < 0.1 ? null : 1 + rng.int(5) + (rng.next() < 0.3 ? rng.int(100) / 100 : 0));
  return Array.from({ length: count }, (_, i) => {
    // Candidates recur across pairs (so conflicts and first-score order matter); some judges are absent.
    const chosenId = `c${rng.int(count)}`;
    const rejectedId = `c${rng.int(count)}`;
    const judges = JUDGES.filter(() => rng.next() < 0.8).map((judge) => ({
      judge,
      prefers: SIDES[rng.int(3)]!,
      chosen: score(),
      rejected: score(),
      scores: Object.fromEntries(CRITERIA.filter(() => rng.next() < 0.9).map((c) => [c, { chosen: score(), rejected: score() }])),
      stated: {},
    }));
    return { id: `p${i}`, chosenId, rejectedId, criteria: [...CRITERIA].reverse(), judges, incomplete: [] };
  });
}

/** The whole table in nested maps, as the statistics are defined. */
function reference(pairs: JudgedPair[], judges: string[]) {
  const table = new Map<string, Map<string, Map<string, number>>>();
  let conflicts = 0;
  const put = (candidate: string, scale: string, judge: string, v: number | null) => {
    if (v === null) return;
    const byScale = table.get(candidate) ?? table.set(candidate, new Map()).get(candidate)!;
    const byJudge = byScale.get(scale) ?? byScale.set(scale, new Map()).get(scale)!;
    const earlier = byJudge.get(judge);
    if (earlier === undefined) byJudge.set(judge, v);
    else if (earlier !== v) conflicts++;
  };
  for (const p of pairs) {
    for (const j of p.judges) {
      for (const [side, candidate] of [["chosen", p.chosenId], ["rejected", p.rejectedId]] as const) {
        put(candidate, "", j.judge, j[side]);
        for (const [c, s] of Object.entries(j.scores)) put(candidate, c, j.judge, s[side]);
      }
    }
  }
  const alphaOn = (scale: string) => krippendorffAlpha([...table.values()].map((m) => judges.map((j) => m.get(scale)?.get(j) ?? null)), "interval");
  const directions = pairs.map((p) => judges.map((j): Rating => p.judges.find((x) => x.judge === j)?.prefers ?? null));
  return {
    candidates: table.size,
    conflicts,
    alpha: { overall: alphaOn(""), criteria: Object.fromEntries(["y", "x"].map((c) => [c, alphaOn(c)])) },
    fleiss: fleissKappa(directions),
    cohen: pairwiseCohenKappa(Object.fromEntries(judges.map((j, k) => [j, directions.map((row) => row[k])]))),
  };
}

describe("judgeStatistics (streaming collector)", () => {
  it("equals the statistics of the whole table, bit for bit, over 3,000 pairs", () => {
    const pairs = randomPairs(3000);
    const got = judgeStatistics(pairs, JUDGES, "interval");
    const want = reference(pairs, JUDGES);
    expect(got).toEqual({ judges: JUDGES, ...want });
    expect(want.conflicts).toBeGreaterThan(0);
    expect(want.candidates).toBeGreaterThan(1024);
  });

  it("leaves out a candidate no judge scored, and counts a changed score as a conflict", () => {
    const judge = (chosen: number | null, rejected: number | null) => ({ judge: "a", prefers: "chosen" as Side, chosen, rejected, scores: {}, stated: {} });
    const pairs: JudgedPair[] = [
      { id: "p1", chosenId: "k", rejectedId: "never", criteria: [], judges: [judge(4, null)], incomplete: [] },
      { id: "p2", chosenId: "k", rejectedId: "m", criteria: [], judges: [judge(3, 2)], incomplete: [] },
    ];
    const stats = judgeStatistics(pairs, ["a", "b"], "interval");
    expect(stats.candidates).toBe(2);
    expect(stats.conflicts).toBe(1);
  });
});
