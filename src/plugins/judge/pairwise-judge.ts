/**
 * One pairwise judge on one pair: each question (a criterion, or the overall
 * question) is asked twice, chosen shown first (as A) and then second. A
 * verdict counts only when both orders name the same side (or both a tie);
 * otherwise it is a position-inconsistent tie.
 *
 * Two memo layers, as for the rubric judge: the provider memoises every chat
 * call, and each parsed answer is memoised per (settings, criterion digests,
 * prompt, response shown first, response shown second). The judge id is not
 * in the key. The answer is memoised with the usage of its calls, which the
 * stage tallies from the memo or not (llm-calls.ts).
 */
import type { Limit } from "../../engine/async/fail-fast-limit.js";
import type { PluginContext } from "../../engine/plugin.js";
import type { LlmProvider } from "../../providers/llm.js";
import { criterionDigest, type Rubric } from "../rubric/model.js";
import { inCacheOrder } from "./cache-order.js";
import type { PairwiseSettings } from "./pairwise-config.js";
import type { PromptValue } from "./judgement.js";
import { askJson } from "./llm-ask.js";
import { memoCalls, NotMemoised, type WithCalls } from "./llm-calls.js";
import { recordCost, type RecordCost } from "../../providers/record-cost.js";
import { criteriaReplySchema, parseCriteriaReply } from "./llm-reply.js";
import { pairwiseMessages, pairwiseRepair, PAIRWISE_PROMPT_VERSION, replyKey, winnerField, type Question, type Winner } from "./pairwise-prompt.js";

export type Side = "chosen" | "rejected" | "tie";

export interface PairwiseJudge {
  id: string;
  settings: PairwiseSettings;
  provider: LlmProvider;
}

export interface PairSides {
  prompt: PromptValue;
  chosen: string;
  rejected: string;
}

/** One question's outcome on a pair: both orders' answers, mapped to sides. */
export interface CriterionVerdict {
  prefers: Side;
  consistent: boolean;
  /** The side preferred with chosen shown first, then with rejected shown first. */
  orders: [Side, Side];
  rationales: [string, string];
}

export type QuestionOutcome = CriterionVerdict | { unanswered: string };

type Answer = { winner: Winner; rationale: string } | { unanswered: string };

/** Each question's outcome, by reply key (criterion id, or "overall"). */
export async function judgePair(
  ctx: PluginContext<any>,
  judge: PairwiseJudge,
  rubric: Rubric,
  pair: PairSides,
  limit: Limit,
  onCost?: (cost: RecordCost) => void,
): Promise<Record<string, QuestionOutcome>> {
  const questions: Question[] = judge.settings.mode === "overall" ? [{ overall: rubric.criteria }] : rubric.criteria.map((criterion) => ({ criterion }));
  const ask = async (q: Question) => {
    const [first, second] = await Promise.all([
      limit(() => answer(ctx, judge, rubric, q, pair.prompt, pair.chosen, pair.rejected)),
      limit(() => answer(ctx, judge, rubric, q, pair.prompt, pair.rejected, pair.chosen)),
    ]);
    return { entry: [replyKey(q), outcome(first.value, second.value)] as const, calls: [...first.calls, ...second.calls] };
  };
  // Per criterion, the calls in one order share the prompt and both responses: the first criterion's pair of calls
  // goes first, so a prefix cache holds each order's prefix before the other criteria ask.
  const outcomes = await inCacheOrder(judge.provider, questions, ask);
  // The calls in question order, so the cost is the same however they finished.
  onCost?.(recordCost(outcomes.flatMap((o) => o.calls), judge.provider.price?.(judge.settings.model)));
  return Object.fromEntries(outcomes.map((o) => o.entry));
}

/** `first`: chosen shown as A; `second`: rejected shown as A. */
function outcome(first: Answer, second: Answer): QuestionOutcome {
  if ("unanswered" in first) return first;
  if ("unanswered" in second) return second;
  const orders: [Side, Side] = [side(first.winner, "chosen"), side(second.winner, "rejected")];
  const consistent = orders[0] === orders[1];
  return { prefers: consistent ? orders[0] : "tie", consistent, orders, rationales: [first.rationale, second.rationale] };
}

/** The side a winner names when `a` was shown as A. */
function side(winner: Winner, a: "chosen" | "rejected"): Side {
  if (winner === "tie") return "tie";
  const b = a === "chosen" ? "rejected" : "chosen";
  return winner === "A" ? a : b;
}

function answer(ctx: PluginContext<any>, judge: PairwiseJudge, rubric: Rubric, q: Question, prompt: PromptValue, first: string, second: string): Promise<WithCalls<Answer>> {
  const { provider: _name, ...settings } = judge.settings;
  const digests = "criterion" in q ? [criterionDigest(rubric, q.criterion)] : q.overall.map((c) => criterionDigest(rubric, c));
  // @2: the answer and the usage of its calls (@1 held the answer alone).
  const key: unknown[] = ["judge-pairwise@2", PAIRWISE_PROMPT_VERSION, { provider: judge.provider.identity, ...settings }, digests, prompt, first, second];
  key.push(judge.provider.structuredOutput ?? null); // how the reply was constrained changes the verdict
  const id = replyKey(q);
  const ask = (sample: number) =>
    askJson(ctx, {
      sample,
      provider: judge.provider,
      settings: judge.settings,
      messages: pairwiseMessages(rubric, q, prompt, first, second),
      schema: { name: "pairwise_verdict", schema: criteriaReplySchema([id], winnerField) },
      parse: (text) => parseCriteriaReply<{ winner: Winner; rationale: string }>(text, [id], winnerField),
      repair: (error) => pairwiseRepair(error, q),
    });
  return memoCalls<Answer>(ctx, judge.provider, judge.settings.model, key, async () => {
    let reply = await ask(0);
    // Every reply of that round came from the memo: an earlier build failed the same way. Ask afresh.
    if (!reply.ok && !reply.fresh && !ctx.offline) reply = await ask(Date.now());
    if (reply.ok) return { value: reply.value[id]!, calls: reply.calls };
    // Never memoised as the answer: fixing the endpoint or the prompt recovers on the next build.
    throw new NotMemoised<Answer>({ value: { unanswered: reply.reason }, calls: reply.calls });
  });
}
