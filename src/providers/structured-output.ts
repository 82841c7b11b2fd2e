/**
 * How a provider asks for a JSON reply (its `structuredOutput` setting):
 * - `json_schema`: the reply's JSON Schema goes as `response_format:
 *   {type: "json_schema", json_schema: {name, schema, strict: true}}`, so a
 *   server that enforces it (vLLM, llama.cpp, Ollama, OpenAI) cannot return a
 *   malformed reply. The schema is rewritten to OpenAI's strict subset.
 * - `json_object`: `response_format: {type: "json_object"}` (some JSON object).
 * - `none`: no `response_format`; the prompt alone asks for JSON.
 *
 * The memo key is the call as asked under the setting (chat-key.ts). A server
 * that answers `json_schema` with HTTP 400 is asked with `json_object` from
 * then on, for the rest of the provider's life, with one warning: that is how
 * the call is delivered to this server, not a different call, so its key stays.
 */
import { canonicalJson, sha256 } from "../engine/hash.js";
import type { JsonSchema, Logger } from "../engine/plugin.js";
import type { ChatRequest, ReplySchema } from "./llm.js";

export type StructuredOutput = "json_schema" | "json_object" | "none";

export const STRUCTURED_OUTPUTS: readonly StructuredOutput[] = ["json_schema", "json_object", "none"];

export const DEFAULT_STRUCTURED_OUTPUT: StructuredOutput = "json_schema";

/** Keywords OpenAI's strict mode accepts; every other one is dropped (the caller still validates the reply in full). */
const STRICT_KEYWORDS = new Set(["type", "properties", "required", "additionalProperties", "items", "enum", "const", "anyOf", "description", "$defs", "$ref"]);

/** Integer ranges up to this size become an `enum`, so strict mode keeps the bounds it cannot express. */
const MAX_ENUM_RANGE = 100;

/** OpenAI's rule for `json_schema.name`. */
const NAME = /^[a-zA-Z0-9_-]{1,64}$/;

/**
 * The schema under OpenAI's strict rules: every object closed
 * (`additionalProperties: false`) with every property required, unsupported
 * keywords dropped, a small integer range spelled as an enum.
 */
export function strictSchema(schema: JsonSchema): JsonSchema {
  return strictNode(schema) as JsonSchema;
}

function strictNode(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(strictNode);
  if (node === null || typeof node !== "object") return node;
  const src = node as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(src)) {
    if (!STRICT_KEYWORDS.has(k)) continue;
    out[k] = k === "properties" || k === "$defs" ? mapValues(v, strictNode) : k === "items" || k === "anyOf" ? strictNode(v) : v;
  }
  const range = integerRange(src);
  if (range && out.enum === undefined) out.enum = range;
  if (out.type === "object" || out.properties !== undefined) {
    const properties = (out.properties ?? {}) as Record<string, unknown>;
    out.properties = properties;
    out.required = Object.keys(properties);
    out.additionalProperties = false;
  }
  return out;
}

function integerRange(s: Record<string, unknown>): number[] | undefined {
  const { type, minimum: lo, maximum: hi } = s;
  if (type !== "integer" || !Number.isInteger(lo) || !Number.isInteger(hi)) return undefined;
  const [min, max] = [lo as number, hi as number];
  if (max < min || max - min >= MAX_ENUM_RANGE) return undefined;
  return Array.from({ length: max - min + 1 }, (_, i) => min + i);
}

function mapValues(v: unknown, fn: (x: unknown) => unknown): unknown {
  if (v === null || typeof v !== "object") return v;
  return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, fn(x)]));
}

/** A reply schema in its strict form, with the digest that stands for it in memo keys. */
interface StrictReply extends ReplySchema {
  digest: string;
}

/** Strict forms by (caller's schema object, name): judges reuse one schema object per criteria set, so this runs once per set. */
const strictForms = new WeakMap<object, Map<string, StrictReply>>();

function strictReply(reply: ReplySchema): StrictReply {
  let byName = strictForms.get(reply.schema);
  if (!byName) strictForms.set(reply.schema, (byName = new Map()));
  let out = byName.get(reply.name);
  if (!out) {
    const name = NAME.test(reply.name) ? reply.name : reply.name.replace(/[^a-zA-Z0-9_-]/g, "_").slice(0, 64) || "reply";
    const schema = strictSchema(reply.schema);
    out = { name, schema, digest: sha256(canonicalJson({ name, schema })) };
    byName.set(reply.name, out);
  }
  return out;
}

/** What a JSON request contributes to its memo key: the strict schema's digest, or whether a JSON object was asked for. */
export function formatKey(request: ChatRequest): string | boolean {
  if (request.schema) return strictReply(request.schema).digest;
  return request.json === true;
}

/** The `response_format` of a request, if any. */
export function responseFormat(request: ChatRequest): Record<string, unknown> | undefined {
  if (request.schema) {
    const { name, schema } = strictReply(request.schema);
    return { type: "json_schema", json_schema: { name, schema, strict: true } };
  }
  return request.json ? { type: "json_object" } : undefined;
}

/** One provider's structured-output setting and what it has learnt about its server. */
export class StructuredOutputs {
  private schemaRefused = false;

  constructor(
    private readonly mode: StructuredOutput,
    private readonly providerName: string,
  ) {}

  /** The request as the setting asks it: what its memo key describes. */
  asked(request: ChatRequest): ChatRequest {
    if (!request.json && !request.schema) return request;
    switch (this.mode) {
      case "json_schema":
        return request.schema ? { ...request, json: true } : request;
      case "json_object":
        return withoutSchema({ ...request, json: true });
      case "none":
        return withoutSchema({ ...request, json: false });
    }
  }

  /** The request as it goes to this server now: `json_object` instead of `json_schema` once the server refused the schema. */
  onWire(request: ChatRequest): ChatRequest {
    return this.schemaRefused && request.schema ? withoutSchema(request) : request;
  }

  /**
   * True when `failure` is the server refusing a `json_schema` request (HTTP
   * 400): the caller sends it again as `json_object`, and so does every later
   * call. Warns the first time only.
   */
  refused(sent: ChatRequest, failure: { status?: number; reason: string }, log: Logger, redact: (s: string) => string): boolean {
    if (!sent.schema || failure.status !== 400) return false;
    if (!this.schemaRefused) {
      this.schemaRefused = true;
      log.warn(
        redact(
          `provider "${this.providerName}": the server rejected response_format json_schema (${failure.reason}); ` +
            `asking for json_object instead for the rest of this build (set structuredOutput: json_object to skip the attempt)`,
        ),
      );
    }
    return true;
  }
}

function withoutSchema(request: ChatRequest): ChatRequest {
  if (!request.schema) return request;
  const { schema: _schema, ...rest } = request;
  return rest;
}
