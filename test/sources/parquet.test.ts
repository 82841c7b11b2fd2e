import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parquetWriteBuffer } from "hyparquet-writer";
import { describe, expect, it } from "vitest";
import { DpoError } from "../../src/engine/diagnostic.js";
import parquetSource from "../../src/plugins/source/parquet.js";
import { runPlugin } from "../support/run-plugin.js";
import { project } from "./project.js";

/** 25 rows; row 7 has an empty prompt. Written with `rowGroupSize` rows per row group. */
function writeParquet(root: string, name: string, rowGroupSize: number): void {
  const n = 25;
  const instruction = Array.from({ length: n }, (_, i) => (i === 6 ? "  " : `Question number ${i + 1}: why is the sky blue?`));
  const dataset = Array.from({ length: n }, (_, i) => (i % 2 ? "helpful_base" : "oasst"));
  const score = Array.from({ length: n }, (_, i) => BigInt(i * 10));
  const buffer = parquetWriteBuffer({
    columnData: [
      { name: "instruction", data: instruction, type: "STRING" },
      { name: "dataset", data: dataset, type: "STRING" },
      { name: "score", data: score, type: "INT64" },
    ],
    rowGroupSize,
  });
  writeFileSync(join(root, name), new Uint8Array(buffer));
}

describe("source/parquet", () => {
  it("reads every row group into prompt records, with other columns as metadata and bad rows skipped by number", async () => {
    const root = project({});
    writeParquet(root, "p.parquet", 10);
    const run = await runPlugin(parquetSource, { root, with: { path: "p.parquet", prompt: "instruction", onError: "skip" } });
    expect(run.records).toHaveLength(24);
    const first = run.records.find((r) => (r.source as { row: number }).row === 1)!;
    expect(first).toMatchObject({ prompt: "Question number 1: why is the sky blue?", source: { file: "p.parquet", row: 1 }, meta: { dataset: "oasst", score: 0 } });
    expect(run.records.find((r) => (r.source as { row: number }).row === 25)!.meta).toEqual({ dataset: "oasst", score: 240 });
    expect(run.trace.tallies).toMatchObject({ "records.read": 24, "records.skipped": 1 });
    expect(run.logs.join("\n")).toContain("p.parquet:record 7 (empty prompt");
  });

  it("gives the same records whatever the row-group layout", async () => {
    const root = project({});
    const texts: string[] = [];
    for (const size of [1, 7, 100]) {
      writeParquet(root, `g${size}.parquet`, size);
      const run = await runPlugin(parquetSource, { root, with: { path: `g${size}.parquet`, prompt: "instruction", onError: "skip" } });
      texts.push(run.text.replaceAll(`g${size}.parquet`, "x"));
    }
    expect(new Set(texts).size).toBe(1);
  });

  it("fails on a bad row with its row number, and on a file that is not Parquet at the file", async () => {
    const root = project({ "not.parquet": '{"instruction": "hi"}\n' });
    writeParquet(root, "p.parquet", 10);
    const bad = await runPlugin(parquetSource, { root, with: { path: "p.parquet", prompt: "instruction" } }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(DpoError);
    expect((bad as DpoError).diagnostics[0]).toMatchObject({ message: 'empty prompt in field "instruction"', location: { file: "p.parquet", record: 7 } });
    const notParquet = await runPlugin(parquetSource, { root, with: { path: "not.parquet", prompt: "instruction" } }).catch((e: unknown) => e);
    expect((notParquet as DpoError).diagnostics[0]).toMatchObject({ location: { file: "not.parquet" } });
    expect((notParquet as DpoError).diagnostics[0]!.message).toMatch(/is not a Parquet file/);
  });
});
