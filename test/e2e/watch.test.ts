/**
 * `dpo build --watch` end to end: the real CLI in a temporary project whose
 * judge is an LLM served by the local test server, so every judgement the
 * build recomputes is a request the test can count. What needs the real
 * process stays here: chokidar on a real folder, the printed lines, Ctrl-C.
 * The state machine's other paths (debounce, cancel while running or
 * loading, invalid configs, stop from every state) are tested in process, in
 * test/watch/.
 */
import { renameSync, rmSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { startLlmServer, type LlmServer } from "../support/llm-server.js";
import { TempProject } from "../support/project.js";
import { alpacaData, askedCriteria, judgeReply, LiveCli, miniRubric, recordedJudgeConfig } from "./helpers.js";
import { until } from "../support/until.js";

const PROMPTS = 6;
const MODELS = ["alpaca-7b", "falcon-7b-instruct"];
const CANDIDATES = PROMPTS * MODELS.length;
const CRITERIA = 2;
/** Memo entries per judgement: the provider's HTTP call and the judge's parsed verdict. */
const MEMO_LAYERS = 2;

const config = (baseUrl: string) => recordedJudgeConfig(baseUrl, MODELS, "watch-e2e");

/** `watch: changed <files> → ran <stages> · <n> memo misses · <t>s` */
const REBUILD = /^watch: (initial build|changed (.+?)) → (?:ran (.+?)|nothing to re-run) · (\d+) memo misses(?: · failed (.+?))?(?: · blocked (.+?))? · [\d.]+s$/;

function parseRebuild(line: string) {
  const m = REBUILD.exec(line);
  if (!m) throw new Error(`not a rebuild line: ${line}`);
  return { changed: m[2]?.split(", ") ?? [], ran: m[3]?.split(", ") ?? [], items: Number(m[4]), failed: m[5]?.split(", ") ?? [], blocked: m[6]?.split(", ") ?? [] };
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Judge requests are held at the server until released once `holding` is set. */
let holding = false;

async function setup(): Promise<{ p: TempProject; server: LlmServer }> {
  holding = false;
  const server = await startLlmServer({ reply: judgeReply, faults: () => (holding ? { type: "hold" } : undefined) });
  cleanups.push(() => server.close());
  const p = new TempProject({
    ...alpacaData(PROMPTS, MODELS),
    "rubrics/mini.yaml": miniRubric,
    "notes/unreferenced.txt": "not part of the build\n",
    "dpo.config.yaml": config(server.baseUrl),
  });
  cleanups.push(() => p.remove());
  return { p, server };
}

function startWatch(p: TempProject): LiveCli {
  const cli = new LiveCli(p.spawn(["build", "--watch"]));
  cleanups.push(() => cli.kill());
  return cli;
}

describe("dpo build --watch", () => {
  it("re-runs only the judge and its dependants after one criterion changes, re-judging only that criterion", async () => {
    const { p, server } = await setup();
    const cli = startWatch(p);
    const first = await cli.line(REBUILD);
    expect(parseRebuild(first.text)).toEqual({ changed: [], ran: ["prompts", "candidates", "judge", "pairs"], items: CANDIDATES * CRITERIA * MEMO_LAYERS, failed: [], blocked: [] });
    expect(server.requestCount).toBe(CANDIDATES * CRITERIA);
    const ready = await cli.line(/^watch: watching \d+ files; Ctrl-C to stop$/, first.index);
    // config, prompts, two output files, the rubric — not notes/.
    expect(ready.text).toBe("watch: watching 6 files; Ctrl-C to stop"); // with .env
    // The build closed its provider: no keep-alive sockets pile up across rebuilds.
    await until(() => server.openConnections === 0);

    server.reset();
    p.write("rubrics/mini.yaml", miniRubric.replace("Is it easy to follow?", "Is it easy to follow for a newcomer?"));
    const next = await cli.line(REBUILD, ready.index + 1);
    expect(parseRebuild(next.text)).toEqual({ changed: ["rubrics/mini.yaml"], ran: ["judge", "pairs"], items: CANDIDATES * MEMO_LAYERS, failed: [], blocked: [] });
    expect(server.requestCount).toBe(CANDIDATES);
    expect(server.requests.every((b) => askedCriteria(b).join() === "clarity")).toBe(true);

    expect(await cli.interrupt()).toBe(0);
    expect(cli.lines.at(-1)).toBe("watch: stopped");
    expect(cli.stderr).toBe("");
    // What the watch built is what a plain build would have: nothing left to do.
    expect((await p.run(["build"])).stdout).toContain("nothing to do: all 4 stages are up to date");
  });

  it("watches exactly the referenced files, also through a delete and an atomic rename; Ctrl-C mid-build stops", async () => {
    const { p, server } = await setup();
    const cli = startWatch(p);
    const ready = await cli.line(/^watch: watching/);
    // Edits to files it must not watch. A change seen to any of them would show up
    // below: named in a rebuild line, or as a line of its own (checked at the end).
    p.write("notes/unreferenced.txt", "edited\n");
    p.write("data/unlisted.jsonl", "{}\n"); // beside referenced files, in a watched folder
    p.write("unreferenced.yaml", "a: 1\n");

    // An editor's atomic save: write a temporary file, rename it over the original.
    const prompts = p.read("data/prompts.jsonl");
    p.write("data/prompts.jsonl.tmp", prompts + "\n");
    renameSync(p.path("data/prompts.jsonl.tmp"), p.path("data/prompts.jsonl"));
    const saved = await cli.line(REBUILD, ready.index + 1);
    expect(parseRebuild(saved.text)).toEqual({ changed: ["data/prompts.jsonl"], ran: ["prompts"], items: 0, failed: [], blocked: [] });

    // Deleted, then created again: still watched.
    const outputs = p.read("data/falcon-7b-instruct.jsonl");
    rmSync(p.path("data/falcon-7b-instruct.jsonl"));
    const missing = await cli.line(/^watch: .* has errors/, saved.index + 1);
    expect(missing.text).toBe("watch: data/falcon-7b-instruct.jsonl has errors; keeping the last good outputs, waiting for the next change");
    expect(cli.stderr).toContain("error: file `data/falcon-7b-instruct.jsonl` does not exist");
    p.write("data/falcon-7b-instruct.jsonl", outputs.replace(/\n$/, "\n\n"));
    const back = await cli.line(REBUILD, missing.index + 1);
    expect(parseRebuild(back.text)).toEqual({ changed: ["data/falcon-7b-instruct.jsonl"], ran: ["candidates"], items: 0, failed: [], blocked: [] });

    // Ctrl-C while the judge waits for its answers: the build is cancelled and watch mode exits 0.
    server.reset();
    holding = true;
    p.write("rubrics/mini.yaml", miniRubric.replace("Crystal clear.", "Clear at first reading."));
    await server.whenHeld(1);
    expect(await cli.interrupt()).toBe(0);
    expect(cli.lines.at(-1)).toBe("watch: stopped");
    expect(server.requestCount).toBeLessThan(CANDIDATES);
    // Nothing else was printed: no unwatched file was reported, no build but these.
    expect(cli.lines.slice(ready.index + 1)).toEqual([saved.text, missing.text, back.text, "watch: stopped"]);
  });
});
