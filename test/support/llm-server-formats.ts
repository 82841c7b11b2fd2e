/**
 * The test server's `response_format`, as vLLM implements it: with
 * `json_schema` the reply is decoded under the schema, so it always conforms
 * (a configured reply that conforms is kept, anything else is replaced by a
 * conforming one derived from the request); with `json_object` the reply is
 * some JSON object; without it the reply is as configured. A server can
 * instead reject a format with HTTP 400, as servers without it do. Imports
 * only node: modules, like llm-server.ts.
 */
import { createHash } from "node:crypto";

/** How a server treats each `response_format` type: `enforce` (default) or answer HTTP 400. */
export interface ResponseFormatSupport {
  json_schema?: "enforce" | "reject";
  json_object?: "enforce" | "reject";
}

/** A server that knows only `json_object` (it answers `json_schema` with 400). */
export const JSON_OBJECT_ONLY: ResponseFormatSupport = { json_schema: "reject" };

/** A server that rejects every `response_format`. */
export const NO_RESPONSE_FORMAT: ResponseFormatSupport = { json_schema: "reject", json_object: "reject" };

/** The 400 message for a request whose `response_format` the server does not take, or undefined. */
export function formatRejection(body: any, support: ResponseFormatSupport = {}): string | undefined {
  const type = body?.response_format?.type;
  if (type === undefined) return undefined;
  if (type !== "json_schema" && type !== "json_object") return `response_format type '${type}' is not supported`;
  if (support[type] === "reject") return `response_format type '${type}' is not supported by this server`;
  if (type === "json_schema" && typeof body.response_format.json_schema?.schema !== "object") return "response_format.json_schema.schema is required";
  return undefined;
}

/** The reply content the format allows, given what the server would otherwise say. */
export function shapedContent(body: any, content: string): string {
  const format = body?.response_format;
  if (format?.type === "json_object") return isJsonObject(content) ? content : JSON.stringify({ text: content });
  if (format?.type !== "json_schema") return content;
  const schema = format.json_schema.schema;
  const parsed = parseJson(content);
  if (parsed.ok && conforms(parsed.value, schema)) return content;
  return JSON.stringify(instanceOf(schema, seedOf(body)));
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

function isJsonObject(text: string): boolean {
  const parsed = parseJson(text);
  return parsed.ok && typeof parsed.value === "object" && parsed.value !== null && !Array.isArray(parsed.value);
}

/** Whether a value matches a schema in the subset structured outputs use (types, properties, required, enum, const, items, anyOf, bounds). */
export function conforms(value: unknown, schema: any): boolean {
  if (schema === true || schema === undefined) return true;
  if (schema === false) return false;
  if (schema.anyOf && !schema.anyOf.some((s: any) => conforms(value, s))) return false;
  if ("const" in schema && JSON.stringify(schema.const) !== JSON.stringify(value)) return false;
  if (schema.enum && !schema.enum.some((e: unknown) => JSON.stringify(e) === JSON.stringify(value))) return false;
  if (schema.type !== undefined && ![schema.type].flat().some((t: string) => hasType(value, t))) return false;
  if (typeof value === "number" && ((schema.minimum !== undefined && value < schema.minimum) || (schema.maximum !== undefined && value > schema.maximum))) return false;
  if (typeof value === "string" && schema.minLength !== undefined && value.length < schema.minLength) return false;
  if (Array.isArray(value) && schema.items) return value.every((v) => conforms(v, schema.items));
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    const o = value as Record<string, unknown>;
    const props = schema.properties ?? {};
    if ((schema.required ?? []).some((k: string) => !(k in o))) return false;
    for (const [k, v] of Object.entries(o)) {
      if (k in props) {
        if (!conforms(v, props[k])) return false;
      } else if (schema.additionalProperties === false) return false;
    }
  }
  return true;
}

function hasType(v: unknown, t: string): boolean {
  switch (t) {
    case "object":
      return typeof v === "object" && v !== null && !Array.isArray(v);
    case "array":
      return Array.isArray(v);
    case "integer":
      return Number.isInteger(v);
    case "number":
      return typeof v === "number";
    case "null":
      return v === null;
    default:
      return typeof v === t;
  }
}

/** A deterministic value matching the schema: what constrained decoding would produce from a model that ignored the prompt. */
export function instanceOf(schema: any, seed: number): unknown {
  if (schema.anyOf) return instanceOf(schema.anyOf[0], seed);
  if ("const" in schema) return schema.const;
  if (schema.enum) return schema.enum[seed % schema.enum.length];
  const type = [schema.type].flat()[0];
  switch (type) {
    case "object":
      return Object.fromEntries(Object.entries(schema.properties ?? {}).map(([k, s], i) => [k, instanceOf(s, seed + i)]));
    case "array":
      return Array.from({ length: schema.minItems ?? 0 }, (_, i) => instanceOf(schema.items ?? {}, seed + i));
    case "integer":
    case "number": {
      const min = schema.minimum ?? 0;
      const max = schema.maximum ?? min + 9;
      return min + (seed % (Math.floor(max - min) + 1));
    }
    case "boolean":
      return seed % 2 === 0;
    case "null":
      return null;
    default:
      return `constrained reply ${seed.toString(16)}`;
  }
}

function seedOf(body: any): number {
  return parseInt(createHash("sha256").update(JSON.stringify(body?.messages ?? null)).digest("hex").slice(0, 8), 16);
}
