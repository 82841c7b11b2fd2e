/**
 * One HTTP attempt of an OpenAI-style chat completion over an undici pool,
 * reduced to data: a reply, or a failure that says whether trying again could
 * help and how long the server asked us to wait. No retries, no limits here.
 */
import type { ChatUsage } from "./llm.js";
import type { CallUsage } from "./usage.js";
import { post, type PostReply, type PostTarget } from "./http-post.js";
import { isRetryableReply, retryAfterMs } from "./retry.js";

/** What a successful call yields, and what the memo stores. */
export interface ChatReply {
  text: string;
  finishReason: string;
  usage: ChatUsage;
  model: string;
  /** The tokens the call counts for (usage.ts); absent in replies memoised before it was kept. */
  tokens?: CallUsage;
}

/**
 * How an attempt failed, coarsely: the provider's circuit breaker counts
 * failures of one kind in a row (`HTTP 503` and `HTTP 429` are different kinds).
 */
export type FailureKind = "timeout" | "network" | "malformed" | `HTTP ${number}`;

export type Failure = { ok: false; kind: FailureKind; retryable: boolean; status?: number; reason: string; retryAfterMs?: number };

export type Attempt<R = ChatReply> = { ok: true; reply: R } | Failure;

/** The chat completions route of one endpoint (path e.g. `/v1/chat/completions`). */
export type ChatEndpoint = PostTarget;

const EXCERPT = 300;
const TIMEOUTS = new Set(["DPO_POST_DEADLINE", "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT", "UND_ERR_CONNECT_TIMEOUT"]);

/** `body` is the request body as JSON text. */
/** `parse` reads a 2xx body (a chat completion by default; openai-reward.ts reads reward replies). */
export async function attemptChat<R = ChatReply>(
  endpoint: ChatEndpoint,
  body: string,
  signal: AbortSignal,
  parse: (text: string) => R | undefined = parseCompletion as (text: string) => R | undefined,
): Promise<Attempt<R>> {
  let res: PostReply;
  try {
    res = await post(endpoint, body, signal);
  } catch (err) {
    if (signal.aborted) throw signal.reason;
    if (TIMEOUTS.has((err as { code?: string }).code ?? "")) {
      return { ok: false, kind: "timeout", retryable: true, reason: `no reply within ${endpoint.timeoutMs} ms` };
    }
    return { ok: false, kind: "network", retryable: true, reason: `network error: ${describe(err)}` };
  }
  if (res.status < 200 || res.status >= 300) {
    return {
      ok: false,
      kind: `HTTP ${res.status}`,
      retryable: isRetryableReply(res.status, res.headers),
      status: res.status,
      reason: `HTTP ${res.status}: ${excerpt(res.text)}`,
      retryAfterMs: retryAfterMs(res.headers),
    };
  }
  const reply = parse(res.text);
  if (!reply) return { ok: false, kind: "malformed", retryable: true, status: res.status, reason: `malformed reply: ${excerpt(res.text)}` };
  return { ok: true, reply };
}

/** The reply of a chat.completion body, or undefined when the body is not one. */
export function parseCompletion(text: string): ChatReply | undefined {
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const choice = json?.choices?.[0];
  if (!choice || typeof choice !== "object") return undefined;
  const content = choice.message?.content;
  if (content !== null && content !== undefined && typeof content !== "string") return undefined;
  return {
    text: content ?? "",
    finishReason: String(choice.finish_reason ?? "unknown"),
    usage: {
      prompt_tokens: count(json.usage?.prompt_tokens),
      completion_tokens: count(json.usage?.completion_tokens),
    },
    model: String(json.model ?? ""),
  };
}

function count(v: unknown): number {
  return typeof v === "number" && Number.isFinite(v) && v >= 0 ? v : 0;
}

function excerpt(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  if (!flat) return "(empty body)";
  return flat.length > EXCERPT ? `${flat.slice(0, EXCERPT)}…` : flat;
}

function describe(err: unknown): string {
  const e = err as { code?: string; message?: string };
  return [e?.code, e?.message ?? String(err)].filter(Boolean).join(" ");
}
