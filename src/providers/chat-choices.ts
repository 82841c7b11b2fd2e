/**
 * A chat completion with several choices (a request sent with `n`), reduced
 * to one ChatReply per choice, each carrying its share of the request's
 * usage: the prompt was billed (or prefilled) once for all choices, so its
 * tokens are split across them, and the completion tokens, which OpenAI
 * reports only for the whole request, are split in proportion to each
 * choice's length. The shares of a request sum to its usage exactly, so
 * summing memoised usage counts every token once.
 */
import { requestBody } from "./chat-key.js";
import type { ChatRequest, ChatUsage } from "./llm.js";
import type { ChatReply } from "./openai-http.js";
import type { PostRoute } from "./openai-reward.js";
import { estimatedUsage, estimateTextTokens } from "./usage.js";

/** What a request for `n` choices yields: the choices that came, and the request's whole usage. */
export interface ChoicesReply {
  replies: ChatReply[];
  usage: ChatUsage;
}

/** Chat completions asking for `n` choices (no `n` in the body when 1, for servers that reject it). */
export function choicesRoute(n: number): PostRoute<ChoicesReply> {
  return {
    target: (chat) => chat,
    body: (r) => {
      const body = requestBody(r as ChatRequest);
      if (n > 1) body.n = n;
      return body;
    },
    parse: parseChoices,
    batch: true,
    ...(n > 1 ? { rejectedHint: "if the endpoint does not accept `n` (several choices per request), set `maxN: 1` on the provider" } : {}),
  };
}

/** The choices of a chat.completion body in index order, or undefined when the body is not one. */
export function parseChoices(text: string): ChoicesReply | undefined {
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  return choicesOf(json);
}

/** The choices of a parsed chat.completion object (also a batch output line's `response.body`). */
export function choicesOf(json: any): ChoicesReply | undefined {
  const choices: unknown[] = Array.isArray(json?.choices) ? json.choices : [];
  if (choices.length === 0) return undefined;
  const ordered = [...choices].sort((a: any, b: any) => (Number(a?.index) || 0) - (Number(b?.index) || 0));
  const parsed: { text: string; finishReason: string }[] = [];
  for (const choice of ordered as any[]) {
    const content = choice?.message?.content;
    if (!choice || typeof choice !== "object") return undefined;
    if (content !== null && content !== undefined && typeof content !== "string") return undefined;
    parsed.push({ text: content ?? "", finishReason: String(choice.finish_reason ?? "unknown") });
  }
  const usage = { prompt_tokens: count(json.usage?.prompt_tokens), completion_tokens: count(json.usage?.completion_tokens) };
  const prompt = split(usage.prompt_tokens, parsed.map(() => 1));
  const completion = split(usage.completion_tokens, parsed.map((c) => c.text.length));
  const model = String(json.model ?? "");
  return {
    usage,
    replies: parsed.map((c, i) => ({ ...c, usage: { prompt_tokens: prompt[i]!, completion_tokens: completion[i]! }, model })),
  };
}

/**
 * Each choice with the usage record it is memoised with: its share of the
 * reported usage or, when the endpoint reported none, dpo's estimate (the
 * prompt's estimate split across the choices, as the endpoint's would be).
 */
export function choicesWithTokens(choices: ChoicesReply, request: ChatRequest): ChatReply[] {
  if (choices.usage.prompt_tokens > 0) {
    return choices.replies.map((r) => ({ ...r, tokens: { prompt: r.usage.prompt_tokens, completion: r.usage.completion_tokens } }));
  }
  const prompts = split(estimatedUsage(request.messages, "").prompt, choices.replies.map(() => 1));
  return choices.replies.map((r, i) => ({ ...r, tokens: { prompt: prompts[i]!, completion: estimateTextTokens(r.text), estimated: true } }));
}

/**
 * `total` split into integers in proportion to `weights` (evenly when they
 * are all 0), summing to `total` exactly: largest remainders get the rest.
 */
export function split(total: number, weights: readonly number[]): number[] {
  if (weights.length === 0) return [];
  const sum = weights.reduce((a, b) => a + b, 0);
  const w = sum > 0 ? weights : weights.map(() => 1);
  const wsum = sum > 0 ? sum : weights.length;
  const exact = w.map((x) => (total * x) / wsum);
  const out = exact.map(Math.floor);
  let rest = total - out.reduce((a, b) => a + b, 0);
  const order = exact.map((x, i) => [x - Math.floor(x), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let k = 0; rest > 0; k = (k + 1) % order.length, rest--) out[order[k]![1]]!++;
  return out;
}

function count(v: unknown): number {
  return typeof v === "number" && Number.isFinite(v) && v >= 0 ? v : 0;
}
