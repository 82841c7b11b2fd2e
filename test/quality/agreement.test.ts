import { describe, expect, it } from "vitest";
import { DpoError } from "../../src/engine/diagnostic.js";
import type { Rec } from "../../src/engine/plugin.js";
import agreement from "../../src/plugins/quality/agreement.js";
import { krippendorffAlpha } from "../../src/plugins/quality/metrics/krippendorff-alpha.js";
import { runPlugin } from "../support/run-plugin.js";

type Side = "chosen" | "rejected" | "tie";
type Scores = Record<string, [number, number]>;
/** [prefers, aggregate chosen, aggregate rejected, criterion scores]. */
type J = [Side, number, number, Scores?];

function pair(id: string, judges: Record<string, J>): Rec {
  return {
    id,
    promptId: `prompt-${id}`,
    prompt: `prompt ${id}`,
    chosen: { id: `${id}-c`, text: "chosen text", model: "m1", score: 4 },
    rejected: { id: `${id}-r`, text: "rejected text", model: "m2", score: 2 },
    margin: 2,
    criteria: [
      { id: "correctness", chosen: 4, rejected: 2, delta: 2 },
      { id: "safety", chosen: 4, rejected: 4, delta: 0 },
    ],
    judges: Object.entries(judges).map(([judge, [prefers, chosen, rejected, scores]]) => ({
      judge,
      prefers,
      chosen,
      rejected,
      scores: Object.fromEntries(Object.entries(scores ?? {}).map(([c, [ch, re]]) => [c, { chosen: ch, rejected: re }])),
    })),
  };
}

// Three judges, four pairs (ids sort in this order):
// p1 all back the pair; p2 two of three (but all score rejected safer); p3 one of three
// (disputed, outvoted); p4 a tie, one for, one against: share exactly 0.5, but one backer
// of three is no strict majority (disputed, split).
const pairs = [
  pair("p1", {
    alice: ["chosen", 5, 2, { correctness: [5, 2], safety: [4, 4] }],
    bob: ["chosen", 4, 2, { correctness: [4, 2], safety: [5, 4] }],
    carol: ["chosen", 5, 1, { correctness: [5, 1], safety: [4, 3] }],
  }),
  pair("p2", {
    alice: ["chosen", 4, 3, { correctness: [5, 3], safety: [2, 4] }],
    bob: ["chosen", 3, 2, { correctness: [4, 2], safety: [3, 4] }],
    carol: ["rejected", 2, 4, { correctness: [3, 3], safety: [2, 5] }],
  }),
  pair("p3", {
    alice: ["chosen", 3, 2, { correctness: [3, 2], safety: [4, 4] }],
    bob: ["rejected", 2, 3, { correctness: [2, 3], safety: [4, 4] }],
    carol: ["rejected", 1, 3, { correctness: [1, 3], safety: [4, 4] }],
  }),
  pair("p4", {
    alice: ["tie", 3, 3, { correctness: [3, 3] }],
    bob: ["chosen", 4, 3, { correctness: [4, 3] }],
    carol: ["rejected", 3, 4],
  }),
];

const run = (w: Record<string, unknown> = {}, input: Rec[] = pairs) => runPlugin(agreement, { with: w, inputs: { pairs: input } });
const byId = (records: Rec[]) => Object.fromEntries(records.map((r) => [r.id, r]));
const agreementOf = (r: Rec | undefined) => r?.agreement as Record<string, any>;
const report = (published: Map<string, Buffer>, path = "reports/agreement.json") =>
  JSON.parse(Buffer.from(published.get(path)!).toString("utf8"));

