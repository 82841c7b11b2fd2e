/**
 * Dedup benchmark: the real dedup/minhash plugin from dist/ (real tinypool of
 * 2 threads; an LMDB memo, then an in-memory one) on a synthetic corpus with
 * planted near duplicates (see dedup-data.mjs).
 *
 *   npx tsc -p . && node bench/dedup.mjs [count] [lmdb|memory]
 *
 * Quality is measured against EXACT word-trigram Jaccard computed here,
 * independently of the plugin's code (string sets, no hashing):
 *   recall     planted pairs (positives and negatives) whose exact Jaccard is
 *              ≥ threshold, that end up in the same cluster (one kept, the
 *              other listed in its `duplicates`)
 *   precision  near-removed records whose exact Jaccard with the record kept
 *              in their place is ≥ threshold
 */
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { generateCorpus } from "./dedup-data.mjs";

const dist = new URL("../dist/", import.meta.url);
const { createContext } = await import(new URL("engine/context.js", dist).href);
const { memoryMemo, openMemo } = await import(new URL("engine/memo.js", dist).href);
const { createPool } = await import(new URL("engine/pool.js", dist).href);
const { memoryArtifact } = await import(new URL("engine/records.js", dist).href);
const { contentId } = await import(new URL("engine/hash.js", dist).href);
const { normaliseText } = await import(new URL("plugins/text/normalise.js", dist).href);
const plugin = (await import(new URL("plugins/dedup/minhash.js", dist).href)).default;

const COUNT = Number(process.argv[2] ?? 100_000);
/** Which memos to run, in order: "lmdb" (what `dpo build` uses), "memory", or both (the default, LMDB first). */
const MEMOS = process.argv[3] ? [process.argv[3]] : ["lmdb", "memory"];
if (!MEMOS.every((m) => m === "lmdb" || m === "memory")) throw new Error(`unknown memo "${process.argv[3]}": use lmdb or memory`);
const THRESHOLD = 0.8;
const THREADS = 2;
const WITH = {
  fields: ["prompt"],
  exact: true,
  near: true,
  threshold: THRESHOLD,
  numPerm: 128,
  shingle: "word",
  ngram: 3,
  lshWeights: { falsePositive: 0.05, falseNegative: 0.95 },
};

let t = performance.now();
const { docs, pairs } = generateCorpus({ count: COUNT });
const records = docs.map((text) => ({ id: contentId("doc", text), prompt: text }));
const input = memoryArtifact("docs", records);
console.log(`corpus: ${docs.length} docs, mean ${Math.round(docs.reduce((n, d) => n + d.length, 0) / docs.length)} chars, ${pairs.length} planted pairs (${((performance.now() - t) / 1000).toFixed(1)} s to generate)`);

// The first run in the process also pays for JIT warm-up and worker start-up,
// as a real `dpo build` does: run the memo you care about first.
let cold;
for (const kind of MEMOS) {
  if (kind === "memory") {
    const memo = memoryMemo();
    const run = await timedRun("in-memory memo, cold", memo);
    cold ??= run;
    await timedRun("in-memory memo, warm (all signatures memoised)", memo);
    continue;
  }
  const lmdbDir = mkdtempSync(join(tmpdir(), "dedup-bench-"));
  try {
    const lmdb = await openMemo(lmdbDir);
    const run = await timedRun("LMDB memo, cold", lmdb);
    cold ??= run;
    await timedRun("LMDB memo, warm", lmdb);
    await lmdb.close();
  } finally {
    rmSync(lmdbDir, { recursive: true, force: true });
  }
}
quality(cold);

