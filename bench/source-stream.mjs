#!/usr/bin/env node
/**
 * Streaming benchmark for source/jsonl: writes a 1,000,000-line JSONL file
 * (in a child process, so its memory does not count), streams it through the
 * compiled plugin in dist/, counts the records without keeping them, and
 * reports records/s and peak RSS.
 *
 *   npx tsc -p . && node bench/source-stream.mjs [--lines 1000000] [--gzip]
 */
import { spawnSync } from "node:child_process";
import { createWriteStream, mkdtempSync, rmSync, statSync } from "node:fs";
import { once } from "node:events";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createGzip } from "node:zlib";

const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(name);
  return i === -1 ? fallback : args[i + 1];
};
const lines = Number(flag("--lines", 1_000_000));
const gzip = args.includes("--gzip");

if (args[0] === "--write") {
  await writeInput(args[1], lines, args[2] === "gz");
  process.exit(0);
}

const dir = mkdtempSync(join(tmpdir(), "dpo-bench-source-"));
const file = gzip ? "prompts.jsonl.gz" : "prompts.jsonl";
try {
  const writer = spawnSync(process.execPath, [fileURLToPath(import.meta.url), "--write", join(dir, file), gzip ? "gz" : "plain", "--lines", String(lines)], { stdio: "inherit" });
  if (writer.status !== 0) throw new Error("writing the input failed");
  const report = await stream(dir, file);
  const size = statSync(join(dir, file)).size;
  console.log(`source/jsonl streaming ${file}: ${lines} lines, ${(size / 1e6).toFixed(1)} MB on disk`);
  console.log(`  records        ${report.records}`);
  console.log(`  wall time      ${report.seconds.toFixed(2)} s`);
  console.log(`  records/s      ${Math.round(report.records / report.seconds)}`);
  console.log(`  CPU time       ${report.cpuSeconds.toFixed(2)} s (${Math.round(report.records / report.cpuSeconds)} records per CPU-second)`);
  console.log(`  RSS before     ${mb(report.rssBefore)} MB`);
  console.log(`  peak RSS       ${mb(report.peakRss)} MB (sampled every 20 ms), max RSS ${mb(report.maxRss)} MB (getrusage)`);
  console.log(`  load average   ${loadavg().map((l) => l.toFixed(1)).join(" ")} on ${availableParallelism()} CPUs`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

function mb(bytes) {
  return (bytes / 2 ** 20).toFixed(1);
}

async function writeInput(path, n, compress) {
  const out = createWriteStream(path);
  const sink = compress ? createGzip() : out;
  if (compress) sink.pipe(out);
  const categories = ["helpful_base", "koala", "oasst", "selfinstruct", "vicuna"];
  for (let i = 0; i < n; i += 1000) {
    let chunk = "";
    for (let j = i; j < Math.min(n, i + 1000); j++) {
      chunk += JSON.stringify({
        instruction: `Question ${j}: explain, in a few sentences, how item ${j % 9973} relates to topic ${j % 101}.`,
        dataset: categories[j % categories.length],
        n: j,
      }) + "\n";
    }
    if (!sink.write(chunk)) await once(sink, "drain");
  }
  sink.end();
  await once(out, "close");
}

async function stream(dir, file) {
  const { default: jsonl } = await import("../dist/plugins/source/jsonl.js");
  const { createContext } = await import("../dist/engine/context.js");
  const { memoryMemo } = await import("../dist/engine/memo.js");
  const { validate } = await import("../dist/engine/schema.js");
  const withBlock = { path: file, prompt: "instruction" };
  if (!validate(jsonl.schema, withBlock).valid) throw new Error("invalid with block");
  const { ctx } = createContext({
    stage: "bench", with: withBlock, root: dir, seed: 1, key: "bench", inputs: {},
    signal: new AbortController().signal, offline: true, memo: memoryMemo(),
    pool: { size: 0, run: () => Promise.reject(new Error("the source does not use the pool")) },
    log: { info: console.log, warn: console.warn, debug() {} },
    progress: { total() {}, tick() {} },
    provider: () => undefined,
  });
  globalThis.gc?.();
  const rssBefore = process.memoryUsage().rss;
  let peakRss = rssBefore;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
  const cpu = process.cpuUsage();
  const start = performance.now();
  let records = 0;
  for await (const rec of jsonl.run(ctx)) if (rec.id) records++;
  const seconds = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  return { records, seconds, cpuSeconds: (used.user + used.system) / 1e6, rssBefore, peakRss, maxRss: process.resourceUsage().maxRSS * 1024 };
}
