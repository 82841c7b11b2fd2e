/**
 * An OpenAI-compatible chat endpoint as an LlmProvider: every call memoised
 * (and refused when offline), identical calls in flight sent once, at most
 * `maxConcurrency` requests open, optional requests/tokens-per-minute budgets,
 * retries with backoff, a circuit breaker that stops a dead endpoint
 * (breaker.ts), and usage and cost counted for cached replies too
 * (usage-account.ts).
 */
import type { Dispatcher } from "undici";
import { systemClock, type Clock } from "../engine/async/clock.js";
import { InFlight } from "../engine/async/in-flight.js";
import { Semaphore } from "../engine/async/semaphore.js";
import type { PluginContext } from "../engine/plugin.js";
import type { ProviderEnv } from "../engine/provider.js";
import { seededRng } from "../engine/rng.js";
import { CircuitBreaker } from "./breaker.js";
import { chatKeyHead, estimateTokens, requestBody, sampleKey } from "./chat-key.js";
import { basicAuthorization, publicUrl } from "./endpoint.js";
import { TokenBucket } from "./limits/token-bucket.js";
import type { ChatOptions, ChatRequest, ChatResult, LlmProvider, SamplesOptions } from "./llm.js";
import { chatSamples, type SampleSource } from "./chat-samples.js";
import { choicesRoute, choicesWithTokens } from "./chat-choices.js";
import { CallErrors } from "./call-errors.js";
import { BatchQueue, BATCH_DEFAULTS, type BatchSettings } from "./openai-batch.js";
import { attemptChat, parseCompletion, type Attempt, type ChatEndpoint, type ChatReply, type Failure } from "./openai-http.js";
import { rewardKey, rewardRoute, type PostRoute, type RewardProvider, type RewardReply, type RewardRequest, type RewardResult } from "./openai-reward.js";
import { retryDelay } from "./retry.js";
import { DEFAULT_STRUCTURED_OUTPUT, StructuredOutputs, type StructuredOutput } from "./structured-output.js";
import { UsageAccount } from "./usage-account.js";
import { asCallUsage, chatUsage, rewardUsage, type CallUsage, type Price } from "./usage.js";
import { DEFAULT_REASONING_MODELS, forModel, type TokenParameter } from "./wire-params.js";

export interface OpenAiConfig {
  baseUrl: string;
  apiKey?: string;
  headers?: Record<string, string>;
  maxConcurrency: number;
  rpm?: number;
  tpm?: number;
  timeoutMs: number;
  maxRetries: number;
  retryBaseMs: number;
  retryMaxMs: number;
  breakerThreshold: number;
  prices?: Record<string, { input: number; output: number }>;
  tokenParameter: TokenParameter;
  reasoningModels: string[];
  /** Most samples of one request asked for with `n` in one call (chat-samples.ts); 1 sends no `n`. */
  maxN: number;
  /** `batch`: chat calls go through the OpenAI Batch API (openai-batch.ts). */
  mode: "direct" | "batch";
  batch: BatchSettings;
  /** How JSON replies are asked for (structured-output.ts). */
  structuredOutput: StructuredOutput;
}

export const OPENAI_DEFAULTS = {
  maxConcurrency: 8,
  timeoutMs: 60_000,
  maxRetries: 5,
  retryBaseMs: 500,
  retryMaxMs: 30_000,
  breakerThreshold: 2,
  tokenParameter: "auto" as TokenParameter,
  reasoningModels: [...DEFAULT_REASONING_MODELS] as string[],
  maxN: 8,
  mode: "direct" as "direct" | "batch",
  batch: BATCH_DEFAULTS,
  structuredOutput: DEFAULT_STRUCTURED_OUTPUT,
} as const;

/** Chat completions: the route every chat call is posted to. */
const CHAT_ROUTE: PostRoute<ChatReply> = { target: (chat) => chat, body: (r) => requestBody(r as ChatRequest), parse: parseCompletion, batch: true };

/**
 * One asked chat request and what every sample of it shares (its key but for
 * the sample index, its request body), so the samples of a request work
 * these out once, not once per sample.
 */
interface AskedChat {
  request: ChatRequest;
  keyHead: string;
  /** The body last built for it on CHAT_ROUTE, and the request as on the wire it was built from. */
  wire?: ChatRequest;
  body?: string;
}

