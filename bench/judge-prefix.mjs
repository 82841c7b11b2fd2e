#!/usr/bin/env node
/**
 * How much of what the LLM judge sends a prefix cache can serve. Builds a
 * project like the example — the first PROMPTS AlpacaEval prompts
 * (datasets/), the five recorded answers to each, judged per criterion on
 * rubrics/helpfulness.yaml by an LLM judge — with the CLI from dist/ against
 * the local test server (test/support/llm-server.ts, in this process, request
 * capture on), then measures over the captured first-attempt judge requests:
 *
 *   share = Σ over requests of (longest common prefix of its messages text
 *           with any earlier request's) / Σ of their lengths
 *
 * which is what vLLM's automatic prefix caching or OpenAI's prompt caching can
 * reuse, at character granularity. Target ≥ 0.75. It also gives the share
 * counting only prefixes of requests answered before a request arrived, as a
 * cache can serve them. Then it edits one
 * criterion, rebuilds, and measures what that rebuild sends against
 * everything sent before (a warm cache): the cost of a rubric revision.
 *
 *   npx tsc -p . && node bench/judge-prefix.mjs        # env PROMPTS (default 40)
 *   RUBRIC_CONTEXT=all node bench/judge-prefix.mjs      # the judge's rubricContext: all
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { parseDocument } from "yaml";
import { transpileTestServer } from "./transpile-server.mjs";

const root = join(import.meta.dirname, "..");
const work = join(root, "bench", ".work", "judge-prefix");
const PROMPTS = Number(process.env.PROMPTS ?? 40);
const RUBRIC_CONTEXT = process.env.RUBRIC_CONTEXT ?? "asked";
const MODELS = ["gpt4_1106_preview", "claude-2.1", "Meta-Llama-3-8B-Instruct", "alpaca-7b", "falcon-7b-instruct"];

rmSync(work, { recursive: true, force: true });
const project = join(work, "project");
mkdirSync(join(project, "data"), { recursive: true });
mkdirSync(join(project, "rubrics"), { recursive: true });

const firstLines = (rel) => readFileSync(join(root, "datasets", "alpaca_eval", rel), "utf8").split("\n").slice(0, PROMPTS).join("\n") + "\n";
writeFileSync(join(project, "data", "prompts.jsonl"), firstLines("prompts.jsonl"));
for (const m of MODELS) writeFileSync(join(project, "data", `${m}.jsonl`), firstLines(`outputs/${m}.jsonl`));
writeFileSync(join(project, "rubrics", "helpfulness.yaml"), readFileSync(join(root, "rubrics", "helpfulness.yaml")));

const { startLlmServer } = await import(transpileTestServer(root, join(work, "server")));
// Plain-text replies: the judge asks with json_schema, so the server answers with conforming JSON.
// 20 ms per reply, as an endpoint takes time: calls sent together then overlap, as they would there.
const server = await startLlmServer({ latencyMs: 20 });
writeFileSync(
  join(project, "dpo.config.yaml"),
  `version: 1
project: judge-prefix
seed: 1
providers:
  local: { type: openai, baseUrl: "${server.baseUrl}", maxRetries: 0, maxConcurrency: 16 }
stages:
  prompts:
    uses: source/jsonl
    with: { path: data/prompts.jsonl, prompt: instruction }
  candidates:
    uses: generate/recorded
    needs: prompts
    with:
      n: 5
      files: [${MODELS.map((m) => `data/${m}.jsonl`).join(", ")}]
  judge:
    uses: judge/rubric
    needs: candidates
    with:
      rubric: rubrics/helpfulness.yaml
      judges: [{ id: llm, type: llm, provider: local, model: judge-model, mode: per-criterion, rubricContext: ${RUBRIC_CONTEXT} }]
`,
);

/** Runs `dpo build` in the project (the server answers in this process meanwhile); returns the judge requests it sent. */
async function build() {
  const before = server.requests.length;
  const run = await new Promise((resolve) => {
    const child = spawn(process.execPath, [join(root, "bin", "dpo.js"), "build"], { cwd: project, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("exit", (code) => resolve({ code, out }));
  });
  if (run.code !== 0) {
    console.error(run.out);
    process.exit(1);
  }
  // First attempts only (a repair adds turns).
  const sent = server.requests.slice(before).map((b, i) => ({ b, timing: server.timings[before + i] }));
  return sent.filter(({ b }) => b.messages?.length === 2).map(({ b, timing }) => ({ text: b.messages.map((m) => m.content).join("\n"), ...timing }));
}

/**
 * The share as a cache can serve it: a request reuses only prefixes of
 * requests answered before it arrived. Sent at the same moment, two requests
 * with one prefix both prefill it (a prefix cache holds what it has computed).
 */
function answeredShare(requests) {
  const events = requests.flatMap((r, i) => [
    { t: r.arrived, kind: 1, i },
    { t: r.replied, kind: 0, i }, // at the same instant, a reply comes first
  ]);
  events.sort((a, b) => a.t - b.t || a.kind - b.kind);
  const seen = [];
  let shared = 0;
  let total = 0;
  for (const { kind, i } of events) {
    const t = requests[i].text;
    const at = lowerBound(seen, t);
    if (kind === 0) seen.splice(at, 0, t);
    else {
      shared += longestSharedPrefix(seen, at, t);
      total += t.length;
    }
  }
  return { share: total === 0 ? 0 : shared / total, shared, total };
}

function lowerBound(sorted, t) {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * What the input of some requests costs with a prefix cache, in characters at
 * the full price: what no cache can serve, plus what it serves at `cachedPrice`
 * (OpenAI bills cached input at 0.5 or 0.1 of the full price, by model; vLLM's
 * automatic prefix caching skips its prefill, about 0).
 */
const priced = ({ shared, total }, cachedPrice) => total - shared + cachedPrice * shared;
const PRICES = [0, 0.1, 0.5];
const report = (label, m) =>
  console.log(
    `${label}: ${m.requests} requests, prefix share ${m.share.toFixed(3)} (${m.shared} of ${m.total} characters repeat a prefix already sent; ${m.total - m.shared} do not); ` +
      `input cost in full-price characters at a cached price of ${PRICES.map((p) => `${p}: ${Math.round(priced(m, p))}`).join(", ")}`,
  );

const started = performance.now();
const firstSent = await build();
const buildSeconds = (performance.now() - started) / 1000;
const first = firstSent.map((r) => r.text);
report(`first build (rubricContext: ${RUBRIC_CONTEXT}, ${buildSeconds.toFixed(1)} s)`, { requests: first.length, ...prefixShare(first) });
const answered = answeredShare(firstSent);
console.log(`  counting only prefixes answered before a request arrived: share ${answered.share.toFixed(3)} (${answered.shared} of ${answered.total} characters)`);

// One rubric edit, as a user revising it makes: a sentence added to the first
// criterion's description. What the rebuild sends, with the cache warm from the first build.
const rubricPath = join(project, "rubrics", "helpfulness.yaml");
const doc = parseDocument(readFileSync(rubricPath, "utf8"));
const edited = doc.get("criteria").items[0];
edited.set("description", `${edited.get("description")} Judge only what the response states.`);
writeFileSync(rubricPath, doc.toString());
const rebuilt = (await build()).map((r) => r.text);
const warm = prefixShare([...first, ...rebuilt]);
const cold = prefixShare(first);
report(`rebuild after editing criterion ${edited.get("id")}`, { requests: rebuilt.length, share: (warm.shared - cold.shared) / (warm.total - cold.total), shared: warm.shared - cold.shared, total: warm.total - cold.total });
await server.close();
console.log(`prompts: ${PROMPTS}, candidates per prompt: ${MODELS.length}, server requests in all: ${server.requestCount}`);
console.log(`load average: ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);
spawnSync("uptime", { stdio: "inherit" });

/**
 * The share of characters that repeat a prefix of an earlier text. The
 * longest common prefix with any earlier text is the longer of those with its
 * two neighbours in sorted order, so a sorted list of the texts seen suffices.
 */
function prefixShare(all) {
  const seen = [];
  let shared = 0;
  let total = 0;
  for (const t of all) {
    const at = lowerBound(seen, t);
    shared += longestSharedPrefix(seen, at, t);
    total += t.length;
    seen.splice(at, 0, t);
  }
  return { share: total === 0 ? 0 : shared / total, shared, total };
}

/** The longest prefix `t` shares with a text of `sorted`: with one of its two neighbours at `at`. */
function longestSharedPrefix(sorted, at, t) {
  return Math.max(at > 0 ? lcp(sorted[at - 1], t) : 0, at < sorted.length ? lcp(sorted[at], t) : 0);
}

function lcp(a, b) {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}
