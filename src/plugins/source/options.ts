/**
 * `with` properties shared by the sources: the input file, field mapping of
 * metadata, and what to do about bad records. Each plugin spreads the ones it
 * needs into its own schema, so the generated reference documents them all.
 */
import type { MetaSpec } from "./fields.js";
import type { OnError } from "./problems.js";

export interface SourceOptions {
  path: string;
  meta: MetaSpec;
  onError: OnError;
  maxErrors: number;
}

export const pathProperty = {
  type: "string",
  minLength: 1,
  dpo: "file",
  description:
    "Project-relative path of the input file, or a glob pattern (`data/train-*.jsonl`; `*`, `?`, `[…]`, `**`) whose matches are read in sorted order as one input; a name ending in `.gz` is gunzipped while reading.",
} as const;

export const metaProperty = {
  description:
    'Input fields kept in the record\'s `meta`: `"*"` keeps every field not used for the prompt, a list keeps exactly those (dotted paths, keyed as written).',
  anyOf: [
    { type: "string", enum: ["*"] },
    { type: "array", items: { type: "string", minLength: 1 }, uniqueItems: true },
  ],
  default: "*",
} as const;

export const errorProperties = {
  onError: {
    type: "string",
    enum: ["fail", "skip"],
    default: "fail",
    description:
      "On a bad record (invalid JSON or UTF-8, missing field, empty prompt, malformed input): `fail` stops with the first errors, `skip` leaves it out and reports how many were skipped and where.",
  },
  maxErrors: {
    type: "integer",
    minimum: 1,
    default: 20,
    description: "How many bad records a failure lists before summing up the rest.",
  },
} as const;

/**
 * The `with` schema of a source: the input file, the plugin's own properties,
 * then metadata and bad-record handling, in that order (the reference lists
 * them so).
 */
export function sourceSchema(own: Record<string, object>) {
  return {
    type: "object",
    additionalProperties: false,
    required: ["path"],
    properties: { path: pathProperty, ...own, meta: metaProperty, ...errorProperties },
  } as const;
}

/** `prompt` and `messages`, for sources of objects: `what` is "Field" (JSON Lines) or "Column" (Parquet). */
export function objectFieldProperties(what: "Field" | "Column", nested: string) {
  return {
    prompt: {
      type: "string",
      minLength: 1,
      default: "prompt",
      description: `${what} holding the prompt (${nested}): a string, or a list of {role, content} messages.`,
    },
    messages: {
      type: "string",
      minLength: 1,
      description: `${what} holding a conversation (list of {role, content}); when set, it is used instead of \`prompt\`.`,
    },
  } as const;
}
