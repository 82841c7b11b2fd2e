import { describe, expect, it } from "vitest";
import { DpoError } from "../../src/engine/diagnostic.js";
import { memoryMemo } from "../../src/engine/memo.js";
import { API_KEY, ask, closedAfterAll, makeContext } from "./helpers.js";
import { until } from "../support/until.js";

const { server, provider } = closedAfterAll();

describe("openai provider: calls and memo", () => {
  it("sends the request with the bearer key and returns text, finish reason and usage", async () => {
    const s = await server({ reply: () => "four words of reply" });
    const p = provider(s.baseUrl);
    const { ctx, trace } = makeContext();
    const r = await p.chat(ask("hello there", { max_tokens: 50, seed: 3 }), { ctx });
    expect(r).toEqual({
      text: "four words of reply",
      finishReason: "stop",
      usage: { prompt_tokens: 2, completion_tokens: 4 },
      model: "test-model",
      cached: false,
      tokens: { prompt: 2, completion: 4 },
    });
    expect(s.requests[0]).toEqual({ model: "test-model", messages: [{ role: "user", content: "hello there" }], temperature: 0.7, max_tokens: 50, seed: 3 });
    expect(s.authorizations[0]).toBe(`Bearer ${API_KEY}`);
    expect(trace.tallies).toMatchObject({ "llm.calls": 1, "tokens.prompt": 2, "tokens.completion": 4 });
  });

  it("sends no authorization header without an api key, and asks for JSON when told", async () => {
    const s = await server();
    const p = provider(s.baseUrl, { apiKey: undefined });
    await p.chat({ ...ask("x"), json: true }, { ctx: makeContext().ctx });
    expect(s.authorizations[0]).toBeUndefined();
    expect(s.requests[0].response_format).toEqual({ type: "json_object" });
  });

  it("spells the token limit and sampling for the model: reasoning models get max_completion_tokens and no temperature", async () => {
    const s = await server();
    const ctx = makeContext().ctx;
    const p = provider(s.baseUrl);
    await p.chat({ ...ask("a", { max_tokens: 50 }), model: "o3-mini" }, { ctx });
    await p.chat({ ...ask("b", { max_tokens: 50 }), model: "gpt-4o" }, { ctx });
    expect(s.requests[0]).toEqual({ model: "o3-mini", messages: [{ role: "user", content: "a" }], max_completion_tokens: 50 });
    expect(s.requests[1]).toMatchObject({ model: "gpt-4o", temperature: 0.7, max_tokens: 50 });
    const q = provider(s.baseUrl, { tokenParameter: "max_completion_tokens", reasoningModels: ["my-thinker"] });
    await q.chat({ ...ask("c", { max_tokens: 9 }), model: "my-thinker" }, { ctx });
    await q.chat({ ...ask("d", { max_tokens: 9 }), model: "o3-mini" }, { ctx });
    expect(s.requests[2]).toEqual({ model: "my-thinker", messages: [{ role: "user", content: "c" }], max_completion_tokens: 9 });
    expect(s.requests[3]).toMatchObject({ model: "o3-mini", temperature: 0.7, max_completion_tokens: 9 });
  });

  it("memoises: a repeated call is not sent, but tokens and cost are still counted", async () => {
    const s = await server({ reply: () => "a b c d e f g h i j" });
    const p = provider(s.baseUrl, { prices: { "test-model": { input: 2, output: 10 } } });
    const memo = memoryMemo();
    const first = makeContext({ memo });
    await p.chat(ask("one two three four"), { ctx: first.ctx });
    const again = makeContext({ memo });
    const r = await p.chat(ask("one two three four"), { ctx: again.ctx });
    expect(r.cached).toBe(true);
    expect(s.requestCount).toBe(1);
    for (const t of [first, again]) {
      expect(t.trace.tallies["tokens.prompt"]).toBe(4);
      expect(t.trace.tallies["tokens.completion"]).toBe(10);
      expect(t.trace.tallies["cost.usd"]).toBeCloseTo((4 * 2 + 10 * 10) / 1e6, 12);
      expect(t.ticks.tokens).toBe(14);
    }
    expect(first.trace.tallies["llm.calls"]).toBe(1);
    expect(again.trace.stats["llm.cached"]).toBe(1);
    expect(again.trace.tallies["llm.calls"]).toBe(1); // the lock describes the output, not the cache
    expect(again.trace.stats["llm.sent"]).toBeUndefined();
  });

  it("treats sample index, sampling params and json flag as different calls", async () => {
    const s = await server();
    const p = provider(s.baseUrl);
    const { ctx } = makeContext();
    await p.chat(ask("q"), { ctx, sample: 0 });
    await p.chat(ask("q"), { ctx, sample: 1 });
    await p.chat(ask("q", { temperature: 0.2 }), { ctx });
    await p.chat({ ...ask("q"), json: true }, { ctx });
    await p.chat(ask("q"), { ctx, sample: 1 });
    expect(s.requestCount).toBe(4);
  });

  it("sends identical calls in flight once, even from two stages sharing the provider", async () => {
    const s = await server({ latencyMs: 50 });
    const p = provider(s.baseUrl);
    const a = makeContext({ stage: "a" });
    const b = makeContext({ stage: "b" });
    const results = await Promise.all([
      p.chat(ask("same"), { ctx: a.ctx }),
      p.chat(ask("same"), { ctx: a.ctx }),
      p.chat(ask("same"), { ctx: b.ctx }),
    ]);
    expect(s.requestCount).toBe(1);
    expect(new Set(results.map((r) => r.text)).size).toBe(1);
    expect(results.filter((r) => !r.cached)).toHaveLength(1);
  });
});

