/**
 * export/iterations: turns pair records into training sets for iterative DPO.
 * Nested slices (`iter-0100` ⊂ `iter-0500` ⊂ …) are prefixes of one seeded,
 * stratified order; an optional held-out split is drawn first, by prompt. Each
 * iteration is published as data files in the chosen formats, a manifest and a
 * dataset card. The stage's records say where each pair went.
 */
import { DpoError, type Diagnostic } from "../../engine/diagnostic.js";
import { definePlugin, type Artifact, type PluginContext, type Rec } from "../../engine/plugin.js";
import { buildCard } from "./card.js";
import { checkFormats, dataFiles, inputFiles, LineCache, type IterationPairs } from "./data-files.js";
import { columnsFor } from "./diagnostics.js";
import { FORMAT_NAMES, type FormatName } from "./formats.js";
import { buildManifest, manifestText, type BuildInfo, type CalibrationRow, type IterationExport } from "./manifest.js";
import { splitAndOrder } from "./order.js";
import { exportedPairs, readPairKeys, type PairKey } from "./pair-keys.js";
import type { ExportPair } from "./pairs.js";
import { shippedInputs, type ShippedInputs } from "./provenance.js";
import { summarise } from "./stats.js";

type IterationSpec = number | { size: number; name?: string };

interface With {
  iterations: IterationSpec[];
  eval?: { size?: number; fraction?: number };
  stratifyBy: string | null;
  formats: FormatName[];
  extras: boolean;
  strict: boolean;
  license: string;
  language: string[];
  sourceDatasets: string[];
  humanAnnotations: "expert-generated" | "crowdsourced";
  title?: string;
  description?: string;
}

const NAME = "export/iterations";
const VERSION = "2";

interface Plan {
  name: string;
  requested: number;
  /** How many training pairs it holds: `requested`, or all there are when fewer exist. */
  take: number;
}

