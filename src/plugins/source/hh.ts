/**
 * source/hh: prompts from Anthropic HH-RLHF style JSON Lines (plain or .gz),
 * where each line holds a `chosen` and a `rejected` transcript of the same
 * conversation. The prompt is the conversation up to and including the last
 * Human turn, as messages; the two final replies are kept in
 * `meta.hh = {chosen, rejected}` for later stages.
 */
import { definePlugin } from "../../engine/plugin.js";
import { eachFile, emitRecords } from "./emit.js";
import { getPath, pickMeta, type JsonObject } from "./fields.js";
import { splitPair } from "./hh-transcript.js";
import { jsonLines } from "./json-lines.js";
import { sourceSchema, type SourceOptions } from "./options.js";
import { BadRecord } from "./problems.js";
import { kindOf, promptRecord } from "./prompt.js";

interface HhOptions extends SourceOptions {
  chosen: string;
  rejected: string;
}

export default definePlugin<HhOptions>({
  name: "source/hh",
  version: "1",
  description: "Reads prompts from HH-RLHF JSON Lines (chosen/rejected transcripts), keeping the final replies as metadata.",
  output: "prompts",
  schema: sourceSchema({
    chosen: { type: "string", minLength: 1, default: "chosen", description: "Field holding the chosen transcript (dotted path allowed)." },
    rejected: { type: "string", minLength: 1, default: "rejected", description: "Field holding the rejected transcript (dotted path allowed)." },
  }),
  run(ctx) {
    const o = ctx.with;
    const transcript = (obj: JsonObject, field: string): string => {
      const value = getPath(obj, field);
      if (value === undefined) throw new BadRecord(`missing field "${field}"`);
      if (typeof value !== "string") throw new BadRecord(`field "${field}" must be an HH transcript string, found ${kindOf(value)}`);
      return value;
    };
    const toRecord = (file: string) => (obj: JsonObject, line: number) => {
      const pair = splitPair(transcript(obj, o.chosen), transcript(obj, o.rejected), o);
      const meta = { ...pickMeta(obj, o.meta, [o.chosen, o.rejected]), hh: { chosen: pair.chosen, rejected: pair.rejected } };
      return promptRecord(pair.prompt, { file, line }, meta);
    };
    const files = ctx.files(o.path);
    return emitRecords(ctx, o.path, o, eachFile(files, (file) => jsonLines(ctx.resolve(file), file, ctx.signal, toRecord(file))));
  },
});
