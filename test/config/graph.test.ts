import { describe, expect, test } from "vitest";
import { dependentsOf, findCycles, selectTargets, toDot, toMermaid, topoOrder } from "../../src/engine/config/graph.js";

const stages = {
  prompts: { uses: "source/jsonl", needs: [] },
  extra: { uses: "source/hh", needs: [] },
  gen: { uses: "llm/generate", needs: ["prompts"] },
  judge: { uses: "llm/judge", needs: ["gen"] },
  end: { uses: "pairs/build", needs: ["judge", "extra"] },
};
const config = { stages, order: topoOrder(stages) };

describe("graph", () => {
  test("topological order breaks ties by config order", () => {
    expect(config.order).toEqual(["prompts", "extra", "gen", "judge", "end"]);
    expect(topoOrder({ c: { needs: ["a"] }, b: { needs: [] }, a: { needs: [] } })).toEqual(["b", "a", "c"]);
  });

  test("findCycles groups mutually dependent stages and ignores the rest", () => {
    expect(findCycles(stages)).toEqual([]);
    const g = { x: { needs: ["z"] }, a: { needs: ["c"] }, b: { needs: ["a"] }, c: { needs: ["b"] }, z: { needs: [] }, s: { needs: ["s"] } };
    expect(findCycles(g)).toEqual([["a", "b", "c"], ["s"]]);
    expect(topoOrder(g)).toEqual(["z", "x"]);
  });

  test("selectTargets adds what the targets need, in build order", () => {
    expect(selectTargets(config, ["judge"])).toEqual({ ok: true, value: ["prompts", "gen", "judge"] });
    expect(selectTargets(config, [])).toEqual({ ok: true, value: config.order });
    expect(selectTargets(config, ["extra", "gen"])).toEqual({ ok: true, value: ["prompts", "extra", "gen"] });
    expect(selectTargets(config, ["juge", "nothing-like-it"])).toEqual({
      ok: false,
      error: [
        { severity: "error", message: "unknown stage `juge`", hint: "did you mean `judge`?" },
        { severity: "error", message: "unknown stage `nothing-like-it`" },
      ],
    });
  });

  test("dependentsOf is transitive", () => {
    expect(dependentsOf(config, "prompts")).toEqual(["gen", "judge", "end"]);
    expect(dependentsOf(config, "extra")).toEqual(["end"]);
    expect(dependentsOf(config, "end")).toEqual([]);
  });

  test("Mermaid output", () => {
    expect(toMermaid(config)).toBe(
      [
        "flowchart TD",
        '  s0["prompts<br/><small>source/jsonl</small>"]',
        '  s1["extra<br/><small>source/hh</small>"]',
        '  s2["gen<br/><small>llm/generate</small>"]',
        '  s3["judge<br/><small>llm/judge</small>"]',
        '  s4["end<br/><small>pairs/build</small>"]',
        "  s0 --> s2",
        "  s2 --> s3",
        "  s3 --> s4",
        "  s1 --> s4",
        "",
      ].join("\n"),
    );
  });

  test("DOT output", () => {
    expect(toDot(config)).toBe(
      [
        "digraph dpo {",
        "  rankdir=LR;",
        "  node [shape=box];",
        '  "prompts" [label="prompts\\nsource/jsonl"];',
        '  "extra" [label="extra\\nsource/hh"];',
        '  "gen" [label="gen\\nllm/generate"];',
        '  "judge" [label="judge\\nllm/judge"];',
        '  "end" [label="end\\npairs/build"];',
        '  "prompts" -> "gen";',
        '  "gen" -> "judge";',
        '  "judge" -> "end";',
        '  "extra" -> "end";',
        "}",
        "",
      ].join("\n"),
    );
  });
});
