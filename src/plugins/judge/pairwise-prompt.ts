/**
 * The messages a pairwise judge receives: which of two responses is better.
 * Built for prefix caching: everything shared by the calls about one pair in
 * one order (instructions, the prompt, both responses) comes first, the
 * criterion asked about LAST, so a server that caches prefixes reuses the long
 * part across the criteria of a pair.
 */
import type { ChatMessage } from "../../providers/llm.js";
import { sortedAnchors, type Criterion, type Rubric } from "../rubric/model.js";
import { promptAsText, type PromptValue } from "./judgement.js";
import { criteriaReplyExample, type VerdictField } from "./llm-reply.js";

export const PAIRWISE_PROMPT_VERSION = "pairwise-prompt@1";

/** The reply key of an overall verdict (mode `overall`). */
export const OVERALL = "overall";

export type Winner = "A" | "B" | "tie";

export const winnerField: VerdictField = {
  name: "winner",
  schema: { type: "string", enum: ["A", "B", "tie"] },
  example: '"A" | "B" | "tie"',
};

/** What one call asks about: one criterion, or every criterion at once for an overall verdict. */
export type Question = { criterion: Criterion } | { overall: Criterion[] };

export const replyKey = (q: Question) => ("criterion" in q ? q.criterion.id : OVERALL);

export function pairwiseMessages(rubric: Rubric, q: Question, prompt: PromptValue, first: string, second: string): ChatMessage[] {
  const system = [
    "You are a careful, impartial evaluator comparing two AI assistant responses to the same prompt.",
    'Decide which response is better on what is asked at the end: "A", "B", or "tie" when neither is better.',
    "The order in which the responses are shown says nothing about their quality, and a longer response is not better for being longer.",
    "Reply with one JSON object and nothing else.",
    rubric.instructions.trim(),
  ]
    .filter(Boolean)
    .join("\n\n");
  const user = [
    `# Prompt`,
    promptAsText(prompt),
    `# Response A`,
    shown(first),
    `# Response B`,
    shown(second),
    ...asked(q),
    `# Reply format`,
    `Reply with exactly this JSON shape:\n${criteriaReplyExample([replyKey(q)], winnerField)}`,
  ].join("\n\n");
  return [
    { role: "system", content: system },
    { role: "user", content: user },
  ];
}

function asked(q: Question): string[] {
  if ("criterion" in q) return [`# Criterion`, describeCriterion(q.criterion)];
  return [`# Criteria (judge which response is better overall, weighing all of them)`, ...q.overall.map(describeCriterion)];
}

const shown = (text: string) => (text === "" ? "(empty response)" : text);

function describeCriterion(c: Criterion): string {
  const anchors = sortedAnchors(c).map(([score, text]) => `- ${score}: ${text.trim()}`);
  return `## ${c.id}\n${c.description.trim()}\nAnchors:\n${anchors.join("\n")}`;
}

export function pairwiseRepair(error: string, q: Question): ChatMessage {
  return {
    role: "user",
    content: `Your reply could not be used: ${error}.\nReply again with only the JSON object, exactly in this shape:\n${criteriaReplyExample([replyKey(q)], winnerField)}`,
  };
}
