#!/usr/bin/env node
// LLM generation throughput: 20,000 chat calls against the local test server
// (20 ms latency, own process), made by dpo (openai provider + generate/llm
// from dist/, real lmdb memo) and by promptfoo 0.118 with the same concurrency;
// then each again fully cached.
//   npx tsc -p . && (cd bench/llm && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install) && node bench/llm/run.mjs
// Env: CALLS (default 20000), ROUNDS (default 3), ONLY=undici,dpo,promptfoo (a subset).
// Physical limit: CONCURRENCY / latency = 64 / 0.020 s = 3,200 req/s; target ≥ 0.8 of it.
import { fork, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import os from "node:os";
import { transpileTestServer } from "../transpile-server.mjs";

const here = fileURLToPath(new URL(".", import.meta.url));
const root = join(here, "..", "..");
const work = join(root, "bench", ".work", "llm");
const CALLS = Number(process.env.CALLS ?? 20_000);
const N = 4;
const CONCURRENCY = 64;
const LATENCY_MS = 20;
const limit = CONCURRENCY / (LATENCY_MS / 1000);

rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });

/** The test server is TypeScript with node: imports only: strip the types and run it in its own process. */
function transpiledServer() {
  return transpileTestServer(root, work);
}

function startServer() {
  const child = fork(join(here, "server-process.mjs"), [transpiledServer(), String(LATENCY_MS)], { stdio: "inherit" });
  const ask = (cmd) =>
    new Promise((resolve) => {
      child.once("message", resolve);
      child.send({ cmd });
    });
  return new Promise((resolve) =>
    child.once("message", ({ baseUrl }) => resolve({ baseUrl, stats: () => ask("stats"), reset: () => ask("reset"), close: () => child.send({ cmd: "close" }) })),
  );
}

/** Runs a command, sampling its peak RSS (VmHWM of the process and its children) from /proc. */
function run(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], ...opts });
    let stdout = "";
    let stderr = "";
    let peakKB = 0;
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const sample = setInterval(() => (peakKB = Math.max(peakKB, treeRssKB(child.pid))), 50);
    child.on("exit", (code) => {
      clearInterval(sample);
      const ms = performance.now() - started;
      if (code !== 0) reject(new Error(`${cmd} ${args.join(" ")} exited with ${code}\n${stderr.slice(-3000)}`));
      else resolve({ ms, stdout, stderr, peakMB: peakKB / 1024 });
    });
  });
}

function treeRssKB(pid) {
  let total = 0;
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    total += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    for (const task of readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean)) {
      total += treeRssKB(Number(task));
    }
  } catch {
    // the process just exited
  }
  return total;
}

const fmt = (x, d = 0) => x.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });

async function benchUndici(server) {
  await server.reset();
  const r = await run(process.execPath, [join(here, "undici-baseline.mjs"), server.baseUrl, String(CALLS), String(CONCURRENCY)]);
  const stats = await server.stats();
  const out = JSON.parse(r.stdout);
  return { name: "bare undici request()", cpuMs: out.cpuMs, gcMs: out.gcMs, mainMs: out.mainMs, requests: stats.requestCount, maxInFlight: stats.maxInFlight, residenceMs: stats.meanResidenceMs, rate: stats.requestCount / (out.genMs / 1000), wallMs: r.ms, genMs: out.genMs, peakMB: Math.max(r.peakMB, out.maxRssMB) };
}

async function benchDpo(server) {
  const memoDir = join(work, "dpo-memo");
  rmSync(memoDir, { recursive: true, force: true }); // each round starts cold
  const args = [...(process.env.DPO_PROF ? ["--cpu-prof", `--cpu-prof-dir=${process.env.DPO_PROF}`] : []), join(here, "dpo-run.mjs"), server.baseUrl, memoDir, String(CALLS / N), String(N), String(CONCURRENCY)];
  await server.reset();
  const first = await run(process.execPath, args);
  const firstStats = await server.stats();
  await server.reset();
  const cached = await run(process.execPath, args);
  const cachedStats = await server.stats();
  const a = JSON.parse(first.stdout);
  const b = JSON.parse(cached.stdout);
  return {
    name: "dpo",
    cpuMs: a.cpuMs,
    gcMs: a.gcMs,
    mainMs: a.mainMs,
    requests: firstStats.requestCount,
    maxInFlight: firstStats.maxInFlight,
    residenceMs: firstStats.meanResidenceMs,
    rate: firstStats.requestCount / (a.genMs / 1000),
    wallMs: first.ms,
    genMs: a.genMs,
    peakMB: Math.max(first.peakMB, a.maxRssMB),
    cachedMs: cached.ms,
    cachedGenMs: b.genMs,
    cachedRequests: cachedStats.requestCount,
    cachedPeakMB: Math.max(cached.peakMB, b.maxRssMB),
  };
}

