#!/usr/bin/env node
/**
 * Resident memory of the LMDB memo as it grows: PUTS (default 185,000, the
 * signatures dedup memoises at N = 100,000) puts of 344-character values
 * through the real `openMemo`, each after a `get` as `ctx.memo` does, printing
 * this process's anonymous and file-backed RSS and the resident size of each
 * mapping of the memo file (from /proc/self/smaps). DPO=<checkout> runs
 * another checkout's dist/.
 *
 *   npx tsc -p . && node bench/memo-mapping.mjs
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const root = resolve(process.env.DPO ?? join(import.meta.dirname, ".."));
const { openMemo } = await import(pathToFileURL(join(root, "dist", "engine", "memo.js")).href);
const puts = Number(process.env.PUTS ?? 185_000);
const dir = mkdtempSync(join(tmpdir(), "dpo-memo-mapping-"));
const memo = await openMemo(dir);

const rss = () => {
  const status = readFileSync("/proc/self/status", "utf8");
  const mb = (name) => Math.round(Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)[1]) / 1024);
  return `anonymous ${mb("RssAnon")} MB, file-backed ${mb("RssFile")} MB`;
};
const mappings = () => {
  const out = [];
  let name = "";
  for (const line of readFileSync("/proc/self/smaps", "utf8").split("\n")) {
    const header = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (header) name = header[1];
    else if (line.startsWith("Rss:") && name.endsWith("data.mdb")) out.push(`${Math.round(Number(line.split(/\s+/)[1]) / 1024)} MB`);
  }
  return `${out.length} mapping${out.length === 1 ? "" : "s"} of the file (${out.join(", ")})`;
};

let pending = [];
for (let i = 1; i <= puts; i++) {
  const key = createHash("sha256").update(String(i)).digest("hex");
  memo.get(key);
  pending.push(memo.put(key, randomBytes(258).toString("base64")));
  if (pending.length >= 1000) {
    await Promise.all(pending);
    pending = [];
  }
  if (i % 50_000 === 0 || i === puts) {
    await Promise.all(pending);
    pending = [];
    console.log(`${i} puts: ${rss()}; ${mappings()}; file ${Math.round(statSync(join(dir, "data.mdb")).size / 2 ** 20)} MB`);
  }
}
await memo.close();
rmSync(dir, { recursive: true, force: true });
