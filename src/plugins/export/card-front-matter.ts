/**
 * The YAML front matter of an iteration's dataset card: licence, language,
 * how it was annotated, where it came from, its size bucket, one `datasets`
 * config per format (the conversational one the default) and each config's
 * features, with score columns pinned to float64 (JSON numbers mix ints and
 * floats, and an inferred int64 column would reject the next fractional score).
 * Scalars are written as JSON strings, which YAML reads as-is.
 */
import { DIAGNOSTIC_COLUMNS, SCORE_COLUMNS } from "./diagnostics.js";
import type { FormatName } from "./formats.js";
import type { BuildInfo, IterationExport } from "./manifest.js";
import type { ExportPair } from "./pairs.js";

/** What the card says about where the pairs came from, derived from the pairs themselves. */
export interface CardFacts {
  /** Models that wrote a chosen or rejected response, sorted. */
  models: string[];
  /** Judges recorded on the pairs, sorted. */
  judges: string[];
  annotationsCreators: string[];
  /** Whether the responses are model-generated. */
  synthetic: boolean;
}

export function cardFacts(build: BuildInfo, pairs: readonly ExportPair[]): CardFacts {
  const models = new Set<string>();
  const judges = new Set<string>();
  for (const p of pairs) {
    for (const m of [p.chosen.model, p.rejected.model]) if (m) models.add(m);
    for (const j of p.judges ?? []) judges.add(j);
  }
  const human = [...judges].some((j) => j.startsWith("human:"));
  const machine = [...judges].some((j) => !j.startsWith("human:"));
  const creators = [...(machine || !human ? ["machine-generated"] : []), ...(human ? [build.humanAnnotations] : [])];
  return { models: [...models].sort(), judges: [...judges].sort(), annotationsCreators: creators, synthetic: models.size > 0 };
}

/** The config `datasets` loads when none is named: the conversational one when present (it carries the chat template). */
export function defaultFormat(formats: readonly FormatName[]): FormatName {
  return formats.includes("trl-conversational") ? "trl-conversational" : formats[0]!;
}

export function frontMatter(build: BuildInfo, it: IterationExport, facts: CardFacts): string {
  const q = JSON.stringify;
  const list = (key: string, values: readonly string[]) => [`${key}:`, ...values.map((v) => `- ${q(v)}`)];
  const lines = [
    "---",
    `license: ${q(build.license)}`,
    `pretty_name: ${q(`${build.title} (${it.name})`)}`,
    ...list("language", build.language),
    ...list("annotations_creators", facts.annotationsCreators),
    ...list("source_datasets", build.sourceDatasets.length > 0 ? build.sourceDatasets : ["original"]),
    ...list("task_categories", ["text-generation"]),
    ...list("tags", ["dpo", "preference", "rlhf", ...(facts.synthetic ? ["synthetic"] : [])]),
    ...list("size_categories", [sizeCategory(it.train.length + (it.eval?.length ?? 0))]),
    "configs:",
  ];
  const main = defaultFormat(build.formats);
  for (const format of build.formats) {
    lines.push(`- config_name: ${q(format)}`);
    if (format === main) lines.push("  default: true");
    lines.push("  data_files:", "  - split: train", `    path: ${q(`train.${format}.jsonl`)}`);
    if (it.eval) lines.push("  - split: test", `    path: ${q(`eval.${format}.jsonl`)}`);
  }
  lines.push("dataset_info:");
  for (const format of build.formats) {
    lines.push(`- config_name: ${q(format)}`, "  features:", ...features(featuresOf(format, build), "  "));
  }
  lines.push("---", "");
  return lines.join("\n");
}

type Feature = { name: string; dtype: string } | { name: string; list: Feature[] } | { name: string; struct: Feature[] };

const MESSAGE: Feature[] = [
  { name: "role", dtype: "string" },
  { name: "content", dtype: "string" },
];
const messages = (name: string): Feature => ({ name, list: MESSAGE });
const str = (name: string): Feature => ({ name, dtype: "string" });

const FORMAT_FEATURES: Record<FormatName, Feature[]> = {
  "trl-conversational": [messages("prompt"), messages("chosen"), messages("rejected")],
  trl: [str("prompt"), str("chosen"), str("rejected")],
  openai: [{ name: "input", struct: [messages("messages")] }, messages("preferred_output"), messages("non_preferred_output")],
  hh: [str("chosen"), str("rejected")],
  unpaired: [messages("prompt"), messages("completion"), { name: "label", dtype: "bool" }],
};

/** Every column of a config's rows, in row order, typed. */
function featuresOf(format: FormatName, build: BuildInfo): Feature[] {
  const own = FORMAT_FEATURES[format];
  if (!build.extras || format === "openai") return own;
  const dtype = (c: string) => ((SCORE_COLUMNS as readonly string[]).includes(c) ? "float64" : c === "disputed" ? "bool" : "string");
  return [...own, ...build.columns.filter((c) => c in DIAGNOSTIC_COLUMNS).map((c) => ({ name: c, dtype: dtype(c) }))];
}

function features(fs: readonly Feature[], indent: string): string[] {
  return fs.flatMap((f) => {
    const head = `${indent}- name: ${JSON.stringify(f.name)}`;
    if ("dtype" in f) return [head, `${indent}  dtype: ${JSON.stringify(f.dtype)}`];
    if ("list" in f) return [head, `${indent}  list:`, ...features(f.list, `${indent}  `)];
    return [head, `${indent}  struct:`, ...features(f.struct, `${indent}  `)];
  });
}

/** Hugging Face's `size_categories` buckets, by upper bound (exclusive). */
const SIZE_BUCKETS: [number, string][] = [
  [1e3, "n<1K"],
  [1e4, "1K<n<10K"],
  [1e5, "10K<n<100K"],
  [1e6, "100K<n<1M"],
  [1e7, "1M<n<10M"],
  [1e8, "10M<n<100M"],
  [1e9, "100M<n<1B"],
  [1e10, "1B<n<10B"],
  [1e11, "10B<n<100B"],
  [1e12, "100B<n<1T"],
];

/** Every value `size_categories` accepts. */
export const SIZE_CATEGORIES: readonly string[] = [...SIZE_BUCKETS.map(([, label]) => label), "n>1T"];

/** The Hugging Face `size_categories` bucket for a row count. */
export function sizeCategory(n: number): string {
  for (const [limit, label] of SIZE_BUCKETS) if (n < limit) return label;
  return "n>1T";
}
