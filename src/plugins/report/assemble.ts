/**
 * Everything the report shows, computed from its inputs before any HTML is
 * written: in-process and deterministic (sorted, no clock), so tests check the
 * figures without a browser and rebuilds give the same bytes. The inputs are
 * streamed, never held: what is kept is the rows shown, the shown clusters
 * and a few numbers per pair (histograms, agreement, iteration margins).
 */
import type { Diagnostic } from "../../engine/diagnostic.js";
import type { Level } from "../quality/metrics/krippendorff-alpha.js";
import { AgreementSummaryCollector, type AgreementSummary } from "./agreement.js";
import { calibrations, type Calibration } from "./calibration.js";
import { clusters, type Clusters } from "./clusters.js";
import { addPair, emptyDistributions, type Distributions } from "./distributions.js";
import { tokensOf, type Input, type InputKind } from "./inputs.js";
import { IterationsCollector, type Iterations, type Tokens } from "./iterations.js";
import { joinPairs } from "./pair-join.js";
import { orderPairStages, PairTableCollector, type PairTable } from "./pairs-table.js";

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

/**
 * `problem(stage)` makes the located error for a malformed record of that
 * stage. The pairs and memberships are read once, joined by id; the prompts
 * twice (clusters, then their members' texts); the candidates once, for the
 * iterations' tokens.
 */
export async function assemble(inputs: readonly Input[], o: ReportOptions, problem: (stage: string) => (message: string, hint: string) => Diagnostic): Promise<ReportData> {
  const pairStages = orderPairStages(inputs);
  const membershipStage = inputs.find((i) => i.kind === "memberships") ?? null;
  const candidates = inputs.filter((i) => i.kind === "candidates");
  const widest = pairStages[0]?.stage ?? "";
  const distributions = emptyDistributions();
  const agreement = new AgreementSummaryCollector(widest, problem(widest));
  const table = new PairTableCollector(pairStages, membershipStage !== null, { maxPairs: o.maxPairs, textChars: o.textChars });
  const iterations = new IterationsCollector(o.sourceBy);
  for await (const joined of joinPairs(pairStages, membershipStage)) {
    if (joined.rec) {
      addPair(distributions, joined.rec);
      agreement.add(joined.rec);
    }
    table.add(joined);
    if (joined.membership) iterations.add(joined.membership, joined.rec);
  }
  const prompts = inputs.filter((i) => i.kind === "prompts").map((i) => i.count);
  return {
    title: o.title,
    funnel: inputs.map((i) => ({ stage: i.stage, kind: i.kind, records: i.count, costUsd: i.costUsd })),
    sourcePrompts: prompts.length ? Math.max(...prompts) : null,
    iterations: membershipStage ? iterations.result(await readTokens(candidates, iterations)) : null,
    distributions,
    agreement: agreement.summary(o.level),
    calibration: calibrations(inputs),
    table: table.result(),
    clusters: await clusters(inputs, { maxClusters: o.maxClusters, textChars: o.textChars }),
  };
}

/**
 * One read of the candidates stages, for the iterations: each exported
 * prompt's tokens, and the stages' price per token — their USD cost over the
 * tokens their candidates used. An iteration's cost is its prompts' tokens at
 * that price: exact with one priced model, the average price with several.
 */
async function readTokens(candidates: readonly Input[], iterations: IterationsCollector): Promise<Tokens> {
  let [cost, tokens] = [0, 0];
  for (const input of candidates) {
    cost += input.costUsd ?? 0;
    for await (const rec of input.artifact.records()) {
      const used = tokensOf(rec);
      tokens += used;
      if (used > 0) iterations.addTokens(rec.id, used);
    }
  }
  return { any: tokens > 0, usdPerToken: cost > 0 && tokens > 0 ? cost / tokens : null };
}
