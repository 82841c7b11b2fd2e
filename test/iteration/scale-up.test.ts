import { afterEach, describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { findIteration, iterationGrowth } from "../../src/cli/iteration/target.js";
import { judgeReply } from "../e2e/helpers.js";
import { closedAfterAll } from "../llm/helpers.js";
import { bodyHash, CALLS_PER_PROMPT, IterationProject, PROMPTS } from "./project.js";

const servers = closedAfterAll();
const projects: IterationProject[] = [];
afterEach(() => projects.splice(0).forEach((p) => p.remove()));

async function project(): Promise<{ p: IterationProject; server: Awaited<ReturnType<typeof servers.server>> }> {
  const server = await servers.server({ reply: judgeReply });
  const p = new IterationProject(server.baseUrl);
  projects.push(p);
  return { p, server };
}

describe("dpo build --iteration (engine growth, LLM judge on the test server)", () => {
  it("builds iter-0010 cheaply, then iter-0030 sends only new prompts and leaves iter-0010 byte-identical", async () => {
    const full = await project();
    const all = await full.p.build();
    expect(all.ok).toBe(true);
    const fullCalls = full.server.requestCount;
    expect(fullCalls).toBe(PROMPTS * CALLS_PER_PROMPT);

    const { p, server } = await project();
    const config = await p.load();
    const first = await p.build(config, iterationGrowth(findIteration(config, "iter-0010")));
    expect(first.ok).toBe(true);
    const firstBodies = new Set(server.requests.map(bodyHash));
    const firstCalls = server.requestCount;
    const consumed = p.manifest("iter-0010").sample.promptsConsumed as number;
    // Cost: at most 35% of a full build, and at most 1.3× the calls of the prompts its pairs came from.
    expect(firstCalls).toBeLessThanOrEqual(0.35 * fullCalls);
    expect(firstCalls).toBeLessThanOrEqual(1.3 * consumed * CALLS_PER_PROMPT);
    expect(firstBodies.size).toBe(firstCalls); // nothing sent twice across rounds
    expect(existsSync(p.path("out/iter-0030"))).toBe(false); // not complete: not published
    const before = p.files("iter-0010");

    const second = await p.build(config, iterationGrowth(findIteration(config, "iter-0030")));
    expect(second.ok).toBe(true);
    const later = server.requests.slice(firstCalls).map(bodyHash);
    expect(later.filter((h) => firstBodies.has(h))).toEqual([]); // none re-sent
    expect(new Set(later).size).toBe(later.length);
    expect(p.files("iter-0010")).toEqual(before);

    // The full build's iter-0010 holds the same pairs: the iteration does not depend on how it was built
    // (only the shipped config differs, which names another server URL).
    const data = (m: Map<string, string>) => [...m].filter(([f]) => f.endsWith(".jsonl"));
    expect(data(full.p.files("iter-0010"))).toEqual(data(before));
    const m = p.manifest("iter-0030");
    expect(m.sample.promptsConsumed).toBeGreaterThan(consumed);
    expect(m.sample.yield).toBeCloseTo(m.sample.pairs / m.sample.promptsConsumed, 3);
  }, 60_000);
});