describe("quality/agreement per pair", () => {
  it("adds share, spread and per-criterion shares, and flags disputed pairs", async () => {
    const { records, trace } = await run();
    expect(records.map((r) => r.id)).toEqual(["p1", "p2", "p3", "p4"]);
    const a = byId(records);

    expect(agreementOf(a.p1)).toMatchObject({ judges: 3, share: 1, disputed: false });
    // Margins 3, 2, 4: population standard deviation √(2/3).
    expect(agreementOf(a.p1).spread).toBeCloseTo(Math.sqrt(2 / 3), 12);
    // safety: alice scores a tie (½), bob and carol favour chosen.
    expect(agreementOf(a.p1).criteria.safety).toEqual({ share: 2.5 / 3, judges: 3, disputed: false });

    expect(agreementOf(a.p2).share).toBeCloseTo(2 / 3, 12);
    expect(agreementOf(a.p2).disputed).toBe(false);
    expect(agreementOf(a.p2).criteria.safety).toEqual({ share: 0, judges: 3, disputed: true });

    expect(agreementOf(a.p3).share).toBeCloseTo(1 / 3, 12);
    expect(agreementOf(a.p3)).toMatchObject({ disputed: true, dispute: "outvoted" });
    expect(agreementOf(a.p3).criteria.correctness.disputed).toBe(true);
    expect(agreementOf(a.p3).criteria.safety).toEqual({ share: 0.5, judges: 3, disputed: false });

    // A tie counts half in the share, (0.5 + 1 + 0) / 3 = 0.5, but only one of three judges backs chosen.
    expect(agreementOf(a.p4)).toMatchObject({ share: 0.5, disputed: true, dispute: "split" });
    expect(agreementOf(a.p1).dispute).toBeUndefined();
    // carol gave no criterion scores: correctness rests on two judges, safety on none.
    expect(agreementOf(a.p4).criteria).toEqual({ correctness: { share: 0.75, judges: 2, disputed: false } });

    expect(trace.tallies["pairs.checked"]).toBe(4);
    expect(trace.tallies["pairs.disputed"]).toBe(2);
    expect(trace.tallies["pairs.disputed.by.split"]).toBe(1);
    expect(trace.tallies["pairs.disputed.by.outvoted"]).toBe(1);
    expect(trace.tallies["pairs.dropped"]).toBe(0);
    expect(trace.tallies["pairs.disputed.safety"]).toBe(1);
    expect(trace.tallies["pairs.disputed.correctness"]).toBe(1);
  });

  it("reports progress over both passes: each pair read twice", async () => {
    let total = 0;
    let ticks = 0;
    const progress = { total: (n: number) => (total = n), tick: (n = 1) => void (ticks += n) };
    await runPlugin(agreement, { with: {}, inputs: { pairs }, progress });
    expect(total).toBe(2 * pairs.length);
    expect(ticks).toBe(2 * pairs.length);
  });

  it("keeps the rest of the record untouched", async () => {
    const { records } = await run();
    const { agreement: _added, ...rest } = byId(records).p2!;
    expect(rest).toEqual(pairs[1]);
  });

  it("drops disputed pairs with filter: drop, and lists them in the report", async () => {
    const { records, trace, published } = await run({ filter: "drop" });
    expect(records.map((r) => r.id)).toEqual(["p1", "p2"]);
    expect(trace.tallies["pairs.disputed"]).toBe(2);
    expect(trace.tallies["pairs.dropped"]).toBe(2);
    const r = report(published);
    expect(r.pairs).toMatchObject({ total: 4, disputed: 2, dropped: 2, kept: 2, disputedBy: { split: 1, outvoted: 1 } });
    expect(r.disputed.map((d: { id: string }) => d.id)).toEqual(["p2", "p3", "p4"]); // p2 only on a criterion
    expect(r.disputed[1]).toMatchObject({ id: "p3", disputed: true, criteria: ["correctness"] });
    expect(r.disputed[0]).toMatchObject({ id: "p2", disputed: false, criteria: ["safety"] });
  });

  it("lets per-criterion disputes dispute the pair", async () => {
    const { records, trace } = await run({ filter: "drop", criterionDisputes: "dispute" });
    expect(records.map((r) => r.id)).toEqual(["p1"]);
    expect(trace.tallies["pairs.disputed"]).toBe(3);
    expect(trace.tallies["pairs.dropped"]).toBe(3);
    expect(trace.tallies["pairs.disputed.by.criterion"]).toBe(1);
    expect(trace.tallies["pairs.disputed.safety"]).toBe(1);
  });

  it("minShare 1 demands unanimity (a tie is not enough)", async () => {
    const { records, trace } = await run({ minShare: 1 });
    expect(records.filter((r) => agreementOf(r).disputed).map((r) => r.id)).toEqual(["p2", "p3", "p4"]);
    expect(trace.tallies["pairs.disputed"]).toBe(3);
  });
});

