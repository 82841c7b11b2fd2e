import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { contentId } from "../../src/engine/hash.js";
import type { Rec } from "../../src/engine/plugin.js";
import judgePlugin from "../../src/plugins/judge/rubric.js";
import pairPlugin from "../../src/plugins/pair/preference.js";
import { parseRubric } from "./parse-rubric.js";
import { criterionDigest, rubricSummary } from "../../src/plugins/rubric/model.js";
import { runPlugin } from "../support/run-plugin.js";
import { harmfulRecord } from "./fixtures.js";

const root = new URL("../..", import.meta.url).pathname;
const rubric = parseRubric(readFileSync(new URL("../../rubrics/helpfulness.yaml", import.meta.url), "utf8"), "rubrics/helpfulness.yaml");
const summary = rubricSummary(rubric);
const ALL = ["correctness", "completeness", "relevance", "clarity", "safety"];

type Scores = Record<string, Record<string, number | null>>; // judge → criterion → score

/** One judge's scores: every criterion n, except safety (gated at 4), which is 5 unless overridden. */
const all = (n: number | null, overrides: Record<string, number | null> = {}) => ({ ...Object.fromEntries(ALL.map((c) => [c, n])), safety: 5, ...overrides });

function judged(candidates: Record<string, Scores>, id = "p1"): Rec {
  return {
    id,
    prompt: `prompt ${id}`,
    meta: { dataset: "test" },
    rubric: summary,
    candidates: Object.entries(candidates).map(([cid, byJudge]) => ({
      id: cid,
      text: `text of ${cid}`,
      model: "m",
      judgements: Object.entries(byJudge).flatMap(([judge, scores]) =>
        Object.entries(scores).map(([criterion, score]) => ({
          judge,
          kind: "offline",
          criterion,
          score,
          rationale: `${judge} on ${cid}/${criterion}`,
          criterionDigest: criterionDigest(rubric, rubric.criteria.find((c) => c.id === criterion)!),
          ...(score === null ? { unscored: "no signal" } : {}),
        })),
      ),
    })),
  };
}

const pair = (records: Rec[], w: Record<string, unknown> = {}) => runPlugin(pairPlugin, { with: w, inputs: { judge: records } });

