/**
 * Sharded builds meeting in a shared remote cache (issue 18, points 3 and 4),
 * in process, against a real nginx and the local LLM test server. Three
 * clones of one project (each its own folder, cache/ and memo, as three
 * machines would be): A runs `--shard 1/2`, B `--shard 2/2`, then C a plain
 * build that sends no LLM request and writes the out/ and dpo.lock of an
 * unsharded control build, byte for byte. Also: a shard never fetches the
 * whole build's outputs dpo.lock names, and a shard whose memo cannot reach a
 * read-write remote says so once.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { build, type BuildMode, type BuildResult } from "../../src/engine/build.js";
import { loadConfig } from "../../src/engine/config/load.js";
import { DpoError } from "../../src/engine/diagnostic.js";
import { createRegistry } from "../../src/engine/registry.js";
import { MEMO_ENTRY_FORMAT, STAGE_RESULT_FORMAT } from "../../src/engine/remote/entries.js";
import { withRemoteOverrides, type RemoteCacheOverrides } from "../../src/engine/remote/settings.js";
import type { Shard } from "../../src/engine/shard.js";
import { builtinPlugins } from "../../src/plugins/index.js";
import { builtinProviders } from "../../src/providers/index.js";
import { fixtureLines, filesUnder, judgeReply, miniRubric } from "../e2e/helpers.js";
import { recordingReporter } from "../support/harness.js";
import { startLlmServer, type LlmServer } from "../support/llm-server.js";
import { nginxAvailable, startNginx, type Nginx } from "../support/nginx.js";
import { TempProject } from "../support/project.js";
import { until } from "../support/until.js";

const PROMPTS = 4;
/** Two generated candidates per prompt, each judged per criterion of the mini rubric (two). */
const REQUESTS = PROMPTS * 2 + PROMPTS * 2 * 2;
const STAGES = ["prompts", "candidates", "judge", "pairs", "export"];

/**
 * Prompts, LLM candidates, an LLM judge, pairs and an export that publishes to
 * out/ (a copy of this config among its inputs: so every clone has the same
 * one, and the control switches the remote off as `--remote-cache off` does).
 */
const config = (llm: string, remote: string) => `version: 1
project: shards-remote
seed: 4
providers:
  local: { type: openai, baseUrl: "${llm}", maxRetries: 0, maxConcurrency: 2, prices: { gen-model: { input: 1, output: 2 }, judge-model: { input: 1, output: 1 } } }
remoteCache: { url: "${remote}", mode: read-write, timeout: 5 }
stages:
  prompts:
    uses: source/jsonl
    with: { path: data/prompts.jsonl, prompt: instruction }
  candidates:
    uses: generate/llm
    needs: prompts
    with: { models: [{ provider: local, model: gen-model }], variants: [{ temperature: 0.7, seed: 1 }], n: 2 }
  judge:
    uses: judge/rubric
    needs: candidates
    with:
      rubric: rubrics/mini.yaml
      judges: [{ id: llm, type: llm, provider: local, model: judge-model, mode: per-criterion }]
  pairs:
    uses: pair/preference
    needs: judge
    with: { minMargin: 0 }
  export:
    uses: export/iterations
    needs: pairs
    with: { iterations: [1], formats: [trl] }
`;

const registry = createRegistry(builtinPlugins, builtinProviders);

interface Built extends BuildResult {
  warnings: string[];
}

/** One build of a clone with the built-in plugins and its on-disk memo, as the CLI would run it. */
async function buildIn(p: TempProject, o: { shard?: Shard; mode?: BuildMode; remote?: RemoteCacheOverrides; signal?: AbortSignal } = {}): Promise<Built> {
  const loaded = await loadConfig({ root: p.dir, registry, env: {} });
  if (!loaded.ok) throw new DpoError(loaded.error);
  const { reporter, warnings } = recordingReporter();
  const result = await build(withRemoteOverrides(loaded.value, o.remote ?? {}), { targets: [], mode: o.mode ?? "build", jobs: 1, wait: false, reporter, signal: o.signal ?? new AbortController().signal, shard: o.shard });
  if (!o.signal) expect(result.ok, warnings.join("\n")).toBe(true);
  return { ...result, warnings };
}

