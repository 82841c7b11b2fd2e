/**
 * Several samples of one chat request (candidates 0, 1, 2 … of the same model,
 * prompt and parameters) asked for in as few requests as the endpoint allows:
 * one request with `n` choices fills up to `maxN` of them.
 *
 * Each sample keeps its own memo key, the same one a single call for it uses
 * (chatKey with its sample index), so how the samples were asked for never
 * shows in a key: changing `maxN` re-generates nothing, and samples already
 * memoised are not asked again — a request asks for as many choices as there
 * are samples missing. An endpoint that ignores `n` and returns fewer choices
 * than asked has what came memoised, and is asked again for the rest.
 */
import type { InFlight } from "../engine/async/in-flight.js";
import type { PluginContext } from "../engine/plugin.js";
import { chatKey } from "./chat-key.js";
import type { ChatRequest, ChatResult, SamplesOptions } from "./llm.js";
import type { ChatReply } from "./openai-http.js";
import type { CallUsage } from "./usage.js";

export interface SampleSource {
  readonly identity: Readonly<Record<string, unknown>>;
  /** Most choices asked for in one request; 1 sends no `n` at all. */
  readonly maxN: number;
  /** The calls being sent right now, by memo key (shared with single calls). */
  readonly inFlight: InFlight<string, ChatReply>;
  /** One request for `n` choices; resolves with the choices that came, each with its usage share. */
  sendChoices(request: ChatRequest, n: number, ctx: PluginContext<any>): Promise<ChatReply[]>;
  offlineMiss(ctx: PluginContext<any>, request: ChatRequest): never;
  /** Counts a sample served (sent now or from the memo) and returns its usage record. */
  account(ctx: PluginContext<any>, request: ChatRequest, reply: ChatReply, sent: boolean): CallUsage;
}

interface Waiting {
  resolve(reply: ChatReply): void;
  reject(error: unknown): void;
}

export async function chatSamples(source: SampleSource, request: ChatRequest, { ctx, samples }: SamplesOptions): Promise<ChatResult[]> {
  // The memo asks for a missing value synchronously, but nothing promises that:
  // the misses seen by the next microtask go out together, any later ones as a group of their own.
  let missing: Waiting[] = [];
  const ask = (): Promise<ChatReply> =>
    new Promise<ChatReply>((resolve, reject) => {
      if (missing.length === 0) queueMicrotask(() => void fill(source, request, ctx, missing.splice(0)));
      missing.push({ resolve, reject });
    });
  return Promise.all(
    samples.map(async (sample) => {
      const key = chatKey(source.identity, request, sample);
      let sent = false;
      const reply = await ctx.memo<ChatReply>(key, () => {
        if (ctx.offline) source.offlineMiss(ctx, request);
        const running = source.inFlight.get(key);
        if (running) return running;
        sent = true;
        return source.inFlight.track(key, ask());
      });
      const tokens = source.account(ctx, request, reply, sent);
      return { ...reply, tokens, cached: !sent };
    }),
  );
}

/** Asks for the waiting samples, `maxN` at a time, until each has a reply or the first failure fails the rest. */
async function fill(source: SampleSource, request: ChatRequest, ctx: PluginContext<any>, waiting: Waiting[]): Promise<void> {
  let rest = waiting;
  try {
    while (rest.length > 0) {
      const n = Math.min(Math.max(1, source.maxN), rest.length);
      const replies = await source.sendChoices(request, n, ctx);
      const taken = Math.min(n, replies.length);
      if (taken === 0) throw new Error(`the endpoint returned no choices for model "${request.model}"`);
      // Fewer choices than asked: a server without `n` (or one that caps it); the rest are asked again.
      if (taken < n) ctx.stat("llm.short-n", 1);
      for (let i = 0; i < taken; i++) rest[i]!.resolve(replies[i]!);
      rest = rest.slice(taken);
    }
  } catch (error) {
    for (const w of rest) w.reject(error);
  }
}
