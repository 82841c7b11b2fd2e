/**
 * Reads recorded model outputs (JSON Lines such as AlpacaEval's
 * `outputs/<model>.jsonl`: instruction, output, generator) and keeps those
 * whose join key belongs to a wanted prompt. Files are streamed; the matching
 * outputs are indexed in file then line order (recorded-index.ts), their texts
 * spilled to a scratch file (read back per prompt), so memory follows the
 * index, not the text.
 */
import { basename } from "node:path";
import { userError } from "../../engine/diagnostic.js";
import type { PluginContext, Rec } from "../../engine/plugin.js";
import { getPath, type JsonObject } from "../source/fields.js";
import { jsonLines } from "../source/json-lines.js";
import { BadRecord, Problems, type OnError } from "../source/problems.js";
import { kindOf, promptId, toPrompt, type PromptValue } from "../source/prompt.js";
import { SpillFile } from "../stream/spill.js";
import type { RecordedIndex } from "./recorded-index.js";

export type JoinBy = "text" | "id";

export interface RecordedFields {
  prompt: string;
  id: string;
  output: string;
  generator: string;
}

export interface RecordedOutput {
  key: string;
  generator: string;
  text: string;
}

export interface ReadOptions {
  files: string[];
  by: JoinBy;
  fields: RecordedFields;
  onError: OnError;
  maxErrors: number;
}

export interface RecordedSet {
  /** Join key → outputs, in file then line order; and every generator seen. */
  index: RecordedIndex;
  /** The texts of the outputs; `close` removes it. */
  texts: SpillFile;
  /** Outputs whose prompt is not among the wanted ones. */
  unmatched: number;
}

/** The join key of an upstream record: the id of its normalised prompt text, or its own id. */
export function joinKey(by: JoinBy, rec: Rec, stage: string): string {
  if (by === "id") return rec.id;
  const { prompt } = rec;
  if (typeof prompt !== "string" && !Array.isArray(prompt)) {
    throw userError(`record ${rec.id} of stage "${stage}" has no prompt to join recorded outputs on`, {
      hint: "generate/recorded needs prompt records (docs/records.md), e.g. from a source/* stage",
    });
  }
  return promptId(prompt as PromptValue);
}

/** Reads the files into `index` (whose wanted keys are set): outputs of other prompts are counted, not kept. */
export async function readRecorded(
  ctx: Pick<PluginContext, "resolve" | "signal" | "log" | "tally">,
  o: ReadOptions,
  index: RecordedIndex,
): Promise<RecordedSet> {
  const problems = new Problems(o.onError, o.maxErrors);
  const set: RecordedSet = { index, texts: new SpillFile("dpo-recorded"), unmatched: 0 };
  const add = (out: RecordedOutput) => {
    const generator = index.generator(out.generator);
    if (!index.wants(out.key)) {
      set.unmatched++;
      return;
    }
    index.add(out.key, generator, set.texts.append(out.text));
  };
  try {
    await readFiles(ctx, o, problems, add);
    problems.finish(ctx);
  } catch (e) {
    set.texts.close();
    throw e;
  }
  return set;
}

async function readFiles(ctx: Pick<PluginContext, "resolve" | "signal">, o: ReadOptions, problems: Problems, add: (out: RecordedOutput) => void): Promise<void> {
  for (const file of o.files) {
    const build = (obj: JsonObject) => toOutput(obj, o, basename(file).replace(/\.jsonl(\.gz)?$/, ""));
    for await (const batch of jsonLines(ctx.resolve(file), file, ctx.signal, build)) {
      for (const item of batch) {
        if ("problem" in item) problems.add(file, item.line, item.problem);
        else add(item.value);
      }
    }
  }
}

function toOutput(obj: JsonObject, o: ReadOptions, fileStem: string): RecordedOutput {
  const text = getPath(obj, o.fields.output);
  if (text === undefined) throw new BadRecord(`missing field "${o.fields.output}"`);
  if (typeof text !== "string") throw new BadRecord(`field "${o.fields.output}" must be a string, found ${kindOf(text)}`);
  const generator = getPath(obj, o.fields.generator) ?? fileStem;
  if (typeof generator !== "string" || !generator) {
    throw new BadRecord(`field "${o.fields.generator}" must be a non-empty string, found ${kindOf(generator)}`);
  }
  return { key: keyOf(obj, o), generator, text };
}

function keyOf(obj: JsonObject, o: ReadOptions): string {
  if (o.by === "text") return promptId(toPrompt(getPath(obj, o.fields.prompt), o.fields.prompt));
  const id = getPath(obj, o.fields.id);
  if (id === undefined) throw new BadRecord(`missing field "${o.fields.id}" (needed to join by id)`);
  if (typeof id !== "string") throw new BadRecord(`field "${o.fields.id}" must be a string id, found ${kindOf(id)}`);
  return id;
}
