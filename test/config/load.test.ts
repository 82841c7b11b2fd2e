import { describe, expect, test } from "vitest";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { loadConfig } from "../../src/engine/config/load.js";
import { brief, failures, lines, load, project, registry, yaml } from "./helpers.js";

const files = { "data/prompts.txt": "hi\n", "rubrics/r.md": "be kind\n" };

const valid = yaml(
  "version: 1",
  "project: demo",
  "seed: ${SEED:-7}",
  "providers:",
  "  gpt:",
  "    type: openai",
  "    model: gpt-x",
  "    apiKey: ${OPENAI_KEY}",
  "stages:",
  "  prompts:",
  "    uses: source/lines",
  "    with:",
  "      path: data/prompts.txt",
  "  judge:",
  "    uses: llm/judge",
  "    needs: prompts",
  "    with:",
  "      provider: gpt",
  "      rubric: ./rubrics/r.md",
  "      extra: [rubrics/r.md, data/prompts.txt]",
  "  pairs:",
  "    uses: pairs/build",
  "    needs: [judge, prompts]",
  "    description: the end",
);

describe("loadConfig: a valid project", () => {
  test("resolves plugins, needs, order, refs, defaults and interpolation", async () => {
    const { root, result } = await load({ ...files, "dpo.config.yaml": valid }, { OPENAI_KEY: "sk-secret" });
    if (!result.ok) throw new Error(JSON.stringify(result.error));
    const c = result.value;
    expect(c.root).toBe(root);
    expect(c.file).toBe("dpo.config.yaml");
    expect(c.source).toBe(valid);
    expect([c.version, c.project, c.seed]).toEqual([1, "demo", 7]);
    expect(c.order).toEqual(["prompts", "judge", "pairs"]);
    expect(await c.stages.prompts!.plugin.load()).toBe(lines);
    expect(c.stages.prompts!.with).toEqual({ path: "data/prompts.txt", limit: 10 });
    expect(c.stages.prompts!.files).toEqual(["data/prompts.txt"]);
    expect(c.stages.prompts!.location).toMatchObject({ file: "dpo.config.yaml", line: 10, column: 3 });
    const j = c.stages.judge!;
    expect(j.needs).toEqual(["prompts"]);
    expect(j.files).toEqual(["data/prompts.txt", "rubrics/r.md"]);
    expect(j.providers).toEqual(["gpt"]);
    expect(j.with.options).toEqual({ temperature: 0, mode: "pairwise" });
    expect(c.stages.pairs!.needs).toEqual(["judge", "prompts"]);
    expect(c.stages.pairs!.with).toEqual({});
  });

  test("provider identity drops secrets and tuning knobs; the secret is listed for redaction", async () => {
    const { result } = await load({ ...files, "dpo.config.yaml": valid }, { OPENAI_KEY: "sk-secret" });
    if (!result.ok) throw new Error(JSON.stringify(result.error));
    const gpt = result.value.providers.gpt!;
    expect(gpt.type).toBe("openai");
    expect(gpt.config).toEqual({ model: "gpt-x", apiKey: "sk-secret", baseUrl: "http://127.0.0.1:1", maxConcurrency: 8 });
    expect(gpt.identity).toEqual({ type: "openai", version: "3", config: { model: "gpt-x", baseUrl: "http://127.0.0.1:1" } });
    expect(JSON.stringify(gpt.identity)).not.toContain("sk-secret");
    expect(result.value.secrets).toEqual(["sk-secret"]);
  });

  test("a quoted scalar stays a string after interpolation and is type-checked as one", async () => {
    const errs = await failures({ ...files, "dpo.config.yaml": valid.replace("seed: ${SEED:-7}", 'seed: "${SEED:-7}"') }, { OPENAI_KEY: "k" });
    expect(errs.map(brief)).toEqual(['3:7 found "7", expected integer']);
  });

  test("a project-local plugin is imported relative to the root", async () => {
    const plugin = `export default { name: "local/echo", version: "1", description: "", schema: { type: "object", properties: { n: { type: "integer", default: 3, description: "n" } } }, run: () => [] };\n`;
    const { root, result } = await load({
      "plugins/echo.js": plugin,
      "dpo.config.yaml": yaml("version: 1", "project: p", "stages:", "  e:", "    uses: ./plugins/echo.js"),
    });
    if (!result.ok) throw new Error(JSON.stringify(result.error));
    expect(result.value.stages.e!.plugin.name).toBe("local/echo");
    expect((await result.value.stages.e!.plugin.load()).name).toBe("local/echo");
    expect(result.value.stages.e!.pluginFile).toBe(join(root, "plugins/echo.js"));
    expect(result.value.stages.e!.with).toEqual({ n: 3 });
  });
});

