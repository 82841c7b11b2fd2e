/**
 * The CLI's commands end to end, in a temporary project built offline from
 * real AlpacaEval data: graph, status, show, gc, clean, init, and what an
 * unknown command or flag prints.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { collect, dpoBin, repoRoot, summary, TempProject } from "../support/project.js";
import { spawn } from "node:child_process";
import { alpacaData, filesUnder } from "./helpers.js";

const MODELS = ["alpaca-7b", "claude-2.1"];

const config = (minMargin = 0.25) => `version: 1
project: commands-e2e
seed: 5
stages:
  prompts:
    uses: source/jsonl
    with: { path: data/prompts.jsonl, prompt: instruction }
  unique-prompts:
    uses: dedup/minhash
    needs: prompts
  candidates:
    uses: generate/recorded
    needs: unique-prompts
    with: { n: 2, files: [data/alpaca-7b.jsonl, data/claude-2.1.jsonl] }
  judge:
    uses: judge/rubric
    needs: candidates
    with:
      rubric: rubrics/helpfulness.yaml
      judges:
        - { id: content, type: offline, scorers: [harm, key-terms, structure, length] }
        - { id: form, type: offline, scorers: [readability, consensus] }
  pairs:
    uses: pair/preference
    needs: judge
    with: { minMargin: ${minMargin} }
  export:
    uses: export/iterations
    needs: pairs
    with: { iterations: [4], formats: [trl] }
`;

const STAGES = ["prompts", "unique-prompts", "candidates", "judge", "pairs", "export"];

function newProject(): TempProject {
  return new TempProject({
    ...alpacaData(12, MODELS),
    "rubrics/helpfulness.yaml": readFileSync(join(repoRoot, "rubrics", "helpfulness.yaml"), "utf8"),
    "dpo.config.yaml": config(),
  });
}


const objectPath = (digest: string) => join("cache", "objects", digest.slice(0, 2), digest);

/** One built project shared by the read-only commands. */
let built: TempProject;
const scratch: TempProject[] = [];
const dirs: string[] = [];

