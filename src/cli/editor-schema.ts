/**
 * JSON Schemas for editors (yaml-language-server, VS Code's YAML extension):
 * `dpo.config.yaml` with each stage's `with` block checked against the schema
 * of the plugin its `uses` names, each provider against its type's schema,
 * and rubric files. Generated from the same schemas that validate the config,
 * so completion, hover text and squiggles cannot drift from what dpo accepts.
 *
 * Two liberties, both so an editor never flags what dpo accepts: the `dpo`
 * marks (dpo's own keyword) are dropped, and wherever a number, a boolean or
 * a constrained string (a pattern, an enum) is expected a `${VAR}` string is
 * allowed too, since interpolation runs before validation.
 */
import type { JsonSchema } from "../engine/plugin.js";
import { configSchema, providerEntrySchema, stageSchema } from "../engine/config/schema.js";
import { builtinPlugins } from "../plugins/index.js";
import { rubricSchema } from "../plugins/rubric/model.js";
import { builtinProviders } from "../providers/index.js";

const DRAFT = "http://json-schema.org/draft-07/schema#";
const INTERPOLATED = { type: "string", pattern: "\\$\\{", description: "A `${VAR}` interpolation, checked once expanded." };

export async function configEditorSchema(): Promise<JsonSchema> {
  const plugins = await loadAll(builtinPlugins);
  const providers = await loadAll(builtinProviders);
  const stage: JsonSchema = {
    ...stageSchema,
    properties: {
      ...(stageSchema.properties as Record<string, JsonSchema>),
      uses: {
        ...((stageSchema.properties as Record<string, JsonSchema>).uses as JsonSchema),
        anyOf: [{ enum: Object.keys(plugins).sort() }, { pattern: "^\\.\\.?/", description: "A project-local plugin module." }],
      },
    },
    allOf: Object.entries(plugins).map(([name, p]) => ({
      if: { properties: { uses: { const: name } }, required: ["uses"] },
      then: { properties: { with: { description: p.description, ...p.schema } } },
    })),
  };
  const provider: JsonSchema = {
    ...providerEntrySchema,
    properties: { type: { enum: Object.keys(providers).sort(), description: "The provider type." } },
    allOf: Object.entries(providers).map(([type, p]) => ({
      if: { properties: { type: { const: type } }, required: ["type"] },
      then: p.schema,
    })),
  };
  const top = configSchema.properties as Record<string, JsonSchema>;
  return forEditors({
    $schema: DRAFT,
    title: "dpo.config.yaml",
    ...configSchema,
    properties: {
      ...top,
      providers: { ...top.providers, additionalProperties: provider },
      stages: { ...top.stages, additionalProperties: stage },
    },
  });
}

export function rubricEditorSchema(): JsonSchema {
  return forEditors({ $schema: DRAFT, title: "dpo rubric", ...rubricSchema });
}

async function loadAll<T>(registry: Record<string, () => Promise<T>>): Promise<Record<string, T>> {
  const entries = await Promise.all(Object.entries(registry).map(async ([name, load]) => [name, await load()] as const));
  return Object.fromEntries(entries);
}

/** A deep copy without `dpo` marks, where every constrained scalar may also be a `${VAR}` string. */
function forEditors(schema: unknown): JsonSchema {
  return transform(schema) as JsonSchema;
}

function transform(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(transform);
  if (!node || typeof node !== "object") return node;
  const out: Record<string, unknown> = {};
  // An `if` selects a branch by the literal `uses`/`type`: it stays as written.
  for (const [k, v] of Object.entries(node)) if (k !== "dpo") out[k] = k === "if" ? v : transform(v);
  if (constrainsScalar(out)) {
    const { description, default: def, ...rest } = out;
    return { ...(description ? { description } : {}), ...(def !== undefined ? { default: def } : {}), anyOf: [rest, INTERPOLATED] };
  }
  return out;
}

/** A scalar that a `${VAR}` string would not already satisfy. */
function constrainsScalar(s: Record<string, unknown>): boolean {
  if (s.type === "integer" || s.type === "number" || s.type === "boolean") return true;
  const scalar = s.type === "string" || s.type === undefined;
  return scalar && ("pattern" in s || "enum" in s || "const" in s || "format" in s);
}