describe("pair/preference", () => {
  test("best-vs-worst: one pair per prompt, with deltas, verdicts, rationales, reason and rubric", async () => {
    const run = await pair([judged({ a: { j: all(5, { clarity: 4 }) }, b: { j: all(3) }, c: { j: all(1) } })]);
    expect(run.records).toHaveLength(1);
    const p = run.records[0]!;
    expect(p.id).toBe(contentId("pair", "a", "c"));
    expect(p).toMatchObject({ promptId: "p1", prompt: "prompt p1", meta: { dataset: "test" }, rubric: { name: "helpfulness", digest: summary.digest } });
    expect(p.chosen).toEqual({ id: "a", text: "text of a", model: "m", score: 4.8462 });
    expect((p.rejected as any).score).toBe(1.6154);
    expect(p.margin).toBe(3.2308);
    expect(p.criteria).toEqual([
      { id: "correctness", chosen: 5, rejected: 1, delta: 4 },
      { id: "completeness", chosen: 5, rejected: 1, delta: 4 },
      { id: "relevance", chosen: 5, rejected: 1, delta: 4 },
      { id: "clarity", chosen: 4, rejected: 1, delta: 3 },
      { id: "safety", chosen: 5, rejected: 5, delta: 0 },
    ]);
    expect(p.judges).toEqual([
      expect.objectContaining({ judge: "j", prefers: "chosen", chosen: 4.8462, rejected: 1.6154, scores: expect.objectContaining({ clarity: { chosen: 4, rejected: 1 } }) }),
    ]);
    expect(p.rationales).toEqual([
      { judge: "j", criterion: "correctness", chosen: "j on a/correctness", rejected: "j on c/correctness" },
      { judge: "j", criterion: "completeness", chosen: "j on a/completeness", rejected: "j on c/completeness" },
    ]);
    expect(p.reason).toBe("chosen wins on correctness (+4.0), completeness (+4.0) and relevance (+4.0)");
    expect(run.trace.tallies).toMatchObject({ "pairs.made": 1, "pairs.gated": 0 });
  });

  test("a candidate failing a gate is never chosen, whatever its aggregate", async () => {
    const rec = judged({ unsafe: { j: all(5, { safety: 2 }) }, safe: { j: all(3, { safety: 4 }) }, meh: { j: all(3, { correctness: 2 }) } });
    for (const strategy of ["best-vs-worst", "all-above-margin"]) {
      const run = await pair([rec], { strategy });
      expect(run.records.length).toBeGreaterThan(0);
      expect(run.records.every((p) => (p.chosen as any).id !== "unsafe")).toBe(true);
      expect(run.trace.tallies["pairs.gated"]).toBe(1);
    }
    const best = (await pair([rec])).records[0]!;
    expect([(best.chosen as any).id, (best.rejected as any).id]).toEqual(["safe", "unsafe"]);
    expect(best.margin).toBeLessThan(0); // the gate decided, not the aggregate
    expect(best.reason).toBe("rejected fails the safety gate (2 < 4); rejected is better on correctness (+2.0) and completeness (+2.0)");
  });

  test("an unscored gated criterion fails the gate; every candidate gated means no pair", async () => {
    const run = await pair([judged({ a: { j: all(5, { safety: null }) }, b: { j: all(2, { safety: 3 }) } })]);
    expect(run.records).toEqual([]);
    expect(run.trace.tallies).toMatchObject({ "pairs.gated": 2, "pairs.allGated": 1, "pairs.made": 0 });
  });

  test("ties and near-ties are dropped and counted", async () => {
    const run = await pair([judged({ a: { j: all(3, { clarity: 4 }) }, b: { j: all(3) } }), judged({ x: { j: all(4) }, y: { j: all(4) } }, "p2")]);
    expect(run.records).toEqual([]);
    expect(run.trace.tallies).toMatchObject({ "pairs.ties": 2, "pairs.made": 0 });
    const loose = await pair([judged({ a: { j: all(3, { clarity: 4 }) }, b: { j: all(3) } })], { minMargin: 0.1 });
    expect(loose.records).toHaveLength(1);
    expect(loose.records[0]!.reason).toBe("chosen wins on clarity (+1.0)");
  });

  test("all-above-margin makes every ordered pair that clears the margin", async () => {
    const rec = judged({ a: { j: all(5) }, b: { j: all(4) }, c: { j: all(3) }, d: { j: all(3, { correctness: 4 }) } });
    // aggregates: a 5, b 4.15, d 3.62, c 3.31: c–d is a near-tie.
    const run = await pair([rec], { strategy: "all-above-margin" });
    const made = run.records.map((p) => `${(p.chosen as any).id}>${(p.rejected as any).id}`).sort();
    expect(made).toEqual(["a>b", "a>c", "a>d", "b>c", "b>d"]);
    expect(run.trace.tallies).toMatchObject({ "pairs.made": 5, "pairs.ties": 1 });
  });

  test("median and mean over judges differ as they should", async () => {
    // x: judges say 1, 4, 5 (mean 3.33, median 4); y: 3, 3, 3.
    const rec = judged({ x: { j1: all(1), j2: all(4), j3: all(5) }, y: { j1: all(3), j2: all(3), j3: all(3) } });
    const mean = await pair([rec], { judgeAggregate: "mean" });
    expect(mean.records).toEqual([]);
    expect(mean.trace.tallies["pairs.ties"]).toBe(1);
    const median = await pair([rec], { judgeAggregate: "median" });
    expect(median.records).toHaveLength(1);
    const p = median.records[0]!;
    expect([(p.chosen as any).id, p.margin]).toEqual(["x", 0.8462]); // 5.5 of 6.5 weight moves by 1
    expect((p.judges as any[]).map((j) => [j.judge, j.prefers])).toEqual([
      ["j1", "rejected"],
      ["j2", "chosen"],
      ["j3", "chosen"],
    ]);
  });

  test("unscored values are ignored and a candidate with no scores is skipped and counted", async () => {
    const rec = judged({
      a: { j: all(4, { correctness: null }) },
      b: { j: all(2, { correctness: null }) },
      blank: { j: all(null, { safety: null }) },
    });
    const run = await pair([rec]);
    expect(run.records).toHaveLength(1);
    const p = run.records[0]!;
    expect((p.criteria as any[])[0]).toEqual({ id: "correctness", chosen: null, rejected: null, delta: null });
    expect(p.margin).toBe(1.5556); // (19 − 12) / 4.5: correctness's weight drops out
    expect(run.trace.tallies["pairs.unscoredCandidates"]).toBe(1);
  });

  test("a judges filter limits which judgements count", async () => {
    const rec = judged({ a: { "human:ana": all(5), bot: all(1) }, b: { "human:ana": all(2), bot: all(5) } });
    const humans = await pair([rec], { judges: ["human:*"] });
    expect((humans.records[0]!.chosen as any).id).toBe("a");
    const bot = await pair([rec], { judges: ["bot"] });
    expect((bot.records[0]!.chosen as any).id).toBe("b");
  });

  test("end to end on real text: offline judges keep the harmful reply from being chosen", async () => {
    const judgedRun = await runPlugin(judgePlugin, {
      root,
      with: { rubric: "rubrics/helpfulness.yaml", judges: [{ id: "heuristics", type: "offline" }] },
      inputs: { generate: [harmfulRecord()] },
    });
    const run = await pair(judgedRun.records);
    expect(run.records).toHaveLength(1);
    const p = run.records[0]!;
    expect((p.chosen as any).model).toBe("recorded:hh-harmless");
    expect((p.rejected as any).model).toBe("recorded:hh-harmful");
    expect(p.reason).toContain("rejected fails the safety gate (2 < 4)");
    expect(p.rationales).toContainEqual(
      expect.objectContaining({ criterion: "safety", rejected: "heuristic (harm): 2 harm terms (kill, poison); step-by-step form" }),
    );
  });
});
