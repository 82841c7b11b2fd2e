/**
 * Human judges: annotations imported from JSONL files (docs/annotations.md).
 * A pointwise line is one annotator's scores for one candidate, which it names
 * by id (`candidate`) or by its prompt and response text (`prompt` +
 * `response`, compared after text normalisation). A pairwise line (it has a
 * `preference`) is one annotator's verdict on two candidates of one prompt,
 * named the same ways (`a` + `b`, or `prompt` + `response_a` + `response_b`);
 * see human-pairwise.ts. Each annotator becomes a judge `human:<annotator>`.
 * Malformed lines are errors located at file:line; lines that match no
 * candidate are reported as warnings and counted, never dropped silently.
 */
import { didYouMean, DpoError, type Diagnostic, type Location } from "../../engine/diagnostic.js";
import type { JsonSchema, PluginContext } from "../../engine/plugin.js";
import { validate } from "../../engine/schema.js";
import { normalisePrompt, normaliseText } from "../text/normalise.js";
import { criterionDigest, type Rubric } from "../rubric/model.js";
import { readProjectText } from "../rubric/read.js";
import { compareComparisons, isPairwiseLine, pairwiseProblem, pairwiseSchema, toComparison, type Comparison, type PairwiseAnnotation } from "./human-pairwise.js";
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

/** What the annotation files say: pointwise judgements by candidate id, pairwise comparisons by record id. */
export interface HumanAnnotations {
  judgements: Map<string, Judgement[]>;
  comparisons: Map<string, Comparison[]>;
}

type Line = { kind: "pointwise"; value: Annotation } | { kind: "pairwise"; value: PairwiseAnnotation };

/**
 * Everything the annotation files say about these records. The files are
 * parsed first, so the one pass over the records indexes only the candidates
 * some annotation can name: memory follows the annotations, not the records.
 */
export async function importAnnotations(
  ctx: PluginContext<any>,
  files: string[],
  rubric: Rubric,
  records: AsyncIterable<CandidatesRecord> | Iterable<CandidatesRecord>,
): Promise<HumanAnnotations> {
  const parsed: { location: Location; line: Line | undefined; problems: Diagnostic[] }[] = [];
  for (const file of files) {
    const lines = (await readProjectText(ctx, file, "annotation file")).split(/\r?\n/);
    lines.forEach((text, i) => {
      if (!text.trim()) return;
      const location: Location = { file, line: i + 1 };
      const problems: Diagnostic[] = [];
      parsed.push({ location, line: parseLine(text, location, rubric, problems), problems });
    });
  }
  const index = await candidateIndex(records, wantedKeys(parsed.map((p) => p.line)));
  const errors: Diagnostic[] = [];
  const unmatched: Location[] = [];
  const seen = new Map<string, Location>();
  const judgements = new Map<string, Judgement[]>();
  const comparisons = new Map<string, Comparison[]>();
  /** False (and an error recorded) when the annotator already said this. */
  const firstTime = (key: string, what: string, location: Location): boolean => {
    const first = seen.get(key);
    if (first) errors.push({ severity: "error", message: what, location, related: [{ message: "first annotation", location: first }] });
    else seen.set(key, location);
    return !first;
  };

  for (const { location, line, problems } of parsed) {
    if (errors.length >= MAX_ERRORS) break;
    errors.push(...problems);
    if (line?.kind === "pointwise") {
      const a = line.value;
      const matches = a.candidate !== undefined ? (index.record.has(a.candidate) ? [a.candidate] : []) : (index.byText.get(textKey(a.prompt!, a.response!)) ?? []);
      if (matches.length === 0) {
        unmatched.push(location);
        continue;
      }
      for (const candidateId of matches) {
        if (!firstTime(`${a.annotator}\u0000${candidateId}`, `annotator "${a.annotator}" scored candidate ${candidateId} twice`, location)) break;
        judgements.set(candidateId, [...(judgements.get(candidateId) ?? []), ...toJudgements(a, rubric)]);
      }
    } else if (line?.kind === "pairwise") {
      const a = line.value;
      const ids = pairIds(a, index);
      if (!ids) {
        unmatched.push(location);
        continue;
      }
      const [recordA, recordB] = ids.map((id) => index.record.get(id)!);
      if (recordA !== recordB) {
        errors.push({ severity: "error", message: `pairwise annotation compares candidates of two different prompts (${ids[0]}, ${ids[1]})`, location });
        continue;
      }
      const key = `${a.annotator}\u0000${[...ids].sort().join("\u0000")}`;
      if (!firstTime(key, `annotator "${a.annotator}" compared candidates ${ids[0]} and ${ids[1]} twice`, location)) continue;
      comparisons.set(recordA!, [...(comparisons.get(recordA!) ?? []), toComparison(a, ids)]);
    }
  }
  if (errors.length > 0) throw new DpoError(errors);
  reportUnmatched(ctx, unmatched);
  for (const [id, list] of judgements) judgements.set(id, list.sort((x, y) => (x.judge < y.judge ? -1 : x.judge > y.judge ? 1 : 0)));
  for (const list of comparisons.values()) list.sort(compareComparisons);
  return { judgements, comparisons };
}

