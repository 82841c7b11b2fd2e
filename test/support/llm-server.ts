/**
 * A local OpenAI-compatible chat server for tests and benchmarks (node:http on
 * 127.0.0.1, random free port). Replies are deterministic functions of the
 * request, so a test can predict them; latency and faults (rate limits, 5xx,
 * slow replies, replies dripped a byte at a time, malformed bodies, connection
 * resets, replies held until the test releases them) are injected on demand.
 * `response_format` is treated as vLLM treats it (a `json_schema` reply always
 * conforms; llm-server-formats.ts), or rejected with 400 where a test says so.
 * It counts every request, including failed ones, and the peak number of
 * requests in flight at once. It imports only node: modules (and its
 * llm-server-*.ts helpers) so a benchmark can transpile it
 * (bench/transpile-server.mjs) and run it in its own process.
 */
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { formatRejection, shapedContent, type ResponseFormatSupport } from "./llm-server-formats.js";

/** One injected failure for one request. */
export type Fault =
  /** 429 with `retry-after` (seconds or an HTTP date) and/or `retry-after-ms`. */
  | { type: "rate-limit"; retryAfter?: string | number; retryAfterMs?: number }
  /** Any status with an optional body (e.g. 500, 503, 400, 401). */
  | { type: "status"; status: number; body?: string; headers?: Record<string, string> }
  /** Answers normally, but only after `delayMs` (past the client's timeout). */
  | { type: "slow"; delayMs: number }
  /**
   * Answers normally, but sends the body one byte every `intervalMs`: a reply
   * that never stalls long enough for a gap timeout, yet takes
   * `intervalMs × body length` to arrive.
   */
  | { type: "drip"; intervalMs: number }
  /** 200 with a body that is not JSON. */
  | { type: "malformed" }
  /** Destroys the socket without answering. */
  | { type: "reset" }
  /**
   * Answers normally, but only once the test calls `release()`: lines a test's
   * events up with requests in flight without sleeping (see `whenHeld`). A held
   * request whose client gives up (aborts, closes) is dropped.
   */
  | { type: "hold" };

export type Reply = string | { content: string; finish_reason?: string };

export interface LlmServerOptions {
  /** Delay before each answer, in ms (default 0). */
  latencyMs?: number;
  /** The reply content for a request; undefined falls back to the default reply. */
  reply?: (body: any) => Reply | undefined;
  /**
   * Faults to inject: a function of the 0-based request index (counting every
   * request) and body, or a queue applied to the first requests in order.
   */
  faults?: ((requestIndex: number, body: any) => Fault | undefined) | Fault[];
  /**
   * Keep every request body and authorization header for inspection (default
   * true). Benchmarks turn it off: 20,000 retained bodies make the server's
   * own garbage collection pause every request in flight.
   */
  keepRequests?: boolean;
  /**
   * Which `response_format` types the server enforces (as vLLM does: a
   * `json_schema` reply always conforms, whatever `reply` says) and which it
   * answers with HTTP 400 (llm-server-formats.ts). Default: both enforced.
   */
  responseFormats?: ResponseFormatSupport;
  /** The reward `/pooling` and `/classify` give a request; default `defaultReward`. */
  reward?: (body: any) => number | undefined;
  /**
   * How `n` (choices per request) is treated: `supported` (default; usage for
   * the whole request, the prompt counted once), `ignored` (one choice, as
   * servers without `n` answer) or `rejected` (HTTP 400 when n > 1).
   */
  n?: "supported" | "ignored" | "rejected";
  /**
   * Further routes (llm-server-batch.ts): called first with every request;
   * an answer ends it, undefined passes it on. `chat` answers a chat body as
   * the chat route would.
   */
  routes?: (req: { method: string; path: string; raw: string }, chat: (body: any) => unknown) => { status: number; text: string; contentType?: string } | undefined;
  /** Leave `usage` out of every reply, as some servers do (default false). */
  omitUsage?: boolean;
}