describe("openai provider: retries", () => {
  it("retries 429, 500, 503, 408, malformed bodies and resets, then succeeds", async () => {
    const s = await server({
      faults: [
        { type: "rate-limit" },
        { type: "status", status: 500 },
        { type: "status", status: 503 },
        { type: "status", status: 408 },
        { type: "malformed" },
      ],
    });
    const p = provider(s.baseUrl, { retryMaxMs: 20 });
    const { ctx, trace } = makeContext();
    const r = await p.chat(ask("retry me"), { ctx });
    expect(r.text).toMatch(/^Reply /);
    expect(s.requestCount).toBe(6);
    expect(trace.stats["llm.retries"]).toBe(5);
  });

  it("retries connection resets and timeouts", async () => {
    const s = await server({ faults: [{ type: "reset" }, { type: "slow", delayMs: 2_000 }] });
    const p = provider(s.baseUrl, { timeoutMs: 150 });
    const started = performance.now();
    const t = makeContext();
    await p.chat(ask("flaky"), { ctx: t.ctx });
    expect(s.requestCount).toBe(3);
    expect(t.logs.some((l) => l.includes("network error"))).toBe(true);
    expect(t.logs.some((l) => l.includes("no reply within 150 ms"))).toBe(true);
    expect(performance.now() - started).toBeLessThan(1_500);
  });

  it("gives up after maxRetries with a clear error, and does not memoise the failure", async () => {
    const s = await server({ faults: (i) => (i < 3 ? { type: "status", status: 502, body: "upstream exploded" } : undefined) });
    const p = provider(s.baseUrl, { maxRetries: 2 });
    const memo = memoryMemo();
    const err = await p.chat(ask("doomed"), { ctx: makeContext({ memo }).ctx }).catch((e) => e);
    expect(err).toBeInstanceOf(DpoError);
    expect(err.message).toContain('provider "local"');
    expect(err.message).toContain('model "test-model"');
    expect(err.message).toContain("HTTP 502");
    expect(err.message).toContain("upstream exploded");
    expect(err.message).toContain("after 3 attempts");
    expect(s.requestCount).toBe(3);
    expect(memo.size).toBe(0);
    // The next build sends it again (and now the server answers).
    const r = await p.chat(ask("doomed"), { ctx: makeContext({ memo }).ctx });
    expect(r.cached).toBe(false);
    expect(s.requestCount).toBe(4);
    expect(memo.size).toBe(1);
  });

  it("fails at once on a non-retryable 4xx", async () => {
    const s = await server({ faults: [{ type: "status", status: 400, body: '{"error":{"message":"unknown parameter"}}' }] });
    const p = provider(s.baseUrl);
    const err = await p.chat(ask("bad"), { ctx: makeContext().ctx }).catch((e) => e);
    expect(err).toBeInstanceOf(DpoError);
    expect(err.message).toContain("HTTP 400");
    expect(err.message).toContain("unknown parameter");
    expect(err.message).not.toContain("attempts");
    expect(s.requestCount).toBe(1);
  });

  it("honours retry-after-ms and retry-after seconds", async () => {
    const s = await server({ faults: [{ type: "rate-limit", retryAfterMs: 300 }, { type: "rate-limit", retryAfter: "1" }] });
    const p = provider(s.baseUrl, { retryBaseMs: 1 });
    const started = performance.now();
    await p.chat(ask("patience"), { ctx: makeContext().ctx });
    expect(s.requestCount).toBe(3);
    expect(performance.now() - started).toBeGreaterThanOrEqual(1_290);
  });

  it("caps the wait the server asks for at retryMaxMs", async () => {
    const s = await server({ faults: [{ type: "rate-limit", retryAfter: "3600" }] });
    const p = provider(s.baseUrl, { retryMaxMs: 100 });
    const started = performance.now();
    await p.chat(ask("impatient"), { ctx: makeContext().ctx });
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(95);
    expect(elapsed).toBeLessThan(1_000);
  });
});

