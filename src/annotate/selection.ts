/**
 * What to annotate: a stage's candidates (pointwise) or pairs (pairwise) —
 * all of them, only the disputed ones, or a seeded sample of N (the same
 * sample for every annotator, so their answers overlap and can be compared).
 *
 * The stage decides what an item is: a judged stage offers its candidates; a
 * stage of pairs offers its pairs (pairwise) or both candidates of each pair
 * (pointwise, so an annotator scores both sides). Disputed pairs are those an
 * agreement stage flagged, or — for a stage agreement reads — those its rule
 * disputes; disputed candidates are the two sides of the disputed pairs made
 * from the judged stage.
 */
import type { StageConfig } from "../engine/config/load.js";
import { userError } from "../engine/diagnostic.js";
import type { Rec } from "../engine/plugin.js";
import { seededRng } from "../engine/rng.js";
import type { Rubric } from "../plugins/rubric/model.js";
import { readJudgedPair } from "../plugins/quality/judged-pair.js";
import { pairAgreement, type DisputeRule } from "../plugins/quality/pair-agreement.js";
import { candidatesOf, isCandidatesRecord, isPairRecord, pairCandidates, pairItems, type Item, type Mode } from "./items.js";
import { AGREEMENT_PLUGIN, JUDGE_PLUGIN, PAIR_PLUGIN, type ProjectView } from "./project-view.js";

export type Only = { kind: "all" } | { kind: "disputed" } | { kind: "sample"; n: number };

export function parseOnly(text: string): Only {
  if (text === "all" || text === "disputed") return { kind: text };
  const m = /^sample:([1-9][0-9]*)$/.exec(text);
  if (m) return { kind: "sample", n: Number(m[1]) };
  throw userError(`--only expects all, disputed or sample:N, found "${text}"`, { hint: "e.g. --only sample:50" });
}

export function describeOnly(only: Only): string {
  return only.kind === "sample" ? `sample:${only.n}` : only.kind;
}

export interface SelectOptions {
  stage?: string;
  mode?: Mode;
  only: Only;
}

/** What one annotation session offers; items depend on the annotator only through the A/B order. */
export interface Selection {
  stage: string;
  mode: Mode;
  only: Only;
  judgeStage: StageConfig;
  rubric: Rubric;
  itemsFor(annotator: string): Item[];
  count: number;
}

export async function select(view: ProjectView, o: SelectOptions): Promise<Selection> {
  const stage = o.stage ?? defaultStage(view, o.mode ?? "pointwise");
  const judgeStage = view.judgeStageOf(stage);
  if (!judgeStage) throw userError(`stage "${stage}" has no ${JUDGE_PLUGIN} stage above it, so there is no rubric to annotate with`);
  const rubric = await view.rubric(judgeStage);
  const records = await view.records(stage);
  const pairs = records.length > 0 && records.every(isPairRecord);
  if (!pairs && !records.every(isCandidatesRecord)) throw userError(`stage "${stage}" holds neither candidates nor pairs`, { hint: `annotate a ${JUDGE_PLUGIN} or ${PAIR_PLUGIN} stage` });
  const mode = o.mode ?? (pairs ? "pairwise" : "pointwise");
  if (mode === "pairwise" && !pairs) throw userError(`pairwise annotation needs a stage of pairs; "${stage}" holds candidates`, { hint: `e.g. --stage ${view.firstUsing(PAIR_PLUGIN)?.name ?? "pairs"}` });

  const chosen = await chosenRecords(view, stage, records, pairs, o.only);
  const seed = view.config.seed;
  const itemsFor = (annotator: string): Item[] =>
    mode === "pairwise" ? pairItems(chosen, seed, annotator) : pairs ? pairCandidates(chosen) : candidatesOf(chosen);
  const base = itemsFor("");
  const sampled = sample(base, o.only, seed, stage);
  const keep = new Set(sampled.map((i) => i.id));
  return { stage, mode, only: o.only, judgeStage, rubric, itemsFor: (a) => itemsFor(a).filter((i) => keep.has(i.id)), count: keep.size };
}

function defaultStage(view: ProjectView, mode: Mode): string {
  const plugin = mode === "pairwise" ? PAIR_PLUGIN : JUDGE_PLUGIN;
  const s = view.firstUsing(plugin);
  if (!s) throw userError(`no stage uses ${plugin}`, { hint: "name the stage to annotate with --stage" });
  return s.name;
}

/** The records (pairs, or judged records with only their disputed candidates) the selection draws from. */
async function chosenRecords(view: ProjectView, stage: string, records: Rec[], pairs: boolean, only: Only): Promise<Rec[]> {
  if (only.kind !== "disputed") return records;
  if (pairs) {
    const disputed = await disputedPairs(view, stage, records);
    return records.filter((r) => disputed.has(r.id));
  }
  const pairStage = view.downstream(stage, PAIR_PLUGIN)[0];
  if (!pairStage) throw userError(`--only disputed: no ${PAIR_PLUGIN} stage reads "${stage}", so no pair of its candidates is disputed`);
  const pairRecords = await view.records(pairStage.name);
  const disputed = await disputedPairs(view, pairStage.name, pairRecords);
  const ids = new Set(pairRecords.filter((p) => disputed.has(p.id)).flatMap((p) => [(p.chosen as Rec).id, (p.rejected as Rec).id]));
  return records.map((r) => ({ ...r, candidates: (r.candidates as Rec[]).filter((c) => ids.has(c.id)) }));
}

/** Pair ids that agreement disputes: flagged on the records, or by the rule of the agreement stage that reads them. */
async function disputedPairs(view: ProjectView, stage: string, pairs: Rec[]): Promise<Set<string>> {
  if (pairs.some((p) => p.agreement !== undefined)) return new Set(pairs.filter((p) => (p.agreement as { disputed?: boolean })?.disputed).map((p) => p.id));
  const agreement = view.downstream(stage, AGREEMENT_PLUGIN)[0];
  if (!agreement) throw userError(`--only disputed: no ${AGREEMENT_PLUGIN} stage reads "${stage}", so nothing says which pairs are disputed`);
  const problem = (message: string, hint: string) => ({ severity: "error" as const, message, hint });
  return new Set(pairs.filter((p) => pairAgreement(readJudgedPair(p, stage, problem), agreement.with as unknown as DisputeRule).disputed).map((p) => p.id));
}

function sample(items: Item[], only: Only, seed: number, stage: string): Item[] {
  if (only.kind !== "sample" || only.n >= items.length) return items;
  const picked = new Set(seededRng(seed, "annotate-sample", stage).shuffle(items.map((i) => i.id)).slice(0, only.n));
  return items.filter((i) => picked.has(i.id));
}
