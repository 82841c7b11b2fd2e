/**
 * JSON Schema of `dpo.config.yaml` itself. Each stage's `with` block and each
 * provider's settings are checked afterwards against the schema of the plugin
 * or provider type they name.
 */
import type { JsonSchema } from "../plugin.js";

export const NAME_PATTERN = "^[A-Za-z][A-Za-z0-9_-]*$";

export const stageSchema: JsonSchema = {
  type: "object",
  description: "One step of the build: a plugin and its settings.",
  additionalProperties: false,
  required: ["uses"],
  properties: {
    uses: {
      type: "string",
      minLength: 1,
      description: "The plugin: a built-in name such as `source/jsonl`, or a project file such as `./plugins/mine.js`.",
    },
    needs: {
      description: "The stage or stages whose output this stage reads.",
      anyOf: [{ type: "string" }, { type: "array", items: { type: "string" } }],
    },
    with: { type: "object", default: {}, description: "The plugin's settings, checked against its schema." },
    description: { type: "string", description: "What this stage is for (shown in `dpo graph`)." },
  },
};

export const providerEntrySchema: JsonSchema = {
  type: "object",
  description: "A shared resource (e.g. an LLM endpoint); the other keys depend on its type.",
  required: ["type"],
  properties: {
    type: { type: "string", description: "The provider type, e.g. `openai`." },
  },
};

export const remoteCacheSchema: JsonSchema = {
  type: "object",
  description:
    "A shared cache on the Bazel HTTP protocol (bazel-remote, nginx with WebDAV): stage results, objects and LLM calls are looked up there after the local cache, and uploaded in read-write mode. Overridden by `DPO_REMOTE_CACHE` / `--remote-cache URL` (or `off`).",
  additionalProperties: false,
  required: ["url"],
  properties: {
    url: { type: "string", pattern: "^[hH][tT][tT][pP][sS]?://", description: "The server's base URL, e.g. `http://cache.internal:8080/dpo`." },
    mode: {
      enum: ["read-only", "read-write"],
      default: "read-only",
      description: "`read-only` (laptops: use the team's results, upload nothing) or `read-write` (CI: also upload what the build computes). Overridden by `DPO_REMOTE_CACHE_MODE` / `--remote-cache-mode`.",
    },
    namespace: {
      type: "string",
      pattern: "^[A-Za-z0-9._-]+$",
      description: "The path segment under `url` holding this project's entries (`<url>/<namespace>/ac/…`, `…/cas/…`); default: the project's name.",
    },
    headers: {
      type: "object",
      additionalProperties: { type: "string" },
      description: "Headers sent with every request, e.g. `Authorization: Bearer ${DPO_CACHE_TOKEN}`; their values are secrets.",
    },
    timeout: { type: "number", exclusiveMinimum: 0, default: 10, description: "Seconds one request may take before the remote cache is taken for down (the build goes on locally)." },
  },
};

export const configSchema: JsonSchema = {
  type: "object",
  additionalProperties: false,
  required: ["version", "project", "stages"],
  properties: {
    version: { const: 1, description: "The config format version; always 1." },
    project: { type: "string", minLength: 1, description: "The project's name." },
    seed: { type: "integer", default: 0, description: "Seeds every random choice of every stage." },
    providers: {
      type: "object",
      default: {},
      description: "Providers by name, used by stages through `provider:` settings.",
      propertyNames: { pattern: NAME_PATTERN },
      additionalProperties: providerEntrySchema,
    },
    remoteCache: remoteCacheSchema,
    stages: {
      type: "object",
      description: "The stages by name; `needs` makes them a graph.",
      propertyNames: { pattern: NAME_PATTERN },
      additionalProperties: stageSchema,
    },
  },
};
