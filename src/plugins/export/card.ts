/**
 * An iteration's `README.md`: a Hugging Face dataset card. The YAML front
 * matter (card-front-matter.ts) names one `datasets` config per format; the
 * body says what the data is, how it was built, who wrote and judged it, how
 * to rebuild it and how to load it.
 */
import type { IterationCost } from "./cost.js";
import { thresholdText } from "./gate-spec.js";
import { cardFacts, defaultFormat, frontMatter, type CardFacts } from "./card-front-matter.js";
import type { FormatName } from "./formats.js";
import type { BuildInfo, IterationExport } from "./manifest.js";
import type { Spread, Summary } from "./stats.js";

export { sizeCategory } from "./card-front-matter.js";

const FORMAT_NOTES: Record<FormatName, string> = {
  "trl-conversational":
    "TRL conversational preference format (the default config): `prompt` is a list of `{role, content}` messages, `chosen` and `rejected` " +
    "are lists with one assistant message; TRL applies the model's chat template.",
  trl:
    "TRL standard preference format: `prompt`, `chosen`, `rejected` strings, one convention for every row: the prompt is a transcript " +
    "`\\n\\nHuman: …\\n\\nAssistant:` (a plain instruction is one Human turn) and each completion starts with a space, " +
    "so `prompt + chosen` (what TRL tokenizes) has a separator at the boundary. No chat template is applied.",
  openai:
    "OpenAI-style preference (DPO) format, accepted by OpenAI, Azure OpenAI, Together and Fireworks: `input.messages`, `preferred_output`, " +
    "`non_preferred_output`. No extra keys are allowed, so diagnostic columns (if enabled) are in `diagnostics.jsonl`, one line per row, train rows first.",
  hh:
    "Anthropic HH format: `chosen` and `rejected` are full transcripts `\\n\\nHuman: …\\n\\nAssistant: …`; " +
    "a system message is plain text before the first turn.",
  unpaired:
    "TRL unpaired preference format (KTO, BCO): `prompt` messages, `completion` a list with one assistant message, `label` " +
    "(true: the chosen response, false: the rejected one); two rows per pair.",
};

/** The test split is called `test` in the card because that is TRL's default `dataset_test_split`. */
export function buildCard(build: BuildInfo, it: IterationExport, train: Summary, evalSummary: Summary | null): string {
  const facts = cardFacts(build, [...it.train, ...(it.eval ?? [])]);
  return [frontMatter(build, it, facts), body(build, it, train, evalSummary, facts)].join("\n");
}

function body(build: BuildInfo, it: IterationExport, train: Summary, ev: Summary | null, facts: CardFacts): string {
  const out: string[] = [`# ${build.title}: ${it.name}`, ""];
  if (build.description) out.push(build.description, "");
  out.push(
    `Preference pairs (a prompt, a chosen and a rejected response) for DPO-style training: iteration \`${it.name}\` ` +
      "of a nested series, where each larger iteration contains every training pair of the smaller ones " +
      `(the first ${it.train.length} pairs of the project's seeded sample order).` +
      (it.eval ? " The held-out test split is the same in every iteration and shares no prompt with training." : ""),
    "",
    "## Files",
    "",
    "| config | train | test | format |",
    "| --- | --- | --- | --- |",
    ...build.formats.map(
      (f) =>
        `| \`${f}\` | \`train.${f}.jsonl\` (${rowCount(f, it.train.length)}) | ` +
        `${it.eval ? `\`eval.${f}.jsonl\` (${rowCount(f, it.eval.length)})` : "none"} | ${FORMAT_NOTES[f]} |`,
    ),
    "",
    "`manifest.json` records the same facts as this card in machine-readable form, with the sha256 of every data file.",
  );
  if (build.extras) {
    out.push(
      "",
      `Diagnostic columns (${build.columns.map((c) => `\`${c}\``).join(", ")}) are included in the formats that allow extra columns` +
        (build.formats.includes("openai") ? " (for `openai` they are in `diagnostics.jsonl`)" : "") +
        ". A column is written only when every pair has a value, so no row has a null; none has the name of a column TRL reads " +
        "(the score delta is `score_margin`, not `margin`, which TRL's RewardTrainer would use as a loss margin).",
    );
  }
  out.push("", ...builtSection(build, it, train, ev), "", ...sourcesSection(facts), "", ...reproduceSection(), "", ...loadingSection(build, it));
  return `${out.join("\n")}\n`;
}

function gateLines(it: IterationExport): string[] {
  const out: string[] = [];
  if (it.gate.thresholds.length) out.push(`- Gate (measured on the previous iteration): ${it.gate.thresholds.map(thresholdText).map((t) => `\`${t}\``).join(", ")}.`);
  if (it.gate.forced) out.push(`- **Built with \`--force\` although its gate did not pass:** ${it.gate.forced.join("; ")}.`);
  return out;
}

