/**
 * Pairwise human annotations: one annotator's verdict on two candidates of one
 * prompt, A against B, overall and optionally per criterion, with ties. `a` is
 * the response the annotator saw first. On the judged record they become
 * `comparisons` (docs/records.md "Judged"); pair/preference turns a comparison
 * of a pair's two candidates into that annotator's verdict in the pair's
 * `judges` (docs/annotations.md).
 */
import type { JsonSchema } from "../../engine/plugin.js";
import type { Rubric } from "../rubric/model.js";
import type { PromptValue } from "./judgement.js";

export type Preference = "a" | "b" | "tie";
export const PREFERENCES: readonly Preference[] = ["a", "b", "tie"];

/** The key of an overall rationale in a pairwise line's `rationale` object. */
export const OVERALL = "overall";

/** A pairwise verdict as carried on a judged record. */
export interface Comparison {
  judge: string;
  kind: "human";
  /** Candidate ids: `a` was shown first. */
  a: string;
  b: string;
  preference: Preference;
  /** Criterion id → preference, for the criteria the annotator compared. */
  criteria: Record<string, Preference>;
  /** `overall` and/or criterion ids → text. */
  rationale: Record<string, string>;
}

export interface PairwiseAnnotation {
  annotator: string;
  a?: string;
  b?: string;
  prompt?: PromptValue;
  response_a?: string;
  response_b?: string;
  preference: Preference;
  criteria?: Record<string, Preference>;
  rationale?: string | Record<string, string>;
}

const message = { type: "object", required: ["role", "content"], properties: { role: { type: "string" }, content: { type: "string" } } };
const preference = { type: "string", enum: [...PREFERENCES] };

export const pairwiseSchema: JsonSchema = {
  type: "object",
  additionalProperties: false,
  required: ["annotator", "preference"],
  properties: {
    annotator: { type: "string", minLength: 1 },
    a: { type: "string", minLength: 1 },
    b: { type: "string", minLength: 1 },
    prompt: { type: ["string", "array"], items: message },
    response_a: { type: "string" },
    response_b: { type: "string" },
    preference,
    criteria: { type: "object", additionalProperties: preference },
    rationale: { type: ["string", "object"], additionalProperties: { type: "string" } },
    meta: { type: "object" },
  },
};

/** A line is pairwise when it states a `preference`. */
export function isPairwiseLine(value: unknown): boolean {
  return typeof value === "object" && value !== null && !Array.isArray(value) && "preference" in value;
}

/** What is wrong with a schema-valid pairwise line, as [message, hint?], or undefined. */
export function pairwiseProblem(a: PairwiseAnnotation, rubric: Rubric, didYouMean: (x: string, xs: string[]) => string | undefined): [string, string?] | undefined {
  const byId = a.a !== undefined || a.b !== undefined;
  if (byId && (a.a === undefined || a.b === undefined)) return ["pairwise annotation names one candidate", "give both `a` and `b` (candidate ids)"];
  if (!byId && (a.prompt === undefined || a.response_a === undefined || a.response_b === undefined)) {
    return ["pairwise annotation names no candidates", "give `a` and `b` (candidate ids) or `prompt`, `response_a` and `response_b`"];
  }
  if (byId && a.a === a.b) return [`pairwise annotation compares candidate ${a.a} with itself`];
  const ids = rubric.criteria.map((c) => c.id);
  if (ids.includes(OVERALL)) return [`the rubric has a criterion called \`${OVERALL}\`, which pairwise annotations use for the overall verdict`, "rename the criterion"];
  const named = [...Object.keys(a.criteria ?? {}), ...(typeof a.rationale === "object" ? Object.keys(a.rationale).filter((k) => k !== OVERALL) : [])];
  for (const criterion of named) {
    if (ids.includes(criterion)) continue;
    const guess = didYouMean(criterion, ids);
    return [`unknown criterion \`${criterion}\` in pairwise annotation`, guess ? `did you mean \`${guess}\`?` : `rubric criteria: ${ids.join(", ")}`];
  }
  return undefined;
}

export function toComparison(a: PairwiseAnnotation, ids: readonly [string, string]): Comparison {
  const rationale = typeof a.rationale === "string" ? { [OVERALL]: a.rationale } : { ...(a.rationale ?? {}) };
  return { judge: `human:${a.annotator}`, kind: "human", a: ids[0], b: ids[1], preference: a.preference, criteria: { ...(a.criteria ?? {}) }, rationale };
}

/** Comparisons in a stable order: by judge, then by candidate ids. */
export function compareComparisons(x: Comparison, y: Comparison): number {
  const kx = `${x.judge}\u0000${x.a}\u0000${x.b}`;
  const ky = `${y.judge}\u0000${y.a}\u0000${y.b}`;
  return kx < ky ? -1 : kx > ky ? 1 : 0;
}
