import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { nodeErrors } from "../../src/engine/config/locations.js";
import { DpoError } from "../../src/engine/diagnostic.js";
import { memoryMemo, type MemoStore } from "../../src/engine/memo.js";
import type { Rec } from "../../src/engine/plugin.js";
import { validate } from "../../src/engine/schema.js";
import plugin from "../../src/plugins/judge/rubric.js";
import openai from "../../src/providers/openai.js";
import { startLlmServer, type LlmServer, type Reply } from "../support/llm-server.js";
import { runPlugin } from "../support/run-plugin.js";
import { alpacaRecords } from "./fixtures.js";

const starter = readFileSync(new URL("../../rubrics/helpfulness.yaml", import.meta.url), "utf8");
const root = mkdtempSync(join(tmpdir(), "dpo-judge-"));
writeFileSync(join(root, "rubric.yaml"), starter);
writeFileSync(join(root, "edited.yaml"), starter.replace("Are the facts, reasoning", "Are the facts, sources, reasoning"));

/** The memoir prompt: alpaca-7b refuses, claude-2.1 and gpt-4 help. Two candidates keep counts small. */
const memoir = alpacaRecords().get(315)!;
const record: Rec = { ...memoir, candidates: (memoir.candidates as any[]).slice(0, 2) };

/** The criteria a judge prompt asks about, read from its `## <id>` headings. */
const askedCriteria = (body: any): string[] => [...String(body.messages[1].content).matchAll(/^## (\S+)$/gm)].map((m) => m[1]!);
const isRefusal = (body: any) => /# Response to judge\n\nNo, I'm sorry/.test(body.messages[1].content);

/** A well-behaved judge model: refusals get 1, everything else 4. */
const goodJudge = (body: any): string =>
  JSON.stringify(Object.fromEntries(askedCriteria(body).map((id) => [id, { rationale: `${id} looks ${isRefusal(body) ? "poor" : "fine"}`, score: isRefusal(body) ? 1 : 4 }])));

let reply: (body: any) => Reply | undefined = goodJudge;
let server: LlmServer;
let provider: ReturnType<typeof openai.create>;
/** Asks without `response_format`, so the server's malformed replies reach the judge (repair and unscored paths). */
let plain: ReturnType<typeof openai.create>;

beforeAll(async () => {
  server = await startLlmServer({ reply: (body) => reply(body) });
  const config = { type: "openai", baseUrl: server.baseUrl, maxRetries: 0 };
  expect(validate(openai.schema, config).valid).toBe(true);
  provider = openai.create(config as any, { name: "local", log: { info() {}, warn() {}, debug() {} }, redact: (s) => s, fail: nodeErrors(undefined, "providers", "local").fail });
  plain = openai.create({ ...config, structuredOutput: "none" } as any, { name: "plain", log: { info() {}, warn() {}, debug() {} }, redact: (s) => s, fail: nodeErrors(undefined, "providers", "plain").fail });
});
afterEach(() => {
  reply = goodJudge;
  server.reset();
});
afterAll(async () => {
  await provider.close();
  await plain.close();
  await server.close();
});

const llmJudge = (extra: Record<string, unknown> = {}) => ({ id: "gpt", type: "llm", provider: "local", model: "judge-model", ...extra });

function judge(opts: { rubric?: string; judge?: Record<string, unknown>; memo?: MemoStore; offline?: boolean } = {}) {
  return runPlugin(plugin, {
    root,
    memo: opts.memo ?? memoryMemo(),
    offline: opts.offline ?? false,
    providers: { local: provider, plain },
    with: { rubric: opts.rubric ?? "rubric.yaml", judges: [llmJudge(opts.judge)] },
    inputs: { generate: [record] },
  });
}

const judgementsOf = (run: { records: Rec[] }) => (run.records[0]!.candidates as any[]).map((c) => c.judgements as any[]);

describe("LLM judge against a local server", () => {
  test("valid JSON: one call per criterion and candidate, every score kept with its rationale", async () => {
    const run = await judge();
    expect(server.requestCount).toBe(2 * 5);
    const [refusal, helpful] = judgementsOf(run);
    expect(refusal!.map((j) => j.score)).toEqual([1, 1, 1, 1, 1]);
    expect(helpful!.map((j) => j.score)).toEqual([4, 4, 4, 4, 4]);
    expect(helpful![0]).toMatchObject({ judge: "gpt", kind: "llm", criterion: "correctness", rationale: "correctness looks fine" });
    expect(run.trace.tallies["judge.scored"]).toBe(10);
    const body = server.requests[0];
    expect(body).toMatchObject({ model: "judge-model", temperature: 0, response_format: { type: "json_schema", json_schema: { name: "judge_scores", strict: true } } });
    expect(askedCriteria(body)).toHaveLength(1);
    expect(body.messages[0].content).toContain("Length is not quality"); // the rubric's instructions
  });

  test("per criterion, the first call about a response is answered before its siblings are sent, and the record's first call before any other: a prefix cache holds what they share", async () => {
    const slow = await startLlmServer({ reply: goodJudge, latencyMs: 25 });
    const p = openai.create({ type: "openai", baseUrl: slow.baseUrl, maxRetries: 0 } as any, { name: "slow", log: { info() {}, warn() {}, debug() {} }, redact: (s) => s, fail: nodeErrors(undefined, "providers", "slow").fail });
    try {
      const run = await runPlugin(plugin, { root, memo: memoryMemo(), providers: { slow: p }, with: { rubric: "rubric.yaml", judges: [llmJudge({ provider: "slow" })] }, inputs: { generate: [record] } });
      expect(judgementsOf(run).flat().every((j) => typeof j.score === "number")).toBe(true);
      const responseOf = (body: any) => /# Response to judge\n\n([\s\S]*)\n\n# Criteria/.exec(body.messages[1].content)![1];
      const byResponse = new Map<string, { arrived: number; replied: number }[]>();
      slow.requests.forEach((body, i) => byResponse.set(responseOf(body), [...(byResponse.get(responseOf(body)) ?? []), slow.timings[i]!]));
      expect([...byResponse.values()].map((t) => t.length)).toEqual([5, 5]);
      for (const [first, ...rest] of byResponse.values()) for (const t of rest) expect(t.arrived).toBeGreaterThanOrEqual(first!.replied);
      // The instructions and the prompt are shared by every call of the record: its first call warms them.
      const [warm, ...others] = [...slow.timings].sort((a, b) => a.arrived - b.arrived);
      for (const t of others) expect(t.arrived).toBeGreaterThanOrEqual(warm!.replied);
      // After that, the other candidate's first call went beside the first candidate's other calls.
      const [, second] = [...byResponse.values()];
      const [firstRest] = [...byResponse.values()][0]!.slice(1);
      expect(second![0]!.arrived).toBeLessThan(firstRest!.replied);
    } finally {
      await p.close();
      await slow.close();
    }
  });

  test("a malformed reply is repaired: the bad reply and the error go back, and the repaired reply is used", async () => {
    reply = (body) => (body.messages.length === 2 ? "Sure! The response is great, I'd give it a 4." : goodJudge(body));
    const run = await judge({ judge: { provider: "plain" } });
    expect(server.requestCount).toBe(2 * 5 * 2);
    expect(judgementsOf(run).flat().every((j) => j.score !== null)).toBe(true);
    const repair = server.requests.find((b) => b.messages.length === 4);
    expect(repair.messages[2]).toEqual({ role: "assistant", content: "Sure! The response is great, I'd give it a 4." });
    expect(repair.messages[3].content).toMatch(/^Your reply could not be used: the reply is not valid JSON/);
  });

  test("a reply that stays invalid after the repair is unscored with the reason, never defaulted", async () => {
    reply = (body) => JSON.stringify(Object.fromEntries(askedCriteria(body).map((id) => [id, { rationale: "ok", score: 9 }])));
    const run = await judge({ judge: { maxUnscored: 1, provider: "plain" } });
    expect(server.requestCount).toBe(2 * 5 * 2);
    const all = judgementsOf(run).flat();
    expect(all.every((j) => j.score === null)).toBe(true);
    expect(all[0]!.unscored).toMatch(/^invalid judge reply after 1 repair: `correctness\.score` must be <= 5; last reply: "\{\\"correctness\\"/);
    expect(run.trace.tallies).toMatchObject({ "judge.scored": 0, "judge.unscored": 10 });

    server.reset();
    await judge({ judge: { maxRepairs: 0, maxUnscored: 1, provider: "plain" } });
    expect(server.requestCount).toBe(2 * 5);
  });

  test("a judge whose replies never validate fails the stage, naming it, the share and the reasons", async () => {
    reply = () => "I think this answer is quite good.";
    const err = await judge({ judge: { provider: "plain" } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DpoError);
    const message = (err as DpoError).diagnostics[0]!.message;
    expect(message).toMatch(/^judge "gpt": 0 scored, 10 unscored \(100\.0%\), above maxUnscored 0\.05; commonest: 10× invalid judge reply after 1 repair: .*last reply: "I think this answer is quite good\."/);
  });

  test("unscored verdicts are not memoised: once the endpoint is fixed, the next build asks again and scores", async () => {
    const memo = memoryMemo();
    reply = () => "plain text, no JSON";
    await judge({ memo, judge: { maxUnscored: 1, provider: "plain" } });
    expect(server.requestCount).toBe(2 * 5 * 2);
    // Still broken: the memoised bad replies fail again, so the build asks afresh once (not from the memo).
    server.reset();
    await judge({ memo, judge: { maxUnscored: 1, provider: "plain" } });
    expect(server.requestCount).toBe(2 * 5 * 2);
    // Fixed: asked again, scored, and from then on served from the memo.
    reply = goodJudge;
    server.reset();
    const fixed = await judge({ memo, judge: { provider: "plain" } });
    expect(server.requestCount).toBe(2 * 5);
    expect(judgementsOf(fixed).flat().every((j) => typeof j.score === "number")).toBe(true);
    server.reset();
    await judge({ memo, judge: { provider: "plain" } });
    expect(server.requestCount).toBe(0);
  });

  test("offline, a failed verdict is read from the memoised replies as it is, and nothing is sent", async () => {
    const memo = memoryMemo();
    reply = () => "plain text, no JSON";
    await judge({ memo, judge: { maxUnscored: 1, provider: "plain" } });
    server.reset();
    const offline = await judge({ memo, offline: true, judge: { maxUnscored: 1, provider: "plain" } });
    expect(server.requestCount).toBe(0);
    expect(judgementsOf(offline).flat().every((j) => j.score === null)).toBe(true);
  });

  test("a JSON reply inside a Markdown code fence is accepted", async () => {
    reply = (body) => "```json\n" + goodJudge(body) + "\n```";
    const run = await judge();
    expect(judgementsOf(run).flat().every((j) => j.score !== null)).toBe(true);
    expect(server.requestCount).toBe(10);
  });

  test("per-criterion: editing one criterion re-judges only that criterion", async () => {
    const memo = memoryMemo();
    const first = await judge({ memo });
    expect(server.requestCount).toBe(10);
    server.reset();
    const second = await judge({ memo, rubric: "edited.yaml" });
    expect(server.requestCount).toBe(2);
    expect(server.requests.every((b) => askedCriteria(b).join() === "correctness")).toBe(true);
    const [a, b] = [judgementsOf(first).flat(), judgementsOf(second).flat()];
    const changed = a.filter((j, i) => j.criterionDigest !== b[i]!.criterionDigest).map((j) => j.criterion);
    expect(changed).toEqual(["correctness", "correctness"]);
    server.reset();
    await judge({ memo });
    expect(server.requestCount).toBe(0);
  });

  test("single-call: one call per candidate, and any rubric edit re-judges all", async () => {
    const memo = memoryMemo();
    const first = await judge({ memo, judge: { mode: "single-call" } });
    expect(server.requestCount).toBe(2);
    expect(askedCriteria(server.requests[0])).toEqual(["correctness", "completeness", "relevance", "clarity", "safety"]);
    expect(judgementsOf(first).flat()).toHaveLength(10);
    server.reset();
    await judge({ memo, rubric: "edited.yaml", judge: { mode: "single-call" } });
    expect(server.requestCount).toBe(2);
  });

  test("rubricContext all: every call shows the whole rubric and asks for one criterion last; a verdict per criterion; any edit re-judges all", async () => {
    const scoreOf = (id: string) => 1 + ["correctness", "completeness", "relevance", "clarity", "safety"].indexOf(id);
    reply = (body) => {
      const ids = /# Criteria to score\n\n(.+)$/.exec(String(body.messages[1].content))![1]!.split(", ");
      return JSON.stringify(Object.fromEntries(ids.map((id) => [id, { rationale: `${id} rated`, score: scoreOf(id) }])));
    };
    const memo = memoryMemo();
    const run = await judge({ memo, judge: { rubricContext: "all" } });
    expect(server.requestCount).toBe(10);
    const system = server.requests.map((b) => b.messages[0].content);
    expect(new Set(system).size).toBe(1); // one system message, shared by every call
    for (const id of ["correctness", "completeness", "relevance", "clarity", "safety"]) expect(system[0]).toContain(`## ${id}`);
    expect(askedCriteria(server.requests[0])).toEqual([]); // the user message names, not describes, the criterion
    // Each criterion got its own verdict (not another criterion's from the memo).
    for (const judgements of judgementsOf(run)) expect(judgements.map((j) => [j.criterion, j.score])).toEqual(judgements.map((j) => [j.criterion, scoreOf(j.criterion)]));
    server.reset();
    await judge({ memo, judge: { rubricContext: "all" } });
    expect(server.requestCount).toBe(0);
    await judge({ memo, rubric: "edited.yaml", judge: { rubricContext: "all" } });
    expect(server.requestCount).toBe(10); // every prompt showed the edited criterion
  });

  test("offline: cached judgements are reused, a missing one is an error and nothing is sent", async () => {
    const memo = memoryMemo();
    await judge({ memo });
    server.reset();
    const again = await judge({ memo, offline: true });
    expect(judgementsOf(again).flat().every((j) => j.score !== null)).toBe(true);
    await expect(judge({ memo, offline: true, rubric: "edited.yaml" })).rejects.toBeInstanceOf(DpoError);
    expect(server.requestCount).toBe(0);
  });

  test("renaming a judge does not re-judge", async () => {
    const memo = memoryMemo();
    await judge({ memo });
    server.reset();
    const run = await judge({ memo, judge: { id: "renamed" } });
    expect(server.requestCount).toBe(0);
    expect(judgementsOf(run).flat().every((j) => j.judge === "renamed")).toBe(true);
  });
});

describe("LLM judge failures", () => {
  test("an endpoint that fails stops the stage without sending the queued calls", async () => {
    const failing = await startLlmServer({ faults: () => ({ type: "status", status: 400 }) });
    // json_object: a json_schema call would be sent again as json_object after its 400 (structured-output.test.ts).
    const config = { type: "openai", baseUrl: failing.baseUrl, maxRetries: 0, structuredOutput: "json_object" };
    validate(openai.schema, config);
    const p = openai.create(config as any, { name: "local", log: { info() {}, warn() {}, debug() {} }, redact: (s) => s, fail: nodeErrors(undefined, "providers", "local").fail });
    try {
      const many = Array.from({ length: 10 }, (_, i) => ({ ...record, id: `r${i}` }));
      await expect(
        runPlugin(plugin, { root, providers: { local: p }, with: { rubric: "rubric.yaml", concurrency: 2, judges: [llmJudge()] }, inputs: { g: many } }),
      ).rejects.toThrow(/chat call failed/);
      // 2 in flight at the failure, not 10 records × 2 candidates × 5 criteria.
      expect(failing.requestCount).toBeLessThanOrEqual(2);
    } finally {
      await p.close();
      await failing.close();
    }
  });
});
