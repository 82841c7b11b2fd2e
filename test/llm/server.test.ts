import { afterAll, describe, expect, it } from "vitest";
import { startLlmServer, type LlmServer } from "../support/llm-server.js";

const servers: LlmServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});
async function start(o: Parameters<typeof startLlmServer>[0] = {}) {
  const s = await startLlmServer(o);
  servers.push(s);
  return s;
}
const post = (s: LlmServer, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${s.baseUrl}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
const req = { model: "m", messages: [{ role: "user", content: "Say hello to the world" }], temperature: 0.5 };

describe("test LLM server", () => {
  it("answers deterministically with usage, and records requests and auth headers", async () => {
    const s = await start();
    const a = await (await post(s, req, { authorization: "Bearer k" })).json();
    const b = await (await post(s, req)).json();
    const c = await (await post(s, { ...req, temperature: 0.9 })).json();
    expect(a.choices[0].message.content).toBe(b.choices[0].message.content);
    expect(a.choices[0].message.content).not.toBe(c.choices[0].message.content);
    expect(a.choices[0].finish_reason).toBe("stop");
    expect(a.usage.prompt_tokens).toBe(5);
    expect(a.usage.completion_tokens).toBeGreaterThan(0);
    expect(s.requestCount).toBe(3);
    expect(s.requests[0]).toEqual(req);
    expect(s.authorizations).toEqual(["Bearer k", undefined, undefined]);
  });

  it("counts but keeps no request bodies when told not to (for benchmarks)", async () => {
    const s = await start({ keepRequests: false });
    const a = await (await post(s, req, { authorization: "Bearer k" })).json();
    expect(a.choices[0].message.content).toMatch(/^Reply /);
    expect(s.requestCount).toBe(1);
    expect(s.requests).toEqual([]);
    expect(s.authorizations).toEqual([]);
  });

  it("injects faults from a queue, then answers", async () => {
    const s = await start({ faults: [{ type: "rate-limit", retryAfterMs: 5 }, { type: "status", status: 500 }, { type: "malformed" }] });
    const r1 = await post(s, req);
    expect(r1.status).toBe(429);
    expect(r1.headers.get("retry-after-ms")).toBe("5");
    expect((await post(s, req)).status).toBe(500);
    const r3 = await post(s, req);
    await expect(r3.json()).rejects.toThrow();
    expect((await post(s, req)).status).toBe(200);
    expect(s.requestCount).toBe(4);
  });

  it("resets connections and truncates at max_tokens", async () => {
    const s = await start({ faults: (i) => (i === 0 ? { type: "reset" } : undefined), reply: () => "one two three four five" });
    await expect(post(s, req)).rejects.toThrow();
    const r = await (await post(s, { ...req, max_tokens: 3 })).json();
    expect(r.choices[0].message.content).toBe("one two three");
    expect(r.choices[0].finish_reason).toBe("length");
  });

  it("tracks the peak of concurrent requests", async () => {
    const s = await start({ latencyMs: 50 });
    await Promise.all(Array.from({ length: 5 }, () => post(s, req).then((r) => r.json())));
    expect(s.maxInFlight).toBe(5);
    s.reset();
    expect(s.requestCount).toBe(0);
  });

  it("holds each reply for the latency from its request's arrival, never less", async () => {
    const s = await start({ latencyMs: 30 });
    const times = await Promise.all(
      Array.from({ length: 20 }, async () => {
        const sent = performance.now();
        await (await post(s, req)).json();
        return performance.now() - sent;
      }),
    );
    expect(Math.min(...times)).toBeGreaterThanOrEqual(30);
    expect(s.meanResidenceMs).toBeGreaterThanOrEqual(30);
  });
});
