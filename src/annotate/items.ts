/**
 * The things an annotator is shown: a candidate to score (pointwise) or two
 * candidates of a pair to compare (pairwise), read from built records. The key
 * of an item is what its saved line is recognised by on restart: the candidate
 * id, or the two candidate ids in either order.
 */
import type { Rec } from "../engine/plugin.js";
import { seededRng } from "../engine/rng.js";
import { promptAsText, type PromptValue } from "../plugins/judge/judgement.js";

export type Mode = "pointwise" | "pairwise";
export const MODES: readonly Mode[] = ["pointwise", "pairwise"];

export interface CandidateItem {
  kind: "candidate";
  id: string;
  prompt: string;
  response: string;
}

export interface PairItem {
  kind: "pair";
  /** The pair's id. */
  id: string;
  prompt: string;
  /** Shown first (A) and second (B). */
  a: { id: string; text: string };
  b: { id: string; text: string };
  /** Which side of the built pair A is: recorded with the answer, never shown. */
  shownFirst: "chosen" | "rejected";
}

export type Item = CandidateItem | PairItem;

export const candidateKey = (id: string) => `candidate:${id}`;
export const pairKey = (x: string, y: string) => `pair:${[x, y].sort().join(":")}`;

export function itemKey(item: Item): string {
  return item.kind === "candidate" ? candidateKey(item.id) : pairKey(item.a.id, item.b.id);
}

type Side = { id: string; text?: string };

export function isPairRecord(r: Rec): boolean {
  return typeof r.chosen === "object" && r.chosen !== null && typeof r.rejected === "object" && r.rejected !== null;
}

export function isCandidatesRecord(r: Rec): boolean {
  return Array.isArray(r.candidates);
}

/** Every candidate of judged/candidate records, in record order. */
export function candidatesOf(records: Rec[]): CandidateItem[] {
  return records.flatMap((r) =>
    (r.candidates as Side[]).map((c) => ({ kind: "candidate" as const, id: c.id, prompt: promptAsText(r.prompt as PromptValue), response: c.text ?? "" })),
  );
}

/** Both candidates of every pair, each once. */
export function pairCandidates(pairs: Rec[]): CandidateItem[] {
  const seen = new Set<string>();
  const out: CandidateItem[] = [];
  for (const p of pairs) {
    for (const side of [p.chosen, p.rejected] as Side[]) {
      if (seen.has(side.id)) continue;
      seen.add(side.id);
      out.push({ kind: "candidate", id: side.id, prompt: promptAsText(p.prompt as PromptValue), response: side.text ?? "" });
    }
  }
  return out;
}

/** Pairs with their sides in a seeded random order per annotator and pair (so position bias averages out). */
export function pairItems(pairs: Rec[], seed: number, annotator: string): PairItem[] {
  return pairs.map((p) => {
    const chosen = p.chosen as Side;
    const rejected = p.rejected as Side;
    const chosenFirst = seededRng(seed, "annotate-order", annotator, p.id).next() < 0.5;
    const [first, second] = chosenFirst ? [chosen, rejected] : [rejected, chosen];
    return {
      kind: "pair",
      id: p.id,
      prompt: promptAsText(p.prompt as PromptValue),
      a: { id: first.id, text: first.text ?? "" },
      b: { id: second.id, text: second.text ?? "" },
      shownFirst: chosenFirst ? "chosen" : "rejected",
    };
  });
}
