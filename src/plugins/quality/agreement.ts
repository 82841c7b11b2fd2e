/**
 * quality/agreement: how far the judges of a pair set agree, per pair and overall.
 *
 * Each pair gets `agreement: {judges, share, spread, disputed, criteria}` (see
 * pair-agreement.ts for the rule); disputed pairs are flagged or dropped. Over
 * the whole set it reports Krippendorff's α on scores (overall and per criterion),
 * Fleiss' κ on pair directions and Cohen's κ for every pair of judges, as tallies,
 * a log summary and `reports/agreement.json`. With fewer than two judges nothing
 * can be compared: pairs pass through unchanged and a warning says so.
 */
import type { PluginContext, Rec } from "../../engine/plugin.js";
import { definePlugin } from "../../engine/plugin.js";
import { inputCount, inputRecords } from "../stream/inputs.js";
import { IncompleteCount, incompleteWarning } from "./incomplete.js";
import { readJudgedPair, type JudgedPair } from "./judged-pair.js";
import { JudgeStatisticsCollector, type JudgeStatistics } from "./judge-statistics.js";
import { LEVELS, LevelError, type Level } from "./metrics/krippendorff-alpha.js";
import { DISPUTE_REASONS, pairAgreement, type DisputeReason, type DisputeRule, type PairAgreement } from "./pair-agreement.js";

interface With extends DisputeRule {
  level: Level;
  filter: "flag" | "drop";
  report: string;
}

export default definePlugin<With>({
  name: "quality/agreement",
  version: "3", // 3: the pairs.disputed.share tally
  description:
    "Measures judge agreement: per pair the share of judges preferring the chosen side and the spread of their margins " +
    "(disputed pairs flagged or dropped); overall Krippendorff's α on scores, Fleiss' κ and pairwise Cohen's κ on pair directions.",
  inputs: { min: 1, accepts: ["pairs"] },
  output: "pairs",
  schema: {
    type: "object",
    additionalProperties: false,
    properties: {
      minShare: {
        type: "number",
        minimum: 0,
        maximum: 1,
        default: 0.5,
        description:
          "A pair needs a strict majority of its judges preferring its chosen side (a tie is no vote for it); it is also disputed when the share of judges preferring chosen (a tie counts half) is below this, so raise it for stricter rules (1 demands unanimity). With two judges a pair stands only when both prefer chosen: a one-one split, or one judge for and one tie, is disputed.",
      },
      criterionDisputes: {
        enum: ["report", "dispute"],
        default: "report",
        description:
          "Per-criterion shares below minShare are always recorded and counted; with `dispute` they also make the pair disputed.",
      },
      filter: {
        enum: ["flag", "drop"],
        default: "flag",
        description: "`flag` keeps disputed pairs with `agreement.disputed: true`; `drop` removes them (the report lists them, up to its `maxPairs`; `dpo show` on the stage before this one has them all).",
      },
      level: {
        enum: [...LEVELS],
        default: "interval",
        description: "Level of measurement of judge scores for Krippendorff's α.",
      },
      report: {
        type: "string",
        pattern: "^(?!.*\\.\\.)[^/\\\\].*$",
        default: "reports/agreement.json",
        description: "Where the JSON report is published, relative to out/.",
      },
    },
  },
  publishes: (w) => ({ files: [w.report] }),
  /**
   * Two passes over the stored input. The first reads each pair's judges and
   * scores and keeps only what the statistics and the dispute summary count
   * (no pair is held); the second reads each pair again and streams it out
   * with its agreement.
   */
  async *run(ctx) {
    const read = (rec: Rec, stage: string) => readJudgedPair(rec, stage, (message, hint) => ctx.diagnostic(needsEntry(ctx, stage), message, hint));
    const seen = new PairsSeen();
    // Each pair is read twice: progress counts both passes.
    ctx.progress.total(2 * inputCount(ctx.inputs));
    for await (const { rec, stage } of inputRecords(ctx.inputs)) {
      seen.add(read(rec, stage), ctx.with);
      ctx.progress.tick();
    }
    if (!summarise(ctx, seen)) {
      for await (const { rec } of inputRecords(ctx.inputs)) yield rec;
      return;
    }
    for await (const { rec, stage } of inputRecords(ctx.inputs)) {
      ctx.progress.tick();
      const agreement = pairAgreement(read(rec, stage), ctx.with);
      if (ctx.with.filter !== "drop" || !agreement.disputed) yield { ...rec, agreement };
    }
  },
});

/** What the first pass keeps of the pairs: who judged them, the statistics' columns and the disputes. */
class PairsSeen {
  readonly judges = new Set<string>();
  readonly incomplete = new IncompleteCount();
  readonly statistics = new JudgeStatisticsCollector();
  readonly disputes = new DisputeCount();

