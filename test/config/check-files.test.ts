/**
 * Files a stage's plugin can validate without running (rubrics) are checked
 * when the config loads: a bad rubric is a located error, exit 2, before any
 * stage runs — for build, dry run and status alike — and an edit to it is
 * seen even when the config itself comes from its compiled copy.
 */
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, test } from "vitest";
import { loadProjectConfig } from "../../src/engine/config/compiled.js";
import { loadConfig } from "../../src/engine/config/load.js";
import { DpoError, type Diagnostic } from "../../src/engine/diagnostic.js";
import { createRegistry } from "../../src/engine/registry.js";
import { builtinPlugins } from "../../src/plugins/index.js";
import { builtinProviders } from "../../src/providers/index.js";
import type { Plugin } from "../../src/engine/plugin.js";
import { Harness, lines } from "../support/harness.js";

const registry = createRegistry(builtinPlugins, {});
let builtins: Record<string, Plugin> = {};
beforeAll(async () => {
  builtins = Object.fromEntries(await Promise.all(Object.entries(builtinPlugins).map(async ([name, load]) => [name, await load()] as const)));
});
const made: Harness[] = [];
afterEach(() => {
  for (const h of made.splice(0)) h.remove();
});

const goodRubric = "name: r\nscale: {min: 1, max: 5}\ncriteria:\n  - {id: c, description: d, anchors: {1: bad, 5: good}}\n";
const config = [
  "version: 1",
  "project: p",
  "stages:",
  "  prompts:",
  "    uses: source/jsonl",
  "    with: { path: p.jsonl }",
  "  gen:",
  "    uses: generate/recorded",
  "    needs: prompts",
  "    with: { files: [p.jsonl] }",
  "  judge:",
  "    uses: judge/rubric",
  "    needs: gen",
  "    with: { rubric: rubrics/r.yaml, judges: [{ id: o, type: offline }] }",
].join("\n") + "\n";

function harness(rubric: string | Buffer): Harness {
  const h = new Harness({ "dpo.config.yaml": config, "p.jsonl": lines(2) }, builtins);
  h.write("rubrics/r.yaml", rubric);
  made.push(h);
  return h;
}

async function loadErrors(h: Harness): Promise<Diagnostic[]> {
  const loaded = await loadConfig({ root: h.dir, registry, env: {} });
  if (loaded.ok) throw new Error("expected the config to be rejected");
  return loaded.error;
}

const brief = (d: Diagnostic) => `${d.location?.file}:${d.location?.line}:${d.location?.column} ${d.message}`;

describe("rubric errors are found when the config loads, not when the judge runs", () => {
  test.each([
    ["a bad weight", "  - {id: c, description: d, weight: -1, anchors: {1: bad, 5: good}}\n", "rubrics/r.yaml:4:37 found -1, expected a number > 0"],
    ["an anchor outside the scale", "  - {id: c, description: d, anchors: {1: bad, 5: good, 9: wow}}\n", "rubrics/r.yaml:4:56 anchor score 9 is outside the scale 1–5"],
    [
      "a duplicate criterion id",
      "  - {id: c, description: d, anchors: {1: bad, 5: good}}\n  - {id: c, description: e, anchors: {1: bad, 5: good}}\n",
      "rubrics/r.yaml:5:10 duplicate criterion id `c`",
    ],
    ["a YAML syntax error", "  - {id: c, description: d, anchors: {1: bad, 5: good}\n", "rubrics/r.yaml:5:1 YAML syntax: Flow map in block collection must be sufficiently indented and end with a }"],
  ])("%s", async (_what, criteria, expected) => {
    const h = harness("name: r\nscale: {min: 1, max: 5}\ncriteria:\n" + criteria);
    expect((await loadErrors(h)).map(brief)).toEqual([expected]);
  });

  test("judge/pairwise's rubric is checked at load too", async () => {
    const pairwise = config.replace("    with: { rubric: rubrics/r.yaml, judges: [{ id: o, type: offline }] }\n", "    with: { rubric: rubrics/ok.yaml, judges: [{ id: o, type: offline }] }\n") +
      ["  pairs:", "    uses: pair/preference", "    needs: judge", "  verified:", "    uses: judge/pairwise", "    needs: pairs", "    with: { rubric: rubrics/r.yaml, judges: [{ id: p, provider: ep, model: m }] }"].join("\n") + "\n";
    const h = harness("name: r\nscale: {min: 1, max: 5}\ncriteria:\n  - {id: c, description: d, anchors: {5: good}}\n");
    h.write("rubrics/ok.yaml", goodRubric);
    h.write("dpo.config.yaml", pairwise.replace("stages:", "providers:\n  ep: { type: openai, baseUrl: http://127.0.0.1:9/v1 }\nstages:"));
    const loaded = await loadConfig({ root: h.dir, registry: createRegistry(builtinPlugins, builtinProviders), env: {} });
    if (loaded.ok) throw new Error("expected the config to be rejected");
    expect(loaded.error.map(brief)).toEqual(["rubrics/r.yaml:4:29 criterion `c` has no anchor for the bottom of the scale (1)"]);
  });

  test("no stage runs: the build fails at load with exit 2, and so do a dry run and status (verify mode)", async () => {
    const h = harness("name: r\nscale: {min: 1, max: 5}\ncriteria:\n  - {id: c, description: d, anchors: {1: bad}}\n");
    for (const mode of ["build", "dry-run", "verify"] as const) {
      const err = await h.build(mode).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DpoError);
      expect((err as DpoError).exitCode).toBe(2);
      expect((err as DpoError).diagnostics.map(brief)).toEqual(["rubrics/r.yaml:4:29 criterion `c` has no anchor for the top of the scale (5)"]);
    }
  });

  test("a good rubric loads, and the judge's config records it as checked", async () => {
    const h = harness(goodRubric);
    const loaded = await loadConfig({ root: h.dir, registry, env: {} });
    if (!loaded.ok) throw new Error(loaded.error.map(brief).join("\n"));
    expect(loaded.value.stages.judge!.checkedFiles).toEqual(["rubrics/r.yaml"]);
    expect(loaded.value.stages.prompts!.checkedFiles).toBeUndefined();
  });
});

describe("the compiled config and checked files", () => {
  const load = (h: Harness) =>
    loadProjectConfig({ root: h.dir, registry, env: {}, stamp: "test", load: () => loadConfig({ root: h.dir, registry, env: {} }) });

  test("breaking the rubric after a successful load is caught although the config text is unchanged", async () => {
    const h = harness(goodRubric);
    await load(h); // compiles
    await load(h); // from the compiled copy
    writeFileSync(h.path("rubrics/r.yaml"), goodRubric.replace("weight", "").replace("{1: bad, 5: good}", "{1: bad, 7: good}"));
    const err = await load(h).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DpoError);
    expect((err as DpoError).exitCode).toBe(2);
    expect((err as DpoError).diagnostics.map((d) => d.message)).toEqual([
      "criterion `c` has no anchor for the top of the scale (5)",
      "anchor score 7 is outside the scale 1–5",
    ]);
  });

  test("an unchanged rubric keeps the compiled config in use (no full load)", async () => {
    const h = harness(goodRubric);
    await load(h);
    let fullLoads = 0;
    await loadProjectConfig({
      root: h.dir, registry, env: {}, stamp: "test",
      load: () => {
        fullLoads++;
        return loadConfig({ root: h.dir, registry, env: {} });
      },
    });
    expect(fullLoads).toBe(0);
    rmSync(join(h.dir, "cache"), { recursive: true, force: true });
  });
});
