/**
 * A reward-model judge: one call per candidate to a provider's reward route
 * (vLLM `/pooling` or `/classify`, providers/openai-reward.ts) with the prompt
 * as chat messages and the candidate as the assistant turn. Its judgement is
 * the raw reward, unscaled: `kind: "reward-model"`, `criterion: "reward"`
 * (not a rubric criterion). pair/preference keeps rewards apart from rubric
 * scores (pair/aggregate.ts): they decide direction and margin only when no
 * rubric-scale judge scored the prompt's candidates, and otherwise vote on
 * direction only. The provider memoises each call.
 */
import type { Limit } from "../../engine/async/fail-fast-limit.js";
import { digestOf } from "../../engine/hash.js";
import type { PluginContext } from "../../engine/plugin.js";
import type { ChatMessage } from "../../providers/llm.js";
import type { RewardEndpoint, RewardProvider } from "../../providers/openai-reward.js";
import { recordCost, type RecordCost } from "../../providers/record-cost.js";
import { scored, type Candidate, type Judgement, type PromptValue } from "./judgement.js";

export const REWARD_CRITERION = "reward";

export interface RewardJudge {
  id: string;
  model: string;
  endpoint: RewardEndpoint;
  provider: RewardProvider;
}

export async function judgeWithReward(
  ctx: PluginContext<any>,
  judge: RewardJudge,
  prompt: PromptValue,
  candidate: Candidate,
  limit: Limit,
  onCost?: (cost: RecordCost) => void,
): Promise<Judgement[]> {
  const messages: ChatMessage[] = [...asMessages(prompt), { role: "assistant", content: candidate.text ?? "" }];
  const { score, tokens } = await limit(() => judge.provider.reward({ model: judge.model, messages, endpoint: judge.endpoint }, { ctx }));
  onCost?.(recordCost(tokens ? [tokens] : [], judge.provider.price?.(judge.model)));
  const base = { judge: judge.id, kind: "reward-model" as const, criterion: REWARD_CRITERION, criterionDigest: digestOf(["reward-model@1", judge.model, judge.endpoint]) };
  return [scored(base, score, `reward model ${judge.model} (${judge.endpoint}): raw reward ${round(score)}`)];
}

function asMessages(prompt: PromptValue): ChatMessage[] {
  if (typeof prompt === "string") return [{ role: "user", content: prompt }];
  return prompt.map((m) => ({ role: m.role as ChatMessage["role"], content: m.content }));
}

const round = (x: number) => Math.round(x * 10_000) / 10_000;
