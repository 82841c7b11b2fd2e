/**
 * Endpoint faults a build must survive quickly: a reply dripped a byte at a
 * time (the deadline bounds a whole attempt), dead and hanging endpoints (the
 * circuit breaker stops the provider instead of every queued call spending
 * its retries), and the server's `x-should-retry` verdict.
 */
import { describe, expect, it } from "vitest";
import { DpoError } from "../../src/engine/diagnostic.js";
import { memoryMemo } from "../../src/engine/memo.js";
import { until } from "../support/until.js";
import { ask, closedAfterAll, makeContext } from "./helpers.js";

const { server, provider } = closedAfterAll();
const prompt = (body: any): string => body?.messages?.at(-1)?.content ?? "";

describe("openai provider: deadline per attempt", () => {
  it("gives up on a reply dripped a byte at a time once timeoutMs has passed, though no gap is that long", { timeout: 10_000 }, async () => {
    // 2,000 bytes at one per 20 ms would take 40 s; each gap is far below the 300 ms timeout.
    const s = await server({ reply: () => "x".repeat(2_000), faults: () => ({ type: "drip", intervalMs: 20 }) });
    const p = provider(s.baseUrl, { timeoutMs: 300, maxRetries: 1 });
    const memo = memoryMemo();
    const err = await p.chat(ask("drip"), { ctx: makeContext({ memo }).ctx }).catch((e) => e);
    expect(err).toBeInstanceOf(DpoError);
    expect(err.message).toContain("no reply within 300 ms");
    expect(err.message).toContain("after 2 attempts");
    expect(s.requestCount).toBe(2);
    expect(memo.size).toBe(0);
  });

  it("still answers replies that take longer than nothing but arrive in time", async () => {
    const s = await server({ faults: [{ type: "drip", intervalMs: 1 }] });
    const p = provider(s.baseUrl, { timeoutMs: 10_000 });
    const r = await p.chat(ask("slow but fine"), { ctx: makeContext().ctx });
    expect(r.text).toMatch(/^Reply /);
    expect(s.requestCount).toBe(1);
  });
});