export class OpenAiProvider implements LlmProvider, RewardProvider {
  readonly identity: Readonly<Record<string, unknown>>;
  readonly structuredOutput: StructuredOutput;
  private readonly config: OpenAiConfig;
  private readonly slots: Semaphore;
  private readonly requestBudget?: TokenBucket;
  private readonly tokenBudget?: TokenBucket;
  private readonly jitter = seededRng("openai-retry-jitter");
  private readonly inFlight = new InFlight<string, ChatReply>();
  private readonly rewardsInFlight = new InFlight<string, RewardReply>();
  private readonly errors: CallErrors;
  private readonly breaker: CircuitBreaker;
  private readonly structured: StructuredOutputs;
  private readonly usage: UsageAccount;
  private endpoint?: Promise<ChatEndpoint & { dispatcher: Dispatcher }>;
  /** The endpoint once connected, so a call does not await the settled connection. */
  private connected?: ChatEndpoint & { dispatcher: Dispatcher };
  private readonly samples: SampleSource;
  private readonly batch?: BatchQueue;
  readonly queuesCalls: boolean;

  constructor(
    config: Partial<OpenAiConfig> & { baseUrl: string },
    private readonly env: ProviderEnv,
    clock: Clock = systemClock,
  ) {
    this.config = { ...OPENAI_DEFAULTS, ...stripUndefined(config), baseUrl: config.baseUrl };
    // Redacted too: a secret variable may sit in the URL's path (`https://host/${TOKEN}/v1`).
    this.identity = Object.freeze({ type: "openai", baseUrl: env.redact(publicUrl(this.config.baseUrl)) });
    this.slots = new Semaphore(this.config.maxConcurrency);
    if (this.config.rpm) this.requestBudget = new TokenBucket(this.config.rpm);
    if (this.config.tpm) this.tokenBudget = new TokenBucket(this.config.tpm);
    this.errors = new CallErrors(env, this.identity.baseUrl, this.config);
    this.breaker = new CircuitBreaker(this.config.breakerThreshold);
    this.structuredOutput = this.config.structuredOutput;
    this.structured = new StructuredOutputs(this.structuredOutput, env.name);
    this.usage = new UsageAccount(this.config.prices, env.name, env.log);
    this.samples = {
      identity: this.identity,
      maxN: this.config.maxN,
      inFlight: this.inFlight,
      sendChoices: (request, n, ctx) => this.send(request, ctx, choicesRoute(n)).then((r) => choicesWithTokens(r, request).map((c) => this.billed(c))),
      offlineMiss: (ctx, request) => this.errors.offlineMiss(ctx, request),
      account: (ctx, request, reply, sent) => this.account(ctx, request, reply, sent, true),
    };
    this.queuesCalls = this.config.mode === "batch";
    if (this.queuesCalls) {
      const batch = { ...BATCH_DEFAULTS, ...this.config.batch };
      this.batch = new BatchQueue(() => this.connect(), batch, { name: env.name, identity: this.identity, redact: (t) => this.errors.redact(t), located: (m, h) => this.errors.located(m, h) }, clock);
    }
  }

  /** Several samples of one request, up to `maxN` per request (chat-samples.ts). */
  chatSamples(request: ChatRequest, options: SamplesOptions): Promise<ChatResult[]> {
    // Nothing to share a request with: the single-call path, same memo keys, less work per call.
    if (this.config.maxN <= 1 || options.samples.length === 1) {
      const asked = this.asked(request);
      return Promise.all(options.samples.map((sample) => this.chatAsked(asked, { ctx: options.ctx, sample })));
    }
    return chatSamples(this.samples, this.structured.asked(request), options);
  }

  chat(request: ChatRequest, options: ChatOptions): Promise<ChatResult> {
    return this.chatAsked(this.asked(request), options);
  }

  private asked(request: ChatRequest): AskedChat {
    const asked = this.structured.asked(request);
    return { request: asked, keyHead: chatKeyHead(this.identity, asked) };
  }

  private async chatAsked(asked: AskedChat, { ctx, sample = 0, tally = true }: ChatOptions): Promise<ChatResult> {
    const { request } = asked;
    const key = sampleKey(asked.keyHead, sample);
    let sent = false;
    // A plain function, not an async one: the memo makes a throw a rejection, and this runs once per call.
    const reply = await ctx.memo<ChatReply>(key, () => {
      // Only called on a miss: offline, a miss is an error that names the call.
      if (ctx.offline) throw this.errors.offlineMiss(ctx, request);
      const running = this.inFlight.get(key);
      if (running) return running;
      sent = true;
      return this.inFlight.track(key, this.send(request, ctx, CHAT_ROUTE, asked).then((r) => this.billed(withTokens(r, request))));
    });
    const tokens = this.account(ctx, request, reply, sent, tally);
    return { ...reply, tokens, cached: !sent };
  }

