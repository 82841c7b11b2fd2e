/**
 * Issue 13 point 4: token and cost tallies describe the output. They come from
 * the memoised usage of every call the output depends on, so dpo.lock is the
 * same whether the calls were sent now, served from the memo after `dpo clean`,
 * or replayed by `dpo verify`; what this run sent is a stat, and the summary
 * ends with a total line. In-process, against the local test server.
 */
import { afterAll, describe, expect, it } from "vitest";
import { totalLine } from "../../src/cli/build-total.js";
import { stageLines } from "../../src/cli/session.js";
import { digestOf } from "../../src/engine/hash.js";
import { memoryMemo } from "../../src/engine/memo.js";
import { formatSummary } from "../../src/engine/reporter.js";
import { chatKey } from "../../src/providers/chat-key.js";
import type { LlmServerOptions } from "../support/llm-server.js";
import { fixtureLines, judgeReply, miniRubric } from "../e2e/helpers.js";
import { ask, closedAfterAll, makeContext } from "./helpers.js";
import { LlmProject, type LlmBuild } from "./llm-project.js";

const { server, provider } = closedAfterAll();
const projects: LlmProject[] = [];
afterAll(() => projects.forEach((p) => p.remove()));

const N = 2; // candidates per prompt
const CRITERIA = 2; // the mini rubric's, each judged in its own call
const PRICES = `{ gen-model: { input: 2, output: 8 }, judge-model: { input: 1, output: 3 }, pair-model: { input: 3, output: 9 } }`;
const LLM_STAGES = ["candidates", "judge", "compare"];

const config = (baseUrl: string, prices = PRICES) => `version: 1
project: tallies
seed: 5
providers:
  local: { type: openai, baseUrl: "${baseUrl}", maxRetries: 0, maxConcurrency: 4${prices ? `, prices: ${prices}` : ""} }
stages:
  prompts:
    uses: source/jsonl
    with: { path: data/prompts.jsonl, prompt: instruction }
  candidates:
    uses: generate/llm
    needs: prompts
    with: { models: [{ provider: local, model: gen-model }], variants: [{ temperature: 0.7, seed: 1 }], n: ${N} }
  judge:
    uses: judge/rubric
    needs: candidates
    with:
      rubric: rubrics/mini.yaml
      judges: [{ id: llm, type: llm, provider: local, model: judge-model, mode: per-criterion }]
  pairs:
    uses: pair/preference
    needs: judge
    with: { minMargin: 0 }
  compare:
    uses: judge/pairwise
    needs: pairs
    with:
      rubric: rubrics/mini.yaml
      judges: [{ id: pair, provider: local, model: pair-model, mode: overall }]
`;

/** Generation requests get the server's default reply; judge requests valid JSON scores, pairwise ones a winner. */
const judgeServer = (o: LlmServerOptions = {}) => server({ reply: (body) => replies[body.model]?.(body), ...o });
const replies: Record<string, (body: any) => string> = {
  "judge-model": judgeReply,
  "pair-model": () => JSON.stringify({ overall: { rationale: "A answers the question.", winner: "A" } }),
};

function project(baseUrl: string, prompts: number, prices?: string): LlmProject {
  const p = new LlmProject({ "data/prompts.jsonl": fixtureLines("prompts.jsonl", prompts), "rubrics/mini.yaml": miniRubric, "dpo.config.yaml": config(baseUrl, prices) });
  projects.push(p);
  return p;
}

function ok(b: LlmBuild): LlmBuild {
  expect(b.ok, JSON.stringify(b.outcomes.filter((o) => o.status === "failed"))).toBe(true);
  return b;
}

const tallies = (b: LlmBuild, stage: string) => {
  const o = b.stage[stage]!;
  return o.status === "ran" || o.status === "cached" ? o.manifest.tallies : {};
};
const stats = (b: LlmBuild, stage: string) => {
  const o = b.stage[stage]!;
  return o.status === "ran" ? o.stats : {};
};

