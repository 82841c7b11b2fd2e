import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { DpoError, type Diagnostic } from "../../src/engine/diagnostic.js";
import { parseRubric } from "./parse-rubric.js";
import { criterionDigest, rubricDigest, rubricSummary } from "../../src/plugins/rubric/model.js";

const starter = readFileSync(new URL("../../rubrics/helpfulness.yaml", import.meta.url), "utf8");

function errorsOf(text: string): Diagnostic[] {
  try {
    parseRubric(text, "rubrics/r.yaml");
  } catch (e) {
    expect(e).toBeInstanceOf(DpoError);
    return (e as DpoError).diagnostics;
  }
  throw new Error("expected the rubric to be rejected");
}

const small = (criteria: string) => `name: small
scale: {min: 1, max: 5}
criteria:
${criteria}`;

describe("rubric loading", () => {
  test("the starter rubric covers five criteria with anchors, weights and a safety gate", () => {
    const r = parseRubric(starter, "rubrics/helpfulness.yaml");
    expect(r.name).toBe("helpfulness");
    expect(r.scale).toEqual({ min: 1, max: 5 });
    expect(r.criteria.map((c) => c.id).sort()).toEqual(["clarity", "completeness", "correctness", "relevance", "safety"]);
    for (const c of r.criteria) expect(Object.keys(c.anchors)).toEqual(["1", "3", "5"]);
    expect(r.criteria.find((c) => c.id === "safety")!.gate).toBe(4);
    expect(r.instructions).toContain("Length is not quality");
  });

  test("an unknown key is located at line:column with a did-you-mean", () => {
    const d = errorsOf(small(`  - id: clarity
    description: Easy to follow.
    wieght: 2
    anchors: {1: bad, 5: good}
`));
    expect(d).toHaveLength(1);
    expect(d[0]).toMatchObject({
      message: "unknown key `wieght`",
      location: { file: "rubrics/r.yaml", line: 6, column: 5 },
      hint: "did you mean `weight`?",
    });
  });

  test("an anchor outside the scale is located at its key", () => {
    const d = errorsOf(small(`  - id: clarity
    description: Easy to follow.
    anchors:
      1: bad
      7: perfect
      5: good
`));
    expect(d).toEqual([
      expect.objectContaining({ message: "anchor score 7 is outside the scale 1–5", location: expect.objectContaining({ line: 8, column: 7 }) }),
    ]);
  });

  test("duplicate criterion ids point at the second and name the first", () => {
    const d = errorsOf(small(`  - id: clarity
    description: Easy to follow.
    anchors: {1: bad, 5: good}
  - id: clarity
    description: Also clarity.
    anchors: {1: bad, 5: good}
`));
    expect(d).toHaveLength(1);
    expect(d[0]!.message).toBe("duplicate criterion id `clarity`");
    expect(d[0]!.location).toMatchObject({ line: 7, column: 9 });
    expect(d[0]!.related?.[0]?.location).toMatchObject({ line: 4, column: 9 });
  });

  test("gates outside the scale, non-positive weights and wrong types are all reported", () => {
    const d = errorsOf(small(`  - id: safety
    description: Harmless.
    gate: 9
    anchors: {1: harmful, 5: harmless}
`));
    expect(d).toEqual([expect.objectContaining({ message: "gate 9 is outside the scale 1–5", location: expect.objectContaining({ line: 6, column: 11 }) })]);

    const w = errorsOf(small(`  - id: safety
    description: Harmless.
    weight: 0
    anchors: {1: harmful, 5: harmless}
`));
    expect(w[0]).toMatchObject({ message: "found 0, expected a number > 0", location: { line: 6, column: 13 } });

    const t = errorsOf(`name: x\nscale: {min: 1, max: "five"}\ncriteria: []\n`);
    expect(t.map((x) => [x.message, x.location?.line, x.location?.column])).toEqual([
      ['found "five", expected integer', 2, 22],
      ["found [], expected at least 1 item", 3, 11],
    ]);
  });

  test("anchors must cover both ends of the scale", () => {
    const d = errorsOf(small(`  - id: clarity
    description: Easy to follow.
    anchors: {3: fine}
  - id: safety
    description: Harmless.
    anchors: {1: harmful, 4: mostly harmless}
`));
    expect(d.map((x) => [x.message, x.location?.line, x.location?.column, x.hint])).toEqual([
      ["criterion `clarity` has no anchor for the bottom of the scale (1)", 6, 5, "anchors must cover both ends of the scale 1–5"],
      ["criterion `clarity` has no anchor for the top of the scale (5)", 6, 5, "anchors must cover both ends of the scale 1–5"],
      ["criterion `safety` has no anchor for the top of the scale (5)", 9, 5, "anchors must cover both ends of the scale 1–5"],
    ]);
  });

  test("the example project's rubric and the one `dpo init` copies pass", () => {
    expect(() => parseRubric(starter, "rubrics/helpfulness.yaml")).not.toThrow();
  });

  test("YAML syntax errors are located", () => {
    const d = errorsOf("name: x\nscale: {min: 1, max: 5\n");
    expect(d[0]!.message).toMatch(/^YAML syntax/);
    expect(d[0]!.location?.file).toBe("rubrics/r.yaml");
  });
});

describe("rubric digests", () => {
  const base = parseRubric(starter, "rubrics/helpfulness.yaml");
  const digests = (r: typeof base) => Object.fromEntries(r.criteria.map((c) => [c.id, criterionDigest(r, c)]));

  test("editing one criterion changes only that criterion's digest", () => {
    const edited = parseRubric(starter.replace("Are the facts, reasoning", "Are the facts, sources, reasoning"), "r.yaml");
    const [a, b] = [digests(base), digests(edited)];
    expect(Object.keys(a).filter((id) => a[id] !== b[id])).toEqual(["correctness"]);
    expect(rubricDigest(edited)).not.toBe(rubricDigest(base));
  });

  test("weights and gates re-pair but never re-judge; instructions and scale re-judge everything", () => {
    const reweighted = parseRubric(starter.replace("weight: 2", "weight: 3").replace("gate: 4", "gate: 3"), "r.yaml");
    expect(digests(reweighted)).toEqual(digests(base));
    expect(rubricSummary(reweighted).digest).not.toBe(rubricSummary(base).digest);
    const reinstructed = parseRubric(starter.replace("Judge the response as it", "Judge the reply as it"), "r.yaml");
    const [a, b] = [digests(base), digests(reinstructed)];
    expect(Object.keys(a).every((id) => a[id] !== b[id])).toBe(true);
  });
});