  /** A reply's usage record marked as billed at the Batch API's price when the call went that way. */
  private billed(reply: ChatReply): ChatReply {
    return this.batch && reply.tokens ? { ...reply, tokens: { ...reply.tokens, batch: true } } : reply;
  }

  /** Counts a reply served (sent now or from the memo) and, with `tally`, as part of the output; returns its usage record. */
  private account(ctx: PluginContext<any>, request: ChatRequest, reply: ChatReply, sent: boolean, tally: boolean): CallUsage {
    // Memoised before usage records were kept: from the reported usage, or estimated.
    const tokens = asCallUsage(reply.tokens) ?? chatUsage(reply.usage, request.messages, reply.text);
    this.usage.served(ctx, "llm", request.model, tokens, sent);
    if (tally) this.usage.count(ctx, "llm", request.model, [tokens]);
    return tokens;
  }

  price(model: string): Price | undefined {
    return this.usage.price(model);
  }

  count(ctx: PluginContext<any>, model: string, calls: readonly CallUsage[], o: { fromMemo?: boolean } = {}): void {
    if (o.fromMemo) this.usage.replayed(ctx, "llm", calls.length);
    this.usage.count(ctx, "llm", model, calls);
  }

  /** Closes the connection pool (idle keep-alive sockets). */
  async close(): Promise<void> {
    this.batch?.close();
    const endpoint = await this.endpoint;
    this.endpoint = undefined;
    this.connected = undefined;
    await endpoint?.dispatcher.close();
  }

  /** A reward model's score for a conversation (vLLM `/pooling` or `/classify`), memoised like a chat call. */
  async reward(request: RewardRequest, { ctx }: { ctx: PluginContext<any> }): Promise<RewardResult> {
    const key = rewardKey(this.identity, request);
    let sent = false;
    const reply = await ctx.memo<RewardReply>(key, async () => {
      if (ctx.offline) throw this.errors.offlineMiss(ctx, request);
      const running = this.rewardsInFlight.get(key);
      if (running) return running;
      sent = true;
      return this.rewardsInFlight.track(key, this.send(request, ctx, rewardRoute(request.endpoint)));
    });
    const tokens = rewardUsage(reply.usage, request.messages);
    this.usage.served(ctx, "reward", request.model, tokens, sent);
    this.usage.count(ctx, "reward", request.model, [tokens]);
    return { score: reply.score, cached: !sent, tokens };
  }

  /**
   * Sends one call, retrying what may succeed later; throws a DpoError when it
   * gives up or the breaker is open. The call keeps its concurrency slot
   * through its retries: a call that has started finishes before queued ones
   * start, so a dead endpoint is known after one call's retries (and the
   * breaker opens) rather than after every queued call's first attempt, and a
   * struggling server is not handed new calls while old ones back off.
   */
  private async send<R extends { usage: ChatReply["usage"] } = ChatReply>(
    request: ChatRequest,
    ctx: PluginContext<any>,
    route: PostRoute<R> = CHAT_ROUTE as never,
    /** On CHAT_ROUTE: the request's shared parts, where its body is kept for its other samples. */
    asked?: AskedChat,
  ): Promise<R> {
    this.breaker.throwIfOpen();
    // Queued before any await, so a call joins its batch the moment it is made.
    if (this.batch && route.batch) return this.batch.submit(forModel(route.body(this.structured.onWire(request)), this.config), route.parse, ctx);
    const endpoint = route.target(this.connected ?? (await this.connect()));
    // Only the tokens-per-minute budget needs the estimate.
    const estimate = this.tokenBudget ? estimateTokens(request) : 0;
    const release = await this.slots.acquire(ctx.signal);
    try {
      // Once a slot is free (so a call queued behind a refused json_schema one is spelled json_object), once however many attempts.
      let wire = this.structured.onWire(request);
      let body = asked?.wire === wire ? asked.body! : this.body(route, wire, asked);
      for (let attempt = 0; ; attempt++) {
        this.breaker.throwIfOpen(); // opened while this call waited for its slot or its retry
        // What the endpoint sees: one request for the samples of an `n` request, one per retry or fallback.
        ctx.stat("requests.sent", 1);
        // Without per-minute budgets, attempt() would only wrap attemptChat: one async layer fewer per call.
        const result = this.requestBudget || this.tokenBudget ? await this.attempt(endpoint, body, estimate, ctx.signal, route.parse) : await attemptChat(endpoint, body, ctx.signal, route.parse);
        if (result.ok) {
          this.breaker.succeeded();
          return result.reply;
        }
        this.breaker.throwIfOpen(); // opened while this attempt was on the wire: no retry
        if (this.structured.refused(wire, result, ctx.log, (s) => this.errors.redact(s))) {
          // Sent again at once as json_object: a fallback, not a retry.
          wire = this.structured.onWire(request);
          body = this.body(route, wire, asked);
          attempt--;
          continue;
        }
        if (!result.retryable || attempt >= this.config.maxRetries) throw this.giveUp(request, result, attempt + 1, route.rejectedHint);
        const wait = retryDelay(attempt, { baseMs: this.config.retryBaseMs, maxMs: this.config.retryMaxMs }, this.jitter, result.retryAfterMs);
        ctx.stat("llm.retries", 1);
        ctx.log.debug(this.errors.redact(`provider "${this.env.name}": ${result.reason} (model "${request.model}"); retry ${attempt + 1}/${this.config.maxRetries} in ${wait} ms`));
        await this.breaker.pause(wait, ctx.signal);
      }
    } finally {
      release();
    }
  }

