/**
 * What dedup compares: the chosen fields of a record, each normalised (NFKC,
 * lower case, folded white space) and joined. A conversation is rendered with
 * its roles ("user: …\nassistant: …"), so the same words said by a different
 * role are different text.
 *
 * Picking the fields (and reporting bad ones) happens on the main thread;
 * rendering is the costly part and runs in the worker pool.
 */
import { userError, type Location } from "../../engine/diagnostic.js";
import type { Rec } from "../../engine/plugin.js";
import { normalisePrompt, normaliseText } from "../text/normalise.js";

export type Message = { role: string; content: string };
export type FieldValue = string | Message[];

/**
 * Joins the fields. Normalised text never holds two newlines in a row (white
 * space folds to one space; conversation turns are joined by one newline), so
 * the join cannot make two different field tuples look the same.
 */
const FIELD_SEPARATOR = "\n\n";

/** The values of `fields` (dotted paths such as "chosen.text") of a record; throws on a missing or non-text field. */
export function recordFields(rec: Rec, fields: readonly string[]): FieldValue[] {
  return fields.map((path) => fieldValue(rec, path));
}

/** The normalised text of a record's field values. */
export function renderText(values: readonly FieldValue[]): string {
  return values.map((v) => (typeof v === "string" ? normaliseText(v) : normalisePrompt(v))).join(FIELD_SEPARATOR);
}

function fieldValue(rec: Rec, path: string): FieldValue {
  const value = path.split(".").reduce<unknown>((v, key) => (isObject(v) ? v[key] : undefined), rec);
  if (typeof value === "string" || isConversation(value)) return value;
  const found = value === undefined ? "nothing" : Array.isArray(value) ? "an array that is not a conversation" : typeof value;
  throw userError(`record ${rec.id}: field "${path}" should be text or a conversation, found ${found}`, {
    location: recordLocation(rec),
    hint: "check `with.fields`: each entry is a dotted path to a string or a [{role, content}] list in every record",
  });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null;
}

function isConversation(v: unknown): v is Message[] {
  return Array.isArray(v) && v.every((m) => isObject(m) && typeof m.role === "string" && typeof m.content === "string");
}

/** Where a record came from, when an upstream source recorded it. */
function recordLocation(rec: Rec): Location | undefined {
  const source = rec.source;
  if (!isObject(source) || typeof source.file !== "string") return undefined;
  return typeof source.line === "number" ? { file: source.file, line: source.line } : { file: source.file };
}
