/**
 * Reads and checks a rubric file. Every problem is reported with its
 * file:line:column, exactly like config errors: schema errors (unknown keys
 * with did-you-mean, wrong types) first, then the checks a schema cannot
 * express (anchors and gates inside the scale, anchors for both ends of
 * it, unique criterion ids).
 */
import { DpoError, type Diagnostic } from "../../engine/diagnostic.js";
import type { ConfigFile, PluginContext } from "../../engine/plugin.js";
import { rubricSchema, type Rubric } from "./model.js";

/** Loads a project-relative rubric file through the stage context (so its digest is recorded). */
export async function loadRubric(ctx: Pick<PluginContext<any>, "readConfigFile">, relPath: string): Promise<Rubric> {
  return checkRubric(await ctx.readConfigFile<Rubric>(relPath, rubricSchema, "rubric file"));
}

/** A rubric that passed its schema, checked further; throws a DpoError with located diagnostics. */
export function checkRubric(file: ConfigFile<Rubric>): Rubric {
  const problems = semanticProblems(file.value, file);
  if (problems.length > 0) throw new DpoError(problems);
  return file.value;
}

function semanticProblems(rubric: Rubric, src: ConfigFile<Rubric>): Diagnostic[] {
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
    const at = (...rest: (string | number)[]) => jsonPointer("criteria", i, ...rest);
    const first = firstIndex.get(c.id);
    if (first !== undefined) {
      error(`duplicate criterion id \`${c.id}\``, at("id"), {
        hint: "each criterion needs its own id",
        related: [{ message: "first defined here", location: src.locate(jsonPointer("criteria", first, "id")) }],
      });
    } else firstIndex.set(c.id, i);

    for (const key of Object.keys(c.anchors)) {
      const score = Number(key);
      if (score < min || score > max) {
        error(`anchor score ${key} is outside the scale ${range}`, at("anchors", key), { key: true });
      }
    }
    // A judge told only what a 3 looks like has no idea what the ends of the scale mean.
    const scores = Object.keys(c.anchors).map(Number);
    const missing = min < max ? [min, max].filter((end) => !scores.includes(end)) : [];
    for (const end of missing) {
      error(`criterion \`${c.id}\` has no anchor for ${end === min ? "the bottom" : "the top"} of the scale (${end})`, at("anchors"), {
        key: true,
        hint: `anchors must cover both ends of the scale ${range}`,
      });
    }
    if (c.gate !== undefined && (c.gate < min || c.gate > max)) {
      error(`gate ${c.gate} is outside the scale ${range}`, at("gate"));
    }
  });
  return out;
}

/** A JSON pointer from segments (rubric keys never hold `/` or `~`). */
function jsonPointer(...segments: (string | number)[]): string {
  return segments.map((s) => `/${s}`).join("");
}
