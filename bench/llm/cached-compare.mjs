#!/usr/bin/env node
// Fully cached generate/llm re-runs of two dpo trees side by side, interleaved
// so both see the same machine: each fills its own memo with one real run
// against the test server (CALLS calls), then they alternate cached re-runs
// (0 requests). Medians of the stage's wall time, its process CPU and its
// main-thread time; CPU is the steadier figure on a loaded machine.
//   node bench/llm/cached-compare.mjs OLD_TREE NEW_TREE
// Each tree is a checkout with dist/ compiled (`npx tsc -p TREE`), e.g.
// `git archive <rev> | tar -x -C /tmp/old && ln -s $PWD/node_modules /tmp/old/`.
// Env: CALLS (default 20000), RUNS (default 7).
import { execFileSync, fork } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const here = fileURLToPath(new URL(".", import.meta.url));
const [oldArg, newArg] = process.argv.slice(2);
if (!oldArg || !newArg) {
  console.error("usage: node bench/llm/cached-compare.mjs OLD_TREE NEW_TREE");
  process.exit(2);
}
const CALLS = Number(process.env.CALLS ?? 20_000);
const RUNS = Number(process.env.RUNS ?? 7);
const N = 4;
const work = join(here, "..", ".work", "llm-cached");
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });

const src = readFileSync(join(here, "..", "..", "test", "support", "llm-server.ts"), "utf8");
const serverFile = join(work, "llm-server.mjs");
writeFileSync(serverFile, ts.transpileModule(src, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText);
const server = fork(join(here, "server-process.mjs"), [serverFile, "20"], { stdio: "inherit" });
const { baseUrl } = await new Promise((r) => server.once("message", r));

const sides = Object.entries({ old: oldArg, new: newArg }).map(([name, tree]) => ({ name, run: join(resolve(tree), "bench", "llm", "dpo-run.mjs"), memo: join(work, `memo-${name}`), runs: [] }));
const dpoRun = (side) => JSON.parse(execFileSync(process.execPath, [side.run, baseUrl, side.memo, String(CALLS / N), String(N), "64"], { encoding: "utf8" }));
for (const side of sides) dpoRun(side); // fills the memo: every later run is fully cached
for (let i = 0; i < RUNS; i++) for (const side of sides) side.runs.push(dpoRun(side));
server.send({ cmd: "close" });

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`${CALLS} cached calls, ${RUNS} interleaved runs each, load average ${loadavg().map((x) => x.toFixed(1)).join(" ")} at the end`);
for (const side of sides) {
  const f = (k) => median(side.runs.map((r) => r[k])).toFixed(0);
  console.log(`${side.name}: stage ${f("genMs")} ms, process CPU ${f("cpuMs")} ms, main thread ${f("mainMs")} ms, GC ${f("gcMs")} ms (medians)`);
}
