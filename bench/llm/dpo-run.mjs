// One dpo generation run in its own process: the real openai provider and
// generate/llm stage from dist/, with a real lmdb memo. Prints a JSON summary.
//   node dpo-run.mjs BASE_URL MEMO_DIR PROMPTS N CONCURRENCY
import { createRequire } from "node:module";
import { startClock } from "./clock.mjs";
import { createContext } from "../../dist/engine/context.js";
import { openMemo } from "../../dist/engine/memo.js";
import { memoryArtifact } from "../../dist/engine/records.js";
import { validate } from "../../dist/engine/schema.js";
import generate from "../../dist/plugins/generate/llm.js";
import openai from "../../dist/providers/openai.js";

const [baseUrl, memoDir, promptCount, n, concurrency] = process.argv.slice(2);
// Load the HTTP client before the clock starts, as the bare-undici baseline
// does; the provider's own `import("undici")` then finds it in the module cache.
await import(createRequire(new URL("../../package.json", import.meta.url)).resolve("undici"));
const check = (schema, value) => {
  const v = validate(schema, value);
  if (!v.valid) throw new Error(JSON.stringify(v.errors));
};
const started = performance.now();
const memo = await openMemo(memoDir);
// maxN 1: one request per call, as the bare-undici baseline sends (requests-per-candidate.mjs measures n sampling).
const config = { baseUrl, apiKey: "sk-bench-not-a-real-key", maxConcurrency: Number(concurrency), maxN: 1 };
check(openai.schema, config);
const provider = openai.create(config, { name: "bench", log: console, redact: (s) => s });
const withBlock = { models: [{ provider: "bench", model: "bench-model" }], variants: [{ temperature: 0.7 }], n: Number(n) };
check(generate.schema, withBlock);
const prompts = Array.from({ length: Number(promptCount) }, (_, i) => ({
  id: `p${String(i).padStart(6, "0")}`,
  prompt: `Write a short answer to benchmark question number ${i}.`,
}));
const tallies = {};
const { ctx } = createContext({
  stage: "generate", with: withBlock, root: process.cwd(), seed: 1, key: "bench",
  inputs: { prompts: memoryArtifact("prompts", prompts) },
  signal: new AbortController().signal, offline: false, memo,
  pool: { size: 1, run: () => Promise.reject(new Error("no pool")) },
  log: { info() {}, warn: console.warn, debug() {} },
  progress: { total() {}, tick() {} },
  provider: () => provider,
});
const tally = ctx.tally;
ctx.tally = (name, amount) => {
  tallies[name] = (tallies[name] ?? 0) + amount;
  tally(name, amount);
};
const stop = startClock();
// run() streams its records (issue 16): count them as they come, as the engine's artifact writer would take them.
let records = 0;
let candidates = 0;
for await (const r of await generate.run(ctx)) {
  records++;
  candidates += r.candidates.length;
}
const { ms: genMs, gcMs, mainMs } = stop();
await provider.close();
await memo.close();
const totalMs = performance.now() - started;
process.stdout.write(JSON.stringify({ records, candidates, genMs, gcMs, mainMs, totalMs, cpuMs: (process.cpuUsage().user + process.cpuUsage().system) / 1000, maxRssMB: process.resourceUsage().maxRSS / 1024, tallies }) + "\n");