describe("LLM tallies describe the output, not the cache", () => {
  it("generate/llm, an LLM judge and a pairwise judge: dpo.lock is byte-identical fresh, rebuilt from the memo after `dpo clean`, and under `dpo verify`", async () => {
    const s = await judgeServer();
    const p = project(s.baseUrl, 3);
    const fresh = ok(await p.build());
    const pairs = fresh.stage.pairs!.status === "ran" ? fresh.stage.pairs.manifest.count : 0;
    expect(pairs).toBeGreaterThan(0);
    const sent = 3 * N + 3 * N * CRITERIA + 2 * pairs; // the pairwise judge asks in both orders
    expect(s.requestCount).toBe(sent);
    expect(tallies(fresh, "candidates")).toMatchObject({ "llm.calls": 3 * N });
    expect(tallies(fresh, "judge")).toMatchObject({ "llm.calls": 3 * N * CRITERIA });
    expect(tallies(fresh, "compare")).toMatchObject({ "llm.calls": 2 * pairs });
    for (const stage of LLM_STAGES) expect(tallies(fresh, stage)["cost.usd"]).toBeGreaterThan(0);

    p.clean();
    const rebuilt = ok(await p.build());
    expect(s.requestCount).toBe(sent); // nothing sent: every call from the memo
    for (const stage of LLM_STAGES) expect(rebuilt.stage[stage]!.status).toBe("ran");
    expect(rebuilt.lock).toBe(fresh.lock);

    const verified = ok(await p.build("verify"));
    for (const stage of LLM_STAGES) expect(verified.stage[stage]!.status).toBe("ran");
    expect(verified.lock).toBe(fresh.lock);
  });

  it("an incremental build (one prompt more) locks what a fresh build of the same inputs locks", async () => {
    const s = await judgeServer();
    const grown = project(s.baseUrl, 3);
    ok(await grown.build());
    grown.write("data/prompts.jsonl", fixtureLines("prompts.jsonl", 4));
    const incremental = ok(await grown.build());
    expect(stats(incremental, "judge")["llm.sent"]).toBe(N * CRITERIA); // only the new prompt's candidates were judged
    const fresh = ok(await project(s.baseUrl, 4).build());
    expect(incremental.lock).toBe(fresh.lock);
  });

  it("each run's traffic and cost are stats (this run), never tallies: sent now, then served from the memo", async () => {
    const s = await judgeServer();
    const p = project(s.baseUrl, 2);
    const fresh = ok(await p.build());
    const gen = tallies(fresh, "candidates");
    expect(stats(fresh, "candidates")).toMatchObject({ "llm.sent": 2 * N, "sent.tokens.prompt": gen["tokens.prompt"], "sent.tokens.completion": gen["tokens.completion"] });
    expect(stats(fresh, "candidates")["sent.cost.usd"]).toBeCloseTo(gen["cost.usd"]!, 6);
    expect(fresh.lock).not.toMatch(/"(sent\.|llm\.sent|llm\.cached)/);

    p.clean();
    const again = ok(await p.build());
    expect(stats(again, "candidates")).toEqual({ "llm.cached": 2 * N });
    expect(stats(again, "judge")).toEqual({ "llm.cached": 2 * N * CRITERIA }); // verdicts from the memo, with their calls
    expect(stats(again, "compare")).toEqual({ "llm.cached": tallies(again, "compare")["llm.calls"] });
  });

  it("the summary ends with a total line: calls sent / served from memo, tokens, USD this run, and what the outputs cost", async () => {
    const s = await judgeServer();
    const p = project(s.baseUrl, 2);
    const fresh = ok(await p.build());
    const all = LLM_STAGES.map((st) => tallies(fresh, st));
    const calls = all.reduce((n, t) => n + t["llm.calls"]!, 0);
    const tokens = all.reduce((n, t) => n + t["tokens.prompt"]! + t["tokens.completion"]!, 0);
    const usd = all.reduce((n, t) => n + t["cost.usd"]!, 0).toFixed(4);
    expect(totalLine(stageLines(fresh.outcomes))).toBe(`total: ${calls} calls sent, 0 served from memo · ${tokens} tokens sent · $${usd} this run · outputs: ${calls} calls, $${usd}`);

    p.clean();
    const again = ok(await p.build());
    expect(totalLine(stageLines(again.outcomes))).toBe(`total: 0 calls sent, ${calls} served from memo · 0 tokens sent · $0 this run · outputs: ${calls} calls, $${usd}`);
  });

  it("the total line says how many requests the calls took when they differ: n sampling asks for a prompt's samples in one", async () => {
    const s = await judgeServer();
    const p = project(s.baseUrl, 2);
    p.write("dpo.config.yaml", config(s.baseUrl).replace("variants: [{ temperature: 0.7, seed: 1 }]", "variants: [{ temperature: 0.7 }]"));
    const built = ok(await p.build());
    const sent = LLM_STAGES.reduce((n, st) => n + (stats(built, st)["llm.sent"] ?? 0), 0);
    expect(stats(built, "candidates")).toMatchObject({ "llm.sent": 2 * N, "requests.sent": 2 });
    expect(s.requestCount).toBe(sent - 2 * N + 2);
    expect(totalLine(stageLines(built.outcomes))).toMatch(new RegExp(`^total: ${sent} calls sent in ${s.requestCount} requests, 0 served from memo · `));
  });

  it("the total line names what carried the calls: requests where they differ from the calls, batches", () => {
    const line = (stats: Record<string, number>) => totalLine([{ stage: "judge", status: "ran", memoHits: 0, memoMisses: 0, ms: 1, stats: { "sent.tokens.prompt": 10, "sent.unpriced": stats["llm.sent"]!, ...stats } }]);
    expect(line({ "llm.sent": 4, "requests.sent": 4 })).toMatch(/^total: 4 calls sent, 0 served from memo · /);
    expect(line({ "llm.sent": 4, "requests.sent": 6, "llm.retries": 2 })).toMatch(/^total: 4 calls sent in 6 requests, /);
    expect(line({ "llm.sent": 300, "llm.batches": 1 })).toMatch(/^total: 300 calls sent in 1 batch, /);
    expect(line({ "llm.sent": 300, "requests.sent": 100, "llm.batches": 2 })).toMatch(/^total: 300 calls sent in 100 requests and 2 batches, /);
  });

  it("the summary table shows a cached stage's stored tallies (each judge's scored/unscored, calls and cost)", async () => {
    const s = await judgeServer();
    const p = project(s.baseUrl, 2);
    const first = ok(await p.build());
    p.write("dpo.config.yaml", config(s.baseUrl).replace("minMargin: 0", "minMargin: 0.5"));
    const second = ok(await p.build());
    expect(second.stage.judge!.status).toBe("cached");
    const judged = tallies(first, "judge");
    const table = formatSummary(stageLines(second.outcomes));
    expect(table).toContain(`  judge: cost.usd=${judged["cost.usd"]!.toFixed(4)}  judge.scored=${judged["judge.scored"]}  judge.scored.llm=${2 * N * CRITERIA}  judge.unscored=0  judge.unscored.llm=0  llm.calls=${2 * N * CRITERIA}`);
    expect(table).toContain(`  candidates: cost.usd=`);
  });

  it("a model without a price is warned about once per build, however many calls it makes", async () => {
    const s = await judgeServer();
    const p = project(s.baseUrl, 3, "{ gen-model: { input: 2, output: 8 }, pair-model: { input: 3, output: 9 } }");
    const unpriced = (b: LlmBuild) => b.warnings.filter((w) => /has no price/.test(w));
    const fresh = ok(await p.build());
    expect(unpriced(fresh)).toEqual([
      'model "judge-model" has no price in provider "local": its calls are counted in tokens.* but not in cost.usd ' +
        '(add `prices: {"judge-model": {input: …, output: …}}`, USD per million tokens; 0 for a free local model)',
    ]);
    expect(tallies(fresh, "judge")["cost.usd"]).toBeUndefined();
    expect(tallies(fresh, "judge")["llm.calls"]).toBe(3 * N * CRITERIA);
    expect(totalLine(stageLines(fresh.outcomes))).toContain(`this run (${3 * N * CRITERIA} calls unpriced)`);
    p.clean();
    expect(unpriced(ok(await p.build()))).toHaveLength(1); // once per build, from the memo too
  });

  it("an endpoint that omits `usage` is counted with dpo's estimate, marked as estimated, and locked the same from the memo", async () => {
    const s = await judgeServer({ omitUsage: true });
    const p = project(s.baseUrl, 2);
    const fresh = ok(await p.build());
    for (const stage of LLM_STAGES) {
      const t = tallies(fresh, stage);
      expect(t["tokens.prompt"]).toBeGreaterThan(0);
      expect(t["tokens.completion"]).toBeGreaterThan(0);
      expect(t["tokens.estimated"]).toBe(t["tokens.prompt"]! + t["tokens.completion"]!);
    }
    const sent = stats(fresh, "candidates");
    expect(sent["sent.tokens.estimated"]).toBe(sent["sent.tokens.prompt"]! + sent["sent.tokens.completion"]!);
    expect(totalLine(stageLines(fresh.outcomes))).toMatch(/ tokens sent \(~\d+ estimated\) · .* \(~\d+ tokens estimated\)$/);
    expect(formatSummary(stageLines(fresh.outcomes))).toMatch(/ {2}candidates: .*tokens\.estimated=\d+/);
    p.clean();
    expect(ok(await p.build()).lock).toBe(fresh.lock);
  });
});

describe("memo entries kept before usage records", () => {
  it("a memoised reply without a usage record counts its reported usage, or dpo's estimate (marked) when it reported none", async () => {
    const s = await server();
    const p = provider(s.baseUrl);
    const memo = memoryMemo();
    const reported = ask("reported usage");
    const unreported = ask("no usage at all");
    // The shape openai-http.ts memoised before `tokens`: a reply without usage read as zeros.
    await memo.put(digestOf(chatKey(p.identity, reported, 0)), { text: "four words of reply", finishReason: "stop", usage: { prompt_tokens: 7, completion_tokens: 4 }, model: "m" });
    await memo.put(digestOf(chatKey(p.identity, unreported, 0)), { text: "twelve chars", finishReason: "stop", usage: { prompt_tokens: 0, completion_tokens: 0 }, model: "m" });
    const t = makeContext({ memo });
    expect((await p.chat(reported, { ctx: t.ctx })).tokens).toEqual({ prompt: 7, completion: 4 });
    // "no usage at all": 15 characters → 4 tokens, + 4 for the message; "twelve chars" → 3.
    expect((await p.chat(unreported, { ctx: t.ctx })).tokens).toEqual({ prompt: 8, completion: 3, estimated: true });
    expect(s.requestCount).toBe(0);
    expect(t.trace.tallies).toMatchObject({ "llm.calls": 2, "tokens.prompt": 15, "tokens.completion": 7, "tokens.estimated": 11 });
  });
});
