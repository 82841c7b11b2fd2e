import { describe, expect, test } from "vitest";
import { parseYaml, schemaErrors, type YamlSource } from "../../src/engine/config/yaml-source.js";
import { validate } from "../../src/engine/schema.js";

const parse = (text: string): YamlSource => {
  const r = parseYaml(text, "r.yaml");
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  return r.value;
};

describe("parseYaml / locate", () => {
  const src = parse("a:\n  b: [1, two]\n  'c/d': &x { e: 5 }\n  f: *x\n");

  test("plain value, aliases resolved", () => {
    expect(src.value).toEqual({ a: { b: [1, "two"], "c/d": { e: 5 }, f: { e: 5 } } });
  });

  test("values, keys, escaped pointers, aliases and fallback to the nearest ancestor", () => {
    expect(src.locate("/a/b/1")).toEqual({ file: "r.yaml", line: 2, column: 10, length: 3 });
    expect(src.locate("/a/b", { key: true })).toEqual({ file: "r.yaml", line: 2, column: 3, length: 1 });
    expect(src.locate("/a/c~1d/e")).toEqual({ file: "r.yaml", line: 3, column: 18, length: 1 });
    expect(src.locate("/a/f/e")).toEqual({ file: "r.yaml", line: 3, column: 18, length: 1 });
    expect(src.locate("/a/b/7")).toEqual(src.locate("/a/b"));
    expect(src.locate("/a/nope/deeper")).toEqual(src.locate("/a"));
    expect(src.locate("")).toMatchObject({ line: 1, column: 1 });
  });

  test("every syntax error is reported with its place", () => {
    const r = parseYaml("a: 1\na: 2\nb: [\n", "bad.yaml");
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.map((d) => `${d.location?.line}:${d.location?.column}`)).toEqual(["2:1", "4:1"]);
    expect(r.error[0]!.message).toBe("YAML syntax: Map keys must be unique");
  });
});

describe("schemaErrors", () => {
  test("anyOf cascades collapse to the most specific error", () => {
    const schema = {
      type: "object",
      properties: {
        needs: { anyOf: [{ type: "string" }, { type: "array", items: { type: "string" } }] },
        other: { anyOf: [{ type: "string" }, { type: "array", items: { type: "string" } }] },
      },
    };
    const src = parse("needs: [ok, 3]\nother: 4\n");
    const v = validate(schema, src.value);
    expect(schemaErrors(v.errors, src, { schema }).map((d) => [d.path, d.message, d.location?.line, d.location?.column])).toEqual([
      ["needs[1]", "found 3, expected string", 1, 13],
      ["other", "found 4, expected string or array", 2, 8],
    ]);
  });

  test("a pointer prefix places errors of a nested block", () => {
    const schema = { type: "object", additionalProperties: false, properties: { rubric: { type: "string" }, scale: { type: "integer" } }, required: ["scale"] };
    const src = parse("stages:\n  judge:\n    with:\n      rubrc: x.md\n");
    const block = (src.value as any).stages.judge.with;
    const v = validate(schema, block);
    expect(schemaErrors(v.errors, src, { schema, pointerPrefix: "/stages/judge/with" })).toEqual([
      { severity: "error", message: "missing required key `scale`", location: { file: "r.yaml", line: 3, column: 5, length: 4 }, path: "stages.judge.with" },
      {
        severity: "error",
        message: "unknown key `rubrc`",
        location: { file: "r.yaml", line: 4, column: 7, length: 5 },
        path: "stages.judge.with.rubrc",
        hint: "did you mean `rubric`?",
      },
    ]);
  });
});

describe("edge cases", () => {
  test("an empty value is located at its key; an empty document at 1:1", () => {
    const src = parse("a:\n  needs:\n");
    expect(src.locate("/a/needs")).toMatchObject({ line: 2, column: 3 });
    expect(parse("").locate("/x")).toEqual({ file: "r.yaml", line: 1, column: 1 });
  });
});
