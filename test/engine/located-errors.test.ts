/**
 * Errors found while a stage runs (by a plugin, by a provider, in a plugin's
 * own config file) are located at file:line:column from the locations the
 * loader recorded, and a wrong `needs` is a load-time error at its entry.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { describe, expect, test } from "vitest";
import { build, type BuildOptions } from "../../src/engine/build.js";
import { loadProjectConfig } from "../../src/engine/config/compiled.js";
import { loadConfig, type ProjectConfig } from "../../src/engine/config/load.js";
import type { Diagnostic } from "../../src/engine/diagnostic.js";
import { memoryMemo } from "../../src/engine/memo.js";
import { createRedactor } from "../../src/engine/redact.js";
import { createRegistry } from "../../src/engine/registry.js";
import { createReporter } from "../../src/engine/reporter.js";
import { builtinPlugins } from "../../src/plugins/index.js";
import { builtinProviders } from "../../src/providers/index.js";
import { brief, project, yaml } from "../config/helpers.js";

const registry = createRegistry(builtinPlugins, builtinProviders);

/** A local plugin whose run is the given body (it receives `ctx`). */
const plugin = (body: string, schema = "{ type: 'object', properties: { level: { type: 'string', default: 'x', description: 'l' } } }") =>
  `export default { name: "local/p", version: "1", description: "", schema: ${schema}, async run(ctx) { ${body} } };\n`;

async function loaded(root: string): Promise<ProjectConfig> {
  const r = await loadConfig({ root, registry, env: {} });
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  return r.value;
}

async function loadErrors(files: Record<string, string>): Promise<Diagnostic[]> {
  const r = await loadConfig({ root: await project(files), registry, env: {} });
  if (r.ok) throw new Error("expected the config to be rejected");
  return r.error;
}

/** The diagnostics of the one failed stage of an in-process build. */
async function runErrors(c: ProjectConfig, o: Partial<BuildOptions> = {}): Promise<Diagnostic[]> {
  const sink = new PassThrough().resume();
  const reporter = createReporter({ out: sink, err: sink, redact: createRedactor(c.secrets), quiet: true });
  const result = await build(c, { targets: [], mode: "build", wait: false, jobs: 1, signal: new AbortController().signal, reporter, memo: memoryMemo(), ...o });
  reporter.close();
  const failed = result.outcomes.filter((x) => x.status === "failed");
  expect(failed).toHaveLength(1);
  const only = failed[0]!;
  return only.status === "failed" ? only.diagnostics : [];
}

const where = (d: Diagnostic) => `${d.location?.file}:${d.location?.line}:${d.location?.column}`;

describe("ctx.fail", () => {
  test("locates a pointer under `with`, a defaulted key at its parent, `needs` and the stage itself, without the config text", async () => {
    const config = () =>
      yaml("version: 1", "project: p", "stages:", "  a:", "    uses: ./p.mjs", "  b:", "    uses: ./fail.mjs", "    needs: [a]", "    with:", "      level: deep", "      other: 1");
    const cases: [string, string][] = [
      ["/with/level", "dpo.config.yaml:10:14"],
      ["/with/missing", "dpo.config.yaml:10:7"],
      ["/needs", "dpo.config.yaml:8:12"],
      ["/needs/0", "dpo.config.yaml:8:13"],
      ["", "dpo.config.yaml:6:3"],
    ];
    for (const [pointer, at] of cases) {
      const root = await project({
        "p.mjs": plugin("return [];"),
        "fail.mjs": plugin(`ctx.fail(${JSON.stringify(pointer)}, "bad level", "try another");`, "{ type: 'object' }"),
        "dpo.config.yaml": config(),
      });
      const c = await loaded(root);
      c.source = ""; // nothing is re-parsed at failure time
      const [d, ...rest] = await runErrors(c);
      expect(rest).toEqual([]);
      expect([where(d!), d!.message, d!.hint]).toEqual([at, 'stage "b": bad level', "try another"]);
    }
  });

  test("ctx.readConfigFile reports schema errors at the plugin's own file's line and column", async () => {
    const schema = "{ type: 'object', additionalProperties: false, properties: { size: { type: 'integer', description: 's' } } }";
    const root = await project({
      "p.mjs": plugin(`await ctx.readConfigFile("conf/x.yaml", ${schema}); return [];`, "{ type: 'object' }"),
      "conf/x.yaml": "# settings\nname: x\n",
      "dpo.config.yaml": yaml("version: 1", "project: p", "stages:", "  a:", "    uses: ./p.mjs"),
    });
    const [d] = await runErrors(await loaded(root));
    expect([where(d!), d!.message]).toEqual(["conf/x.yaml:2:1", 'stage "a": unknown key `name`']);
  });

  test("ctx.readConfigFile reads YAML and JSON, fills defaults, and tracks the file like readFile", async () => {
    const schema = "{ type: 'object', properties: { size: { type: 'integer', default: 3, description: 's' } } }";
    const root = await project({
      "p.mjs": plugin(
        `const a = await ctx.readConfigFile("a.json", ${schema}); const b = await ctx.readConfigFile("./b.yaml", ${schema});` +
          ` return [{ id: "r", a: a.value, b: b.value, files: [a.file, b.file], at: b.locate("/size") }];`,
        "{ type: 'object' }",
      ),
      "a.json": '{"size": 5}',
      "b.yaml": "{}\n",
      "dpo.config.yaml": yaml("version: 1", "project: p", "stages:", "  a:", "    uses: ./p.mjs"),
    });
    const c = await loaded(root);
    const sink = new PassThrough().resume();
    const reporter = createReporter({ out: sink, err: sink, redact: (s) => s, quiet: true });
    const result = await build(c, { targets: [], mode: "build", wait: false, jobs: 1, signal: new AbortController().signal, reporter, memo: memoryMemo() });
    const [rec] = await result.outcomes[0]!.artifact!.all();
    expect(rec).toMatchObject({ a: { size: 5 }, b: { size: 3 }, files: ["a.json", "b.yaml"], at: { file: "b.yaml", line: 1, column: 1 } });
    expect(Object.keys(result.outcomes[0]!.manifest!.reads).sort()).toEqual(["a.json", "b.yaml"]);
  });
});

