/**
 * The messages an LLM judge receives. A prompt contains only the criteria it
 * asks about, so a per-criterion call (and its memo key) is unaffected by
 * edits to other criteria.
 */
import type { ChatMessage } from "../../providers/llm.js";
import { sortedAnchors, type Criterion, type Rubric } from "../rubric/model.js";
import { promptAsText, type PromptValue } from "./judgement.js";
import { replyExample } from "./llm-reply.js";

export const PROMPT_VERSION = "judge-prompt@1";

export function judgeMessages(rubric: Rubric, criteria: Criterion[], prompt: PromptValue, response: string): ChatMessage[] {
  const { min, max } = rubric.scale;
  const system = [
    "You are a careful, impartial evaluator of AI assistant responses.",
    `Score the response on each criterion below with an integer from ${min} (worst) to ${max} (best).`,
    "Reply with one JSON object and nothing else.",
    rubric.instructions.trim(),
  ]
    .filter(Boolean)
    .join("\n\n");
  const user = [
    `# Criteria`,
    ...criteria.map(describeCriterion),
    `# Prompt`,
    promptAsText(prompt),
    `# Response to judge`,
    response === "" ? "(empty response)" : response,
    `# Reply format`,
    `Reply with exactly this JSON shape, one entry per criterion:\n${replyExample(criteria.map((c) => c.id), rubric.scale)}`,
  ].join("\n\n");
  return [
    { role: "system", content: system },
    { role: "user", content: user },
  ];
}

function describeCriterion(c: Criterion): string {
  const anchors = sortedAnchors(c).map(([score, text]) => `- ${score}: ${text.trim()}`);
  return `## ${c.id}\n${c.description.trim()}\nAnchors:\n${anchors.join("\n")}`;
}

/** Sent after a malformed reply: what was wrong and what to send instead. */
export function repairMessage(error: string, rubric: Rubric, criteria: Criterion[]): ChatMessage {
  return {
    role: "user",
    content: `Your reply could not be used: ${error}.\nReply again with only the JSON object, exactly in this shape:\n${replyExample(
      criteria.map((c) => c.id),
      rubric.scale,
    )}`,
  };
}
