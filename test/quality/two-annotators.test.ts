/**
 * The dispute rule with two judges, end to end from a crafted two-annotator
 * file (human judge JSONL): judge/rubric → pair/preference → quality/agreement.
 * A 2–0 pair stands; a 1–1 split and a backer against an abstainer (a tie) are
 * disputed. Under the old rule (share < 0.5) the split, at share exactly 0.5,
 * and the abstention, at 0.75, both passed.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import type { Rec } from "../../src/engine/plugin.js";
import rubricJudge from "../../src/plugins/judge/rubric.js";
import preference from "../../src/plugins/pair/preference.js";
import agreement from "../../src/plugins/quality/agreement.js";
import { runPlugin } from "../support/run-plugin.js";

const root = mkdtempSync(join(tmpdir(), "dpo-two-annotators-"));
writeFileSync(
  join(root, "rubric.yaml"),
  "name: one\nscale: { min: 1, max: 5 }\ncriteria:\n  - { id: quality, description: How good is it?, anchors: { 1: bad, 5: good } }\n",
);

const prompt = (id: string): Rec => ({
  id,
  prompt: `question ${id}`,
  candidates: [
    { id: `${id}-x`, text: `answer x to ${id}` },
    { id: `${id}-y`, text: `answer y to ${id}` },
  ],
});
// [ana's scores for x and y, ben's scores for x and y]
const votes: Record<string, [[number, number], [number, number]]> = {
  agreed: [[5, 2], [4, 1]], //     both prefer x: 2–0
  split: [[5, 1], [2, 3]], //      ana x, ben y; the mean still ranks x first (3.5 vs 2)
  abstained: [[4, 2], [3, 3]], //  ana x, ben sees no difference
};
const annotations = Object.entries(votes).flatMap(([id, [ana, ben]]) =>
  (["x", "y"] as const).flatMap((side, k) => [
    { annotator: "ana", candidate: `${id}-${side}`, scores: { quality: ana[k] } },
    { annotator: "ben", candidate: `${id}-${side}`, scores: { quality: ben[k] } },
  ]),
);
writeFileSync(join(root, "two.jsonl"), annotations.map((a) => JSON.stringify(a)).join("\n") + "\n");

async function agreementOnTwoAnnotators(w: Record<string, unknown> = {}) {
  const judged = await runPlugin(rubricJudge, {
    root,
    with: { rubric: "rubric.yaml", judges: [{ id: "people", type: "human", files: ["two.jsonl"] }] },
    inputs: { candidates: Object.keys(votes).map(prompt) },
  });
  const pairs = await runPlugin(preference, { with: { minMargin: 0.5 }, inputs: { judge: judged.records } });
  expect(pairs.records).toHaveLength(3); // every prompt is paired, x chosen
  return runPlugin(agreement, { with: w, inputs: { pairs: pairs.records } });
}

const byPrompt = (records: Rec[]) => Object.fromEntries(records.map((r) => [r.promptId as string, r.agreement as Record<string, unknown>]));

describe("disputes with two judges", () => {
  test("2–0 stands; a 1–1 split and a backer against an abstainer are disputed", async () => {
    const { records, trace, logs } = await agreementOnTwoAnnotators();
    const a = byPrompt(records);
    expect(a.agreed).toMatchObject({ judges: 2, share: 1, disputed: false });
    expect(a.agreed!.dispute).toBeUndefined();
    expect(a.split).toMatchObject({ judges: 2, share: 0.5, disputed: true, dispute: "split" });
    expect(a.abstained).toMatchObject({ judges: 2, share: 0.75, disputed: true, dispute: "abstentions" });
    expect(trace.tallies).toMatchObject({ "pairs.disputed": 2, "pairs.disputed.by.split": 1, "pairs.disputed.by.abstentions": 1 });
    expect(logs.join("\n")).toContain("disputed: 2 of 3 (no strict majority for chosen), flagged: 1 judges split evenly, 1 backed only against judges who tie");
  });

  test("filter: drop keeps only the pair both annotators back", async () => {
    const { records, trace } = await agreementOnTwoAnnotators({ filter: "drop" });
    expect(records.map((r) => r.promptId)).toEqual(["agreed"]);
    expect(trace.tallies["pairs.dropped"]).toBe(2);
  });
});
