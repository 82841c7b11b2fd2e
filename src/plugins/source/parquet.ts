/**
 * source/parquet: prompts from a Parquet file, the format most prompt sets on
 * the Hugging Face Hub ship as. Read one row group at a time with hyparquet (a
 * small pure-JS reader, imported only when the stage runs), so memory is
 * bounded by the largest row group, not the file. Each row is an object;
 * `prompt`/`messages`/`meta` map its columns as in source/jsonl, and a bad row
 * is reported by its 1-based row number.
 */
import { userError } from "../../engine/diagnostic.js";
import { definePlugin, type PluginContext } from "../../engine/plugin.js";
import { attempt, eachFile, emitRecords, type Parsed } from "./emit.js";
import type { JsonObject } from "./fields.js";
import { objectFieldProperties, sourceSchema, type SourceOptions } from "./options.js";
import { objectRecords } from "./prompt.js";

interface ParquetOptions extends SourceOptions {
  prompt: string;
  messages?: string;
}

export default definePlugin<ParquetOptions>({
  name: "source/parquet",
  version: "1",
  description: "Reads prompts from a Parquet file, one row group at a time, with column mapping and metadata.",
  output: "prompts",
  schema: sourceSchema(objectFieldProperties("Column", "dotted path into a struct column allowed")),
  run(ctx) {
    const o = ctx.with;
    const record = objectRecords(o, "column");
    const toRecord = (file: string) => (row: JsonObject, number: number) => record(row, { file, row: number });
    const files = ctx.files(o.path);
    return emitRecords(ctx, o.path, o, eachFile(files, (file) => rowGroups(ctx, file, toRecord(file))), "record");
  },
});

/** Each row group's rows, turned into records by `build` (which may throw BadRecord). */
async function* rowGroups<T>(ctx: Pick<PluginContext, "resolve" | "signal">, file: string, build: (row: JsonObject, number: number) => T): AsyncGenerator<Parsed<T>[]> {
  const { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, toJson } = await import("hyparquet");
  const buffer = await asyncBufferFromFile(ctx.resolve(file)).catch((e: NodeJS.ErrnoException) => {
    throw userError(`cannot read "${file}": ${e.code === "ENOENT" ? "no such file" : e.message}`, { location: { file } });
  });
  const metadata = await parquetMetadataAsync(buffer).catch((e: Error) => {
    throw userError(`"${file}" is not a Parquet file (${e.message})`, { location: { file }, hint: "source/parquet reads Apache Parquet; use source/jsonl or source/csv for text files" });
  });
  let start = 0;
  for (const group of metadata.row_groups) {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    const end = start + Number(group.num_rows);
    const rows = await parquetReadObjects({ file: buffer, metadata, rowStart: start, rowEnd: end });
    yield rows.map((row, i) => attempt(start + i + 1, () => build(toJson(row) as JsonObject, start + i + 1)));
    start = end;
  }
}
