/**
 * Invalid UTF-8 in the config or in a plugin's config file (a rubric) is an
 * error at its line and column, as it is in datasets, never a silent U+FFFD
 * (which once turned a project name into `rel-��test` in cache/config.json).
 */
import { describe, expect, test } from "vitest";
import { loadConfig } from "../../src/engine/config/load.js";
import { DpoError } from "../../src/engine/diagnostic.js";
import judgeRubric from "../../src/plugins/judge/rubric.js";
import { runPlugin } from "../support/run-plugin.js";
import { project, registry } from "./helpers.js";

const bytes = (...parts: (string | number[])[]) => Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p) : Buffer.from(p))));

describe("invalid UTF-8", () => {
  test("in the config: an error at file:line:column, and nothing loads", async () => {
    const root = await project({});
    const { writeFile } = await import("node:fs/promises");
    await writeFile(`${root}/dpo.config.yaml`, bytes("version: 1\nproject: rel-", [0xff, 0xfe], "test\nstages: {}\n"));
    const loaded = await loadConfig({ root, registry, env: {} });
    expect(loaded.ok).toBe(false);
    if (loaded.ok) return;
    expect(loaded.error).toEqual([
      expect.objectContaining({ message: "invalid UTF-8", location: { file: "dpo.config.yaml", line: 2, column: 14 } }),
    ]);
  });

  test("a genuine U+FFFD and a BOM are fine", async () => {
    const root = await project({});
    const { writeFile } = await import("node:fs/promises");
    await writeFile(`${root}/dpo.config.yaml`, bytes([0xef, 0xbb, 0xbf], "version: 1\nproject: p\uFFFD\nstages: {}\n"));
    const loaded = await loadConfig({ root, registry, env: {} });
    expect(loaded.ok && loaded.value.project).toBe("p\uFFFD");
  });

  test("in a rubric: an error at the rubric's line and column when the judge reads it", async () => {
    const root = await project({});
    const { writeFile, mkdir } = await import("node:fs/promises");
    await mkdir(`${root}/rubrics`);
    await writeFile(
      `${root}/rubrics/r.yaml`,
      bytes("name: r\nscale: {min: 1, max: 5}\ncriteria:\n  - {id: c, description: caf", [0xc3, 0x28], ", anchors: {1: bad, 5: good}}\n"),
    );
    const err = await runPlugin(judgeRubric, { root, with: { rubric: "rubrics/r.yaml", judges: [{ id: "o", type: "offline" }] }, inputs: { gen: [] } }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DpoError);
    expect((err as DpoError).diagnostics).toEqual([
      expect.objectContaining({ message: "invalid UTF-8", location: { file: "rubrics/r.yaml", line: 4, column: 29 } }),
    ]);
  });
});