describe("provider failures are located", () => {
  const files = () => ({
    "p.mjs": plugin(
      `const llm = ctx.provider("llm"); await llm.chat({ model: "m", messages: [{ role: "user", content: "hi" }] }, { ctx }); return [];`,
      "{ type: 'object', properties: { llm: { type: 'string', dpo: 'provider', default: 'llm', description: 'l' } } }",
    ),
    "dpo.config.yaml": yaml(
      "version: 1",
      "project: p",
      "providers:",
      "  llm:",
      "    type: openai",
      `    baseUrl: http://127.0.0.1:1/v1`,
      "    maxRetries: 0",
      "stages:",
      "  a:",
      "    uses: ./p.mjs",
    ),
  });

  test("a chat call that fails is located at the provider's entry", async () => {
    const [d] = await runErrors(await loaded(await project(files())));
    expect(where(d!)).toBe("dpo.config.yaml:4:3");
    expect(d!.message).toContain('provider "llm"');
    expect(d!.path).toBe("providers.llm");
  });

  test("an offline miss is located at the stage that made the call", async () => {
    const [d] = await runErrors(await loaded(await project(files())), { mode: "offline" });
    expect(where(d!)).toBe("dpo.config.yaml:9:3");
    expect(d!.message).toContain("offline mode forbids sending it");
  });
});

describe("declared inputs", () => {
  const files = (...stages: string[]) => ({
    "data/p.jsonl": '{"prompt": "hi"}\n',
    "rubrics/r.yaml": "name: r\nscale: {min: 1, max: 5}\ncriteria: [{id: c, description: d, anchors: {1: bad, 5: good}}]\n",
    "dpo.config.yaml": yaml("version: 1", "project: p", "stages:", "  prompts:", "    uses: source/jsonl", "    with: { path: data/p.jsonl }", ...stages),
  });

  test("a `needs` entry of the wrong record kind is an error at that entry", async () => {
    const errs = await loadErrors(
      files("  unique:", "    uses: dedup/minhash", "    needs: prompts", "  pairs:", "    uses: pair/preference", "    needs: [unique]"),
    );
    expect(errs.map((d) => `${where(d)}: ${d.message}`)).toEqual([
      "dpo.config.yaml:12:13: stage `pairs` (pair/preference) takes judged records, but `unique` (dedup/minhash) produces prompts",
    ]);
  });

  test("too many or no inputs is an error at `needs` or at the stage", async () => {
    const errs = await loadErrors(
      files(
        "  gen:",
        "    uses: generate/recorded",
        "    needs: [prompts, prompts2]",
        "    with: { files: [data/p.jsonl] }",
        "  prompts2:",
        "    uses: source/jsonl",
        "    with: { path: data/p.jsonl }",
        "  judge:",
        "    uses: judge/rubric",
        "    with: { rubric: rubrics/r.yaml, judges: [{ id: o, type: offline }] }",
      ),
    );
    expect(errs.map(brief)).toEqual([
      "9:12 stage `gen` (generate/recorded) takes exactly one input stage, but `needs` names 2",
      "14:3 stage `judge` (judge/rubric) takes at least one input stage, but it has no `needs`",
    ]);
  });

  test("a project-local plugin that declares nothing takes anything, and its output is taken anywhere", async () => {
    const root = await project({
      ...files("  local:", "    uses: ./p.mjs", "    needs: [prompts]", "  gen:", "    uses: generate/recorded", "    needs: local", "    with: { files: [data/p.jsonl] }"),
      "p.mjs": plugin("return [];"),
    });
    await loaded(root);
  });
});

describe("the compiled config", () => {
  test("keeps the keyed values and the locations, so a revived config locates errors too", async () => {
    const root = await project({ "p.mjs": plugin("return [];"), "dpo.config.yaml": yaml("version: 1", "project: p", "stages:", "  a:", "    uses: ./p.mjs", "    with: { level: y }") });
    const o = { root, registry, env: {}, stamp: "test", load: () => loadConfig({ root, registry, env: {} }) };
    const first = await loadProjectConfig(o);
    const stored = JSON.parse(await readFile(join(root, "cache", "config.json"), "utf8"));
    expect(stored.config.locations["/stages/a/with/level"]).toMatchObject({ line: 6, column: 20 });
    const revived = await loadProjectConfig({ ...o, load: () => Promise.reject(new Error("must not re-load")) });
    expect(revived.locations).toEqual(first.locations);
    expect(revived.stages.a!.keyed).toEqual({ level: "y" });
  });
});

