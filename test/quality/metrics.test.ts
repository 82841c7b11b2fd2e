import { describe, expect, it } from "vitest";
import { cohenKappa, pairwiseCohenKappa } from "../../src/plugins/quality/metrics/cohen-kappa.js";
import { fleissKappa, fleissKappaFromCounts } from "../../src/plugins/quality/metrics/fleiss-kappa.js";
import { krippendorffAlpha } from "../../src/plugins/quality/metrics/krippendorff-alpha.js";

const _ = null;

describe("Krippendorff's α", () => {
  // Krippendorff, K. (2011). "Computing Krippendorff's Alpha-Reliability", University of
  // Pennsylvania, https://repository.upenn.edu/asc_papers/43, section C ("Nominal data,
  // any number of observers, missing data"): 4 observers A–D × 12 units, "*" = missing.
  // Published: nominal α = 0.743, ordinal α = 0.815, interval α = 0.849, ratio α = 0.797.
  // Rows here are units, columns observers A, B, C, D.
  const krippendorff2011 = [
    [1, 1, _, 1],
    [2, 2, 3, 2],
    [3, 3, 3, 3],
    [3, 3, 3, 3],
    [2, 2, 2, 2],
    [1, 2, 3, 4],
    [4, 4, 4, 4],
    [1, 1, 2, 1],
    [2, 2, 2, 2],
    [_, 5, 5, 5],
    [_, _, 1, 1],
    [_, 3, _, _],
  ];

  it.each([
    ["nominal", 0.743],
    ["ordinal", 0.815],
    ["interval", 0.849],
    ["ratio", 0.797],
  ] as const)("reproduces the published %s value", (level, published) => {
    const r = krippendorffAlpha(krippendorff2011, level);
    expect(r.alpha!.toFixed(3)).toBe(published.toFixed(3));
    // Unit 12 has a single value and cannot be paired: 11 units, n = 40 values.
    expect(r.units).toBe(11);
    expect(r.pairable).toBe(40);
  });

  it("matches the paper's intermediate nominal figures", () => {
    // Off-diagonal coincidences sum to 8 (units 2, 6 and 8 contribute 2, 4 and 2);
    // marginals n_c = 9, 13, 10, 5, 3 so Σ_c≠k n_c n_k = 40² − 384 = 1216;
    // α = 1 − (n − 1)·8/1216 = 1 − 39·8/1216.
    const r = krippendorffAlpha(krippendorff2011, "nominal");
    expect(r.observed).toBeCloseTo(8 / 40, 12);
    expect(r.expected).toBeCloseTo(1216 / (40 * 39), 12);
    expect(r.alpha).toBeCloseTo(1 - (39 * 8) / 1216, 12);
  });

  it("ordinal α depends only on the order of values", () => {
    const stretched = krippendorff2011.map((unit) => unit.map((v) => (v === null ? null : 10 ** v)));
    expect(krippendorffAlpha(stretched, "ordinal").alpha).toBeCloseTo(krippendorffAlpha(krippendorff2011, "ordinal").alpha!, 12);
    expect(krippendorffAlpha(stretched, "interval").alpha).not.toBeCloseTo(krippendorffAlpha(krippendorff2011, "interval").alpha!, 3);
  });

  it("is 1 when all raters agree and units differ", () => {
    const data = [
      [1, 1, 1],
      [2, 2, _],
      [5, 5, 5],
    ];
    for (const level of ["nominal", "ordinal", "interval", "ratio"] as const) {
      expect(krippendorffAlpha(data, level).alpha).toBe(1);
    }
  });

  it("is undefined (null) with a single category or nothing pairable", () => {
    const single = krippendorffAlpha([["a", "a"], ["a", "a", "a"]], "nominal");
    expect(single.alpha).toBeNull();
    expect(single.expected).toBe(0);
    expect(krippendorffAlpha([[1, _], [_, 2]], "interval").alpha).toBeNull();
    expect(krippendorffAlpha([], "nominal").alpha).toBeNull();
  });

  it("ignores missing ratings rather than treating them as a category", () => {
    const withMissing = krippendorffAlpha([[1, 1, _], [2, 2, NaN], [1, 2, undefined]], "nominal");
    const without = krippendorffAlpha([[1, 1], [2, 2], [1, 2]], "nominal");
    expect(withMissing.alpha).toBe(without.alpha);
  });

  it("is near 0 or below for systematic disagreement", () => {
    const r = krippendorffAlpha([[1, 2], [2, 1], [1, 2], [2, 1]], "nominal");
    expect(r.alpha!).toBeLessThan(0);
  });

  it("rejects non-numeric values at metric levels", () => {
    expect(() => krippendorffAlpha([["a", "b"]], "interval")).toThrow(/interval α needs finite numbers/);
    expect(() => krippendorffAlpha([[-1, 2]], "ratio")).toThrow(/non-negative/);
  });
});

