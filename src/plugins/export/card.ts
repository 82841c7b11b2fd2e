/**
 * An iteration's `README.md`: a Hugging Face dataset card. The YAML front
 * matter names one `datasets` config per format (its train and test files);
 * the body says what the data is, how it was built and how to load it.
 * Scalars in the front matter are written as JSON strings, which YAML reads
 * as-is, so no YAML library is needed and any title or licence is safe.
 */
import type { FormatName } from "./formats.js";
import type { BuildInfo, IterationExport } from "./manifest.js";
import type { Spread, Summary } from "./stats.js";

const FORMAT_NOTES: Record<FormatName, string> = {
  trl:
    "TRL standard preference format: `prompt`, `chosen`, `rejected` strings. A plain instruction is the prompt as is. " +
    "A conversation prompt is rendered as a transcript (`…\\n\\nHuman: …\\n\\nAssistant:`) and the completions start with a space.",
  "trl-conversational":
    "TRL conversational preference format: `prompt` is a list of `{role, content}` messages, `chosen` and `rejected` " +
    "are lists with one assistant message; TRL applies the model's chat template.",
  openai:
    "OpenAI preference (DPO) fine-tuning format: `input.messages`, `preferred_output`, `non_preferred_output`. " +
    "OpenAI accepts no extra keys, so diagnostic columns (if enabled) are in `diagnostics.jsonl`, one line per row, train rows first.",
  hh:
    "Anthropic HH format: `chosen` and `rejected` are full transcripts `\\n\\nHuman: …\\n\\nAssistant: …`; " +
    "a system message is plain text before the first turn.",
};

/** The test split is called `test` in the card because that is TRL's default `dataset_test_split`. */
export function buildCard(build: BuildInfo, it: IterationExport, train: Summary, evalSummary: Summary | null): string {
  return [frontMatter(build, it), body(build, it, train, evalSummary)].join("\n");
}

function frontMatter(build: BuildInfo, it: IterationExport): string {
  const q = JSON.stringify;
  const lines = [
    "---",
    `license: ${q(build.license)}`,
    `pretty_name: ${q(`${build.title} (${it.name})`)}`,
    "task_categories:",
    "- text-generation",
    "tags:",
    "- dpo",
    "- preference",
    "- rlhf",
    "size_categories:",
    `- ${q(sizeCategory(it.train.length + (it.eval?.length ?? 0)))}`,
    "configs:",
  ];
  build.formats.forEach((format, i) => {
    lines.push(`- config_name: ${q(format)}`);
    if (i === 0) lines.push("  default: true");
    lines.push("  data_files:", "  - split: train", `    path: ${q(`train.${format}.jsonl`)}`);
    if (it.eval) lines.push("  - split: test", `    path: ${q(`eval.${format}.jsonl`)}`);
  });
  lines.push("---", "");
  return lines.join("\n");
}

function body(build: BuildInfo, it: IterationExport, train: Summary, ev: Summary | null): string {
  const out: string[] = [`# ${build.title}: ${it.name}`, ""];
  if (build.description) out.push(build.description, "");
  out.push(
    `Preference pairs (a prompt, a chosen and a rejected response) for DPO-style training: iteration \`${it.name}\` ` +
      "of a nested series, where each larger iteration contains every training pair of the smaller ones " +
      `(the first ${it.train.length} pairs of one seeded, stratified order).` +
      (it.eval ? " The held-out test split is the same in every iteration and shares no prompt with training." : ""),
    "",
    "## Files",
    "",
    "| config | train | test | format |",
    "| --- | --- | --- | --- |",
    ...build.formats.map(
      (f) =>
        `| \`${f}\` | \`train.${f}.jsonl\` (${it.train.length} rows) | ` +
        `${it.eval ? `\`eval.${f}.jsonl\` (${it.eval.length} rows)` : "none"} | ${FORMAT_NOTES[f]} |`,
    ),
    "",
    "`manifest.json` records the same facts as this card in machine-readable form, with the sha256 of every data file.",
  );
  if (build.extras) {
    out.push(
      "",
      "Diagnostic columns (`pair_id`, `prompt_id`, `stratum`, `chosen_model`, `rejected_model`, `score_chosen`, " +
        "`score_rejected`, `margin`, `reason`, `agreement_share`, `disputed`; null when unknown) are included in the " +
        "formats that allow extra columns" +
        (build.formats.includes("openai") ? "; for `openai` they are in `diagnostics.jsonl`." : "."),
    );
  }
  out.push("", ...builtSection(build, it, train, ev), "", ...loadingSection(build, it));
  return `${out.join("\n")}\n`;
}

function builtSection(build: BuildInfo, it: IterationExport, train: Summary, ev: Summary | null): string[] {
  const cols = ev ? ["train", "test"] : ["train"];
  const summaries = ev ? [train, ev] : [train];
  const out = [
    "## How it was built",
    "",
    `- Built by stage \`${build.stage}\` (plugin \`${build.plugin}\`), stage key \`${build.key}\`, seed ${build.seed}.`,
    `- Asked for ${it.requested} training pairs; holds ${train.pairs} (from ${train.prompts} prompts)` +
      (ev ? ` and ${ev.pairs} held-out pairs (from ${ev.prompts} prompts).` : "."),
    `- Order: each stratum (by \`${build.stratifyBy ?? "nothing"}\`) shuffled with the project seed, strata interleaved ` +
      "by largest remainder so every prefix keeps the overall mix; iterations are prefixes of that order." +
      (ev ? " The test split was drawn first, whole prompts at a time, in the same stratified way." : ""),
    "",
    "### Mix",
    "",
    ...countTable(`stratum (\`${build.stratifyBy ?? "none"}\`)`, cols, summaries.map((s) => s.byStratum)),
    "",
    ...countTable("source file", cols, summaries.map((s) => s.bySourceFile)),
    "",
    "### Scores",
    "",
    `| | ${cols.join(" | ")} |`,
    `| --- |${cols.map(() => " --- |").join("")}`,
    row("margin min / mean / median / max", summaries.map((s) => spreadText(s.scores.margin))),
    row("chosen score, mean", summaries.map((s) => String(s.scores.chosenMean ?? "n/a"))),
    row("rejected score, mean", summaries.map((s) => String(s.scores.rejectedMean ?? "n/a"))),
  ];
  if (summaries.some((s) => s.agreement)) {
    out.push(
      "",
      "### Judge agreement",
      "",
      `| | ${cols.join(" | ")} |`,
      `| --- |${cols.map(() => " --- |").join("")}`,
      row("share of judges agreeing, mean", summaries.map((s) => String(s.agreement?.shareMean ?? "n/a"))),
      row("share of judges agreeing, min", summaries.map((s) => String(s.agreement?.shareMin ?? "n/a"))),
      row("disputed pairs", summaries.map((s) => String(s.agreement?.disputed ?? "n/a"))),
    );
  }
  if (build.calibration) out.push("", ...calibrationSection(build.calibration));
  return out;
}