async function timedRun(label, memoStore) {
  const pool = createPool(THREADS);
  const logs = [];
  const { ctx, trace } = createContext({
    stage: "dedup",
    with: structuredClone(WITH),
    root: process.cwd(),
    seed: 1,
    key: "bench",
    inputs: { docs: input },
    signal: new AbortController().signal,
    offline: true,
    memo: memoStore,
    pool,
    log: { info: (m) => logs.push(m), warn: (m) => logs.push(m), debug() {} },
    progress: { total() {}, tick() {} },
    provider: () => undefined,
  });
  try {
    const start = performance.now();
    const cpuStart = process.cpuUsage();
    const eluStart = performance.eventLoopUtilization();
    const out = [];
    for await (const r of await plugin.run(ctx)) out.push(r); // run() streams (issue 16)
    const seconds = (performance.now() - start) / 1000;
    const cpu = process.cpuUsage(cpuStart);
    const mainBusy = performance.eventLoopUtilization(eluStart).active / 1000;
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    console.log(`\n${label}: ${seconds.toFixed(2)} s, ${Math.round(COUNT / seconds)} docs/s`);
    console.log(`  CPU (all threads) ${cpuSeconds.toFixed(2)} s = ${Math.round((cpuSeconds / COUNT) * 1e6)} µs/doc; main thread busy ${mainBusy.toFixed(2)} s; load average ${loadavg()[0].toFixed(1)}`);
    console.log(`  memo hits ${trace.memoHits}, misses ${trace.memoMisses}; tallies ${JSON.stringify(trace.tallies)}`);
    for (const m of logs) console.log(`  ${m}`);
    return out;
  } finally {
    await pool.close();
  }
}

function quality(out) {
  const indexOf = new Map(records.map((r, i) => [r.id, i]));
  const keptFor = new Int32Array(docs.length).map((_, i) => i);
  const removed = [];
  for (const r of out) {
    for (const d of r.duplicates ?? []) {
      keptFor[indexOf.get(d.id)] = indexOf.get(r.id);
      removed.push({ doc: indexOf.get(d.id), kept: indexOf.get(r.id), similarity: d.similarity });
    }
  }
  const sets = new Map();
  const trigrams = (i) => {
    let s = sets.get(i);
    if (!s) {
      const w = normaliseText(docs[i]).split(" ");
      s = new Set();
      for (let k = 0; k + 3 <= w.length; k++) s.add(`${w[k]} ${w[k + 1]} ${w[k + 2]}`);
      sets.set(i, s);
    }
    return s;
  };
  const jaccard = (i, j) => {
    const a = trigrams(i);
    const b = trigrams(j);
    let common = 0;
    for (const x of a) if (b.has(x)) common++;
    return common / (a.size + b.size - common);
  };

  const near = pairs.filter((p) => p.kind !== "variant").map((p) => ({ ...p, j: jaccard(p.source, p.copy) }));
  const truth = near.filter((p) => p.j >= THRESHOLD);
  const found = truth.filter((p) => keptFor[p.source] === keptFor[p.copy]);
  const belowMerged = near.filter((p) => p.j < THRESHOLD && keptFor[p.source] === keptFor[p.copy]);
  const nearRemoved = removed.filter((r) => normaliseText(docs[r.doc]) !== normaliseText(docs[r.kept]));
  const correct = nearRemoved.filter((r) => jaccard(r.doc, r.kept) >= THRESHOLD);
  const variants = pairs.filter((p) => p.kind === "variant");
  const variantsFound = variants.filter((p) => keptFor[p.source] === keptFor[p.copy]);
  const hist = (ps) => [0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95].map((lo, k, a) => `${lo}–${a[k + 1] ?? 1}: ${ps.filter((p) => p.j >= lo && p.j < (a[k + 1] ?? 1.01)).length}`).join(", ");

  console.log(`\nquality at threshold ${THRESHOLD} (exact word-trigram Jaccard computed independently of the plugin)`);
  console.log(`  planted near pairs by exact Jaccard: ${hist(near)}`);
  console.log(`  recall:    ${found.length}/${truth.length} = ${(found.length / truth.length).toFixed(4)} of planted pairs with Jaccard ≥ ${THRESHOLD} merged`);
  console.log(`  precision: ${correct.length}/${nearRemoved.length} = ${(correct.length / Math.max(1, nearRemoved.length)).toFixed(4)} of near-removed records have Jaccard ≥ ${THRESHOLD} with their kept record`);
  console.log(`  planted pairs below ${THRESHOLD} wrongly merged: ${belowMerged.length}/${near.length - truth.length}`);
  console.log(`  exact (case/space variants) merged: ${variantsFound.length}/${variants.length}`);
}
