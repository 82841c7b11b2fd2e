#!/usr/bin/env node
/**
 * The full offline pipeline of the example at scale: N prompts × 4 recorded
 * candidates (bench/pipeline-project.mjs), built from scratch once, reporting
 * wall time, CPU time (user + system, all threads), peak RSS from the OS
 * (`/usr/bin/time -v`: the build process and any children; the worker pool's
 * threads are in-process, so they count) — split into anonymous and
 * file-backed memory by sampling /proc — and records/s per stage.
 *
 *   npx tsc -p . && node bench/pipeline.mjs 100000
 *
 * DPO=/path/to/other/checkout runs that checkout's bin/dpo.js instead (a
 * before/after comparison on the same generated project); WORK=dir picks
 * where the project goes (default bench/.work/pipeline-N, kept between runs:
 * generating it is not what is measured).
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { loadavg } from "node:os";
import { join, resolve } from "node:path";
import { generatePipelineProject } from "./pipeline-project.mjs";
import { sampleResidentMemory } from "./resident-memory.mjs";

const n = Number(process.argv[2] ?? 10000);
if (!Number.isInteger(n) || n < 100) throw new Error("usage: node bench/pipeline.mjs N (N ≥ 100)");
const root = join(import.meta.dirname, "..");
const dpo = join(resolve(process.env.DPO ?? root), "bin", "dpo.js");
const dir = resolve(process.env.WORK ?? join(root, "bench", ".work", `pipeline-${n}`));

if (!existsSync(join(dir, "dpo.config.yaml"))) {
  const t = performance.now();
  generatePipelineProject(n, dir);
  console.log(`generated ${dir} in ${((performance.now() - t) / 1000).toFixed(1)} s`);
}
rmSync(join(dir, "cache"), { recursive: true, force: true });
rmSync(join(dir, "out"), { recursive: true, force: true });
rmSync(join(dir, "dpo.lock"), { force: true });

const loadBefore = loadavg();
const run = await timedBuild();
const loadAfter = loadavg();
if (run.status !== 0) {
  process.stderr.write(run.stdout.slice(-4000) + run.stderr.slice(-4000));
  process.exit(1);
}
const time = parseTime(run.stderr);
const stages = parseSummary(run.stdout);
const lock = JSON.parse(readFileSync(join(dir, "dpo.lock"), "utf8"));

console.log(`dpo: ${dpo}`);
console.log(`N = ${n.toLocaleString("en")} prompts; load average before ${loadBefore.map((l) => l.toFixed(2)).join(" ")}, after ${loadAfter.map((l) => l.toFixed(2)).join(" ")}`);
console.log(`wall ${time.wall.toFixed(1)} s, CPU ${(time.user + time.sys).toFixed(1)} s (user ${time.user.toFixed(1)}, sys ${time.sys.toFixed(1)}), peak RSS ${Math.round(time.rssKb / 1024)} MB`);
console.log(
  `of which (sampled every 250 ms): peak anonymous ${run.peak.anon} MB (heaps of the main thread and the pool's workers, buffers), ` +
    `peak file-backed ${run.peak.file} MB (node's binary and the memo's memory-mapped LMDB pages: page cache the kernel can reclaim)`,
);
const stageMemory = peaksPerStage(run.lines, run.peak.samples);
console.log("\n| stage | records in | records out | time | records in/s | peak anonymous / file-backed |\n| --- | --- | --- | --- | --- | --- |");
for (const s of stages) {
  const inputs = Object.keys(lock.stages[s.stage]?.inputs ?? {});
  const recordsIn = inputs.reduce((sum, i) => sum + (lock.stages[i]?.records ?? 0), 0) || s.records;
  const rate = s.seconds > 0 ? Math.round(recordsIn / s.seconds) : 0;
  const memory = stageMemory.get(s.stage);
  console.log(`| ${s.stage} | ${recordsIn} | ${s.records} | ${s.seconds.toFixed(1)} s | ${rate.toLocaleString("en")} | ${memory ? `${memory.anon} / ${memory.file} MB` : "-"} |`);
}
console.log("(per stage: the peaks sampled between the stage's first and last progress line, printed every 5 s; a shorter stage has none)");

/**
 * Each stage's peak anonymous and file-backed memory while it ran, from the
 * samples taken between its first and last progress line (`[stage] n/total …`).
 */
function peaksPerStage(lines, samples) {
  const spans = new Map();
  for (const { at, text } of lines) {
    const stage = /^\[([^\]]+)\] \d+(?:\/\d+| done)/.exec(text)?.[1];
    if (stage) spans.set(stage, { from: spans.get(stage)?.from ?? at, to: at });
  }
  const peaks = new Map();
  for (const [stage, { from, to }] of spans) {
    const during = samples.filter((x) => x.at >= from && x.at <= to);
    if (during.length > 0) peaks.set(stage, { anon: Math.max(...during.map((x) => x.anon)), file: Math.max(...during.map((x) => x.file)) });
  }
  return peaks;
}

/**
 * The build under `/usr/bin/time -v` (peak RSS from the OS), sampling the
 * node process's anonymous and file-backed resident memory meanwhile: LMDB
 * maps the memo, and the pages a build touches count in RSS as file pages.
 */
function timedBuild() {
  return new Promise((resolve) => {
    const child = spawn("/usr/bin/time", ["-v", process.execPath, dpo, "build"], { cwd: dir, env: { ...process.env, CI: "1" } });
    let stdout = "";
    let stderr = "";
    const lines = []; // stdout lines with the time they arrived, for memory per stage
    let partial = "";
    child.stdout.on("data", (d) => {
      stdout += d;
      const parts = (partial + d).split("\n");
      partial = parts.pop();
      for (const text of parts) lines.push({ at: Date.now(), text });
    });
    child.stderr.on("data", (d) => (stderr += d));
    const memory = sampleResidentMemory(() => childPid(child.pid));
    child.on("close", (status) => {
      const peak = memory.stop();
      resolve({ status, stdout, stderr, peak, lines });
    });
  });
}

/** `/usr/bin/time`'s one child: the node process. */
function childPid(pid) {
  try {
    return Number(readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/)[0]) || undefined;
  } catch {
    return undefined;
  }
}

function parseTime(text) {
  const field = (label) => text.split("\n").find((l) => l.trim().startsWith(label))?.split(": ").pop()?.trim() ?? "0";
  const wall = field("Elapsed (wall clock) time").split(":").map(Number).reduce((acc, part) => acc * 60 + part, 0);
  return { wall, user: Number(field("User time (seconds)")), sys: Number(field("System time (seconds)")), rssKb: Number(field("Maximum resident set size (kbytes)")) };
}

/** The build summary's table: stage, status, records, memo, time. */
function parseSummary(text) {
  const rows = [];
  for (const line of text.split("\n")) {
    const m = /^(\S+)\s+([a-z-]+)\s+(\d+|-)\s+\S+\s+([\d.]+)(ms|s)\s*$/.exec(line);
    if (m) rows.push({ stage: m[1], records: Number(m[3]) || 0, seconds: Number(m[4]) / (m[5] === "ms" ? 1000 : 1) });
  }
  return rows;
}
