#!/usr/bin/env node
/**
 * The `report/html` stage at scale, built alone: on the project of
 * `bench/pipeline.mjs N` (run that first; its cache holds every upstream
 * stage), a report stage reading the dedup prompts, the pairs, the agreement
 * and pair-dedup stages and the export is added and built with
 * `dpo build report`, reporting wall time and peak RSS from the OS
 * (`/usr/bin/time -v`) and the page's SHA-256, to compare the bytes of two
 * checkouts. Every upstream stage is a cache hit, and the report's stage index
 * entry is removed afterwards, so each run builds the report.
 *
 *   npx tsc -p . && node bench/pipeline.mjs 100000 && node bench/report.mjs 100000
 *
 * DPO=/path/to/other/checkout runs that checkout's bin/dpo.js instead (before/after).
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join, resolve } from "node:path";

const n = Number(process.argv[2] ?? 10000);
const root = join(import.meta.dirname, "..");
const dpo = join(resolve(process.env.DPO ?? root), "bin", "dpo.js");
const dir = resolve(process.env.WORK ?? join(root, "bench", ".work", `pipeline-${n}`));
const configPath = join(dir, "dpo.config.yaml");
const config = readFileSync(configPath, "utf8");

const stage = `  report:
    uses: report/html
    needs: [unique-prompts, pairs, agreement, unique-pairs, export]
    with: { title: "bench" }
`;
// The stage index entries this run adds (the report's: every upstream stage is cached) are
// removed afterwards, so the next run — of this or another checkout — builds the report again.
const indexDir = join(dir, "cache", "index");
const indexEntries = () => new Set(readdirSync(indexDir, { recursive: true }).map(String));
const before = indexEntries();
writeFileSync(configPath, config + stage);
try {
  const load = loadavg()[0].toFixed(2);
  const t = performance.now();
  const run = spawnSync("/usr/bin/time", ["-v", process.execPath, dpo, "build", "report"], { cwd: dir, encoding: "utf8" });
  const wall = (performance.now() - t) / 1000;
  if (run.status !== 0) throw new Error(`dpo build report failed (exit ${run.status}):\n${run.stdout}\n${run.stderr}`);
  const rssKb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(run.stderr)?.[1]);
  const cpu = ["User", "System"].reduce((s, k) => s + Number(new RegExp(`${k} time \\(seconds\\): ([\\d.]+)`).exec(run.stderr)?.[1] ?? 0), 0);
  const line = run.stdout.split("\n").find((l) => l.includes("report.pairs")) ?? "";
  const page = createHash("sha256").update(readFileSync(join(dir, "out", "reports", "index.html"))).digest("hex");
  console.log(`N=${n} ${dpo}\nreport built alone: ${wall.toFixed(1)} s wall, ${cpu.toFixed(1)} s CPU, peak RSS ${(rssKb / 1024).toFixed(0)} MB; load ${load} → ${loadavg()[0].toFixed(2)}\n${line.trim()}\npage sha256 ${page}`);
} finally {
  writeFileSync(configPath, config);
  for (const entry of indexEntries()) if (!before.has(entry)) rmSync(join(indexDir, entry), { recursive: true, force: true });
}
