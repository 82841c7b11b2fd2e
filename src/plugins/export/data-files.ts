/**
 * The files of one iteration: each format's train and eval JSONL (checked
 * against the format as it is written), the diagnostics sidecar for formats
 * without extra columns, and the shipped reproducing inputs.
 *
 * A data file is published as a stream of lines, formatted from its pairs as
 * it is written and checked on the way: neither the file nor its lines are
 * ever held, so an iteration of 50,000 pairs in five formats costs the pairs,
 * not five copies of them. A later iteration formats its pairs again (its
 * train pairs extend the previous one's): CPU spent so that nothing is kept.
 */
import { DpoError, type Diagnostic } from "../../engine/diagnostic.js";
import type { PluginContext } from "../../engine/plugin.js";
import { diagnosticColumns } from "./diagnostics.js";
import { FORMATS, type FormatName } from "./formats.js";
import type { DataFile } from "./manifest.js";
import type { ExportPair } from "./pairs.js";
import type { ShippedInputs } from "./provenance.js";
import { JsonlCheck } from "./validate.js";

export interface IterationPairs {
  train: readonly ExportPair[];
  eval: readonly ExportPair[] | null;
}

/** How an iteration writes a pair: its formats, and the diagnostic columns it adds where a format allows them. */
export interface LineFormat {
  formats: readonly FormatName[];
  columns: readonly string[];
  extras: boolean;
}

/** A file to write: what the manifest says of it, and its lines. */
interface PlannedFile extends Omit<DataFile, "bytes" | "sha256"> {
  lines(): Iterable<string>;
}

/**
 * Publishes the iteration's data files under `folder/`, checking each against
 * its format as it is written, and returns what the manifest records of them.
 * A file that breaks its format is a bug in a format, so it stops the build
 * (the stage fails, and out/ is left as it was).
 */
export function publishDataFiles(ctx: Pick<PluginContext, "publish">, folder: string, format: LineFormat, it: IterationPairs): DataFile[] {
  const diagnostics: Diagnostic[] = [];
  const published = plannedFiles(format, it).map((f) => {
    const check = f.kind === "diagnostics" ? undefined : new JsonlCheck(f.kind as FormatName);
    const stored = ctx.publish(`${folder}/${f.path}`, checked(f.lines(), check));
    for (const p of check?.end().slice(0, 5) ?? []) {
      diagnostics.push({ severity: "error", message: `${folder}/${f.path}:${p.line}: ${p.message}`, hint: "this is a bug in export/iterations: please report it" });
    }
    return { path: f.path, kind: f.kind, split: f.split, rows: f.rows, bytes: stored.bytes, sha256: stored.digest };
  });
  if (diagnostics.length > 0) throw new DpoError(diagnostics);
  return published;
}

/** The project config, rubrics and provenance.json, published under `inputs/` and beside the data. */
export function publishInputFiles(ctx: Pick<PluginContext, "publish">, folder: string, inputs: ShippedInputs): DataFile[] {
  const files: [string, DataFile["kind"], string][] = [...inputs.files].map(([path, content]) => [`inputs/${path}`, "input", content]);
  files.push(["provenance.json", "provenance", `${JSON.stringify(inputs.provenance, null, 2)}\n`]);
  return files.map(([path, kind, content]) => {
    const stored = ctx.publish(`${folder}/${path}`, content);
    return { path, kind, split: null, rows: 0, bytes: stored.bytes, sha256: stored.digest };
  });
}

function plannedFiles(format: LineFormat, it: IterationPairs): PlannedFile[] {
  const file = (kind: FormatName, split: "train" | "eval", pairs: readonly ExportPair[]): PlannedFile => ({
    path: `${split}.${kind}.jsonl`,
    kind,
    split,
    rows: pairs.length * (kind === "unpaired" ? 2 : 1),
    *lines() {
      for (const p of pairs) yield lineOf(format, kind, p);
    },
  });
  const files: PlannedFile[] = [];
  for (const kind of format.formats) {
    files.push(file(kind, "train", it.train));
    if (it.eval) files.push(file(kind, "eval", it.eval));
  }
  if (format.extras && format.formats.some((f) => !FORMATS[f].extraColumns)) {
    // Line-aligned with the openai files: the train rows, then the eval rows.
    const sidecar = [...it.train.map((p) => ["train", p] as const), ...(it.eval ?? []).map((p) => ["eval", p] as const)];
    files.push({
      path: "diagnostics.jsonl",
      kind: "diagnostics",
      split: it.eval ? "train+eval" : "train",
      rows: sidecar.length,
      *lines() {
        for (const [split, p] of sidecar) yield `${JSON.stringify(Object.assign({ split }, diagnosticColumns(p, format.columns)))}\n`;
      },
    });
  }
  return files;
}

/** A pair's JSONL line(s) in one format (two rows for unpaired). */
function lineOf(format: LineFormat, kind: FormatName, pair: ExportPair): string {
  const rows = FORMATS[kind].rows(pair);
  const extra = format.extras && FORMATS[kind].extraColumns ? diagnosticColumns(pair, format.columns) : undefined;
  // Object.assign, not `{ ...row, ...extra }`: V8 promotes the spread's short-lived copies to the old generation,
  // where 50,000 pairs in five formats left ~1 GB of garbage before a full GC (bench/export-row-garbage.mjs).
  return rows.map((row) => `${JSON.stringify(extra ? Object.assign(row, extra) : row)}\n`).join("");
}

/** The lines, each also given to `check` on the way through. */
function* checked(lines: Iterable<string>, check: JsonlCheck | undefined): Generator<string> {
  for (const line of lines) {
    check?.write(line);
    yield line;
  }
}
