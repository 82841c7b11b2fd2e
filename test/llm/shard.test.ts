/**
 * Sharded builds of a real project (built-in plugins, an LLM judge served by
 * the local test server, the project's on-disk memo), in process: two shards
 * send disjoint requests that together are every request of an unsharded
 * build, each with its share of the provider's concurrency, and the
 * assembling build afterwards sends none and matches the unsharded build.
 */
import { existsSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { build, type BuildResult } from "../../src/engine/build.js";
import type { Shard } from "../../src/engine/shard.js";
import { alpacaData, judgeReply, miniRubric } from "../e2e/helpers.js";
import { recordingReporter } from "../support/harness.js";
import { startLlmServer, type LlmServer } from "../support/llm-server.js";
import { TempProject } from "../support/project.js";
import { loadJudgeProject } from "../watch/judge-project.js";

const MODELS = ["alpaca-7b", "falcon-7b-instruct"];
const PROMPTS = 8;
/** One request per candidate and criterion of the mini rubric. */
const REQUESTS = PROMPTS * MODELS.length * 2;

/** Prompts, near-dup removal (a global step), recorded candidates, an LLM judge with two requests open at most, pairs. */
const config = (baseUrl: string) => `version: 1
project: shards
seed: 3
providers:
  local: { type: openai, baseUrl: "${baseUrl}", maxRetries: 0, maxConcurrency: 2 }
stages:
  prompts:
    uses: source/jsonl
    with: { path: data/prompts.jsonl, prompt: instruction }
  unique-prompts:
    uses: dedup/minhash
    needs: prompts
  candidates:
    uses: generate/recorded
    needs: unique-prompts
    with:
      n: 2
      files: [${MODELS.map((m) => `data/${m}.jsonl`).join(", ")}]
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
`;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function server(): Promise<LlmServer> {
  // A little latency, so requests the client allows at once overlap at the server.
  const s = await startLlmServer({ reply: judgeReply, latencyMs: 10 });
  cleanups.push(() => s.close());
  return s;
}

function project(baseUrl: string): TempProject {
  const p = new TempProject({ ...alpacaData(PROMPTS, MODELS), "rubrics/mini.yaml": miniRubric, "dpo.config.yaml": config(baseUrl) });
  cleanups.push(() => p.remove());
  return p;
}

async function buildIn(p: TempProject, shard?: Shard): Promise<BuildResult> {
  const { reporter } = recordingReporter();
  const result = await build(await loadJudgeProject(p.dir), { targets: [], mode: "build", jobs: 1, wait: false, reporter, signal: new AbortController().signal, shard });
  expect(result.ok).toBe(true);
  return result;
}

const digests = (r: BuildResult) => Object.fromEntries(r.outcomes.map((o) => [o.stage, o.status === "ran" || o.status === "cached" ? o.artifact.digest : o.status]));
const bodies = (s: LlmServer) => s.requests.map((b) => JSON.stringify(b.messages));

describe("sharded builds against an LLM endpoint", () => {
  it("two shards send disjoint requests covering the build's; the assembling build sends none and matches an unsharded build", async () => {
    const s = await server();
    const whole = project(s.baseUrl);
    const unsharded = await buildIn(whole);
    expect(s.requestCount).toBe(REQUESTS);
    expect(s.maxInFlight).toBe(2);
    const reference = bodies(s);

    const p = project(s.baseUrl); // its own memo: nothing of the unsharded build is reused
    const sent: string[][] = [];
    for (const index of [1, 2]) {
      s.reset();
      await buildIn(p, { index, count: 2 });
      sent.push(bodies(s));
      expect(s.maxInFlight).toBe(1); // maxConcurrency 2, shared by 2 shards
      expect(existsSync(p.path("dpo.lock"))).toBe(false);
      expect(existsSync(p.path("out"))).toBe(false);
    }
    expect(sent[0]!.length).toBeGreaterThan(0);
    expect(sent[1]!.length).toBeGreaterThan(0);
    expect(new Set([...sent[0]!, ...sent[1]!]).size).toBe(REQUESTS); // disjoint and covering
    expect([...sent[0]!, ...sent[1]!].sort()).toEqual(reference.sort());

    s.reset();
    const assembled = await buildIn(p);
    expect(s.requestCount).toBe(0);
    expect(digests(assembled)).toEqual(digests(unsharded));
    // Byte-identical, the judge's tallies included: they come from the usage memoised with its verdicts.
    expect(p.read("dpo.lock")).toBe(whole.read("dpo.lock"));
  });
});