export interface LlmServer {
  /** e.g. http://127.0.0.1:PORT/v1 */
  baseUrl: string;
  /** Every request received, failed ones included. */
  readonly requestCount: number;
  /** Parsed request bodies in arrival order (the raw text when not JSON); empty unless `keepRequests`. */
  readonly requests: any[];
  /** The `authorization` header of each request (undefined when absent). */
  readonly authorizations: (string | undefined)[];
  /** The path and query of each request. */
  readonly urls: string[];
  /** When each request arrived and when its reply was handed to the socket (performance.now(); NaN until then); empty unless `keepRequests`. */
  readonly timings: { arrived: number; replied: number }[];
  /** The highest number of requests being answered at the same time. */
  readonly maxInFlight: number;
  /** Mean time from a request's arrival to its reply being handed to the socket, in ms (NaN before the first reply). */
  readonly meanResidenceMs: number;
  /** Client connections open right now (keep-alive ones included). */
  readonly openConnections: number;
  /** Requests held by a `hold` fault right now, not yet released or given up by their client. */
  readonly held: number;
  /** Resolves once at least `n` requests are held at the same time; rejects after `timeoutMs`. */
  whenHeld(n: number, timeoutMs?: number): Promise<void>;
  /** Answers every request held so far; returns how many. Requests arriving later are held again. */
  release(): number;
  /** Clears counters and recorded requests. */
  reset(): void;
  close(): Promise<void>;
}

/** Word count, the server's stand-in for a tokenizer. */
export function countTokens(text: string): number {
  const words = text.trim().split(/\s+/);
  return words[0] === "" ? 0 : words.length;
}

/** The default reply: a few words derived from a hash of what decides the answer (and the choice index, after the first). */
export function defaultReply(body: any, choice = 0): string {
  const decides = [body?.model, body?.messages, body?.temperature ?? null, body?.seed ?? null];
  const digest = createHash("sha256")
    .update(JSON.stringify(choice === 0 ? decides : [...decides, choice]))
    .digest("hex");
  const lastUser = [...(body?.messages ?? [])].reverse().find((m: any) => m?.role === "user");
  const topic = String(lastUser?.content ?? "").split(/\s+/).slice(0, 6).join(" ");
  const extra = Array.from({ length: parseInt(digest[0]!, 16) }, (_, i) => `w${digest.slice(i * 2, i * 2 + 4)}`);
  return [`Reply ${digest.slice(0, 12)} about: ${topic}.`, ...extra].join(" ");
}

