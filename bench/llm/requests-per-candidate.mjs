// Requests per candidate with n sampling (issue 13 point 6): the real openai
// provider and generate/llm from dist/ against the test server (transpiled,
// in-process, n supported or ignored), a fresh in-memory memo per case.
//   npx tsc -p . && node bench/llm/requests-per-candidate.mjs
// Then, for maxN 8 and maxN 1: 2,500 prompts × n 8 = 20,000 candidates into a
// real LMDB memo, and the stage's time for a fully cached re-run of them.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { transpileTestServer } from "../transpile-server.mjs";
import { createContext } from "../../dist/engine/context.js";
import { memoryMemo, openMemo } from "../../dist/engine/memo.js";
import { memoryArtifact } from "../../dist/engine/records.js";
import { validate } from "../../dist/engine/schema.js";
import generate from "../../dist/plugins/generate/llm.js";
import openai from "../../dist/providers/openai.js";

const root = new URL("../..", import.meta.url).pathname;
const { startLlmServer } = await import(transpileTestServer(root, mkdtempSync(join(tmpdir(), "dpo-bench-n-"))));

const PROMPTS = Number(process.env.PROMPTS ?? 500);
const check = (schema, value) => {
  const v = validate(schema, value);
  if (!v.valid) throw new Error(JSON.stringify(v.errors));
};
const twoModels = [{ provider: "bench", model: "a" }, { provider: "bench", model: "b" }];
const cases = [
  { name: "1 model, 1 variant, n 4", n: 4 },
  { name: "1 model, 1 variant, n 8", n: 8 },
  { name: "1 model, 1 variant, n 16 (maxN 8)", n: 16 },
  { name: "1 model, 1 variant, n 8, maxN 1", n: 8, provider: { maxN: 1 } },
  { name: "2 models × 2 variants, n 8", n: 8, models: twoModels, variants: [{ temperature: 0.7 }, { temperature: 1 }] },
  { name: "1 model, seeded variant, n 4", n: 4, variants: [{ temperature: 0.7, seed: 1 }] },
  { name: "1 model, 1 variant, n 4, server ignores n", n: 4, server: { n: "ignored" } },
];

/** One generate/llm run of case `c`; the records and the stage's wall time. */
async function run(c, server, memo, prompts) {
  const config = { baseUrl: server.baseUrl, maxConcurrency: 16, ...c.provider };
  check(openai.schema, config);
  const provider = openai.create(config, { name: "bench", log: console, redact: (s) => s });
  const withBlock = { models: c.models ?? [{ provider: "bench", model: "a" }], variants: c.variants ?? [{ temperature: 0.7 }], n: c.n };
  check(generate.schema, withBlock);
  const { ctx } = createContext({
    stage: "generate", with: withBlock, root, seed: 1, key: "bench",
    inputs: { prompts: memoryArtifact("prompts", Array.from({ length: prompts }, (_, i) => ({ id: `p${i}`, prompt: `Benchmark question number ${i}.` }))) },
    signal: new AbortController().signal, offline: false, memo,
    pool: { size: 1, run: () => Promise.reject(new Error("no pool")) },
    log: { info() {}, warn: console.warn, debug() {} },
    progress: { total() {}, tick() {} },
    provider: () => provider,
  });
  const started = performance.now();
  const records = [];
  for await (const r of await generate.run(ctx)) records.push(r); // run() streams (issue 16)
  const ms = performance.now() - started;
  await provider.close();
  return { records, ms };
}

console.log("| case | candidates | requests | requests / candidate |\n|---|---|---|---|");
for (const c of cases) {
  const server = await startLlmServer({ keepRequests: false, ...c.server });
  const { records } = await run(c, server, memoryMemo(), PROMPTS);
  const candidates = records.reduce((s, r) => s + r.candidates.length, 0);
  console.log(`| ${c.name} | ${candidates} | ${server.requestCount} | ${+(server.requestCount / candidates).toFixed(3)} |`);
  await server.close();
}

console.log("\n| 20,000 candidates, LMDB memo | requests (first run) | first run | fully cached re-run (stage) |\n|---|---|---|---|");
for (const maxN of [8, 1]) {
  const server = await startLlmServer({ keepRequests: false });
  const memo = await openMemo(mkdtempSync(join(tmpdir(), "dpo-bench-n-memo-")));
  const c = { n: 8, provider: { maxN, maxConcurrency: 64 } };
  const first = await run(c, server, memo, 2_500);
  const requests = server.requestCount;
  const cached = await run(c, server, memo, 2_500);
  if (server.requestCount !== requests) throw new Error("the cached re-run sent requests");
  console.log(`| maxN ${maxN} | ${requests} | ${(first.ms / 1000).toFixed(2)} s | ${(cached.ms / 1000).toFixed(2)} s |`);
  await memo.close();
  await server.close();
}
