import { afterAll, describe, expect, it } from "vitest";
import { DpoError } from "../../src/engine/diagnostic.js";
import { contentId } from "../../src/engine/hash.js";
import { memoryMemo } from "../../src/engine/memo.js";
import type { Rec } from "../../src/engine/plugin.js";
import generate from "../../src/plugins/generate/llm.js";
import { runPlugin } from "../support/run-plugin.js";
import { startLlmServer, type LlmServer, type LlmServerOptions } from "../support/llm-server.js";
import { makeProvider } from "./helpers.js";

const open: { close(): Promise<void> }[] = [];
afterAll(async () => {
  await Promise.all(open.map((o) => o.close()));
});
async function setup(o: LlmServerOptions = {}, config: Record<string, unknown> = {}) {
  const server = await startLlmServer(o);
  const provider = makeProvider(server.baseUrl, config);
  open.push(server, provider);
  return { server, provider };
}

const prompts: Rec[] = [
  { id: "p1", prompt: "Name three primes.", source: { file: "datasets/p.jsonl", line: 1 }, meta: { dataset: "t" } },
  {
    id: "p2",
    prompt: [
      { role: "user", content: "Hi" },
      { role: "assistant", content: "Hello!" },
      { role: "user", content: "Tell me a joke." },
    ],
    source: { file: "datasets/p.jsonl", line: 2 },
  },
];

const withBlock = {
  models: [
    { provider: "local", model: "m1" },
    { provider: "local", model: "m2" },
  ],
  variants: [{ temperature: 0.2, seed: 7 }, { temperature: 1, top_p: 0.9, max_tokens: 400, system: "Be brief." }],
  n: 5,
};

