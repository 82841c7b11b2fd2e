/**
 * The part of a Pair record (docs/records.md) that agreement reads: who judged,
 * which side each judge prefers, and the scores each gave both sides. Reading
 * validates, so a malformed record fails with its id and the field at fault.
 */
import { DpoError, type Diagnostic } from "../../engine/diagnostic.js";
import type { Rec } from "../../engine/plugin.js";

export type Side = "chosen" | "rejected" | "tie";
const SIDES: readonly Side[] = ["chosen", "rejected", "tie"];

export interface SidePair {
  chosen: number | null;
  rejected: number | null;
}

export interface Judgement extends SidePair {
  judge: string;
  prefers: Side;
  /** Per-criterion scores of both sides. */
  scores: Record<string, SidePair>;
  /** Per-criterion preferences a judge stated directly (a pairwise comparison: `basis: "comparison"`). */
  stated: Record<string, Side>;
}

export interface JudgedPair {
  id: string;
  /** Candidate ids; agreement on scores is measured per candidate. */
  chosenId: string;
  rejectedId: string;
  /** Criterion ids in the record's order: `criteria[].id`, then any only found in judges' scores. */
  criteria: string[];
  judges: Judgement[];
  /** Judges whose scores reach only one side of the pair (no verdict; see pair/verdicts.ts). */
  incomplete: string[];
}

/**
 * Reads and checks one pair; `where` names the upstream stage for messages,
 * `problem` makes the located diagnostic (at the `needs` entry naming it).
 */
export function readJudgedPair(rec: Rec, where: string, problem: (message: string, hint: string) => Diagnostic): JudgedPair {
  const fail = (what: string) =>
    new DpoError(problem(`pair ${rec.id} from stage "${where}": ${what}`, "quality/agreement needs Pair records (docs/records.md) with a `judges` list"));
  if (!Array.isArray(rec.judges)) throw fail(`\`judges\` is ${describe(rec.judges)}, expected an array`);
  const judges = rec.judges.map((j, i) => readJudgement(j, (what) => fail(`judges[${i}]: ${what}`)));
  const seen = new Set<string>();
  for (const j of judges) {
    if (seen.has(j.judge)) throw fail(`judge "${j.judge}" appears twice`);
    seen.add(j.judge);
  }
  const listed = Array.isArray(rec.criteria)
    ? rec.criteria.flatMap((c) => (isObject(c) && typeof c.id === "string" ? [c.id] : []))
    : [];
  const scored = judges.flatMap((j) => [...Object.keys(j.scores), ...Object.keys(j.stated)]);
  const incomplete = Array.isArray(rec.incomplete) ? rec.incomplete.flatMap((x) => (isObject(x) && typeof x.judge === "string" ? [x.judge] : [])) : [];
  return {
    id: rec.id,
    chosenId: candidateId(rec.chosen) ?? `${rec.id}:chosen`,
    rejectedId: candidateId(rec.rejected) ?? `${rec.id}:rejected`,
    criteria: [...new Set([...listed, ...scored])],
    judges,
    incomplete,
  };
}

function readJudgement(value: unknown, fail: (what: string) => Error): Judgement {
  if (!isObject(value)) throw fail(`is ${describe(value)}, expected an object`);
  if (typeof value.judge !== "string" || value.judge === "") throw fail(`\`judge\` is ${describe(value.judge)}, expected a name`);
  if (!SIDES.includes(value.prefers as Side)) {
    throw fail(`\`prefers\` is ${describe(value.prefers)}, expected "chosen", "rejected" or "tie"`);
  }
  const scores: Record<string, SidePair> = {};
  if (value.scores !== undefined) {
    if (!isObject(value.scores)) throw fail(`\`scores\` is ${describe(value.scores)}, expected an object`);
    for (const [criterion, s] of Object.entries(value.scores)) {
      if (!isObject(s)) throw fail(`\`scores.${criterion}\` is ${describe(s)}, expected {chosen, rejected}`);
      scores[criterion] = readSides(s, `scores.${criterion}.`, fail);
    }
  }
  const stated: Record<string, Side> = {};
  if (value.criteria !== undefined) {
    if (!isObject(value.criteria)) throw fail(`\`criteria\` is ${describe(value.criteria)}, expected an object`);
    for (const [criterion, side] of Object.entries(value.criteria)) {
      if (!SIDES.includes(side as Side)) throw fail(`\`criteria.${criterion}\` is ${describe(side)}, expected "chosen", "rejected" or "tie"`);
      stated[criterion] = side as Side;
    }
  }
  return { judge: value.judge, prefers: value.prefers as Side, ...readSides(value, "", fail), scores, stated };
}

function readSides(value: Record<string, unknown>, prefix: string, fail: (what: string) => Error): SidePair {
  const score = (side: "chosen" | "rejected") => {
    const v = value[side];
    if (v === undefined || v === null) return null;
    if (typeof v !== "number" || !Number.isFinite(v)) throw fail(`\`${prefix}${side}\` is ${describe(v)}, expected a number or null`);
    return v;
  };
  return { chosen: score("chosen"), rejected: score("rejected") };
}

function candidateId(side: unknown): string | undefined {
  return isObject(side) && typeof side.id === "string" ? side.id : undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === undefined) return "missing";
  const text = JSON.stringify(v);
  return text.length > 40 ? `${text.slice(0, 37)}…` : text;
}
