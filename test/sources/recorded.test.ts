import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DpoError } from "../../src/engine/diagnostic.js";
import { contentId } from "../../src/engine/hash.js";
import type { Rec } from "../../src/engine/plugin.js";
import recorded from "../../src/plugins/generate/recorded.js";
import jsonlSource from "../../src/plugins/source/jsonl.js";
import { promptRecord } from "../../src/plugins/source/prompt.js";
import { runPlugin } from "../support/run-plugin.js";
import { fixtures, jsonl, project } from "./project.js";

const models = ["alpaca-7b", "falcon-7b-instruct", "claude-2.1"];
const files = models.map((m) => `alpaca_eval/outputs/${m}.jsonl`);

interface Candidate {
  id: string;
  text: string;
  model: string;
  finish: string;
  flags: string[];
}
const candidatesOf = (r: Rec) => r.candidates as Candidate[];

async function alpacaPrompts(): Promise<Rec[]> {
  return (await runPlugin(jsonlSource, { root: fixtures, with: { path: "alpaca_eval/prompts.jsonl", prompt: "instruction" } })).records;
}

const prompt = (text: string, line: number) => promptRecord(text, { file: "p.jsonl", line }, {});

describe("generate/recorded", () => {
  it("joins AlpacaEval outputs to their prompts by text, in model order", async () => {
    const prompts = await alpacaPrompts();
    const run = await runPlugin(recorded, { root: fixtures, inputs: { prompts }, with: { files, n: 3 } });
    expect(run.records).toHaveLength(60);
    expect(run.logs.filter((l) => l.startsWith("warn"))).toEqual([]);
    expect(run.trace.tallies).toMatchObject({ candidates: 180 });

    const claude = readFileSync(`${fixtures}alpaca_eval/outputs/claude-2.1.jsonl`, "utf8").split("\n")[7]!;
    const { instruction, output } = JSON.parse(claude);
    const rec = run.records.find((r) => r.prompt === instruction)!;
    expect(rec).toMatchObject({ meta: { dataset: "helpful_base" }, source: { line: 8 } });
    expect(rec.shortfall).toBeUndefined();
    expect(candidatesOf(rec).map((c) => c.model)).toEqual(models.map((m) => `recorded:${m}`));
    expect(candidatesOf(rec)[2]).toEqual({
      id: contentId("candidate", rec.id, "recorded:claude-2.1", 0),
      text: output,
      model: "recorded:claude-2.1",
      finish: "recorded",
      flags: [],
    });
  });

  it("keeps prompts with too few candidates, marks them and reports them", async () => {
    const prompts = await alpacaPrompts();
    const run = await runPlugin(recorded, { root: fixtures, inputs: { prompts }, with: { files, n: 4 } });
    expect(run.records).toHaveLength(60);
    expect(run.records.every((r) => candidatesOf(r).length === 3 && r.shortfall === 1)).toBe(true);
    expect(run.trace.tallies).toMatchObject({ "prompts.short": 60, "candidates.missing": 60 });
    const examples = run.records.slice(0, 5).map((r) => `${r.id} (3 of 4)`).join(", ");
    expect(run.logs).toContain(`warn: 60 of 60 prompts have fewer than 4 recorded candidates (0 have none; 60 candidates missing), e.g. ${examples}, …`);
  });

  it("chooses and orders generators with `models`", async () => {
    const prompts = (await alpacaPrompts()).slice(0, 5);
    const run = await runPlugin(recorded, { root: fixtures, inputs: { prompts }, with: { files, n: 2, models: ["claude-2.1", "alpaca-7b"] } });
    for (const r of run.records) expect(candidatesOf(r).map((c) => c.model)).toEqual(["recorded:claude-2.1", "recorded:alpaca-7b"]);
    expect(run.trace.tallies["recorded.unmatched"]).toBe(3 * 60 - 3 * 5);
    const err = await runPlugin(recorded, { root: fixtures, inputs: { prompts }, with: { files, models: ["claude-2"] } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DpoError);
    expect((err as DpoError).diagnostics[0]).toMatchObject({ message: expect.stringContaining('model "claude-2" is not in the recorded files'), hint: 'did you mean "claude-2.1"?' });
  });

  it("matches normalised text, numbers samples per model, flags empty outputs and counts missing ones", async () => {
    const root = project({
      "a.jsonl": jsonl([
        { instruction: "  what is DPO? ", output: "Direct preference optimisation.", generator: "m1" },
        { instruction: "Unrelated", output: "x", generator: "m1" },
        { instruction: "What is dpo?", output: "   ", generator: "m2" },
      ]),
      "b.jsonl": jsonl([{ instruction: "What is DPO?", output: "A second sample." }]), // generator from the file name
      "c.jsonl": jsonl([{ instruction: "WHAT IS DPO?", output: "Another m1 sample.", generator: "m1" }]),
    });
    const prompts = [prompt("What is DPO?", 1), prompt("Never recorded", 2)];
    const run = await runPlugin(recorded, { root, inputs: { prompts }, with: { files: ["a.jsonl", "b.jsonl", "c.jsonl"], n: 3 } });
    const dpo = run.records.find((r) => r.prompt === "What is DPO?")!;
    expect(candidatesOf(dpo).map((c) => [c.model, c.text, c.flags])).toEqual([
      ["recorded:m1", "Direct preference optimisation.", []],
      ["recorded:m1", "Another m1 sample.", []],
      ["recorded:m2", "   ", ["empty"]],
    ]);
    expect(candidatesOf(dpo)[1]!.id).toBe(contentId("candidate", dpo.id, "recorded:m1", 1));
    expect(dpo.shortfall).toBeUndefined();
    const never = run.records.find((r) => r.prompt === "Never recorded")!;
    expect(never).toMatchObject({ candidates: [], shortfall: 3 });
    expect(run.trace.tallies).toMatchObject({ "prompts.short": 1, "candidates.missing": 3, "recorded.unmatched": 1, candidates: 3 });
    expect(run.logs.some((l) => l.startsWith("warn: 1 of 2 prompts") && l.includes("(1 have none") && l.includes(`${never.id} (0 of 3)`))).toBe(true);
  });

  it("joins by id", async () => {
    const prompts = [prompt("First", 1), prompt("Second", 2)];
    const root = project({ "o.jsonl": jsonl([{ pid: prompts[1]!.id, output: "for the second", generator: "g" }]) });
    const run = await runPlugin(recorded, { root, inputs: { prompts }, with: { files: ["o.jsonl"], by: "id", n: 1, fields: { id: "pid" } } });
    expect(run.records.find((r) => r.prompt === "Second")!.candidates).toMatchObject([{ text: "for the second", model: "recorded:g" }]);
    expect(run.records.find((r) => r.prompt === "First")!.candidates).toEqual([]);
  });

  it("reports bad recorded lines with file and line", async () => {
    const root = project({ "o.jsonl": ['{"instruction": "Hi", "output": "Hello", "generator": "g"}', "{oops", '{"instruction": "Hi", "generator": "g"}', '{"instruction": "", "output": "x"}'].join("\n") });
    const inputs = { prompts: [prompt("Hi", 1)] };
    const err = await runPlugin(recorded, { root, inputs, with: { files: ["o.jsonl"] } }).catch((e: unknown) => e);
    expect((err as DpoError).diagnostics.map((d) => [d.location?.line, d.message])).toEqual([
      [2, "invalid JSON: Expected property name or '}'"],
      [3, 'missing field "output"'],
      [4, 'empty prompt in field "instruction"'],
    ]);
    const run = await runPlugin(recorded, { root, inputs, with: { files: ["o.jsonl"], n: 1, onError: "skip" } });
    expect(run.records[0]!.candidates).toMatchObject([{ text: "Hello" }]);
    expect(run.trace.tallies["records.skipped"]).toBe(3);
  });
});
