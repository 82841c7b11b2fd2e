/**
 * Published paths name files inside out/: `.`, a trailing slash, `..` or an
 * absolute path is refused, statically (from a plugin's `publishes`
 * declaration) where it can be, else when the stage publishes it. Two stages
 * publishing the same place is a load-time error naming both when it can be
 * known, and a run-time failure of the second otherwise.
 */
import { existsSync, statSync } from "node:fs";
import { afterEach, describe, expect, test } from "vitest";
import { loadConfig } from "../../src/engine/config/load.js";
import type { Diagnostic } from "../../src/engine/diagnostic.js";
import { definePlugin } from "../../src/engine/plugin.js";
import { createRegistry } from "../../src/engine/registry.js";
import { builtinPlugins } from "../../src/plugins/index.js";
import { Harness, lines } from "../support/harness.js";

const made: Harness[] = [];
afterEach(() => {
  for (const h of made.splice(0)) h.remove();
});

function harness(files: Record<string, string>, extra = {}): Harness {
  const h = new Harness(files, extra);
  made.push(h);
  return h;
}

const config = (...stageLines: string[]) => ["version: 1", "project: p", "stages:", ...stageLines].join("\n") + "\n";

async function builtinLoadErrors(h: Harness): Promise<Diagnostic[]> {
  const loaded = await loadConfig({ root: h.dir, registry: createRegistry(builtinPlugins, {}), env: {} });
  if (loaded.ok) throw new Error("expected the config to be rejected");
  return loaded.error;
}

const brief = (d: Diagnostic) => `${d.location?.line}:${d.location?.column} ${d.message}`;

/** The built-in stages up to pairs, so agreement and export stages have valid inputs. */
const upToPairs = [
  "  prompts:", "    uses: source/jsonl", "    with: { path: p.jsonl }",
  "  gen:", "    uses: generate/recorded", "    needs: prompts", "    with: { files: [p.jsonl] }",
  "  judge:", "    uses: judge/rubric", "    needs: gen", "    with: { rubric: r.yaml, judges: [{ id: o, type: offline }] }",
  "  pairs:", "    uses: pair/preference", "    needs: judge",
];
const projectFiles = {
  "p.jsonl": lines(1),
  "r.yaml": "name: r\nscale: {min: 1, max: 5}\ncriteria: [{id: c, description: d, anchors: {1: bad, 5: good}}]\n",
};

describe("published paths are files inside out/", () => {
  test('`report: "."` (out/ itself) and `report: "reports/"` (a folder) are load-time errors at `report`', async () => {
    const h = harness({
      ...projectFiles,
      "dpo.config.yaml": config(
        ...upToPairs,
        "  agree:", "    uses: quality/agreement", "    needs: pairs", '    with: { report: "." }',
        "  agree2:", "    uses: quality/agreement", "    needs: pairs", '    with: { report: "reports/" }',
      ),
    });
    const errs = await builtinLoadErrors(h);
    expect(errs.map(brief)).toEqual([
      "21:21 stage `agree` publishes `.` under out/, which is `out/` itself, not a file inside it",
      "25:21 stage `agree2` publishes `reports/` under out/, which is a folder (trailing `/`), not a file",
    ]);
  });

  test("a bad path published at run time fails the stage at the `with` entry naming it, and out/ stays a folder", async () => {
    const h = harness({ "in.jsonl": lines(2), "dpo.config.yaml": config("  a:", "    uses: test/items", '    with: { path: in.jsonl, publish: "." }') });
    const b = await h.build();
    const a = b.stage.a!;
    if (a.status !== "failed") throw new Error(`a is ${a.status}`);
    expect(a.diagnostics).toEqual([
      expect.objectContaining({
        message: 'stage "a": cannot publish ".": `out/` itself, not a file inside it',
        location: expect.objectContaining({ line: 6, column: 38 }),
      }),
    ]);
    expect(existsSync(h.path("out")) && !statSync(h.path("out")).isDirectory()).toBe(false);
  });

  test.each([
    ["reports/", "a folder (trailing `/`), not a file"],
    ["../x.txt", "a `..` step out of out/"],
    ["/etc/x", "an absolute path"],
    ["a//b", "an empty folder name (`//`)"],
  ])("publishing %j is refused: %s", async (path, why) => {
    const h = harness({ "in.jsonl": lines(1), "dpo.config.yaml": config("  a:", "    uses: test/items", `    with: { path: in.jsonl, publish: ${JSON.stringify(path)} }`) });
    const a = (await h.build()).stage.a!;
    if (a.status !== "failed") throw new Error(`a is ${a.status}`);
    expect(a.diagnostics[0]!.message).toBe(`stage "a": cannot publish ${JSON.stringify(path)}: ${why}`);
  });

  test("one stage publishing a file and a folder of the same name is refused", async () => {
    const both = definePlugin<Record<string, never>>({
      name: "test/both",
      version: "1",
      description: "publishes x and x/y",
      schema: { type: "object", properties: {} },
      run(ctx) {
        ctx.publish("x", "1");
        ctx.publish("x/y", "2");
        return [];
      },
    });
    const h = harness({ "dpo.config.yaml": config("  a:", "    uses: test/both") }, { "test/both": both });
    const a = (await h.build()).stage.a!;
    if (a.status !== "failed") throw new Error(`a is ${a.status}`);
    expect(a.diagnostics[0]!.message).toMatch(/^stage "a": cannot publish "x\/y": it collides with "x"/);
  });
});

