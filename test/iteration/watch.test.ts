import { existsSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { projectBuilder } from "../../src/cli/watch/project-builder.js";
import { judgeReply } from "../e2e/helpers.js";
import { closedAfterAll } from "../llm/helpers.js";
import { IterationProject } from "./project.js";

const servers = closedAfterAll();
const projects: IterationProject[] = [];
afterEach(() => projects.splice(0).forEach((p) => p.remove()));

describe("watch mode with --iteration", () => {
  it("each rebuild builds just the iteration; a gate that did not pass is reported, not thrown", async () => {
    const server = await servers.server({ reply: judgeReply });
    const p = new IterationProject(server.baseUrl, ", gate: [{ metric: probe.eval.accuracy, min: 0.6 }]");
    projects.push(p);
    const options = { targets: [], mode: "build" as const, jobs: 1, wait: false };
    const signal = new AbortController().signal;

    const first = await projectBuilder({ ...options, iteration: "iter-0010" }, () => p.load()).build(await p.load(), signal);
    expect(first.diagnostics).toEqual([]);
    expect(first.summary.ran).toContain("export");
    expect(existsSync(p.path("out/iter-0010/manifest.json"))).toBe(true);
    expect(existsSync(p.path("out/iter-0030"))).toBe(false);

    const refused = await projectBuilder({ ...options, iteration: "iter-0030" }, () => p.load()).build(await p.load(), signal);
    expect(refused.diagnostics[0]!.message).toContain("the gate of iter-0030 (measured on iter-0010) did not pass");
    expect(refused.summary.ran).toEqual([]);
  }, 60_000);
});