  add(pair: JudgedPair, rule: DisputeRule): void {
    for (const j of pair.judges) this.judges.add(j.judge);
    this.incomplete.add(pair);
    this.statistics.add(pair);
    this.disputes.add(pair, pairAgreement(pair, rule));
  }
}

/** Statistics, tallies, log and report over all pairs; false when there are too few judges to compare. */
function summarise(ctx: PluginContext<With>, seen: PairsSeen): boolean {
  const judges = [...seen.judges].sort();
  const total = seen.disputes.total;
  ctx.tally("pairs.checked", total);
  const incomplete = seen.incomplete.byJudge();
  const partial = Object.keys(incomplete).length > 0 ? { incomplete } : {};
  if (Object.keys(incomplete).length > 0) ctx.log.warn(incompleteWarning(incomplete));
  if (judges.length < 2) {
    ctx.log.warn(
      `agreement not computed: ${judges.length === 0 ? "no judge" : `only one judge ("${judges[0]}")`} in ${total} pairs; ` +
        "pairs pass through unchanged. Add judges to the judge stage to measure agreement.",
    );
    ctx.publish(ctx.with.report, reportJson({ computed: false, judges, pairs: { total }, ...partial }));
    return false;
  }

  const stats = statisticsOrUserError(ctx, seen.statistics, judges);
  const summary = seen.disputes.summary(ctx.with.filter);
  tallyAll(ctx, stats, summary);
  ctx.log.info(readableSummary(ctx.with, stats, summary));
  warnAboutGaps(ctx, stats, summary);
  const { minShare, criterionDisputes, filter, level } = ctx.with;
  const settings = { minShare, criterionDisputes, filter, level };
  ctx.publish(
    ctx.with.report,
    reportJson({ computed: true, settings, judges, pairs: { ...summary.counts, disputedBy: summary.reasons }, ...statsReport(stats), disputed: summary.list, ...partial }),
  );
  return true;
}

function statisticsOrUserError(ctx: PluginContext<With>, collector: JudgeStatisticsCollector, judges: string[]): JudgeStatistics {
  try {
    return collector.statistics(judges, ctx.with.level);
  } catch (e) {
    // α rejects scores its level cannot measure (negative scores on a ratio scale). Only that: a
    // RangeError can also be a stack overflow, which is no advice to give about the level.
    if (!(e instanceof LevelError)) throw e;
    ctx.fail("/with/level", `stage "${ctx.stage}": Krippendorff's α at level "${ctx.with.level}": ${e.message}`, 'use level "interval" for scores that can be negative');
  }
}

/** The `needs` entry naming an upstream stage (inputs keep the order of `needs`). */
function needsEntry(ctx: PluginContext<With>, stage: string): string {
  return `/needs/${Object.keys(ctx.inputs).indexOf(stage)}`;
}

interface DisputeSummary {
  /** Counts, as reported under `pairs`. */
  counts: { total: number; disputed: number; dropped: number; kept: number; unjudged: number; disputedByCriterion: Record<string, number> };
  /** Disputed pairs by reason. */
  reasons: Partial<Record<DisputeReason, number>>;
  /** Every pair disputed overall or on a criterion, in id order. */
  list: { id: string; share: number | null; spread: number | null; disputed: boolean; dispute?: DisputeReason; criteria: string[] }[];
}

/** The dispute summary, counted pair by pair in id order. */
class DisputeCount {
  total = 0;
  private disputed = 0;
  private unjudged = 0;
  /** Criterion ids in order of first appearance, with the pairs disputed on each. */
  private readonly byCriterion = new Map<string, number>();
  private readonly reasons = new Map<DisputeReason, number>();
  private readonly list: DisputeSummary["list"] = [];

  add(pair: JudgedPair, a: PairAgreement): void {
    this.total++;
    if (a.disputed) this.disputed++;
    if (a.judges === 0) this.unjudged++;
    if (a.dispute) this.reasons.set(a.dispute, (this.reasons.get(a.dispute) ?? 0) + 1);
    for (const c of pair.criteria) if (!this.byCriterion.has(c)) this.byCriterion.set(c, 0);
    const onCriteria = Object.keys(a.criteria).filter((c) => a.criteria[c]!.disputed);
    for (const c of onCriteria) this.byCriterion.set(c, (this.byCriterion.get(c) ?? 0) + 1);
    if (a.disputed || onCriteria.length > 0) {
      this.list.push({ id: pair.id, share: a.share, spread: a.spread, disputed: a.disputed, ...(a.dispute ? { dispute: a.dispute } : {}), criteria: onCriteria });
    }
  }

