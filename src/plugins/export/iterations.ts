/**
 * export/iterations: turns pair records into training sets for iterative DPO.
 * Nested slices (`iter-0100` ⊂ `iter-0500` ⊂ …) are prefixes of the project's
 * sample order of prompts (./order.ts); an optional held-out split is its
 * first prompts. Under `dpo build --iteration` (fewer prompts admitted) only
 * the slices the admitted prompts complete are published. Each
 * iteration is published as data files in the chosen formats, a manifest and a
 * dataset card. The stage's records say where each pair went.
 */
import { DpoError, type Diagnostic } from "../../engine/diagnostic.js";
import { definePlugin, type PluginContext, type Rec } from "../../engine/plugin.js";
import { buildCard } from "./card.js";
import { publishDataFiles, publishInputFiles, type IterationPairs, type LineFormat } from "./data-files.js";
import { columnsFor } from "./diagnostics.js";
import { FORMAT_NAMES, type FormatName } from "./formats.js";
import { buildManifest, manifestText, type BuildInfo, type IterationExport } from "./manifest.js";
import { splitInputs } from "./split-inputs.js";
import { splitAndOrder } from "./order.js";
import { exportedPairs, readPairKeys, type PairKey } from "./pair-keys.js";
import { shippedInputs, type ShippedInputs } from "./provenance.js";
import { summarise } from "./stats.js";
import { isLimited } from "../../engine/sample/order.js";
import { consumption, type Consumption } from "./consumption.js";
import { FORCED_SCHEMA, GATE_SCHEMA, type Threshold } from "./gate-spec.js";
import { namedSlices, type IterationSpec } from "./slices.js";
import { COSTS_SCHEMA, costInputs, iterationCost, promptCosts, type PromptCosts } from "./cost.js";


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
  forced?: Record<string, string[]>;
  costs?: string[];
}

const NAME = "export/iterations";
const VERSION = "3";

interface Plan {
  name: string;
  requested: number;
  gate: Threshold[];
  /** How many training pairs it holds: `requested`, or all there are when fewer exist. */
  take: number;
}

export default definePlugin<With>({
  name: NAME,
  version: VERSION,
  description:
    "Exports pairs as nested training slices (iter-0100 ⊂ iter-0500 ⊂ …) in the project's sample order of prompts, with an optional held-out split (its first prompts) and optional gates between slices, " +
    "in TRL (conversational, standard, unpaired), OpenAI-style or Anthropic HH format, each checked against its format, each with a manifest and a Hugging Face dataset card.",
  // One stage of pairs, optionally a quality/calibration stage (its figures are in dpo.lock and the report, not in
  // iteration files: they cover every admitted pair, so they would change an earlier iteration's files as prompts are added).
  // And the stages `costs` names (judged records, usually), whose records carry what the prompts cost.
  inputs: { min: 1, accepts: ["pairs", "calibration", "judged", "candidates"] },
  output: "memberships",
  schema: {
    type: "object",
    additionalProperties: false,
    properties: {
      iterations: {
        description:
          "Training slice sizes, each a number or {size, name, gate}; sorted ascending, each slice contains the smaller ones. " +
          "Default names are iter-0100, iter-0500, … Each is a target of `dpo build --iteration NAME`.",
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
            gate: GATE_SCHEMA,
          },
        },
        default: [100, 500, 1000],
      },
      eval: {
        description:
          "Held-out split: the first prompts of the sample order, whole prompts at a time, until {size: pairs} (or {fraction: 0..1} of all pairs, which has no fixed size under `dpo build --iteration`). Absent: no held-out split.",
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
          "Dotted path of the pair field whose values are the strata the manifests and cards report the mix of (pairs without it form one stratum); null: no strata. " +
          "The order is the sample order, so strata are represented in proportion in expectation, not by quota.",
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
      forced: FORCED_SCHEMA,
      costs: COSTS_SCHEMA,
    },
  },

  /** Each slice is a folder of its own under out/. */
  provenance: true, // provenance.json names every stage's plugin@version
  publishes: (w) => ({ folders: [...new Set(namedSlices(w.iterations).map((s) => s.name))] }),

  /**
   * Two passes over the stored pairs: keys first (checked, split and ordered),
   * then the whole pairs of the exported slices only.
   */
  async *run(ctx) {
    const w = ctx.with;
    // Under `dpo build --iteration` only a prefix of the prompts is admitted: publish only what it completes.
    const limited = isLimited(ctx.sample);
    const costInput = costInputs(ctx);
    const { upstream } = await splitInputs(ctx, NAME, costInput);
    const costs = await promptCosts(costInput);
    const keys = await readPairKeys(upstream.records(), upstream.stage, w.stratifyBy);
    const evalSize = evalSizeOf(ctx, keys.length, limited);
    const split = splitAndOrder(keys, evalSize, (id) => ctx.sample.rank(id));
    const evalComplete = split.eval.length >= evalSize;
    const all = planIterations(ctx, split.train.length, split.eval.length, limited);
    const plans = limited ? all.filter((p) => evalComplete && p.take === p.requested) : all;
    const largest = plans.length ? plans[plans.length - 1]!.take : 0;
    // Pass 2: the whole pairs of the published slices only (none when nothing is published).
    const heldKeys = w.eval ? split.eval : [];
    const exported = plans.length ? await exportedPairs(upstream.records(), [...split.train.slice(0, largest), ...heldKeys], w.stratifyBy) : [];
    const train = exported.slice(0, largest);
    const evalPairs = w.eval ? exported.slice(largest) : null;
    // Calibration figures are over every admitted pair, so they would change as prompts are added: an
    // iteration's files hold only what its own pairs determine (the figures are in dpo.lock and the report).
    const build = buildInfo(ctx, []);
    const inputs = await shippedInputs(ctx, `${NAME}@${VERSION}`);
    ctx.progress.total(plans.length);
    for (const plan of plans) {
      const it = { plan, train: train.slice(0, plan.take), eval: evalPairs };
      const consumed = publishIteration(ctx, build, lineFormat(ctx, it), inputs, it, costs);
      ctx.tally(`pairs.${plan.name}`, plan.take);
      if (consumed) ctx.tally(`prompts.${plan.name}`, consumed.promptsConsumed);
      ctx.progress.tick();
    }
    if (w.eval) ctx.tally("pairs.eval", split.eval.length);
    ctx.tally("pairs.available", split.train.length);
    if (ctx.sample.total > 0) {
      ctx.tally("sample.admitted", ctx.sample.admitted);
      ctx.tally("sample.total", ctx.sample.total);
    }
    if (split.train.length > largest) ctx.tally("pairs.unused", split.train.length - largest);
    yield* membership(keys, split.train, heldKeys, plans);
  },
});

