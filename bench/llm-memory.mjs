#!/usr/bin/env node
/**
 * LLM stages stream (issue 16): `generate/llm` and an LLM `judge/rubric`
 * over N prompts × 4 candidates (4N generation calls, 4N judge calls, one
 * request each: `maxN: 1`) against the local test server, built from scratch
 * with the CLI from dist/, for several N. If the in-flight window and not the
 * item count sets memory, peak RSS stays flat as N grows.
 *
 *   npx tsc -p . && node bench/llm-memory.mjs            # NS=2500,10000,40000
 *
 * Peak RSS is sampled every 100 ms from /proc for the dpo process, split into
 * anonymous memory (heaps, buffers) and file-backed pages (node's binary and
 * the memo's memory-mapped LMDB file, which grows with the calls it holds).
 * The server runs in this process, keeping no request bodies.
 */
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { sampleResidentMemory } from "./resident-memory.mjs";
import { transpileTestServer } from "./transpile-server.mjs";

const root = join(import.meta.dirname, "..");
const work = join(root, "bench", ".work", "llm-memory");
const NS = (process.env.NS ?? "2500,10000,40000").split(",").map(Number);

const { startLlmServer } = await import(transpileTestServer(root, join(work, "server")));
const server = await startLlmServer({ keepRequests: false });
console.log(`load average at start: ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);
console.log("\n| prompts | LLM calls | wall | peak RSS | peak anonymous | peak file-backed | memo file |\n| ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
for (const n of NS) {
  const project = writeProject(n);
  const started = performance.now();
  const run = await build(project);
  const wall = (performance.now() - started) / 1000;
  if (run.code !== 0) {
    console.error(run.out.slice(-4000));
    process.exit(1);
  }
  const memo = Math.round(fileSize(join(project, "cache", "memo", "data.mdb")) / 2 ** 20);
  console.log(`| ${n.toLocaleString("en")} | ${(8 * n).toLocaleString("en")} | ${wall.toFixed(1)} s | ${run.peak.rss} MB | ${run.peak.anon} MB | ${run.peak.file} MB | ${memo} MB |`);
}
await server.close();
console.log(`\nload average at the end: ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);

function writeProject(n) {
  const dir = join(work, `p${n}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, "data"), { recursive: true });
  mkdirSync(join(dir, "rubrics"), { recursive: true });
  const prompts = Array.from({ length: n }, (_, i) => JSON.stringify({ instruction: `Question ${i}: explain topic ${i % 997} in a few sentences.` }));
  writeFileSync(join(dir, "data", "prompts.jsonl"), prompts.join("\n") + "\n");
  writeFileSync(join(dir, "rubrics", "helpfulness.yaml"), readFileSync(join(root, "rubrics", "helpfulness.yaml")));
  writeFileSync(
    join(dir, "dpo.config.yaml"),
    `version: 1
project: llm-memory-${n}
seed: 1
providers:
  local: { type: openai, baseUrl: "${server.baseUrl}", maxRetries: 0, maxConcurrency: 64, maxN: 1 }
stages:
  prompts:
    uses: source/jsonl
    with: { path: data/prompts.jsonl, prompt: instruction }
  candidates:
    uses: generate/llm
    needs: prompts
    with: { models: [{ provider: local, model: gen-model }], variants: [{ temperature: 0.7 }], n: 4, concurrency: 64 }
  judge:
    uses: judge/rubric
    needs: candidates
    with:
      rubric: rubrics/helpfulness.yaml
      concurrency: 64
      judges: [{ id: llm, type: llm, provider: local, model: judge-model, mode: single-call }]
`,
  );
  return dir;
}

/** The CLI's build, sampling its resident memory. */
function build(cwd) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(root, "bin", "dpo.js"), "build"], { cwd, env: { ...process.env, CI: "1" }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    const memory = sampleResidentMemory(() => child.pid, 100);
    child.on("exit", (code) => {
      const peak = memory.stop();
      resolve({ code, out, peak });
    });
  });
}

function fileSize(path) {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
