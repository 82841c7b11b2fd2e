// Memory and time of quality/agreement's statistics over N pairs, straight
// through JudgeStatisticsCollector (from dist/): a synthetic stream of pairs
// shaped like the pipeline's (16-hex candidate ids, two candidates a pair, two
// judges, five criteria, scores 1–10 with ties, a few missing) is added, then
// `statistics()` runs once. Each variant runs in its own process; the parent
// samples that process's resident memory from /proc while it adds the pairs
// and while it computes the statistics.
//
//   node bench/agreement-memory.mjs [N=850000]                 # this checkout's dist/
//   DPO=/work/main node bench/agreement-memory.mjs 850000      # another checkout's dist/
//
// Prints one JSON line: heap used after adding (after a GC), heap committed
// and heap used right after statistics() (before any GC: V8 grows the heap to
// the peak of what was live, so `heapTotal` bounds the peak), peak RSS and
// anonymous RSS per phase, and the time of statistics().
import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { sampleResidentMemory } from "./resident-memory.mjs";

const N = Number(process.argv[2] ?? 850_000);
const root = resolve(process.env.DPO ?? new URL("..", import.meta.url).pathname);

if (process.env.AGREEMENT_MEMORY_CHILD) await child();
else await parent();

async function parent() {
  const proc = spawn(process.execPath, ["--expose-gc", new URL(import.meta.url).pathname, String(N)], {
    env: { ...process.env, AGREEMENT_MEMORY_CHILD: "1", DPO: root },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let sampler = sampleResidentMemory(() => proc.pid, 20);
  const peaks = {};
  let out = "";
  proc.stdout.on("data", (chunk) => {
    out += chunk;
    for (;;) {
      const nl = out.indexOf("\n");
      if (nl < 0) break;
      const line = out.slice(0, nl);
      out = out.slice(nl + 1);
      // The child announces each phase's end; the sampler restarts for the next.
      if (line === "added" || line === "computed") {
        peaks[line] = sampler.stop();
        sampler = sampleResidentMemory(() => proc.pid, 20);
      } else if (line.startsWith("{")) {
        const result = JSON.parse(line);
        console.log(JSON.stringify({ dist: `${root}/dist`, N, ...result, peakMB: { adding: peaks.added, statistics: peaks.computed } }));
      }
    }
  });
  const code = await new Promise((done) => proc.on("exit", done));
  sampler.stop();
  if (code !== 0) process.exit(code ?? 1);
}

async function child() {
  const { JudgeStatisticsCollector } = await import(pathToFileURL(`${root}/dist/plugins/quality/judge-statistics.js`).href);
  const collector = new JudgeStatisticsCollector();
  const judges = ["claude", "gpt"];
  const criteria = ["helpful", "honest", "harmless", "concise", "correct"];
  let seed = 42;
  const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const hex = (i) => ((Math.imul(i, 2654435761) >>> 0).toString(16).padStart(8, "0") + (Math.imul(i ^ 0x5bd1e995, 40503) >>> 0).toString(16).padStart(8, "0"));
  // Latent quality per candidate plus judge noise, integers 1–10 (ties), 2% missing.
  const score = (quality) => (random() < 0.02 ? null : Math.max(1, Math.min(10, Math.round(quality + (random() - 0.5) * 3))));
  for (let i = 0; i < N; i++) {
    const qc = 3 + random() * 6;
    const qr = qc - random() * 3;
    const judgement = (judge) => ({
      judge,
      prefers: random() < 0.1 ? "tie" : random() < 0.8 ? "chosen" : "rejected",
      chosen: score(qc),
      rejected: score(qr),
      scores: Object.fromEntries(criteria.map((c) => [c, { chosen: score(qc), rejected: score(qr) }])),
      stated: {},
    });
    // Two candidates a pair, one in fifty shared with an earlier pair (as rejected answers recur).
    const rejected = random() < 0.02 && i > 0 ? 2 * Math.floor(random() * i) + 1 : 2 * i + 1;
    collector.add({ id: `p${i}`, chosenId: hex(2 * i), rejectedId: hex(rejected), criteria, judges: judges.map(judgement), incomplete: [] });
  }
  globalThis.gc();
  const before = process.memoryUsage();
  process.stdout.write("added\n");
  await new Promise((r) => setTimeout(r, 100));
  const start = process.hrtime.bigint();
  const stats = collector.statistics(judges, "interval");
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const after = process.memoryUsage();
  await new Promise((r) => setTimeout(r, 100));
  process.stdout.write("computed\n");
  const mb = (x) => Math.round(x / 2 ** 20);
  const result = {
    candidates: stats.candidates,
    alpha: stats.alpha.overall.alpha,
    fleiss: stats.fleiss.kappa,
    heapUsedAfterAddingMB: mb(before.heapUsed),
    arrayBuffersAfterAddingMB: mb(before.arrayBuffers),
    heapAfterStatisticsMB: { used: mb(after.heapUsed), committed: mb(after.heapTotal) },
    statisticsMs: Math.round(ms),
  };
  process.stdout.write(JSON.stringify(result) + "\n");
}
