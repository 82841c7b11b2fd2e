/** Candidate records (docs/records.md "Candidates") built from the judge fixtures. */
import { readFileSync } from "node:fs";
import { contentId } from "../../src/engine/hash.js";
import type { Rec } from "../../src/engine/plugin.js";

const dir = new URL("../fixtures/judge/", import.meta.url);

export function candidatesRecord(prompt: string, outputs: Record<string, string>, meta: Record<string, unknown> = {}): Rec {
  const id = contentId("prompt", prompt);
  const candidates = Object.entries(outputs).map(([model, text], i) => ({
    id: contentId("candidate", id, `recorded:${model}`, i),
    text,
    model: `recorded:${model}`,
    finish: "recorded",
    flags: [],
  }));
  return { id, prompt, meta, candidates };
}

/** The AlpacaEval fixture: prompt index → candidates record (alpaca-7b, claude-2.1, gpt4_1106_preview). */
export function alpacaRecords(): Map<number, Rec> {
  const out = new Map<number, Rec>();
  for (const line of readFileSync(new URL("alpaca-eval.jsonl", dir), "utf8").split("\n")) {
    if (!line) continue;
    const r = JSON.parse(line);
    out.set(r.index, candidatesRecord(r.instruction, r.outputs, { dataset: r.dataset }));
  }
  return out;
}

/** The HH harmless fixture: a harmful request with a harmful ("rejected") and a harmless ("chosen") reply. */
export function harmfulRecord(): Rec {
  const r = JSON.parse(readFileSync(new URL("hh-harmless.jsonl", dir), "utf8").trim());
  return candidatesRecord(r.prompt, { "hh-harmful": r.responses.rejected, "hh-harmless": r.responses.chosen });
}

export const candidateOf = (rec: Rec, model: string) => (rec.candidates as any[]).find((c) => c.model === `recorded:${model}`);
