/**
 * Human judges: annotations imported from JSONL files. Each line is one
 * annotator's scores for one candidate, which it names by id (`candidate`) or
 * by its prompt and response text (`prompt` + `response`, compared after text
 * normalisation). Each annotator becomes a judge `human:<annotator>`.
 * Malformed lines are errors located at file:line; lines that match no
 * candidate are reported as warnings and counted, never dropped silently.
 */
import { didYouMean, DpoError, type Diagnostic, type Location } from "../../engine/diagnostic.js";
import type { JsonSchema, PluginContext } from "../../engine/plugin.js";
import { validate } from "../../engine/schema.js";
import { normalisePrompt, normaliseText } from "../text/normalise.js";
import { criterionDigest, type Rubric } from "../rubric/model.js";
import { readProjectText } from "../rubric/read.js";
import { scored, unscored, type CandidatesRecord, type Judgement, type PromptValue } from "./judgement.js";

interface Annotation {
  annotator: string;
  candidate?: string;
  prompt?: PromptValue;
  response?: string;
  scores: Record<string, number>;
  rationale?: string | Record<string, string>;
}

const message = { type: "object", required: ["role", "content"], properties: { role: { type: "string" }, content: { type: "string" } } };

const annotationSchema: JsonSchema = {
  type: "object",
  additionalProperties: false,
  required: ["annotator", "scores"],
  properties: {
    annotator: { type: "string", minLength: 1 },
    candidate: { type: "string", minLength: 1 },
    prompt: { type: ["string", "array"], items: message },
    response: { type: "string" },
    scores: { type: "object", additionalProperties: { type: "number" } },
    rationale: { type: ["string", "object"], additionalProperties: { type: "string" } },
    meta: { type: "object" },
  },
};

const MAX_ERRORS = 50;
const MAX_LISTED_UNMATCHED = 10;

/** Judgements by candidate id, for every annotation in the files. */
export async function importAnnotations(
  ctx: PluginContext<any>,
  files: string[],
  rubric: Rubric,
  records: CandidatesRecord[],
): Promise<Map<string, Judgement[]>> {
  const ids = new Set<string>();
  // Identical candidates of one prompt (same text) all receive an annotation given by text.
  const byText = new Map<string, string[]>();
  for (const r of records) {
    for (const c of r.candidates) {
      ids.add(c.id);
      const key = textKey(r.prompt, c.text ?? "");
      byText.set(key, [...(byText.get(key) ?? []), c.id]);
    }
  }
  const errors: Diagnostic[] = [];
  const unmatched: Location[] = [];
  const seen = new Map<string, Location>();
  const out = new Map<string, Judgement[]>();

  for (const file of files) {
    const lines = (await readProjectText(ctx, file, "annotation file")).split(/\r?\n/);
    lines.forEach((line, i) => {
      if (!line.trim() || errors.length >= MAX_ERRORS) return;
      const location: Location = { file, line: i + 1 };
      const a = parseLine(line, location, rubric, errors);
      if (!a) return;
      const matches = a.candidate !== undefined ? (ids.has(a.candidate) ? [a.candidate] : []) : (byText.get(textKey(a.prompt!, a.response!)) ?? []);
      if (matches.length === 0) return void unmatched.push(location);
      for (const candidateId of matches) {
        const dupKey = `${a.annotator}\u0000${candidateId}`;
        const first = seen.get(dupKey);
        if (first) {
          errors.push({
            severity: "error",
            message: `annotator "${a.annotator}" scored candidate ${candidateId} twice`,
            location,
            related: [{ message: "first annotation", location: first }],
          });
          return;
        }
        seen.set(dupKey, location);
        out.set(candidateId, [...(out.get(candidateId) ?? []), ...toJudgements(a, rubric)]);
      }
    });
  }
  if (errors.length > 0) throw new DpoError(errors);
  reportUnmatched(ctx, unmatched);
  for (const [id, list] of out) out.set(id, list.sort((x, y) => (x.judge < y.judge ? -1 : x.judge > y.judge ? 1 : 0)));
  return out;
}

function textKey(prompt: PromptValue, response: string): string {
  return `${normalisePrompt(prompt)}\u0000${normaliseText(response)}`;
}

function parseLine(line: string, location: Location, rubric: Rubric, errors: Diagnostic[]): Annotation | undefined {
  const fail = (message: string, hint?: string) => {
    errors.push(hint ? { severity: "error", message, location, hint } : { severity: "error", message, location });
    return undefined;
  };
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (e) {
    return fail(`annotation is not valid JSON (${(e as Error).message})`);
  }
  const v = validate(annotationSchema, value);
  if (!v.valid) {
    // An unknown key usually explains a missing one (a typo), so it is reported first.
    const e = v.errors.find((x) => x.keyword === "additionalProperties") ?? v.errors[0]!;
    const p = e.params as Record<string, any>;
    if (p.additionalProperty) {
      const guess = didYouMean(p.additionalProperty, Object.keys(annotationSchema.properties as object));
      return fail(`unknown key \`${p.additionalProperty}\` in annotation`, guess && `did you mean \`${guess}\`?`);
    }
    return fail(`annotation ${e.instancePath ? `\`${e.instancePath.slice(1)}\` ` : ""}${e.message}`);
  }
  const a = value as Annotation;
  if (a.candidate === undefined && (a.prompt === undefined || a.response === undefined)) {
    return fail("annotation names no candidate", "give `candidate` (a candidate id) or both `prompt` and `response`");
  }
  const ids = rubric.criteria.map((c) => c.id);
  const { min, max } = rubric.scale;
  for (const [criterion, score] of Object.entries(a.scores)) {
    if (!ids.includes(criterion)) {
      const guess = didYouMean(criterion, ids);
      return fail(`unknown criterion \`${criterion}\` in scores`, guess ? `did you mean \`${guess}\`?` : `rubric criteria: ${ids.join(", ")}`);
    }
    if (score < min || score > max) return fail(`score ${score} for \`${criterion}\` is outside the scale ${min}–${max}`);
  }
  return a;
}

function toJudgements(a: Annotation, rubric: Rubric): Judgement[] {
  return rubric.criteria.map((criterion) => {
    const base = { judge: `human:${a.annotator}`, kind: "human" as const, criterion: criterion.id, criterionDigest: criterionDigest(rubric, criterion) };
    const rationale = typeof a.rationale === "string" ? a.rationale : (a.rationale?.[criterion.id] ?? "");
    const score = a.scores[criterion.id];
    return score === undefined ? unscored(base, "the annotator gave no score for this criterion", rationale) : scored(base, score, rationale);
  });
}

function reportUnmatched(ctx: PluginContext<any>, unmatched: Location[]): void {
  if (unmatched.length === 0) return;
  ctx.tally("judge.human.unmatched", unmatched.length);
  const listed = unmatched.slice(0, MAX_LISTED_UNMATCHED).map((l) => `${l.file}:${l.line}`);
  const more = unmatched.length > listed.length ? ` and ${unmatched.length - listed.length} more` : "";
  ctx.log.warn(`${unmatched.length} annotation${unmatched.length === 1 ? "" : "s"} match no candidate: ${listed.join(", ")}${more}`);
}