describe("generate/llm", () => {
  it("produces n candidates per prompt, round robin over models first, then variants", async () => {
    const { server, provider } = await setup();
    const run = await runPlugin(generate, { with: withBlock, inputs: { prompts }, providers: { local: provider } });
    expect(run.records.map((r) => r.id)).toEqual(["p1", "p2"]);
    expect(server.requestCount).toBe(10);
    const [p1, p2] = run.records as any[];
    expect(p1.prompt).toBe("Name three primes.");
    expect(p1.meta).toEqual({ dataset: "t" });
    expect(p2.prompt).toEqual(prompts[1]!.prompt);
    const specs = p1.candidates.map((c: any) => [c.model, c.params]);
    expect(specs).toEqual([
      ["m1", { temperature: 0.2, seed: 7 }], // models first, then variants
      ["m2", { temperature: 0.2, seed: 7 }],
      ["m1", { temperature: 1, top_p: 0.9, max_tokens: 400, system: "Be brief." }],
      ["m2", { temperature: 1, top_p: 0.9, max_tokens: 400, system: "Be brief." }],
      ["m1", { temperature: 0.2, seed: 8 }], // the same variant again: a new sample with the next seed
    ]);
    for (const c of p1.candidates) {
      expect(Object.keys(c).sort()).toEqual(["cost", "finish", "flags", "id", "model", "params", "text", "usage"]);
      // The generation's cost, from the usage the server reported (no price configured: unpriced).
      expect(c.cost).toEqual({ generate: { calls: 1, prompt: c.usage.prompt_tokens, completion: c.usage.completion_tokens, unpriced: 1 } });
      expect(c.text).toMatch(/^Reply [0-9a-f]{12} about: Name three primes\./);
      expect(c.finish).toBe("stop");
      expect(c.flags).toEqual([]);
      expect(c.usage.completion_tokens).toBeGreaterThan(0);
    }
    expect(p1.candidates[4].id).toBe(
      contentId("candidate", "p1", { provider: provider.identity, model: "m1", params: { temperature: 0.2, seed: 8 } }, 1),
    );
    expect(new Set(run.records.flatMap((r: any) => r.candidates.map((c: any) => c.id))).size).toBe(10);
    // The variant's system prompt goes first; the conversation follows unchanged; `system` is not a request field.
    const sent = server.requests.find((b) => b.model === "m2" && b.messages[0].role === "system" && b.messages.length === 4);
    expect(sent.messages.map((m: any) => m.content)).toEqual(["Be brief.", "Hi", "Hello!", "Tell me a joke."]);
    expect(sent).not.toHaveProperty("system");
    expect(sent).toMatchObject({ temperature: 1, top_p: 0.9, max_tokens: 400 });
  });

  it("is deterministic and fully cached on a re-run", async () => {
    const { server, provider } = await setup();
    const memo = memoryMemo();
    const first = await runPlugin(generate, { with: withBlock, inputs: { prompts }, providers: { local: provider }, memo });
    const again = await runPlugin(generate, { with: withBlock, inputs: { prompts }, providers: { local: provider }, memo });
    expect(again.text).toBe(first.text);
    expect(server.requestCount).toBe(10);
    expect(again.trace.stats["llm.cached"]).toBe(10);
    expect(again.trace.tallies["tokens.completion"]).toBe(first.trace.tallies["tokens.completion"]);
    const fresh = await runPlugin(generate, { with: withBlock, inputs: { prompts }, providers: { local: provider }, offline: false });
    expect(fresh.text).toBe(first.text);
  });

  it("flags empty and truncated candidates without hiding them", async () => {
    const { provider } = await setup({
      reply: (body) => {
        const text = body.messages.at(-1).content as string;
        if (text.startsWith("silent")) return "   ";
        if (text.startsWith("cut")) return { content: "a partial answer", finish_reason: "length" };
        return "one two three four five six seven eight nine ten";
      },
    });
    const inputs = { prompts: [{ id: "a", prompt: "silent please" }, { id: "b", prompt: "cut short" }, { id: "c", prompt: "long one" }] };
    const run = await runPlugin(generate, {
      with: { models: [{ provider: "local", model: "m" }], variants: [{}, { max_tokens: 4 }], n: 2 },
      inputs,
      providers: { local: provider },
    });
    const [a, b, c] = run.records as any[];
    expect(a.candidates.map((x: any) => x.flags)).toEqual([["empty"], ["empty"]]);
    expect(a.candidates[0].text).toBe("   ");
    expect(b.candidates.map((x: any) => [x.finish, x.flags])).toEqual([["length", ["truncated"]], ["length", ["truncated"]]]);
    expect(c.candidates.map((x: any) => [x.text, x.finish, x.flags])).toEqual([
      ["one two three four five six seven eight nine ten", "stop", []],
      ["one two three four", "length", ["truncated"]],
    ]);
    expect(run.trace.tallies).toMatchObject({ "candidates.empty": 2, "candidates.truncated": 3 });
  });

  it("fails the stage on a failed call, keeping every finished call memoised", async () => {
    let broken = true;
    const { server, provider } = await setup({
      faults: (_i, body) => (broken && body.messages.at(-1).content === "bad" ? { type: "status", status: 500, body: "boom" } : undefined),
    }, { maxRetries: 1 });
    const memo = memoryMemo();
    const inputs = { prompts: [{ id: "1", prompt: "good one" }, { id: "2", prompt: "bad" }, { id: "3", prompt: "good two" }] };
    const w = { models: [{ provider: "local", model: "m" }], n: 2, concurrency: 3 };
    const err = await runPlugin(generate, { with: w, inputs, providers: { local: provider }, memo }).catch((e) => e);
    expect(err).toBeInstanceOf(DpoError);
    expect(err.message).toContain("HTTP 500: boom");
    expect(memo.size).toBe(4);
    broken = false;
    server.reset();
    // The next build makes its own provider (the first one's circuit breaker opened: two calls of "bad" failed in a row).
    const next = makeProvider(server.baseUrl, { maxRetries: 1 });
    open.push(next);
    const run = await runPlugin(generate, { with: w, inputs, providers: { local: next }, memo });
    expect(run.records).toHaveLength(3);
    expect(server.requestCount).toBe(1); // its two samples, in one request with n = 2
    expect(server.requests.every((b) => b.messages[0].content === "bad")).toBe(true);
  });

  it("rejects a record without a usable prompt, naming where it came from", async () => {
    const { provider } = await setup();
    const err = await runPlugin(generate, {
      with: { models: [{ provider: "local", model: "m" }] },
      inputs: { prompts: [{ id: "x", prompt: 42, source: { file: "datasets/p.jsonl", line: 9 } }] },
      providers: { local: provider },
    }).catch((e) => e);
    expect(err).toBeInstanceOf(DpoError);
    expect(err.diagnostics[0].location).toEqual({ file: "datasets/p.jsonl", line: 9 });
    expect(err.message).toContain('record "x"');
  });

  it("rejects a provider that is not an LLM provider", async () => {
    const err = await runPlugin(generate, {
      with: { models: [{ provider: "nope", model: "m" }] },
      inputs: { prompts },
      providers: { nope: { something: 1 } },
    }).catch((e) => e);
    expect(err).toBeInstanceOf(DpoError);
    expect(err.message).toContain('provider "nope" is not an LLM provider');
  });
});
