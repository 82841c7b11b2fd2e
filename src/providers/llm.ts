/**
 * The interface every LLM provider instance offers to plugins (generate/llm,
 * judge/rubric). A provider memoises each call through `ctx.memo`, refuses to
 * send when `ctx.offline`, counts tokens and cost with `ctx.tally` (every call,
 * served from the memo or sent: usage-account.ts), and never lets its API key
 * reach a key, a record, a log line or an error message.
 */
import type { JsonSchema, PluginContext } from "../engine/plugin.js";
import type { CallUsage, Price } from "./usage.js";

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  temperature?: number;
  top_p?: number;
  max_tokens?: number;
  seed?: number;
  stop?: string[];
  /** Ask for a JSON object reply (OpenAI `response_format: {type: "json_object"}`). */
  json?: boolean;
  /**
   * The JSON Schema the reply must match: the provider sends it as
   * `response_format: {type: "json_schema", …}` when its `structuredOutput`
   * setting says so (structured-output.ts), else falls back to `json`.
   */
  schema?: ReplySchema;
}

/** A reply schema with the name OpenAI's `json_schema.name` wants (`[a-zA-Z0-9_-]{1,64}`). */
export interface ReplySchema {
  name: string;
  schema: JsonSchema;
}

export interface ChatUsage {
  prompt_tokens: number;
  completion_tokens: number;
}

export interface ChatResult {
  text: string;
  /** As the endpoint reported it: "stop", "length", "content_filter", … */
  finishReason: string;
  usage: ChatUsage;
  /** The model name the endpoint reported. */
  model: string;
  /** True when the reply came from the memo, not the network. */
  cached: boolean;
  /** The tokens this call counts for (the endpoint's usage, or dpo's estimate when it reported none). */
  tokens?: CallUsage;
}

export interface ChatOptions {
  /** The calling stage's context: memo, offline flag, signal, tally, log. */
  ctx: PluginContext<any>;
  /**
   * Distinguishes repeated samples of the same request (candidate 0, 1, 2 …):
   * part of the memo key, so n samples at temperature > 0 are n calls.
   */
  sample?: number;
  /**
   * `false`: do not tally this call; the caller counts it (with `count`) only
   * if the output depends on it, e.g. with the memoised verdict it led to.
   */
  tally?: boolean;
}

export interface SamplesOptions {
  ctx: PluginContext<any>;
  /** The sample indices wanted, each memoised as `chat(request, {sample})` would be. */
  samples: readonly number[];
}

export interface LlmProvider {
  /** The endpoint identity without credentials (base URL, type): part of memo keys. */
  readonly identity: Readonly<Record<string, unknown>>;
  /** How the provider asks for JSON replies (`json_schema`, `json_object`, `none`); judges key their verdicts by it. */
  readonly structuredOutput?: string;
  chat(request: ChatRequest, options: ChatOptions): Promise<ChatResult>;
  /**
   * Tallies calls the output depends on, by their usage records: those made
   * with `tally: false`, or (`fromMemo`) those a memoised result was built
   * from, served again without reaching the provider.
   */
  count?(ctx: PluginContext<any>, model: string, calls: readonly CallUsage[], o?: { fromMemo?: boolean }): void;
  /** The configured price of `model` (USD per million tokens), for the cost records carry; undefined when unpriced. */
  price?(model: string): Price | undefined;
  /**
   * Several samples of one request, in `samples` order, each memoised under
   * the key `chat` gives it (so results do not depend on how they were asked
   * for); a provider may ask for them in fewer requests (OpenAI's `n`).
   * Optional: without it, callers make one `chat` call per sample.
   */
  chatSamples?(request: ChatRequest, options: SamplesOptions): Promise<ChatResult[]>;
  /**
   * True when calls are queued and sent in batches that may take hours
   * (`mode: batch`): callers should have every call they can make in flight at
   * once, not a few at a time, or each batch holds only a few calls.
   */
  readonly queuesCalls?: boolean;
}

/**
 * How many calls a plugin should keep in flight: its own limit, or every call
 * it has when one of its providers queues calls into batches (`mode: batch`).
 */
export function callLimit(configured: number, providers: readonly unknown[]): number {
  return anyQueuesCalls(providers) ? Number.MAX_SAFE_INTEGER : configured;
}

/** Whether one of these providers queues calls into batches (`mode: batch`): a plugin then keeps every call it can in flight. */
export function anyQueuesCalls(providers: readonly unknown[]): boolean {
  return providers.some((p) => (p as Partial<LlmProvider> | undefined)?.queuesCalls === true);
}