export async function startLlmServer(opts: LlmServerOptions = {}): Promise<LlmServer> {
  let requests: any[] = [];
  let authorizations: (string | undefined)[] = [];
  let urls: string[] = [];
  let timings: { arrived: number; replied: number }[] = [];
  let requestCount = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  let residenceMs = 0;
  let replies = 0;
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const keep = opts.keepRequests ?? true;
  const held = new Set<() => void>();
  const heldWaiters = new Set<() => void>();

  const usageIf = <T extends { usage?: unknown }>(reply: T): T => (opts.omitUsage ? { ...reply, usage: undefined } : reply);
  const faultFor = (index: number, body: any): Fault | undefined =>
    typeof opts.faults === "function" ? opts.faults(index, body) : opts.faults?.[index];

  // A reply is due `ms` after its request arrived, so the server's own work
  // (reading and parsing the body) is inside the latency, as it is for a real
  // endpoint, not added to it. Node's timers count from the event loop's cached
  // clock and can fire early, so the due time is checked against the real one.
  const later = (ms: number, fn: () => void, arrived = performance.now()) => {
    const due = arrived + ms;
    const check = () => {
      const wait = due - performance.now();
      if (wait <= 0) return fn();
      if (wait < 1) return void setImmediate(check);
      const t = setTimeout(() => {
        timers.delete(t);
        check();
      }, wait);
      timers.add(t);
    };
    check();
  };

  const handle = (req: IncomingMessage, res: ServerResponse, raw: string, arrived: number) => {
    const index = requestCount++;
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    res.on("close", () => inFlight--);
    const timing = keep ? { arrived, replied: Number.NaN } : undefined;
    res.on("finish", () => {
      const now = performance.now();
      residenceMs += now - arrived;
      replies++;
      if (timing) timing.replied = now;
    });
    let body: any;
    try {
      body = JSON.parse(raw);
    } catch {
      body = raw;
    }
    if (keep) {
      requests.push(body);
      authorizations.push(req.headers.authorization);
      urls.push(req.url ?? "");
      timings.push(timing!);
    }

    const path = req.url?.split("?")[0] ?? "";
    const extra = opts.routes?.({ method: req.method ?? "", path, raw }, (b) => completion(b, opts.reply?.(b), index, opts.n));
    if (extra) return send(res, extra.status, { "content-type": extra.contentType ?? "application/json" }, extra.text);
    const route = path.endsWith("/chat/completions") ? "chat" : path === "/pooling" || path === "/classify" ? path.slice(1) : undefined;
    if (req.method !== "POST" || !route) {
      return sendJson(res, 404, { error: { message: `no route ${req.method} ${req.url}` } });
    }
    if (typeof body !== "object" || body === null) {
      return sendJson(res, 400, { error: { message: "request body is not JSON" } });
    }
    if (route === "chat" && opts.n === "rejected" && typeof body.n === "number" && body.n > 1) {
      return sendJson(res, 400, { error: { message: "n > 1 is not supported", type: "invalid_request_error", param: "n" } });
    }
    const latency = opts.latencyMs ?? 0;
    const after = (ms: number, fn: () => void) => later(ms, fn, arrived);
    const rejected = route === "chat" ? formatRejection(body, opts.responseFormats) : undefined;
    if (rejected) return after(latency, () => sendJson(res, 400, { error: { message: rejected, type: "BadRequestError", code: 400 } }));
    const fault = faultFor(index, body);
    const answerBody = () => usageIf(route === "chat" ? completion(body, opts.reply?.(body), index, opts.n) : pooled(route as "pooling" | "classify", body, opts.reward?.(body), index));
    if (fault?.type === "reset") return after(latency, () => req.socket.destroy());
    if (fault?.type === "malformed") {
      return after(latency, () => send(res, 200, { "content-type": "application/json" }, '{"choices": [ oops'));
    }
    if (fault?.type === "rate-limit") {
      const headers: Record<string, string> = {};
      if (fault.retryAfter !== undefined) headers["retry-after"] = String(fault.retryAfter);
      if (fault.retryAfterMs !== undefined) headers["retry-after-ms"] = String(fault.retryAfterMs);
      return after(latency, () => sendJson(res, 429, { error: { message: "Rate limit reached", type: "rate_limit" } }, headers));
    }
    if (fault?.type === "status") {
      return after(latency, () =>
        send(res, fault.status, { "content-type": "application/json", ...fault.headers }, fault.body ?? JSON.stringify({ error: { message: `injected ${fault.status}` } })),
      );
    }
    if (fault?.type === "hold") {
      const answer = () => later(latency, () => sendJson(res, 200, answerBody()));
      held.add(answer);
      res.on("close", () => held.delete(answer));
      for (const w of heldWaiters) w();
      return;
    }
    if (fault?.type === "drip") return after(latency, () => drip(res, JSON.stringify(usageIf(completion(body, opts.reply?.(body), index, opts.n))), fault.intervalMs, timers));
    // The reply is made on arrival, so at its due time only the write is left.
    const reply = JSON.stringify(answerBody());
    after(fault?.type === "slow" ? fault.delayMs : latency, () => send(res, 200, { "content-type": "application/json" }, reply));
  };

  const server = createServer((req, res) => {
    const arrived = performance.now();
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => handle(req, res, Buffer.concat(chunks).toString("utf8"), arrived));
  });
  server.keepAliveTimeout = 30_000;
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    get requestCount() {
      return requestCount;
    },
    get requests() {
      return requests;
    },
    get authorizations() {
      return authorizations;
    },
    get urls() {
      return urls;
    },
    get timings() {
      return timings;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    get meanResidenceMs() {
      return residenceMs / replies;
    },
    get openConnections() {
      return sockets.size;
    },
    get held() {
      return held.size;
    },
    whenHeld(n, timeoutMs = 10_000) {
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (held.size < n) return;
          heldWaiters.delete(check);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          heldWaiters.delete(check);
          reject(new Error(`${held.size} of ${n} requests held after ${timeoutMs} ms (${requestCount} received)`));
        }, timeoutMs);
        heldWaiters.add(check);
        check();
      });
    },
    release() {
      const answers = [...held];
      held.clear();
      for (const answer of answers) answer();
      return answers.length;
    },
    reset() {
      requests = [];
      authorizations = [];
      urls = [];
      timings = [];
      requestCount = 0;
      maxInFlight = inFlight;
      residenceMs = 0;
      replies = 0;
    },
    close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      held.clear();
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * The default reward: the word count of the last assistant message divided by
 * 10, so a longer response scores higher and a test can predict it.
 */
