/**
 * The probe's inputs: an iteration's pairs in TRL's conversational format
 * (`{prompt: [messages], chosen: [messages], rejected: [messages]}`) and
 * AlpacaEval gold judgements (`{instruction, output_1, output_2, preference}`,
 * preference 1 → output_1 better, 2 → output_2, 1.5 a tie).
 */
import { readFileSync } from "node:fs";

export function readJsonl(file) {
  return readFileSync(file, "utf8").split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l));
}

const text = (messages) => messages.map((m) => m.content).join("\n\n");

/** {prompt, chosen, rejected} strings from TRL conversational rows. */
export function conversationalPairs(rows) {
  return rows.map((r) => ({ prompt: text(r.prompt), chosen: text(r.chosen), rejected: text(r.rejected) }));
}

/** Gold items for the given prompts only, as {prompt, better, worse, betterIsOutput1}; ties and identical outputs left out. */
export function goldFor(goldRows, prompts) {
  const wanted = new Set(prompts);
  const items = [];
  for (const g of goldRows) {
    if (!wanted.has(g.instruction) || g.output_1 === g.output_2 || g.preference === 1.5) continue;
    const first = g.preference < 1.5;
    items.push({ prompt: g.instruction, better: first ? g.output_1 : g.output_2, worse: first ? g.output_2 : g.output_1, betterIsOutput1: first });
  }
  return items;
}
