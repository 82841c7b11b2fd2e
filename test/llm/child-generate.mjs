// Runs generate/llm from dist/ against a server with a real lmdb memo, so a
// test can kill it with SIGKILL midway. Args: baseUrl memoDir prompts n.
import { nodeErrors } from "../../dist/engine/config/locations.js";
import { createContext } from "../../dist/engine/context.js";
import { openMemo } from "../../dist/engine/memo.js";
import { memoryArtifact } from "../../dist/engine/records.js";
import { validate } from "../../dist/engine/schema.js";
import openai from "../../dist/providers/openai.js";
import generate from "../../dist/plugins/generate/llm.js";

const [baseUrl, memoDir, promptCount, n] = process.argv.slice(2);
const store = await openMemo(memoDir);
// Reports each memo entry once it is durable, so the test can check none is lost to SIGKILL.
const memo = { ...store, put: async (key, value) => { await store.put(key, value); process.stdout.write(`stored ${key}\n`); } };
const config = { baseUrl, apiKey: process.env.TEST_API_KEY, maxConcurrency: 4, maxN: 1 }; // one request per call: the test counts calls
validate(openai.schema, config);
const provider = openai.create(config, { name: "local", log: console, redact: (s) => s, fail: nodeErrors(undefined, "providers", "local").fail });
const withBlock = { models: [{ provider: "local", model: "m" }], n: Number(n) };
validate(generate.schema, withBlock);
const prompts = Array.from({ length: Number(promptCount) }, (_, i) => ({ id: `p${String(i).padStart(4, "0")}`, prompt: `prompt number ${i}` }));
const { ctx } = createContext({
  stage: "gen", with: withBlock, root: process.cwd(), seed: 1, key: "k",
  inputs: { prompts: memoryArtifact("prompts", prompts) },
  signal: new AbortController().signal, offline: false, memo,
  pool: { size: 1, run: () => Promise.reject(new Error("no pool")) },
  log: { info() {}, warn() {}, debug() {} },
  progress: { total() {}, tick() {} },
  provider: () => provider,
});
// run() streams: the calls happen as the records are read.
const records = [];
for await (const r of await generate.run(ctx)) records.push(r);
process.stdout.write(`done ${records.length}\n`);
await provider.close();
await store.close();