describe("Fleiss' κ", () => {
  // Fleiss' kappa, Wikipedia, section "Worked example"
  // (https://en.wikipedia.org/wiki/Fleiss%27_kappa#Worked_example): 10 subjects, 14 raters,
  // 5 categories; published P̄ = 0.378, P̄e = 0.213, κ = 0.210.
  const wikipedia = [
    [0, 0, 0, 0, 14],
    [0, 2, 6, 4, 2],
    [0, 0, 3, 5, 6],
    [0, 3, 9, 2, 0],
    [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0],
    [3, 2, 6, 3, 0],
    [2, 5, 3, 2, 2],
    [6, 5, 2, 1, 0],
    [0, 2, 2, 3, 7],
  ];

  it("reproduces the published worked example from counts", () => {
    const r = fleissKappaFromCounts(wikipedia);
    expect(r.kappa!.toFixed(3)).toBe("0.210");
    expect(r.observed.toFixed(3)).toBe("0.378");
    expect(r.expected.toFixed(3)).toBe("0.213");
    expect(r.items).toBe(10);
    expect(r.raters).toBe(14);
  });

  it("gives the same κ from per-rater ratings", () => {
    const ratings = wikipedia.map((row) => row.flatMap((n, category) => Array<number>(n).fill(category + 1)));
    const r = fleissKappa(ratings);
    expect(r.kappa!.toFixed(3)).toBe("0.210");
    expect(r.categories).toEqual([1, 2, 3, 4, 5]);
    expect(r.dropped).toBe(0);
  });

  it("drops incomplete items and reports them, or refuses them", () => {
    const data = [
      ["x", "x", "y"],
      ["y", "y", "y"],
      ["x", _, "x"],
      ["x", "x", "x"],
    ];
    const r = fleissKappa(data);
    expect(r.dropped).toBe(1);
    expect(r.items).toBe(3);
    expect(r.kappa).toBeCloseTo(fleissKappa(data.filter((_row, i) => i !== 2)).kappa!, 15);
    expect(() => fleissKappa(data, { incomplete: "error" })).toThrow(/1 item\(s\) are incomplete/);
  });

  it("takes a million items (the pipeline benchmark's pairs at N = 1,000,000 overflowed a spread)", () => {
    const rows = Array.from({ length: 1_000_000 }, (_, i) => (i % 3 ? ["a", "a"] : ["a", "b"]));
    const r = fleissKappa(rows);
    expect(r.items).toBe(1_000_000);
    expect(r.raters).toBe(2);
  });

  it("is 1 for perfect agreement and null for a single category", () => {
    expect(fleissKappa([["a", "a"], ["b", "b"], ["a", "a"]]).kappa).toBe(1);
    expect(fleissKappa([["a", "a"], ["a", "a"]]).kappa).toBeNull();
  });

  it("rejects a count table whose rows disagree on the number of raters", () => {
    expect(() => fleissKappaFromCounts([[1, 2], [2, 2]])).toThrow(/item 2 has 4 ratings/);
  });
});

