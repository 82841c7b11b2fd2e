/**
 * On-disk state is checked when read: a corrupt or conflict-marked dpo.lock is
 * a located warning (and `dpo gc` refuses to run on it), a malformed run-cache
 * entry is a miss, and a compiled config of the wrong shape is recompiled.
 * In-process: each case takes milliseconds.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { projectPaths } from "../../src/engine/paths.js";
import { recordingReporter } from "../support/harness.js";
import { run as gc } from "../../src/cli/commands/gc.js";
import { run as show } from "../../src/cli/commands/show.js";
import { build as buildProject, type BuildResult } from "../../src/engine/build.js";
import { memoryMemo } from "../../src/engine/memo.js";
import { loadProjectConfig } from "../../src/engine/config/compiled.js";
import { loadConfig, type ProjectConfig } from "../../src/engine/config/load.js";
import { DpoError } from "../../src/engine/diagnostic.js";
import type { StageKey } from "../../src/engine/fingerprint.js";
import { sha256 } from "../../src/engine/hash.js";
import { readLock, serialiseLock, writeLockIfChanged, type LockFile } from "../../src/engine/lock.js";
import { definePlugin } from "../../src/engine/plugin.js";
import { createRegistry } from "../../src/engine/registry.js";
import { StageIndex, type StageManifest } from "../../src/engine/stage-index.js";
import { ObjectStore } from "../../src/engine/store.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "dpo-ondisk-"));
  dirs.push(dir);
  return dir;
}
function write(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

const d = (s: string) => sha256(s);
const lockOf = (stages: LockFile["stages"]): LockFile => ({ version: 1, stages });
const stage = { key: d("k") as StageKey, plugin: "source/jsonl@1", files: { "a.jsonl": d("a") }, inputs: {}, manifest: d("m"), output: d("o"), records: 2 };
const goodLock = serialiseLock(lockOf({ prompts: stage, other: { ...stage, tallies: { "cost.usd": 0.5, nan: null as unknown as number }, published: { "r.json": d("p") } } }));

/** `goodLock` as git leaves it after a conflicting merge. */
function conflicted(): { text: string; markerLine: number } {
  const lines = goodLock.split("\n");
  lines.splice(3, 0, "<<<<<<< HEAD");
  lines.splice(6, 0, "=======", '      "key": "0000",', ">>>>>>> theirs");
  return { text: lines.join("\n"), markerLine: 4 };
}

describe("readLock", () => {
  it("reads a lock it wrote, and a missing file as an empty lock, without a problem", () => {
    const path = join(tempDir(), "dpo.lock");
    expect(readLock(path)).toEqual({ lock: lockOf({}) });
    writeFileSync(path, goodLock);
    const read = readLock(path);
    expect(read.problem).toBeUndefined();
    expect(serialiseLock(read.lock)).toBe(goodLock);
  });

  it("locates merge-conflict markers at the `<<<<<<<` line", () => {
    const path = join(tempDir(), "dpo.lock");
    const { text, markerLine } = conflicted();
    writeFileSync(path, text);
    const read = readLock(path);
    expect(read.lock).toEqual(lockOf({}));
    expect(read.problem).toMatchObject({ severity: "warning", location: { file: "dpo.lock", line: markerLine, column: 1 } });
    expect(read.problem!.message).toMatch(/merge-conflict markers/);
  });

  it("locates a JSON syntax error at its line and column", () => {
    const path = join(tempDir(), "dpo.lock");
    writeFileSync(path, '{\n  "version": 1,\n  "stages": {\n    "a" 1\n');
    expect(readLock(path).problem).toMatchObject({ location: { file: "dpo.lock", line: 4, column: 9 } });
    writeFileSync(path, '{\n  "version": 1,\n');
    expect(readLock(path).problem).toMatchObject({ location: { file: "dpo.lock", line: 3, column: 1 } });
    writeFileSync(path, "");
    expect(readLock(path).problem).toMatchObject({ location: { file: "dpo.lock", line: 1, column: 1 } });
  });

  it("reports valid JSON of the wrong shape at the file, naming the bad stage", () => {
    const path = join(tempDir(), "dpo.lock");
    const wrong: unknown[] = [null, [], { version: 2, stages: {} }, { version: 1 }, { version: 1, stages: { x: 5 } }, { version: 1, stages: { x: { ...stage, records: "2" } } }, { version: 1, stages: { x: { ...stage, key: "abc" } } }];
    for (const value of wrong) {
      writeFileSync(path, JSON.stringify(value));
      const read = readLock(path);
      expect(read.lock, JSON.stringify(value)).toEqual(lockOf({}));
      expect(read.problem, JSON.stringify(value)).toMatchObject({ severity: "warning", location: { file: "dpo.lock" } });
      expect(read.problem!.location!.line).toBeUndefined();
    }
    expect(readLock(path).problem!.message).toMatch(/stage "x"/);
  });
});