export default definePlugin<With>({
  name: NAME,
  version: VERSION,
  description:
    "Exports pairs as nested, stratified training slices (iter-0100 ⊂ iter-0500 ⊂ …) with an optional held-out split, " +
    "in TRL (conversational, standard, unpaired), OpenAI-style or Anthropic HH format, each checked against its format, each with a manifest and a Hugging Face dataset card.",
  // One stage of pairs, and optionally a quality/calibration stage whose figures go into manifests and cards.
  inputs: { min: 1, max: 2, accepts: ["pairs", "calibration"] },
  output: "memberships",
  schema: {
    type: "object",
    additionalProperties: false,
    properties: {
      iterations: {
        description:
          "Training slice sizes, each a number or {size, name}; sorted ascending, each slice contains the smaller ones. " +
          "Default names are iter-0100, iter-0500, …",
        type: "array",
        minItems: 1,
        items: {
          description: "A slice size, or {size, name}.",
          type: ["integer", "object"],
          minimum: 1,
          additionalProperties: false,
          required: ["size"],
          properties: {
            size: { description: "Number of training pairs in the slice.", type: "integer", minimum: 1 },
            name: {
              description: "Folder name under out/ (letters, digits, `.`, `_`, `-`).",
              type: "string",
              pattern: "^[A-Za-z0-9_][A-Za-z0-9._-]*$",
            },
          },
        },
        default: [100, 500, 1000],
      },
      eval: {
        description:
          "Held-out split drawn before the training slices, whole prompts at a time and stratified: {size: pairs} or {fraction: 0..1}. Absent: no held-out split.",
        type: "object",
        additionalProperties: false,
        minProperties: 1,
        maxProperties: 1,
        properties: {
          size: { description: "Number of held-out pairs.", type: "integer", minimum: 1 },
          fraction: {
            description: "Share of all pairs held out.",
            type: "number",
            exclusiveMinimum: 0,
            exclusiveMaximum: 1,
          },
        },
      },
      stratifyBy: {
        description:
          "Dotted path of the pair field whose values are the strata (pairs without it form one stratum); null: no strata.",
        type: ["string", "null"],
        minLength: 1,
        default: "meta.dataset",
      },
      formats: {
        description:
          "Output formats: trl-conversational (messages; TRL applies the chat template), trl (standard strings: prompt as a " +
          "`\\n\\nHuman: …\\n\\nAssistant:` transcript, completions starting with a space), unpaired (KTO/BCO rows " +
          "{prompt, completion, label}, two per pair), openai (OpenAI-style preference fine-tuning), hh (Anthropic HH).",
        type: "array",
        minItems: 1,
        uniqueItems: true,
        items: { description: "A format name.", type: "string", enum: [...FORMAT_NAMES] },
        default: ["trl-conversational"],
      },
      extras: {
        description:
          "Add diagnostic columns (ids, stratum, models, score_chosen/score_rejected/score_margin, reason, agreement) where the " +
          "format allows extra columns, each only when every exported pair has it (no nulls); for openai they go to diagnostics.jsonl.",
        type: "boolean",
        default: false,
      },
      strict: {
        description: "Fail when a slice asks for more pairs than exist (otherwise warn and export what exists).",
        type: "boolean",
        default: false,
      },
      license: {
        description: "The `license` of the dataset cards (a Hugging Face licence id such as apache-2.0, or other/unknown).",
        type: "string",
        minLength: 1,
        default: "unknown",
      },
      language: {
        description: "The dataset cards' `language` (ISO 639-1 codes of the prompts and responses); nothing is detected.",
        type: "array",
        minItems: 1,
        items: { description: "A language code, e.g. en.", type: "string", pattern: "^[a-z]{2,3}(-[A-Za-z0-9]+)*$" },
        default: ["en"],
      },
      sourceDatasets: {
        description: "The dataset cards' `source_datasets`: Hub ids of the datasets the prompts came from (none: `original`).",
        type: "array",
        items: { description: "A Hub dataset id, e.g. tatsu-lab/alpaca_eval.", type: "string", minLength: 1 },
        default: [],
      },
      humanAnnotations: {
        description: "The cards' `annotations_creators` value for human judges (`human:` judges on the pairs); LLM and heuristic judges are machine-generated.",
        type: "string",
        enum: ["expert-generated", "crowdsourced"],
        default: "expert-generated",
      },
      title: { description: "Title of the dataset cards (default: the stage name).", type: "string", minLength: 1 },
      description: { description: "A paragraph for the dataset cards describing the data.", type: "string" },
    },
  },

  /** Each slice is a folder of its own under out/. */
  publishes: (w) => ({ folders: [...new Set(namedSlices(w.iterations).map((s) => s.name))] }),

  /**
   * Two passes over the stored pairs: keys first (checked, split and ordered),
   * then the whole pairs of the exported slices only.
   */
  async *run(ctx) {
    const w = ctx.with;
    const { upstream, calibration } = await splitInputs(ctx);
    const keys = await readPairKeys(upstream.records(), upstream.stage, w.stratifyBy);
    const evalSize = evalSizeOf(ctx, keys.length);
    const split = splitAndOrder(keys, evalSize, ctx.rng);
    const plans = planIterations(ctx, split.train.length, split.eval.length);
    const largest = plans[plans.length - 1]!.take;
    const exported = await exportedPairs(upstream.records(), [...split.train.slice(0, largest), ...(w.eval ? split.eval : [])], w.stratifyBy);
    const train = exported.slice(0, largest);
    const evalPairs = w.eval ? exported.slice(largest) : null;
    const columns = w.extras ? columnsFor(exported) : [];
    const build = buildInfo(ctx, calibration, columns);
    const inputs = await shippedInputs(ctx, `${NAME}@${VERSION}`);
    ctx.progress.total(plans.length);
    const lines = new LineCache(w.formats, columns, w.extras);
    for (const plan of plans) {
      publishIteration(ctx, build, lines, inputs, { plan, train: train.slice(0, plan.take), eval: evalPairs });
      ctx.tally(`pairs.${plan.name}`, plan.take);
      ctx.progress.tick();
    }
    if (evalPairs) ctx.tally("pairs.eval", evalPairs.length);
    if (split.train.length > largest) ctx.tally("pairs.unused", split.train.length - largest);
    yield* membership(split.train, split.eval, plans);
  },
});

/** The one stage of pairs, and the calibration figures when a quality/calibration stage is also in `needs`. */
async function splitInputs(ctx: PluginContext<With>): Promise<{ upstream: Artifact; calibration: CalibrationRow[] | null }> {
  const pairInputs: Artifact[] = [];
  let calibration: CalibrationRow[] | null = null;
  for (const artifact of Object.values(ctx.inputs)) {
    const rows = artifact.count > 0 ? calibrationRows(await calibrationRecords(artifact)) : null;
    if (rows) calibration = [...(calibration ?? []), ...rows];
    else pairInputs.push(artifact);
  }
  if (pairInputs.length !== 1) {
    ctx.fail("/needs", `stage "${ctx.stage}" (${NAME}) needs exactly one upstream stage of pairs, got ${pairInputs.length}`, "list the stage producing the final pairs in `needs` (and optionally one quality/calibration stage)");
  }
  return { upstream: pairInputs[0]!, calibration };
}

/** A calibration stage's records; a stage of pairs stops at its first record (one without `calibration`), returned alone. */
async function calibrationRecords(artifact: Artifact): Promise<Rec[]> {
  const out: Rec[] = [];
  for await (const r of artifact.records()) {
    out.push(r);
    if (typeof r.calibration !== "object" || r.calibration === null) break;
  }
  return out;
}