describe("loadConfig: located errors", () => {
  const stages = (...ls: string[]) => ({ ...files, "dpo.config.yaml": yaml("version: 1", "project: demo", "stages:", ...ls) });

  test("unknown key with did-you-mean, at the key", async () => {
    const errs = await failures(stages("  a:", "    uses: source/lines", "    with: { path: data/prompts.txt }", "  b:", "    uses: pairs/build", "    neds: a"));
    expect(errs).toEqual([
      {
        severity: "error",
        message: "unknown key `neds`",
        location: { file: "dpo.config.yaml", line: 9, column: 5, length: 4 },
        path: "stages.b.neds",
        hint: "did you mean `needs`?",
      },
    ]);
  });

  test("wrong type and missing required keys", async () => {
    const errs = await failures({ ...files, "dpo.config.yaml": yaml("version: 1", "seed: lots", "stages:", "  a:", "    with: {}") });
    expect(errs.map(brief)).toEqual(["1:1 missing required key `project`", '2:7 found "lots", expected integer', "4:3 missing required key `uses`"]);
    expect(errs[1]!.path).toBe("seed");
    expect(errs[2]!.path).toBe("stages.a");
  });

  test("unknown plugin with a suggestion", async () => {
    const errs = await failures(stages("  a:", "    uses: source/line"));
    expect(errs.map(brief)).toEqual(["5:11 unknown plugin `source/line`"]);
    expect(errs[0]!.hint).toBe("did you mean `source/lines`?");
  });

  test("a bad local plugin says what is wrong with it", async () => {
    const errs = await failures({
      "plugins/bad.js": "export default { name: 'x' };\n",
      "dpo.config.yaml": yaml("version: 1", "project: p", "stages:", "  a:", "    uses: ./plugins/bad.js", "  b:", "    uses: ./plugins/none.js"),
    });
    expect(errs.map(brief)).toEqual([
      "5:11 plugin `./plugins/bad.js` must `export default definePlugin({...})`; `version` must be a string, `schema` must be a JSON Schema object, `run` must be a function",
      "7:11 plugin file `./plugins/none.js` not found",
    ]);
  });

  test("unknown stage in needs, with did-you-mean", async () => {
    const errs = await failures(stages("  prompts:", "    uses: pairs/build", "  b:", "    uses: pairs/build", "    needs: [prompts, promts]"));
    expect(errs.map(brief)).toEqual(["8:22 stage `b` needs `promts`, which is not a stage"]);
    expect(errs[0]!.hint).toBe("did you mean `prompts`?");
    expect(errs[0]!.path).toBe("stages.b.needs[1]");
  });

  test("a three-stage cycle names every stage and locates each edge", async () => {
    const errs = await failures(
      stages(
        "  src:",
        "    uses: pairs/build",
        "  a:",
        "    uses: pairs/build",
        "    needs: [src, c]",
        "  b:",
        "    uses: pairs/build",
        "    needs: a",
        "  c:",
        "    uses: pairs/build",
        "    needs:",
        "      - b",
      ),
    );
    expect(errs).toHaveLength(1);
    expect(brief(errs[0]!)).toBe("6:3 stages `a`, `b`, `c` need each other in a cycle");
    expect(errs[0]!.related).toEqual([
      { message: "`a` needs `c`", location: { file: "dpo.config.yaml", line: 8, column: 18, length: 1 } },
      { message: "`b` needs `a`", location: { file: "dpo.config.yaml", line: 11, column: 12, length: 1 } },
      { message: "`c` needs `b`", location: { file: "dpo.config.yaml", line: 15, column: 9, length: 1 } },
    ]);
  });

  test("a stage needing itself", async () => {
    const errs = await failures(stages("  a:", "    uses: pairs/build", "    needs: a"));
    expect(errs.map(brief)).toEqual(["4:3 stage `a` needs itself"]);
  });

  test("a plugin `with` error at its nested location", async () => {
    const errs = await failures({
      ...stages("  j:", "    uses: llm/judge", "    with:", "      provider: gpt", "      options:", "        temperature: 5", "        mode: pairwise"),
      "dpo.config.yaml": yaml(
        "version: 1",
        "project: demo",
        "providers:",
        "  gpt: { type: openai, model: m }",
        "stages:",
        "  j:",
        "    uses: llm/judge",
        "    with:",
        "      provider: gpt",
        "      options:",
        "        temperature: 5",
        "        mode: pairwize",
        "        seeed: 1",
      ),
    });
    expect(errs.map(brief)).toEqual([
      "11:22 found 5, expected a number <= 2",
      '12:15 found "pairwize", expected one of "pairwise", "pointwise"',
      "13:9 unknown key `seeed`",
    ]);
    expect(errs[0]!.path).toBe("stages.j.with.options.temperature");
    expect(errs[1]!.hint).toBe('did you mean "pairwise"?');
  });

  test("a missing environment variable", async () => {
    const errs = await failures(stages("  a:", "    uses: source/lines", "    with:", "      path: ${DPO_INPUT}", "      limit: ${DPO_LIMIT}"), { DPO_LIMIT: "3" });
    expect(errs).toEqual([
      {
        severity: "error",
        message: "environment variable DPO_INPUT is not set",
        location: { file: "dpo.config.yaml", line: 7, column: 13, length: 12 },
        path: "stages.a.with.path",
        hint: "set DPO_INPUT, or give a default: ${DPO_INPUT:-default}",
      },
    ]);
  });

  test("missing and outside-the-project file refs", async () => {
    const errs = await failures(
      stages("  a:", "    uses: source/lines", "    with: { path: data/nope.txt }", "  b:", "    uses: source/lines", "    with: { path: ../outside.txt }"),
    );
    expect(errs.map(brief)).toEqual(["6:19 file `data/nope.txt` does not exist", expect.stringMatching(/^9:19 file `..\/outside.txt` lies outside the project/)]);
    expect(errs[0]!.path).toBe("stages.a.with.path");
  });

  test("unknown provider reference and unknown provider type", async () => {
    const errs = await failures({
      ...files,
      "dpo.config.yaml": yaml(
        "version: 1",
        "project: demo",
        "providers:",
        "  gpt:",
        "    type: opnai",
        "    model: m",
        "stages:",
        "  j:",
        "    uses: llm/judge",
        "    with: { provider: gpt4 }",
      ),
    });
    expect(errs.map(brief)).toEqual(["5:11 unknown provider type `opnai`", "10:23 stage `j` uses provider `gpt4`, which is not configured"]);
    expect(errs.map((e) => e.hint)).toEqual(["did you mean `openai`?", "did you mean `gpt`?"]);
  });

  test("several errors of different kinds are reported together, in file order", async () => {
    const errs = await failures(
      {
        ...files,
        "dpo.config.yaml": yaml(
          "version: 2",
          "project: demo",
          "stages:",
          "  a:",
          "    uses: source/lines",
          "    with: { path: missing.txt, limit: 0 }",
          "  b:",
          "    uses: pairs/biuld",
          "    neds: a",
          "  c:",
          "    uses: pairs/build",
          "    needs: [a, x]",
          "  bad name:",
          "    uses: pairs/build",
          "    description: ${WHAT}",
        ),
      },
      {},
    );
    expect(errs.map(brief)).toEqual([
      "1:10 found 2, expected 1",
      "6:39 found 0, expected a number >= 1",
      "8:11 unknown plugin `pairs/biuld`",
      "9:5 unknown key `neds`",
      "12:16 stage `c` needs `x`, which is not a stage",
      "13:3 invalid name `bad name`, expected a name matching /^[A-Za-z][A-Za-z0-9_-]*$/",
      "15:18 environment variable WHAT is not set",
    ]);
  });

  test("YAML syntax errors are located", async () => {
    const errs = await failures({ "dpo.config.yaml": yaml("version: 1", "stages:", "  a: [1, 2", "  b: 3") });
    expect(errs.length).toBeGreaterThan(0);
    expect(errs[0]!.message).toMatch(/^YAML syntax: /);
    expect(errs[0]!.location).toMatchObject({ file: "dpo.config.yaml", line: 4 });
  });

  test("a missing config file is a clear error", async () => {
    const root = await project({});
    const r = await loadConfig({ root, registry, env: {} });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error[0]!.message).toBe(`config file \`dpo.config.yaml\` not found in ${root}`);
  });

  test("a named config file is read from the root", async () => {
    const root = await project(files);
    await writeFile(join(root, "other.yaml"), yaml("version: 1", "project: p", "stages:", "  a:", "    uses: pairs/build"));
    const ok = await loadConfig({ root, file: "other.yaml", registry, env: {} });
    expect(ok.ok && ok.value.file).toBe("other.yaml");
  });
});
