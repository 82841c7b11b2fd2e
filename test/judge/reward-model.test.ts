import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { nodeErrors } from "../../src/engine/config/locations.js";
import { memoryMemo, type MemoStore } from "../../src/engine/memo.js";
import type { Rec } from "../../src/engine/plugin.js";
import judgePlugin from "../../src/plugins/judge/rubric.js";
import pairPlugin from "../../src/plugins/pair/preference.js";
import agreement from "../../src/plugins/quality/agreement.js";
import openai from "../../src/providers/openai.js";
import { classifyProbability, startLlmServer, type LlmServer } from "../support/llm-server.js";
import { runPlugin } from "../support/run-plugin.js";
import { candidatesRecord } from "./fixtures.js";

const root = mkdtempSync(join(tmpdir(), "dpo-reward-"));
writeFileSync(join(root, "helpfulness.yaml"), readFileSync(new URL("../../rubrics/helpfulness.yaml", import.meta.url), "utf8"));
writeFileSync(
  join(root, "gateless.yaml"),
  ["name: gateless", "scale: {min: 1, max: 5}", "criteria:", "  - id: quality", "    description: Overall quality.", "    anchors: {1: bad, 5: good}"].join("\n"),
);

/** Three answers of 2, 8 and 4 words: the test server's reward is words / 10. */
const record = candidatesRecord("How do I boil an egg?", {
  short: "Boil it.",
  long: "Put the egg in boiling water for nine minutes.",
  medium: "Boil it nine minutes.",
});

let server: LlmServer;
let provider: ReturnType<typeof openai.create>;
beforeAll(async () => {
  server = await startLlmServer();
  provider = openai.create({ type: "openai", baseUrl: server.baseUrl, maxRetries: 0 } as any, {
    name: "ep",
    log: { info() {}, warn() {}, debug() {} },
    redact: (s) => s,
    fail: nodeErrors(undefined, "providers", "ep").fail,
  });
});
afterEach(() => server.reset());
afterAll(async () => {
  await provider.close();
  await server.close();
});

const rm = (endpoint: string) => ({ id: "rm", type: "reward-model", provider: "ep", model: "Skywork/Skywork-Reward-V2-Qwen3-0.6B", endpoint });

function judge(judges: Record<string, unknown>[], opts: { rubric?: string; memo?: MemoStore } = {}) {
  return runPlugin(judgePlugin, { root, memo: opts.memo ?? memoryMemo(), providers: { ep: provider }, with: { rubric: opts.rubric ?? "gateless.yaml", judges }, inputs: { generate: [record] } });
}
const rewardsOf = (run: { records: Rec[] }) => (run.records[0]!.candidates as any[]).map((c) => (c.judgements as any[]).find((j) => j.judge === "rm"));
const pair = (judged: Rec[], extra: Record<string, unknown> = {}) => runPlugin(pairPlugin, { root, with: { minMargin: 0.1, ...extra }, inputs: { judge: judged } });