/** A quality/calibration stage's records (every one has a `calibration` object), pair direction first, then by subject; else null. */
function calibrationRows(records: Rec[]): CalibrationRow[] | null {
  if (!records.every((r) => typeof r.calibration === "object" && r.calibration !== null)) return null;
  const rows = records.map((r) => r.calibration as CalibrationRow);
  return rows.sort((a, b) => Number(b.kind === "direction") - Number(a.kind === "direction") || (a.subject < b.subject ? -1 : 1));
}

function evalSizeOf(ctx: PluginContext<With>, total: number): number {
  const e = ctx.with.eval;
  if (!e) return 0;
  const size = e.size ?? Math.max(1, Math.round(e.fraction! * total));
  if (size >= total) {
    ctx.fail("/with/eval", `the held-out split asks for ${size} pairs but only ${total} exist: nothing would be left for training`, "lower `eval.size` or use `eval.fraction`");
  }
  return size;
}

/** Sorts and names the slices, and settles how many pairs each gets (warning or failing when short). */
function planIterations(ctx: PluginContext<With>, available: number, held: number): Plan[] {
  const plans = namedSlices(ctx.with.iterations).map((s) => ({ name: s.name, requested: s.size, take: Math.min(s.size, available) }));
  const duplicates = plans.filter((p, i) => plans.findIndex((q) => q.name === p.name) !== i);
  if (duplicates.length > 0) ctx.fail("/with/iterations", `iteration name "${duplicates[0]!.name}" is used twice`, "give each slice its own size or name");
  const short: Diagnostic[] = [];
  for (const p of plans.filter((p) => p.take < p.requested)) {
    const message =
      `iteration ${p.name} asks for ${p.requested} pairs, only ${available} exist: exporting ${available}` +
      (held > 0 ? ` (${held} more are held out for eval)` : "");
    if (ctx.with.strict) short.push(ctx.diagnostic("/with/iterations", message, "lower the slice size or set `strict: false`"));
    else ctx.log.warn(message);
  }
  if (short.length > 0) throw new DpoError(short);
  return plans;
}

/** The slices by ascending size, each with its folder name under out/ (given, or iter-0100 style). */
function namedSlices(iterations: readonly IterationSpec[]): { name: string; size: number }[] {
  const specs = iterations.map((s) => (typeof s === "number" ? { size: s } : s)).sort((a, b) => a.size - b.size);
  const width = Math.max(4, String(specs[specs.length - 1]!.size).length);
  return specs.map((s) => ({ name: s.name ?? `iter-${String(s.size).padStart(width, "0")}`, size: s.size }));
}

function buildInfo(ctx: PluginContext<With>, calibration: CalibrationRow[] | null, columns: string[]): BuildInfo {
  const e = ctx.with.eval;
  return {
    stage: ctx.stage,
    key: ctx.key,
    plugin: `${NAME}@${VERSION}`,
    seed: ctx.seed,
    stratifyBy: ctx.with.stratifyBy,
    eval: !e ? null : e.size !== undefined ? { size: e.size } : { fraction: e.fraction! },
    formats: ctx.with.formats,
    extras: ctx.with.extras,
    columns,
    license: ctx.with.license,
    language: ctx.with.language,
    sourceDatasets: ctx.with.sourceDatasets,
    humanAnnotations: ctx.with.humanAnnotations,
    title: ctx.with.title ?? ctx.stage,
    description: ctx.with.description ?? "",
    calibration,
  };
}

function publishIteration(ctx: PluginContext<With>, build: BuildInfo, lines: LineCache, inputs: ShippedInputs, it: IterationPairs & { plan: Plan }): void {
  const files = [...dataFiles(lines, it), ...inputFiles(inputs)];
  checkFormats(files, it.plan.name);
  const exported: IterationExport = { name: it.plan.name, requested: it.plan.requested, train: it.train, eval: it.eval, files };
  const summaries = { train: summarise(it.train), eval: it.eval ? summarise(it.eval) : null };
  const manifest = buildManifest(build, exported, summaries);
  const card = buildCard(build, exported, summaries.train, summaries.eval);
  for (const f of files) ctx.publish(`${it.plan.name}/${f.path}`, f.content);
  ctx.publish(`${it.plan.name}/manifest.json`, manifestText(manifest));
  ctx.publish(`${it.plan.name}/README.md`, card);
}

/** One record per pair: its split, the iterations whose folders hold it, and its rank in its split's order. */
function* membership(train: readonly PairKey[], evalPairs: readonly PairKey[], plans: readonly Plan[]): Generator<Rec> {
  const all = plans.map((p) => p.name);
  for (const [i, p] of train.entries()) {
    const iterations = plans.filter((plan) => i < plan.take).map((plan) => plan.name);
    yield { id: p.id, promptId: p.promptId, split: iterations.length ? "train" : "unused", iterations, rank: i + 1 };
  }
  for (const [i, p] of evalPairs.entries()) yield { id: p.id, promptId: p.promptId, split: "eval", iterations: all, rank: i + 1 };
}