describe("writeLockIfChanged", () => {
  it("writes only when the serialised lock differs from the file", () => {
    const dir = tempDir();
    const path = join(dir, "dpo.lock");
    const lock = JSON.parse(goodLock) as LockFile;
    expect(writeLockIfChanged(path, lock)).toBe(true);
    expect(readFileSync(path, "utf8")).toBe(goodLock);
    expect(writeLockIfChanged(path, lock)).toBe(false);
    writeFileSync(path, conflicted().text);
    expect(writeLockIfChanged(path, lock)).toBe(true);
    expect(readFileSync(path, "utf8")).toBe(goodLock);
    expect(readdirSync(dir)).toEqual(["dpo.lock"]); // no temp file left beside it
  });
});

describe("dpo gc with an unreadable lock", () => {
  it("refuses and deletes nothing", async () => {
    const root = tempDir();
    const store = new ObjectStore(projectPaths(root));
    const digests = ["one", "two", "three"].map((s) => store.put(s));
    for (const text of [conflicted().text, '{"version": 1, "stages": {"x": 5}}', "{"]) {
      write(join(root, "dpo.lock"), text);
      const refused = await gc(["-C", root]).then(() => undefined, (e: unknown) => e);
      expect(refused).toBeInstanceOf(DpoError);
      expect((refused as DpoError).exitCode).toBe(2);
      expect((refused as DpoError).diagnostics[0]!.message).toMatch(/^dpo gc needs a readable dpo\.lock/);
      expect(digests.every((x) => store.has(x))).toBe(true);
    }
  });
});

describe("run-cache entries", () => {
  const manifest: StageManifest = {
    stage: "s", records: d("r"), count: 1, published: {}, tallies: { t: 1 }, reads: {},
    fingerprint: { plugin: "p@1", with: {}, files: {}, inputs: {}, providers: {}, seed: 1 },
  };
  const key = d("key") as StageKey;
  function index() {
    const root = tempDir();
    const store = new ObjectStore(projectPaths(root));
    const idx = new StageIndex(projectPaths(root), store);
    const entry = join(root, "cache", "index", key.slice(0, 2), key);
    return { store, idx, entry };
  }

  it("finds what was recorded", () => {
    const { idx } = index();
    const digest = idx.record(key, manifest);
    expect(idx.lookup(key)).toEqual({ found: { digest, manifest } });
    expect(idx.lookup(d("other") as StageKey)).toEqual({});
  });

  it("treats an index entry that is not a digest as a miss with a warning", () => {
    const { idx, entry } = index();
    for (const text of ["garbage\n", "../../../etc/passwd", ""]) {
      write(entry, text);
      const read = idx.lookup(key);
      expect(read.found).toBeUndefined();
      expect(read.problem).toMatchObject({ severity: "warning", location: { file: `cache/index/${key.slice(0, 2)}/${key}` } });
    }
  });

  it("treats a stored manifest of the wrong shape, or not JSON, as a miss with a warning", () => {
    const { idx, store, entry } = index();
    const wrong = ["{\"stage\":\"s\"}", "not json", JSON.stringify({ ...manifest, published: null }), JSON.stringify({ ...manifest, fingerprint: { plugin: "p@1" } })];
    for (const text of wrong) {
      const digest = store.put(text);
      write(entry, digest + "\n");
      const read = idx.lookup(key);
      expect(read.found, text).toBeUndefined();
      expect(read.problem, text).toMatchObject({ severity: "warning", location: { file: `cache/objects/${digest.slice(0, 2)}/${digest}` } });
      expect(idx.load(digest).found).toBeUndefined();
    }
  });
});

describe("compiled config", () => {
  function configRoot(): { root: string; config: ProjectConfig; path: string } {
    const root = tempDir();
    write(join(root, "dpo.config.yaml"), "version: 1\nproject: p\nseed: 1\nstages: {}\n");
    const config: ProjectConfig = { root, file: "dpo.config.yaml", source: "version: 1\nproject: p\nseed: 1\nstages: {}\n", version: 1, project: "p", seed: 1, providers: {}, stages: {}, order: [], secrets: [] };
    return { root, config, path: join(root, "cache", "config.json") };
  }
  const options = (root: string, load: () => ProjectConfig) => ({ root, registry, env: {}, stamp: "test", load: async () => ({ ok: true as const, value: load() }) });

  it("recompiles a cached config of the wrong shape instead of crashing", async () => {
    const { root, config, path } = configRoot();
    for (const text of ["[]", "null", '{"key":"x"}', '{"key":"x","config":{}}', '{"key":"x","config":{"stages":[],"providers":{}}}', "{"]) {
      write(path, text);
      let loads = 0;
      const loaded = await loadProjectConfig(options(root, () => (loads++, config)));
      expect(loaded, text).toBe(config);
      expect(loads).toBe(1);
    }
  });

  it("serves the config it compiled without loading again", async () => {
    const { root, config } = configRoot();
    await loadProjectConfig(options(root, () => config));
    const again = await loadProjectConfig(options(root, () => { throw new Error("should be served from cache/config.json"); }));
    expect(again.project).toBe("p");
  });
});

