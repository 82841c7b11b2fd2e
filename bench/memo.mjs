#!/usr/bin/env node
// The item memo (LMDB via src/engine/memo.ts): 200,000 puts of small JSON
// values, each awaited in batches of 1,000 as concurrent items would be, then
// 200,000 gets.   npx tsc -p . && node bench/memo.mjs
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openMemo } from "../dist/engine/memo.js";
import { digestOf } from "../dist/engine/hash.js";

const N = Number(process.argv[2] ?? 200_000);
const dir = mkdtempSync(join(tmpdir(), "dpo-memo-bench-"));
const memo = await openMemo(join(dir, "memo"));
const keys = Array.from({ length: N }, (_, i) => digestOf(["bench@1", i]));
let t = performance.now();
for (let i = 0; i < N; i += 1000) {
  await Promise.all(keys.slice(i, i + 1000).map((k, j) => memo.put(k, { text: `value ${i + j}`, score: j % 5 })));
}
const putMs = performance.now() - t;
t = performance.now();
let found = 0;
for (const k of keys) if (memo.get(k) !== undefined) found++;
const getMs = performance.now() - t;
await memo.close();
rmSync(dir, { recursive: true, force: true });
if (found !== N) throw new Error(`read back ${found} of ${N}`);
console.log(`${N} puts: ${(putMs / 1000).toFixed(2)} s (${Math.round(N / (putMs / 1000))}/s); ${N} gets: ${(getMs / 1000).toFixed(2)} s`);

// Paced puts, as during LLM generation (~2,500 finished calls a second): 10
// puts every 4 ms, 20,000 in all, each awaited. Reports what one put costs the
// main thread (event-loop busy time) and the whole process (all threads: LMDB's
// writer, fsync), each over the same pacing loop without puts.
async function paced(withPuts) {
  const pacedDir = mkdtempSync(join(tmpdir(), "dpo-memo-paced-"));
  const store = await openMemo(join(pacedDir, "memo"));
  const total = 20_000;
  const pending = [];
  const loop = performance.eventLoopUtilization();
  const cpu = process.cpuUsage();
  await new Promise((done) => {
    let i = 0;
    const tick = () => {
      for (let j = 0; j < 10; j++, i++) {
        const key = digestOf(["paced@1", i]);
        if (withPuts) pending.push(store.put(key, { text: `reply ${i} `.repeat(8), finishReason: "stop", usage: { prompt_tokens: 9, completion_tokens: 16 } }));
      }
      if (i < total) setTimeout(tick, 4);
      else Promise.all(pending).then(done);
    };
    tick();
  });
  const mainMs = performance.eventLoopUtilization(loop).active;
  const used = process.cpuUsage(cpu);
  await store.close();
  rmSync(pacedDir, { recursive: true, force: true });
  return { main: (mainMs * 1000) / total, cpu: (used.user + used.system) / total };
}
const idle = await paced(false);
const busy = await paced(true);
console.log(
  `paced puts (10 every 4 ms): ${(busy.main - idle.main).toFixed(1)} µs of main thread and ${(busy.cpu - idle.cpu).toFixed(1)} µs of CPU (all threads) per put`,
);
