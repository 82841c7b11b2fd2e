import { afterEach, describe, expect, it } from "vitest";
import { rmSync } from "node:fs";
import { findIteration, iterationGrowth } from "../../src/cli/iteration/target.js";
import { projectPaths } from "../../src/engine/paths.js";
import { sampleOrderOf } from "../../src/engine/sample/order.js";
import { promptId } from "../../src/plugins/source/prompt.js";
import { judgeReply, recordedJudgeConfig } from "../e2e/helpers.js";
import { countTokens } from "../support/llm-server.js";
import { closedAfterAll } from "../llm/helpers.js";
import { IterationProject } from "./project.js";

const servers = closedAfterAll();
const projects: IterationProject[] = [];
afterEach(() => projects.splice(0).forEach((p) => p.remove()));

/** USD per million tokens of the judge model. */
const PRICE = { input: 3, output: 15 };

/** The iteration project with priced judge calls and an export that reads the judge stage's costs. */
const costConfig = (baseUrl: string) =>
  recordedJudgeConfig(baseUrl, ["alpaca-7b", "falcon-7b-instruct"], "iteration-cost").replace(
    "prices: { judge-model: { input: 0, output: 0 } }",
    `prices: { judge-model: { input: ${PRICE.input}, output: ${PRICE.output} } }`,
  ) +
  `
  unique-pairs:
    uses: dedup/minhash
    needs: pairs
    with: { fields: [prompt, chosen.text] }
  export:
    uses: export/iterations
    needs: [unique-pairs, judge]
    with:
      iterations: [10, 30]
      eval: { size: 5 }
      formats: [trl-conversational]
      costs: [judge]
`;

/** What the server counted for one request, and the prompt it judged (from the judge's `# Prompt` section). */
interface Served {
  prompt: string;
  tokens: { prompt: number; completion: number };
}

async function project() {
  const served: Served[] = [];
  const server = await servers.server({
    reply: (body: any) => {
      const reply = judgeReply(body);
      const text = (body.messages as { content: string }[]).map((m) => m.content).join(" ");
      const user = String(body.messages[1].content);
      const prompt = user.slice("# Prompt\n\n".length, user.indexOf("\n\n# Response to judge"));
      served.push({ prompt: promptId(prompt), tokens: { prompt: countTokens(text), completion: countTokens(reply) } });
      return reply;
    },
  });
  const p = new IterationProject(server.baseUrl);
  p.write("dpo.config.yaml", costConfig(server.baseUrl));
  projects.push(p);
  return { p, server, served };
}

/** The server-side usage of the requests for the first `consumed` prompts of the sample order (seed 3). */
function serverCost(p: IterationProject, served: readonly Served[], consumed: number) {
  const ids = p.read("data/prompts.jsonl").trim().split("\n").map((l) => promptId(JSON.parse(l).instruction));
  const first = new Set(sampleOrderOf(3, ids).slice(0, consumed));
  const mine = served.filter((s) => first.has(s.prompt));
  const prompt = mine.reduce((n, s) => n + s.tokens.prompt, 0);
  const completion = mine.reduce((n, s) => n + s.tokens.completion, 0);
  return { calls: mine.length, prompt, completion, usd: (prompt * PRICE.input + completion * PRICE.output) / 1e6 };
}

function expectCost(manifest: any, expected: ReturnType<typeof serverCost>) {
  expect(manifest.cost).toEqual({
    from: ["judge"],
    calls: expected.calls,
    tokens: { prompt: expected.prompt, completion: expected.completion, estimated: 0 },
    usd: expect.closeTo(expected.usd, 6),
    unpricedCalls: 0,
  });
}

describe("an iteration's manifest says what it cost (LLM judge on the test server)", () => {
  it("is the server-side usage of the prompts it consumed; the same from the memo; unchanged when a later iteration is built", async () => {
    const { p, server, served } = await project();
    const config = await p.load();
    expect((await p.build(config, iterationGrowth(findIteration(config, "iter-0010")))).ok).toBe(true);
    const m10 = p.manifest("iter-0010");
    const consumed = m10.sample.promptsConsumed as number;
    const cost10 = serverCost(p, served, consumed);
    expect(cost10.calls).toBeGreaterThan(0);
    // Admission runs in batches: prompts past the consumed place were judged too, and are not this iteration's cost.
    expect(served.length).toBeGreaterThanOrEqual(cost10.calls);
    expectCost(m10, cost10);
    expect(p.read("out/iter-0010/README.md")).toContain(`- Cost of those prompts: ${cost10.calls} LLM calls, ${cost10.prompt} prompt + ${cost10.completion} completion tokens`);
    const manifest10 = p.read("out/iter-0010/manifest.json");

    // From the memo (derived state and out/ gone, no request sent): the same bytes.
    const sent = server.requestCount;
    for (const d of [...projectPaths(p.dir).derived, projectPaths(p.dir).outDir]) rmSync(d, { recursive: true, force: true });
    expect((await p.build(config, iterationGrowth(findIteration(config, "iter-0010")))).ok).toBe(true);
    expect(server.requestCount).toBe(sent);
    expect(p.read("out/iter-0010/manifest.json")).toBe(manifest10);

    // Scaling up: iter-0010's manifest stays byte-identical; iter-0030 costs what its own prompts did.
    expect((await p.build(config, iterationGrowth(findIteration(config, "iter-0030")))).ok).toBe(true);
    expect(p.read("out/iter-0010/manifest.json")).toBe(manifest10);
    const m30 = p.manifest("iter-0030");
    expectCost(m30, serverCost(p, served, m30.sample.promptsConsumed));
    expect(m30.cost.calls).toBeGreaterThan(m10.cost.calls);

    // A full build (everything admitted) writes the same cost for iter-0010 as `--iteration iter-0010`.
    expect((await p.build(config)).ok).toBe(true);
    expect(p.read("out/iter-0010/manifest.json")).toBe(manifest10);
  }, 60_000);
});

describe("export `costs` offline and misconfigured", () => {
  const offline = (needs: string) => `version: 1
project: offline-cost
seed: 3
stages:
  prompts:
    uses: source/jsonl
    with: { path: data/prompts.jsonl, prompt: instruction }
  candidates:
    uses: generate/recorded
    needs: prompts
    with: { n: 2, files: [data/alpaca-7b.jsonl, data/falcon-7b-instruct.jsonl] }
  judge:
    uses: judge/rubric
    needs: candidates
    with:
      rubric: rubrics/mini.yaml
      judges: [{ id: long, type: offline, scorers: [length], criteria: { correctness: length, clarity: length } }]
  pairs:
    uses: pair/preference
    needs: judge
    with: { minMargin: 0 }
  export:
    uses: export/iterations
    needs: ${needs}
    with: { iterations: [10], formats: [trl-conversational], costs: [judge] }
`;

  it("an offline project's cost is zero calls and $0; a `costs` stage missing from `needs` fails at /with/costs", async () => {
    const p = new IterationProject("http://127.0.0.1:9/v1");
    projects.push(p);
    p.write("dpo.config.yaml", offline("[pairs, judge]"));
    expect((await p.build()).ok).toBe(true);
    expect(p.manifest("iter-0010").cost).toEqual({ from: ["judge"], calls: 0, tokens: { prompt: 0, completion: 0, estimated: 0 }, usd: 0, unpricedCalls: 0 });

    p.write("dpo.config.yaml", offline("pairs"));
    const failed = await p.build();
    expect(failed.ok).toBe(false);
    expect(JSON.stringify(failed.outcomes)).toContain('stage \\"judge\\" is not in `needs` of \\"export\\"');
  }, 60_000);
});
