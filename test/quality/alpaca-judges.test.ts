/**
 * The metrics on real multi-rater data: three GPT-4 AlpacaEval annotators' preferences on
 * the same 805 instructions (test/fixtures/alpaca_eval_judges, see its README). Each
 * metric is checked against a value computed here a different way (naive enumeration of
 * value pairs, the exact α–κ identity, a direct 2×2-style count) and a sanity range.
 *
 * How preferences are read:
 * - categories (nominal α, Fleiss, Cohen): < 1.5 → "1" (output_1 wins), > 1.5 → "2",
 *   exactly 1.5 → "tie". The weighted judge's fractional value is rounded to the side
 *   it leans to, which is what AlpacaEval's own win-rate does.
 * - interval α: the raw value in [1, 2], so the weighted judge's confidence counts.
 * - 0 (only on the 16 rows whose two outputs are identical) is a missing rating.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { cohenKappa, pairwiseCohenKappa } from "../../src/plugins/quality/metrics/cohen-kappa.js";
import { fleissKappa } from "../../src/plugins/quality/metrics/fleiss-kappa.js";
import { krippendorffAlpha } from "../../src/plugins/quality/metrics/krippendorff-alpha.js";
import type { Rating } from "../../src/plugins/quality/metrics/rating.js";

const csv = readFileSync(new URL("../fixtures/alpaca_eval_judges/preferences.csv", import.meta.url), "utf8");
const [header, ...lines] = csv.trim().split("\n");
const judges = header!.split(",").slice(2);
const raw: (number | null)[][] = lines.map((line) =>
  line
    .split(",")
    .slice(2)
    .map((v) => (Number(v) === 0 ? null : Number(v))),
);
const side = (p: number | null): Rating => (p === null ? null : p < 1.5 ? "1" : p > 1.5 ? "2" : "tie");
const sides = raw.map((unit) => unit.map(side));

/** Krippendorff's α by brute force: every pair of pairable values, no coincidence matrix. */
function naiveAlpha(units: readonly Rating[][], delta: (a: Rating, b: Rating) => number): number {
  const pairable = units.map((u) => u.filter((r) => r !== null)).filter((u) => u.length >= 2);
  const all = pairable.flat();
  let within = 0;
  for (const u of pairable) {
    for (let i = 0; i < u.length; i++) for (let j = 0; j < u.length; j++) if (i !== j) within += delta(u[i], u[j]) / (u.length - 1);
  }
  let between = 0;
  for (let i = 0; i < all.length; i++) for (let j = 0; j < all.length; j++) if (i !== j) between += delta(all[i], all[j]);
  const n = all.length;
  return 1 - within / n / (between / (n * (n - 1)));
}

describe("agreement of three AlpacaEval GPT-4 judges (805 instructions)", () => {
  it("has the expected shape", () => {
    expect(judges).toEqual(["alpaca_eval_gpt4", "alpaca_eval_cot_gpt4_turbo_fn", "weighted_alpaca_eval_gpt4_turbo"]);
    expect(raw).toHaveLength(805);
    expect(raw.filter((u) => u.includes(null))).toHaveLength(16);
  });

  it("nominal α equals the pair-by-pair computation and is low (judges compared different pairs)", () => {
    const r = krippendorffAlpha(sides, "nominal");
    expect(r.units).toBe(805);
    expect(r.pairable).toBe(805 * 3 - 16);
    expect(r.alpha!).toBeCloseTo(naiveAlpha(sides, (a, b) => (a === b ? 0 : 1)), 10);
    expect(r.alpha!).toBeGreaterThan(0);
    expect(r.alpha!).toBeLessThan(0.3);
  });

  it("interval α on raw preferences equals the pair-by-pair computation", () => {
    const r = krippendorffAlpha(raw, "interval");
    const naive = naiveAlpha(raw, (a, b) => ((a as number) - (b as number)) ** 2);
    expect(r.alpha!).toBeCloseTo(naive, 10);
    expect(r.alpha!).toBeGreaterThan(0);
    expect(r.alpha!).toBeLessThan(0.3);
  });

  it("Fleiss' κ uses the 789 complete items and satisfies 1 − α = (1 − 1/n)(1 − κ) on them", () => {
    const r = fleissKappa(sides);
    expect(r.items).toBe(789);
    expect(r.dropped).toBe(16);
    expect(r.raters).toBe(3);
    // On complete data Do is the same for both and De_α = n/(n − 1)·De_κ (n = 3·789 values).
    const complete = sides.filter((u) => !u.includes(null));
    const alpha = krippendorffAlpha(complete, "nominal").alpha!;
    const n = 3 * 789;
    expect(1 - alpha).toBeCloseTo((1 - 1 / n) * (1 - r.kappa!), 12);
    expect(r.kappa!).toBeGreaterThan(0);
    expect(r.kappa!).toBeLessThan(0.3);
  });

  it("pairwise Cohen's κ matches a direct count and the two gpt4-turbo judges agree far more", () => {
    const byJudge = Object.fromEntries(judges.map((j, k) => [j, sides.map((u) => u[k])]));
    const pairs = pairwiseCohenKappa(byJudge);
    expect(pairs.map((p) => `${p.a}~${p.b}`)).toEqual([
      "alpaca_eval_cot_gpt4_turbo_fn~alpaca_eval_gpt4",
      "alpaca_eval_cot_gpt4_turbo_fn~weighted_alpaca_eval_gpt4_turbo",
      "alpaca_eval_gpt4~weighted_alpaca_eval_gpt4_turbo",
    ]);
    for (const p of pairs) {
      const both = byJudge[p.a]!.map((x, i) => [x, byJudge[p.b]![i]]).filter(([x, y]) => x !== null && y !== null);
      const N = both.length;
      const po = both.filter(([x, y]) => x === y).length / N;
      const pe = ["1", "2", "tie"].reduce(
        (s, c) => s + (both.filter(([x]) => x === c).length / N) * (both.filter(([, y]) => y === c).length / N),
        0,
      );
      expect(p.items).toBe(N);
      expect(p.kappa!).toBeCloseTo((po - pe) / (1 - pe), 12);
    }
    const [cotVsGpt4, turboPair, gpt4VsWeighted] = pairs.map((p) => p.kappa!);
    expect(turboPair).toBeGreaterThan(0.6); // same pairs, same model family
    expect(cotVsGpt4).toBeLessThan(0.2); // different reference model in output_1
    expect(gpt4VsWeighted).toBeLessThan(0.2);
    expect(pairs[1]!.items).toBe(805);
    expect(pairs[0]!.skipped).toBe(16);
  });

  it("linear-weighted Cohen's κ (1 < tie < 2) equals a table-free computation", () => {
    const rank = { "1": 0, tie: 1, "2": 2 } as Record<string, number>;
    const cot = sides.map((u) => u[1] as string);
    const weighted = sides.map((u) => u[2] as string);
    const w = (x: string, y: string) => Math.abs(rank[x]! - rank[y]!) / 2;
    const N = cot.length;
    const observed = cot.reduce((s, x, i) => s + w(x, weighted[i]!), 0) / N;
    let expected = 0; // every rating of one judge against every rating of the other
    for (const x of cot) for (const y of weighted) expected += w(x, y);
    expected /= N * N;
    const r = cohenKappa(cot, weighted, { weights: "linear", categories: ["1", "tie", "2"] });
    expect(r.kappa!).toBeCloseTo(1 - observed / expected, 12);
    expect(r.kappa!).toBeGreaterThan(0.5);
  });
});
