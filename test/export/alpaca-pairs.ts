/**
 * Pair records (docs/records.md "Pair") built from real AlpacaEval data: per
 * prompt, gpt4_1106_preview vs alpaca-7b judged by two recorded AlpacaEval
 * annotators, and text_davinci_003 vs alpaca-7b judged by a third (ties give
 * no pair). oasst prompts are turned into system+user conversations so the
 * conversation renderings are exercised too.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { contentId, digestOf } from "../../src/engine/hash.js";
import type { Rec } from "../../src/engine/plugin.js";
import { normalisePrompt } from "../../src/plugins/text/normalise.js";

export const FIXTURE = "test/fixtures/export/alpaca_eval_sample.jsonl";
export const SYSTEM = "You are a helpful assistant.";

interface Row {
  instruction: string;
  dataset: string;
  outputs: Record<"gpt4_1106_preview" | "text_davinci_003" | "alpaca-7b", string>;
  preferences: Record<"weighted_alpaca_eval_gpt4_turbo" | "alpaca_eval_cot_gpt4_turbo_fn" | "alpaca_eval_gpt4", number>;
}

export function fixtureRows(): Row[] {
  const path = fileURLToPath(new URL("../fixtures/export/alpaca_eval_sample.jsonl", import.meta.url));
  return readFileSync(path, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Row);
}

/** AlpacaEval preference (1 = first output better, 2 = second) as a 1..5 score of the first output. */
const scoreOfFirst = (preference: number) => 1 + 4 * (2 - preference);

export function alpacaPairs(): Rec[] {
  const pairs: Rec[] = [];
  fixtureRows().forEach((row, i) => {
    const prompt =
      row.dataset === "oasst"
        ? [
            { role: "system" as const, content: SYSTEM },
            { role: "user" as const, content: row.instruction },
          ]
        : row.instruction;
    const promptId = contentId("prompt", normalisePrompt(prompt));
    const base = { promptId, prompt, meta: { dataset: row.dataset }, source: { file: FIXTURE, line: i + 1 } };
    const candidate = (model: keyof Row["outputs"]) => ({ id: contentId("candidate", promptId, model, 0), text: row.outputs[model], model });

    const judges = (["weighted_alpaca_eval_gpt4_turbo", "alpaca_eval_cot_gpt4_turbo_fn"] as const).map((judge) => ({
      judge,
      first: scoreOfFirst(row.preferences[judge]),
    }));
    const firstScore = judges.reduce((s, j) => s + j.first, 0) / judges.length;
    pairs.push(
      pair(base, candidate("gpt4_1106_preview"), candidate("alpaca-7b"), firstScore, judges, "gpt4-vs-alpaca"),
    );

    const davinci = row.preferences.alpaca_eval_gpt4;
    if (davinci !== 0) {
      const j = [{ judge: "alpaca_eval_gpt4", first: scoreOfFirst(davinci) }];
      pairs.push(pair(base, candidate("text_davinci_003"), candidate("alpaca-7b"), j[0]!.first, j, "davinci-vs-alpaca"));
    }
  });
  return pairs;
}

type Candidate = { id: string; text: string; model: string };

function pair(
  base: Record<string, unknown> & { promptId: string },
  first: Candidate,
  second: Candidate,
  firstScore: number,
  judges: { judge: string; first: number }[],
  rubric: string,
): Rec {
  const secondScore = 6 - firstScore;
  const firstWins = firstScore >= secondScore;
  const [chosen, rejected] = firstWins ? [first, second] : [second, first];
  const [cs, rs] = firstWins ? [firstScore, secondScore] : [secondScore, firstScore];
  const votes = judges.map((j) => {
    const c = firstWins ? j.first : 6 - j.first;
    const r = 6 - c;
    return { judge: j.judge, prefers: c > r ? "chosen" : c < r ? "rejected" : "tie", chosen: c, rejected: r };
  });
  const share = votes.filter((v) => v.prefers === "chosen").length / votes.length;
  return {
    id: contentId("pair", chosen.id, rejected.id),
    ...base,
    chosen: { ...chosen, score: cs },
    rejected: { ...rejected, score: rs },
    margin: cs - rs,
    judges: votes,
    reason: `${votes.map((v) => v.judge).join(", ")} prefer ${chosen.model} over ${rejected.model}`,
    rubric: { name: rubric, digest: digestOf({ rubric, judges: judges.map((j) => j.judge) }) },
    agreement: { share, spread: 0, disputed: share < 1 },
  };
}
