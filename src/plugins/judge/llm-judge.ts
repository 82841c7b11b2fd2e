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
import type { LlmProvider } from "../../providers/llm.js";
import { criterionDigest, type Criterion, type Rubric } from "../rubric/model.js";
import type { LlmJudgeSettings } from "./config.js";
import { scored, unscored, type Candidate, type Judgement, type PromptValue } from "./judgement.js";
import { askJson } from "./llm-ask.js";
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
  const answer = await askJson(ctx, {
    provider: judge.provider,
    settings: judge.settings,
    messages: judgeMessages(rubric, criteria, prompt, response),
    parse: (text) => {
      const parsed = parseReply(text, ids, rubric.scale);
      return parsed.ok ? { ok: true, value: parsed.scores } : parsed;
    },
    repair: (error) => repairMessage(error, rubric, criteria),
  });
  if (answer.ok) return answer.value;
  return Object.fromEntries(ids.map((id) => [id, { unscored: answer.reason, rationale: "" }]));
}
