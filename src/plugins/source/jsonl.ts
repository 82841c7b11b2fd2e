/**
 * source/jsonl: prompts from a JSON Lines file (optionally gzipped), one
 * object per line. `prompt` names the field holding the prompt (a string or a
 * list of {role, content} messages); `messages` names a field that must hold a
 * conversation instead. Other fields become metadata.
 */
import { definePlugin } from "../../engine/plugin.js";
import { eachFile, emitRecords } from "./emit.js";
import type { JsonObject } from "./fields.js";
import { jsonLines } from "./json-lines.js";
import { objectFieldProperties, sourceSchema, type SourceOptions } from "./options.js";
import { objectRecords } from "./prompt.js";

interface JsonlOptions extends SourceOptions {
  prompt: string;
  messages?: string;
}

export default definePlugin<JsonlOptions>({
  name: "source/jsonl",
  version: "1",
  description: "Reads prompts from a JSON Lines file (plain or .gz), streaming, with field mapping and metadata.",
  output: "prompts",
  schema: sourceSchema(objectFieldProperties("Field", "dotted path allowed")),
  run(ctx) {
    const o = ctx.with;
    const record = objectRecords(o, "field");
    const toRecord = (file: string) => (obj: JsonObject, line: number) => record(obj, { file, line });
    const files = ctx.files(o.path);
    return emitRecords(ctx, o.path, o, eachFile(files, (file) => jsonLines(ctx.resolve(file), file, ctx.signal, toRecord(file))));
  },
});
