/**
 * Reward-model scoring over vLLM's pooling routes, for the openai provider:
 * `POST /pooling` (a reward model: chat messages in, `{"data": [{"data":
 * [score]}]}` out) and `POST /classify` (a sequence-classification head:
 * `{"data": [{"probs": […], "label": …}]}` out). Like vLLM, the routes sit at
 * the server root, beside the `/v1` of the base URL. The calls go through the
 * provider's memo, retries and limits (openai-provider.ts `reward`); this file
 * holds only what differs from a chat call: the route, the body, the reading
 * of the reply and the memo key.
 */
import type { PostTarget } from "./http-post.js";
import type { PluginContext } from "../engine/plugin.js";
import type { ChatMessage, ChatUsage } from "./llm.js";
import type { CallUsage, Price } from "./usage.js";

export type RewardEndpoint = "pooling" | "classify";

export interface RewardRequest {
  model: string;
  /** The conversation to score, ending with the assistant response. */
  messages: ChatMessage[];
  endpoint: RewardEndpoint;
}

/** What a successful call yields, and what the memo stores. */
export interface RewardReply {
  score: number;
  usage: ChatUsage;
}

export interface RewardResult {
  score: number;
  /** True when the reply came from the memo, not the network. */
  cached: boolean;
  /** The tokens the call counts for (reported, or dpo's estimate). */
  tokens?: CallUsage;
}

/** A provider that can score a conversation with a reward model. */
export interface RewardProvider {
  readonly identity: Readonly<Record<string, unknown>>;
  reward(request: RewardRequest, options: { ctx: PluginContext<any> }): Promise<RewardResult>;
  /** The configured price of `model`, as LlmProvider.price. */
  price?(model: string): Price | undefined;
}

export const REWARD_KEY_VERSION = "reward@1";

/** Like chatKey: the endpoint identity, route, model and messages; never credentials. */
export function rewardKey(identity: Readonly<Record<string, unknown>>, request: RewardRequest): string {
  return JSON.stringify([REWARD_KEY_VERSION, identity, request.endpoint, request.model, request.messages.map((m) => ({ content: m.content, role: m.role }))]);
}

/** How one kind of call is posted and read: the chat route and the two reward routes. */
export interface PostRoute<R> {
  target(chat: PostTarget): PostTarget;
  body(request: { model: string; messages: ChatMessage[] }): Record<string, unknown>;
  parse(text: string): R | undefined;
  /** True for chat completions, which `mode: batch` sends through the Batch API. */
  batch?: boolean;
  /** Said when the endpoint rejects this route's request (HTTP 400 or 422). */
  rejectedHint?: string;
}

/** `/v1/chat/completions` → `/pooling` (or `/classify`), keeping any query. */
export function rewardRoute(endpoint: RewardEndpoint): PostRoute<RewardReply> {
  return {
    target: (chat) => ({ ...chat, path: chat.path.replace(/(?:\/v1)?\/chat\/completions(?=\?|$)/, `/${endpoint}`) }),
    body: (r) => ({ model: r.model, messages: r.messages.map((m) => ({ role: m.role, content: m.content })) }),
    parse: (text) => parseReward(endpoint, text),
  };
}

/**
 * The score in a reply. `/pooling`: `data[0].data` is the score, or [score];
 * a per-token output (a list of several values, or of rows) gives the last
 * token's value. `/classify`: with one class its probability, otherwise the
 * probability of the last class (the "preferred"/positive label of a binary head).
 */
export function parseReward(endpoint: RewardEndpoint, text: string): RewardReply | undefined {
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const item = json?.data?.[0];
  const score = endpoint === "pooling" ? lastValue(item?.data) : lastValue(item?.probs);
  if (score === undefined) return undefined;
  return { score, usage: { prompt_tokens: count(json.usage?.prompt_tokens), completion_tokens: 0 } };
}

function lastValue(v: unknown): number | undefined {
  if (typeof v === "number") return Number.isFinite(v) ? v : undefined;
  if (!Array.isArray(v) || v.length === 0) return undefined;
  const last = v.at(-1);
  return Array.isArray(last) ? lastValue(last[0]) : lastValue(last);
}

function count(v: unknown): number {
  return typeof v === "number" && Number.isFinite(v) && v >= 0 ? v : 0;
}
