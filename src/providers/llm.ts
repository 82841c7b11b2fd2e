/**
 * The interface every LLM provider instance offers to plugins (generate/llm,
 * judge/rubric). A provider memoises each call through `ctx.memo`, refuses to
 * send when `ctx.offline`, counts tokens and cost with `ctx.tally`, and never
 * lets its API key reach a key, a record, a log line or an error message.
 */
import type { JsonSchema, PluginContext } from "../engine/plugin.js";

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
}

export interface ChatOptions {
  /** The calling stage's context: memo, offline flag, signal, tally, log. */
  ctx: PluginContext<any>;
  /**
   * Distinguishes repeated samples of the same request (candidate 0, 1, 2 …):
   * part of the memo key, so n samples at temperature > 0 are n calls.
   */
  sample?: number;
}

export interface LlmProvider {
  /** The endpoint identity without credentials (base URL, type): part of memo keys. */
  readonly identity: Readonly<Record<string, unknown>>;
  /** How the provider asks for JSON replies (`json_schema`, `json_object`, `none`); judges key their verdicts by it. */
  readonly structuredOutput?: string;
  chat(request: ChatRequest, options: ChatOptions): Promise<ChatResult>;
}