describe("openai provider: limits", () => {
  it("cancels requests on the wire and in the queue when the build aborts, and memoises neither", async () => {
    const s = await server({ latencyMs: 5_000 });
    const p = provider(s.baseUrl, { maxConcurrency: 2 });
    const controller = new AbortController();
    const memo = memoryMemo();
    const { ctx } = makeContext({ signal: controller.signal, memo });
    const started = performance.now();
    const calls = Array.from({ length: 4 }, (_, i) => p.chat(ask(`slow ${i}`), { ctx }).catch((e: unknown) => e));
    await until(() => s.requestCount >= 2);
    controller.abort(new Error("interrupted"));
    const results = await Promise.all(calls);
    expect(performance.now() - started).toBeLessThan(2_000);
    for (const r of results) expect((r as Error).message).toBe("interrupted");
    expect(s.requestCount).toBe(2);
    expect(memo.size).toBe(0);
  });

  it("never has more than maxConcurrency requests open", async () => {
    const s = await server({ latencyMs: 20 });
    const p = provider(s.baseUrl, { maxConcurrency: 3 });
    const { ctx } = makeContext();
    await Promise.all(Array.from({ length: 30 }, (_, i) => p.chat(ask(`q${i}`), { ctx })));
    expect(s.requestCount).toBe(30);
    expect(s.maxInFlight).toBe(3);
  });

  it("keeps to rpm", async () => {
    const s = await server();
    // 600 rpm = 10 per second, bursts of up to 10: 25 calls need at least 1.5 s.
    const p = provider(s.baseUrl, { rpm: 600, maxConcurrency: 50 });
    const { ctx } = makeContext();
    const started = performance.now();
    await Promise.all(Array.from({ length: 25 }, (_, i) => p.chat(ask(`r${i}`), { ctx })));
    expect(performance.now() - started).toBeGreaterThanOrEqual(1_450);
    expect(s.requestCount).toBe(25);
  });

  it("keeps to tpm, correcting its estimate with the reported usage", async () => {
    const s = await server({ reply: () => "x ".repeat(60) });
    // 6000 tpm = 100 tokens per second, bursts of 100; each call estimates 1 + 100 and uses 61.
    const p = provider(s.baseUrl, { tpm: 6_000, maxConcurrency: 10 });
    const { ctx } = makeContext();
    const started = performance.now();
    await Promise.all(Array.from({ length: 6 }, (_, i) => p.chat(ask(`t${i}`, { max_tokens: 100 }), { ctx })));
    const elapsed = performance.now() - started;
    // 6 × 61 used tokens minus the 100 burst is ≥ 2.6 s of budget at 100/s; estimates alone would need 5 s.
    expect(elapsed).toBeGreaterThanOrEqual(2_500);
    expect(elapsed).toBeLessThan(5_000);
  });
});

describe("openai provider: offline", () => {
  it("answers from the memo, and names the first missing call", async () => {
    const s = await server();
    const p = provider(s.baseUrl);
    const memo = memoryMemo();
    await p.chat(ask("known prompt"), { ctx: makeContext({ memo }).ctx });
    const off = makeContext({ memo, offline: true, stage: "gen" });
    expect((await p.chat(ask("known prompt"), { ctx: off.ctx })).cached).toBe(true);
    const err = await p.chat(ask("a brand new prompt about llamas"), { ctx: off.ctx }).catch((e) => e);
    expect(err).toBeInstanceOf(DpoError);
    expect(err.message).toContain('stage "gen"');
    expect(err.message).toContain('model "test-model"');
    expect(err.message).toContain("a brand new prompt about llamas");
    expect(err.diagnostics[0].hint).toMatch(/without --offline\/--frozen/);
    expect(s.requestCount).toBe(1);
  });
});

describe("openai provider: secrets", () => {
  it("keeps the api key out of errors and logs, even when the server echoes it", async () => {
    const echo = `{"error":{"message":"Incorrect API key provided: ${API_KEY}"}}`;
    const s = await server({
      faults: (i) => (i === 0 ? { type: "status", status: 503, body: echo } : i === 1 ? { type: "status", status: 401, body: echo } : undefined),
    });
    const logs: string[] = [];
    const p = provider(s.baseUrl, {}, logs);
    const t = makeContext();
    const err = await p.chat(ask("k"), { ctx: t.ctx }).catch((e) => e);
    expect(err).toBeInstanceOf(DpoError);
    expect(err.message).toContain("HTTP 401");
    expect(err.message).toContain("Incorrect API key provided: ***");
    expect(err.diagnostics[0].hint).toMatch(/apiKey/);
    const shown = [err.message, err.stack, JSON.stringify(err.diagnostics), ...logs, ...t.logs].join("\n");
    expect(t.logs.some((l) => l.includes("HTTP 503"))).toBe(true);
    expect(shown).not.toContain(API_KEY);
    expect(s.authorizations.every((a) => a === `Bearer ${API_KEY}`)).toBe(true);
  });

  it("leaves credentials out of its identity and treats header values as secrets", async () => {
    const p = provider("https://user:pa55word@api.example.com/v1/?api-version=2024-06-01&api_key=qwertyuiop", {
      headers: { "x-api-key": "hdr-secret-123" },
    });
    expect(p.identity).toEqual({ type: "openai", baseUrl: "https://api.example.com/v1?api-version=2024-06-01" });
  });
});
