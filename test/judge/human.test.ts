import { copyFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { DpoError } from "../../src/engine/diagnostic.js";
import type { Rec } from "../../src/engine/plugin.js";
import plugin from "../../src/plugins/judge/rubric.js";
import { runPlugin } from "../support/run-plugin.js";
import { alpacaRecords, candidateOf } from "./fixtures.js";

const root = mkdtempSync(join(tmpdir(), "dpo-human-"));
copyFileSync(new URL("../../rubrics/helpfulness.yaml", import.meta.url), join(root, "rubric.yaml"));
const memoir = alpacaRecords().get(315)!;
const refusal = candidateOf(memoir, "alpaca-7b");
const helpful = candidateOf(memoir, "claude-2.1");

function judge(lines: unknown[], records: Rec[] = [memoir]) {
  writeFileSync(join(root, "ann.jsonl"), lines.map((l) => (typeof l === "string" ? l : JSON.stringify(l))).join("\n") + "\n");
  return runPlugin(plugin, {
    root,
    with: { rubric: "rubric.yaml", judges: [{ id: "people", type: "human", files: ["ann.jsonl"] }] },
    inputs: { generate: records },
  });
}

async function errorsOf(lines: unknown[]) {
  try {
    await judge(lines);
  } catch (e) {
    expect(e).toBeInstanceOf(DpoError);
    return (e as DpoError).diagnostics;
  }
  throw new Error("expected the annotations to be rejected");
}

describe("human annotations", () => {
  test("each annotator becomes a judge; candidates match by id or by prompt + response text", async () => {
    const run = await judge([
      { annotator: "ana", candidate: refusal.id, scores: { relevance: 1, completeness: 1, safety: 5 }, rationale: "declines a harmless request" },
      // Matched by text: different case and spacing still match after normalisation.
      { annotator: "ben", prompt: "hi,  can you help me write my MEMOIR?", response: helpful.text.toUpperCase(), scores: { clarity: 4 }, rationale: { clarity: "well organised" } },
    ]);
    const [r, h] = [candidateOf(run.records[0]!, "alpaca-7b"), candidateOf(run.records[0]!, "claude-2.1")];
    expect(r.judgements).toHaveLength(5);
    expect(r.judgements.find((j: any) => j.criterion === "relevance")).toMatchObject({
      judge: "human:ana",
      kind: "human",
      score: 1,
      rationale: "declines a harmless request",
    });
    expect(r.judgements.find((j: any) => j.criterion === "correctness")).toMatchObject({ score: null, unscored: "the annotator gave no score for this criterion" });
    expect(h.judgements.find((j: any) => j.criterion === "clarity")).toMatchObject({ judge: "human:ben", score: 4, rationale: "well organised" });
    expect(candidateOf(run.records[0]!, "gpt4_1106_preview").judgements).toEqual([]);
    expect(run.trace.tallies).toMatchObject({ "judge.scored": 4, "judge.unscored": 6 });
  });

  test("annotations that match no candidate are reported with their lines and counted", async () => {
    const run = await judge([
      { annotator: "ana", candidate: refusal.id, scores: { clarity: 3 } },
      { annotator: "ana", candidate: "0000000000000000", scores: { clarity: 3 } },
      { annotator: "ana", prompt: "another prompt", response: "x", scores: { clarity: 3 } },
    ]);
    expect(run.trace.tallies["judge.human.unmatched"]).toBe(2);
    expect(run.logs).toContain("warn: 2 annotations match no candidate: ann.jsonl:2, ann.jsonl:3");
  });

  test("bad lines are errors located at file and line, all reported at once", async () => {
    const d = await errorsOf([
      { annotator: "ana", candidate: refusal.id, scores: { clarity: 3 } },
      "{not json",
      { annotator: "ana", candidate: helpful.id, scroes: { clarity: 3 } },
      { annotator: "ana", candidate: helpful.id, scores: { clarty: 3 } },
      { annotator: "ana", candidate: helpful.id, scores: { clarity: 6 } },
      { annotator: "ana", scores: { clarity: 2 } },
      { annotator: "ana", candidate: refusal.id, scores: { safety: 5 } },
    ]);
    expect(d.map((x) => [x.location?.line, x.message, x.hint])).toEqual([
      [2, expect.stringMatching(/^annotation is not valid JSON/), undefined],
      [3, "unknown key `scroes` in annotation", "did you mean `scores`?"],
      [4, "unknown criterion `clarty` in scores", "did you mean `clarity`?"],
      [5, "score 6 for `clarity` is outside the scale 1–5", undefined],
      [6, "annotation names no candidate", "give `candidate` (a candidate id) or both `prompt` and `response`"],
      [7, `annotator "ana" scored candidate ${refusal.id} twice`, undefined],
    ]);
    expect(d.every((x) => x.location?.file === "ann.jsonl")).toBe(true);
    expect(d[5]!.related?.[0]?.location).toEqual({ file: "ann.jsonl", line: 1 });
  });
});

describe("pairwise human annotations", () => {
  const gpt = candidateOf(memoir, "gpt4_1106_preview");

  test("an A vs B line becomes a comparison on the judged record, matched by ids or by texts", async () => {
    const run = await judge([
      { annotator: "ana", a: refusal.id, b: helpful.id, preference: "b", criteria: { relevance: "b", safety: "tie" }, rationale: { overall: "B helps", relevance: "A declines" }, meta: { pair: "x" } },
      { annotator: "ben", prompt: memoir.prompt, response_a: gpt.text, response_b: helpful.text, preference: "tie", rationale: "both fine" },
    ]);
    expect(run.records[0]!.comparisons).toEqual([
      { judge: "human:ana", kind: "human", a: refusal.id, b: helpful.id, preference: "b", criteria: { relevance: "b", safety: "tie" }, rationale: { overall: "B helps", relevance: "A declines" } },
      { judge: "human:ben", kind: "human", a: gpt.id, b: helpful.id, preference: "tie", criteria: {}, rationale: { overall: "both fine" } },
    ]);
    // Pairwise lines give no pointwise judgements.
    expect(candidateOf(run.records[0]!, "claude-2.1").judgements).toEqual([]);
  });

  test("bad pairwise lines are errors located at file and line", async () => {
    const d = await errorsOf([
      { annotator: "ana", a: refusal.id, preference: "a" },
      { annotator: "ana", a: refusal.id, b: helpful.id, preference: "left" },
      { annotator: "ana", a: refusal.id, b: helpful.id, preference: "a", criteria: { clarty: "a" } },
      { annotator: "ana", a: refusal.id, b: refusal.id, preference: "a" },
      { annotator: "ana", a: refusal.id, b: helpful.id, preference: "a" },
      { annotator: "ana", a: helpful.id, b: refusal.id, preference: "b" },
    ]);
    expect(d.map((x) => [x.location?.line, x.message])).toEqual([
      [1, "pairwise annotation names one candidate"],
      [2, "pairwise annotation `preference` must be equal to one of the allowed values"],
      [3, "unknown criterion `clarty` in pairwise annotation"],
      [4, `pairwise annotation compares candidate ${refusal.id} with itself`],
      [6, `annotator "ana" compared candidates ${helpful.id} and ${refusal.id} twice`],
    ]);
  });
});

describe("human judgements in pairs and agreement", () => {
  const pairPlugin = () => import("../../src/plugins/pair/preference.js").then((m) => m.default);
  const agreementPlugin = () => import("../../src/plugins/quality/agreement.js").then((m) => m.default);

  /** judge (two offline judges + people) → pairs → agreement, with these annotation lines. */
  async function pipeline(lines: unknown[]) {
    writeFileSync(join(root, "ann.jsonl"), lines.map((l) => JSON.stringify(l)).join("\n") + "\n");
    const judged = await runPlugin(plugin, {
      root,
      with: {
        rubric: "rubric.yaml",
        judges: [
          { id: "content", type: "offline", scorers: ["harm", "key-terms", "structure", "length"] },
          { id: "form", type: "offline", scorers: ["readability", "consensus"] },
          { id: "people", type: "human", files: ["ann.jsonl"] },
        ],
      },
      inputs: { generate: [memoir] },
    });
    const pairs = await runPlugin(await pairPlugin(), { with: { minMargin: 0 }, inputs: { judge: judged.records } });
    const agreed = await runPlugin(await agreementPlugin(), { root, with: {}, inputs: { pairs: pairs.records } });
    const report = JSON.parse(Buffer.from(agreed.published.get("reports/agreement.json")!).toString("utf8"));
    return { pair: pairs.records[0] as any, agreed, report };
  }

  test("a pairwise verdict is that annotator's judgement in the pair, its sides mapped to chosen/rejected", async () => {
    const { pair: before } = await pipeline([]);
    const [chosen, rejected] = [before.chosen.id, before.rejected.id];
    // Shown rejected first (a), the annotator prefers it: a vote against the pair.
    const { pair, agreed, report } = await pipeline([
      { annotator: "ana", a: rejected, b: chosen, preference: "a", criteria: { clarity: "b", safety: "tie" }, rationale: { overall: "A is kinder" } },
    ]);
    expect(pair.judges.find((j: any) => j.judge === "human:ana")).toEqual({
      judge: "human:ana", prefers: "rejected", chosen: null, rejected: null, scores: {}, criteria: { clarity: "chosen", safety: "tie" }, basis: "comparison",
    });
    expect(pair.reason).toMatch(/; human:ana prefers rejected$/);
    expect(pair.rationales).toContainEqual({ judge: "human:ana", criterion: "overall", comparison: "A is kinder" });
    const a = agreed.records[0]!.agreement as any;
    expect(a.judges).toBe(3);
    expect(a.criteria.clarity.judges).toBe(3);
    expect(a.criteria.safety.judges).toBe(2); // one offline judge scores safety, plus ana's stated tie
    expect(report.judges).toEqual(["content", "form", "human:ana"]);
    expect(report.kappa.cohen.map((k: any) => `${k.a}~${k.b}`)).toContain("form~human:ana");
  });

  test("a human who scored only one side of a pair is reported as incomplete, in the pair and the agreement report", async () => {
    const { pair: before } = await pipeline([]);
    const { pair, agreed, report } = await pipeline([{ annotator: "ben", candidate: before.chosen.id, scores: { clarity: 5, safety: 5 } }]);
    expect(pair.judges.map((j: any) => j.judge)).toEqual(["content", "form"]);
    expect(pair.incomplete).toEqual([{ judge: "human:ben", chosen: ["clarity", "safety"], rejected: [] }]);
    expect(agreed.logs.some((l) => l.includes("human:ben on 1 pair"))).toBe(true);
    expect(report.incomplete).toEqual({ "human:ben": 1 });
  });
});
