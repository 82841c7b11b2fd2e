/**
 * Hostile or degenerate input files: a record nested thousands deep is a bad
 * record at its line (not a stack overflow of the stage), and an input that
 * yields no record is a warning at the source, naming the file.
 */
import { describe, expect, it } from "vitest";
import { canonicalJson, digestOf } from "../../src/engine/hash.js";
import { DpoError } from "../../src/engine/diagnostic.js";
import csvSource from "../../src/plugins/source/csv.js";
import hhSource from "../../src/plugins/source/hh.js";
import jsonlSource from "../../src/plugins/source/jsonl.js";
import { runPlugin } from "../support/run-plugin.js";
import { jsonl, project } from "./project.js";

const nested = (depth: number) => "[".repeat(depth) + "]".repeat(depth);
const deepLine = (depth: number) => `{"prompt": "deep", "meta": ${nested(depth)}}\n`;

describe("a record nested 5,000 deep", () => {
  const root = project({ "in.jsonl": jsonl([{ prompt: "fine" }]) + deepLine(5000) + jsonl([{ prompt: "also fine" }]) });

  it("fails the stage as a bad record at file:line", async () => {
    const err = await runPlugin(jsonlSource, { root, with: { path: "in.jsonl" } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DpoError);
    expect((err as DpoError).diagnostics[0]).toMatchObject({ message: "record nested deeper than 128 levels", location: { file: "in.jsonl", line: 2 } });
  });

  it("is skipped with `onError: skip`, the other records kept", async () => {
    const run = await runPlugin(jsonlSource, { root, with: { path: "in.jsonl", onError: "skip" } });
    expect(run.records.map((r) => r.prompt).sort()).toEqual(["also fine", "fine"]);
    expect(run.logs).toContain("warn: skipped 1 bad record: in.jsonl:2 (record nested deeper than 128 levels)");
  });

  it("is a bad record for source/hh too", async () => {
    const hh = project({ "hh.jsonl": `{"chosen": "\\n\\nHuman: a\\n\\nAssistant: b", "rejected": "\\n\\nHuman: a\\n\\nAssistant: c", "x": ${nested(5000)}}\n` });
    const err = await runPlugin(hhSource, { root: hh, with: { path: "hh.jsonl" } }).catch((e: unknown) => e);
    expect((err as DpoError).diagnostics?.[0]).toMatchObject({ message: "record nested deeper than 128 levels", location: { line: 1 } });
  });

  it("nesting up to the limit is an ordinary record", async () => {
    const ok = project({ "in.jsonl": deepLine(127) });
    const run = await runPlugin(jsonlSource, { root: ok, with: { path: "in.jsonl" } });
    expect(run.records).toHaveLength(1);
  });
});

describe("canonical JSON of a deeply nested value", () => {
  it("fails with a clear message instead of overflowing the stack", () => {
    let v: unknown = [];
    for (let i = 0; i < 5000; i++) v = [v];
    expect(() => canonicalJson(v)).toThrow("value nested deeper than 1000 levels cannot be hashed");
    expect(() => digestOf({ a: v })).toThrow(TypeError);
  });

  it("still encodes values 1,000 levels deep", () => {
    let v: unknown = 1;
    for (let i = 0; i < 1000; i++) v = { a: v };
    expect(canonicalJson(v)).toBe('{"a":'.repeat(1000) + "1" + "}".repeat(1000));
  });
});

describe("an input with no records", () => {
  it("an empty JSONL file builds nothing, with a warning at the source naming the file", async () => {
    const root = project({ "data/empty.jsonl": "" });
    const run = await runPlugin(jsonlSource, { root, with: { path: "data/empty.jsonl" } });
    expect(run.records).toEqual([]);
    expect(run.logs).toEqual(["warn: data/empty.jsonl: no records read; later stages get no input"]);
  });

  it("a CSV file with only a header warns the same way", async () => {
    const root = project({ "p.csv": "prompt,id\n" });
    const run = await runPlugin(csvSource, { root, with: { path: "p.csv" } });
    expect(run.logs).toEqual(["warn: p.csv: no records read; later stages get no input"]);
  });

  it("a file whose every record was skipped says so", async () => {
    const root = project({ "bad.jsonl": "not json\n" });
    const run = await runPlugin(jsonlSource, { root, with: { path: "bad.jsonl", onError: "skip" } });
    expect(run.logs.at(-1)).toBe("warn: bad.jsonl: no records read (every record was bad and skipped); later stages get no input");
  });

  it("a file with records does not warn", async () => {
    const root = project({ "in.jsonl": jsonl([{ prompt: "hi" }]) });
    expect((await runPlugin(jsonlSource, { root, with: { path: "in.jsonl" } })).logs).toEqual([]);
  });
});
