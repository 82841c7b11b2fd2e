import { describe, expect, it } from "vitest";
import type { Rec } from "../../src/engine/plugin.js";
import { memoryArtifact } from "../../src/engine/records.js";
import agreementPlugin from "../../src/plugins/quality/agreement.js";
import { assemble, type ReportOptions } from "../../src/plugins/report/assemble.js";
import { kindOf, readInput, type Input } from "../../src/plugins/report/inputs.js";
import { runPlugin } from "../support/run-plugin.js";
import { AGREED, CANDIDATES, MEMBERSHIPS, P1, P2, P3, PROMPTS, UNIQUE_PROMPTS } from "./fixtures.js";

const OPTIONS: ReportOptions = { title: "t", maxPairs: 2000, maxClusters: 500, textChars: 600, sourceBy: "meta.dataset", level: "interval" };
const noProblem = () => () => ({ severity: "error" as const, message: "unexpected" });

async function inputs(stages: Record<string, Rec[]>): Promise<Input[]> {
  const out: Input[] = [];
  for (const [stage, recs] of Object.entries(stages)) out.push(await readInput(memoryArtifact(stage, recs)));
  return out;
}

const example = () => inputs({ prompts: PROMPTS, "unique-prompts": UNIQUE_PROMPTS, candidates: CANDIDATES, pairs: [P1, P2, P3], agreement: AGREED, export: MEMBERSHIPS });

describe("the report's inputs", () => {
  it("are told apart by their records' shape", async () => {
    expect([P1, MEMBERSHIPS[0], CANDIDATES[0], PROMPTS[0], { id: "x", calibration: { subject: "j", accuracy: 1 } }, { id: "y" }, undefined].map((r) => kindOf(r as Rec))).toEqual([
      "pairs", "memberships", "candidates", "prompts", "calibration", "other", "empty",
    ]);
  });

  it("keep no records but calibration ones", async () => {
    const [c, p, m, cal] = await inputs({ candidates: CANDIDATES, pairs: AGREED, export: MEMBERSHIPS, calibration: [{ id: "c1", calibration: { subject: "j", accuracy: 1 } }] });
    expect([c!.records, p!.records, m!.records]).toEqual([[], [], []]);
    expect(c!.kind).toBe("candidates"); // its 37 tokens are read with the iterations (the pricing test below)
    expect(p!.carriesAgreement).toBe(true);
    expect(cal!.records.map((r) => r.id)).toEqual(["c1"]);
  });
});

