import { describe, expect, it } from "vitest";
import { DpoError } from "../../src/engine/diagnostic.js";
import { contentId } from "../../src/engine/hash.js";
import { memoryMemo } from "../../src/engine/memo.js";
import type { Rec } from "../../src/engine/plugin.js";
import generate from "../../src/plugins/generate/llm.js";
import { split } from "../../src/providers/chat-choices.js";
import { runPlugin } from "../support/run-plugin.js";
import { countTokens } from "../support/llm-server.js";
import { closedAfterAll } from "./helpers.js";

const open = closedAfterAll();
const prompts: Rec[] = [
  { id: "p1", prompt: "Name three primes." },
  { id: "p2", prompt: "Tell me a joke." },
];
const sampled = (n: number) => ({ models: [{ provider: "local", model: "m" }], variants: [{ temperature: 1 }], n });

async function build(server: { baseUrl: string }, w: Record<string, unknown>, memo = memoryMemo(), config: Record<string, unknown> = {}) {
  const provider = open.provider(server.baseUrl, config);
  return runPlugin(generate, { with: w, inputs: { prompts }, providers: { local: provider }, memo });
}

describe("generate/llm with n sampling", () => {
  it("asks for the samples of one request in one call with n, each choice its own candidate", async () => {
    const server = await open.server();
    const run = await build(server, sampled(4));
    expect(server.requestCount).toBe(2); // one request per prompt instead of four: ≤ 1/n requests per candidate
    expect(server.requests.map((b) => b.n)).toEqual([4, 4]);
    const [p1] = run.records as any[];
    expect(new Set(p1.candidates.map((c: any) => c.text)).size).toBe(4);
    const provider = open.provider(server.baseUrl);
    expect(p1.candidates.map((c: any) => c.id)).toEqual(
      [0, 1, 2, 3].map((s) => contentId("candidate", "p1", { provider: provider.identity, model: "m", params: { temperature: 1 } }, s)),
    );
    // Usage shares sum to what the request used: the prompt counted once, the completion once per choice.
    const promptTokens = countTokens("Name three primes.");
    expect(p1.candidates.reduce((s: number, c: any) => s + c.usage.prompt_tokens, 0)).toBe(promptTokens);
    expect(p1.candidates.reduce((s: number, c: any) => s + c.usage.completion_tokens, 0)).toBe(
      p1.candidates.reduce((s: number, c: any) => s + countTokens(c.text), 0),
    );
    expect(run.trace.tallies["tokens.prompt"]).toBe(promptTokens + countTokens("Tell me a joke."));
  });

  it("never re-generates when maxN changes: each sample keeps one memo key however it was asked for", async () => {
    const server = await open.server();
    const memo = memoryMemo();
    const first = await build(server, sampled(4), memo, { maxN: 2 });
    expect(server.requests.map((b) => b.n)).toEqual([2, 2, 2, 2]);
    for (const maxN of [8, 1, 3]) {
      const again = await build(server, sampled(4), memo, { maxN });
      expect(again.text).toBe(first.text);
    }
    expect(server.requestCount).toBe(4);
    // More candidates: only the missing samples are asked for, in one request each.
    server.reset();
    const more = await build(server, sampled(7), memo);
    expect(server.requests.map((b) => b.n)).toEqual([3, 3]);
    expect((more.records[0] as any).candidates.slice(0, 4)).toEqual((first.records[0] as any).candidates);
    // The same memo entries serve single calls (maxN 1 sends no n at all) — and vice versa.
    server.reset();
    const single = await build(server, sampled(8), memo, { maxN: 1 });
    expect(server.requests.map((b) => b.n)).toEqual([undefined, undefined]);
    expect((single.records[0] as any).candidates.slice(0, 7)).toEqual((more.records[0] as any).candidates);
  });

  it("a server that ignores n: what came is memoised, the rest asked for again", async () => {
    const server = await open.server({ n: "ignored" });
    const run = await build(server, sampled(3));
    expect(server.requests.filter((b) => b.messages[0].content === "Name three primes.").map((b) => b.n)).toEqual([3, 2, undefined]);
    expect((run.records[0] as any).candidates).toHaveLength(3);
    expect(run.trace.stats["llm.short-n"]).toBe(4);
  });

  it("a server that rejects n: the error says to set maxN: 1, and with it every call is single", async () => {
    const server = await open.server({ n: "rejected" });
    const err = await build(server, sampled(2)).catch((e) => e);
    expect(err).toBeInstanceOf(DpoError);
    expect(err.message).toContain("HTTP 400");
    expect(err.diagnostics[0].hint).toContain("maxN: 1");
    server.reset();
    const run = await build(server, sampled(2), memoryMemo(), { maxN: 1 });
    expect(server.requestCount).toBe(4);
    expect((run.records[0] as any).candidates).toHaveLength(2);
  });

  it("does not group variants with a fixed seed: each sample is sent with its own seed", async () => {
    const server = await open.server();
    await build(server, { models: [{ provider: "local", model: "m" }], variants: [{ temperature: 1, seed: 5 }], n: 3 });
    expect(server.requests.filter((b) => b.messages[0].content === "Name three primes.").map((b) => [b.n, b.seed])).toEqual([
      [undefined, 5],
      [undefined, 6],
      [undefined, 7],
    ]);
  });

  it("is refused offline like a single call", async () => {
    const server = await open.server();
    const provider = open.provider(server.baseUrl);
    const err = await runPlugin(generate, { with: sampled(3), inputs: { prompts }, providers: { local: provider }, offline: true }).catch((e) => e);
    expect(err).toBeInstanceOf(DpoError);
    expect(err.message).toContain("offline mode forbids sending it");
    expect(server.requestCount).toBe(0);
  });
});

describe("usage split", () => {
  it("splits exactly, by weight, evenly when the weights are all 0", () => {
    expect(split(10, [1, 1, 1])).toEqual([4, 3, 3]);
    expect(split(7, [0, 0])).toEqual([4, 3]);
    expect(split(9, [1, 2])).toEqual([3, 6]);
    expect(split(0, [5, 1])).toEqual([0, 0]);
  });
});
