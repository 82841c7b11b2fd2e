/**
 * The JSON an LLM judge must reply with, and its checking. The reply is an
 * object keyed by criterion id, each entry with a rationale (written first, so
 * the model reasons before it decides) and a verdict field: for the rubric
 * judge an integer score on the scale, for the pairwise judge a winner:
 *   {"clarity": {"rationale": "…", "score": 4}}
 *   {"clarity": {"rationale": "…", "winner": "A"}}
 */
import type { JsonSchema } from "../../engine/plugin.js";
import { validate } from "../../engine/schema.js";
import type { Scale } from "../rubric/model.js";

export type ReplyScores = Record<string, { rationale: string; score: number }>;

/** What each criterion's entry decides: its field name, JSON Schema and how the prompt shows it. */
export interface VerdictField {
  name: string;
  schema: JsonSchema;
  example: string;
}

export const scoreField = (scale: Scale): VerdictField => ({
  name: "score",
  schema: { type: "integer", minimum: scale.min, maximum: scale.max },
  example: `<integer ${scale.min}-${scale.max}>`,
});

const schemas = new Map<string, JsonSchema>();

/** One schema object per (criteria, verdict field), so the shared ajv compiles it once. */
export function criteriaReplySchema(criteria: string[], field: VerdictField): JsonSchema {
  const key = JSON.stringify([criteria, field.name, field.schema]);
  let schema = schemas.get(key);
  if (!schema) {
    const entry = {
      type: "object",
      additionalProperties: false,
      required: ["rationale", field.name],
      properties: { rationale: { type: "string", minLength: 1 }, [field.name]: field.schema },
    };
    schema = {
      type: "object",
      additionalProperties: false,
      required: criteria,
      properties: Object.fromEntries(criteria.map((id) => [id, entry])),
    };
    schemas.set(key, schema);
  }
  return schema;
}

export function replySchema(criteria: string[], scale: Scale): JsonSchema {
  return criteriaReplySchema(criteria, scoreField(scale));
}

/** An example reply, shown to the model in the prompt. */
export function criteriaReplyExample(criteria: string[], field: VerdictField): string {
  const body = criteria.map((id) => `"${id}": {"rationale": "<one or two sentences>", "${field.name}": ${field.example}}`);
  return `{${body.join(", ")}}`;
}

export function replyExample(criteria: string[], scale: Scale): string {
  return criteriaReplyExample(criteria, scoreField(scale));
}

export type ParsedCriteriaReply<T> = { ok: true; value: Record<string, T> } | { ok: false; error: string };
export type ParsedReply = { ok: true; scores: ReplyScores } | { ok: false; error: string };

/** Parses and checks a reply; tolerates only a Markdown code fence around the JSON. */
export function parseCriteriaReply<T>(text: string, criteria: string[], field: VerdictField): ParsedCriteriaReply<T> {
  const body = text.trim().replace(/^```(?:json)?\s*\n?([\s\S]*?)\n?```$/u, "$1").trim();
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (e) {
    return { ok: false, error: `the reply is not valid JSON (${(e as Error).message})` };
  }
  const v = validate(criteriaReplySchema(criteria, field), value);
  if (!v.valid) return { ok: false, error: v.errors.map(describeError).join("; ") };
  return { ok: true, value: value as Record<string, T> };
}

export function parseReply(text: string, criteria: string[], scale: Scale): ParsedReply {
  const parsed = parseCriteriaReply<ReplyScores[string]>(text, criteria, scoreField(scale));
  return parsed.ok ? { ok: true, scores: parsed.value } : parsed;
}

function describeError(e: { instancePath: string; message?: string; params: Record<string, any> }): string {
  const at = e.instancePath ? `\`${e.instancePath.slice(1).replace(/\//g, ".")}\`` : "the reply";
  if (e.params.additionalProperty) return `${at} has an unexpected key \`${e.params.additionalProperty}\``;
  if (e.params.missingProperty) return `${at} is missing \`${e.params.missingProperty}\``;
  return `${at} ${e.message ?? "is invalid"}`;
}
