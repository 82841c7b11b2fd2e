#!/usr/bin/env node
// First (uncached) generate/llm runs of several dpo trees, interleaved so all
// see the same machine: each round runs this checkout's dpo-run.mjs once per
// tree against one test server (fresh memo each run), and reports what the
// load-sensitive req/s hides: main-thread µs per call, GC (scavenges and
// time), and CPU per thread (the LMDB write thread shows in the libuv pool).
//   node bench/llm/first-run-compare.mjs TREE...
// Each tree is a checkout with dist/ compiled (`npx tsc -p TREE`), e.g.
// `git archive <rev> | tar -x -C /tmp/old && ln -s $PWD/node_modules /tmp/old/`;
// its own bench scripts are not used. Env: ROUNDS (default 3).
import { fork, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { transpileTestServer } from "../transpile-server.mjs";

const here = fileURLToPath(new URL(".", import.meta.url));
const root = join(here, "..", "..");
const trees = process.argv.slice(2).map((t) => resolve(t));
if (trees.length === 0) {
  console.error("usage: node bench/llm/first-run-compare.mjs TREE...");
  process.exit(2);
}
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const CALLS = 20_000;
const N = 4;
const work = join(here, "..", ".work", "llm-first");
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });

// This checkout's dpo-run.mjs and clock, pointed at each tree's dist/ (a tree without `maxN` gets none).
const probe = join(work, "probe.mjs");
writeFileSync(
  probe,
  [
    'import { PerformanceObserver, constants } from "node:perf_hooks";',
    'import { readdirSync, readFileSync } from "node:fs";',
    "const gc = { minor: 0, major: 0 };",
    "new PerformanceObserver((l) => { for (const e of l.getEntries()) e.detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR ? gc.minor++ : gc.major++; }).observe({ entryTypes: ['gc'] });",
    'process.on("exit", () => {',
    "  const threads = readdirSync('/proc/self/task').map((t) => { const s = readFileSync(`/proc/self/task/${t}/stat`, 'utf8').slice(readFileSync(`/proc/self/task/${t}/stat`, 'utf8').lastIndexOf(')') + 2).split(' '); return (Number(s[11]) + Number(s[12])) * 10; });",
    '  process.stderr.write("PROBE " + JSON.stringify({ gc, threads }) + "\\n");',
    "});",
  ].join("\n"),
);
const runners = trees.map((tree, i) => {
  const file = join(work, `dpo-run-${i}.mjs`);
  const text = readFileSync(join(here, "dpo-run.mjs"), "utf8")
    .replaceAll('"../../dist/', `"${pathToFileURL(join(tree, "dist")).href}/`)
    .replace('"./clock.mjs"', `"${pathToFileURL(join(here, "clock.mjs")).href}"`)
    .replace('new URL("../../package.json", import.meta.url)', `${JSON.stringify(pathToFileURL(join(root, "package.json")).href)}`)
    .replace("check(openai.schema, config);", "if (!openai.schema.properties?.maxN) delete config.maxN;\ncheck(openai.schema, config);");
  writeFileSync(file, text);
  return { tree, file, runs: [] };
});

const server = fork(join(here, "server-process.mjs"), [transpileTestServer(root, work), "20"], { stdio: "inherit" });
const { baseUrl } = await new Promise((r) => server.once("message", r));
const limit = 64 / 0.02;
console.log(`${CALLS} calls (${CALLS / N} prompts × n ${N}), concurrency 64, 20 ms server latency; load average at start ${loadavg().map((x) => x.toFixed(1)).join(" ")}`);
try {
  for (let round = 1; round <= ROUNDS; round++) {
    for (const r of runners) {
      const memo = join(work, "memo");
      rmSync(memo, { recursive: true, force: true });
      const load = loadavg()[0];
      const run = spawnSync(process.execPath, ["--import", pathToFileURL(probe).href, r.file, baseUrl, memo, String(CALLS / N), String(N), "64"], { encoding: "utf8" });
      if (run.status !== 0) throw new Error(`${r.tree}: dpo-run exited with ${run.status}\n${run.stderr.slice(-2000)}`);
      const out = JSON.parse(run.stdout);
      const { gc, threads } = JSON.parse(/PROBE (.*)/.exec(run.stderr)[1]);
      const [main, ...others] = threads;
      console.log(
        `round ${round} ${r.tree}: load ${load.toFixed(1)}, ${(CALLS / (out.genMs / 1000) / limit).toFixed(2)} of the limit, ` +
          `main thread ${((out.mainMs * 1000) / CALLS).toFixed(0)} µs/call, GC ${out.gcMs.toFixed(0)} ms (${gc.minor} scavenges, ${gc.major} other), ` +
          `CPU ${main} ms main thread + ${others.reduce((a, b) => a + b, 0)} ms other threads (top: ${[...others].sort((a, b) => b - a).slice(0, 4).join(", ")})`,
      );
    }
  }
} finally {
  server.send({ cmd: "close" });
}