/** The iteration's diagnostic columns are those all of its own pairs have (so adding prompts never changes them). */
function lineFormat(ctx: PluginContext<With>, it: IterationPairs): LineFormat {
  const columns = ctx.with.extras ? columnsFor([...it.train, ...(it.eval ?? [])]) : [];
  return { formats: ctx.with.formats, columns, extras: ctx.with.extras };
}

/** With a limited admission, fewer pairs than the split asks for only mean more prompts must come. */
function evalSizeOf(ctx: PluginContext<With>, total: number, limited: boolean): number {
  const e = ctx.with.eval;
  if (!e) return 0;
  const size = e.size ?? Math.max(1, Math.round(e.fraction! * total));
  if (size >= total && !limited) {
    ctx.fail("/with/eval", `the held-out split asks for ${size} pairs but only ${total} exist: nothing would be left for training`, "lower `eval.size` or use `eval.fraction`");
  }
  return size;
}

/** Sorts and names the slices, and settles how many pairs each gets (warning or failing when short). */
function planIterations(ctx: PluginContext<With>, available: number, held: number, limited: boolean): Plan[] {
  const plans = namedSlices(ctx.with.iterations).map((s) => ({ name: s.name, requested: s.size, gate: s.gate, take: Math.min(s.size, available) }));
  const duplicates = plans.filter((p, i) => plans.findIndex((q) => q.name === p.name) !== i);
  if (duplicates.length > 0) ctx.fail("/with/iterations", `iteration name "${duplicates[0]!.name}" is used twice`, "give each slice its own size or name");
  const short: Diagnostic[] = [];
  for (const p of limited ? [] : plans.filter((p) => p.take < p.requested)) {
    const message =
      `iteration ${p.name} asks for ${p.requested} pairs, only ${available} exist: exporting ${available}` +
      (held > 0 ? ` (${held} more are held out for eval)` : "");
    if (ctx.with.strict) short.push(ctx.diagnostic("/with/iterations", message, "lower the slice size or set `strict: false`"));
    else ctx.log.warn(message);
  }
  if (short.length > 0) throw new DpoError(short);
  return plans;
}


function buildInfo(ctx: PluginContext<With>, columns: string[]): BuildInfo {
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
  };
}

/** Publishes one iteration's folder; returns what it consumed of the sample order (for the tallies). */
function publishIteration(ctx: PluginContext<With>, build: BuildInfo, format: LineFormat, inputs: ShippedInputs, it: IterationPairs & { plan: Plan }, costs: PromptCosts | null): Consumption | null {
  const files = [...publishDataFiles(ctx, it.plan.name, format, it), ...publishInputFiles(ctx, it.plan.name, inputs)];
  const sample = consumption([...it.train, ...(it.eval ?? [])], ctx.sample);
  const exported: IterationExport = {
    name: it.plan.name, requested: it.plan.requested, train: it.train, eval: it.eval, files, sample,
    cost: costs && sample ? iterationCost(costs, sample.promptsConsumed, ctx.sample) : null,
    gate: { thresholds: it.plan.gate, forced: ctx.with.forced?.[it.plan.name] ?? null },
  };
  const summaries = { train: summarise(it.train), eval: it.eval ? summarise(it.eval) : null };
  const own = { ...build, columns: format.columns };
  const manifest = buildManifest(own, exported, summaries);
  const card = buildCard(own, exported, summaries.train, summaries.eval);
  ctx.publish(`${it.plan.name}/manifest.json`, manifestText(manifest));
  ctx.publish(`${it.plan.name}/README.md`, card);
  return sample;
}

/**
 * One record per pair: its split, the iterations whose folders hold it, and
 * its rank in its split's order. Yielded in input order, which is id order,
 * so the records go straight into the artifact instead of through sorted runs.
 */
function* membership(keys: readonly PairKey[], train: readonly PairKey[], evalPairs: readonly PairKey[], plans: readonly Plan[]): Generator<Rec> {
  const all = plans.map((p) => p.name);
  // Each key's rank, by its input position: +n in train, -n in eval (every key is in one of them).
  const place = new Int32Array(keys.length ? keys[keys.length - 1]!.index + 1 : 0);
  train.forEach((k, i) => (place[k.index] = i + 1));
  evalPairs.forEach((k, i) => (place[k.index] = -(i + 1)));
  for (const p of keys) {
    const rank = place[p.index]!;
    if (rank < 0) yield { id: p.id, promptId: p.promptId, split: "eval", iterations: all, rank: -rank };
    else {
      const iterations = plans.filter((plan) => rank <= plan.take).map((plan) => plan.name);
      yield { id: p.id, promptId: p.promptId, split: iterations.length ? "train" : "unused", iterations, rank };
    }
  }
}
