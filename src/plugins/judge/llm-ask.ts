/**
 * One JSON question to an LLM judge, with repairs: the reply is checked, and a
 * malformed one is sent back with the validation error up to `maxRepairs`
 * times. Shared by the rubric judge and the pairwise judge, so both ask for
 * structured output the same way (`json: true` and the reply schema, temperature and token limit
 * from the judge's settings) and every call goes through the provider's memo.
 * The calls are not tallied as they are made: the answer carries their usage
 * records, and the caller counts them with the result it memoises, so a result
 * served from that memo counts the same calls (llm-calls.ts).
 */
import type { PluginContext } from "../../engine/plugin.js";
import type { ChatMessage, ChatRequest, LlmProvider, ReplySchema } from "../../providers/llm.js";
import { chatUsage, type CallUsage } from "../../providers/usage.js";

export interface AskSettings {
  model: string;
  temperature: number;
  maxRepairs: number;
  maxTokens?: number;
}

export interface JsonQuestion<T> {
  provider: LlmProvider;
  settings: AskSettings;
  messages: ChatMessage[];
  /** The reply's JSON Schema, sent to the server when the provider asks with `json_schema`. */
  schema: ReplySchema;
  parse: (text: string) => { ok: true; value: T } | { ok: false; error: string };
  /** The message sent after a malformed reply. */
  repair: (error: string) => ChatMessage;
  /** Sample index of the calls (0; another number asks afresh instead of reusing memoised replies). */
  sample?: number;
}

/** `calls`: the usage of every call the answer took (the question and its repairs). */
export type JsonAnswer<T> = ({ ok: true; value: T } | { ok: false; reason: string; reply: string; fresh: boolean }) & { calls: CallUsage[] };

/** The parsed reply, or why none validated (e.g. "invalid judge reply after 1 repair: …"). */
export async function askJson<T>(ctx: PluginContext<any>, q: JsonQuestion<T>): Promise<JsonAnswer<T>> {
  let messages = q.messages;
  let error = "";
  let last = "";
  let fresh = false;
  const calls: CallUsage[] = [];
  for (let attempt = 0; attempt <= q.settings.maxRepairs; attempt++) {
    const reply = await q.provider.chat(chatRequest(q.settings, messages, q.schema), { ctx, sample: q.sample ?? 0, tally: false });
    calls.push(reply.tokens ?? chatUsage(reply.usage, messages, reply.text));
    fresh ||= !reply.cached;
    const parsed = q.parse(reply.text);
    if (parsed.ok) return { ...parsed, calls };
    error = parsed.error;
    last = reply.text;
    messages = [...messages, { role: "assistant", content: reply.text }, q.repair(error)];
  }
  const repairs = q.settings.maxRepairs;
  return { ok: false, reason: `invalid judge reply after ${repairs} repair${repairs === 1 ? "" : "s"}: ${error}`, reply: last, fresh, calls };
}

function chatRequest(s: AskSettings, messages: ChatMessage[], schema: ReplySchema): ChatRequest {
  const r: ChatRequest = { model: s.model, messages, temperature: s.temperature, json: true, schema };
  if (s.maxTokens !== undefined) r.max_tokens = s.maxTokens;
  return r;
}
