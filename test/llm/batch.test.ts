import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DpoError } from "../../src/engine/diagnostic.js";
import { memoryMemo } from "../../src/engine/memo.js";
import type { Rec } from "../../src/engine/plugin.js";
import generate from "../../src/plugins/generate/llm.js";
import rubric from "../../src/plugins/judge/rubric.js";
import { startBatchServer, type BatchServer, type BatchServerOptions } from "../support/llm-server-batch.js";
import { runPlugin } from "../support/run-plugin.js";
import { until } from "../support/until.js";
import { ManualClock } from "../../src/engine/async/clock.js";
import { nodeErrors } from "../../src/engine/config/locations.js";
import { OpenAiProvider } from "../../src/providers/openai-provider.js";
import { ask, makeContext, makeProvider } from "./helpers.js";

const envFor = () => ({ name: "local", log: { info() {}, warn() {}, debug() {} }, redact: (t: string) => t, fail: nodeErrors(undefined, "providers", "local").fail });

const open: { close(): Promise<void> }[] = [];
afterAll(async () => {
  await Promise.all(open.map((o) => o.close()));
});
async function server(o: BatchServerOptions = {}): Promise<BatchServer> {
  const s = await startBatchServer(o);
  open.push(s);
  return s;
}
const FAST = { idleMs: 20, pollMs: 2 };
function provider(s: BatchServer, config: Record<string, unknown> = {}) {
  const p = makeProvider(s.baseUrl, { mode: "batch", batch: FAST, ...config });
  open.push(p);
  return p;
}
const direct = (s: BatchServer) => provider(s, { mode: "direct" });

const prompts: Rec[] = [
  { id: "p1", prompt: "Name three primes." },
  { id: "p2", prompt: "Tell me a joke." },
  { id: "p3", prompt: "Write a haiku." },
];
const generating = { models: [{ provider: "local", model: "m" }], variants: [{ temperature: 1 }, { temperature: 0, seed: 3 }], n: 4 };
const gen = (p: unknown, o: { memo?: ReturnType<typeof memoryMemo>; offline?: boolean; signal?: AbortSignal } = {}) =>
  runPlugin(generate, { with: generating, inputs: { prompts }, providers: { local: p }, memo: o.memo ?? memoryMemo(), offline: o.offline ?? false, signal: o.signal });

/** A folder holding the starter rubric, for judge/rubric runs. */
const rubricRoot = mkdtempSync(join(tmpdir(), "dpo-batch-judge-"));
writeFileSync(join(rubricRoot, "rubric.yaml"), readFileSync(new URL("../../rubrics/helpfulness.yaml", import.meta.url), "utf8"));
afterAll(() => rmSync(rubricRoot, { recursive: true, force: true }));

/** judge/rubric with one LLM judge (`mode`) on provider `p`, over `records`. */
function judgeWith(p: unknown, mode: string, records: Rec[]) {
  return runPlugin(rubric, {
    root: rubricRoot,
    providers: { local: p },
    memo: memoryMemo(),
    with: { rubric: "rubric.yaml", judges: [{ id: "llm", type: "llm", provider: "local", model: "judge-model", mode }] },
    inputs: { generate: records },
  });
}

