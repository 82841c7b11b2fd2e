import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openMemo, type MemoStore } from "../../src/engine/memo.js";
import generate from "../../src/plugins/generate/llm.js";
import { runPlugin } from "../support/run-plugin.js";
import { startLlmServer, type LlmServer, type LlmServerOptions } from "../support/llm-server.js";
import { API_KEY, makeProvider } from "./helpers.js";
import { until } from "../support/until.js";

const cleanup: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});
async function server(o: LlmServerOptions = {}): Promise<LlmServer> {
  const s = await startLlmServer(o);
  cleanup.push(() => s.close());
  return s;
}
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "dpo-llm-"));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
async function memoIn(dir: string): Promise<MemoStore> {
  const memo = await openMemo(dir);
  cleanup.push(() => memo.close());
  return memo;
}
const count = (memo: MemoStore) => [...memo.keys()].length;
const promptsOf = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `p${String(i).padStart(4, "0")}`, prompt: `prompt number ${i}` }));

describe("resume after an interrupted run", () => {
  it("an aborted run keeps finished calls; the re-run sends only the rest", async () => {
    const controller = new AbortController();
    let holding = true;
    const s = await server({ faults: () => (holding ? { type: "hold" } : undefined) });
    // maxN 1: one request per call, so the rounds below count calls.
    const provider = makeProvider(s.baseUrl, { maxConcurrency: 4, maxN: 1 });
    cleanup.push(() => provider.close());
    const memo = await memoIn(tempDir());
    const w = { models: [{ provider: "local", model: "m" }], n: 2, concurrency: 4 };
    const inputs = { prompts: promptsOf(30) };
    const running = runPlugin(generate, { with: w, inputs, providers: { local: provider }, memo, signal: controller.signal }).catch((e) => e);
    // Answer five rounds of four calls, then abort while the next four are held at
    // the server: every request the client sent has arrived, none is still on its way.
    for (let round = 0; round < 5; round++) {
      await s.whenHeld(4);
      s.release();
    }
    await s.whenHeld(4);
    controller.abort();
    const aborted = await running;
    expect(aborted).toBeInstanceOf(Error);
    const kept = count(memo);
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(60);
    holding = false;
    s.reset();
    const run = await runPlugin(generate, { with: w, inputs, providers: { local: provider }, memo });
    expect(run.records).toHaveLength(30);
    expect(s.requestCount).toBe(60 - kept);
    expect(count(memo)).toBe(60);
  });

  it("a process killed with SIGKILL loses no finished call", async () => {
    const dist = new URL("../../dist/plugins/generate/llm.js", import.meta.url);
    const src = new URL("../../src/plugins/generate/llm.ts", import.meta.url);
    expect(statSync(dist).mtimeMs, "dist/ is older than src/: run `npx tsc -p .` first").toBeGreaterThanOrEqual(statSync(src).mtimeMs);
    const s = await server({ latencyMs: 15 });
    const dir = tempDir();
    const child = spawn(process.execPath, [new URL("./child-generate.mjs", import.meta.url).pathname, s.baseUrl, dir, "40", "2"], {
      env: { ...process.env, TEST_API_KEY: API_KEY },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    let stdout = "";
    child.stderr.on("data", (d) => (stderr += d));
    child.stdout.on("data", (d) => (stdout += d));
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on("exit", (code, signal) => resolve(signal ?? code)));
    await until(() => s.requestCount >= 30, 15_000);
    child.kill("SIGKILL");
    expect(await exited, stderr).toBe("SIGKILL");
    const sentBeforeKill = s.requestCount;
    expect(sentBeforeKill).toBeGreaterThanOrEqual(30);
    expect(sentBeforeKill).toBeLessThan(80);

    const memo = await memoIn(dir);
    const kept = count(memo);
    const durable = [...stdout.matchAll(/^stored (\w+)$/gm)].map((m) => m[1]!);
    expect(durable.length).toBeGreaterThan(0);
    // Every call whose memo write had completed survived the kill.
    for (const key of durable) expect(memo.get(key as any)).toBeDefined();
    expect(kept).toBeGreaterThanOrEqual(durable.length);
    s.reset();
    const provider = makeProvider(s.baseUrl, { maxConcurrency: 4, maxN: 1 });
    cleanup.push(() => provider.close());
    const run = await runPlugin(generate, {
      with: { models: [{ provider: "local", model: "m" }], n: 2 },
      inputs: { prompts: promptsOf(40) },
      providers: { local: provider },
      memo,
    });
    expect(run.records).toHaveLength(40);
    expect(s.requestCount).toBe(80 - kept);
    expect(run.trace.stats["llm.cached"]).toBe(kept);
  });
});

describe("the api key never reaches the memo", () => {
  it("is absent from every memo key, value and lmdb file", async () => {
    const s = await server({ reply: (b) => `echo ${b.messages.at(-1).content}` });
    const provider = makeProvider(s.baseUrl, { headers: { "x-org-token": "hdr-secret-value-42" } });
    cleanup.push(() => provider.close());
    const dir = tempDir();
    const memo = await memoIn(dir);
    const keys: unknown[] = [];
    const spyMemo: MemoStore = { ...memo, put: (k, v) => (keys.push(k), memo.put(k, v)) };
    const run = await runPlugin(generate, {
      with: { models: [{ provider: "local", model: "m" }], n: 3 },
      inputs: { prompts: promptsOf(5) },
      providers: { local: provider },
      memo: spyMemo,
    });
    expect(s.authorizations.every((a) => a === `Bearer ${API_KEY}`)).toBe(true);
    expect(keys).toHaveLength(15);
    const values = [...memo.keys()].map((k) => JSON.stringify(memo.get(k)));
    expect(values).toHaveLength(15);
    const everything = [JSON.stringify(keys), ...values, run.text, ...run.logs].join("\n");
    expect(everything).toContain("echo prompt number 4");
    for (const secret of [API_KEY, "hdr-secret-value-42"]) {
      expect(everything).not.toContain(secret);
      for (const file of readdirSync(dir)) expect(readFileSync(join(dir, file)).includes(secret), file).toBe(false);
    }
  });

  it("builds its memo keys from the call, not the credentials", async () => {
    const s = await server();
    const a = makeProvider(s.baseUrl, { apiKey: "sk-first-key-0001" });
    const b = makeProvider(s.baseUrl, { apiKey: "sk-second-key-0002" });
    cleanup.push(() => a.close(), () => b.close());
    const memo = await memoIn(tempDir());
    const w = { models: [{ provider: "local", model: "m" }], n: 2 };
    const inputs = { prompts: promptsOf(3) };
    await runPlugin(generate, { with: w, inputs, providers: { local: a }, memo });
    const again = await runPlugin(generate, { with: w, inputs, providers: { local: b }, memo });
    expect(s.requestCount).toBe(3); // one request with n = 2 per prompt
    expect(again.trace.stats["llm.cached"]).toBe(6);
  });
});
