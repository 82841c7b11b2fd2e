/**
 * Everything the report shows, computed from its inputs before any HTML is
 * written: pure, in-process and deterministic (sorted, no clock), so tests
 * check the figures without a browser and rebuilds give the same bytes.
 */
import type { Diagnostic } from "../../engine/diagnostic.js";
import type { Level } from "../quality/metrics/krippendorff-alpha.js";
import { agreementSummary, type AgreementSummary } from "./agreement.js";
import { calibrations, type Calibration } from "./calibration.js";
import { clusters, type Clusters } from "./clusters.js";
import { distributions, type Distributions } from "./distributions.js";
import type { Input, InputKind } from "./inputs.js";
import { iterations, type Iterations } from "./iterations.js";
import { latestPairs, orderPairStages, pairTable, type PairTable } from "./pairs-table.js";

export interface ReportOptions {
  title: string;
  maxPairs: number;
  maxClusters: number;
  textChars: number;
  sourceBy: string;
  level: Level;
}

export interface ReportData {
  title: string;
  /** The input stages in `needs` order, with what they hold. */
  funnel: { stage: string; kind: InputKind; records: number; costUsd: number | null }[];
  /** Records of the largest prompts stage: what yields are measured against. */
  sourcePrompts: number | null;
  iterations: Iterations | null;
  distributions: Distributions;
  agreement: AgreementSummary | null;
  calibration: Calibration[];
  table: PairTable;
  clusters: Clusters;
}

/** `problem(stage)` makes the located error for a malformed record of that stage. */
export function assemble(inputs: readonly Input[], o: ReportOptions, problem: (stage: string) => (message: string, hint: string) => Diagnostic): ReportData {
  const pairStages = orderPairStages(inputs);
  const latest = latestPairs(pairStages);
  const pairs = latest.map((p) => p.rec);
  const memberships = inputs.find((i) => i.kind === "memberships")?.records ?? null;
  const candidates = inputs.filter((i) => i.kind === "candidates");
  const tokens = new Map(candidates.flatMap((i) => [...i.tokens]));
  const prompts = inputs.filter((i) => i.kind === "prompts").map((i) => i.count);
  const widest = pairStages[0]?.stage ?? "";
  return {
    title: o.title,
    funnel: inputs.map((i) => ({ stage: i.stage, kind: i.kind, records: i.count, costUsd: i.costUsd })),
    sourcePrompts: prompts.length ? Math.max(...prompts) : null,
    iterations: memberships ? iterations(memberships, new Map(pairs.map((p) => [p.id, p])), tokens, o.sourceBy, usdPerToken(candidates)) : null,
    distributions: distributions(pairs),
    agreement: pairs.length ? agreementSummary(pairs, widest, o.level, problem(widest)) : null,
    calibration: calibrations(inputs),
    table: pairTable(pairStages, latest, memberships, { maxPairs: o.maxPairs, textChars: o.textChars }),
    clusters: clusters(inputs, { maxClusters: o.maxClusters, textChars: o.textChars }),
  };
}

/**
 * The generation stages' price per token: their USD cost over the tokens their
 * candidates used. An iteration's cost is its prompts' tokens at that price —
 * exact with one priced model, the average price with several.
 */
function usdPerToken(candidates: readonly Input[]): number | null {
  const cost = candidates.reduce((s, i) => s + (i.costUsd ?? 0), 0);
  const tokens = candidates.reduce((s, i) => s + [...i.tokens.values()].reduce((a, b) => a + b, 0), 0);
  return cost > 0 && tokens > 0 ? cost / tokens : null;
}
