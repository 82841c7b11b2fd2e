// Iterations as build targets, on the example project with an LLM judge served
// by the test server (test/support/llm-server.ts, transpiled, in this process):
// LLM calls of `dpo build --iteration iter-0100` from an empty cache, then of
// `--iteration iter-0500` after it, against a full build from an empty cache;
// body hashes show nothing is re-sent; iter-0100's files are compared byte for
// byte. Run from the repository root after `npx tsc -p tsconfig.json`:
//   node bench/iterations.mjs
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { createHash } from "node:crypto";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import ts from "typescript";

const root = process.cwd();
const work = mkdtempSync(join(tmpdir(), "dpo-iterations-"));
const src = readFileSync(join(root, "test", "support", "llm-server.ts"), "utf8");
writeFileSync(join(work, "llm-server.mjs"), ts.transpileModule(src, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText);
const { startLlmServer } = await import(join(work, "llm-server.mjs"));

// A deterministic judge: for each `## <criterion>` heading, a score from a hash of the request.
let hashes = [];
const reply = (body) => {
  hashes.push(createHash("sha256").update(JSON.stringify(body)).digest("hex"));
  const text = String(body.messages.at(-1).content);
  const digest = createHash("sha256").update(text).digest();
  const ids = [...text.matchAll(/^## (\S+)$/gm)].map((m) => m[1]);
  return JSON.stringify(Object.fromEntries(ids.map((id, i) => [id, { rationale: `${id}: from the request digest`, score: 1 + (digest[i] % 5) }])));
};
const server = await startLlmServer({ reply, keepRequests: false });
const bodies = () => hashes;
const reset = () => {
  server.reset();
  hashes = [];
};

function project(name) {
  const dir = join(work, name);
  for (const f of ["dpo.config.yaml", "datasets", "rubrics"]) cpSync(join(root, f), join(dir, f), { recursive: true });
  return dir;
}
// Asynchronously: the server answers on this process's event loop.
async function dpo(dir, args) {
  const t = performance.now();
  await promisify(execFile)(process.execPath, [join(root, "bin", "dpo.js"), "-C", dir, ...args, "-q"], { env: { ...process.env, DPO_BASE_URL: server.baseUrl }, maxBuffer: 1 << 26 });
  return (performance.now() - t) / 1000;
}
function files(dir) {
  const out = {};
  const walk = (d) => readdirSync(d).forEach((n) => (statSync(join(d, n)).isDirectory() ? walk(join(d, n)) : (out[relative(dir, join(d, n))] = createHash("sha256").update(readFileSync(join(d, n))).digest("hex"))));
  walk(dir);
  return out;
}
const manifest = (dir, it) => JSON.parse(readFileSync(join(dir, "out", it, "manifest.json"), "utf8"));

try {
  const it = project("iterations");
  const s100 = await dpo(it, ["build", "--iteration", "iter-0100"]);
  const calls100 = server.requestCount;
  const sent100 = new Set(bodies());
  const m100 = manifest(it, "iter-0100");
  const before = files(join(it, "out", "iter-0100"));
  reset();
  const s500 = await dpo(it, ["build", "--iteration", "iter-0500"]);
  const calls500 = server.requestCount;
  const resent = bodies().filter((h) => sent100.has(h)).length;
  const after = files(join(it, "out", "iter-0100"));
  const m500 = manifest(it, "iter-0500");
  const same = JSON.stringify(before) === JSON.stringify(after);
  reset();

  const full = project("full");
  const fullSeconds = await dpo(full, ["build"]);
  const fullCalls = server.requestCount;
  const perPrompt = fullCalls / 795; // judge calls per prompt that reaches the judge (795 after prompt dedup)
  console.log(JSON.stringify({
    fullBuild: { calls: fullCalls, seconds: +fullSeconds.toFixed(1) },
    iter0100: { calls: calls100, shareOfFull: +(calls100 / fullCalls).toFixed(3), promptsConsumed: m100.sample.promptsConsumed, yield: m100.sample.yield,
      callsOverConsumedPrompts: +(calls100 / (m100.sample.promptsConsumed * perPrompt)).toFixed(3), seconds: +s100.toFixed(1) },
    iter0500After: { calls: calls500, resent, promptsConsumed: m500.sample.promptsConsumed, yield: m500.sample.yield, iter0100ByteIdentical: same, seconds: +s500.toFixed(1) },
  }, null, 2));
} finally {
  await server.close();
  rmSync(work, { recursive: true, force: true });
}
