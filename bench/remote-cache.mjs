#!/usr/bin/env node
// The remote cache over loopback, on the example project, against a real nginx
// (test/support/nginx/nginx.conf). Each clone is a fresh `git clone` of this
// repository (the committed files only), built with this checkout's dpo:
//   1. cold build, no remote; cold build, read-write remote (uploads as it goes)
//   2. fully local-cached rebuild: the cold clone with out/ and file-state removed
//      (inputs re-hashed, out/ materialised from cache/), and its no-op build
//   3. fully remote-cached rebuild: a fresh clone, empty cache/, warm remote
//   4. memo entries fetched per second straight from the remote, 1 and 64 at a time
// and `dpo verify` in a fresh clone (every memo entry from the remote) vs with a
// warm local memo. Medians of RUNS (default 3) for 2-4.
//   npx tsc -p . && node bench/remote-cache.mjs
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bin = join(root, "bin", "dpo.js");
const runs = Number(process.env.RUNS ?? 3);
const work = mkdtempSync(join(tmpdir(), "dpo-remote-bench-"));
const load = () => loadavg()[0].toFixed(2);

async function startNginx() {
  const { default: ts } = await import("typescript");
  const src = readFileSync(join(root, "test", "support", "nginx.ts"), "utf8");
  mkdirSync(join(work, "support", "nginx"), { recursive: true });
  cpSync(join(root, "test", "support", "nginx", "nginx.conf"), join(work, "support", "nginx", "nginx.conf"));
  const file = join(work, "support", "nginx.mjs");
  writeFileSync(file, ts.transpileModule(src, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText);
  return (await import(file)).startNginx();
}

function clone(name) {
  const dir = join(work, name);
  execFileSync("git", ["clone", "-q", root, dir]);
  return dir;
}

function dpo(dir, args, env = {}) {
  const start = performance.now();
  execFileSync(process.execPath, [bin, "-C", dir, ...args, "-q"], { stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, CI: "true", ...env } });
  return performance.now() - start;
}

const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
const rows = [];
const row = (what, ms, note = "") => {
  rows.push([what, ms, note, load()]);
  console.log(`${what}: ${s(ms)}${note ? ` (${note})` : ""} · load ${load()}`);
};

const nginx = await startNginx();
try {
  const rw = { DPO_REMOTE_CACHE: nginx.url, DPO_REMOTE_CACHE_MODE: "read-write" };
  const ro = { DPO_REMOTE_CACHE: nginx.url, DPO_REMOTE_CACHE_MODE: "read-only" };

  row("cold build, no remote", dpo(clone("cold-local"), ["build"], { DPO_REMOTE_CACHE: "off" }));
  const a = clone("cold-remote");
  row("cold build, read-write remote (uploading)", dpo(a, ["build"], rw));
  const entries = nginx.entries();
  const acKeys = [...entries.keys()].filter((k) => k.includes("/ac/"));
  const memoKeys = acKeys.filter((k) => JSON.parse(entries.get(k).toString()).format === "dpo.memo-entry/1").map((k) => k.split("/").pop());
  const bytes = [...entries.values()].reduce((n, b) => n + b.length, 0);
  console.log(`remote: ${entries.size} entries, ${(bytes / 2 ** 20).toFixed(1)} MiB (${memoKeys.length} memo entries, ${acKeys.length - memoKeys.length} stage results)`);

  const local = [];
  const noop = [];
  for (let i = 0; i < runs; i++) {
    rmSync(join(a, "out"), { recursive: true, force: true });
    rmSync(join(a, "cache", "file-state.json"), { force: true });
    local.push(dpo(a, ["build"], { DPO_REMOTE_CACHE: "off" }));
    noop.push(dpo(a, ["build"], { DPO_REMOTE_CACHE: "off" }));
  }
  row("fully local-cached rebuild (out/ and file-state removed)", median(local));
  row("no-op build (local)", median(noop));

  const remote = [];
  for (let i = 0; i < runs; i++) {
    const b = clone(`fresh-${i}`);
    remote.push(dpo(b, ["build"], ro));
    if (readFileSync(join(b, "dpo.lock"), "utf8") !== readFileSync(join(a, "dpo.lock"), "utf8")) throw new Error("dpo.lock differs");
    rmSync(b, { recursive: true, force: true });
  }
  row("fully remote-cached rebuild (fresh clone, empty cache/)", median(remote), `${(median(remote) / median(local)).toFixed(2)}× the local-cached rebuild`);

  // Memo entries straight from the remote, through dpo's own client.
  const { RemoteCache } = await import(join(root, "dist", "engine", "remote", "remote-cache.js"));
  const { remoteCacheSettings } = await import(join(root, "dist", "engine", "remote", "settings.js"));
  const settings = remoteCacheSettings({ url: nginx.url, namespace: "alpaca-eval-preferences" }, "alpaca-eval-preferences");
  for (const width of [1, 64]) {
    const rates = [];
    for (let i = 0; i < runs; i++) {
      const cache = new RemoteCache({ settings, upload: false, store: { has: () => false }, warn: console.warn, redact: (t) => t });
      const start = performance.now();
      let next = 0;
      await Promise.all(Array.from({ length: width }, async () => {
        while (next < memoKeys.length) if (!(await cache.memoValue(memoKeys[next++]))) throw new Error("memo miss");
      }));
      rates.push(memoKeys.length / ((performance.now() - start) / 1000));
      await cache.close();
    }
    const rate = median(rates);
    console.log(`memo entries fetched, ${width} at a time: ${Math.round(rate)}/s · load ${load()}`);
    rows.push([`memo entries fetched from the remote, ${width} at a time`, undefined, `${Math.round(rate)} entries/s (${memoKeys.length} entries)`, load()]);
  }

  const v = clone("verify-remote");
  row("dpo verify, fresh clone (memo from the remote)", dpo(v, ["verify"], ro));
  row("dpo verify, warm local memo", dpo(a, ["verify"], { DPO_REMOTE_CACHE: "off" }));
} finally {
  await nginx.close();
  rmSync(work, { recursive: true, force: true });
}

console.log("\n| what | wall time | note | load (1 min) |\n| --- | --- | --- | --- |");
for (const [what, ms, note, l] of rows) console.log(`| ${what} | ${ms === undefined ? "" : s(ms)} | ${note} | ${l} |`);