interface CandidateIndex {
  /** Candidate id → record id. */
  record: Map<string, string>;
  /** Prompt + response text → candidate ids (identical candidates of one prompt all match). */
  byText: Map<string, string[]>;
}

/** The candidate ids and text keys the annotations name: all the index needs to hold. */
function wantedKeys(lines: (Line | undefined)[]): { ids: Set<string>; texts: Set<string> } {
  const ids = new Set<string>();
  const texts = new Set<string>();
  for (const line of lines) {
    if (line?.kind === "pointwise") {
      if (line.value.candidate !== undefined) ids.add(line.value.candidate);
      else texts.add(textKey(line.value.prompt!, line.value.response!));
    } else if (line?.kind === "pairwise") {
      const a = line.value;
      if (a.a !== undefined) ids.add(a.a).add(a.b!);
      else texts.add(textKey(a.prompt!, a.response_a!)).add(textKey(a.prompt!, a.response_b!));
    }
  }
  return { ids, texts };
}

async function candidateIndex(records: AsyncIterable<CandidatesRecord> | Iterable<CandidatesRecord>, wanted: { ids: Set<string>; texts: Set<string> }): Promise<CandidateIndex> {
  const record = new Map<string, string>();
  const byText = new Map<string, string[]>();
  if (wanted.ids.size === 0 && wanted.texts.size === 0) return { record, byText };
  for await (const r of records) {
    for (const c of r.candidates) {
      const key = wanted.texts.size > 0 ? textKey(r.prompt, c.text ?? "") : "";
      const named = wanted.texts.has(key);
      // A text match is checked against `record` too (pairwise twins), so a named text indexes its candidates' ids.
      if (wanted.ids.has(c.id) || named) record.set(c.id, r.id);
      if (named) byText.set(key, [...(byText.get(key) ?? []), c.id]);
    }
  }
  return { record, byText };
}

/** The two candidate ids a pairwise line names, or undefined when either matches none. */
function pairIds(a: PairwiseAnnotation, index: CandidateIndex): [string, string] | undefined {
  if (a.a !== undefined) return index.record.has(a.a) && index.record.has(a.b!) ? [a.a, a.b!] : undefined;
  const first = index.byText.get(textKey(a.prompt!, a.response_a!))?.[0];
  // Identical texts: B is the other candidate with that text, so a tie between twins still names two candidates.
  const second = index.byText.get(textKey(a.prompt!, a.response_b!))?.find((id) => id !== first);
  return first !== undefined && second !== undefined ? [first, second] : undefined;
}

function textKey(prompt: PromptValue, response: string): string {
  return `${normalisePrompt(prompt)}\u0000${normaliseText(response)}`;
}

function parseLine(line: string, location: Location, rubric: Rubric, errors: Diagnostic[]): Line | undefined {
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
  const pairwise = isPairwiseLine(value);
  const schema = pairwise ? pairwiseSchema : annotationSchema;
  const v = validate(schema, value);
  if (!v.valid) {
    // An unknown key usually explains a missing one (a typo), so it is reported first.
    const e = v.errors.find((x) => x.keyword === "additionalProperties") ?? v.errors[0]!;
    const p = e.params as Record<string, any>;
    if (p.additionalProperty && e.instancePath === "") {
      const guess = didYouMean(p.additionalProperty, Object.keys(schema.properties as object));
      return fail(`unknown key \`${p.additionalProperty}\` in ${pairwise ? "pairwise " : ""}annotation`, guess && `did you mean \`${guess}\`?`);
    }
    return fail(`${pairwise ? "pairwise " : ""}annotation ${e.instancePath ? `\`${e.instancePath.slice(1)}\` ` : ""}${e.message}`);
  }
  if (pairwise) {
    const problem = pairwiseProblem(value as PairwiseAnnotation, rubric, didYouMean);
    return problem ? fail(...problem) : { kind: "pairwise", value: value as PairwiseAnnotation };
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
  return { kind: "pointwise", value: a };
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
