/**
 * A plugin's own YAML or JSON file (a rubric, say), parsed with positions and
 * checked against the plugin's schema, so its problems are reported at
 * `rubrics/x.yaml:3:5` exactly like those of the config. JSON is YAML, so one
 * parser serves both.
 */
import { DpoError } from "../diagnostic.js";
import type { ConfigFile, JsonSchema } from "../plugin.js";
import { validate } from "../schema.js";
import { parseYaml, schemaErrors } from "./yaml-source.js";

/** Parses and validates (defaults filled in); throws a DpoError with located diagnostics. */
export function parseConfigFile<T>(text: string, file: string, schema: JsonSchema): ConfigFile<T> {
  const parsed = parseYaml(text, file);
  if (!parsed.ok) throw new DpoError(parsed.error);
  const src = parsed.value;
  const value = structuredClone(src.value);
  const v = validate(schema, value);
  if (!v.valid) throw new DpoError(schemaErrors(v.errors, src, { schema, value }));
  return { file, value: value as T, locate: (pointer, opts) => src.locate(pointer, opts) };
}
