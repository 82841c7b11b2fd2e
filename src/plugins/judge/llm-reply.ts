/**
 * The JSON an LLM judge must reply with, and its checking. The reply is an
 * object keyed by criterion id, each with a rationale (written first, so the
 * model reasons before it scores) and an integer score on the scale:
 *   {"clarity": {"rationale": "…", "score": 4}}
 */
import type { JsonSchema } from "../../engine/plugin.js";
import { validate } from "../../engine/schema.js";
import type { Scale } from "../rubric/model.js";

export type ReplyScores = Record<string, { rationale: string; score: number }>;

const schemas = new Map<string, JsonSchema>();

/** One schema object per (criteria, scale), so the shared ajv compiles it once. */
export function replySchema(criteria: string[], scale: Scale): JsonSchema {
  const key = JSON.stringify([criteria, scale]);
  let schema = schemas.get(key);
  if (!schema) {
    const entry = {
      type: "object",
      additionalProperties: false,
      required: ["rationale", "score"],
      properties: {
        rationale: { type: "string", minLength: 1 },
        score: { type: "integer", minimum: scale.min, maximum: scale.max },
      },
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

/** An example reply, shown to the model in the prompt. */
export function replyExample(criteria: string[], scale: Scale): string {
  const body = criteria.map((id) => `"${id}": {"rationale": "<one or two sentences>", "score": <integer ${scale.min}-${scale.max}>}`);
  return `{${body.join(", ")}}`;
}

export type ParsedReply = { ok: true; scores: ReplyScores } | { ok: false; error: string };

/** Parses and checks a reply; tolerates only a Markdown code fence around the JSON. */
export function parseReply(text: string, criteria: string[], scale: Scale): ParsedReply {
  const body = text.trim().replace(/^```(?:json)?\s*\n?([\s\S]*?)\n?```$/u, "$1").trim();
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (e) {
    return { ok: false, error: `the reply is not valid JSON (${(e as Error).message})` };
  }
  const v = validate(replySchema(criteria, scale), value);
  if (!v.valid) return { ok: false, error: v.errors.map(describeError).join("; ") };
  return { ok: true, scores: value as ReplyScores };
}

function describeError(e: { instancePath: string; message?: string; params: Record<string, any> }): string {
  const at = e.instancePath ? `\`${e.instancePath.slice(1).replace(/\//g, ".")}\`` : "the reply";
  if (e.params.additionalProperty) return `${at} has an unexpected key \`${e.params.additionalProperty}\``;
  if (e.params.missingProperty) return `${at} is missing \`${e.params.missingProperty}\``;
  return `${at} ${e.message ?? "is invalid"}`;
}
