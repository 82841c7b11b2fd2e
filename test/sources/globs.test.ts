/**
 * Glob inputs: a source's `path` may name shards (`data/train-*.jsonl`), read
 * in sorted order as one input, each file's digest in the stage key, and a
 * shard that appears or goes makes the stage stale.
 */
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadProjectConfig } from "../../src/engine/config/compiled.js";
import { loadConfig } from "../../src/engine/config/load.js";
import { DpoError } from "../../src/engine/diagnostic.js";
import { createRegistry } from "../../src/engine/registry.js";
import csvSource from "../../src/plugins/source/csv.js";
import hhSource from "../../src/plugins/source/hh.js";
import jsonlSource from "../../src/plugins/source/jsonl.js";
import { Harness } from "../support/harness.js";
import { runPlugin } from "../support/run-plugin.js";
import { jsonl, project } from "./project.js";

const shard = (...prompts: string[]) => jsonl(prompts.map((prompt) => ({ prompt })));
// Artifacts hold records in content order, so reading order is seen in the order errors are reported.
const texts = (records: Record<string, unknown>[]) => records.map((r) => r.prompt as string).sort();
const sources = (records: Record<string, unknown>[]) => records.map((r) => r.source as { file: string; line: number }).map((s) => `${s.file}:${s.line}`).sort();

