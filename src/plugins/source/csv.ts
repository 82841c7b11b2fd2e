/**
 * source/csv: prompts from a CSV file (RFC 4180, optionally gzipped) with a
 * header row. `prompt` names the column holding the prompt; the other columns
 * (or those listed in `meta`) become metadata. Column names are taken
 * literally (a dot is part of the name).
 */
import { didYouMean, userError } from "../../engine/diagnostic.js";
import { definePlugin } from "../../engine/plugin.js";
import { CsvParser } from "./csv-parser.js";
import { attempt, eachFile, emitRecords, parseLines, type Parsed } from "./emit.js";
import type { JsonObject, MetaSpec } from "./fields.js";
import { readLineBatches } from "./lines.js";
import { sourceSchema, type SourceOptions } from "./options.js";
import { BadRecord } from "./problems.js";
import { promptRecord, toPrompt } from "./prompt.js";

interface CsvOptions extends SourceOptions {
  prompt: string;
  delimiter: string;
}

export default definePlugin<CsvOptions>({
  name: "source/csv",
  version: "1",
  description: "Reads prompts from a CSV file with a header row (RFC 4180: quoted fields, embedded line breaks), streaming.",
  output: "prompts",
  schema: sourceSchema({
    prompt: { type: "string", minLength: 1, default: "prompt", description: "Name of the column holding the prompt." },
    delimiter: { type: "string", minLength: 1, maxLength: 1, default: ",", description: "Field separator, one character (e.g. `;` or a tab)." },
  }),
  run(ctx) {
    const o = ctx.with;
    // Each file (each shard a pattern names) has its own header row.
    const rowsOf = (file: string) => {
      const parser = new CsvParser(o.delimiter);
      let columns: Columns | undefined;
      // The first row is the header; the others become records.
      const toRecord = (row: Parsed<string[]> | undefined): Parsed | undefined => {
        if (!row) return undefined;
        if (!columns) {
          columns = header(row, file, o.prompt, o.meta);
          return undefined;
        }
        if ("problem" in row) return row;
        const names = columns;
        return attempt(row.line, () => recordOf(names, row.value, { file, line: row.line }));
      };
      return parseLines(
        readLineBatches(ctx.resolve(file), file, ctx.signal),
        (line) => toRecord(parser.push(line)),
        () => toRecord(parser.end()),
      );
    };
    return emitRecords(ctx, o.path, o, eachFile(ctx.files(o.path), rowsOf));
  },
});

interface Columns {
  names: string[];
  prompt: string;
  meta: string[];
}

/** The header row: unusable headers fail the stage whatever `onError` says, since no row could be read. */
function header(row: Parsed<string[]>, file: string, prompt: string, meta: MetaSpec): Columns {
  const location = { file, line: row.line };
  if ("problem" in row) {
    const { message, line, column } = row.problem;
    throw userError(`bad CSV header: ${message}`, { location: { file, line: line ?? row.line, column } });
  }
  const names = row.value;
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate !== undefined) throw userError(`CSV header names column "${duplicate}" twice`, { location });
  const missing = (name: string, what: string) => {
    const near = didYouMean(name, names);
    return userError(`${what} column "${name}" is not in the CSV header (${names.map((n) => `"${n}"`).join(", ")})`, {
      location,
      hint: near ? `did you mean "${near}"?` : undefined,
    });
  };
  if (!names.includes(prompt)) throw missing(prompt, "prompt");
  for (const m of meta === "*" ? [] : meta) if (!names.includes(m)) throw missing(m, "meta");
  return { names, prompt, meta: meta === "*" ? names.filter((n) => n !== prompt) : meta };
}

function recordOf(columns: Columns, fields: string[], source: { file: string; line: number }) {
  if (fields.length !== columns.names.length) {
    throw new BadRecord(`expected ${columns.names.length} fields as in the header, found ${fields.length}`);
  }
  const row = new Map(columns.names.map((n, i) => [n, fields[i]!]));
  const meta: JsonObject = {};
  for (const m of columns.meta) meta[m] = row.get(m)!;
  return promptRecord(toPrompt(row.get(columns.prompt), columns.prompt), source, meta);
}