function builtSection(build: BuildInfo, it: IterationExport, train: Summary, ev: Summary | null): string[] {
  const cols = ev ? ["train", "test"] : ["train"];
  const summaries = ev ? [train, ev] : [train];
  const out = [
    "## How it was built",
    "",
    `- Built by stage \`${build.stage}\` (plugin \`${build.plugin}\`), seed ${build.seed}.`,
    `- Asked for ${it.requested} training pairs; holds ${train.pairs} (from ${train.prompts} prompts)` +
      (ev ? ` and ${ev.pairs} held-out pairs (from ${ev.prompts} prompts).` : "."),
    "- Order: the project's sample order of prompts (a seeded hash of each prompt id), the order in which " +
      "`dpo build --iteration` admits prompts; iterations are prefixes of it, so a later iteration starts with this one's pairs." +
      (ev ? " The test split is the first prompts of that order, whole prompts at a time." : ""),
    ...(it.sample ? [`- Consumed the first ${it.sample.promptsConsumed} prompts of that order: ${it.sample.yield} pairs per prompt.`] : []),
    ...(it.cost ? [`- Cost of those prompts: ${costLine(it.cost)}.`] : []),
    ...gateLines(it),
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
  return out;
}

function loadingSection(build: BuildInfo, it: IterationExport): string[] {
  const first = defaultFormat(build.formats);
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
      "Training with TRL (`trl-conversational` and `trl` are formats `DPOTrainer` reads directly; `unpaired` is for `KTOTrainer`/`BCOTrainer`):",
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
      `\`train.openai.jsonl\`${it.eval ? " (with `eval.openai.jsonl` as the validation file)" : ""} is in the OpenAI-style ` +
        "preference fine-tuning format, accepted by OpenAI, Azure OpenAI, Together and Fireworks for DPO fine-tuning.",
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

function rowCount(format: FormatName, pairs: number): string {
  return format === "unpaired" ? `${pairs * 2} rows, two per pair` : `${pairs} rows`;
}

function sourcesSection(facts: CardFacts): string[] {
  const out = ["## Who wrote and judged it", ""];
  out.push(
    facts.models.length > 0
      ? `- Responses generated by: ${facts.models.map((m) => `\`${m}\``).join(", ")}.`
      : "- The pairs record no generating model.",
    facts.judges.length > 0
      ? `- Judged by: ${facts.judges.map((j) => `\`${j}\``).join(", ")} (annotations: ${facts.annotationsCreators.join(", ")}).`
      : `- Annotations: ${facts.annotationsCreators.join(", ")}.`,
  );
  if (facts.models.length > 0) {
    out.push(
      "- Terms of use: each model's outputs are subject to its provider's licence or terms of use, which may restrict " +
        "using them to train other models or redistributing them. Check every model listed above before you use or publish this data.",
    );
  }
  return out;
}

function reproduceSection(): string[] {
  return [
    "## Rebuilding it",
    "",
    "`inputs/` holds the project config that built this folder and every rubric and judge weights file it references; " +
      "`provenance.json` records the versions of dpo and of every plugin (stage keys and input digests are in the project's `dpo.lock`: the same iteration is built under different keys by `dpo build --iteration` and a full build). " +
      "With the same data files (and, for LLM stages, the same replies: the LLM call memo or the same endpoints), `dpo build` rebuilds these files byte for byte. The project's `dpo.lock` is not shipped here: " +
      "it records the digests of these very files, so it can only exist beside them (it is committed with the project).",
  ];
}

/** e.g. "412 LLM calls, 210000 prompt + 35000 completion tokens (1200 estimated), $0.0421". */
function costLine(c: IterationCost): string {
  const estimated = c.tokens.estimated > 0 ? ` (${c.tokens.estimated} estimated)` : "";
  const usd = c.usd === null ? "not priced" : `$${c.usd}` + (c.unpricedCalls > 0 ? ` (${c.unpricedCalls} calls not priced)` : "");
  return `${c.calls} LLM calls, ${c.tokens.prompt} prompt + ${c.tokens.completion} completion tokens${estimated}, ${usd}`;
}
