/**
 * quality/calibration against a small gold file whose figures are computed by
 * hand below (each expectation says how).
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { DpoError } from "../../src/engine/diagnostic.js";
import type { Rec } from "../../src/engine/plugin.js";
import calibration from "../../src/plugins/quality/calibration.js";
import { runPlugin } from "../support/run-plugin.js";

type Verdict = "chosen" | "rejected" | "tie" | { prefers: "chosen" | "rejected" | "tie"; consistent: boolean };

function pair(id: string, prompt: string, chosen: [string, string], rejected: [string, string], judges: Record<string, Verdict>): Rec {
  return {
    id,
    promptId: `prompt-${id}`,
    prompt,
    chosen: { id: chosen[0], text: chosen[1], score: 4 },
    rejected: { id: rejected[0], text: rejected[1], score: 2 },
    judges: Object.entries(judges).map(([judge, v]) => (typeof v === "string" ? { judge, prefers: v } : { judge, ...v })),
  };
}

// Candidate ids decide the orientation κ uses: in p2 and p4 the rejected id sorts first.
const pairs = [
  pair("p1", "Q1", ["c1", "one two three"], ["r1", "one"], { a: { prefers: "chosen", consistent: true }, b: "rejected" }),
  pair("p2", "Q2", ["z2", "x"], ["a2", "y z"], { a: "chosen", b: "chosen" }),
  pair("p3", "Q3", ["c3", "aa bb"], ["r3", "cc"], { a: "tie", b: "chosen" }),
  pair("p4", "Q4", ["z4", "dd"], ["a4", "ee ff gg"], { a: { prefers: "rejected", consistent: false } }),
  pair("p5", "Q5", ["c5", "hh"], ["r5", "ii jj"], { a: "chosen", b: "chosen" }),
];

const gold = [
  // p1 by text, outputs in the other order, case and spaces differ: output_2 (= chosen) preferred.
  { instruction: "q1 ", output_1: "ONE", output_2: "one  two three", preference: 2, generator_1: "m1", annotator: "x" },
  // p2: 1.75 leans to output_2, the rejected side.
  { instruction: "Q2", output_1: "x", output_2: "y z", preference: 1.75 },
  // p3 by pair id: 1 = chosen.
  { pair: "p3", preference: 1 },
  // p4: no preference.
  { prompt: "Q4", output_1: "dd", output_2: "ee ff gg", preference: 1.5 },
  // Covers nothing; and a line without a label.
  { instruction: "Q9", output_1: "a", output_2: "b", preference: 1 },
  { instruction: "Q5", output_1: "hh", output_2: "hh", preference: 0 },
];

function project(lines: unknown[]): string {
  const root = mkdtempSync(join(tmpdir(), "dpo-calibration-"));
  writeFileSync(join(root, "gold.jsonl"), lines.map((l) => (typeof l === "string" ? l : JSON.stringify(l))).join("\n") + "\n");
  return root;
}

const run = (lines: unknown[] = gold) => runPlugin(calibration, { root: project(lines), with: { gold: ["gold.jsonl"] }, inputs: { agreement: pairs } });

describe("quality/calibration", () => {
  test("figures for each judge and the pair direction match the hand computation", async () => {
    const { records, trace, published, logs } = await run();
    const report = JSON.parse(Buffer.from(published.get("reports/calibration.json")!).toString());
    expect(report.gold).toEqual({ files: ["gold.jsonl"], lines: 5, unlabelled: 1, matchedLines: 4, duplicates: 0 });
    expect(report.pairs).toBe(5);
    expect(report.covered).toBe(4);
    const bySubject = Object.fromEntries(report.subjects.map((s: { subject: string }) => [s.subject, s]));
    // Gold sides: p1 chosen, p2 rejected, p3 chosen, p4 tie. Longer side: p1 chosen, p2 rejected, p3 chosen, p4 rejected.
    expect(bySubject["pair direction"]).toEqual({
      subject: "pair direction", kind: "direction", pairs: 5, covered: 4, coverage: 0.8,
      accuracy: 0.6667, // right on p1, p3; wrong on p2 (p4 is a gold tie)
      // oriented by id: direction F S F S, gold F F F T → p_o ½, p_e ½·¾ = ⅜, κ = (½ − ⅜)/(⅝) = 0.2
      kappa: 0.2,
      prefersLonger: 0.5, // chosen is longer in p1, p3 of the four
      goldPrefersLonger: 1, // gold picks the longer in p1, p2, p3
      positionConsistency: null,
    });
    expect(bySubject.a).toEqual({
      subject: "a", kind: "judge", pairs: 5, covered: 4, coverage: 0.8,
      accuracy: 0.5, // p1 1, p2 0, p3 tie ½ → 1.5 / 3
      // a: F S T F vs gold F F F T → p_o ¼, p_e ½·¾ + ¼·¼ = 7/16, κ = (¼ − 7/16)/(9/16) = −⅓
      kappa: -0.3333,
      prefersLonger: 0.6667, // p1 yes, p2 no, p4 yes (p3 is a tie)
      goldPrefersLonger: 1,
      positionConsistency: 0.5, // consistent on p1, not on p4
    });
    expect(bySubject.b).toEqual({
      subject: "b", kind: "judge", pairs: 5, covered: 3, coverage: 0.6, // no verdict on p4
      accuracy: 0.3333, // only p3
      kappa: 0, // b: S S F vs gold F F F → p_o ⅓ = p_e
      prefersLonger: 0.3333,
      goldPrefersLonger: 1,
      positionConsistency: null,
    });
    expect(records.map((r) => (r.calibration as { subject: string }).subject).sort()).toEqual(["a", "b", "pair direction"]);
    expect(trace.tallies).toMatchObject({ "calibration.gold": 5, "calibration.covered": 4, "calibration.accuracy.pair-direction": 0.6667 });
    const table = logs.find((l) => l.startsWith("info: calibration against 5 gold preferences: 4 of 5 pairs covered"))!;
    expect(table).toMatch(/pair direction\s+4\s+0\.667\s+0\.200\s+0\.500\s+1\.000/);
    expect(table).toMatch(/a\s+4\s+0\.500\s+-0\.333\s+0\.667\s+1\.000\s+position-consistent 0\.500/);
  });

  test("a malformed gold line is an error at file:line; no coverage is a warning", async () => {
    const err = await run([gold[0], { instruction: "Q2", output_1: "x", output_2: "y", preference: 3 }, "{nope"]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DpoError);
    expect((err as DpoError).diagnostics.map((d) => [d.location?.line, d.message])).toEqual([
      [2, "`preference` is 3, expected a number from 1 (first preferred) to 2 (second)"],
      [3, expect.stringMatching(/^gold line is not valid JSON/)],
    ]);
    const { logs } = await run([gold[4]]);
    expect(logs).toContainEqual(expect.stringMatching(/^warn: no pair is covered by the 1 gold lines/));
  });
});
