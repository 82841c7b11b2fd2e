/**
 * generate/recorded: candidates from recorded model outputs (e.g. AlpacaEval
 * `outputs/*.jsonl`) joined to the upstream prompts, by normalised prompt text
 * or by id. No model is called, so the stage is cheap and fully reproducible.
 * Joining by text compares prompt ids (`contentId("prompt", normalisePrompt(…))`),
 * so spacing and case do not matter; a string instruction matches a string
 * prompt, a recorded conversation matches a conversation.
 *
 * Each prompt gets up to `n` candidates, ordered by generator (the `models`
 * list, or first appearance in the files) and then by file and line. A prompt
 * with fewer is kept with what it has, marked with `shortfall` (how many are
 * missing) and reported: dropping it here would hide the gap, and pairing
 * stages already skip prompts with too few candidates.
 */
import { didYouMean } from "../../engine/diagnostic.js";
import { contentId } from "../../engine/hash.js";
import { definePlugin, type Artifact, type PluginContext, type Rec } from "../../engine/plugin.js";
import { errorProperties } from "../source/options.js";
import type { OnError } from "../source/problems.js";
import { joinKey, readRecorded, type JoinBy, type RecordedFields, type RecordedSet } from "./recorded-outputs.js";
import { RecordedIndex, type StoredOutput } from "./recorded-index.js";

interface RecordedOptions {
  files: string[];
  by: JoinBy;
  n: number;
  models: string[];
  fields: RecordedFields;
  onError: OnError;
  maxErrors: number;
}

interface Candidate {
  id: string;
  text: string;
  model: string;
  finish: "recorded";
  flags: string[];
}

/** How many short prompts a warning names. */
const EXAMPLES = 5;

export default definePlugin<RecordedOptions>({
  name: "generate/recorded",
  version: "1",
  description: "Candidates from recorded model outputs (JSON Lines), joined to the upstream prompts by text or id.",
  inputs: { min: 1, max: 1, accepts: ["prompts"] },
  output: "candidates",
  schema: {
    type: "object",
    additionalProperties: false,
    required: ["files"],
    properties: {
      files: {
        type: "array",
        minItems: 1,
        items: { type: "string", minLength: 1, dpo: "file" },
        description: "Project-relative JSON Lines files (plain or .gz) of recorded outputs, one object per output.",
      },
      by: {
        type: "string",
        enum: ["text", "id"],
        default: "text",
        description: "Join on the normalised prompt text (`text`) or on a prompt id stored in each output (`id`).",
      },
      n: { type: "integer", minimum: 1, default: 4, description: "Candidates wanted per prompt; shortfalls are reported." },
      models: {
        type: "array",
        items: { type: "string", minLength: 1 },
        uniqueItems: true,
        default: [],
        description: "Generators to use, in this order; empty means all, in order of first appearance in the files.",
      },
      fields: {
        type: "object",
        additionalProperties: false,
        default: {},
        description: "Field names (dotted paths allowed) in the recorded files.",
        properties: {
          prompt: { type: "string", minLength: 1, default: "instruction", description: "The prompt text (join by text)." },
          id: { type: "string", minLength: 1, default: "id", description: "The prompt id (join by id)." },
          output: { type: "string", minLength: 1, default: "output", description: "The recorded model output." },
          generator: {
            type: "string",
            minLength: 1,
            default: "generator",
            description: "The model that wrote the output; when absent, the file name without `.jsonl`/`.jsonl.gz`.",
          },
        },
      },
      ...errorProperties,
    },
  },
  async *run(ctx) {
    const o = ctx.with;
    const input = singleInput(ctx);
    const index = new RecordedIndex();
    for await (const rec of input.records()) index.want(joinKey(o.by, rec, input.stage));

    const recorded = await readRecorded(ctx, o, index);
    try {
      yield* candidateRecords(ctx, input, recorded);
    } finally {
      recorded.texts.close();
    }
  },
});

/** Each prompt with its recorded candidates; the texts are read back from the spill file prompt by prompt. */
async function* candidateRecords(ctx: PluginContext<RecordedOptions>, input: Artifact, recorded: RecordedSet): AsyncGenerator<Rec> {
  const o = ctx.with;
  const models = chooseModels(ctx, o.models, recorded.index.generators);
  if (recorded.unmatched) {
    ctx.log.info(`${recorded.unmatched} recorded outputs match no prompt of "${input.stage}" and are not used`);
    ctx.tally("recorded.unmatched", recorded.unmatched);
  }
  ctx.progress.total(input.count);
  const short: { id: string; found: number }[] = [];
  let candidates = 0;
  for await (const rec of input.records()) {
    const chosen = pick(recorded.index.outputsOf(joinKey(o.by, rec, input.stage)), models, o.n);
    const list = chosen.map(({ output, sample }) => candidate(rec.id, output.generator, recorded.texts.read(output.text), sample));
    candidates += list.length;
    if (list.length < o.n) short.push({ id: rec.id, found: list.length });
    yield list.length < o.n ? { ...rec, candidates: list, shortfall: o.n - list.length } : { ...rec, candidates: list };
    ctx.progress.tick();
  }
  ctx.tally("candidates", candidates);
  reportShort(ctx, short, o.n, input.count);
}

function singleInput(ctx: PluginContext<RecordedOptions>) {
  const inputs = Object.values(ctx.inputs);
  if (inputs.length !== 1) {
    ctx.fail("/needs", `generate/recorded needs exactly one upstream stage of prompts, found ${inputs.length}`);
  }
  return inputs[0]!;
}

/** The generators to use, in order; a requested one that no file has is a config error. */
function chooseModels(ctx: PluginContext<RecordedOptions>, requested: string[], seen: string[]): string[] {
  if (requested.length === 0) return seen;
  for (const [i, m] of requested.entries()) {
    if (seen.includes(m)) continue;
    const near = didYouMean(m, seen);
    ctx.fail(`/with/models/${i}`, `model "${m}" is not in the recorded files (they have: ${seen.join(", ") || "none"})`, near && `did you mean "${near}"?`);
  }
  return requested;
}

/** The first n outputs by model order then file order, each with its sample index within its model. */
function pick(outputs: StoredOutput[], models: string[], n: number): { output: StoredOutput; sample: number }[] {
  const chosen: { output: StoredOutput; sample: number }[] = [];
  for (const model of models) {
    let sample = 0;
    for (const output of outputs) if (output.generator === model) chosen.push({ output, sample: sample++ });
  }
  return chosen.slice(0, n);
}

function candidate(promptId: string, generator: string, text: string, sample: number): Candidate {
  const model = `recorded:${generator}`;
  return {
    id: contentId("candidate", promptId, model, sample),
    text,
    model,
    finish: "recorded",
    flags: text.trim() ? [] : ["empty"],
  };
}

function reportShort(ctx: PluginContext<RecordedOptions>, short: { id: string; found: number }[], n: number, total: number) {
  if (short.length === 0) return;
  const missing = short.reduce((sum, s) => sum + n - s.found, 0);
  const none = short.filter((s) => s.found === 0).length;
  const examples = short.slice(0, EXAMPLES).map((s) => `${s.id} (${s.found} of ${n})`).join(", ");
  ctx.log.warn(
    `${short.length} of ${total} prompts have fewer than ${n} recorded candidates (${none} have none; ${missing} candidates missing), e.g. ${examples}${short.length > EXAMPLES ? ", …" : ""}`,
  );
  ctx.tally("prompts.short", short.length);
  ctx.tally("candidates.missing", missing);
}
