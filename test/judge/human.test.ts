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