  summary(filter: With["filter"]): DisputeSummary {
    const reasons: Partial<Record<DisputeReason, number>> = {};
    for (const reason of DISPUTE_REASONS) if (this.reasons.has(reason)) reasons[reason] = this.reasons.get(reason)!;
    const dropped = filter === "drop" ? this.disputed : 0;
    const counts = { total: this.total, disputed: this.disputed, dropped, kept: this.total - dropped, unjudged: this.unjudged, disputedByCriterion: Object.fromEntries(this.byCriterion) };
    return { counts, reasons, list: this.list };
  }
}

function tallyAll(ctx: PluginContext<With>, stats: JudgeStatistics, { counts: s, reasons }: DisputeSummary): void {
  const coefficient = (name: string, value: number | null) => {
    if (value !== null) ctx.tally(name, round(value));
  };
  ctx.tally("pairs.disputed", s.disputed);
  // The share a gate holds below a threshold (`{metric: <stage>.pairs.disputed.share, max: 0.2}`).
  if (s.total > 0) ctx.tally("pairs.disputed.share", round(s.disputed / s.total));
  ctx.tally("pairs.dropped", s.dropped);
  if (s.unjudged > 0) ctx.tally("pairs.unjudged", s.unjudged);
  for (const [reason, n] of Object.entries(reasons)) ctx.tally(`pairs.disputed.by.${reason}`, n);
  for (const [c, n] of Object.entries(s.disputedByCriterion)) ctx.tally(`pairs.disputed.${c}`, n);
  coefficient("agreement.alpha.overall", stats.alpha.overall.alpha);
  for (const [c, a] of Object.entries(stats.alpha.criteria)) coefficient(`agreement.alpha.${c}`, a.alpha);
  coefficient("agreement.kappa.fleiss", stats.fleiss.kappa);
  for (const k of stats.cohen) coefficient(`agreement.kappa.cohen.${k.a}~${k.b}`, k.kappa);
}

const REASON_TEXT: Record<DisputeReason, string> = {
  split: "judges split evenly",
  outvoted: "more judges prefer rejected",
  abstentions: "backed only against judges who tie",
  minShare: "share below minShare",
  criterion: "a criterion disputed",
};

function readableSummary(settings: With, stats: JudgeStatistics, { counts: s, reasons }: DisputeSummary): string {
  const f = (v: number | null) => (v === null ? "n/a" : v.toFixed(3));
  const criteria = Object.entries(stats.alpha.criteria).map(([c, a]) => `${c} ${f(a.alpha)}`);
  const lines = [
    `agreement of ${stats.judges.length} judges (${stats.judges.join(", ")}) on ${s.total} pairs, ${stats.candidates} candidates`,
    `  Krippendorff's α (${settings.level}): overall ${f(stats.alpha.overall.alpha)}${criteria.length ? `; ${criteria.join(", ")}` : ""}`,
    `  Fleiss' κ on directions: ${f(stats.fleiss.kappa)} over ${stats.fleiss.items} pairs` +
      (stats.fleiss.dropped ? ` (${stats.fleiss.dropped} not judged by all, left out)` : ""),
    `  Cohen's κ: ${stats.cohen.map((k) => `${k.a}~${k.b} ${f(k.kappa)}`).join(", ")}`,
    `  disputed: ${s.disputed} of ${s.total} (no strict majority for chosen${settings.minShare > 0.5 ? `, or share < ${settings.minShare}` : ""})` +
      (settings.filter === "drop" ? `, dropped` : `, flagged`) +
      (s.disputed > 0 ? `: ${Object.entries(reasons).map(([r, n]) => `${n} ${REASON_TEXT[r as DisputeReason]}`).join(", ")}` : "") +
      (Object.values(s.disputedByCriterion).some((n) => n > 0)
        ? `; by criterion: ${Object.entries(s.disputedByCriterion).map(([c, n]) => `${c} ${n}`).join(", ")}`
        : ""),
  ];
  return lines.join("\n");
}

function warnAboutGaps(ctx: PluginContext<With>, stats: JudgeStatistics, { counts: s }: DisputeSummary): void {
  if (s.unjudged > 0) ctx.log.warn(`${s.unjudged} pairs have no judge: their agreement share is null and they are not disputed`);
  if (stats.conflicts > 0) {
    ctx.log.warn(`${stats.conflicts} candidate scores differ between pairs (same judge, same candidate); α used the first, in pair-id order`);
  }
}

function statsReport(stats: JudgeStatistics) {
  return {
    candidates: { total: stats.candidates, scoreConflicts: stats.conflicts },
    alpha: stats.alpha,
    kappa: { fleiss: stats.fleiss, cohen: stats.cohen },
  };
}

/** Pretty, stable JSON: key order is fixed by construction, no timestamps. */
function reportJson(report: Record<string, unknown>): string {
  return JSON.stringify({ plugin: "quality/agreement", ...report }, null, 2) + "\n";
}

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
