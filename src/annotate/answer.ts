/**
 * An answer posted by the app, checked against the rubric and turned into the
 * annotation line the human judge reads (docs/annotations.md). The line names
 * candidates by id and takes the A/B order from the server's item, never from
 * the browser, so a page cannot record what it was not shown.
 */
import { OVERALL, PREFERENCES, type Preference } from "../plugins/judge/human-pairwise.js";
import type { Rubric } from "../plugins/rubric/model.js";
import type { CandidateItem, Item, PairItem } from "./items.js";

export interface PostedAnswer {
  item: string;
  scores?: Record<string, unknown>;
  preference?: unknown;
  criteria?: Record<string, unknown>;
  rationale?: Record<string, unknown>;
}

export type AnswerResult = { ok: true; line: Record<string, unknown> } | { ok: false; error: string };

export interface LineContext {
  annotator: string;
  stage: string;
  /** ISO time of the answer, kept in `meta`. */
  at: string;
}

export function answerLine(item: Item, posted: PostedAnswer, rubric: Rubric, c: LineContext): AnswerResult {
  return item.kind === "candidate" ? pointwise(item, posted, rubric, c) : pairwise(item, posted, rubric, c);
}

function pointwise(item: CandidateItem, posted: PostedAnswer, rubric: Rubric, c: LineContext): AnswerResult {
  const scores: Record<string, number> = {};
  const { min, max } = rubric.scale;
  for (const criterion of rubric.criteria) {
    const v = posted.scores?.[criterion.id];
    if (v === undefined || v === null || v === "") continue;
    if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) return { ok: false, error: `score for ${criterion.id} must be an integer from ${min} to ${max}` };
    scores[criterion.id] = v;
  }
  const unknown = Object.keys(posted.scores ?? {}).find((k) => !rubric.criteria.some((x) => x.id === k));
  if (unknown) return { ok: false, error: `unknown criterion ${unknown}` };
  if (Object.keys(scores).length === 0) return { ok: false, error: "score at least one criterion" };
  const rationale = rationales(posted, rubric, false);
  return {
    ok: true,
    line: { annotator: c.annotator, candidate: item.id, scores, ...(rationale ? { rationale } : {}), meta: { stage: c.stage, at: c.at } },
  };
}

function pairwise(item: PairItem, posted: PostedAnswer, rubric: Rubric, c: LineContext): AnswerResult {
  if (!isPreference(posted.preference)) return { ok: false, error: "choose A, B or tie overall" };
  const criteria: Record<string, Preference> = {};
  for (const criterion of rubric.criteria) {
    const v = posted.criteria?.[criterion.id];
    if (v === undefined || v === null || v === "") continue;
    if (!isPreference(v)) return { ok: false, error: `preference for ${criterion.id} must be a, b or tie` };
    criteria[criterion.id] = v;
  }
  const rationale = rationales(posted, rubric, true);
  return {
    ok: true,
    line: {
      annotator: c.annotator,
      a: item.a.id,
      b: item.b.id,
      preference: posted.preference,
      ...(Object.keys(criteria).length ? { criteria } : {}),
      ...(rationale ? { rationale } : {}),
      meta: { stage: c.stage, pair: item.id, shownFirst: item.shownFirst, at: c.at },
    },
  };
}

const isPreference = (v: unknown): v is Preference => PREFERENCES.includes(v as Preference);

/** Non-empty rationale texts, by criterion (and `overall` for pairwise), or undefined when none. */
function rationales(posted: PostedAnswer, rubric: Rubric, overall: boolean): Record<string, string> | undefined {
  const keys = [...(overall ? [OVERALL] : []), ...rubric.criteria.map((x) => x.id)];
  const out: Record<string, string> = {};
  for (const k of keys) {
    const v = posted.rationale?.[k];
    if (typeof v === "string" && v.trim() !== "") out[k] = v.trim();
  }
  return Object.keys(out).length ? out : undefined;
}
