/**
 * Every kind of bad input is reported with its file and line, in both
 * `onError` modes, and nothing is dropped without being counted.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DpoError } from "../../src/engine/diagnostic.js";
import type { Plugin } from "../../src/engine/plugin.js";
import csvSource from "../../src/plugins/source/csv.js";
import hhSource from "../../src/plugins/source/hh.js";
import jsonlSource from "../../src/plugins/source/jsonl.js";
import { runPlugin } from "../support/run-plugin.js";
import { project } from "./project.js";

const good = (text: string) => JSON.stringify({ prompt: text });

/** One bad line of each kind among good ones; line numbers below refer to this. */
const mixed = Buffer.concat([
  Buffer.from(`${good("first")}\n`), // 1
  Buffer.from(`{"prompt": "unclosed"\n`), // 2 invalid JSON
  Buffer.from(`${JSON.stringify({ instruction: "wrong field" })}\n`), // 3 missing field
  Buffer.from(`{"prompt": "caf`), Buffer.from([0xc3, 0x28]), Buffer.from(`"}\n`), // 4 invalid UTF-8
  Buffer.from(`${good("   \n\t ")}\n`), // 5 empty after trimming
  Buffer.from(`\n`), // 6 blank: no record
  Buffer.from(`${good("last")}\r\n`), // 7
  Buffer.from(`[1, 2]\n`), // 8 not an object
]);

async function failure(plugin: Plugin, root: string, withBlock: Record<string, unknown>): Promise<DpoError> {
  const err = await runPlugin(plugin, { root, with: withBlock }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DpoError);
  return err as DpoError;
}

