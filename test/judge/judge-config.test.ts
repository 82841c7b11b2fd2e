import { describe, expect, test } from "vitest";
import { parseYaml, schemaErrors } from "../../src/engine/config/yaml-source.js";
import { validate } from "../../src/engine/schema.js";
import plugin from "../../src/plugins/judge/rubric.js";
import { runPlugin } from "../support/run-plugin.js";
import { alpacaRecords } from "./fixtures.js";

const root = new URL("../..", import.meta.url).pathname;

function configErrors(yaml: string) {
  const parsed = parseYaml(yaml, "dpo.config.yaml");
  if (!parsed.ok) throw new Error("bad test yaml");
  const value = structuredClone(parsed.value.value);
  const v = validate(plugin.schema, value);
  return { valid: v.valid, diagnostics: schemaErrors(v.errors, parsed.value, { schema: plugin.schema }), value: value as any };
}

describe("judge/rubric configuration", () => {
  test("a misspelt judge key is located with a did-you-mean", () => {
    const { diagnostics } = configErrors(`rubric: rubrics/helpfulness.yaml
judges:
  - id: gpt
    type: llm
    model: gpt-4o-mini
    provder: local
`);
    expect(diagnostics).toContainEqual(
      expect.objectContaining({ message: "unknown key `provder`", hint: "did you mean `provider`?", location: expect.objectContaining({ line: 6, column: 5 }) }),
    );
    expect(diagnostics).toContainEqual(expect.objectContaining({ message: "missing required key `provider`", path: "judges[0]" }));
  });

  test("human judges need files; offline scorers must be known signals; defaults are filled in", () => {
    const human = configErrors("rubric: r.yaml\njudges:\n  - {id: people, type: human}\n");
    expect(human.diagnostics.map((d) => d.message)).toEqual(["missing required key `files`"]);
    const offline = configErrors("rubric: r.yaml\njudges:\n  - {id: h, type: offline, scorers: [harm, lenght]}\n");
    expect(offline.diagnostics[0]).toMatchObject({ message: expect.stringContaining('found "lenght", expected one of'), hint: 'did you mean "length"?' });
    const ok = configErrors("rubric: r.yaml\njudges:\n  - {id: h, type: offline}\n");
    expect(ok.valid).toBe(true);
    expect(ok.value).toEqual({ rubric: "r.yaml", concurrency: 8, judges: [{ id: "h", type: "offline", enabled: true }] });
  });

  test("keys of another judge type and duplicate ids are errors", async () => {
    const run = (judges: unknown[]) =>
      runPlugin(plugin, { root, with: { rubric: "rubrics/helpfulness.yaml", judges }, inputs: { g: [alpacaRecords().get(0)!] } });
    await expect(run([{ id: "h", type: "offline", files: ["a.jsonl"] }])).rejects.toThrow('judge "h" (type offline) does not use `files`');
    await expect(run([{ id: "h", type: "offline" }, { id: "h", type: "offline" }])).rejects.toThrow('two judges are called "h"');
  });

  test("a missing rubric or annotation file is a user error naming it", async () => {
    const run = (w: Record<string, unknown>) => runPlugin(plugin, { root, with: w, inputs: { g: [alpacaRecords().get(0)!] } });
    await expect(run({ rubric: "rubrics/nope.yaml", judges: [{ id: "h", type: "offline" }] })).rejects.toThrow('rubric file "rubrics/nope.yaml" does not exist');
    await expect(run({ rubric: "rubrics/helpfulness.yaml", judges: [{ id: "p", type: "human", files: ["ann/none.jsonl"] }] })).rejects.toThrow(
      'annotation file "ann/none.jsonl" does not exist',
    );
  });

  test("a stage fed something other than candidates says what it expected", async () => {
    await expect(
      runPlugin(plugin, { root, with: { rubric: "rubrics/helpfulness.yaml", judges: [{ id: "h", type: "offline" }] }, inputs: { src: [{ id: "x", prompt: "hi" }] } }),
    ).rejects.toThrow('expects candidate records (prompt + candidates), got record x from "src"');
  });
});
