#!/usr/bin/env node
// canonicalJson on record-like values (a candidate with its prompt, metadata
// and judgements), to check that the depth guard costs nothing measurable.
//   npx tsc -p . && node bench/canonical.mjs
// Prints the median of RUNS (default 9) timings of N (default 20,000) encodings.
// HASH=<path of another compiled hash.js> times that one instead (e.g. an older build).
const { canonicalJson } = await import(process.env.HASH ? new URL(process.env.HASH, `file://${process.cwd()}/`).href : "../dist/engine/hash.js");

const runs = Number(process.env.RUNS ?? 9);
const n = Number(process.env.N ?? 20_000);

const record = (i) => ({
  id: `r${i}`,
  prompt: { kind: "messages", messages: [{ role: "user", content: `question ${i} `.repeat(8) }] },
  meta: { dataset: "alpaca", source: { file: "datasets/p.jsonl", line: i }, tags: ["a", "b", i % 7] },
  candidates: Array.from({ length: 5 }, (_, c) => ({
    id: `c${c}`,
    text: `answer ${c} to ${i} `.repeat(20),
    judgements: Array.from({ length: 3 }, (_, j) => ({ judge: `j${j}`, criterion: "clarity", score: (i + c + j) % 5, rationale: "fine" })),
  })),
});
const values = Array.from({ length: 1000 }, (_, i) => record(i));

const times = [];
let bytes = 0;
for (let r = 0; r < runs; r++) {
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) bytes += canonicalJson(values[i % values.length]).length;
  times.push(Number(process.hrtime.bigint() - t) / 1e6);
}
times.sort((a, b) => a - b);
console.log(`canonicalJson × ${n} records: median ${times[runs >> 1].toFixed(0)} ms (min ${times[0].toFixed(0)}, max ${times.at(-1).toFixed(0)}); ${bytes} bytes`);