describe("Cohen's κ", () => {
  // Cohen's kappa, Wikipedia, "Simple example" (https://en.wikipedia.org/wiki/Cohen%27s_kappa):
  // 50 grant proposals, readers A and B; Yes/Yes 20, A Yes/B No 5, A No/B Yes 10, No/No 15.
  // Published p_o = 0.7, p_e = 0.5, κ = 0.4.
  const a = [...Array(25).fill("Yes"), ...Array(25).fill("No")];
  const b = [...Array(20).fill("Yes"), ...Array(5).fill("No"), ...Array(10).fill("Yes"), ...Array(15).fill("No")];

  it("reproduces the published example", () => {
    const r = cohenKappa(a, b);
    expect(r.kappa!.toFixed(3)).toBe("0.400");
    expect(r.observed).toBeCloseTo(0.7, 12);
    expect(r.expected).toBeCloseTo(0.5, 12);
    expect(r.items).toBe(50);
  });

  it("skips items one rater did not rate", () => {
    const r = cohenKappa([...a, "Yes", _], [...b, _, "No"]);
    expect(r.kappa!.toFixed(3)).toBe("0.400");
    expect(r.skipped).toBe(2);
  });

  it("weighted: equals unweighted with two categories, and penalises far misses more", () => {
    expect(cohenKappa(a, b, { weights: "linear" }).kappa).toBeCloseTo(0.4, 12);
    expect(cohenKappa(a, b, { weights: "quadratic" }).kappa).toBeCloseTo(0.4, 12);
    // Same agreements and marginals; the two misses are one step (near) or two steps (far) off.
    const x = [1, 1, 2, 2, 3, 3];
    const near = [1, 2, 1, 2, 3, 3];
    const far = [1, 3, 2, 2, 1, 3];
    expect(cohenKappa(x, near).kappa).toBeCloseTo(cohenKappa(x, far).kappa!, 12);
    expect(cohenKappa(x, near, { weights: "linear" }).kappa!).toBeGreaterThan(cohenKappa(x, far, { weights: "linear" }).kappa!);
    expect(cohenKappa(x, near, { weights: "quadratic" }).kappa!).toBeGreaterThan(
      cohenKappa(x, near, { weights: "linear" }).kappa!,
    );
  });

  it("weighted κ against a hand computation", () => {
    // 3×3 table [[2,1,0],[0,2,1],[1,0,3]] with linear weights 0, ½, 1 and N = 10:
    // Σ w·o = ½·(1+0+1+0) + 1·(0+1) = 2;
    // rows 3,3,4, cols 3,3,4 → Σ w·row·col / N = (½·(9+9+12+12) + 1·(12+12))/10 = 4.5.
    const x = [1, 1, 1, 2, 2, 2, 3, 3, 3, 3];
    const y = [1, 1, 2, 2, 2, 3, 1, 3, 3, 3];
    expect(cohenKappa(x, y, { weights: "linear" }).kappa).toBeCloseTo(1 - 2 / 4.5, 12);
  });

  it("is 1 for perfect agreement, null for one shared category", () => {
    expect(cohenKappa(["a", "b", "a"], ["a", "b", "a"]).kappa).toBe(1);
    expect(cohenKappa(["a", "a"], ["a", "a"]).kappa).toBeNull();
    expect(cohenKappa([_, "a"], ["b", _]).kappa).toBeNull();
  });

  it("computes every pair of judges in name order", () => {
    const pairs = pairwiseCohenKappa({ zed: b, amy: a, kim: a });
    expect(pairs.map((p) => `${p.a}~${p.b}`)).toEqual(["amy~kim", "amy~zed", "kim~zed"]);
    expect(pairs[0]!.kappa).toBe(1);
    expect(pairs[1]!.kappa!.toFixed(3)).toBe("0.400");
  });
});
