#!/usr/bin/env node
/**
 * Why the export adds its diagnostic columns with Object.assign: 50,000 pairs
 * formatted as export rows with their diagnostic columns, once as
 * `{ ...row, ...extra }` and once as `Object.assign(row, extra)`, reporting how
 * far the heap grew (sampled every 1,000 rows) and the time. Every row is
 * garbage as soon as it is stringified; what grows is garbage V8 promoted to
 * the old generation and keeps until a full GC.
 *
 *   npx tsc -p . && node --expose-gc bench/export-row-garbage.mjs
 */
import { FORMATS } from "../dist/plugins/export/formats.js";
import { columnsFor, diagnosticColumns } from "../dist/plugins/export/diagnostics.js";

const PAIRS = 50_000;
const words = "lo milo is un su unka ununsu orda po shitaka sure isis lusu sukada lorida rerilu shiluka da mimore takata".split(" ");
const text = (i, n) => Array.from({ length: n }, (_, k) => words[(i * 7 + k * 13) % words.length]).join(" ") + ` #${i}`;
// Through JSON, as the export reads them: flat strings, not the ropes string concatenation makes.
const pairs = JSON.parse(
  JSON.stringify(
    Array.from({ length: PAIRS }, (_, i) => ({
      id: `pair-${i}`, promptId: `prompt-${i}`, prompt: text(i, 25), stratum: `set${i % 8}`,
      chosen: { id: `c${i}`, text: `${text(i + 1, 140)} …`, model: "m1", score: 3.5 },
      rejected: { id: `r${i}`, text: text(i + 2, 120), model: "m2", score: 2.1 },
      margin: 1.4, reason: "clarity +1.0 …", agreement: { share: 1, disputed: false },
    })),
  ),
);
const columns = columnsFor(pairs);

const ways = {
  spread: (row, extra) => ({ ...row, ...extra }),
  "Object.assign": (row, extra) => Object.assign(row, extra),
};

if (typeof globalThis.gc !== "function") throw new Error("run with node --expose-gc");
for (const [name, combine] of Object.entries(ways)) {
  globalThis.gc();
  const base = process.memoryUsage().heapUsed;
  let peak = base;
  let bytes = 0;
  let n = 0;
  const started = performance.now();
  for (const format of ["trl-conversational", "trl", "hh", "unpaired"]) {
    for (const p of pairs) {
      const extra = diagnosticColumns(p, columns);
      for (const row of FORMATS[format].rows(p)) bytes += JSON.stringify(combine(row, extra)).length;
      if (++n % 1000 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed);
    }
  }
  const ms = performance.now() - started;
  console.log(`${name.padEnd(14)} heap grew ${((peak - base) / 1e6).toFixed(0).padStart(4)} MB over ${n.toLocaleString("en")} pairs × formats, ${(ms / 1000).toFixed(1)} s, ${(bytes / 1e6).toFixed(0)} MB of JSON`);
}
