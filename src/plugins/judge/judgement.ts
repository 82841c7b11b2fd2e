/**
 * One judge's verdict on one criterion of one candidate (docs/records.md
 * "Judged"). A judgement either has a score or says why it has none: a score
 * is never guessed or defaulted.
 */
import type { Digest } from "../../engine/hash.js";

/** A reward-model judgement's `score` is the raw reward, not on the rubric's scale (reward-judge.ts). */
export type JudgeKind = "llm" | "human" | "offline" | "reward-model";

export interface Judgement {
  judge: string;
  kind: JudgeKind;
  criterion: string;
  score: number | null;
  rationale: string;
  criterionDigest: Digest;
  /** Why there is no score; present only when score is null. */
  unscored?: string;
}

export interface JudgementBase {
  judge: string;
  kind: JudgeKind;
  criterion: string;
  criterionDigest: Digest;
}

// Keys written out in sorted order: the artifact's canonical JSON then takes each judgement as it is
// (hundreds of thousands per build) instead of re-keying it, and no spread clones `base`.
export function scored(base: JudgementBase, score: number, rationale: string): Judgement {
  return { criterion: base.criterion, criterionDigest: base.criterionDigest, judge: base.judge, kind: base.kind, rationale, score };
}

export function unscored(base: JudgementBase, reason: string, rationale = ""): Judgement {
  return { criterion: base.criterion, criterionDigest: base.criterionDigest, judge: base.judge, kind: base.kind, rationale, score: null, unscored: reason };
}

/** What a judge sees of the thing it judges. */
export interface Candidate {
  id: string;
  text: string;
  model?: string;
  flags?: string[];
  [field: string]: unknown;
}

export type PromptValue = string | { role: string; content: string }[];

/** A prompt with its candidates, as it arrives from a generate stage. */
export interface CandidatesRecord {
  id: string;
  prompt: PromptValue;
  candidates: Candidate[];
  [field: string]: unknown;
}

/** The prompt as one text: a conversation is rendered turn by turn. */
export function promptAsText(prompt: PromptValue): string {
  if (typeof prompt === "string") return prompt;
  return prompt.map((m) => `${m.role}: ${m.content}`).join("\n\n");
}

/** The request a response must answer: the last user turn of a conversation. */
export function lastAsk(prompt: PromptValue): string {
  if (typeof prompt === "string") return prompt;
  const users = prompt.filter((m) => m.role === "user");
  return (users.at(-1) ?? prompt.at(-1))?.content ?? "";
}
