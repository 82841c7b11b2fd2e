import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { contentId } from "../../src/engine/hash.js";
import jsonlSource from "../../src/plugins/source/jsonl.js";
import { normalisePrompt } from "../../src/plugins/text/normalise.js";
import { runPlugin } from "../support/run-plugin.js";
import { fixtures, jsonl, project } from "./project.js";

describe("source/jsonl", () => {
  it("reads the AlpacaEval prompts with field mapping and metadata", async () => {
    const run = await runPlugin(jsonlSource, { root: fixtures, with: { path: "alpaca_eval/prompts.jsonl", prompt: "instruction" } });
    expect(run.records).toHaveLength(60);
    const first = JSON.parse(readFileSync(`${fixtures}alpaca_eval/prompts.jsonl`, "utf8").split("\n")[0]!);
    const rec = run.records.find((r) => r.prompt === first.instruction)!;
    expect(rec).toEqual({
      id: contentId("prompt", normalisePrompt(first.instruction)),
      prompt: first.instruction,
      source: { file: "alpaca_eval/prompts.jsonl", line: 1 },
      meta: { dataset: "helpful_base" },
    });
    expect(run.trace.tallies["records.read"]).toBe(60);
    expect(run.trace.tallies["records.skipped"]).toBeUndefined();
  });

  it("reads gzipped files the same way", async () => {
    const rows = [{ prompt: "Hello there" }, { prompt: "Second one", tag: 2 }];
    const root = project({ "a.jsonl": jsonl(rows), "b.jsonl.gz": jsonl(rows) });
    const plain = await runPlugin(jsonlSource, { root, with: { path: "a.jsonl" } });
    const gz = await runPlugin(jsonlSource, { root, with: { path: "b.jsonl.gz" } });
    expect(gz.records.map((r) => [r.prompt, r.meta])).toEqual(plain.records.map((r) => [r.prompt, r.meta]));
    expect(gz.records).toHaveLength(2);
    expect(gz.records.every((r) => (r.source as { file: string }).file === "b.jsonl.gz")).toBe(true);
  });

  it("ignores a byte-order mark and CRLF line ends", async () => {
    const root = project({ "bom.jsonl": `\uFEFF${JSON.stringify({ prompt: "Hi" })}\r\n${JSON.stringify({ prompt: "Bye" })}\r\n` });
    const run = await runPlugin(jsonlSource, { root, with: { path: "bom.jsonl" } });
    expect(run.records.map((r) => r.prompt).sort()).toEqual(["Bye", "Hi"]);
  });

  it("follows dotted paths and keeps the rest as metadata, or only the listed fields", async () => {
    const rows = [{ data: { instruction: "Name three rivers", lang: "en" }, category: "geo", n: 3 }];
    const root = project({ "p.jsonl": jsonl(rows) });
    const all = await runPlugin(jsonlSource, { root, with: { path: "p.jsonl", prompt: "data.instruction" } });
    expect(all.records[0]).toMatchObject({ prompt: "Name three rivers", meta: { data: { lang: "en" }, category: "geo", n: 3 } });
    const some = await runPlugin(jsonlSource, { root, with: { path: "p.jsonl", prompt: "data.instruction", meta: ["category", "data.lang", "absent"] } });
    expect(some.records[0]!.meta).toEqual({ category: "geo", "data.lang": "en" });
    const none = await runPlugin(jsonlSource, { root, with: { path: "p.jsonl", prompt: "data.instruction", meta: [] } });
    expect(none.records[0]!.meta).toEqual({});
  });

  it("accepts conversations, in the prompt field or a messages field", async () => {
    const conversation = [
      { role: "system", content: "Be brief." },
      { role: "user", content: "What is DPO?" },
    ];
    const root = project({ "c.jsonl": jsonl([{ prompt: conversation }]), "m.jsonl": jsonl([{ chat: conversation, id: 7 }]) });
    const viaPrompt = await runPlugin(jsonlSource, { root, with: { path: "c.jsonl" } });
    expect(viaPrompt.records[0]!.prompt).toEqual(conversation);
    const viaMessages = await runPlugin(jsonlSource, { root, with: { path: "m.jsonl", messages: "chat" } });
    expect(viaMessages.records).toEqual([
      { id: contentId("prompt", normalisePrompt(conversation)), prompt: conversation, source: { file: "m.jsonl", line: 1 }, meta: { id: 7 } },
    ]);
    expect(viaMessages.records[0]!.id).toBe(viaPrompt.records[0]!.id);
  });

  it("gives the same id to the same prompt whatever its spacing or case, and keeps duplicates", async () => {
    const root = project({
      "d.jsonl": jsonl([{ prompt: "How do I  wrap a present?" }, { prompt: "  how do i wrap\na PRESENT? " }, { prompt: "How do I wrap a gift?" }]),
    });
    const run = await runPlugin(jsonlSource, { root, with: { path: "d.jsonl" } });
    expect(run.records).toHaveLength(3);
    const ids = new Map(run.records.map((r) => [(r.source as { line: number }).line, r.id]));
    expect(ids.get(1)).toBe(ids.get(2));
    expect(ids.get(1)).not.toBe(ids.get(3));
    expect(ids.get(1)).toBe(contentId("prompt", "how do i wrap a present?"));
  });

  it("produces byte-identical artifacts on every run", async () => {
    const a = await runPlugin(jsonlSource, { root: fixtures, with: { path: "alpaca_eval/prompts.jsonl", prompt: "instruction" } });
    const b = await runPlugin(jsonlSource, { root: fixtures, with: { path: "alpaca_eval/prompts.jsonl", prompt: "instruction" }, jobs: 1 });
    expect(a.text).toBe(b.text);
  });
});
