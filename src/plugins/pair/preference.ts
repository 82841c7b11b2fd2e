/**
 * pair/preference: turns judged candidates into chosen/rejected pairs.
 *
 * Per prompt, each candidate gets one aggregate (see aggregate.ts). A candidate
 * that fails a gate is never chosen, but it makes a good rejected example:
 * a pair whose rejected side fails a gate stands whatever the margin, since
 * the gate, not the aggregate, decides it. Otherwise a pair needs
 * margin ≥ minMargin (and > 0); closer pairs are ties, dropped and counted.
 */
import { definePlugin, type PluginContext, type Rec } from "../../engine/plugin.js";
import type { RubricSummary } from "../rubric/model.js";
import { passesGates, scoreCandidate, type CandidateScore, type JudgeAggregate, type JudgedCandidate } from "./aggregate.js";
import { buildPair, type PairSource } from "./explain.js";
import { inputCount, inputRecords } from "../stream/inputs.js";

interface With {
  strategy: "best-vs-worst" | "all-above-margin";
  minMargin: number;
  judgeAggregate: JudgeAggregate;
  judges?: string[];
}

type JudgedRecord = PairSource & { candidates: JudgedCandidate[] };

export default definePlugin<With>({
  name: "pair/preference",
  version: "2",
  description: "Makes chosen/rejected pairs from judged candidates, with gates, margins and an explanation on every pair.",
  inputs: { min: 1, accepts: ["judged"] },
  output: "pairs",
  schema: {
    type: "object",
    additionalProperties: false,
    properties: {
      strategy: {
        type: "string",
        enum: ["best-vs-worst", "all-above-margin"],
        default: "best-vs-worst",
        description: "best-vs-worst: one pair per prompt (best eligible vs worst); all-above-margin: every ordered pair that clears the margin.",
      },
      minMargin: {
        type: "number",
        minimum: 0,
        default: 0.5,
        description: "Smallest difference of aggregate scores for a pair; closer pairs are ties, dropped and counted (pairs.ties).",
      },
      judgeAggregate: {
        type: "string",
        enum: ["mean", "median"],
        default: "mean",
        description: "How several judges' scores for one criterion are combined.",
      },
      judges: {
        type: "array",
        minItems: 1,
        items: { type: "string", minLength: 1, description: 'A judge id, or a prefix ending in `*` (e.g. "human:*").' },
        description: "Only use these judges' judgements (default: all judges).",
      },
    },
  },
  async *run(ctx) {
    const useJudge = judgeFilter(ctx.with.judges);
    let made = 0;
    ctx.progress.total(inputCount(ctx.inputs));
    for await (const { rec, stage } of inputRecords(ctx.inputs)) {
      const pairs = pairsFor(ctx, judgedRecord(ctx, rec, stage), useJudge);
      made += pairs.length;
      yield* pairs;
      ctx.progress.tick(1);
    }
    ctx.tally("pairs.made", made);
  },
});

function judgeFilter(judges: string[] | undefined): (judge: string) => boolean {
  if (!judges) return () => true;
  return (judge) => judges.some((p) => (p.endsWith("*") ? judge.startsWith(p.slice(0, -1)) : judge === p));
}

function judgedRecord(ctx: PluginContext<With>, r: Rec, stage: string): JudgedRecord {
  const rubric = r.rubric as RubricSummary | undefined;
  if (!Array.isArray(r.candidates) || !rubric?.criteria) {
    ctx.fail("/needs", `stage "${ctx.stage}" expects judged records (candidates + rubric), got record ${r.id} from "${stage}"`, "pair/preference goes after a judge/rubric stage");
  }
  return r as unknown as JudgedRecord;
}

function pairsFor(ctx: PluginContext<With>, record: JudgedRecord, useJudge: (judge: string) => boolean): Rec[] {
  const all: CandidateScore[] = [];
  for (const c of record.candidates) {
    const s = scoreCandidate(c, record.rubric, ctx.with.judgeAggregate, useJudge);
    if (s) all.push(s);
    else ctx.tally("pairs.unscoredCandidates", 1);
  }
  // Rubric scores and raw rewards are not comparable: with any rubric-scored candidate, reward-only ones sit out.
  const basis = all.some((s) => s.basis === "rubric") ? "rubric" : "reward";
  const scores = all.filter((s) => s.basis === basis);
  if (scores.length < all.length) ctx.tally("pairs.unscoredCandidates", all.length - scores.length);
  ctx.tally("pairs.gated", scores.filter((s) => !passesGates(s)).length);
  if (scores.length < 2) {
    ctx.tally("pairs.tooFewCandidates", 1);
    return [];
  }
  if (!scores.some(passesGates)) {
    ctx.tally("pairs.allGated", 1);
    return [];
  }
  const comparisons = (record.comparisons ?? []).filter((c) => useJudge(c.judge));
  const ranked = [...scores].sort(rank);
  const candidates = ctx.with.strategy === "best-vs-worst" ? [[ranked[0]!, ranked.at(-1)!] as const] : orderedPairs(ranked);
  const out: Rec[] = [];
  for (const [chosen, rejected] of candidates) {
    if (!passesGates(chosen)) continue;
    if (passesGates(rejected) && !clearsMargin(chosen, rejected, ctx.with.minMargin)) {
      ctx.tally("pairs.ties", 1);
      continue;
    }
    out.push(buildPair(record, chosen, rejected, comparisons));
  }
  return out;
}

/** Gate-passing first, then by aggregate (highest first), then by id so equal scores order the same way every time. */
function rank(a: CandidateScore, b: CandidateScore): number {
  return Number(passesGates(b)) - Number(passesGates(a)) || b.aggregate - a.aggregate || (a.candidate.id < b.candidate.id ? -1 : 1);
}

/**
 * Every (higher, lower) pair of the ranking once, so each tie between two
 * gate-passing candidates is counted once.
 */
function orderedPairs(ranked: CandidateScore[]): (readonly [CandidateScore, CandidateScore])[] {
  const out: (readonly [CandidateScore, CandidateScore])[] = [];
  for (let i = 0; i < ranked.length; i++) for (let j = i + 1; j < ranked.length; j++) out.push([ranked[i]!, ranked[j]!] as const);
  return out;
}

function clearsMargin(chosen: CandidateScore, rejected: CandidateScore, minMargin: number): boolean {
  const margin = chosen.aggregate - rejected.aggregate;
  // A tiny epsilon so 3.5 − 3.0 counts as 0.5 despite floating point.
  return margin > 1e-9 && margin >= minMargin - 1e-9;
}