describe("assemble", () => {
  it("lists every pair once, as its last stage has it, with its fate and disputes", async () => {
    const { table } = await assemble(await example(), OPTIONS, noProblem);
    expect(table.stages).toEqual(["pairs", "agreement"]);
    expect(table.rows.map((r) => [r.id, r.fate, r.dispute, r.share])).toEqual([
      ["p1", "iter-0001", null, 1],
      ["p2", "eval", "criterion", 0.75],
      ["p3", "dropped by agreement (disputed)", "pair", null],
    ]);
    expect(table.rows[1]!.disputedOn).toEqual(["clarity"]);
    expect([table.total, table.disputed, table.criterionDisputed, table.note]).toEqual([3, 1, 1, null]);
    expect(table.rows[0]!.judges.map((j) => `${j.judge}:${j.prefers}`)).toEqual(["judge-1:chosen", "judge-2:chosen"]);
    expect(table.rows[0]!.criteria).toEqual([{ id: "clarity", delta: 2 }, { id: "safety", delta: 0 }]);
  });

  it("caps the table at maxPairs by id plus up to maxPairs disputed pairs after them, and says so", async () => {
    const { table } = await assemble(await example(), { ...OPTIONS, maxPairs: 2 }, noProblem);
    expect(table.rows.map((r) => r.id)).toEqual(["p1", "p2", "p3"]); // p2 and p3 are disputed: p3 is the one after the first two
    expect(table.note).toBe(null);
    const one = (await assemble(await example(), { ...OPTIONS, maxPairs: 1 }, noProblem)).table;
    expect(one.rows.map((r) => r.id)).toEqual(["p1", "p2"]);
    expect(one.note).toBe("showing 2 of 3 pairs: the first 1 by id and the first 1 disputed pair after them, not 1 more (raise `maxPairs` to show more)");
    expect([one.disputed + one.criterionDisputed]).toEqual([2]); // counted whether shown or not
    const capped = (await assemble(await inputs({ pairs: [P1, P2, P3] }), { ...OPTIONS, maxPairs: 2 }, noProblem)).table;
    expect(capped.rows.map((r) => r.id)).toEqual(["p1", "p2"]); // without an agreement stage nothing is known to be disputed
    expect(capped.note).toBe("showing 2 of 3 pairs: the first 2 by id and every disputed pair (raise `maxPairs` to show more)");
  });

  it("prices an iteration's tokens at the generation stages' cost per token, and shows each stage's cost", async () => {
    // The candidates stage cost $0.74 for 37 tokens (q1: 32, q2: 5): $0.02 a token; the iteration's prompts used all 37.
    const priced = [...(await example())];
    const i = priced.findIndex((x) => x.stage === "candidates");
    priced[i] = await readInput(memoryArtifact("candidates", CANDIDATES, { "cost.usd": 0.74 }));
    const d = await assemble(priced, OPTIONS, noProblem);
    expect(d.iterations!.rows[0]).toMatchObject({ tokens: 37, usd: 0.74 });
    expect(d.funnel.find((f) => f.stage === "candidates")!.costUsd).toBe(0.74);
    expect(d.funnel.find((f) => f.stage === "pairs")!.costUsd).toBeNull();
  });

  it("summarises each iteration: counts, prompts, yield basis, tokens and source mix", async () => {
    const d = await assemble(await example(), OPTIONS, noProblem);
    expect(d.sourcePrompts).toBe(3);
    expect(d.iterations).toEqual({
      rows: [{ name: "iter-0001", train: 1, eval: 1, prompts: 2, marginMean: 0.75, tokens: 37, usd: null, sources: { koala: 1, oasst: 1 } }],
      unused: 0,
    });
    expect(d.funnel.map((f) => `${f.stage}:${f.kind}:${f.records}`)).toEqual([
      "prompts:prompts:3", "unique-prompts:prompts:2", "candidates:candidates:2", "pairs:pairs:3", "agreement:pairs:2", "export:memberships:2",
    ]);
  });

  it("collects the score and margin distributions per criterion over all pairs", async () => {
    const { distributions } = await assemble(await example(), OPTIONS, noProblem);
    expect(distributions.overall.deltas).toEqual([1, 0.5, 0.5]);
    expect(distributions.criteria.get("clarity")).toEqual({ chosen: [5, 4, 3], rejected: [3, 4, 2], deltas: [2, 0, 1] });
    expect([...distributions.criteria.keys()]).toEqual(["clarity", "safety"]);
  });

  it("lists duplicate clusters with the removed records' text where an input still has it", async () => {
    const { clusters } = await assemble(await example(), OPTIONS, noProblem);
    expect(clusters.total).toBe(1);
    expect(clusters.removed).toBe(2);
    expect(clusters.list[0]).toMatchObject({ stage: "unique-prompts", id: "q1", text: "How do I boil an egg?" });
    expect(clusters.list[0]!.members).toEqual([
      { id: "q9", similarity: 0.9, source: "data/prompts.jsonl:3", text: "how do I boil an egg ?" },
      { id: "q8", similarity: 0.8, source: null, text: null },
    ]);
  });

  it("measures agreement exactly as quality/agreement does on the same pairs", async () => {
    const { agreement } = await assemble(await example(), OPTIONS, noProblem);
    const run = await runPlugin(agreementPlugin, { with: {}, inputs: { pairs: [P1, P2, P3] } });
    const published = JSON.parse(Buffer.from(run.published.get("reports/agreement.json")!).toString("utf8"));
    expect(agreement!.judges).toEqual(["judge-1", "judge-2"]);
    expect(agreement!.stats!.alpha).toEqual(published.alpha);
    expect(agreement!.stats!.cohen).toEqual(published.kappa.cohen);
    const clarity = agreement!.criteria.find((c) => c.criterion === "clarity")!;
    expect(clarity).toEqual({ criterion: "clarity", alpha: published.alpha.criteria.clarity.alpha, judges: 2, meanShare: 0.625, disputed: 1 });
    expect(agreement!.withAgreement).toBe(2);
  });

  it("renders calibration records whatever their fields, nested ones flattened", async () => {
    const d = await assemble(await inputs({ pairs: [P1], calibration: [{ id: "c1", calibration: { subject: "judge-1", accuracy: 0.8, kappa: 0.6, length: { preference: 0.1, n: 3 }, notes: [1] } }] }), OPTIONS, noProblem);
    expect(d.calibration).toEqual([
      { stage: "calibration", columns: ["accuracy", "kappa", "length.n", "length.preference"], rows: [{ judge: "judge-1", values: { accuracy: 0.8, kappa: 0.6, "length.n": 3, "length.preference": 0.1 } }] },
    ]);
  });
});