/** A source stage: one record per line of its file. */
const lines = definePlugin<{ path: string }>({
  name: "test/lines",
  version: "1",
  description: "one record per line",
  schema: { type: "object", additionalProperties: false, required: ["path"], properties: { path: { type: "string", dpo: "file", description: "input" } } },
  run: (ctx) => readFileSync(join(ctx.root, ctx.with.path), "utf8").split("\n").filter(Boolean).map((text) => ({ id: sha256(text), text })),
});
const registry = createRegistry({ "test/lines": async () => lines as never }, {});

/** A one-stage project and an in-process build of it. */
function sourceProject() {
  const root = tempDir();
  write(join(root, "dpo.config.yaml"), "version: 1\nproject: p\nseed: 1\nstages:\n  prompts:\n    uses: test/lines\n    with:\n      path: prompts.txt\n");
  write(join(root, "prompts.txt"), "say hi\nsay bye\n");
  const build = async (o: { frozen?: boolean } = {}): Promise<BuildResult & { warnings: string[] }> => {
    const loaded = await loadConfig({ root, registry, env: {} });
    if (!loaded.ok) throw new DpoError(loaded.error);
    const config = loaded.value;
    const { reporter, warnings } = recordingReporter();
    const mode = o.frozen ? "frozen" : "build";
    const result = await buildProject(config, { targets: [], mode, jobs: 1, wait: false, memo: memoryMemo(), signal: new AbortController().signal, reporter });
    return { ...result, warnings };
  };
  return { root, build, lock: () => readFileSync(join(root, "dpo.lock"), "utf8") };
}

describe("a build over corrupt on-disk state", () => {
  it("warns about a conflict-marked lock (located), builds as if unlocked and rewrites a correct lock", async () => {
    const p = sourceProject();
    expect((await p.build()).ok).toBe(true);
    const clean = p.lock();
    const lines = clean.split("\n");
    lines.splice(2, 0, "<<<<<<< HEAD", "=======", ">>>>>>> theirs");
    writeFileSync(join(p.root, "dpo.lock"), lines.join("\n"));

    const again = await p.build();
    expect(again.ok).toBe(true);
    expect(again.warnings).toHaveLength(1);
    expect(again.warnings[0]).toMatch(/^dpo\.lock:3:1: dpo\.lock has unresolved merge-conflict markers/);
    expect(again.outcomes.map((o) => o.status)).toEqual(["cached"]); // the run cache still has it
    expect(again.lockChanged).toBe(true);
    expect(p.lock()).toBe(clean);
  });

  it("fails clearly under --frozen when the lock is unreadable", async () => {
    const p = sourceProject();
    await p.build();
    writeFileSync(join(p.root, "dpo.lock"), "{ not json");
    const refused = await p.build({ frozen: true }).then(() => undefined, (e: unknown) => e);
    expect(refused).toBeInstanceOf(DpoError);
    expect((refused as DpoError).diagnostics[0]).toMatchObject({ severity: "error", location: { file: "dpo.lock", line: 1, column: 3 } });
    expect((refused as DpoError).diagnostics[0]!.message).toMatch(/^--frozen needs a readable dpo\.lock/);
    expect(readFileSync(join(p.root, "dpo.lock"), "utf8")).toBe("{ not json");
  });

  it("re-runs a stage whose run-cache manifest has the wrong shape, with a warning", async () => {
    const p = sourceProject();
    await p.build();
    const clean = p.lock();
    const { prompts } = (JSON.parse(clean) as LockFile).stages;
    const store = new ObjectStore(projectPaths(p.root));
    const bogus = store.put(JSON.stringify({ stage: "prompts", records: prompts!.output }));
    write(join(p.root, "cache", "index", prompts!.key.slice(0, 2), prompts!.key), bogus + "\n");

    const again = await p.build();
    expect(again.ok).toBe(true);
    expect(again.outcomes.map((o) => o.status)).toEqual(["ran"]);
    expect(again.warnings).toEqual([expect.stringMatching(/^cache\/objects\/.*: stored stage manifest does not have the shape of one/)]);
    expect(p.lock()).toBe(clean);
    expect((await p.build()).outcomes.map((o) => o.status)).toEqual(["cached"]);
  });

  it("dpo show and dpo verify refuse an unreadable lock with a located error, never a crash", async () => {
    const p = sourceProject();
    await p.build();
    writeFileSync(join(p.root, "dpo.lock"), conflicted().text);
    // verify loads the project through the CLI's loader, which runs from dist/ only.
    const { run: verify } = (await import(new URL("../../dist/cli/commands/verify.js", import.meta.url).href)) as { run: (argv: string[]) => Promise<number> };
    for (const [name, command] of [["dpo show", () => show(["-C", p.root, "prompts"])], ["dpo verify", () => verify(["-C", p.root])]] as const) {
      const refused = (await command().then(() => undefined, (e: unknown) => e)) as DpoError;
      expect(refused?.name, name).toBe("DpoError");
      expect(refused.exitCode).toBe(2);
      expect(refused.diagnostics[0]!.message).toMatch(new RegExp(`^${name} needs a readable dpo\\.lock`));
      expect(refused.diagnostics[0]!.location).toMatchObject({ file: "dpo.lock", line: 4 });
    }
    expect(existsSync(join(p.root, "cache", "build.pid"))).toBe(false);
  });
});