describe("quality/agreement over all pairs", () => {
  it("reports α on candidate scores, Fleiss' κ and pairwise Cohen's κ as tallies and in the report", async () => {
    const { trace, published, logs } = await run();
    // Fleiss on directions: counts (chosen, rejected, tie) per pair = (3,0,0), (2,1,0), (1,2,0), (1,1,1):
    // P̄ = (1 + ⅓ + ⅓ + 0)/4 = 5/12, P̄e = (7² + 4² + 1²)/12² = 66/144, κ = −6/78 = −1/13.
    expect(trace.tallies["agreement.kappa.fleiss"]).toBeCloseTo(-1 / 13, 4);
    // alice c,c,c,t vs bob c,c,r,c: p_o = ½, p_e = 9/16 → κ = −1/7.
    expect(trace.tallies["agreement.kappa.cohen.alice~bob"]).toBeCloseTo(-1 / 7, 4);
    expect(Object.keys(trace.tallies).filter((k) => k.startsWith("agreement.kappa.cohen."))).toEqual([
      "agreement.kappa.cohen.alice~bob",
      "agreement.kappa.cohen.alice~carol",
      "agreement.kappa.cohen.bob~carol",
    ]);
    // α overall: units are the 8 candidates, raters alice, bob, carol (aggregate scores).
    const overall = [
      [5, 4, 5], [2, 2, 1], // p1 chosen, rejected
      [4, 3, 2], [3, 2, 4],
      [3, 2, 1], [2, 3, 3],
      [3, 4, 3], [3, 3, 4],
    ];
    expect(trace.tallies["agreement.alpha.overall"]).toBeCloseTo(krippendorffAlpha(overall, "interval").alpha!, 4);
    const safety = [
      [4, 5, 4], [4, 4, 3],
      [2, 3, 2], [4, 4, 5],
      [4, 4, 4], [4, 4, 4],
    ]; // p4 has no safety scores: its candidates are not units
    expect(trace.tallies["agreement.alpha.safety"]).toBeCloseTo(krippendorffAlpha(safety, "interval").alpha!, 4);
    expect(trace.tallies["agreement.alpha.correctness"]).toBeTypeOf("number");

    const r = report(published);
    expect(r.computed).toBe(true);
    expect(r.judges).toEqual(["alice", "bob", "carol"]);
    expect(r.settings).toEqual({ minShare: 0.5, criterionDisputes: "report", filter: "flag", level: "interval" });
    expect(r.alpha.overall).toMatchObject({ level: "interval", units: 8, pairable: 24 });
    expect(r.kappa.fleiss).toMatchObject({ items: 4, raters: 3, dropped: 0 });
    expect(r.kappa.cohen).toHaveLength(3);
    expect(r.candidates).toEqual({ total: 8, scoreConflicts: 0 });

    const info = logs.find((l) => l.startsWith("info: agreement of 3 judges"))!;
    expect(info).toContain("Krippendorff's α (interval): overall");
    expect(info).toContain("Fleiss' κ on directions: -0.077 over 4 pairs");
    expect(info).toContain("alice~bob -0.143");
    expect(info).toContain("disputed: 2 of 4 (no strict majority for chosen), flagged: 1 judges split evenly, 1 more judges prefer rejected");
  });

  it("uses the configured level for α", async () => {
    const { published } = await run({ level: "ordinal" });
    expect(report(published).alpha.overall.level).toBe("ordinal");
  });

  it("leaves pairs a judge skipped out of Fleiss' κ and counts them", async () => {
    const partial = [...pairs, pair("p5", { alice: ["chosen", 4, 2], bob: ["chosen", 5, 1] })];
    const { published } = await run({}, partial);
    expect(report(published).kappa.fleiss).toMatchObject({ items: 4, dropped: 1 });
    expect(report(published).kappa.cohen[0]).toMatchObject({ a: "alice", b: "bob", items: 5 });
  });

  it("counts a judge scoring one candidate differently in two pairs as a conflict", async () => {
    const shared = pair("p6", { alice: ["chosen", 1, 2], bob: ["chosen", 4, 3] });
    (shared.chosen as { id: string }).id = "p1-c"; // alice gave p1-c 5 in p1
    const { published, logs } = await run({}, [...pairs, shared]);
    expect(report(published).candidates.scoreConflicts).toBe(1);
    expect(logs.some((l) => l.startsWith("warn: 1 candidate scores differ"))).toBe(true);
  });

  it("is deterministic: same input, byte-identical records and report", async () => {
    const first = await run();
    const second = await run({}, [...pairs].reverse());
    expect(second.text).toBe(first.text);
    expect(Buffer.from(second.published.get("reports/agreement.json")!).toString()).toBe(
      Buffer.from(first.published.get("reports/agreement.json")!).toString(),
    );
  });

  it("publishes the report where configured", async () => {
    const { published } = await run({ report: "quality/judges.json" });
    expect([...published.keys()]).toEqual(["quality/judges.json"]);
  });
});

