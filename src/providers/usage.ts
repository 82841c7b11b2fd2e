/**
 * The tokens one LLM call counts for, as the memo keeps them with the call's
 * reply: what the endpoint reported, or — when it reported nothing — dpo's own
 * estimate, marked so. Pure data and arithmetic; usage-account.ts turns these
 * records into tallies (what the output depends on) and stats (what this run
 * sent).
 */
import type { ChatMessage, ChatUsage } from "./llm.js";

/**
 * One call's share of tokens. A memoised reply holds one; a reply that is one
 * choice of a multi-choice request may hold its share of that request's usage.
 */
export interface CallUsage {
  prompt: number;
  completion: number;
  /** Set when the endpoint did not report usage and the figures are dpo's estimate. */
  estimated?: true;
  /** Set when the call went through a Batch API (`mode: batch`), billed at BATCH_PRICE_FACTOR of `prices`. */
  batch?: true;
}

/** What a Batch API call costs relative to the same call sent directly: OpenAI's (and Anthropic's) batch discount is 50%. */
export const BATCH_PRICE_FACTOR = 0.5;

/** USD per million tokens. */
export interface Price {
  input: number;
  output: number;
}

/** Characters per token of dpo's estimate: the usual rule of thumb for English text and BPE tokenizers. */
const CHARS_PER_TOKEN = 4;
/** Tokens a chat template adds around each message (role markers, separators), as OpenAI documents for its models. */
const TOKENS_PER_MESSAGE = 4;

/** dpo's estimate of a text's token count. */
export function estimateTextTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}

/** dpo's estimate of a call's tokens: its messages in, `completion` out. */
export function estimatedUsage(messages: readonly ChatMessage[], completion: string): CallUsage {
  let prompt = 0;
  for (const m of messages) prompt += TOKENS_PER_MESSAGE + estimateTextTokens(m.content);
  return { prompt, completion: estimateTextTokens(completion), estimated: true };
}

/**
 * The usage a chat reply counts for. A reply that reports no prompt tokens
 * reported no usage at all (a real call always has some): the endpoint left
 * `usage` out, or the reply was memoised before dpo kept usage records.
 */
export function chatUsage(reported: ChatUsage | undefined, messages: readonly ChatMessage[], text: string): CallUsage {
  if (reported && reported.prompt_tokens > 0) return { prompt: reported.prompt_tokens, completion: reported.completion_tokens };
  return estimatedUsage(messages, text);
}

/** The usage a reward-model call counts for: prompt tokens only. */
export function rewardUsage(reported: ChatUsage | undefined, messages: readonly ChatMessage[]): CallUsage {
  if (reported && reported.prompt_tokens > 0) return { prompt: reported.prompt_tokens, completion: 0 };
  return { ...estimatedUsage(messages, ""), completion: 0 };
}

/** What a call cost in USD at `price`. */
export function costUsd(usage: CallUsage, price: Price): number {
  const factor = usage.batch ? BATCH_PRICE_FACTOR : 1;
  return ((usage.prompt * price.input + usage.completion * price.output) * factor) / 1e6;
}

/**
 * A memoised usage record as it is (the memo hands out fresh objects), or
 * undefined when `v` is not one: a reply memoised before usage records were
 * kept, or a damaged entry.
 */
export function asCallUsage(v: unknown): CallUsage | undefined {
  const u = v as Partial<CallUsage> | undefined;
  if (typeof u !== "object" || u === null || !isCount(u.prompt) || !isCount(u.completion)) return undefined;
  const flagsValid = (u.estimated === undefined || u.estimated === true) && (u.batch === undefined || u.batch === true);
  if (flagsValid) return u as CallUsage;
  return { prompt: u.prompt, completion: u.completion, ...(u.estimated === true ? { estimated: true } : {}), ...(u.batch === true ? { batch: true } : {}) };
}

const isCount = (n: unknown): n is number => typeof n === "number" && Number.isFinite(n) && n >= 0;
