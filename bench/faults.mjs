#!/usr/bin/env node
// Fault scenarios, end to end: `node bin/dpo.js build` on a temporary project
// (source/jsonl → generate/llm → judge/rubric with an LLM judge → pairs →
// export) against the test LLM server in its own process, on loopback.
//   npx tsc -p . && node bench/faults.mjs
// For each scenario it prints the calls sent, the calls re-sent by the resumed
// build although the first build had already been answered for them, the
// records lost (stage record counts of the resumed build against a clean
// build), the exit codes and the wall time.
//   kill -9  the build is SIGKILLed while calls are on the wire, then resumed
//   SIGINT   the build is interrupted (Ctrl-C) while calls are on the wire, then resumed
//   hang     every request hangs; timeoutMs 1000, maxRetries 2
//   5xx      every request gets a 503; timeoutMs 1000, maxRetries 2
// Targets: 0 finished calls re-sent after kill -9 or SIGINT; a dead or hanging
// endpoint ends the build within 2 × timeoutMs × (maxRetries + 1) plus a few seconds.
// Env: PROMPTS (default 60; the hang and 5xx scenarios use 100); ONLY=kill,sigint,hang,5xx (a subset).
import { fork, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
const root = join(here, "..");
const work = join(root, "bench", ".work", "faults");
const PROMPTS = Number(process.env.PROMPTS ?? 60);
const TIMEOUT_MS = 1_000;
const MAX_RETRIES = 2;
const CONCURRENCY = 8;
const ONLY = process.env.ONLY?.split(",");
const wanted = (scenario) => !ONLY || ONLY.includes(scenario);

// ---------------------------------------------------------------- the server process
async function serverMain() {
  const { startLlmServer } = await import(process.argv[3]);
  let mode = { fault: "none" }; // or {fault: "hold-after", after: K} | {fault: "hang"} | {fault: "503"}
  let index = 0; // requests since the last mode change
  let answered = new Set(); // bodies answered with a 200 in the previous phase…
  let current = new Set(); // …and in this one
  let resent = 0;
  const keyOf = (body) => createHash("sha256").update(JSON.stringify(body)).digest("hex");
  const server = await startLlmServer({
    latencyMs: 10,
    keepRequests: false,
    reply: (body) => {
      current.add(keyOf(body));
      return isJudgeRequest(body) ? judgeReply(body) : undefined;
    },
    faults: (_i, body) => {
      if (answered.has(keyOf(body))) resent++;
      const i = index++;
      if (mode.fault === "hang" || (mode.fault === "hold-after" && i >= mode.after)) return { type: "hold" };
      if (mode.fault === "503") return { type: "status", status: 503, body: '{"error":{"message":"service unavailable"}}' };
      return undefined;
    },
  });
  process.on("message", async (msg) => {
    if (msg.cmd === "mode") {
      // A new phase: what was answered so far counts as finished, and sending it again is a re-send.
      answered = new Set([...answered, ...current]);
      current = new Set();
      mode = msg.mode;
      index = 0;
      resent = 0;
      server.reset();
      process.send({ ok: true });
    }
    if (msg.cmd === "forget") {
      answered = new Set();
      current = new Set();
      process.send({ ok: true });
    }
    if (msg.cmd === "stats") process.send({ requests: server.requestCount, answered: current.size, held: server.held, resent });
    if (msg.cmd === "close") {
      await server.close();
      process.exit(0);
    }
  });
  process.send({ baseUrl: server.baseUrl });
}

// ---------------------------------------------------------------- the judge model
function isJudgeRequest(body) {
  return String(body.messages?.[0]?.content ?? "").startsWith("You are a careful, impartial evaluator");
}

function judgeReply(body) {
  const asked = [...String(body.messages[1].content).matchAll(/^## (\S+)$/gm)].map((m) => m[1]);
  const digest = createHash("sha256").update(String(body.messages[1].content)).digest();
  return JSON.stringify(Object.fromEntries(asked.map((id, i) => [id, { rationale: `${id}: from the digest`, score: 1 + (digest[i] % 5) }])));
}

// ---------------------------------------------------------------- the bench
async function main() {
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const server = await startServer();
  console.log(`fault scenarios: dpo build against the test server (own process); timeoutMs ${TIMEOUT_MS}, maxRetries ${MAX_RETRIES}, maxConcurrency ${CONCURRENCY}`);
  console.log(`machine: ${os.cpus().length} cores, load average at start ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}`);
  const budget = 2 * TIMEOUT_MS * (MAX_RETRIES + 1);
  const rows = [];
  try {
    const reference = await clean(server, "reference", PROMPTS);
    rows.push(reference.row);
    if (wanted("kill")) rows.push(await interrupted(server, "kill -9", "SIGKILL", reference.lock, Math.round(PROMPTS * 2.5)));
    if (wanted("sigint")) rows.push(await interrupted(server, "SIGINT", "SIGINT", reference.lock, Math.round(PROMPTS * 1)));
    if (wanted("hang")) rows.push(await deadEndpoint(server, "hang", { fault: "hang" }, budget));
    if (wanted("5xx")) rows.push(await deadEndpoint(server, "5xx", { fault: "503" }, budget));
  } finally {
    server.close();
  }
  console.log();
  console.log("| scenario | calls sent | re-sent after resume | records lost | exit codes | wall time |");
  console.log("|---|---:|---:|---:|---|---|");
  for (const r of rows) console.log(`| ${r.name} | ${r.sent} | ${r.resent} | ${r.lost} | ${r.codes} | ${r.wall} |`);
  console.log(`\ntargets: re-sent 0 after kill -9 and SIGINT; hang and 5xx end within 2 × ${TIMEOUT_MS} ms × ${MAX_RETRIES + 1} = ${budget / 1000} s plus a few seconds`);
}

/** A clean build with a healthy endpoint: the lock every resumed build is compared with. */
async function clean(server, name, prompts) {
  const dir = project(name, prompts, server.baseUrl);
  await server.mode({ fault: "none" });
  const r = await build(dir);
  if (r.code !== 0) throw new Error(`the reference build failed (${r.code}):\n${r.stderr.slice(-2000)}`);
  const stats = await server.stats();
  await server.forget();
  return { lock: readLock(dir), row: { name, sent: stats.requests, resent: "–", lost: "–", codes: `${r.code}`, wall: seconds(r.ms) } };
}

/**
 * A build stopped by `signal` once `after` calls were answered and the next
 * ones are held at the server (so every answered call has reached the client),
 * then resumed against a healthy endpoint.
 */
async function interrupted(server, name, signal, referenceLock, after) {
  const dir = project(name, PROMPTS, server.baseUrl);
  await server.mode({ fault: "hold-after", after });
  const started = performance.now();
  const child = spawnBuild(dir);
  await until(async () => (await server.stats()).held >= CONCURRENCY, 60_000);
  await sleep(300); // the client memoises what it received
  const sentFirst = (await server.stats()).requests;
  child.process.kill(signal);
  const first = await child.done;
  const firstMs = performance.now() - started;
  await server.mode({ fault: "none" });
  const second = await build(dir);
  const stats = await server.stats();
  await server.forget();
  const lost = recordsLost(referenceLock, readLock(dir));
  return {
    name,
    sent: `${sentFirst} + ${stats.requests}`,
    resent: String(stats.resent),
    lost: String(lost),
    codes: `${first.code ?? first.signal} then ${second.code}`,
    wall: `${seconds(firstMs)} + ${seconds(second.ms)}`,
  };
}

/** A build against an endpoint that never answers well: how long until it gives up, and how many calls it sends. */
async function deadEndpoint(server, name, mode, budget) {
  const prompts = 100;
  const dir = project(name, prompts, server.baseUrl);
  await server.mode(mode);
  const r = await build(dir);
  const stats = await server.stats();
  await server.forget();
  const within = r.ms <= budget + 3_000 ? "within" : "OVER";
  const message = r.stderr.split("\n").find((l) => l.includes("error:")) ?? "";
  console.log(`${name}: ${message.trim().slice(0, 300)}`);
  return { name: `${name} (${prompts} prompts)`, sent: String(stats.requests), resent: "–", lost: "–", codes: `${r.code}`, wall: `${seconds(r.ms)} (${within} ${budget / 1000} s + 3 s)` };
}

// ---------------------------------------------------------------- helpers
function project(name, prompts, baseUrl) {
  const dir = join(work, name.replace(/\W+/g, "-"));
  mkdirSync(join(dir, "data"), { recursive: true });
  mkdirSync(join(dir, "rubrics"), { recursive: true });
  const lines = Array.from({ length: prompts }, (_, i) => JSON.stringify({ instruction: `Write one sentence about topic number ${i}.` }));
  writeFileSync(join(dir, "data", "prompts.jsonl"), lines.join("\n") + "\n");
  writeFileSync(join(dir, "rubrics", "mini.yaml"), RUBRIC);
  writeFileSync(join(dir, "dpo.config.yaml"), config(baseUrl));
  return dir;
}

const RUBRIC = `name: mini
scale: { min: 1, max: 5 }
instructions: Judge the response on its own merits.
criteria:
  - id: correctness
    description: Are the facts right?
    weight: 2
    anchors: { 1: Wrong on the central point., 3: Mostly right., 5: Entirely right. }
  - id: clarity
    description: Is it easy to follow?
    weight: 1
    anchors: { 1: Confusing., 3: Readable., 5: Crystal clear. }
`;

const config = (baseUrl) => `version: 1
project: faults-bench
seed: 3
providers:
  local:
    type: openai
    baseUrl: "${baseUrl}"
    timeoutMs: ${TIMEOUT_MS}
    maxRetries: ${MAX_RETRIES}
    maxConcurrency: ${CONCURRENCY}
stages:
  prompts:
    uses: source/jsonl
    with: { path: data/prompts.jsonl, prompt: instruction }
  candidates:
    uses: generate/llm
    needs: prompts
    with:
      n: 2
      models: [{ provider: local, model: gen-model }]
      variants: [{ temperature: 0.7 }, { temperature: 1.0 }]
  judge:
    uses: judge/rubric
    needs: candidates
    with:
      rubric: rubrics/mini.yaml
      judges: [{ id: llm, type: llm, provider: local, model: judge-model }]
  pairs:
    uses: pair/preference
    needs: judge
    with: { minMargin: 0 }
  export:
    uses: export/iterations
    needs: pairs
    with: { iterations: [2], formats: [trl] }
`;

function readLock(dir) {
  try {
    return JSON.parse(readFileSync(join(dir, "dpo.lock"), "utf8"));
  } catch {
    return { stages: {} };
  }
}

/** Records the reference build has and this one lacks, summed over stages, and whether every stage's output is the same. */
function recordsLost(reference, lock) {
  let lost = 0;
  let identical = true;
  for (const [name, s] of Object.entries(reference.stages)) {
    const got = lock.stages[name];
    lost += Math.max(0, (s.records ?? 0) - (got?.records ?? 0));
    if (got?.output !== s.output) identical = false;
  }
  return `${lost}${identical ? " (outputs identical)" : " (outputs differ)"}`;
}

function spawnBuild(dir) {
  const started = performance.now();
  const child = spawn(process.execPath, [join(root, "bin", "dpo.js"), "build"], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  const done = new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal, stdout, stderr, ms: performance.now() - started })));
  return { process: child, done };
}

const build = (dir) => spawnBuild(dir).done;

async function startServer() {
  const { transpileTestServer } = await import("./transpile-server.mjs");
  const file = transpileTestServer(root, work);
  const child = fork(fileURLToPath(import.meta.url), ["--server", file], { stdio: "inherit" });
  const ask = (msg) =>
    new Promise((resolve) => {
      child.once("message", resolve);
      child.send(msg);
    });
  const { baseUrl } = await new Promise((resolve) => child.once("message", resolve));
  return {
    baseUrl,
    mode: (mode) => ask({ cmd: "mode", mode }),
    forget: () => ask({ cmd: "forget" }),
    stats: () => ask({ cmd: "stats" }),
    close: () => child.send({ cmd: "close" }),
  };
}

async function until(condition, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms`);
    await sleep(20);
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

if (process.argv[2] === "--server") await serverMain();
else await main();