describe("quality/agreement edge cases", () => {
  it("with one judge: warns, passes pairs through unchanged and computes nothing", async () => {
    const single = [pair("q1", { solo: ["chosen", 4, 2] }), pair("q2", { solo: ["rejected", 2, 4] })];
    const { records, trace, published, logs } = await run({ filter: "drop" }, single);
    expect(records).toEqual(single);
    expect(logs).toContainEqual(expect.stringMatching(/^warn: agreement not computed: only one judge \("solo"\) in 2 pairs/));
    expect(trace.tallies).toEqual({ "pairs.checked": 2 });
    expect(report(published)).toEqual({ plugin: "quality/agreement", computed: false, judges: ["solo"], pairs: { total: 2 } });
  });

  it("a pair without judges keeps a null share and is counted", async () => {
    const { records, trace, logs } = await run({}, [...pairs, pair("p0", {})]);
    expect(agreementOf(byId(records).p0)).toEqual({ judges: 0, share: null, spread: null, disputed: false, criteria: {} });
    expect(trace.tallies["pairs.unjudged"]).toBe(1);
    expect(logs).toContainEqual(expect.stringMatching(/^warn: 1 pairs have no judge/));
  });

  it("rejects a malformed judge entry with the pair id and field", async () => {
    const bad = pair("p9", { alice: ["chosen", 4, 2], bob: ["chosen", 4, 2] });
    (bad.judges as Record<string, unknown>[])[1]!.prefers = "left";
    const err = await run({}, [bad]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DpoError);
    expect((err as DpoError).message).toBe(
      'pair p9 from stage "pairs": judges[1]: `prefers` is "left", expected "chosen", "rejected" or "tie"',
    );
  });

  it("rejects a record that is not a pair", async () => {
    const err = await run({}, [{ id: "x1", prompt: "hi" }]).catch((e: unknown) => e);
    expect((err as DpoError).message).toMatch(/pair x1 from stage "pairs": `judges` is missing, expected an array/);
  });

  it("refuses negative scores on a ratio scale with a user error", async () => {
    const negative = pair("n1", { alice: ["chosen", 1, -1], bob: ["chosen", 2, 0] });
    const err = await run({ level: "ratio" }, [negative]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DpoError);
    expect((err as DpoError).message).toBe(
      'stage "test": Krippendorff\'s α at level "ratio": ratio α needs non-negative numbers, got -1',
    );
  });

  it("rejects an unknown option and a report path outside out/", async () => {
    await expect(run({ threshold: 0.5 })).rejects.toThrow(/additionalProperties/);
    await expect(run({ report: "../agreement.json" })).rejects.toThrow(/pattern/);
    await expect(run({ report: "/tmp/agreement.json" })).rejects.toThrow(/pattern/);
  });
});
