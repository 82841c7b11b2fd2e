/**
 * Reads and checks a rubric file. Every problem is reported with its
 * file:line:column, exactly like config errors: schema errors (unknown keys
 * with did-you-mean, wrong types) first, then the checks a schema cannot
 * express (anchors and gates inside the scale, unique criterion ids).
 */
import { DpoError, type Diagnostic } from "../../engine/diagnostic.js";
import { joinPointer, parseYaml, schemaErrors, type YamlSource } from "../../engine/config/yaml-source.js";
import type { PluginContext } from "../../engine/plugin.js";
import { validate } from "../../engine/schema.js";
import { rubricSchema, type Rubric } from "./model.js";
import { readProjectText } from "./read.js";

/** Parses and validates rubric text; throws a DpoError with located diagnostics. */
export function parseRubric(text: string, file: string): Rubric {
  const parsed = parseYaml(text, file);
  if (!parsed.ok) throw new DpoError(parsed.error);
  const src = parsed.value;
  const value = structuredClone(src.value);
  const v = validate(rubricSchema, value);
  if (!v.valid) throw new DpoError(schemaErrors(v.errors, src, { schema: rubricSchema }));
  const rubric = value as Rubric;
  const problems = semanticProblems(rubric, src);
  if (problems.length > 0) throw new DpoError(problems);
  return rubric;
}

/** Loads a project-relative rubric file through the stage context (so its digest is recorded). */
export async function loadRubric(ctx: PluginContext<any>, relPath: string): Promise<Rubric> {
  return parseRubric(await readProjectText(ctx, relPath, "rubric file"), relPath);
}

function semanticProblems(rubric: Rubric, src: YamlSource): Diagnostic[] {
  const out: Diagnostic[] = [];
  const error = (message: string, pointer: string, extra: Partial<Diagnostic> & { key?: boolean } = {}) => {
    const { key, ...rest } = extra;
    out.push({ severity: "error", message, location: src.locate(pointer, { key }), path: pointer.slice(1).replace(/\//g, "."), ...rest });
  };
  const { min, max } = rubric.scale;
  const range = `${min}–${max}`;
  if (min >= max) error(`scale max (${max}) must be greater than scale min (${min})`, "/scale/max");

  const firstIndex = new Map<string, number>();
  rubric.criteria.forEach((c, i) => {
    const at = (...rest: (string | number)[]) => joinPointer("criteria", i, ...rest);
    const first = firstIndex.get(c.id);
    if (first !== undefined) {
      error(`duplicate criterion id \`${c.id}\``, at("id"), {
        hint: "each criterion needs its own id",
        related: [{ message: "first defined here", location: src.locate(joinPointer("criteria", first, "id")) }],
      });
    } else firstIndex.set(c.id, i);

    for (const key of Object.keys(c.anchors)) {
      const score = Number(key);
      if (score < min || score > max) {
        error(`anchor score ${key} is outside the scale ${range}`, at("anchors", key), { key: true });
      }
    }
    if (c.gate !== undefined && (c.gate < min || c.gate > max)) {
      error(`gate ${c.gate} is outside the scale ${range}`, at("gate"));
    }
  });
  return out;
}