describe("a source reading a glob pattern", () => {
  it("reads every matching shard in sorted order, naming each record's own file", async () => {
    const root = project({ "data/train-2.jsonl": shard("c"), "data/train-1.jsonl": shard("a", "b"), "data/test-1.jsonl": shard("no") });
    const { records } = await runPlugin(jsonlSource, { root, with: { path: "data/train-*.jsonl" } });
    expect(texts(records)).toEqual(["a", "b", "c"]);
    expect(sources(records)).toEqual(["data/train-1.jsonl:1", "data/train-1.jsonl:2", "data/train-2.jsonl:1"]);
  });

  it("reads the shards in sorted order, whatever order they were written in", async () => {
    const root = project({ "d/c.jsonl": "{bad c\n", "d/a.jsonl": "{bad a\n", "d/b.jsonl": "{bad b\n" });
    const err = await runPlugin(jsonlSource, { root, with: { path: "d/*.jsonl", onError: "fail" } }).catch((e: unknown) => e);
    expect((err as DpoError).diagnostics.map((d) => d.location?.file)).toEqual(["d/a.jsonl", "d/b.jsonl", "d/c.jsonl"]);
  });

  it("reports a bad record at its own file and line", async () => {
    const root = project({ "d/a.jsonl": shard("ok"), "d/b.jsonl": shard("ok") + "{oops\n" });
    const err = await runPlugin(jsonlSource, { root, with: { path: "d/*.jsonl" } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DpoError);
    expect((err as DpoError).diagnostics[0]!.location).toMatchObject({ file: "d/b.jsonl", line: 2 });
  });

  it("reads each CSV shard's own header", async () => {
    const root = project({ "d/1.csv": "prompt,x\nfirst,1\n", "d/2.csv": "x,prompt\n2,second\n" });
    const { records } = await runPlugin(csvSource, { root, with: { path: "d/*.csv" } });
    expect(texts(records)).toEqual(["first", "second"]);
    expect(sources(records)).toEqual(["d/1.csv:2", "d/2.csv:2"]);
  });

  it("reads HH shards", async () => {
    const pair = { chosen: "\n\nHuman: hi\n\nAssistant: yes", rejected: "\n\nHuman: hi\n\nAssistant: no" };
    const root = project({ "hh/b.jsonl": jsonl([pair]), "hh/a.jsonl": jsonl([pair]) });
    const { records } = await runPlugin(hhSource, { root, with: { path: "hh/*.jsonl" } });
    expect(sources(records)).toEqual(["hh/a.jsonl:1", "hh/b.jsonl:1"]);
  });
});

describe("a stage with a glob input", () => {
  let h: Harness;
  afterEach(() => h.remove());
  const config = (path: string) => `version: 1\nproject: p\nseed: 1\nstages:\n  prompts:\n    uses: source/jsonl\n    with: { path: "${path}" }\n`;
  const make = (files: Record<string, string>) => (h = new Harness({ "dpo.config.yaml": config("datasets/train-*.jsonl"), ...files }, { "source/jsonl": jsonlSource }));
  const lockedFiles = () => Object.keys(JSON.parse(h.read("dpo.lock")).stages.prompts.files);

  it("keys every shard: one that appears or goes makes the stage stale", async () => {
    make({ "datasets/train-0.jsonl": shard("a"), "datasets/train-1.jsonl": shard("b") });
    const first = await h.build();
    expect(first.stage.prompts!.status).toBe("ran");
    expect(lockedFiles()).toEqual(["datasets/train-0.jsonl", "datasets/train-1.jsonl"]);
    expect((await h.build()).stage.prompts!.status).toBe("cached");

    h.write("datasets/train-2.jsonl", shard("c"));
    const grown = await h.build();
    expect(grown.stage.prompts!.status).toBe("ran");
    expect(lockedFiles()).toEqual(["datasets/train-0.jsonl", "datasets/train-1.jsonl", "datasets/train-2.jsonl"]);
    const built = grown.stage.prompts!;
    expect(built.status === "ran" && texts((await built.artifact.all()) as Record<string, unknown>[])).toEqual(["a", "b", "c"]);

    rmSync(h.path("datasets/train-0.jsonl"));
    const shrunk = await h.build();
    expect(shrunk.stage.prompts!.status).toBe("ran");
    expect(lockedFiles()).toEqual(["datasets/train-1.jsonl", "datasets/train-2.jsonl"]);
  });

  it("an edited shard makes the stage stale", async () => {
    make({ "datasets/train-0.jsonl": shard("a") });
    await h.build();
    h.write("datasets/train-0.jsonl", shard("changed"));
    expect((await h.build()).stage.prompts!.status).toBe("ran");
  });

  it("a pattern matching nothing is a located load error", async () => {
    make({ "datasets/other.jsonl": shard("a") });
    const err = await h.build().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DpoError);
    const [d] = (err as DpoError).diagnostics;
    expect(d!.message).toBe("no file matches `datasets/train-*.jsonl`");
    expect(d!.location).toMatchObject({ file: "dpo.config.yaml", line: 7 });
  });

  it("a pattern leaving the project is a load error", async () => {
    h = new Harness({ "dpo.config.yaml": config("../*.jsonl") }, { "source/jsonl": jsonlSource });
    const err = await h.build().catch((e: unknown) => e);
    expect((err as DpoError).diagnostics[0]!.message).toMatch(/^pattern `\.\.\/\*\.jsonl` lies outside the project/);
  });
});

describe("the compiled config of a project with a glob input", () => {
  it("is recompiled when a shard appears or goes, so the stage's files follow", async () => {
    const root = project({
      "dpo.config.yaml": "version: 1\nproject: p\nseed: 1\nstages:\n  prompts:\n    uses: source/jsonl\n    with: { path: data/*.jsonl }\n",
      "data/a.jsonl": shard("a"),
    });
    const registry = createRegistry({ "source/jsonl": async () => jsonlSource }, {});
    let loads = 0;
    const load = () => loadProjectConfig({ root, registry, env: {}, stamp: "test", load: () => (loads++, loadConfig({ root, registry, env: {} })) });
    expect((await load()).stages.prompts!.files).toEqual(["data/a.jsonl"]);
    expect((await load()).stages.prompts!.patterns).toEqual(["data/*.jsonl"]);
    expect(loads).toBe(1); // served compiled while the matches stay the same
    writeFileSync(join(root, "data/b.jsonl"), shard("b"));
    expect((await load()).stages.prompts!.files).toEqual(["data/a.jsonl", "data/b.jsonl"]);
    rmSync(join(root, "data/a.jsonl"));
    expect((await load()).stages.prompts!.files).toEqual(["data/b.jsonl"]);
    expect(loads).toBe(3);
  });
});
