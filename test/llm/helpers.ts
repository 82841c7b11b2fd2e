/** Shared set-up for the LLM tests: a provider pointed at the local server and a real stage context. */
import { afterAll } from "vitest";
import { nodeErrors } from "../../src/engine/config/locations.js";
import { createContext, type RunTrace } from "../../src/engine/context.js";
import { memoryMemo, type MemoStore } from "../../src/engine/memo.js";
import type { PluginContext } from "../../src/engine/plugin.js";
import { validate } from "../../src/engine/schema.js";
import openai from "../../src/providers/openai.js";
import type { OpenAiProvider } from "../../src/providers/openai-provider.js";
import { startLlmServer, type LlmServer, type LlmServerOptions } from "../support/llm-server.js";

export const API_KEY = "sk-test-Zq8vK2mN4pL7xR9t";

export interface Logged {
  logs: string[];
}

/** A provider as the engine would create it: config validated (defaults filled). The env's redact does nothing, so the provider must redact by itself. */
export function makeProvider(baseUrl: string, config: Record<string, unknown> = {}, logs: string[] = []): OpenAiProvider {
  const full = { baseUrl, apiKey: API_KEY, retryBaseMs: 5, ...config };
  const v = validate(openai.schema, full);
  if (!v.valid) throw new Error(`invalid provider config: ${JSON.stringify(v.errors)}`);
  return openai.create(full as any, {
    name: "local",
    log: { info: (m) => logs.push(m), warn: (m) => logs.push(m), debug: (m) => logs.push(m) },
    redact: (s) => s,
    fail: nodeErrors(undefined, "providers", "local").fail,
  });
}

export interface TestContext {
  ctx: PluginContext;
  trace: RunTrace;
  logs: string[];
  ticks: { n: number; tokens: number };
}

export function makeContext(o: { memo?: MemoStore; offline?: boolean; signal?: AbortSignal; stage?: string } = {}): TestContext {
  const logs: string[] = [];
  const ticks = { n: 0, tokens: 0 };
  const { ctx, trace } = createContext({
    stage: o.stage ?? "generate",
    with: {},
    root: process.cwd(),
    seed: 1,
    key: "k",
    inputs: {},
    signal: o.signal ?? new AbortController().signal,
    offline: o.offline ?? false,
    memo: o.memo ?? memoryMemo(),
    pool: { size: 1, run: () => Promise.reject(new Error("no pool in these tests")) },
    log: { info: (m) => logs.push(m), warn: (m) => logs.push(m), debug: (m) => logs.push(m) },
    progress: {
      total() {},
      tick(n = 1, extra) {
        ticks.n += n;
        ticks.tokens += extra?.tokens ?? 0;
      },
    },
    provider: () => undefined,
  });
  return { ctx, trace, logs, ticks };
}

export const ask = (content: string, extra: Record<string, unknown> = {}) => ({
  model: "test-model",
  messages: [{ role: "user" as const, content }],
  temperature: 0.7,
  ...extra,
});

/** Test servers and providers for one test file, every one closed after the file's tests. */
export function closedAfterAll(): { server(o?: LlmServerOptions): Promise<LlmServer>; provider(...args: Parameters<typeof makeProvider>): OpenAiProvider } {
  const open: { close(): Promise<void> }[] = [];
  afterAll(async () => {
    await Promise.all(open.map((o) => o.close()));
  });
  return {
    async server(o = {}) {
      const s = await startLlmServer(o);
      open.push(s);
      return s;
    },
    provider(...args) {
      const p = makeProvider(...args);
      open.push(p);
      return p;
    },
  };
}