export function defaultReward(body: any): number {
  const last = [...(body?.messages ?? [])].reverse().find((m: any) => m?.role === "assistant");
  return countTokens(String(last?.content ?? "")) / 10;
}

/** The probability `/classify` gives the preferred class for a reward r: r / (r + 1), in [0, 1). */
export const classifyProbability = (reward: number) => Math.max(0, reward) / (Math.max(0, reward) + 1);

/**
 * vLLM's reply shapes: `/pooling` → `{"data": [{"index": 0, "object": "pooling", "data": [reward]}]}`,
 * `/classify` → `{"data": [{"index": 0, "label", "probs": [1 − p, p], "num_classes": 2}]}`.
 */
function pooled(route: "pooling" | "classify", body: any, custom: number | undefined, index: number) {
  const reward = custom ?? defaultReward(body);
  const prompt_tokens = countTokens((body.messages ?? []).map((m: any) => String(m?.content ?? "")).join(" "));
  const usage = { prompt_tokens, total_tokens: prompt_tokens, completion_tokens: 0, prompt_tokens_details: null };
  const p = classifyProbability(reward);
  const data =
    route === "pooling"
      ? [{ index: 0, object: "pooling", data: [reward] }]
      : [{ index: 0, label: p >= 0.5 ? "LABEL_1" : "LABEL_0", probs: [1 - p, p], num_classes: 2 }];
  return { id: `${route}-${index}`, object: "list", created: 1_700_000_000, model: body.model, data, usage };
}

/** A standard chat.completion object with `n` choices (one unless `n` is supported); the prompt is counted once. */
function completion(body: any, custom: Reply | undefined, index: number, n: LlmServerOptions["n"] = "supported") {
  const count = n === "supported" && Number.isInteger(body.n) && body.n > 1 ? (body.n as number) : 1;
  const choices = Array.from({ length: count }, (_, i) => choice(body, custom, i));
  const promptText = (body.messages ?? []).map((m: any) => String(m?.content ?? "")).join(" ");
  const prompt_tokens = countTokens(promptText);
  const completion_tokens = choices.reduce((sum, c) => sum + countTokens(c.message.content), 0);
  return {
    id: `chatcmpl-${index}`,
    object: "chat.completion",
    created: 1_700_000_000,
    model: body.model,
    choices,
    usage: { prompt_tokens, completion_tokens, total_tokens: prompt_tokens + completion_tokens },
  };
}

/** One choice; honours `max_tokens` by truncating words. */
function choice(body: any, custom: Reply | undefined, index: number) {
  const reply = custom ?? defaultReply(body, index);
  let content = shapedContent(body, typeof reply === "string" ? reply : reply.content);
  let finish = typeof reply === "string" ? "stop" : (reply.finish_reason ?? "stop");
  const limit = body.max_tokens ?? body.max_completion_tokens;
  if (typeof limit === "number" && countTokens(content) > limit) {
    content = content.trim().split(/\s+/).slice(0, limit).join(" ");
    finish = "length";
  }
  return { index, message: { role: "assistant", content }, finish_reason: finish, logprobs: null };
}

/** Writes `text` one byte every `intervalMs`; stops when the client goes away. */
function drip(res: ServerResponse, text: string, intervalMs: number, timers: Set<NodeJS.Timeout>) {
  if (res.destroyed) return;
  const bytes = Buffer.from(text, "utf8");
  res.writeHead(200, { "content-type": "application/json", "content-length": bytes.length });
  let sent = 0;
  const timer = setInterval(() => {
    if (res.destroyed || sent >= bytes.length) {
      clearInterval(timer);
      timers.delete(timer);
      if (!res.destroyed) res.end();
      return;
    }
    res.write(bytes.subarray(sent, ++sent));
  }, intervalMs);
  timers.add(timer);
}

function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}) {
  send(res, status, { "content-type": "application/json", ...headers }, JSON.stringify(value));
}

function send(res: ServerResponse, status: number, headers: Record<string, string>, text: string) {
  if (res.destroyed) return;
  res.writeHead(status, { ...headers, "content-length": Buffer.byteLength(text) });
  res.end(text);
}
