import { describe, expect, it } from "vitest";
import { memoryMemo } from "../../src/engine/memo.js";
import { parseReward, type RewardRequest } from "../../src/providers/openai-reward.js";
import { classifyProbability } from "../support/llm-server.js";
import { closedAfterAll, makeContext } from "./helpers.js";

const { server, provider } = closedAfterAll();

const conversation = (answer: string, endpoint: RewardRequest["endpoint"] = "pooling"): RewardRequest => ({
  model: "Skywork/Skywork-Reward-V2-Qwen3-0.6B",
  messages: [
    { role: "user", content: "How do I boil an egg?" },
    { role: "assistant", content: answer },
  ],
  endpoint,
});
const FIVE_WORDS = "Boil it for nine minutes.";

describe("openai provider: reward models over vLLM's pooling routes", () => {
  it("/pooling: the chat messages go to the server root's /pooling and the score comes back from data[0].data", async () => {
    const s = await server();
    const p = provider(s.baseUrl);
    const { ctx, trace } = makeContext();
    const r = await p.reward(conversation(FIVE_WORDS), { ctx });
    expect(r).toEqual({ score: 0.5, cached: false, tokens: { prompt: expect.any(Number), completion: 0 } }); // the test server: words of the answer / 10
    expect(r.tokens!.prompt).toBeGreaterThan(0); // the usage it reported: what the judge's cost is made of
    expect(s.requests[0]).toEqual({ model: "Skywork/Skywork-Reward-V2-Qwen3-0.6B", messages: conversation(FIVE_WORDS).messages });
    expect(trace.tallies["reward.calls"]).toBe(1);
  });

  it("/classify: the score is the probability of the last (preferred) class", async () => {
    const s = await server();
    const p = provider(s.baseUrl);
    const r = await p.reward(conversation(FIVE_WORDS, "classify"), { ctx: makeContext().ctx });
    expect(r.score).toBeCloseTo(classifyProbability(0.5), 12);
    expect(r.score).toBeCloseTo(1 / 3, 12);
  });

  it("memoised per call: a second context with the same memo sends nothing, and offline it is still answered", async () => {
    const s = await server();
    const p = provider(s.baseUrl);
    const memo = memoryMemo();
    const first = await p.reward(conversation(FIVE_WORDS), { ctx: makeContext({ memo }).ctx });
    const again = await p.reward(conversation(FIVE_WORDS), { ctx: makeContext({ memo, offline: true }).ctx });
    expect(again).toEqual({ score: 0.5, cached: true, tokens: first.tokens });
    expect(s.requestCount).toBe(1);
    // The route is part of the key: the same conversation on /classify is another call.
    await p.reward(conversation(FIVE_WORDS, "classify"), { ctx: makeContext({ memo }).ctx });
    expect(s.requestCount).toBe(2);
  });

  it("offline, a missing reward is an error that names the call", async () => {
    const s = await server();
    const p = provider(s.baseUrl);
    await expect(p.reward(conversation(FIVE_WORDS), { ctx: makeContext({ offline: true }).ctx })).rejects.toThrow(/offline mode forbids sending it/);
    expect(s.requestCount).toBe(0);
  });

  it("uses the chat calls' retries: a 503 then a reply", async () => {
    const s = await server({ faults: [{ type: "status", status: 503 }] });
    const p = provider(s.baseUrl);
    const r = await p.reward(conversation(FIVE_WORDS), { ctx: makeContext().ctx });
    expect(r.score).toBe(0.5);
    expect(s.requestCount).toBe(2);
  });

  it("reads vLLM's reply shapes, per-token outputs by their last token, and nothing else", () => {
    const pooled = (data: unknown) => parseReward("pooling", JSON.stringify({ data: [{ index: 0, object: "pooling", data }], usage: { prompt_tokens: 7 } }));
    expect(pooled([2.25])).toEqual({ score: 2.25, usage: { prompt_tokens: 7, completion_tokens: 0 } });
    expect(pooled(1.5)?.score).toBe(1.5);
    expect(pooled([[0.1], [0.2], [-3]])?.score).toBe(-3);
    expect(pooled([0.1, 0.9])?.score).toBe(0.9);
    expect(pooled([])).toBeUndefined();
    expect(pooled("x")).toBeUndefined();
    expect(parseReward("classify", JSON.stringify({ data: [{ label: "LABEL_1", probs: [0.25, 0.75], num_classes: 2 }] }))?.score).toBe(0.75);
    expect(parseReward("classify", JSON.stringify({ data: [{ label: "good", probs: [0.6], num_classes: 1 }] }))?.score).toBe(0.6);
    expect(parseReward("classify", "{oops")).toBeUndefined();
  });
});
