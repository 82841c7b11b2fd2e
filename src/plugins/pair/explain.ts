/**
 * The diagnostic context on a pair (docs/records.md "Pair"): per-criterion
 * scores and deltas, each judge's verdict, the rationales behind the largest
 * deltas, and a one-line reason a person can read.
 */
import { contentId } from "../../engine/hash.js";
import type { Rec } from "../../engine/plugin.js";
import type { RubricSummary } from "../rubric/model.js";
import type { Comparison } from "../judge/human-pairwise.js";
import type { CandidateScore } from "./aggregate.js";
import { comparisonRationales, judgeVerdicts, statedReasons } from "./verdicts.js";

/** Rounded so artifacts show 2.5, not 2.4999999999999996. */
const round = (x: number) => Math.round(x * 10_000) / 10_000;
const signed = (x: number) => `${x >= 0 ? "+" : "−"}${Math.abs(x).toFixed(1)}`;
const plain = (x: number) => String(Math.round(x * 100) / 100);

interface CriterionDelta {
  id: string;
  chosen: number | null;
  rejected: number | null;
  delta: number | null;
}

export interface PairSource {
  id: string;
  prompt: unknown;
  meta?: unknown;
  source?: unknown;
  rubric: RubricSummary;
  /** Pairwise human verdicts on this prompt's candidates (judge/rubric `comparisons`). */
  comparisons?: Comparison[];
}

/** `comparisons` are the record's, already filtered to the judges in use. */
export function buildPair(record: PairSource, chosen: CandidateScore, rejected: CandidateScore, comparisons: readonly Comparison[] = []): Rec {
  const rubric = record.rubric;
  const criteria = criterionDeltas(chosen, rejected, rubric);
  const { judges, incomplete } = judgeVerdicts(chosen, rejected, rubric, comparisons);
  const stated = comparisonRationales(comparisons, chosen, rejected);
  const pair: Rec = {
    id: contentId("pair", chosen.candidate.id, rejected.candidate.id),
    promptId: record.id,
    prompt: record.prompt,
    chosen: side(chosen),
    rejected: side(rejected),
    margin: round(chosen.aggregate - rejected.aggregate),
    criteria,
    judges,
    rationales: [...rationales(chosen, rejected, criteria), ...stated],
    reason: [chosen.basis === "reward" ? `chosen has the higher reward (${signed(chosen.aggregate - rejected.aggregate)})` : reason(criteria, rejected), ...statedReasons(judges)].join("; "),
    rubric: { name: rubric.name, digest: rubric.digest },
  };
  // Only when there is something to say, so pairs of fully scored candidates are unchanged.
  if (incomplete.length > 0) pair.incomplete = incomplete;
  if (record.meta !== undefined) pair.meta = record.meta;
  if (record.source !== undefined) pair.source = record.source;
  return pair;
}

function side(s: CandidateScore) {
  const out: Record<string, unknown> = { id: s.candidate.id, text: s.candidate.text, score: round(s.aggregate) };
  if (s.candidate.model !== undefined) out.model = s.candidate.model;
  return out;
}

function criterionDeltas(chosen: CandidateScore, rejected: CandidateScore, rubric: RubricSummary): CriterionDelta[] {
  return rubric.criteria.map(({ id }) => {
    const c = chosen.criteria[id];
    const r = rejected.criteria[id];
    return {
      id,
      chosen: c === undefined ? null : round(c),
      rejected: r === undefined ? null : round(r),
      delta: c === undefined || r === undefined ? null : round(c - r),
    };
  });
}

/** The two criteria with the largest deltas, and every judge's rationale for both sides on them. */
function rationales(chosen: CandidateScore, rejected: CandidateScore, criteria: CriterionDelta[]) {
  const top = criteria
    .filter((c) => c.delta !== null && c.delta !== 0)
    .sort((a, b) => Math.abs(b.delta!) - Math.abs(a.delta!))
    .slice(0, 2)
    .map((c) => c.id);
  const out = [];
  for (const criterion of top) {
    const c = rationaleMap(chosen, criterion);
    const r = rationaleMap(rejected, criterion);
    for (const judge of [...new Set([...c.keys(), ...r.keys()])].sort()) {
      if (!c.get(judge) && !r.get(judge)) continue;
      out.push({ judge, criterion, chosen: c.get(judge) ?? "", rejected: r.get(judge) ?? "" });
    }
  }
  return out;
}

function rationaleMap(s: CandidateScore, criterion: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const j of s.candidate.judgements ?? []) {
    if (j.criterion === criterion && j.score !== null && s.byJudge.has(j.judge)) m.set(j.judge, j.rationale);
  }
  return m;
}

/** e.g. "chosen wins on correctness (+2.0) and completeness (+1.5); rejected fails the safety gate (2 < 4)". */
export function reason(criteria: CriterionDelta[], rejected: CandidateScore): string {
  const byDelta = criteria.filter((c) => c.delta !== null && c.delta !== 0).sort((a, b) => Math.abs(b.delta!) - Math.abs(a.delta!));
  // A failed gate is reported as such, not also as a win.
  const gated = new Set(rejected.gateFailures.map((f) => f.criterion));
  const wins = byDelta.filter((c) => c.delta! > 0 && !gated.has(c.id)).slice(0, 3);
  const losses = byDelta.filter((c) => c.delta! < 0).slice(0, 2);
  const parts: string[] = [];
  if (wins.length) parts.push(`chosen wins on ${listing(wins.map((c) => `${c.id} (${signed(c.delta!)})`))}`);
  for (const f of rejected.gateFailures) {
    parts.push(`rejected fails the ${f.criterion} gate (${f.score === null ? "unscored" : `${plain(f.score)} < ${f.gate}`})`);
  }
  if (losses.length) parts.push(`rejected is better on ${listing(losses.map((c) => `${c.id} (${signed(-c.delta!)})`))}`);
  if (parts.length === 0) parts.push("chosen has the higher aggregate score");
  return parts.join("; ");
}

function listing(items: string[]): string {
  return items.length <= 1 ? items.join("") : `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
}
