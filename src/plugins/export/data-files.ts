/**
 * The files of one iteration: each format's train and eval JSONL (checked
 * against the format before anything is published), the diagnostics sidecar
 * for formats without extra columns, and the shipped reproducing inputs.
 */
import { DpoError, type Diagnostic } from "../../engine/diagnostic.js";
import { diagnosticColumns } from "./diagnostics.js";
import { FORMATS, type FormatName } from "./formats.js";
import type { DataFile } from "./manifest.js";
import type { ExportPair } from "./pairs.js";
import type { ShippedInputs } from "./provenance.js";
import { validateJsonl } from "./validate.js";

export interface IterationPairs {
  train: ExportPair[];
  eval: ExportPair[] | null;
}

/**
 * Each pair's JSONL lines per format, computed once: every iteration's train
 * file is a prefix of the next one's, and the eval files repeat in each.
 */
export class LineCache {
  private readonly cache = new Map<string, string>();
  constructor(
    readonly formats: readonly FormatName[],
    readonly columns: readonly string[],
    readonly extras: boolean,
  ) {}

  line(format: FormatName, pair: ExportPair): string {
    const key = `${format}\u0000${pair.id}`;
    let line = this.cache.get(key);
    if (line === undefined) {
      line = this.rowsOf(format, pair).map((row) => `${JSON.stringify(row)}\n`).join("");
      this.cache.set(key, line);
    }
    return line;
  }

  private rowsOf(format: FormatName, pair: ExportPair): Record<string, unknown>[] {
    const rows = FORMATS[format].rows(pair);
    if (!this.extras || !FORMATS[format].extraColumns) return rows;
    const extra = diagnosticColumns(pair, this.columns);
    return rows.map((row) => ({ ...row, ...extra }));
  }
}

export function dataFiles(lines: LineCache, it: IterationPairs): DataFile[] {
  const file = (kind: FormatName, split: DataFile["split"], pairs: readonly ExportPair[], path: string): DataFile => ({
    path,
    kind,
    split,
    rows: pairs.length * (kind === "unpaired" ? 2 : 1),
    content: pairs.map((p) => lines.line(kind, p)).join(""),
  });
  const files: DataFile[] = [];
  for (const format of lines.formats) {
    files.push(file(format, "train", it.train, `train.${format}.jsonl`));
    if (it.eval) files.push(file(format, "eval", it.eval, `eval.${format}.jsonl`));
  }
  if (lines.extras && lines.formats.some((f) => !FORMATS[f].extraColumns)) {
    // Line-aligned with the openai files: the train rows, then the eval rows.
    const sidecar = [...it.train.map((p) => ["train", p] as const), ...(it.eval ?? []).map((p) => ["eval", p] as const)];
    files.push({
      path: "diagnostics.jsonl",
      kind: "diagnostics",
      split: it.eval ? "train+eval" : "train",
      rows: sidecar.length,
      content: sidecar.map(([split, p]) => `${JSON.stringify({ split, ...diagnosticColumns(p, lines.columns) })}\n`).join(""),
    });
  }
  return files;
}

/** The project config, rubrics and provenance.json, under `inputs/` and beside the data. */
export function inputFiles(inputs: ShippedInputs): DataFile[] {
  const files: DataFile[] = [...inputs.files].map(([path, content]) => ({ path: `inputs/${path}`, kind: "input", split: null, rows: 0, content }));
  files.push({ path: "provenance.json", kind: "provenance", split: null, rows: 0, content: `${JSON.stringify(inputs.provenance, null, 2)}\n` });
  return files;
}

/** What the export writes is what its formats promise: a problem here is a bug in a format, so it stops the build. */
export function checkFormats(files: readonly DataFile[], iteration: string): void {
  const diagnostics: Diagnostic[] = [];
  for (const f of files) {
    if (f.kind === "diagnostics" || f.kind === "input" || f.kind === "provenance") continue;
    for (const p of validateJsonl(f.kind, f.content).slice(0, 5)) {
      diagnostics.push({ severity: "error", message: `${iteration}/${f.path}:${p.line}: ${p.message}`, hint: "this is a bug in export/iterations: please report it" });
    }
  }
  if (diagnostics.length > 0) throw new DpoError(diagnostics);
}