async function benchPromptfoo(server) {
  const bin = join(here, "node_modules", "promptfoo", "dist", "src", "main.js");
  if (!existsSync(bin)) return { name: "promptfoo", error: `not installed (${bin} missing): run PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install in bench/llm` };
  const dir = join(work, "promptfoo");
  mkdirSync(dir, { recursive: true });
  // The same 20,000 distinct calls: promptfoo has no n-samples-per-prompt, so each sample is its own test.
  const tests = Array.from({ length: CALLS }, (_, i) => ({
    vars: { prompt: `Write a short answer to benchmark question number ${Math.floor(i / N)}. (sample ${i % N})` },
  }));
  writeFileSync(join(dir, "tests.json"), JSON.stringify(tests));
  writeFileSync(
    join(dir, "promptfooconfig.yaml"),
    [
      "description: dpo bench",
      "prompts: ['{{prompt}}']",
      "providers:",
      "  - id: openai:chat:bench-model",
      "    config:",
      `      apiBaseUrl: ${server.baseUrl}`,
      "      apiKey: sk-bench-not-a-real-key",
      "      temperature: 0.7",
      "tests: file://tests.json",
      "",
    ].join("\n"),
  );
  const env = {
    ...process.env,
    PROMPTFOO_CONFIG_DIR: join(dir, "home"),
    PROMPTFOO_CACHE_PATH: join(dir, "cache"),
    PROMPTFOO_DISABLE_TELEMETRY: "1",
    PROMPTFOO_DISABLE_UPDATE: "1",
    PROMPTFOO_DISABLE_SHARING: "1",
    PROMPTFOO_CACHE_ENABLED: "true",
    OPENAI_API_KEY: "sk-bench-not-a-real-key",
  };
  const args = [bin, "eval", "-c", "promptfooconfig.yaml", "--max-concurrency", String(CONCURRENCY), "--no-progress-bar", "--no-table", "--no-write"];
  await server.reset();
  const first = await run(process.execPath, args, { cwd: dir, env });
  const firstStats = await server.stats();
  await server.reset();
  const cached = await run(process.execPath, args, { cwd: dir, env });
  const cachedStats = await server.stats();
  return {
    name: "promptfoo",
    requests: firstStats.requestCount,
    maxInFlight: firstStats.maxInFlight,
    rate: firstStats.requestCount / (first.ms / 1000),
    wallMs: first.ms,
    peakMB: first.peakMB,
    cachedMs: cached.ms,
    cachedRequests: cachedStats.requestCount,
    cachedPeakMB: cached.peakMB,
  };
}

/** Runs one benchmark, printing its result; returns it (or undefined when it failed). */
async function runOne(bench, server) {
  let r;
  try {
    r = await bench(server);
  } catch (err) {
    r = { name: bench.name, error: String(err.message ?? err) };
  }
  if (r.error) {
    console.log(`${r.name}: FAILED: ${r.error}`);
    return undefined;
  }
  const timing = r.genMs ? `generation ${fmt(r.genMs / 1000, 2)} s, process wall ${fmt(r.wallMs / 1000, 2)} s` : `process wall ${fmt(r.wallMs / 1000, 2)} s`;
  console.log(
    `${r.name}: ${fmt(r.requests)} requests, ${fmt(r.rate)} req/s = ${fmt(r.rate / limit, 2)} of the limit (${timing}), ` +
      `max in flight ${r.maxInFlight}` +
      (r.residenceMs ? `, ${fmt(r.residenceMs, 2)} ms in the server per request` : "") +
      `, peak RSS ${fmt(r.peakMB)} MB` +
      (r.cpuMs ? `, client CPU ${fmt((r.cpuMs * 1000) / r.requests)} µs per call` : "") +
      (r.mainMs ? ` (main thread ${fmt((r.mainMs * 1000) / r.requests)} µs), GC ${fmt(r.gcMs)} ms` : ""),
  );
  if (r.cachedMs !== undefined) {
    console.log(
      `${r.name} cached re-run: ${fmt(r.cachedMs / 1000, 2)} s process wall${r.cachedGenMs ? ` (generation ${fmt(r.cachedGenMs / 1000, 2)} s)` : ""}, ` +
        `${r.cachedRequests} requests, peak RSS ${fmt(r.cachedPeakMB)} MB`,
    );
  }
  return r;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

// Runs on a small shared machine vary by a few hundredths of the limit, so the
// fast clients run ROUNDS times, interleaved, and the median is the figure.
// promptfoo runs once: it takes minutes, and its rate is an order of magnitude lower.
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const server = await startServer();
console.log(`${fmt(CALLS)} calls, concurrency ${CONCURRENCY}, server latency ${LATENCY_MS} ms (own process): limit ${fmt(limit)} req/s`);
console.log(`machine: ${os.cpus().length} cores, load average at start ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}`);
try {
  const only = process.env.ONLY?.split(",");
  const chosen = (benches) => benches.filter((b) => !only || only.some((o) => b.name.toLowerCase().includes(o)));
  const rates = new Map();
  for (let round = 1; round <= ROUNDS; round++) {
    if (ROUNDS > 1) console.log(`round ${round} of ${ROUNDS}`);
    for (const bench of chosen([benchUndici, benchDpo])) {
      const r = await runOne(bench, server);
      if (r) rates.set(r.name, [...(rates.get(r.name) ?? []), r.rate / limit]);
    }
  }
  if (ROUNDS > 1) {
    for (const [name, xs] of rates) {
      console.log(`${name}: median ${fmt(median(xs), 2)} of the limit over ${xs.length} rounds (${xs.map((x) => fmt(x, 2)).join(", ")})`);
    }
  }
  for (const bench of chosen([benchPromptfoo])) await runOne(bench, server);
} finally {
  server.close();
}
