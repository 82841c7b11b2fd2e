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
import { cohenKappa, pairwiseCohenKappa } from "../../src/plugins/quality/metrics/cohen-kappa.js";
import { fleissKappa, fleissKappaFromCounts } from "../../src/plugins/quality/metrics/fleiss-kappa.js";
import type { Rating } from "../../src/plugins/quality/metrics/rating.js";
import { seededRng } from "../../src/engine/rng.js";
import { krippendorffAlpha, LEVELS, LevelError } from "../../src/plugins/quality/metrics/krippendorff-alpha.js";
import * as former from "./former-metrics.js";

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

/**
 * Pairs shaped to stress the streamed statistics: integer scores (many ties) or
 * fine-grained ones, missing scores, judges absent from pairs, a criterion only
 * some judges score, candidates recurring across pairs (conflicts).
 */
function variedPairs(seed: string, count: number, judges: readonly string[], criteria: readonly string[], negative = false): JudgedPair[] {
  const rng = seededRng("judge-statistics", seed);
  const fine = rng.next() < 0.5;
  // A candidate's latent quality plus each judge's noise, so the judges agree somewhat.
  const score = (quality: number) => {
    if (rng.next() < 0.15) return null;
    const v = fine ? Math.round(quality * 100 + rng.int(150)) / 100 : Math.min(4, Math.floor(quality + rng.next() * 1.5));
    return negative && rng.next() < 0.01 ? -v - 1 : v;
  };
  const pool = count;
  return Array.from({ length: count }, (_, i) => {
    const [c, r] = [rng.int(pool), rng.int(pool)];
    const [qc, qr] = [(c * 7) % 4, (r * 7) % 4];
    const judgesHere = judges.filter(() => rng.next() < 0.85).map((judge) => ({
      judge,
      prefers: rng.next() < 0.2 ? SIDES[rng.int(3)]! : qc > qr ? "chosen" : qc < qr ? "rejected" : "tie",
      chosen: score(qc),
      rejected: score(qr),
      scores: Object.fromEntries(criteria.filter(() => rng.next() < 0.9).map((k) => [k, { chosen: score(qc), rejected: score(qr) }])),
      stated: {},
    }));
    // Candidate ids like the pipeline's (16 hex digits) and others.
    const id = (k: number) => (k % 3 === 0 ? `cand-${k}` : (k * 2654435761).toString(16).padStart(16, "0").slice(-16));
    return { id: `p${i}`, chosenId: id(c), rejectedId: id(r), criteria: [...criteria], judges: judgesHere, incomplete: [] };
  });
}

/** The statistics, or the error they end in, as comparable text (key order and every bit included). */
function outcome(compute: () => unknown): string {
  try {
    return JSON.stringify(compute(), (_k, v: unknown) => (typeof v === "number" ? `${Object.is(v, -0) ? "-0" : v}` : v));
  } catch (e) {
    return `${e instanceof LevelError ? "LevelError" : (e as Error).name}: ${(e as Error).message}`;
  }
}

describe("judgeStatistics from columns against the former table path", () => {
  const cases: [string, string[], string[]][] = [
    ["two judges, five criteria", ["gpt", "claude"], ["helpful", "honest", "harmless", "concise", "correct"]],
    ["three judges, one never judging", ["a", "b", "ghost"], ["x"]],
    ["four judges, unsorted, no criteria", ["d", "b", "c", "a"], []],
  ];
  it.each(cases)("%s: the same results at every level, to the last bit", (name, judges, criteria) => {
    for (const level of LEVELS) {
      const pairs = variedPairs(`${name}/${level}`, 1300, judges.filter((j) => j !== "ghost"), criteria);
      const got = outcome(() => judgeStatistics(pairs, judges, level));
      expect(got).toBe(outcome(() => former.judgeStatistics(pairs, judges, level)));
      expect(got).toMatch(/"alpha":"0\.\d+"/);
      expect(Number(JSON.parse(got).candidates)).toBeGreaterThan(1024);
    }
  });

  it("fails the same way on a score the level cannot take", () => {
    const pairs = variedPairs("negative", 800, ["a", "b"], ["x", "y"], true);
    const got = outcome(() => judgeStatistics(pairs, ["a", "b"], "ratio"));
    expect(got).toMatch(/^LevelError: ratio α needs non-negative numbers, got -/);
    expect(got).toBe(outcome(() => former.judgeStatistics(pairs, ["a", "b"], "ratio")));
    expect(outcome(() => judgeStatistics(pairs, ["a", "b"], "interval"))).toBe(outcome(() => former.judgeStatistics(pairs, ["a", "b"], "interval")));
  });

  it("gives the former results with no pairs, with one judge and with every pair unjudged", () => {
    const unjudged = variedPairs("unjudged", 50, [], ["x"]);
    for (const [pairs, judges] of [[[], ["a", "b"]], [variedPairs("one", 50, ["a"], ["x"]), ["a"]], [unjudged, ["a", "b"]]] as const) {
      for (const level of LEVELS) expect(outcome(() => judgeStatistics(pairs, judges, level))).toBe(outcome(() => former.judgeStatistics(pairs, judges, level)));
    }
  });
});

