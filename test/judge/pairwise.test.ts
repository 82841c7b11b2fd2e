import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { nodeErrors } from "../../src/engine/config/locations.js";
import { contentId } from "../../src/engine/hash.js";
import { memoryMemo, type MemoStore } from "../../src/engine/memo.js";
import type { Rec } from "../../src/engine/plugin.js";
import plugin from "../../src/plugins/judge/pairwise.js";
import agreement from "../../src/plugins/quality/agreement.js";
import calibration from "../../src/plugins/quality/calibration.js";
import openai from "../../src/providers/openai.js";
import { startLlmServer, type LlmServer, type Reply } from "../support/llm-server.js";
import { runPlugin } from "../support/run-plugin.js";

const root = mkdtempSync(join(tmpdir(), "dpo-pairwise-"));
writeFileSync(join(root, "rubric.yaml"), readFileSync(new URL("../../rubrics/helpfulness.yaml", import.meta.url), "utf8"));
const CRITERIA = 5; // in rubrics/helpfulness.yaml

/** Three pairs whose chosen side says GOOD, each with one offline judge backing chosen. */
const pairs: Rec[] = [1, 2, 3].map((n) => {
  const chosen = { id: contentId("c", n), text: `GOOD answer number ${n} with detail` };
  const rejected = { id: contentId("r", n), text: `weak answer ${n}` };
  const judges = [{ judge: "heuristics", prefers: "chosen", chosen: 4, rejected: 2, scores: {} }];
  return { id: contentId("pair", chosen.id, rejected.id), promptId: contentId("p", n), prompt: `Question ${n}?`, chosen, rejected, margin: 2, criteria: [], judges };
});

/** What a pairwise request shows: the two responses in order, and the reply key it asks for. */
function shown(body: any) {
  const user = String(body.messages[1].content);
  const a = /# Response A\n\n([\s\S]*?)\n\n# Response B/.exec(user)![1]!;
  const b = /# Response B\n\n([\s\S]*?)\n\n# Criteri/.exec(user)![1]!;
  const key = /# Criterion\n\n## (\S+)/.exec(user)?.[1] ?? "overall";
  return { a, b, key, user };
}
const answer = (body: any, winner: string) => JSON.stringify({ [shown(body).key]: { rationale: `picked ${winner}`, winner } });
/** Prefers the truly better side, wherever it is shown. */
const fairJudge = (body: any) => answer(body, shown(body).a.startsWith("GOOD") ? "A" : "B");
/** Always prefers whatever is shown first. */
const firstShownJudge = (body: any) => answer(body, "A");

let reply: (body: any) => Reply | undefined = fairJudge;
let server: LlmServer;
let provider: ReturnType<typeof openai.create>;
/** Asks without `response_format`, so malformed replies reach the judge. */
let plain: ReturnType<typeof openai.create>;

beforeAll(async () => {
  server = await startLlmServer({ reply: (body) => reply(body) });
  provider = openai.create({ type: "openai", baseUrl: server.baseUrl, maxRetries: 0 } as any, {
    name: "local",
    log: { info() {}, warn() {}, debug() {} },
    redact: (s) => s,
    fail: nodeErrors(undefined, "providers", "local").fail,
  });
  plain = openai.create({ type: "openai", baseUrl: server.baseUrl, maxRetries: 0, structuredOutput: "none" } as any, {
    name: "plain",
    log: { info() {}, warn() {}, debug() {} },
    redact: (s) => s,
    fail: nodeErrors(undefined, "providers", "plain").fail,
  });
});
afterEach(() => {
  reply = fairJudge;
  server.reset();
});
afterAll(async () => {
  await provider.close();
  await plain.close();
  await server.close();
});

function judge(opts: { mode?: string; memo?: MemoStore; offline?: boolean; id?: string; provider?: string } = {}) {
  return runPlugin(plugin, {
    root,
    memo: opts.memo ?? memoryMemo(),
    offline: opts.offline ?? false,
    providers: { local: provider, plain },
    with: { rubric: "rubric.yaml", judges: [{ id: opts.id ?? "pairwise-llm", provider: opts.provider ?? "local", model: "m", mode: opts.mode ?? "per-criterion" }] },
    inputs: { pairs },
  });
}
const entryOf = (pair: Rec) => (pair.judges as any[]).find((j) => j.judge === "pairwise-llm");

