/**
 * An LLM judge. Each call asks for JSON (a score and a rationale per
 * criterion), checks it against a schema, and on a malformed reply sends the
 * bad reply back with the validation error, up to `maxRepairs` times. A reply
 * that never validates is recorded as unscored with the reason: never guessed.
 *
 * Two memo layers: the provider memoises every chat call, and the parsed
 * verdict is memoised per (judge settings, criterion digests, prompt,
 * candidate text). The judge's id is not in the key: renaming a judge does not
 * re-judge.
 */
import type { PluginContext } from "../../engine/plugin.js";
import type { ChatMessage, ChatRequest, LlmProvider } from "../../providers/llm.js";
import { criterionDigest, type Criterion, type Rubric } from "../rubric/model.js";
import type { LlmJudgeSettings } from "./config.js";
import { scored, unscored, type Candidate, type Judgement, type PromptValue } from "./judgement.js";
import { judgeMessages, PROMPT_VERSION, repairMessage } from "./llm-prompt.js";
import { parseReply } from "./llm-reply.js";

type Verdict = { score: number; rationale: string } | { unscored: string; rationale: string };

export interface LlmJudge {
  id: string;
  settings: LlmJudgeSettings;
  provider: LlmProvider;
}

/** What one call asks: these criteria of the rubric, for this prompt and response. */
interface Question {
  rubric: Rubric;
  criteria: Criterion[];
  prompt: PromptValue;
  response: string;
}

/** Judges one candidate on every criterion; calls run through `limit`. */
export async function judgeWithLlm(
  ctx: PluginContext<any>,
  judge: LlmJudge,
  rubric: Rubric,
  prompt: PromptValue,
  candidate: Candidate,
  limit: <T>(fn: () => Promise<T>) => Promise<T>,
): Promise<Judgement[]> {
  const groups = judge.settings.mode === "single-call" ? [rubric.criteria] : rubric.criteria.map((c) => [c]);
  const response = candidate.text ?? "";
  const ask = (criteria: Criterion[]) => limit(() => verdictsFor(ctx, judge, { rubric, criteria, prompt, response }));
  const verdicts = await Promise.all(groups.map(ask));
  return groups.flatMap((group, g) =>
    group.map((criterion) => {
      const base = { judge: judge.id, kind: "llm" as const, criterion: criterion.id, criterionDigest: criterionDigest(rubric, criterion) };
      const v = verdicts[g]![criterion.id]!;
      return "unscored" in v ? unscored(base, v.unscored, v.rationale) : scored(base, v.score, v.rationale);
    }),
  );
}

function verdictsFor(ctx: PluginContext<any>, judge: LlmJudge, q: Question): Promise<Record<string, Verdict>> {
  const { provider: _name, ...settings } = judge.settings;
  const key = [
    "judge-llm@1",
    PROMPT_VERSION,
    { provider: judge.provider.identity, ...settings },
    q.criteria.map((c) => criterionDigest(q.rubric, c)),
    q.prompt,
    q.response,
  ];
  return ctx.memo(key, () => askWithRepairs(ctx, judge, q));
}

async function askWithRepairs(
  ctx: PluginContext<any>,
  judge: LlmJudge,
  { rubric, criteria, prompt, response }: Question,
): Promise<Record<string, Verdict>> {
  const ids = criteria.map((c) => c.id);
  let messages: ChatMessage[] = judgeMessages(rubric, criteria, prompt, response);
  let error = "";
  for (let attempt = 0; attempt <= judge.settings.maxRepairs; attempt++) {
    const reply = await judge.provider.chat(request(judge.settings, messages), { ctx });
    const parsed = parseReply(reply.text, ids, rubric.scale);
    if (parsed.ok) return parsed.scores;
    error = parsed.error;
    messages = [...messages, { role: "assistant", content: reply.text }, repairMessage(error, rubric, criteria)];
  }
  const repairs = judge.settings.maxRepairs;
  const reason = `invalid judge reply after ${repairs} repair${repairs === 1 ? "" : "s"}: ${error}`;
  return Object.fromEntries(ids.map((id) => [id, { unscored: reason, rationale: "" }]));
}

function request(s: LlmJudgeSettings, messages: ChatMessage[]): ChatRequest {
  const r: ChatRequest = { model: s.model, messages, temperature: s.temperature, json: true };
  if (s.maxTokens !== undefined) r.max_tokens = s.maxTokens;
  return r;
}
