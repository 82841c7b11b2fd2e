/**
 * The format validators (src/plugins/export/validate.ts) shared by the export
 * stage and `dpo check`: what every format's exported files pass, and one
 * broken row per format, reported at its line.
 */
import { describe, expect, it } from "vitest";
import { FORMAT_NAMES, type FormatName } from "../../src/plugins/export/formats.js";
import { JsonlCheck, validateJsonl } from "../../src/plugins/export/validate.js";
import { runExport } from "./helpers.js";

const jsonl = (...rows: unknown[]) => rows.map((r) => `${JSON.stringify(r)}\n`).join("");
const msg = (role: string, content = "text") => ({ role, content });

/** A good row of each format, and the same row broken in the way its consumer rejects. */
const CASES: Record<FormatName, { good: object; broken: object; problem: RegExp }> = {
  "trl-conversational": {
    good: { prompt: [msg("user")], chosen: [msg("assistant")], rejected: [msg("assistant")] },
    broken: { prompt: [msg("user")], chosen: [msg("user")], rejected: [msg("assistant")] },
    problem: /`chosen\[0\]\.role` must be "assistant"/,
  },
  trl: {
    good: { prompt: "\n\nHuman: The sky is\n\nAssistant:", chosen: " blue.", rejected: " green." },
    broken: { prompt: "The sky is", chosen: "blue.", rejected: " green." },
    problem: /no whitespace between `prompt` and `chosen`/,
  },
  openai: {
    good: { input: { messages: [msg("user")] }, preferred_output: [msg("assistant")], non_preferred_output: [msg("assistant")] },
    broken: { input: { messages: [msg("user")] }, preferred_output: [msg("assistant")], non_preferred_output: [msg("assistant")], score: 1 },
    problem: /may not have key `score`/,
  },
  hh: {
    good: { chosen: "\n\nHuman: hi\n\nAssistant: hello", rejected: "\n\nHuman: hi\n\nAssistant: go away" },
    broken: { chosen: "hi hello", rejected: "\n\nHuman: hi\n\nAssistant: go away" },
    problem: /`chosen` must be an HH transcript/,
  },
  unpaired: {
    good: { prompt: [msg("user")], completion: [msg("assistant")], label: true },
    broken: { prompt: [msg("user")], completion: [msg("assistant")], label: "yes" },
    problem: /`label` must be true or false/,
  },
};

describe("format validators", () => {
  for (const format of FORMAT_NAMES) {
    it(`${format}: passes a good file and names the broken row's line`, () => {
      const { good, broken, problem } = CASES[format];
      expect(validateJsonl(format, jsonl(good, good))).toEqual([]);
      const problems = validateJsonl(format, jsonl(good, good, broken));
      expect(problems.length).toBeGreaterThan(0);
      expect(problems.every((p) => p.line === 3)).toBe(true);
      expect(problems.map((p) => p.message).join("\n")).toMatch(problem);
    });
  }

  it("checks every file the export writes, in every format, with and without extras", async () => {
    for (const extras of [false, true]) {
      const run = await runExport({ iterations: [80], eval: { size: 20 }, formats: [...FORMAT_NAMES], extras });
      for (const format of FORMAT_NAMES) {
        for (const split of ["train", "eval"]) expect(validateJsonl(format, run.file(`iter-0080/${split}.${format}.jsonl`))).toEqual([]);
      }
    }
  });

  it("finds rows with other columns, nulls in numeric columns, TRL column names and non-JSON lines", () => {
    const row = { prompt: [msg("user")], chosen: [msg("assistant")], rejected: [msg("assistant")] };
    const problems = validateJsonl(
      "trl-conversational",
      jsonl({ ...row, score_margin: 1.5 }, { ...row, score_margin: null }, { ...row }, { ...row, margin: 1, score_margin: 2 }) + "{oops\n",
    );
    const at = (line: number) => problems.filter((p) => p.line === line).map((p) => p.message).join("\n");
    expect(at(2)).toMatch(/`score_margin` is null here and a number elsewhere/);
    expect(at(3)).toMatch(/columns differ from line 1/);
    expect(at(4)).toMatch(/extra column `margin` has the name of a column TRL reads/);
    expect(at(5)).toMatch(/not a JSON object/);
  });

  it("finds the same problems in a file given in chunks cut anywhere (as the export checks what it writes)", () => {
    const row = { prompt: [msg("user")], chosen: [msg("assistant")], rejected: [msg("assistant")] };
    const file = jsonl(row, { ...row, score_margin: 1 }, { ...row, chosen: [msg("user")] }, { ...row, score_margin: null }) + "{oops\n" + JSON.stringify(row);
    const whole = validateJsonl("trl-conversational", file);
    expect(whole.length).toBeGreaterThanOrEqual(4);
    for (const size of [1, 7, 64, file.length]) {
      const check = new JsonlCheck("trl-conversational");
      for (let at = 0; at < file.length; at += size) check.write(file.slice(at, at + size));
      expect(check.end(), `chunks of ${size}`).toEqual(whole);
    }
  });
});
