/**
 * Prompt records (docs/records.md "Prompt"): the prompt value is checked and
 * the id derived from its normalised text, so the same prompt gets the same id
 * whatever file, line, spacing or letter case it came with.
 */
import { contentId } from "../../engine/hash.js";
import type { Rec } from "../../engine/plugin.js";
import { normalisePrompt } from "../text/normalise.js";
import { getPath, isObject, pickMeta, type Json, type JsonObject, type MetaSpec } from "./fields.js";
import { BadRecord } from "./problems.js";

export type Role = "system" | "user" | "assistant";
export interface Message {
  role: Role;
  content: string;
}
export type PromptValue = string | Message[];

const ROLES: readonly string[] = ["system", "user", "assistant"];

export interface PromptRecord extends Rec {
  prompt: PromptValue;
  source: RecordSource;
  meta: JsonObject;
}

export function promptId(prompt: PromptValue): string {
  return contentId("prompt", normalisePrompt(prompt));
}

/** Where a prompt came from: a line of a text file, or a row of a table (Parquet). */
export type RecordSource = { file: string; line: number } | { file: string; row: number };

export function promptRecord(prompt: PromptValue, source: RecordSource, meta: JsonObject): PromptRecord {
  return { id: promptId(prompt), prompt, source, meta };
}

/**
 * A mapped input value as a prompt: a non-blank string, or a conversation of
 * {role, content} messages with at least one non-blank message.
 * `field` names the input field in error messages.
 */
export function toPrompt(value: Json | undefined, field: string): PromptValue {
  if (value === undefined) throw new BadRecord(`missing field "${field}"`);
  if (typeof value === "string") {
    if (!value.trim()) throw new BadRecord(`empty prompt in field "${field}"`);
    return value;
  }
  if (Array.isArray(value)) return toConversation(value, field);
  throw new BadRecord(`field "${field}" must be a string or a list of {role, content} messages, found ${kindOf(value)}`);
}

function toConversation(list: Json[], field: string): Message[] {
  const messages = list.map((m, i) => toMessage(m, `${field}[${i}]`));
  if (!messages.some((m) => m.content.trim())) throw new BadRecord(`empty prompt in field "${field}": no message has any text`);
  return messages;
}

function toMessage(m: Json, where: string): Message {
  if (!isObject(m)) throw new BadRecord(`${where} must be a {role, content} message, found ${kindOf(m)}`);
  const { role, content } = m;
  if (typeof role !== "string" || !ROLES.includes(role)) {
    throw new BadRecord(`${where}.role must be one of ${ROLES.join(", ")}, found ${JSON.stringify(role ?? null)}`);
  }
  if (typeof content !== "string") throw new BadRecord(`${where}.content must be a string, found ${kindOf(content)}`);
  return { role: role as Role, content };
}

export function kindOf(value: Json | undefined): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

/** What a source of objects (JSON Lines, Parquet rows) maps: the prompt or conversation field, and the metadata. */
export interface ObjectFields {
  prompt: string;
  messages?: string;
  meta: MetaSpec;
}

/**
 * Builds prompt records from objects: `messages` (a conversation) when set,
 * else `prompt`; every other field as `meta`. `what` names a field in errors
 * ("field", or "column" for tables). Throws BadRecord on a bad object.
 */
export function objectRecords(o: ObjectFields, what: "field" | "column") {
  const field = o.messages ?? o.prompt;
  return (obj: JsonObject, source: RecordSource): PromptRecord => {
    const value = getPath(obj, field);
    if (o.messages !== undefined && value !== undefined && !Array.isArray(value)) {
      throw new BadRecord(`${what} "${field}" must be a list of {role, content} messages`);
    }
    return promptRecord(toPrompt(value, field), source, pickMeta(obj, o.meta, [field]));
  };
}
