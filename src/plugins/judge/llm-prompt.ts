/**
 * The messages an LLM judge receives. A prompt contains only the criteria it
 * asks about, so a per-criterion call (and its memo key) is unaffected by
 * edits to other criteria.
 *
 * Built for prefix caching (vLLM's automatic prefix caching, OpenAI's prompt
 * caching): what the calls about one candidate share — instructions, the
 * reply format, the prompt, the response — comes first, and the criteria
 * asked about LAST, so the per-criterion calls about a response reuse its
 * long prefix and differ only in the short tail. The reply format names no
 * criterion for that reason (the `##` headings give the ids; a provider
 * asking with `json_schema` enforces them, and a repair shows them exactly).
 *
 * With `rubricContext: all` the whole rubric moves into the system message,
 * shared by every call of the judge, and the tail is just the ids to score:
 * nearly everything is a cached prefix, at the price that every verdict
 * depends on every criterion (its key holds them all).
 */
import type { ChatMessage } from "../../providers/llm.js";
import { sortedAnchors, type Criterion, type Rubric } from "../rubric/model.js";
import { promptAsText, type PromptValue } from "./judgement.js";
import type { RubricContext } from "./config.js";
import { replyExample } from "./llm-reply.js";

export const PROMPT_VERSION = "judge-prompt@2";

export function judgeMessages(rubric: Rubric, criteria: Criterion[], prompt: PromptValue, response: string, context: RubricContext = "asked"): ChatMessage[] {
  const { min, max } = rubric.scale;
  const whole = context === "all";
  const system = [
    "You are a careful, impartial evaluator of AI assistant responses.",
    whole
      ? `Score the response on each criterion named at the end, as the rubric below describes it, with an integer from ${min} (worst) to ${max} (best).`
      : `Score the response on each criterion given at the end with an integer from ${min} (worst) to ${max} (best).`,
    `Reply with one JSON object and nothing else, with one entry per criterion, keyed by the criterion's id (its \`##\` heading):\n${genericShape(rubric)}`,
    rubric.instructions.trim(),
    ...(whole ? ["# Rubric", ...rubric.criteria.map(describeCriterion)] : []),
  ]
    .filter(Boolean)
    .join("\n\n");
  const tail = whole ? [`# Criteria to score`, criteria.map((c) => c.id).join(", ")] : [`# Criteria`, ...criteria.map(describeCriterion)];
  const user = [`# Prompt`, promptAsText(prompt), `# Response to judge`, response === "" ? "(empty response)" : response, ...tail].join("\n\n");
  return [
    { role: "system", content: system },
    { role: "user", content: user },
  ];
}

/** The reply shape without criterion ids, so it belongs to the shared part of every call. */
function genericShape(rubric: Rubric): string {
  const { min, max } = rubric.scale;
  return `{"<criterion id>": {"rationale": "<one or two sentences>", "score": <integer ${min}-${max}>}}`;
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