const hashOf = (body: unknown) => createHash("sha256").update(JSON.stringify(body)).digest("hex");
/** What the LLM server received since its last reset, as request-body hashes. */
const sentBodies = (s: LlmServer) => s.requests.map(hashOf);
const OFF: RemoteCacheOverrides = { url: "off" };
type Command = (argv: string[]) => Promise<number>;
let buildCommand: Command | undefined;
/** `dpo build ARGS` in process (the CLI's loader runs from dist/ only), collecting what it prints. */
async function cli(argv: string[]): Promise<{ code: number; printed: string }> {
  buildCommand ??= ((await import(new URL("../../dist/cli/commands/build.js", import.meta.url).href)) as { run: Command }).run;
  let printed = "";
  const capture = (chunk: unknown) => ((printed += String(chunk)), true);
  const out = vi.spyOn(process.stdout, "write").mockImplementation(capture);
  const err = vi.spyOn(process.stderr, "write").mockImplementation(capture);
  try {
    return { code: await buildCommand(argv), printed };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}
const objectPath = (digest: string) => join("cache", "objects", digest.slice(0, 2), digest);

describe.skipIf(!nginxAvailable())("sharded builds with a shared remote cache", () => {
  let nginx: Nginx;
  let llm: LlmServer;
  const clones: TempProject[] = [];
  const clone = (extra: Record<string, string> = {}) => {
    const files = { "data/prompts.jsonl": fixtureLines("prompts.jsonl", PROMPTS), "rubrics/mini.yaml": miniRubric, "dpo.config.yaml": config(llm.baseUrl, nginx.url), ...extra };
    const p = new TempProject(files);
    clones.push(p);
    return p;
  };
  /** Requests answered before the server holds every further one (undefined: it holds none). */
  let holdAfter: number | undefined;
  let seen = 0;
  const holdFrom = (n: number | undefined) => ((holdAfter = n), (seen = 0));
  beforeAll(async () => {
    const replies: Record<string, (body: any) => string> = { "judge-model": judgeReply };
    const faults = () => (++seen > (holdAfter ?? Infinity) ? ({ type: "hold" } as const) : undefined);
    [nginx, llm] = await Promise.all([startNginx(), startLlmServer({ reply: (body) => replies[body.model]?.(body), faults })]);
  });
  afterEach(async () => {
    holdFrom(undefined);
    for (const p of clones.splice(0)) p.remove();
    llm.reset();
    await nginx.stop();
    for (const e of readdirSync(nginx.root)) rmSync(join(nginx.root, e), { recursive: true, force: true });
    await nginx.restart();
  });
  afterAll(async () => {
    await Promise.all([nginx?.close(), llm?.close()]);
  });

  it("two shards on two clones, then a third clone assembles with 0 LLM requests: out/ and dpo.lock as an unsharded build's", async () => {
    const control = clone();
    await buildIn(control, { remote: OFF }); // it leaves nothing on the server
    expect(nginx.entries().size).toBe(0);
    const all = sentBodies(llm);
    expect(all.length).toBe(REQUESTS);
    expect(new Set(all).size).toBe(REQUESTS);

    const shards: Built[] = [];
    const sent: string[][] = [];
    for (const index of [1, 2]) {
      llm.reset();
      const p = clone();
      const shard = await buildIn(p, { shard: { index, count: 2 } });
      expect(shard.warnings).toEqual([]);
      expect(shard.remote!.uploads).toBeGreaterThan(0);
      expect(existsSync(p.path("dpo.lock"))).toBe(false);
      expect(existsSync(p.path("out"))).toBe(false);
      shards.push(shard);
      sent.push(sentBodies(llm));
    }
    // Disjoint, both non-empty, and together exactly the unsharded build's requests.
    expect(sent[0]!.length).toBeGreaterThan(0);
    expect(sent[1]!.length).toBeGreaterThan(0);
    expect(sent[0]!.filter((h) => sent[1]!.includes(h))).toEqual([]);
    expect([...sent[0]!, ...sent[1]!].sort()).toEqual([...all].sort());
    // The shards' stage results are on the server too (harmless: their root keys name the shard).
    const stageResults = [...nginx.entries().values()].filter((bytes) => bytes.includes(STAGE_RESULT_FORMAT));
    expect(stageResults.length).toBe(2 * STAGES.length);

    llm.reset();
    const final = clone();
    const assembled = await buildIn(final);
    expect(llm.requestCount).toBe(0);
    expect(assembled.warnings).toEqual([]);
    // Every stage computed here from memo entries the shards uploaded; no shard's partial stage result taken.
    expect(assembled.outcomes.map((o) => o.status)).toEqual(STAGES.map(() => "ran"));
    expect(assembled.remote!.stageResultsFetched).toBe(0);
    expect(assembled.remote!.memoHits).toBeGreaterThanOrEqual(REQUESTS);
    expect(final.read("dpo.lock")).toBe(control.read("dpo.lock"));
    const out = filesUnder(final.dir, "out");
    expect(out.size).toBeGreaterThan(0);
    expect(out).toEqual(filesUnder(control.dir, "out"));
  });

  it("a shard build fetches its own shard's results from the remote, never the whole outputs dpo.lock names", async () => {
    const full = clone();
    await buildIn(full); // the remote now has the whole build's stage results and objects
    await buildIn(clone(), { shard: { index: 1, count: 2 } });
    llm.reset();

    // A fresh clone of the repository as committed (dpo.lock of the whole build) runs shard 1 again.
    const lock = full.read("dpo.lock");
    const again = clone({ "dpo.lock": lock });
    const shard = await buildIn(again, { shard: { index: 1, count: 2 } });
    expect(llm.requestCount).toBe(0);
    expect(shard.outcomes.map((o) => o.status)).toEqual(STAGES.map(() => "cached"));
    expect(shard.remote!.stageResultsFetched).toBe(STAGES.length);
    const locked = JSON.parse(lock) as { stages: Record<string, { output: string; manifest: string }> };
    for (const s of STAGES) {
      expect(existsSync(again.path(objectPath(locked.stages[s]!.output))), s).toBe(false);
      expect(existsSync(again.path(objectPath(locked.stages[s]!.manifest))), s).toBe(false);
    }
    expect(again.read("dpo.lock")).toBe(lock);
  });

  it("a shard uploads every call as it finishes: after an interrupted shard, another clone's run of it sends only the rest", async () => {
    const memoEntriesOnServer = () => [...nginx.entries().values()].filter((bytes) => bytes.includes(MEMO_ENTRY_FORMAT)).length;
    const ANSWERED = 3;
    holdFrom(ANSWERED);
    const stop = new AbortController();
    const interrupted = buildIn(clone(), { shard: { index: 1, count: 2 }, signal: stop.signal });
    await llm.whenHeld(1); // three calls answered, the fourth waiting: the build is mid-stage
    await until(() => memoEntriesOnServer() >= ANSWERED);
    const answered = sentBodies(llm).slice(0, ANSWERED);
    stop.abort();
    expect((await interrupted).interrupted).toBe(true);
    holdFrom(undefined);

    llm.reset();
    await buildIn(clone(), { shard: { index: 1, count: 2 }, remote: OFF }); // what shard 1 sends from scratch
    const whole = sentBodies(llm);
    llm.reset();
    await buildIn(clone(), { shard: { index: 1, count: 2 } });
    const rest = sentBodies(llm);
    expect(answered.every((h) => whole.includes(h))).toBe(true);
    expect(rest.sort()).toEqual(whole.filter((h) => !answered.includes(h)).sort());
  });

  it("a shard whose memo entries cannot reach a read-write remote says so once; with a read-write one it says where they went", async () => {
    // Shards one after another in one directory, no remote: each warns once, and the final build here assembles with no call.
    const here = clone();
    const first = await cli(["-C", here.dir, "--shard", "1/2", "--remote-cache", "off"]);
    expect(first.code, first.printed).toBe(0);
    expect(first.printed.match(/memo entries stay on this machine/g)).toHaveLength(1);
    expect(first.printed).toContain("shard 1/2: no remote cache is set, so this shard's memo entries stay on this machine");
    expect(first.printed).toContain("assembles the outputs from this project's memo");
    const second = await buildIn(here, { shard: { index: 2, count: 2 }, remote: OFF });
    expect(second.warnings).toHaveLength(1);
    llm.reset();
    const assembled = await buildIn(here, { remote: OFF });
    expect(llm.requestCount).toBe(0);
    expect(assembled.warnings).toEqual([]);

    const readOnly = await buildIn(clone(), { shard: { index: 1, count: 2 }, remote: { mode: "read-only" } });
    expect(readOnly.warnings).toEqual([expect.stringMatching(/^shard 1\/2: the remote cache is read-only, so this shard's memo entries stay on this machine/)]);
    expect(readOnly.remote!.uploads).toBe(0);
    expect(nginx.entries().size).toBe(0);

    const readWrite = await cli(["-C", clone().dir, "--shard", "1/2"]);
    expect(readWrite.code, readWrite.printed).toBe(0);
    expect(readWrite.printed).not.toContain("stay on this machine");
    expect(readWrite.printed).toContain("assembles the outputs from the memo entries uploaded to the remote cache");
    expect(readWrite.printed).toMatch(/^remote cache: uploaded \d+ entries$/m);
  });
});
