import { readFileSync } from "node:fs";
import { contentId } from "../../src/engine/hash.js";
import type { Rec } from "../../src/engine/plugin.js";
import { jaccard, shingleSet } from "../../src/plugins/dedup/shingle.js";
import { normalisePrompt } from "../../src/plugins/text/normalise.js";

const FIXTURE = new URL("../fixtures/dedup/prompts.jsonl", import.meta.url);

/** The fixture prompts (real AlpacaEval instructions), in file order. */
export const prompts: string[] = readFileSync(FIXTURE, "utf8")
  .split("\n")
  .filter(Boolean)
  .map((l) => (JSON.parse(l) as { instruction: string }).instruction);

/** A prompt record as a source would make it. */
export function promptRecord(prompt: string | { role: string; content: string }[], line = 1): Rec {
  return {
    id: contentId("prompt", normalisePrompt(prompt)),
    prompt,
    source: { file: "datasets/prompts.jsonl", line },
  };
}

export function records(texts: string[]): Rec[] {
  return texts.map((t, i) => promptRecord(t, i + 1));
}

/** Replaces every `every`-th word (from `from`) with a word that is not in the prompt. */
export function replaceWords(text: string, every: number, from = 0): string {
  return text
    .split(" ")
    .map((w, i) => (i >= from && (i - from) % every === 0 ? `zq${i}x` : w))
    .join(" ");
}

/** Exact word-trigram Jaccard of two texts after normalisation (the plugin's default shingles). */
export function trigramJaccard(a: string, b: string): number {
  const spec = { kind: "word" as const, size: 3 };
  return jaccard(shingleSet(normalisePrompt(a), spec), shingleSet(normalisePrompt(b), spec));
}

/** Fisher–Yates with a tiny fixed LCG: a shuffled copy that is the same on every run. */
export function shuffled<T>(items: readonly T[], seed = 12345): T[] {
  const out = [...items];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
