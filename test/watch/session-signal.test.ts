/**
 * `runSession` with a caller's signal: the caller owns interruption. A signal
 * that is already aborted when the session starts (watch mode: a file changed
 * while the project was still loading) cancels the build at once.
 */
import { afterEach, describe, expect, it } from "vitest";
import { runSession, type SessionOptions } from "../../src/cli/session.js";
import { judgeReply } from "../e2e/helpers.js";
import { startLlmServer } from "../support/llm-server.js";
import { judgeProject, JUDGE_REQUESTS, loadJudgeProject } from "./judge-project.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const options = (signal?: AbortSignal): SessionOptions => ({ targets: [], mode: "build", wait: true, jobs: 2, quiet: true, signal });

async function setup() {
  const server = await startLlmServer({ reply: judgeReply });
  cleanups.push(() => server.close());
  const p = judgeProject(server.baseUrl);
  cleanups.push(() => p.remove());
  return { server, p, config: await loadJudgeProject(p.dir) };
}

describe("runSession with the caller's signal", () => {
  it("an already-aborted signal cancels the build before any judge request", async () => {
    const { server, config } = await setup();
    const session = await runSession(config, options(AbortSignal.abort()));
    expect(session.result.interrupted).toBe(true);
    expect(session.result.outcomes.find((o) => o.stage === "judge")?.status).not.toBe("ran");
    expect(server.requestCount).toBe(0);
  });

  it("leaves SIGINT and SIGTERM to the caller", async () => {
    const { server, config } = await setup();
    const before = [process.listenerCount("SIGINT"), process.listenerCount("SIGTERM")];
    const seen: number[][] = [];
    const session = runSession(config, options(new AbortController().signal));
    // The session subscribes synchronously before its first await; count while it runs.
    seen.push([process.listenerCount("SIGINT"), process.listenerCount("SIGTERM")]);
    expect((await session).result.ok).toBe(true);
    expect(seen).toEqual([before]);
    expect(server.requestCount).toBe(JUDGE_REQUESTS);
  });
});