describe("mode: batch", () => {
  it("generate/llm: the build's calls go out as one batch — one upload, one create, polls, one download — with the direct path's outputs", async () => {
    const s = await server({ pollsBeforeDone: 2 });
    const expected = await gen(direct(s));
    const directRequests = s.requestCount;
    s.reset();
    const run = await gen(provider(s));
    expect(run.text).toBe(expected.text);
    expect(s.batch).toEqual({ uploads: 1, creates: 1, polls: 3, downloads: 1 });
    expect(s.requestCount).toBe(6); // nothing sent to /chat/completions
    expect(s.uploadedLines).toHaveLength(directRequests); // the same calls: n-sampled groups stay one line each
    expect(s.uploadedLines[0]).toMatchObject({ method: "POST", url: "/v1/chat/completions" });
    expect(s.uploadedLines.filter((l) => l.body.n === 2)).toHaveLength(3);
    expect(run.trace.stats["llm.batches"]).toBe(1);
  });

  it("a batch call costs the Batch API's half price, the same from the memo as when it was downloaded", async () => {
    const s = await server();
    const prices = { prices: { m: { input: 2, output: 8 } } };
    const memo = memoryMemo();
    const sentDirect = await gen(provider(s, { ...prices, mode: "direct" }));
    const batched = await gen(provider(s, prices), { memo });
    const fromMemo = await gen(provider(s, prices), { memo });
    const full = sentDirect.trace.tallies["cost.usd"]!;
    expect(full).toBeGreaterThan(0);
    expect(batched.trace.tallies["tokens.prompt"]).toBe(sentDirect.trace.tallies["tokens.prompt"]);
    expect(batched.trace.tallies["cost.usd"]).toBeCloseTo(full / 2, 12);
    expect(batched.trace.stats["sent.cost.usd"]).toBeCloseTo(full / 2, 12);
    expect(fromMemo.trace.tallies["cost.usd"]).toBeCloseTo(batched.trace.tallies["cost.usd"]!, 12); // summed in another order
  });

  it("an LLM judge: every verdict call in one batch, verdicts identical to the direct path", async () => {
    const criteria = ["correctness", "completeness", "relevance", "clarity", "safety"];
    const s = await server({ reply: () => JSON.stringify(Object.fromEntries(criteria.map((id) => [id, { rationale: `${id} is fine`, score: 4 }]))) });
    const candidates = prompts.map((p) => ({ ...p, candidates: ["A", "B", "C"].map((x) => ({ id: `${p.id}-${x}`, text: `Answer ${x}.` })) }));
    const judge = (p: unknown) => judgeWith(p, "single-call", candidates);
    const expected = await judge(direct(s));
    expect(expected.trace.tallies["judge.scored"]).toBe(9 * 5);
    s.reset();
    const run = await judge(provider(s));
    expect(run.text).toBe(expected.text);
    expect(s.batch).toEqual({ uploads: 1, creates: 1, polls: 2, downloads: 1 });
    expect(s.uploadedLines).toHaveLength(9); // more than the judge's default concurrency (8): a batching provider gets every call at once
  });

  it("a per-criterion LLM judge: a batching provider gets every criterion's call at once, not the first of each response first", async () => {
    const s = await server({ reply: (body) => JSON.stringify({ [/^## (\S+)$/m.exec(body.messages[1].content)![1]!]: { rationale: "fine", score: 4 } }) });
    const candidates = prompts.map((p) => ({ ...p, candidates: ["A", "B"].map((x) => ({ id: `${p.id}-${x}`, text: `Answer ${x}.` })) }));
    const run = await judgeWith(provider(s), "per-criterion", candidates);
    expect(run.trace.tallies["judge.scored"]).toBe(6 * 5);
    expect(s.batch).toMatchObject({ uploads: 1, creates: 1, downloads: 1 });
    expect(s.uploadedLines).toHaveLength(6 * 5);
  });

  it("streamed stages still give a batching provider every call at once: more prompts than generate/llm's window, more records than judge/rubric's", async () => {
    const s = await server();
    const many: Rec[] = Array.from({ length: 12 }, (_, i) => ({ id: `q${i}`, prompt: `Question ${i}?` }));
    // concurrency 1: a window of 4 prompts, were it not lifted for the batching provider.
    await runPlugin(generate, { with: { models: [{ provider: "local", model: "m" }], n: 1, concurrency: 1 }, inputs: { prompts: many }, providers: { local: provider(s) }, memo: memoryMemo() });
    expect(s.batch.creates).toBe(1);
    expect(s.uploadedLines).toHaveLength(12);

    const criteria = ["correctness", "completeness", "relevance", "clarity", "safety"];
    const j = await server({ reply: () => JSON.stringify(Object.fromEntries(criteria.map((id) => [id, { rationale: "fine", score: 4 }]))) });
    // 200 records: over the judge's window of batches of 32 records (at most 4 × 32 with 2 jobs).
    const records = Array.from({ length: 200 }, (_, i) => ({ id: `r${String(i).padStart(3, "0")}`, prompt: `Prompt ${i}`, candidates: [{ id: `r${i}-a`, text: `Answer ${i}.` }] }));
    const run = await judgeWith(provider(j), "single-call", records);
    expect(run.trace.tallies["judge.scored"]).toBe(200 * 5);
    expect(j.batch.creates).toBe(1);
    expect(j.uploadedLines).toHaveLength(200);
  });

  it("a failed line fails its call like an HTTP error; the other results are memoised", async () => {
    const s = await server({ failLine: (body) => (body.messages.at(-1).content === "Tell me a joke." ? { status: 400, message: "unsupported joke" } : undefined) });
    const memo = memoryMemo();
    const err = await gen(provider(s), { memo }).catch((e) => e);
    expect(err).toBeInstanceOf(DpoError);
    expect(err.message).toContain("HTTP 400: unsupported joke");
    expect(err.message).toContain("batch batch_1");
    s.reset();
    await gen(direct(s), { memo });
    expect(s.requests.every((b) => b.messages.at(-1).content === "Tell me a joke.")).toBe(true);
    expect(s.requestCount).toBe(3); // one grouped request for the unseeded samples, one per seeded sample
  });

  it("a batch that fails as a whole fails its calls with the batch's errors", async () => {
    const s = await server({ finalStatus: "failed" });
    const err = await gen(provider(s)).catch((e) => e);
    expect(err).toBeInstanceOf(DpoError);
    expect(err.message).toMatch(/batch batch_1 ended "failed" .*injected batch failure/);
  });

  it("offline: refuses to submit, sending nothing", async () => {
    const s = await server();
    const err = await gen(provider(s), { offline: true }).catch((e) => e);
    expect(err).toBeInstanceOf(DpoError);
    expect(err.message).toContain("offline mode forbids sending it");
    expect(s.requestCount).toBe(0);
  });

  it("a build stopped while its batch is pending: the next build polls the same batch instead of submitting again", async () => {
    const s = await server({ hold: true });
    const memo = memoryMemo();
    const stop = new AbortController();
    const first = gen(provider(s), { memo, signal: stop.signal }).catch((e) => e);
    await until(() => s.batch.polls >= 2);
    stop.abort(new Error("interrupted"));
    expect(await first).toBeInstanceOf(Error);
    s.complete();
    const run = await gen(provider(s), { memo });
    expect(run.records).toHaveLength(3);
    expect(s.batch.uploads).toBe(1);
    expect(s.batch.creates).toBe(1);
    expect(s.batch.downloads).toBe(1);
    // Now memoised: a third build sends nothing at all.
    const before = s.requestCount;
    await gen(provider(s), { memo });
    expect(s.requestCount).toBe(before);
  });
});

describe("the batch queue's clock", () => {
  it("sends once the queue stops growing for idleMs, or at once when it is full; polls every pollMs", async () => {
    const s = await server({ pollsBeforeDone: 2 });
    const clock = new ManualClock();
    const p = new OpenAiProvider({ baseUrl: s.baseUrl, mode: "batch", batch: { idleMs: 100, maxCalls: 3, pollMs: 1_000 } }, envFor(), clock);
    open.push(p);
    const { ctx } = makeContext();
    /** Advances the clock once the provider waits on it (a poll's sleep is armed after the poll's reply). */
    const advanceWhenWaiting = async (ms: number) => {
      await until(() => clock.pending > 0);
      clock.advance(ms);
    };
    const calls = [p.chat(ask("one"), { ctx }), p.chat(ask("two"), { ctx })];
    clock.advance(99);
    calls.push(p.chat(ask("three"), { ctx })); // the third call fills the batch: sent without waiting
    await until(() => s.batch.polls === 1 && clock.pending === 1);
    expect(s.batch.uploads).toBe(1);
    clock.advance(999);
    expect(s.batch.polls).toBe(1); // the next poll waits its pollMs
    clock.advance(1);
    await until(() => s.batch.polls === 2);
    await advanceWhenWaiting(1_000);
    expect((await Promise.all(calls)).map((r) => r.text)).toHaveLength(3);
    expect(s.batch).toEqual({ uploads: 1, creates: 1, polls: 3, downloads: 1 });
    // Fewer calls than maxCalls wait out the idle window, which each new call restarts.
    const later = [p.chat(ask("four"), { ctx })];
    clock.advance(99);
    later.push(p.chat(ask("five"), { ctx }));
    clock.advance(99);
    expect(clock.pending).toBe(1); // 198 ms after "four", but 99 after "five": still waiting
    clock.advance(1);
    await until(() => s.batch.polls === 4);
    expect(s.batch.uploads).toBe(2);
    await advanceWhenWaiting(1_000);
    await until(() => s.batch.polls === 5);
    await advanceWhenWaiting(1_000);
    await Promise.all(later);
    expect(s.uploadedLines.slice(3).map((l) => l.body.messages[0].content).sort()).toEqual(["five", "four"]);
  });
});