describe("reward-model judges", () => {
  test("pooling: one call per candidate, the raw reward kept on each candidate's judgement", async () => {
    const run = await judge([rm("pooling")]);
    expect(server.requestCount).toBe(3);
    expect(server.requests[0].messages).toEqual([
      { role: "user", content: "How do I boil an egg?" },
      { role: "assistant", content: "Boil it." },
    ]);
    const rewards = rewardsOf(run);
    expect(rewards.map((j) => j.score)).toEqual([0.2, 0.9, 0.4]);
    expect(rewards[0]).toMatchObject({ kind: "reward-model", criterion: "reward", rationale: expect.stringContaining("raw reward 0.2") });
    // Each candidate carries its reward call's cost (prompt tokens only), summing to the stage's tally.
    const costs = (run.records as any[]).flatMap((r) => r.candidates.map((c: any) => Object.values(c.cost ?? {}) as any[])).flat();
    expect(costs.map((c) => [c.calls, c.completion])).toEqual([[1, 0], [1, 0], [1, 0]]);
    expect(costs.reduce((n, c) => n + c.prompt, 0)).toBe(run.trace.tallies["tokens.prompt"]);
  });

  test("classify: the preferred class's probability", async () => {
    const run = await judge([rm("classify")]);
    const scores = rewardsOf(run).map((j) => j.score);
    [0.2, 0.9, 0.4].forEach((r, i) => expect(scores[i]).toBeCloseTo(classifyProbability(r), 12));
  });

  test("memoised: a second build sends no request", async () => {
    const memo = memoryMemo();
    const first = await judge([rm("pooling")], { memo });
    server.reset();
    const again = await judge([rm("pooling")], { memo });
    expect(server.requestCount).toBe(0);
    expect(again.records).toEqual(first.records);
  });

  test("alone, rewards decide the pair: direction and margin follow the reward difference", async () => {
    const judged = await judge([rm("pooling")]);
    const { records, trace } = await pair(judged.records);
    expect(records).toHaveLength(1);
    const p = records[0] as any;
    expect(p.chosen).toMatchObject({ text: "Put the egg in boiling water for nine minutes.", score: 0.9 });
    expect(p.rejected).toMatchObject({ text: "Boil it.", score: 0.2 });
    expect(p.margin).toBe(0.7);
    expect(p.reason).toBe("chosen has the higher reward (+0.7)");
    expect(p.judges).toEqual([{ judge: "rm", kind: "reward-model", prefers: "chosen", reward: { chosen: 0.9, rejected: 0.2, margin: 0.7 } }]);
    expect(trace.tallies["pairs.made"]).toBe(1);
    // all-above-margin orders every pair by reward
    const all = await pair(judged.records, { strategy: "all-above-margin" });
    expect(all.records.map((r: any) => `${r.chosen.score}>${r.rejected.score}`).sort()).toEqual(["0.4>0.2", "0.9>0.2", "0.9>0.4"]);
  });

  test("beside rubric-scale judges, the rubric decides and the reward model votes on direction only", async () => {
    const judged = await judge([{ id: "heuristics", type: "offline" }, rm("pooling")], { rubric: "helpfulness.yaml" });
    const withoutRm = await pair(judged.records, { judges: ["heuristics"] });
    const both = await pair(judged.records);
    expect(both.records.map((p: any) => [p.chosen.id, p.rejected.id, p.margin])).toEqual(withoutRm.records.map((p: any) => [p.chosen.id, p.rejected.id, p.margin]));
    const p = both.records[0] as any;
    const entry = p.judges.find((j: any) => j.judge === "rm");
    expect(entry).not.toHaveProperty("chosen");
    expect(entry.prefers).toBe(entry.reward.chosen > entry.reward.rejected ? "chosen" : "rejected");
    const agreed = await runPlugin(agreement, { root, with: {}, inputs: { pairs: both.records } });
    const a = (agreed.records[0] as any).agreement;
    expect(a.judges).toBe(2);
    expect(a.share).toBe(entry.prefers === "chosen" ? 1 : 0.5);
  });

  test("a candidate only a reward model scored is not compared with rubric-scored ones", async () => {
    const judged = await judge([rm("pooling")]);
    const candidates = (judged.records[0]!.candidates as any[]).map((c, i) =>
      i === 0 ? { ...c, judgements: [...c.judgements, { judge: "h", kind: "offline", criterion: "quality", score: 3, rationale: "", criterionDigest: "d" }] } : c,
    );
    const { records, trace } = await pair([{ ...judged.records[0]!, candidates }]);
    expect(records).toHaveLength(0);
    expect(trace.tallies["pairs.unscoredCandidates"]).toBe(2);
  });

  test("`endpoint` on an llm judge is a located error", async () => {
    await expect(judge([{ id: "gpt", type: "llm", provider: "ep", model: "m", endpoint: "pooling" }])).rejects.toThrow(/does not use `endpoint`/);
  });
});
