/**
 * What TRL does with the standard format: DPOTrainer and RewardTrainer
 * concatenate `prompt + chosen` and `prompt + rejected` and tokenize the
 * result. Every boundary must have whitespace, or the last prompt word and
 * the first answer word can merge into one token. And the diagnostic columns
 * must not be read by TRL (a `margin` column is a loss margin to RewardTrainer)
 * nor be null (a null number breaks its collator).
 */
import { describe, expect, it } from "vitest";
import type { Rec } from "../../src/engine/plugin.js";
import { DIAGNOSTIC_COLUMNS } from "../../src/plugins/export/diagnostics.js";
import { TRL_COLUMNS } from "../../src/plugins/export/formats.js";
import { alpacaPairs } from "./alpaca-pairs.js";
import { runExport } from "./helpers.js";

/** TRL's concatenation, and whether the character on either side of the seam is whitespace. */
function seamIsSeparated(prompt: string, completion: string): boolean {
  const joined = prompt + completion;
  return /\s/u.test(joined[prompt.length - 1] ?? "") || /\s/u.test(joined[prompt.length] ?? "");
}

describe("standard TRL rows under TRL's prompt + completion concatenation", () => {
  it("have a separator at every boundary, for plain instructions and conversations alike", async () => {
    const run = await runExport({ iterations: [150], eval: { size: 40 }, formats: ["trl"] });
    const rows = [...run.rows("iter-0150/train.trl.jsonl"), ...run.rows("iter-0150/eval.trl.jsonl")];
    expect(rows.length).toBeGreaterThanOrEqual(190);
    let boundaries = 0;
    for (const row of rows) {
      for (const side of ["chosen", "rejected"] as const) {
        expect(seamIsSeparated(row.prompt as string, row[side] as string), `${JSON.stringify(row.prompt).slice(-40)} + ${side}`).toBe(true);
        boundaries++;
      }
      // One convention for every row: the transcript ends on the assistant's turn.
      expect(row.prompt as string).toMatch(/\n\nHuman: [\s\S]*\n\nAssistant:$/);
    }
    expect(boundaries).toBe(2 * rows.length);
  });
});

describe("diagnostic columns", () => {
  it("take no name TRL reads", () => {
    for (const column of Object.keys(DIAGNOSTIC_COLUMNS)) expect(TRL_COLUMNS as readonly string[]).not.toContain(column);
  });

  it("are written only when every exported pair has them: same columns in every row, never null", async () => {
    const pairs: Rec[] = alpacaPairs().map((p, i) => {
      const q = structuredClone(p) as Rec & { chosen: Record<string, unknown>; rejected: Record<string, unknown> };
      if (i === 3) delete q.margin;
      if (i === 7) delete q.chosen.model;
      if (i === 11) delete q.agreement;
      return q;
    });
    const run = await runExport({ iterations: [400], eval: { size: 40 }, formats: ["trl", "unpaired"], extras: true }, { pairs });
    for (const file of ["train.trl.jsonl", "eval.trl.jsonl", "train.unpaired.jsonl"]) {
      const rows = run.rows(`iter-0400/${file}`);
      const columns = Object.keys(rows[0]!);
      expect(columns).not.toContain("score_margin");
      expect(columns).not.toContain("chosen_model");
      expect(columns).not.toContain("agreement_share");
      expect(columns).not.toContain("margin");
      expect(columns).toContain("score_chosen");
      for (const row of rows) {
        expect(Object.keys(row)).toEqual(columns);
        for (const value of Object.values(row)) expect(value).not.toBeNull();
      }
    }
    expect(JSON.parse(run.file("iter-0400/manifest.json")).columns).toEqual([
      "pair_id", "prompt_id", "stratum", "rejected_model", "score_chosen", "score_rejected", "reason",
    ]);
  });
});
