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