describe("judge/pairwise", () => {
  test("per criterion: pairs × criteria × 2 calls, both orders seen; a fair judge's verdicts are consistent and agree with chosen", async () => {
    const run = await judge();
    expect(server.requestCount).toBe(pairs.length * CRITERIA * 2);
    const seen = server.requests.map(shown);
    for (const p of pairs) {
      const c = (p.chosen as any).text;
      expect(seen.filter((s) => s.a === c)).toHaveLength(CRITERIA); // chosen shown first
      expect(seen.filter((s) => s.b === c)).toHaveLength(CRITERIA); // chosen shown second
    }
    expect(server.requests[0]).toMatchObject({ model: "m", temperature: 0, response_format: { type: "json_schema", json_schema: { name: "pairwise_verdict", strict: true } } });
    for (const pair of run.records) {
      const e = entryOf(pair);
      expect(e).toMatchObject({ kind: "pairwise", mode: "per-criterion", prefers: "chosen", consistent: true });
      expect(Object.keys(e.verdicts)).toHaveLength(CRITERIA);
      expect(Object.values(e.verdicts).every((v: any) => v.prefers === "chosen" && v.consistent && v.orders.join() === "chosen,chosen")).toBe(true);
      expect((pair.judges as any[]).map((j) => j.judge)).toEqual(["heuristics", "pairwise-llm"]);
    }
    expect(run.trace.tallies["pairwise.consistent"]).toBe(pairs.length * CRITERIA);
    expect(run.logs.join("\n")).toContain('pairwise judge "pairwise-llm": position-consistent on 15 of 15 verdicts (100.0%)');
    // Each pair carries what its verdicts cost: its calls, the tokens the server counted (the export sums them per prompt).
    const costs = run.records.map((r: any) => r.cost["judge:pairwise-llm"]);
    expect(costs.every((c: any) => c.calls === CRITERIA * 2 && c.prompt > 0 && c.completion > 0)).toBe(true);
    expect(costs.reduce((n: number, c: any) => n + c.prompt + c.completion, 0)).toBe(run.trace.tallies["tokens.prompt"]! + run.trace.tallies["tokens.completion"]!);
  });

  test("a judge that always prefers the first-shown side yields position-inconsistent ties", async () => {
    reply = firstShownJudge;
    const run = await judge();
    for (const pair of run.records) {
      const e = entryOf(pair);
      expect(e).toMatchObject({ prefers: "tie", consistent: false });
      expect(Object.values(e.verdicts).every((v: any) => v.prefers === "tie" && !v.consistent && v.orders.join() === "chosen,rejected")).toBe(true);
    }
    expect(run.trace.tallies["pairwise.inconsistent"]).toBe(pairs.length * CRITERIA);
    expect(run.logs.join("\n")).toContain("position-consistent on 0 of 15 verdicts (0.0%)");
  });

  test("the verdicts count in quality/agreement like any judge's: an inconsistent tie against a backer disputes the pair", async () => {
    const fair = await judge();
    reply = firstShownJudge;
    const biased = await judge();
    const agree = (records: Rec[]) => runPlugin(agreement, { root, with: {}, inputs: { verified: records } });
    const backed = await agree(fair.records);
    expect(backed.records.map((r) => (r as any).agreement)).toEqual(pairs.map(() => expect.objectContaining({ judges: 2, share: 1, disputed: false })));
    const split = await agree(biased.records);
    expect(split.records.map((r) => (r as any).agreement)).toEqual(pairs.map(() => expect.objectContaining({ judges: 2, share: 0.75, disputed: true, dispute: "abstentions" })));
  });

  test("quality/calibration reports the judge's position consistency", async () => {
    writeFileSync(join(root, "gold.jsonl"), pairs.map((p) => JSON.stringify({ pair: p.id, preference: 1 })).join("\n") + "\n");
    const consistency = async () => {
      const run = await judge();
      const cal = await runPlugin(calibration, { root, with: { gold: ["gold.jsonl"] }, inputs: { verified: run.records } });
      const report = JSON.parse(Buffer.from(cal.published.get("reports/calibration.json")!).toString());
      return report.subjects.find((s: any) => s.subject === "pairwise-llm");
    };
    expect(await consistency()).toMatchObject({ covered: 3, accuracy: 1, positionConsistency: 1 });
    reply = firstShownJudge;
    expect(await consistency()).toMatchObject({ covered: 3, accuracy: 0.5, positionConsistency: 0 }); // ties count half
  });

  test("overall mode: one question per pair in each order", async () => {
    const run = await judge({ mode: "overall" });
    expect(server.requestCount).toBe(pairs.length * 2);
    expect(server.requests.map(shown).every((s) => s.key === "overall")).toBe(true);
    expect(entryOf(run.records[0]!)).toMatchObject({ mode: "overall", prefers: "chosen", consistent: true, verdicts: { overall: { prefers: "chosen" } } });
  });

  test("prompts share everything up to the criterion, which comes last", async () => {
    await judge();
    const forPair = server.requests.map(shown).filter((s) => s.a === (pairs[0]!.chosen as any).text);
    const prefixes = new Set(forPair.map((s) => s.user.slice(0, s.user.indexOf("# Criterion"))));
    expect(prefixes.size).toBe(1);
    expect(new Set(forPair.map((s) => s.key)).size).toBe(CRITERIA);
    expect(new Set(server.requests.map((b) => b.messages[0].content)).size).toBe(1); // one system prompt for every call
  });

  test("per criterion, each order's first call is answered before the other criteria ask in that order (a prefix cache then holds it)", async () => {
    const slow = await startLlmServer({ reply: fairJudge, latencyMs: 25 });
    const p = openai.create({ type: "openai", baseUrl: slow.baseUrl, maxRetries: 0 } as any, { name: "slow", log: { info() {}, warn() {}, debug() {} }, redact: (s) => s, fail: nodeErrors(undefined, "providers", "slow").fail });
    try {
      await runPlugin(plugin, { root, memo: memoryMemo(), providers: { slow: p }, with: { rubric: "rubric.yaml", judges: [{ id: "pairwise-llm", provider: "slow", model: "m", mode: "per-criterion" }] }, inputs: { pairs } });
      const byPrefix = new Map<string, { arrived: number; replied: number }[]>();
      slow.requests.forEach((body, i) => {
        const { a, b } = shown(body);
        byPrefix.set(`${a}|${b}`, [...(byPrefix.get(`${a}|${b}`) ?? []), slow.timings[i]!]);
      });
      expect([...byPrefix.values()].map((t) => t.length)).toEqual(Array(2 * pairs.length).fill(CRITERIA));
      for (const [first, ...rest] of byPrefix.values()) for (const t of rest) expect(t.arrived).toBeGreaterThanOrEqual(first!.replied);
    } finally {
      await p.close();
      await slow.close();
    }
  });

  test("memoised: a second build with the same memo sends nothing, and offline works from the memo", async () => {
    const memo = memoryMemo();
    const first = await judge({ memo });
    server.reset();
    const again = await judge({ memo, offline: true });
    expect(server.requestCount).toBe(0);
    expect(again.records).toEqual(first.records);
  });

  test("a malformed reply is repaired; never answered, the judge casts no vote", async () => {
    reply = () => "not json";
    const run = await judge({ mode: "overall", provider: "plain" });
    expect(server.requestCount).toBe(pairs.length * 2 * 2); // one repair each
    expect(run.records.every((p) => entryOf(p) === undefined)).toBe(true);
    expect(run.trace.tallies["pairwise.noVote"]).toBe(pairs.length);
  });

  test("unanswered verdicts are not memoised: once the endpoint is fixed, the next build asks again and votes", async () => {
    const memo = memoryMemo();
    reply = () => "not json";
    await judge({ memo, mode: "overall", provider: "plain" });
    const broken = pairs.length * 2 * 2; // both orders, one repair each
    expect(server.requestCount).toBe(broken);
    // Still broken: the memoised bad replies fail again, so the build asks afresh once.
    server.reset();
    await judge({ memo, mode: "overall", provider: "plain" });
    expect(server.requestCount).toBe(broken);
    // Fixed: asked again, answered, and from then on served from the memo.
    reply = fairJudge;
    server.reset();
    const fixed = await judge({ memo, mode: "overall", provider: "plain" });
    expect(server.requestCount).toBe(pairs.length * 2);
    expect(fixed.records.every((p) => entryOf(p)?.prefers === "chosen")).toBe(true);
    server.reset();
    await judge({ memo, mode: "overall", provider: "plain" });
    expect(server.requestCount).toBe(0);
  });

  test("an id that the pairs already use is a located error", async () => {
    await expect(judge({ id: "heuristics" })).rejects.toThrow(/already has a judge called "heuristics"/);
  });
});
