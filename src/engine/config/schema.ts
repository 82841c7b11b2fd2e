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
    stages: {
      type: "object",
      description: "The stages by name; `needs` makes them a graph.",
      propertyNames: { pattern: NAME_PATTERN },
      additionalProperties: stageSchema,
    },
  },
};