  /** The JSON body of `wire` on `route`, kept on `asked` for the request's other samples. */
  private body(route: PostRoute<unknown>, wire: ChatRequest, asked: AskedChat | undefined): string {
    const body = JSON.stringify(forModel(route.body(wire), this.config));
    if (asked) {
      asked.wire = wire;
      asked.body = body;
    }
    return body;
  }

  /** One attempt, after the per-minute budgets allow it (and unless the breaker opened meanwhile). */
  private async attempt<R extends { usage: ChatReply["usage"] }>(endpoint: ChatEndpoint, body: string, estimate: number, signal: AbortSignal, parse: (text: string) => R | undefined): Promise<Attempt<R>> {
    if (this.requestBudget) await this.requestBudget.take(1, signal);
    if (this.tokenBudget) await this.tokenBudget.take(estimate, signal);
    this.breaker.throwIfOpen();
    const result = await attemptChat(endpoint, body, signal, parse);
    if (result.ok) {
      const used = result.reply.usage.prompt_tokens + result.reply.usage.completion_tokens;
      if (used > 0) this.tokenBudget?.adjust(used - estimate);
    }
    return result;
  }

  private connect(): Promise<ChatEndpoint & { dispatcher: Dispatcher }> {
    this.endpoint ??= (async () => {
      const { Pool } = await import("undici");
      const url = new URL(this.config.baseUrl);
      const dispatcher = new Pool(url.origin, {
        connections: this.config.maxConcurrency,
        pipelining: 1,
        keepAliveTimeout: 30_000,
        connect: { timeout: this.config.timeoutMs },
      });
      const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json", ...this.config.headers };
      // Credentials in the URL are sent as HTTP basic auth, as a browser would; an api key takes precedence.
      const basic = basicAuthorization(url);
      if (basic && !Object.keys(headers).some((h) => h.toLowerCase() === "authorization")) headers.authorization = basic;
      if (this.config.apiKey) headers.authorization = `Bearer ${this.config.apiKey}`;
      const path = `${url.pathname.replace(/\/+$/, "")}/chat/completions${url.search}`;
      return (this.connected = { dispatcher, path, headers, timeoutMs: this.config.timeoutMs });
    })();
    return this.endpoint;
  }

  /** The error of a call that gives up; when this opens the breaker, the breaker's error, which every waiting call gets too. */
  private giveUp(request: ChatRequest, result: Failure, attempts: number, rejectedHint?: string): unknown {
    if (!this.breaker.gaveUp(result)) return this.errors.failure(request, result, attempts, rejectedHint);
    const error = this.errors.stopped(request, result, attempts);
    this.breaker.open(error);
    return error;
  }
}

/**
 * The reply with the usage record it is memoised with: the reported usage, or
 * dpo's estimate when the endpoint sent none. Spelled out rather than spread
 * (it runs for every call): a reply of CHAT_ROUTE is parseCompletion's, these
 * four fields in this order, so the memoised value is the same.
 */
function withTokens(reply: ChatReply, request: ChatRequest): ChatReply {
  const { text, finishReason, usage, model } = reply;
  return { text, finishReason, usage, model, tokens: chatUsage(usage, request.messages, text) };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