describe("the metrics' table API against the former implementations", () => {
  const rng = seededRng("metrics-oracle");
  const table = (units: number, raters: number, value: () => Rating): Rating[][] =>
    Array.from({ length: units }, () => Array.from({ length: raters - (rng.next() < 0.05 ? 1 : 0) }, () => (rng.next() < 0.2 ? null : value())));
  const numbers = () => (rng.next() < 0.5 ? rng.int(7) : rng.int(10_000) / 1000);
  const labels = () => ["yes", "no", "maybe", 3, "3"][rng.int(5)]!;

  it("Krippendorff's α at every level, numbers and labels", () => {
    for (let t = 0; t < 20; t++) {
      const numeric = table(300, 2 + rng.int(4), numbers);
      const labelled = table(300, 2 + rng.int(4), labels);
      for (const level of LEVELS) {
        expect(outcome(() => krippendorffAlpha(numeric, level))).toBe(outcome(() => former.krippendorffAlpha(numeric, level)));
        expect(outcome(() => krippendorffAlpha(labelled, level))).toBe(outcome(() => former.krippendorffAlpha(labelled, level)));
      }
    }
  });

  it("Fleiss' κ with incomplete items, and count tables", () => {
    for (let t = 0; t < 20; t++) {
      const ratings = table(300, 2 + rng.int(4), labels);
      expect(outcome(() => fleissKappa(ratings))).toBe(outcome(() => former.fleissKappa(ratings)));
      expect(outcome(() => fleissKappa(ratings, { incomplete: "error" }))).toBe(outcome(() => former.fleissKappa(ratings, { incomplete: "error" })));
      const counts = Array.from({ length: 200 }, () => [rng.int(3), rng.int(3), rng.int(3)]);
      expect(outcome(() => fleissKappaFromCounts(counts))).toBe(outcome(() => former.fleissKappaFromCounts(counts)));
      const even = counts.map((row) => [...row, 6 - row[0]! - row[1]! - row[2]!]);
      expect(outcome(() => fleissKappaFromCounts(even))).toBe(outcome(() => former.fleissKappaFromCounts(even)));
    }
  });

  it("Cohen's κ, weighted and with given categories", () => {
    for (let t = 0; t < 20; t++) {
      const [a, b] = [table(1, 400, labels)[0]!, table(1, 400, labels)[0]!].map((r) => r.slice(0, 399));
      for (const options of [{}, { weights: "linear" as const }, { weights: "quadratic" as const }, { categories: ["no", "maybe", "yes", 3, "3"] }, { categories: ["no", "yes"] }]) {
        expect(outcome(() => cohenKappa(a!, b!, options))).toBe(outcome(() => former.cohenKappa(a!, b!, options)));
        const ratings = { z: a!, y: b!, x: b!.map((r) => (r === "no" ? "yes" : r)) };
        expect(outcome(() => pairwiseCohenKappa(ratings, options))).toBe(outcome(() => former.pairwiseCohenKappa(ratings, options)));
      }
    }
  });
});
