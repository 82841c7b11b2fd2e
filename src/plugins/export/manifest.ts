/**
 * An iteration's `manifest.json`: what was asked, what it consumed and cost,
 * and what it holds (counts, mix, scores, agreement, rubrics) and the
 * sha256 of every data file beside it. No timestamps: same inputs, same bytes.
 */
import type { FormatName } from "./formats.js";
import type { ExportPair } from "./pairs.js";
import { rubricsOf, type Summary } from "./stats.js";
import type { Consumption } from "./consumption.js";
import type { IterationCost } from "./cost.js";
import type { Threshold } from "./gate-spec.js";

export interface DataFile {
  /** File name inside the iteration folder, e.g. `train.trl.jsonl`. */
  path: string;
  /** The format, "diagnostics" for the sidecar, "input"/"provenance" for the reproducing inputs. */
  kind: FormatName | "diagnostics" | "input" | "provenance";
  /** Null for files that hold no rows (the reproducing inputs). */
  split: "train" | "eval" | "train+eval" | null;
  rows: number;
  bytes: number;
  sha256: string;
}

/** How the whole export was configured and where it was built: shared by all iterations. */
export interface BuildInfo {
  stage: string;
  key: string;
  plugin: string;
  seed: number;
  stratifyBy: string | null;
  eval: { size: number } | { fraction: number } | null;
  formats: readonly FormatName[];
  extras: boolean;
  /** The diagnostic columns written with `extras` (those every exported pair has). */
  columns: readonly string[];
  license: string;
  /** The card's `language` codes. */
  language: readonly string[];
  /** The card's `source_datasets` (Hub ids); empty: "original". */
  sourceDatasets: readonly string[];
  /** The card's `annotations_creators` value for human judges. */
  humanAnnotations: "expert-generated" | "crowdsourced";
  title: string;
  description: string;
}

export interface IterationExport {
  name: string;
  requested: number;
  train: readonly ExportPair[];
  /** Null when no held-out split is configured. */
  eval: readonly ExportPair[] | null;
  files: readonly DataFile[];
  /** Prompts consumed and the yield; null when the sample order is unknown. */
  sample: Consumption | null;
  /** What the consumed prompts cost (export/cost.ts); null when no `costs` stage is named or the sample order is unknown. */
  cost: IterationCost | null;
  /** The gate declared on this iteration, and the thresholds `--force` overrode (null: none). */
  gate: { thresholds: readonly Threshold[]; forced: readonly string[] | null };
}

export function buildManifest(
  build: BuildInfo,
  it: IterationExport,
  summaries: { train: Summary; eval: Summary | null },
): Record<string, unknown> {
  return {
    name: it.name,
    // No stage key: the same iteration is built by `dpo build --iteration` and by a full build, under different keys.
    build: { stage: build.stage, plugin: build.plugin, seed: build.seed },
    selection: {
      requested: it.requested,
      stratifyBy: build.stratifyBy,
      order: "the project's sample order of prompts (sha256 of seed and prompt id); eval is its first prompts, iterations are prefixes of the rest",
      eval: build.eval,
      evalGroupedBy: "promptId",
    },
    counts: {
      train: it.train.length,
      eval: it.eval?.length ?? 0,
      trainPrompts: new Set(it.train.map((p) => p.promptId)).size,
      evalPrompts: new Set((it.eval ?? []).map((p) => p.promptId)).size,
    },
    ...(it.sample ? { sample: it.sample } : {}),
    ...(it.cost ? { cost: it.cost } : {}),
    ...(it.gate.thresholds.length || it.gate.forced ? { gate: { thresholds: it.gate.thresholds, ...(it.gate.forced ? { forced: it.gate.forced } : {}) } } : {}),
    rubrics: rubricsOf([...it.train, ...(it.eval ?? [])]),
    train: summaries.train,
    eval: summaries.eval,
    formats: build.formats,
    extras: build.extras,
    ...(build.extras ? { columns: build.columns } : {}),
    files: Object.fromEntries(
      it.files.map((f) => [
        f.path,
        { kind: f.kind, split: f.split, rows: f.rows, bytes: f.bytes, sha256: f.sha256 },
      ]),
    ),
  };
}

export function manifestText(manifest: Record<string, unknown>): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}
