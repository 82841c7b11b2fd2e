/**
 * An LLM judge. Each call asks for JSON (a score and a rationale per
 * criterion), checks it against a schema, and on a malformed reply sends the
 * bad reply back with the validation error, up to `maxRepairs` times. A reply
 * that never validates is recorded as unscored with the reason: never guessed.
 *
 * Two memo layers: the provider memoises every chat call, and the parsed
 * verdict is memoised per (judge settings, criterion digests, prompt,
 * candidate text). The judge's id is not in the key: renaming a judge does not
 * re-judge. A verdict that never validated is NOT memoised: its raw replies
 * are (for diagnosis), and when a later build finds them failing again from
 * the memo, it asks once more afresh (unless offline), so fixing the endpoint
 * or the prompt recovers without touching the memo of good calls. The verdict
 * is memoised with the usage of the calls it took, and those are what the
 * stage tallies, from the memo or not (llm-calls.ts).
 */
import type { PluginContext } from "../../engine/plugin.js";
import type { LlmProvider } from "../../providers/llm.js";
import { criterionDigest, type Criterion, type Rubric } from "../rubric/model.js";
import { inCacheOrder } from "./cache-order.js";
import type { LlmJudgeSettings } from "./config.js";
import { scored, unscored, type Candidate, type Judgement, type PromptValue } from "./judgement.js";
import { askJson } from "./llm-ask.js";
import { memoCalls, NotMemoised, type WithCalls } from "./llm-calls.js";
import { recordCost, type RecordCost } from "../../providers/record-cost.js";
import { judgeMessages, PROMPT_VERSION, repairMessage } from "./llm-prompt.js";
import { parseReply, replySchema } from "./llm-reply.js";

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

/**
 * When a candidate's calls may start, for a prefix cache: the calls about a
 * record's candidates share the instructions and the prompt, so the first
 * candidate's first call goes alone (`onFirst` when it is answered) and the
 * other candidates wait for it (`after`).
 */
export interface CallOrder {
  after?: Promise<void>;
  onFirst?: () => void;
}

/** Judges one candidate on every criterion; calls run through `limit`. */
export async function judgeWithLlm(
  ctx: PluginContext<any>,
  judge: LlmJudge,
  rubric: Rubric,
  prompt: PromptValue,
  candidate: Candidate,
  limit: <T>(fn: () => Promise<T>) => Promise<T>,
  onCost?: (cost: RecordCost) => void,
  order: CallOrder = {},
): Promise<Judgement[]> {
  const groups = judge.settings.mode === "single-call" ? [rubric.criteria] : rubric.criteria.map((c) => [c]);
  const response = candidate.text ?? "";
  const ask = (criteria: Criterion[]) => limit(() => verdictsFor(ctx, judge, { rubric, criteria, prompt, response }));
  // The per-criterion calls about one response share its long prefix (llm-prompt.ts): sent together, each would
  // prefill it again. Other candidates' calls fill the slots meanwhile.
  await order.after;
  const answers = await inCacheOrder(judge.provider, groups, ask, order.onFirst);
  const verdicts = answers.map((a) => a.value);
  // The calls in criterion order, so the cost is the same however the calls finished.
  onCost?.(recordCost(answers.flatMap((a) => a.calls), judge.provider.price?.(judge.settings.model)));
  return groups.flatMap((group, g) =>
    group.map((criterion) => {
      const base = { judge: judge.id, kind: "llm" as const, criterion: criterion.id, criterionDigest: criterionDigest(rubric, criterion) };
      const v = verdicts[g]![criterion.id]!;
      return "unscored" in v ? unscored(base, v.unscored, v.rationale) : scored(base, v.score, v.rationale);
    }),
  );
}

function verdictsFor(ctx: PluginContext<any>, judge: LlmJudge, q: Question): Promise<WithCalls<Record<string, Verdict>>> {
  const { provider: _name, ...settings } = judge.settings;
  const key = [
    "judge-llm@2", // @2: the verdicts and the usage of their calls (@1 held the verdicts alone)
    PROMPT_VERSION,
    { provider: judge.provider.identity, ...settings },
    // What the prompt shows: the criteria asked about, or (rubricContext: all) the whole rubric and the ids asked.
    ...(judge.settings.rubricContext === "all"
      ? [q.rubric.criteria.map((c) => criterionDigest(q.rubric, c)), q.criteria.map((c) => c.id)]
      : [q.criteria.map((c) => criterionDigest(q.rubric, c))]),
    q.prompt,
    q.response,
    judge.provider.structuredOutput ?? null, // how the reply was constrained changes the verdict
  ];
  const verdict = async () => {
    let answer = await askWithRepairs(ctx, judge, q, 0);
    // Every reply of that round came from the memo: an earlier build failed the same way. Ask afresh.
    if (!answer.ok && !answer.fresh && !ctx.offline) answer = await askWithRepairs(ctx, judge, q, Date.now());
    if (answer.ok) return { value: answer.value, calls: answer.calls };
    throw new NotMemoised({ value: unscoredVerdicts(q, answer.reason, ctx.redact(answer.reply)), calls: answer.calls });
  };
  return memoCalls(ctx, judge.provider, judge.settings.model, key, verdict);
}

/** Every criterion of the question unscored, the reason quoting the start of the last reply (redacted). */
function unscoredVerdicts(q: Question, reason: string, reply: string): Record<string, Verdict> {
  const quoted = reply.length > 120 ? `${reply.slice(0, 120)}…` : reply;
  const why = `${reason}; last reply: ${JSON.stringify(quoted)}`;
  return Object.fromEntries(q.criteria.map((c) => [c.id, { unscored: why, rationale: "" }]));
}

async function askWithRepairs(ctx: PluginContext<any>, judge: LlmJudge, { rubric, criteria, prompt, response }: Question, sample: number) {
  const ids = criteria.map((c) => c.id);
  return askJson<Record<string, Verdict>>(ctx, {
    sample,
    provider: judge.provider,
    settings: judge.settings,
    messages: judgeMessages(rubric, criteria, prompt, response, judge.settings.rubricContext),
    schema: { name: "judge_scores", schema: replySchema(ids, rubric.scale) },
    parse: (text) => {
      const parsed = parseReply(text, ids, rubric.scale);
      return parsed.ok ? { ok: true, value: parsed.scores } : parsed;
    },
    repair: (error) => repairMessage(error, rubric, criteria),
  });
}