describe("openai provider: circuit breaker", () => {
  it("stops a dead endpoint: queued calls fail at once with one error instead of each retrying", async () => {
    const s = await server({ faults: () => ({ type: "status", status: 503, body: "upstream down" }) });
    const url = s.baseUrl.replace("http://", "http://bob:hunter2-secret@");
    const p = provider(url, { maxConcurrency: 2, maxRetries: 2, apiKey: undefined });
    const { ctx } = makeContext();
    const errors = await Promise.all(Array.from({ length: 20 }, (_, i) => p.chat(ask(`prompt ${i}`), { ctx }).catch((e) => e)));
    expect(errors.every((e) => e instanceof DpoError)).toBe(true);
    // At most (maxConcurrency + breakerThreshold - 1) calls start before it opens, 3 attempts each: 9 requests, not 20 × 3.
    expect(s.requestCount).toBeLessThanOrEqual((2 + 2 - 1) * 3);
    const stopped = errors.filter((e) => e.message.includes("the provider stopped"));
    expect(stopped.length).toBeGreaterThanOrEqual(17);
    expect(new Set(stopped)).toHaveProperty("size", 1); // one error, shared
    const message: string = stopped[0].message;
    expect(message).toContain('provider "local"');
    expect(message).toContain(`(${s.baseUrl})`); // the URL without its credentials
    expect(message).toContain("HTTP 503: upstream down");
    expect(message).toContain("2 calls in a row");
    expect(errors.map((e) => `${e.message} ${e.diagnostics[0].hint}`).join("\n")).not.toContain("hunter2");
  });

  it("stops a hanging endpoint within one call's retries, whatever the number of calls", async () => {
    const s = await server({ faults: () => ({ type: "hold" }) });
    const p = provider(s.baseUrl, { maxConcurrency: 4, timeoutMs: 100, maxRetries: 1 });
    const { ctx } = makeContext();
    const errors = await Promise.all(Array.from({ length: 40 }, (_, i) => p.chat(ask(`hang ${i}`), { ctx }).catch((e) => e)));
    expect(errors.every((e) => e instanceof DpoError)).toBe(true);
    expect(errors.some((e) => /no reply within 100 ms.*the provider stopped/.test(e.message))).toBe(true);
    expect(s.requestCount).toBeLessThanOrEqual((4 + 2 - 1) * 2); // about one wave of calls × 2 attempts, not 40 × 2
    const sent = s.requestCount;
    await expect(p.chat(ask("a later call"), { ctx })).rejects.toThrow(/the provider stopped/);
    expect(s.requestCount).toBe(sent);
  });

  it("wakes calls sleeping before a retry when it opens", { timeout: 10_000 }, async () => {
    const s = await server({
      faults: (_i, body) =>
        prompt(body) === "patient" ? { type: "rate-limit", retryAfter: 60 } : { type: "status", status: 500, body: "broken" },
    });
    const p = provider(s.baseUrl, { maxRetries: 1, retryMaxMs: 60_000, breakerThreshold: 1 });
    const t = makeContext();
    const patient = p.chat(ask("patient"), { ctx: t.ctx }).catch((e) => e);
    await until(() => t.trace.stats["llm.retries"] === 1); // asleep for 60 s before its retry
    const doomed = await p.chat(ask("doomed"), { ctx: t.ctx }).catch((e) => e);
    expect(doomed.message).toContain("the provider stopped");
    expect(await patient).toBe(doomed);
    expect(s.requestCount).toBe(3); // patient once, doomed twice
  });

  it("is not tripped by one bad prompt among good ones, nor by request errors", async () => {
    const s = await server({
      faults: (_i, body) =>
        prompt(body) === "poison"
          ? { type: "status", status: 500 }
          : prompt(body).startsWith("too long")
            ? { type: "status", status: 400, body: "context length exceeded" }
            : undefined,
    });
    const p = provider(s.baseUrl, { maxRetries: 1 });
    const { ctx } = makeContext();
    await expect(p.chat(ask("poison"), { ctx })).rejects.toThrow(/HTTP 500/);
    await expect(p.chat(ask("fine 1"), { ctx })).resolves.toMatchObject({ cached: false });
    await expect(p.chat(ask("poison", { seed: 2 }), { ctx })).rejects.toThrow(/HTTP 500/);
    for (let i = 0; i < 3; i++) await expect(p.chat(ask(`too long ${i}`), { ctx })).rejects.toThrow(/HTTP 400/);
    await expect(p.chat(ask("fine 2"), { ctx })).resolves.toMatchObject({ cached: false });
  });

  it("does not stand in the way of replies already memoised", async () => {
    const s = await server({ faults: (i) => (i === 0 ? undefined : { type: "status", status: 502 }) });
    const p = provider(s.baseUrl, { maxRetries: 0, breakerThreshold: 1 });
    const memo = memoryMemo();
    const { ctx } = makeContext({ memo });
    await p.chat(ask("kept"), { ctx });
    await expect(p.chat(ask("lost"), { ctx })).rejects.toThrow(/the provider stopped/);
    await expect(p.chat(ask("kept"), { ctx })).resolves.toMatchObject({ cached: true });
  });
});

describe("openai provider: x-should-retry", () => {
  it("does not retry a reply that says x-should-retry: false (a quota 429)", async () => {
    const s = await server({
      faults: () => ({ type: "status", status: 429, body: "You exceeded your current quota", headers: { "x-should-retry": "false" } }),
    });
    const p = provider(s.baseUrl, { maxRetries: 5 });
    const err = await p.chat(ask("quota"), { ctx: makeContext().ctx }).catch((e) => e);
    expect(err.message).toContain("HTTP 429: You exceeded your current quota");
    expect(err.message).not.toContain("attempts");
    expect(err.diagnostics[0].hint).toMatch(/quota/);
    expect(s.requestCount).toBe(1);
  });

  it("retries a status that normally is not retried when the reply says x-should-retry: true", async () => {
    const s = await server({ faults: [{ type: "status", status: 400, headers: { "x-should-retry": "true" } }] });
    const p = provider(s.baseUrl);
    const r = await p.chat(ask("try again"), { ctx: makeContext().ctx });
    expect(r.text).toMatch(/^Reply /);
    expect(s.requestCount).toBe(2);
  });
});

describe("openai provider: credentials in the base URL", () => {
  it("sends user-info as basic auth and keeps it out of the identity", async () => {
    const s = await server();
    const url = s.baseUrl.replace("http://", "http://bob:p%40ss-w0rd@");
    const p = provider(url, { apiKey: undefined });
    await p.chat(ask("auth"), { ctx: makeContext().ctx });
    expect(s.authorizations[0]).toBe(`Basic ${Buffer.from("bob:p@ss-w0rd").toString("base64")}`);
    expect(JSON.stringify(p.identity)).not.toContain("ss-w0rd");
  });
});
