/**
 * One HTTP attempt of an OpenAI-style chat completion over an undici pool,
 * reduced to data: a reply, or a failure that says whether trying again could
 * help and how long the server asked us to wait. No retries, no limits here.
 */
import type { Dispatcher } from "undici";
import type { ChatUsage } from "./llm.js";
import { requestSignal } from "./request-signal.js";
import { isRetryableStatus, retryAfterMs } from "./retry.js";

/** What a successful call yields, and what the memo stores. */
export interface ChatReply {
  text: string;
  finishReason: string;
  usage: ChatUsage;
  model: string;
}

export type Attempt =
  | { ok: true; reply: ChatReply }
  | { ok: false; retryable: boolean; status?: number; reason: string; retryAfterMs?: number };

export interface ChatEndpoint {
  dispatcher: Dispatcher;
  /** Path and query of the chat completions route, e.g. `/v1/chat/completions`. */
  path: string;
  /** Every header sent, content type and credentials included. */
  headers: Record<string, string>;
  /** Longest wait for the reply's headers, and between chunks of its body. */
  timeoutMs: number;
}

const EXCERPT = 300;
const TIMEOUTS = new Set(["UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT", "UND_ERR_CONNECT_TIMEOUT"]);

export async function attemptChat(endpoint: ChatEndpoint, body: unknown, signal: AbortSignal): Promise<Attempt> {
  let res: Dispatcher.ResponseData;
  let text: string;
  try {
    res = await endpoint.dispatcher.request({
      method: "POST",
      path: endpoint.path,
      headers: endpoint.headers,
      body: JSON.stringify(body),
      signal: requestSignal(signal),
      // undici's own timers: far cheaper per request than a timer and an AbortController of our own.
      headersTimeout: endpoint.timeoutMs,
      bodyTimeout: endpoint.timeoutMs,
    });
    text = await res.body.text();
  } catch (err) {
    if (signal.aborted) throw signal.reason;
    if (TIMEOUTS.has((err as { code?: string }).code ?? "")) {
      return { ok: false, retryable: true, reason: `no reply within ${endpoint.timeoutMs} ms` };
    }
    return { ok: false, retryable: true, reason: `network error: ${describe(err)}` };
  }
  if (res.statusCode < 200 || res.statusCode >= 300) {
    return {
      ok: false,
      retryable: isRetryableStatus(res.statusCode),
      status: res.statusCode,
      reason: `HTTP ${res.statusCode}: ${excerpt(text)}`,
      retryAfterMs: retryAfterMs(res.headers),
    };
  }
  const reply = parseCompletion(text);
  if (!reply) return { ok: false, retryable: true, status: res.statusCode, reason: `malformed reply: ${excerpt(text)}` };
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
