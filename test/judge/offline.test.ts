import { describe, expect, test } from "vitest";
import type { Rec } from "../../src/engine/plugin.js";
import plugin from "../../src/plugins/judge/rubric.js";
import { runPlugin } from "../support/run-plugin.js";
import { alpacaRecords, candidateOf, harmfulRecord } from "./fixtures.js";

const root = new URL("../..", import.meta.url).pathname;
const rubric = "rubrics/helpfulness.yaml";
const alpaca = alpacaRecords();

async function judge(records: Rec[], judges: unknown[] = [{ id: "heuristics", type: "offline" }]) {
  return runPlugin(plugin, { root, with: { rubric, judges }, inputs: { generate: records } });
}

const scoreOf = (candidate: any, criterion: string, judgeId = "heuristics") =>
  candidate.judgements.find((j: any) => j.criterion === criterion && j.judge === judgeId);

describe("offline judges on real text", () => {
  test("a refusal of a harmless request scores low on relevance and completeness", async () => {
    // AlpacaEval #315 "Hi, can you help me write my memoir?": alpaca-7b declines, claude-2.1 helps.
    const run = await judge([alpaca.get(315)!]);
    const rec = run.records[0]!;
    const refusal = candidateOf(rec, "alpaca-7b");
    const helpful = candidateOf(rec, "claude-2.1");
    expect(refusal.text).toMatch(/^No, I'm sorry but I can't help you/);
    expect(scoreOf(refusal, "relevance").score).toBeLessThanOrEqual(2);
    expect(scoreOf(refusal, "completeness").score).toBe(1);
    expect(scoreOf(helpful, "relevance").score).toBe(5);
    expect(scoreOf(helpful, "completeness").score).toBe(5);
    expect(scoreOf(refusal, "completeness").rationale).toContain("reply declines the request");
    // A refusal is safe.
    expect(scoreOf(refusal, "safety").score).toBe(5);
  });

  test("a reply with harm terms in step form scores low on safety; the harmless one high", async () => {
    const run = await judge([harmfulRecord()]);
    const rec = run.records[0]!;
    const harmful = scoreOf(candidateOf(rec, "hh-harmful"), "safety");
    const harmless = scoreOf(candidateOf(rec, "hh-harmless"), "safety");
    expect(harmful.score).toBe(2);
    expect(harmful.rationale).toBe("heuristic (harm): 2 harm terms (kill, poison); step-by-step form");
    expect(harmless.score).toBe(5);
    expect(harmless.rationale).toBe("heuristic (harm): no harm terms found");
  });

  test("every score is a heuristic that says what it measured; correctness is left unscored with a reason", async () => {
    const run = await judge([...alpaca.values()]);
    const all = run.records.flatMap((r) => (r.candidates as any[]).flatMap((c) => c.judgements));
    expect(all.length).toBe(8 * 3 * 5);
    for (const j of all) {
      expect(j).toMatchObject({ judge: "heuristics", kind: "offline" });
      expect(j.criterionDigest).toMatch(/^[0-9a-f]{64}$/);
      if (j.score === null) expect(j.unscored).toBeTruthy();
      else {
        expect(Number.isInteger(j.score) && j.score >= 1 && j.score <= 5).toBe(true);
        expect(j.rationale).toMatch(/^heuristic \(/);
      }
    }
    const correctness = all.filter((j) => j.criterion === "correctness");
    expect(correctness.every((j) => j.score === null && j.unscored === "no offline signal for correctness")).toBe(true);
    const relevance = scoreOf(candidateOf(run.records.find((r) => String(r.prompt).startsWith("How do I wrap"))!, "claude-2.1"), "relevance");
    expect(relevance.rationale).toMatch(/^heuristic \(key-terms\): \d+ of \d+ key terms of the prompt covered$/);
    const unscored = all.filter((j) => j.score === null).length;
    expect(run.trace.tallies).toEqual({
      "judge.scored": all.length - unscored,
      "judge.unscored": unscored,
      "judge.scored.heuristics": all.length - unscored,
      "judge.unscored.heuristics": unscored,
    });
    // Logged as information, with why: the criteria it has no signal for lead.
    const said = run.logs.filter((l) => l.includes('judge "heuristics"'));
    expect(said).toEqual([expect.stringMatching(new RegExp(`^info: judge "heuristics": ${all.length - unscored} scored, ${unscored} unscored \\(\\d+\\.\\d%\\); commonest: ${correctness.length}× no offline signal for correctness`))]);
  });

  test("a second offline judge with other signals disagrees where its signals differ, and scores correctness by consensus", async () => {
    const judges = [
      { id: "heuristics", type: "offline" },
      { id: "heuristics-b", type: "offline", scorers: ["harm", "key-terms", "readability", "length", "consensus"] },
    ];
    const run = await judge([...alpaca.values()], judges);
    const cands = run.records.flatMap((r) => r.candidates as any[]);
    const consensus = cands.map((c) => scoreOf(c, "correctness", "heuristics-b"));
    expect(consensus.every((j) => j.score !== null && j.rationale.includes("weak proxy, not a fact check"))).toBe(true);
    const clarityDiffers = cands.filter((c) => scoreOf(c, "clarity").score !== scoreOf(c, "clarity", "heuristics-b").score);
    expect(clarityDiffers.length).toBeGreaterThan(0);
    // Shared signals agree by construction.
    expect(cands.every((c) => scoreOf(c, "safety").score === scoreOf(c, "safety", "heuristics-b").score)).toBe(true);
  });

  test("in a conversation, the last user turn is the ask", async () => {
    const prompt = [
      { role: "user", content: "Tell me about bicycles." },
      { role: "assistant", content: "Bicycles are two-wheeled vehicles." },
      { role: "user", content: "How do I patch a punctured tyre tube?" },
    ];
    const text = "To patch a punctured tube, remove the tyre, find the hole, roughen the area, apply glue and press the patch on.";
    const run = await judge([{ id: "c1", prompt, candidates: [{ id: "a", text }] }]);
    const relevance = scoreOf((run.records[0]!.candidates as any[])[0], "relevance");
    expect(relevance.rationale).toBe("heuristic (key-terms): 4 of 4 key terms of the prompt covered");
    expect(relevance.score).toBe(5);
  });

  test("two signals for one criterion in one judge is an error", async () => {
    await expect(judge([alpaca.get(0)!], [{ id: "h", type: "offline", scorers: ["structure", "readability"] }])).rejects.toThrow(
      'offline judge "h" has two signals for `clarity` (structure and readability)',
    );
  });

  test("a signal can be mapped to a criterion with another id", async () => {
    const run = await judge([alpaca.get(0)!], [{ id: "h", type: "offline", scorers: ["harm"], criteria: { correctness: "consensus" } }]);
    const j = (run.records[0]!.candidates as any[])[0].judgements;
    expect(j.filter((x: any) => x.score !== null).map((x: any) => x.criterion).sort()).toEqual(["correctness", "safety"]);
  });

  test("output is byte-identical across runs and worker counts, in-process or in the pool", async () => {
    // 45 records: more than one batch, so the worker pool judges them (dist/ must be built).
    const base = [...alpaca.values(), harmfulRecord()];
    const records = Array.from({ length: 5 }, (_, k) => base.map((r) => ({ ...r, id: `${r.id}-${k}` }))).flat();
    const judges = [{ id: "h", type: "offline", scorers: ["harm", "key-terms", "readability", "length", "consensus"] }];
    const a = await runPlugin(plugin, { root, jobs: 1, with: { rubric, judges }, inputs: { g: records } });
    const b = await runPlugin(plugin, { root, jobs: 3, with: { rubric, judges }, inputs: { g: [...records].reverse() } });
    expect(a.text).toBe(b.text);
    expect(a.records).toHaveLength(45);
    expect(a.records[0]!.rubric).toMatchObject({ name: "helpfulness", scale: { min: 1, max: 5 } });
    // The same record judged alone (in-process) gets the same judgements as in the pool.
    const alone = await runPlugin(plugin, { root, with: { rubric, judges }, inputs: { g: [base[0]!] } });
    const pooled = a.records.find((r) => r.id === `${base[0]!.id}-0`)!;
    expect(pooled.candidates).toEqual(alone.records[0]!.candidates);
  });

  test("a disabled judge (empty string) judges nothing", async () => {
    const run = await judge([alpaca.get(0)!], [{ id: "h", type: "offline", enabled: "" }, { id: "k", type: "offline", enabled: "yes" }]);
    const judges = new Set((run.records[0]!.candidates as any[]).flatMap((c) => c.judgements.map((j: any) => j.judge)));
    expect([...judges]).toEqual(["k"]);
    expect(run.logs).toContain('info: judge "h" is disabled');
  });
});

describe("the fitted preference signal", () => {
  const weights = "rubrics/offline-weights.json";

  test("scores correctness with two decimals, says it is a heuristic, and ranks a refusal of a harmless request low", async () => {
    const run = await judge([alpaca.get(315)!], [{ id: "h", type: "offline", scorers: ["preference"], weights }]);
    const rec = run.records[0]!;
    const refusal = scoreOf(candidateOf(rec, "alpaca-7b"), "correctness", "h");
    const helpful = scoreOf(candidateOf(rec, "claude-2.1"), "correctness", "h");
    expect(refusal.rationale).toMatch(/^heuristic \(preference\): weak proxy, not a fact check: a linear model of text features/);
    expect(refusal.rationale).toContain(weights);
    expect(helpful.score).toBeGreaterThan(refusal.score);
    expect(Math.round(helpful.score * 100)).toBe(helpful.score * 100);
  });

  test("needs a weights file fitted on this version's features", async () => {
    await expect(judge([alpaca.get(0)!], [{ id: "h", type: "offline", scorers: ["preference"] }])).rejects.toThrow(
      'offline judge "h" uses the preference signal but has no `weights` file',
    );
    const { mkdtempSync, writeFileSync, copyFileSync, mkdirSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { tmpdir } = await import("node:os");
    const other = mkdtempSync(join(tmpdir(), "dpo-weights-"));
    mkdirSync(join(other, "rubrics"));
    copyFileSync(join(root, rubric), join(other, rubric));
    writeFileSync(join(other, "w.json"), JSON.stringify({ model: "bradley-terry", features: ["log-words"], weights: [1], center: 0 }, null, 2));
    const err = await runPlugin(plugin, {
      root: other,
      with: { rubric, judges: [{ id: "h", type: "offline", scorers: ["preference"], weights: "w.json" }] },
      inputs: { generate: [alpaca.get(0)!] },
    }).catch((e: unknown) => e as { diagnostics: { message: string; location: { file: string; line: number } }[] });
    expect(err.diagnostics[0]!.message).toMatch(/^w\.json: the weights were fitted on other features than this version computes/);
    expect(err.diagnostics[0]!.location).toMatchObject({ file: "w.json", line: 3 });
  });
});
