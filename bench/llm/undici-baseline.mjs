// A plain client for the same workload, as a reference for what this machine
// allows: the same number of chat calls with the same concurrency, sent with
// bare undici request() (the HTTP client dpo uses) and no memo, no limits and
// no stage around them. Prints a JSON summary.
//   node undici-baseline.mjs BASE_URL CALLS CONCURRENCY
import { createRequire } from "node:module";
import { startClock } from "./clock.mjs";

const require = createRequire(new URL("../../package.json", import.meta.url));
const { Pool } = await import(require.resolve("undici"));
const [baseUrl, calls, concurrency] = process.argv.slice(2);
const url = new URL(baseUrl);
const pool = new Pool(url.origin, { connections: Number(concurrency), pipelining: 1 });
let next = 0;
const worker = async () => {
  while (next < Number(calls)) {
    const i = next++;
    const body = JSON.stringify({ model: "bench-model", messages: [{ role: "user", content: `Write a short answer to benchmark question number ${i >> 2}.` }], temperature: 0.7, seed: i & 3 });
    const res = await pool.request({ method: "POST", path: `${url.pathname}/chat/completions`, headers: { "content-type": "application/json" }, body });
    JSON.parse(await res.body.text());
  }
};
const stop = startClock();
await Promise.all(Array.from({ length: Number(concurrency) }, worker));
const { ms: genMs, gcMs, mainMs } = stop();
await pool.close();
process.stdout.write(JSON.stringify({ genMs, gcMs, mainMs, cpuMs: (process.cpuUsage().user + process.cpuUsage().system) / 1000, maxRssMB: process.resourceUsage().maxRSS / 1024 }) + "\n");