describe("bad input", () => {
  it("fails by default, listing each bad line with its location", async () => {
    const root = project({ "m.jsonl": mixed });
    const err = await failure(jsonlSource, root, { path: "m.jsonl" });
    expect(err.diagnostics.map((d) => [d.location, d.message])).toEqual([
      [{ file: "m.jsonl", line: 2, column: 22 }, "invalid JSON: Expected ',' or '}' after property value"],
      [{ file: "m.jsonl", line: 3 }, 'missing field "prompt"'],
      [{ file: "m.jsonl", line: 4, column: 16 }, "invalid UTF-8"],
      [{ file: "m.jsonl", line: 5 }, 'empty prompt in field "prompt"'],
      [{ file: "m.jsonl", line: 8 }, "expected a JSON object, found a list"],
    ]);
    expect(err.diagnostics[0]!.hint).toContain("onError: skip");
  });

  it("skips bad lines on request, counting them and naming where they were", async () => {
    const root = project({ "m.jsonl.gz": mixed });
    const run = await runPlugin(jsonlSource, { root, with: { path: "m.jsonl.gz", onError: "skip" } });
    expect(run.records.map((r) => [r.prompt, (r.source as { line: number }).line]).sort()).toEqual([
      ["first", 1],
      ["last", 7],
    ]);
    expect(run.trace.tallies).toMatchObject({ "records.read": 2, "records.skipped": 5 });
    expect(run.logs).toEqual([
      expect.stringMatching(/^warn: skipped 5 bad records: m\.jsonl\.gz:2 \(invalid JSON.*\); m\.jsonl\.gz:3 \(missing field "prompt"\); m\.jsonl\.gz:4 \(invalid UTF-8\); m\.jsonl\.gz:5 \(empty prompt.*\); m\.jsonl\.gz:8 \(expected a JSON object, found a list\)$/),
    ]);
  });

  it("lists at most maxErrors and counts the rest", async () => {
    const lines = Array.from({ length: 30 }, (_, i) => (i % 3 === 0 ? good(`ok ${i}`) : "not json"));
    const root = project({ "many.jsonl": lines.join("\n") });
    const err = await failure(jsonlSource, root, { path: "many.jsonl", maxErrors: 3 });
    expect(err.diagnostics.map((d) => d.location?.line)).toEqual([2, 3, 5, undefined]);
    expect(err.diagnostics.at(-1)!.message).toBe("and 17 more bad records (20 in total)");
    const skipped = await runPlugin(jsonlSource, { root, with: { path: "many.jsonl", onError: "skip" } });
    expect(skipped.records).toHaveLength(10);
    expect(skipped.logs[0]).toMatch(/^warn: skipped 20 bad records: many\.jsonl:2 .*many\.jsonl:8 \(.*\); and 15 more$/);
  });

  it("finds a bad byte deep in a large file, with multi-byte characters across read chunks", async () => {
    const text = (i: number) => `prompt ${i}: café, €, 😀 ${"ñ".repeat(i % 50)}`;
    const parts = Array.from({ length: 6000 }, (_, i) => Buffer.from(`${good(text(i))}\n`));
    parts[4321] = Buffer.concat([Buffer.from('{"prompt": "bad '), Buffer.from([0xe2, 0x82]), Buffer.from(' byte"}\n')]);
    const root = project({ "big.jsonl": Buffer.concat(parts) });
    expect(Buffer.concat(parts).length).toBeGreaterThan(2 * 256 * 1024);
    const err = await failure(jsonlSource, root, { path: "big.jsonl" });
    expect(err.diagnostics).toEqual([expect.objectContaining({ message: "invalid UTF-8", location: { file: "big.jsonl", line: 4322, column: 17 } })]);
    const run = await runPlugin(jsonlSource, { root, with: { path: "big.jsonl", onError: "skip" } });
    expect(run.records).toHaveLength(5999);
    const byLine = new Map(run.records.map((r) => [(r.source as { line: number }).line, r.prompt]));
    for (const i of [0, 2047, 4320, 4322, 5999]) expect(byLine.get(i + 1)).toBe(text(i));
  });

  it("reports bad CSV rows at the line where the fault is", async () => {
    const csv = Buffer.concat([
      Buffer.from('prompt,tag\n"fine",a\n"spans\ntwo lines",b\n"bad "quote",c\n'), // rows at 2, 3, 5
      Buffer.from('"multi\nline '), Buffer.from([0xff]), Buffer.from(' here",d\n'), // row at 6, bad byte on line 7
      Buffer.from("too,many,fields\n   ,e\n"), // rows at 8, 9 (empty prompt)
      Buffer.from('"never closed,f\nlast line\n'), // row at 10
    ]);
    const root = project({ "bad.csv": csv });
    const err = await failure(csvSource, root, { path: "bad.csv" });
    expect(err.diagnostics.map((d) => [d.location!.line, d.location!.column, d.message])).toEqual([
      [5, 7, 'unexpected "q" after a closing quote: expected "," or the end of the line'],
      [7, 6, "invalid UTF-8"],
      [8, undefined, "expected 2 fields as in the header, found 3"],
      [9, undefined, 'empty prompt in field "prompt"'],
      [10, 1, "unterminated quoted field: the quote opened here is never closed"],
    ]);
    const run = await runPlugin(csvSource, { root, with: { path: "bad.csv", onError: "skip" } });
    expect(run.records.map((r) => r.prompt).sort()).toEqual(["fine", "spans\ntwo lines"]);
    expect(run.trace.tallies["records.skipped"]).toBe(5);
  });

  it("reports malformed HH transcripts with their line", async () => {
    const pair = (c: string, r: string) => JSON.stringify({ chosen: c, rejected: r });
    const text = [
      pair("\n\nHuman: hi\n\nAssistant: a", "\n\nHuman: hi\n\nAssistant: b"),
      pair("no turns at all", "\n\nHuman: hi\n\nAssistant: b"),
      JSON.stringify({ chosen: "\n\nHuman: hi\n\nAssistant: a" }),
      pair("\n\nHuman: hi\n\nAssistant: a", "\n\nHuman: other\n\nAssistant: b"),
    ].join("\n");
    const root = project({ "hh.jsonl": text });
    const err = await failure(hhSource, root, { path: "hh.jsonl" });
    expect(err.diagnostics.map((d) => [d.location!.line, d.message])).toEqual([
      [2, 'malformed HH transcript in "chosen": no "\\n\\nHuman:" turn'],
      [3, 'missing field "rejected"'],
      [4, 'malformed HH pair: "chosen" and "rejected" differ before their final replies'],
    ]);
    const run = await runPlugin(hhSource, { root, with: { path: "hh.jsonl", onError: "skip" } });
    expect(run.records).toHaveLength(1);
    expect(run.logs[0]).toMatch(/^warn: skipped 3 bad records: hh\.jsonl:2 /);
  });

  it("names a missing or corrupt file", async () => {
    const root = project();
    writeFileSync(join(root, "fake.jsonl.gz"), "this is not gzip\n");
    const corrupt = await failure(jsonlSource, root, { path: "fake.jsonl.gz" });
    expect(corrupt.diagnostics[0]).toMatchObject({ message: expect.stringContaining('"fake.jsonl.gz" is not a valid gzip file'), location: { file: "fake.jsonl.gz" } });
    const missing = await failure(jsonlSource, root, { path: "nope.jsonl.gz" });
    expect(missing.diagnostics[0]).toMatchObject({ message: 'cannot read "nope.jsonl.gz": no such file', location: { file: "nope.jsonl.gz" } });
  });
});