beforeAll(async () => {
  built = newProject();
  const r = await built.run(["build"]);
  expect(r.code, r.stderr).toBe(0);
}, 30_000);
afterAll(() => built?.remove());
afterEach(() => {
  for (const p of scratch.splice(0)) p.remove();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A built project of its own, for commands that change it: a copy of the shared one, as a clone with its cache would be. */
function builtCopy(): TempProject {
  const p = new TempProject();
  scratch.push(p);
  cpSync(built.dir, p.dir, { recursive: true });
  return p;
}

describe("dpo graph", () => {
  it("prints the stage graph as Mermaid, with every edge", async () => {
    const r = await built.run(["graph"]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines[0]).toBe("flowchart TD");
    // Node lines look like `s2["judge<br/><small>judge/rubric</small>"]`: stage name → node id.
    const ids: Record<string, string> = {};
    for (const [, id, name] of lines.map((l) => /^\s+(s\d+)\["([^<"]+)<br\/>/.exec(l) ?? [])) if (id) ids[name!] = id;
    expect(Object.keys(ids)).toEqual(STAGES);
    const edges = lines.filter((l) => l.includes("-->")).map((l) => l.trim());
    expect(edges).toEqual([
      `${ids.prompts} --> ${ids["unique-prompts"]}`,
      `${ids["unique-prompts"]} --> ${ids.candidates}`,
      `${ids.candidates} --> ${ids.judge}`,
      `${ids.judge} --> ${ids.pairs}`,
      `${ids.pairs} --> ${ids.export}`,
    ]);
    expect(r.stdout).toContain(`${ids.judge}["judge<br/><small>judge/rubric</small>"]`);
  });

  it("prints DOT with --format dot", async () => {
    const r = await built.run(["graph", "--format", "dot"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.startsWith("digraph dpo {\n")).toBe(true);
    expect(r.stdout.split("\n").filter((l) => l.includes("->")).map((l) => l.trim())).toEqual([
      '"prompts" -> "unique-prompts";',
      '"unique-prompts" -> "candidates";',
      '"candidates" -> "judge";',
      '"judge" -> "pairs";',
      '"pairs" -> "export";',
    ]);
    const bad = await built.run(["graph", "--format", "svg"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--format expects "mermaid" or "dot", found "svg"');
  });
});

describe("dpo status", () => {
  it("says every stage is up to date after a build, and why stages are stale after edits", async () => {
    const p = builtCopy();
    const clean = await p.run(["status"]);
    expect(clean.code, clean.stderr).toBe(0);
    expect(clean.stdout).toContain(`all ${STAGES.length} stages are up to date`);

    p.write("dpo.config.yaml", config(0.5));
    p.write("data/prompts.jsonl", p.read("data/prompts.jsonl") + JSON.stringify({ instruction: "Name a prime number." }) + "\n");
    const r = await p.run(["status"]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    // Then one line per export iteration: built (from the lock), the prompts it consumed, its gate.
    expect(lines.filter((l) => l.startsWith("  iteration ")).every((l) => /^  iteration \S+ \(export\): built: \d+ train pairs from \d+ prompts consumed .*; no gate$/.test(l))).toBe(true);
    expect(lines.some((l) => l.startsWith("  iteration "))).toBe(true);
    expect(lines.filter((l) => !l.startsWith("  iteration "))).toEqual([
      "  stale       prompts: input file data/prompts.jsonl changed",
      '  stale       unique-prompts: upstream stage "prompts" will run',
      '  stale       candidates: upstream stage "unique-prompts" will run',
      '  stale       judge: upstream stage "candidates" will run',
      '  stale       pairs: upstream stage "judge" will run',
      '  stale       export: upstream stage "pairs" will run',
      "6 of 6 stages are stale",
    ]);
    p.write("data/prompts.jsonl", alpacaData(12, MODELS)["data/prompts.jsonl"]!);
    const onlyConfig = await p.run(["status"]);
    expect(onlyConfig.stdout).toContain("  up to date  judge\n");
    expect(onlyConfig.stdout).toContain("  stale       pairs: config changed: with.minMargin\n");
    expect(onlyConfig.stdout).toContain("2 of 6 stages are stale");
  });
});

describe("dpo show", () => {
  it("prints N records as compact JSON, sorted by id", async () => {
    const r = await built.run(["show", "pairs", "-n", "2", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const recs = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
    expect(recs).toHaveLength(2);
    expect(recs[0].id < recs[1].id).toBe(true);
    for (const rec of recs) expect(Object.keys(rec)).toEqual(expect.arrayContaining(["id", "prompt", "chosen", "rejected"]));
    const total = JSON.parse(built.read("dpo.lock")).stages.pairs.records;
    expect(r.stderr).toMatch(new RegExp(`^2 of ${total} records of stage "pairs" \\([0-9a-f]{12}\\)\\n$`));
    const ids = await built.run(["show", "pairs", "-n", "2", "--ids"]);
    expect(ids.stdout.trim().split("\n")).toEqual(recs.map((x) => x.id));
  });

  it("an unknown stage gets a did-you-mean and exit 2", async () => {
    const r = await built.run(["show", "pair"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe('error: stage "pair" has no built output in dpo.lock\n  hint: did you mean "pairs"?\n');
  });
});

describe("dpo gc and dpo clean", () => {
  it("gc removes objects no longer referenced after a config change, and the build stays a no-op", async () => {
    const p = builtCopy();
    const before = JSON.parse(p.read("dpo.lock")).stages;
    p.write("dpo.config.yaml", config(0.5));
    const rebuilt = await p.run(["build"]);
    expect(summary(rebuilt.stdout).pairs!.status).toBe("ran");
    const after = JSON.parse(p.read("dpo.lock")).stages;
    expect(after.pairs.output).not.toBe(before.pairs.output);
    expect(existsSync(p.path(objectPath(before.pairs.output)))).toBe(true);

    const objectsBefore = filesUnder(p.dir, "cache/objects").size;
    const gc = await p.run(["gc"]);
    expect(gc.code, gc.stderr).toBe(0);
    const [, removed, kept] = /^removed (\d+) objects \([\d.]+ MB\) and \d+ run-cache entries; kept (\d+) objects\n$/.exec(gc.stdout) ?? [];
    expect(Number(removed)).toBeGreaterThan(0);
    expect(filesUnder(p.dir, "cache/objects").size).toBe(objectsBefore - Number(removed));
    expect(filesUnder(p.dir, "cache/objects").size).toBe(Number(kept));
    expect(existsSync(p.path(objectPath(before.pairs.output)))).toBe(false);
    for (const s of Object.values<any>(after)) expect(existsSync(p.path(objectPath(s.output)))).toBe(true);

    const again = await p.run(["build"]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain(`nothing to do: all ${STAGES.length} stages are up to date`);
    expect((await p.run(["gc"])).stdout).toMatch(/^removed 0 objects/);
  });

  it("clean removes outputs; the next build recomputes from the memo alone (hits, no misses), identically", async () => {
    const p = builtCopy();
    const lock = p.read("dpo.lock");
    const out = filesUnder(p.dir, "out");
    const r = await p.run(["clean"]);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(p.path("out"))).toBe(false);
    expect(existsSync(p.path("cache/objects"))).toBe(false);
    expect(existsSync(p.path("cache/memo"))).toBe(true);

    const rebuilt = await p.run(["build"]);
    expect(rebuilt.code, rebuilt.stderr).toBe(0);
    const s = summary(rebuilt.stdout);
    expect(Object.keys(s)).toEqual(STAGES);
    expect(Object.values(s).every((x) => x.status === "ran" && x.misses === 0)).toBe(true);
    expect(s["unique-prompts"]!.hits).toBe(1); // the 12 prompts' MinHash signatures are one memoised chunk
    expect(p.read("dpo.lock")).toBe(lock);
    expect(filesUnder(p.dir, "out")).toEqual(out);
  });
});

describe("dpo init", () => {
  it("writes a project that builds offline and publishes files under out/", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dpo-init-"));
    dirs.push(dir);
    const run = (args: string[], cwd: string) =>
      collect(spawn(process.execPath, [dpoBin, ...args], { cwd, env: { ...process.env, CI: "true", DPO_BASE_URL: "", OPENAI_API_KEY: "" }, stdio: ["ignore", "pipe", "pipe"] }));
    const init = await run(["init", "fresh"], dir);
    expect(init.code, init.stderr).toBe(0);
    expect(init.stdout).toMatch(/^next: cd fresh && (dpo|\S+ \S+\/bin\/dpo\.js) build$/m); // dpo is not on npm: never `npx dpo`
    const build = await run(["build", "--offline"], join(dir, "fresh"));
    expect(build.stderr).toBe("");
    expect(build.code, build.stderr).toBe(0);
    // The editor schemas the YAML files name are there, and are what `dpo schema` prints.
    const schema = await run(["schema"], dir);
    expect(readFileSync(join(dir, "fresh", "dpo.schema.json"), "utf8")).toBe(schema.stdout);
    expect(readFileSync(join(dir, "fresh", "dpo.config.yaml"), "utf8")).toMatch(/^# yaml-language-server: \$schema=\.\/dpo\.schema\.json\n/);
    const published = [...filesUnder(join(dir, "fresh"), "out").keys()];
    expect(published.length).toBeGreaterThan(0);
    expect(published.some((f) => /^out\/[^/]+\/train\.trl\.jsonl$/.test(f))).toBe(true);

    const again = await run(["init", "fresh"], dir);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain("error: fresh already has datasets/outputs.jsonl, datasets/prompts.jsonl, dpo.config.yaml, dpo.schema.json, rubric.schema.json, rubrics/helpfulness.yaml");
    expect(again.stderr).toContain("hint: dpo init never overwrites files");
  });

  it("refuses a directory holding one of its files, and writes nothing there", async () => {
    const p = new TempProject({ "datasets/prompts.jsonl": '{"instruction": "mine"}\n' });
    scratch.push(p);
    const r = await p.run(["init"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("error: . already has datasets/prompts.jsonl\n  hint: dpo init never overwrites files: choose an empty directory\n");
    expect(existsSync(p.path("dpo.config.yaml"))).toBe(false);
    expect(p.read("datasets/prompts.jsonl")).toBe('{"instruction": "mine"}\n');
  });
});

describe("global options", () => {
  it("-C works before the command as after it, as with git and make", async () => {
    const outside = new TempProject({});
    try {
      for (const args of [["-C", built.dir, "status"], ["status", "-C", built.dir], [`--dir=${built.dir}`, "status"]]) {
        const r = await outside.run(args);
        expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(0);
        expect(r.stdout).toContain("stages are up to date");
      }
    } finally {
      outside.remove();
    }
  });
});

describe(".env and required variables", () => {
  const config = "version: 1\nproject: env\nstages:\n  prompts:\n    uses: source/jsonl\n    with: { path: \"${PROMPTS:?set PROMPTS to your prompt file}\", prompt: text }\n";
  it("reads `${VAR}` from the project's .env under the real environment, and `${VAR:?msg}` fails with msg", async () => {
    const p = new TempProject({ "dpo.config.yaml": config, "a.jsonl": '{"text":"from a"}\n', "b.jsonl": '{"text":"from b"}\n' });
    scratch.push(p);
    const missing = await p.run(["status"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("environment variable PROMPTS is not set or empty: set PROMPTS to your prompt file");
    p.write(".env", "# local settings\nPROMPTS=a.jsonl\n");
    const fromFile = await p.run(["build"]);
    expect(fromFile.code, fromFile.stderr).toBe(0);
    expect((await p.run(["show", "prompts", "--json"])).stdout).toContain("from a");
    // The real environment wins over .env.
    const real = new TempProject({ "dpo.config.yaml": config, "a.jsonl": '{"text":"from a"}\n', "b.jsonl": '{"text":"from b"}\n', ".env": "PROMPTS=a.jsonl\n" });
    scratch.push(real);
    expect((await real.run(["build"], { PROMPTS: "b.jsonl" })).code).toBe(0);
    expect((await real.run(["show", "prompts", "--json"], { PROMPTS: "b.jsonl" })).stdout).toContain("from b");
  });
});

describe("unknown commands and flags", () => {
  it("suggest the right name and exit 2", async () => {
    const cmd = await built.run(["buid"]);
    expect(cmd.code).toBe(2);
    expect(cmd.stderr).toBe('error: unknown command "buid"\n  hint: did you mean `dpo build`?\n');
    const flag = await built.run(["build", "--frozn"]);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("Unknown option '--frozn'");
    expect(flag.stderr).toContain("hint: did you mean `--frozen`?");
  });
});
