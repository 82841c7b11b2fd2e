import { describe, expect, it } from "vitest";
import { canonicalJson } from "../../src/engine/hash.js";
import { seededRng } from "../../src/engine/rng.js";
import { chatKey } from "../../src/providers/chat-key.js";
import { publicUrl, urlSecrets } from "../../src/providers/endpoint.js";
import { TokenBucket } from "../../src/providers/limits/token-bucket.js";
import { backoffDelay, isRetryableStatus, retryAfterMs, retryDelay } from "../../src/providers/retry.js";



describe("TokenBucket", () => {
  it("allows a second's worth at once, then the per-minute rate", async () => {
    let now = 0;
    const bucket = new TokenBucket(600, () => now); // 10 per second
    for (let i = 0; i < 10; i++) await bucket.take(1);
    let done = false;
    const next = bucket.take(1).then(() => (done = true));
    await new Promise((r) => setTimeout(r, 30));
    expect(done).toBe(false);
    now = 100;
    await next;
    expect(done).toBe(true);
  });

  it("lets a refund wake a waiter early", async () => {
    const bucket = new TokenBucket(60); // 1 per second
    await bucket.take(1);
    const started = performance.now();
    const next = bucket.take(1);
    setTimeout(() => bucket.adjust(-1), 20);
    await next;
    expect(performance.now() - started).toBeLessThan(500);
  });

  it("aborts a waiter", async () => {
    const bucket = new TokenBucket(1);
    await bucket.take(1);
    const controller = new AbortController();
    const next = bucket.take(1, controller.signal);
    controller.abort(new Error("cancelled"));
    await expect(next).rejects.toThrow("cancelled");
  });
});

describe("retry policy", () => {
  it("retries 408, 409, 429 and 5xx only", () => {
    expect([408, 409, 429, 500, 502, 503, 504].every(isRetryableStatus)).toBe(true);
    expect([400, 401, 403, 404, 422].some(isRetryableStatus)).toBe(false);
  });

  it("backs off exponentially with full jitter, capped", () => {
    const rng = seededRng("t");
    const policy = { baseMs: 100, maxMs: 1_000 };
    for (let attempt = 0; attempt < 8; attempt++) {
      for (let i = 0; i < 50; i++) {
        const d = backoffDelay(attempt, policy, rng);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThanOrEqual(Math.min(1_000, 100 * 2 ** attempt));
      }
    }
  });

  it("reads retry-after-ms, retry-after seconds and HTTP dates, and caps them", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(retryAfterMs({ "retry-after-ms": "250", "retry-after": "9" }, now)).toBe(250);
    expect(retryAfterMs({ "retry-after": "2" }, now)).toBe(2_000);
    expect(retryAfterMs({ "retry-after": "Thu, 01 Jan 2026 00:00:03 GMT" }, now)).toBe(3_000);
    expect(retryAfterMs({ "retry-after": "soon" }, now)).toBeUndefined();
    expect(retryAfterMs({}, now)).toBeUndefined();
    expect(retryDelay(0, { baseMs: 10, maxMs: 500 }, seededRng("x"), 60_000)).toBe(500);
  });
});

describe("endpoint identity", () => {
  it("strips credentials but keeps what selects the service", () => {
    expect(publicUrl("https://api.openai.com/v1/")).toBe("https://api.openai.com/v1");
    expect(publicUrl("https://u:p@gw.example.com/openai/v1?key=abc&api-version=2024&sig=zz")).toBe("https://gw.example.com/openai/v1?api-version=2024");
    const secrets = urlSecrets("https://u:p%40ss@gw.example.com/v1?key=a%2Fbc&api-version=2024");
    // Decoded and as written, and the basic-auth form of user-info; never what selects the service.
    expect(secrets).toEqual(expect.arrayContaining(["p@ss", "p%40ss", "a/bc", "a%2Fbc", Buffer.from("u:p@ss").toString("base64")]));
    expect(secrets.some((s) => s.includes("2024") || s === "u")).toBe(false);
    expect(urlSecrets("https://tok-123456@gw.example.com/v1")).toContain("tok-123456");
  });
});


describe("chatKey", () => {
  it("is canonical JSON built without walking the key, and holds no credentials", () => {
    const identity = { type: "openai", baseUrl: publicUrl("https://user:hunter22@api.example.com/v1?api_key=zzzzzzzz") };
    const request = {
      top_p: 0.9,
      temperature: 0.5,
      stop: ["\n\n"],
      seed: 3,
      max_tokens: 64,
      model: "m",
      json: true,
      messages: [{ role: "system" as const, content: "sys" }, { content: "q", role: "user" as const }],
    };
    const key = chatKey(identity, request, 2);
    expect(key).toBe(canonicalJson(JSON.parse(key)));
    expect(JSON.parse(key)).toEqual([
      "chat@1",
      { baseUrl: "https://api.example.com/v1", type: "openai" },
      "m",
      [{ content: "sys", role: "system" }, { content: "q", role: "user" }],
      { max_tokens: 64, seed: 3, stop: ["\n\n"], temperature: 0.5, top_p: 0.9 },
      true,
      2,
    ]);
    expect(key).not.toMatch(/hunter22|zzzzzzzz/);
    expect(chatKey(identity, { model: "m", messages: [{ role: "user", content: "q" }], temperature: undefined }, 0)).toBe(
      chatKey(identity, { model: "m", messages: [{ role: "user", content: "q" }] }, 0),
    );
  });
});