/** The calibration table, with what it measured: the pairs before this export's selection. */
function calibrationSection(rows: readonly NonNullable<BuildInfo["calibration"]>[number][]): string[] {
  const f = (v: number | null) => (v === null ? "n/a" : v.toFixed(3));
  return [
    "### Calibration against gold preferences",
    "",
    "Measured by a `quality/calibration` stage on the pairs it was given (before this export's selection), " +
      "on the pairs its gold file covers. Accuracy: share of covered pairs where the verdict matches gold's preferred side; " +
      "κ: Cohen's κ with gold; P(longer): how often the verdict prefers the longer response, beside how often gold does.",
    "",
    "| subject | covered | coverage | accuracy | Cohen's κ | P(longer) | gold P(longer) |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...rows.map((c) => row(c.kind === "direction" ? "pair direction (chosen side)" : `judge \`${c.subject}\``, [String(c.covered), f(c.coverage), f(c.accuracy), f(c.kappa), f(c.prefersLonger), f(c.goldPrefersLonger)])),
  ];
}

function loadingSection(build: BuildInfo, it: IterationExport): string[] {
  const first = build.formats.find((f) => f !== "openai" && f !== "hh") ?? build.formats[0]!;
  const files = `{"train": "train.${first}.jsonl"${it.eval ? `, "test": "eval.${first}.jsonl"` : ""}}`;
  const out = [
    "## Loading",
    "",
    "```python",
    "from datasets import load_dataset",
    "",
    `# from this folder (out/${it.name}), by config name:`,
    `ds = load_dataset("out/${it.name}", "${first}")`,
    "# or any one file set directly:",
    `ds = load_dataset("json", data_files=${files})`,
    "```",
  ];
  if (build.formats.some((f) => f.startsWith("trl"))) {
    out.push(
      "",
      "Training with TRL (both `trl` configs are formats `DPOTrainer` reads directly):",
      "",
      "```python",
      "from trl import DPOConfig, DPOTrainer",
      "",
      `trainer = DPOTrainer(model=model, args=DPOConfig(output_dir="dpo-${it.name}"), train_dataset=ds["train"],` +
        (it.eval ? ` eval_dataset=ds["test"],` : "") +
        " processing_class=tokenizer)",
      "trainer.train()",
      "```",
    );
  }
  if (build.formats.includes("openai")) {
    out.push(
      "",
      `For OpenAI, upload \`train.openai.jsonl\`${it.eval ? " (and `eval.openai.jsonl` as the validation file)" : ""} ` +
        'with purpose `fine-tune` and create a fine-tuning job with `method: {"type": "dpo"}`.',
    );
  }
  return out;
}

function spreadText(s: Spread | null): string {
  return s ? [s.min, s.mean, s.median, s.max].join(" / ") : "n/a";
}

function countTable(title: string, cols: string[], counts: Record<string, number>[]): string[] {
  const keys = [...new Set(counts.flatMap((c) => Object.keys(c)))].sort();
  return [
    `| ${title} | ${cols.join(" | ")} |`,
    `| --- |${cols.map(() => " ---: |").join("")}`,
    ...keys.map((k) => row(`\`${k}\``, counts.map((c) => String(c[k] ?? 0)))),
  ];
}

function row(label: string, cells: string[]): string {
  return `| ${cell(label)} | ${cells.map(cell).join(" | ")} |`;
}

/** Table cells cannot hold a pipe or a line break. */
function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}

/** The Hugging Face `size_categories` bucket for a row count. */
export function sizeCategory(n: number): string {
  const buckets: [number, string][] = [
    [1_000, "n<1K"],
    [10_000, "1K<n<10K"],
    [100_000, "10K<n<100K"],
    [1_000_000, "100K<n<1M"],
    [10_000_000, "1M<n<10M"],
  ];
  for (const [limit, label] of buckets) if (n < limit) return label;
  return "n>10M";
}
