/**
 * Small hand-made records of every kind the report reads (docs/records.md), so
 * each figure of the report can be checked by hand: three pairs from a
 * `pairs` stage, two of them kept by an `agreement` stage (one disputed on a
 * criterion, the third dropped as disputed), their export memberships, and
 * prompts before and after a dedup that folded one prompt into another.
 */
import type { Rec } from "../../src/engine/plugin.js";

type Prefers = "chosen" | "rejected" | "tie";

export function pair(id: string, o: { promptId: string; dataset: string; margin: number; votes: [Prefers, Prefers]; clarity: [number, number]; prompt?: string }): Rec {
  return {
    id,
    promptId: o.promptId,
    prompt: o.prompt ?? `prompt of ${id}`,
    meta: { dataset: o.dataset },
    source: { file: "data/prompts.jsonl", line: 1 },
    chosen: { id: `${id}-c`, text: `chosen answer of ${id}`, model: "model-a", score: 4 },
    rejected: { id: `${id}-r`, text: `rejected answer of ${id}`, model: "model-b", score: 4 - o.margin },
    margin: o.margin,
    criteria: [
      { id: "clarity", chosen: o.clarity[0], rejected: o.clarity[1], delta: o.clarity[0] - o.clarity[1] },
      { id: "safety", chosen: 5, rejected: 5, delta: 0 },
    ],
    judges: o.votes.map((prefers, i) => ({
      judge: `judge-${i + 1}`,
      prefers,
      chosen: prefers === "rejected" ? 3 : 4,
      rejected: prefers === "chosen" ? 3 : prefers === "tie" ? 4 : 4,
      scores: { clarity: { chosen: o.clarity[0] + (prefers === "rejected" ? -2 : 0), rejected: o.clarity[1] } },
    })),
    reason: `chosen wins on clarity (${id})`,
    rubric: { name: "mini", digest: "d" },
  };
}

export const P1 = pair("p1", { promptId: "q1", dataset: "koala", margin: 1, votes: ["chosen", "chosen"], clarity: [5, 3] });
export const P2 = pair("p2", { promptId: "q2", dataset: "oasst", margin: 0.5, votes: ["chosen", "tie"], clarity: [4, 4] });
export const P3 = pair("p3", { promptId: "q3", dataset: "oasst", margin: 0.5, votes: ["rejected", "rejected"], clarity: [3, 2] });

export function withAgreement(p: Rec, a: { share: number; disputed: boolean; clarityDisputed: boolean }): Rec {
  return {
    ...p,
    agreement: { judges: 2, share: a.share, spread: 0, disputed: a.disputed, criteria: { clarity: { share: a.clarityDisputed ? 0.25 : 1, judges: 2, disputed: a.clarityDisputed } } },
  };
}

export const AGREED = [withAgreement(P1, { share: 1, disputed: false, clarityDisputed: false }), withAgreement(P2, { share: 0.75, disputed: false, clarityDisputed: true })];

export const MEMBERSHIPS: Rec[] = [
  { id: "p1", promptId: "q1", split: "train", iterations: ["iter-0001"], rank: 1 },
  { id: "p2", promptId: "q2", split: "eval", iterations: ["iter-0001"], rank: 1 },
];

export const PROMPTS: Rec[] = [
  { id: "q1", prompt: "How do I boil an egg?", meta: {}, source: { file: "data/prompts.jsonl", line: 1 } },
  { id: "q2", prompt: "Write a haiku.", meta: {}, source: { file: "data/prompts.jsonl", line: 2 } },
  { id: "q9", prompt: "how do I boil an egg ?", meta: {}, source: { file: "data/prompts.jsonl", line: 3 } },
];

export const UNIQUE_PROMPTS: Rec[] = [
  { ...PROMPTS[0]!, duplicates: [{ id: "q9", similarity: 0.9, source: { file: "data/prompts.jsonl", line: 3 } }, { id: "q8", similarity: 0.8 }] },
  PROMPTS[1]!,
];

export const CANDIDATES: Rec[] = [
  { id: "q1", prompt: "How do I boil an egg?", candidates: [{ id: "c1", text: "…", usage: { prompt_tokens: 10, completion_tokens: 5 } }, { id: "c2", text: "…", usage: { prompt_tokens: 10, completion_tokens: 7 } }] },
  { id: "q2", prompt: "Write a haiku.", candidates: [{ id: "c3", text: "…", usage: { prompt_tokens: 4, completion_tokens: 1 } }] },
];