describe("two stages publishing the same out/ path", () => {
  test("is a load-time error naming both when their plugins declare it (two agreement reports)", async () => {
    const h = harness({
      ...projectFiles,
      "dpo.config.yaml": config(
        ...upToPairs,
        "  agree:", "    uses: quality/agreement", "    needs: pairs",
        "  agree2:", "    uses: quality/agreement", "    needs: pairs", "    with: { filter: drop }",
      ),
    });
    const errs = await builtinLoadErrors(h);
    expect(errs.map(brief)).toEqual(["24:11 stages `agree` and `agree2` both publish out/reports/agreement.json"]);
    expect(errs[0]!.related).toEqual([expect.objectContaining({ message: "stage `agree` publishes it", location: expect.objectContaining({ line: 19 }) })]);
  });

  test("a report inside an export's iteration folder collides with that folder", async () => {
    const h = harness({
      ...projectFiles,
      "dpo.config.yaml": config(
        ...upToPairs,
        "  export:", "    uses: export/iterations", "    needs: pairs", "    with: { iterations: [100] }",
        "  agree:", "    uses: quality/agreement", "    needs: pairs", "    with: { report: iter-0100/agreement.json }",
      ),
    });
    expect((await builtinLoadErrors(h)).map(brief)).toEqual([
      "25:21 stages `export` and `agree` both publish out/iter-0100/agreement.json (stage `export` publishes out/iter-0100/)",
    ]);
  });

  test("is a run-time failure of the second stage, naming the first, when nothing declares it", async () => {
    const h = harness({
      "in.jsonl": lines(2),
      "dpo.config.yaml": config(
        "  a:", "    uses: test/items", "    with: { path: in.jsonl, publish: same.txt }",
        "  b:", "    uses: test/items", "    needs: a", "    with: { suffix: '!', publish: same.txt }",
      ),
    });
    const b = await h.build();
    expect(b.stage.a!.status).toBe("ran");
    const second = b.stage.b!;
    if (second.status !== "failed") throw new Error(`b is ${second.status}`);
    expect(second.diagnostics[0]!.message).toBe('stage "b": publishes out/same.txt, which stage "a" publishes too');
    expect(h.read("out/same.txt")).toBe("item 0\nitem 1\n");
    // Both cached now: the collision is found again, not papered over.
    const again = await h.build();
    expect(again.stage.b!.status).toBe("failed");
  });
});

describe("out/ path rules", () => {
  test("what a published file path may be", async () => {
    const { outFileProblem, claimsCollide } = await import("../../src/engine/out-path.js");
    expect(["reports/a.json", "iter-0100/train.jsonl", "a"].map(outFileProblem)).toEqual([undefined, undefined, undefined]);
    expect(outFileProblem("")).toBe("an empty path");
    expect(outFileProblem("a/./b")).toBe("a `.` step");
    expect([claimsCollide("a", "a"), claimsCollide("a", "a/b"), claimsCollide("a/", "a/b/c"), claimsCollide("a/", "a")]).toEqual([true, true, true, true]);
    expect([claimsCollide("a", "ab"), claimsCollide("a/", "ab/c"), claimsCollide("x/a", "y/a")]).toEqual([false, false, false]);
  });
});
