/**
 * The rows of the report's pair table, from every pairs stage it takes.
 *
 * A pair is shown as the most downstream stage has it (with `agreement`, once
 * quality/agreement has run), and with its fate: the export iterations holding
 * it, or the stage that dropped it. Stages are ordered by record count, largest
 * first — the stages after pair/* only ever drop pairs — so a pair missing from
 * a stage was dropped by that stage. A pair dropped by a stage that adds
 * `agreement` (quality/agreement with `filter: drop`) was dropped as disputed.
 */
import type { Rec } from "../../engine/plugin.js";
import { truncate } from "./escape.js";
import { isObject, promptText, type Input } from "./inputs.js";
import type { JoinedPair } from "./pair-join.js";

export interface PairSide {
  model: string;
  score: number | null;
  text: string;
}

export interface PairRow {
  id: string;
  prompt: string;
  chosen: PairSide;
  rejected: PairSide;
  margin: number | null;
  reason: string;
  criteria: { id: string; delta: number | null }[];
  judges: { judge: string; prefers: string; chosen: number | null; rejected: number | null }[];
  /** Share of judges preferring chosen (from quality/agreement), null when not measured. */
  share: number | null;
  /** "pair": disputed overall; "criterion": only on some criteria (`disputedOn`). */
  dispute: "pair" | "criterion" | null;
  disputedOn: string[];
  /** Where it went: iterations, "eval", "unused", "dropped by <stage>", "kept". */
  fate: string;
}

export interface PairTable {
  rows: PairRow[];
  total: number;
  disputed: number;
  criterionDisputed: number;
  /** Set when not every pair is shown: what is. */
  note: string | null;
  /** The pairs stages, largest first. */
  stages: string[];
}

export interface TableOptions {
  maxPairs: number;
  textChars: number;
}

/** Pairs inputs, largest first (needs order among equals): upstream before downstream. */
export function orderPairStages(inputs: readonly Input[]): Input[] {
  return inputs
    .map((input, i) => ({ input, i }))
    .filter(({ input }) => input.kind === "pairs")
    .sort((a, b) => b.input.count - a.input.count || a.i - b.i)
    .map(({ input }) => input);
}

/**
 * Takes the joined pairs in id order (pair-join.ts) and keeps the rows shown —
 * the first `maxPairs`, and up to `maxPairs` disputed ones after them —
 * counting the rest. Disputes are the rows worth reading, but a dataset with
 * 40 % disputed pairs would otherwise put every one of a million pairs'
 * rows in memory and on the page.
 */
export class PairTableCollector {
  private readonly rows: PairRow[] = [];
  private total = 0;
  private disputed = 0;
  private criterionDisputed = 0;
  /** Disputed pairs after the first `maxPairs`: how many were seen, and how many of them have a row. */
  private disputedAfter = 0;
  private disputedAfterShown = 0;

  constructor(
    private readonly pairStages: readonly Input[],
    private readonly exported: boolean,
    private readonly o: TableOptions,
  ) {}

  add({ rec, stage, membership }: JoinedPair): void {
    if (!rec) return;
    const dropper = stage < this.pairStages.length - 1 ? stage + 1 : undefined;
    const droppedAsDisputed = dropper !== undefined && !isObject(rec.agreement) && this.pairStages[dropper]!.carriesAgreement;
    const fate = dropper !== undefined ? `dropped by ${this.pairStages[dropper]!.stage}` : this.exported ? fateInExport(membership) : "kept";
    const dispute = disputeOf(rec, droppedAsDisputed);
    if (dispute.dispute === "pair") this.disputed++;
    if (dispute.dispute === "criterion") this.criterionDisputed++;
    // Only a shown pair's row is built: the texts are cut for the page, and most pairs are not on it.
    if (this.total++ < this.o.maxPairs || this.showsDisputed(dispute)) this.rows.push(rowOf(rec, fate, droppedAsDisputed, dispute, this.o.textChars));
  }

  /** Past the first `maxPairs`: a disputed pair, while fewer than `maxPairs` of those have a row. */
  private showsDisputed(dispute: Dispute): boolean {
    if (dispute.dispute === null) return false;
    this.disputedAfter++;
    if (this.disputedAfterShown >= this.o.maxPairs) return false;
    this.disputedAfterShown++;
    return true;
  }

  result(): PairTable {
    const { rows, total } = this;
    const hidden = this.disputedAfter - this.disputedAfterShown;
    const pairs = (n: number) => `${n} disputed pair${n === 1 ? "" : "s"}`;
    const disputedShown = hidden === 0 ? "every disputed pair" : `the first ${pairs(this.disputedAfterShown)} after them, not ${hidden} more`;
    const note = rows.length < total ? `showing ${rows.length} of ${total} pairs: the first ${this.o.maxPairs} by id and ${disputedShown} (raise \`maxPairs\` to show more)` : null;
    return { rows, total, disputed: this.disputed, criterionDisputed: this.criterionDisputed, note, stages: this.pairStages.map((s) => s.stage) };
  }
}

function fateInExport(m: Rec | undefined): string {
  if (!m) return "not exported";
  if (m.split === "eval") return "eval";
  const iterations = Array.isArray(m.iterations) ? m.iterations.map(String) : [];
  return iterations.length > 0 ? iterations.join(", ") : "unused";
}

type Dispute = Pick<PairRow, "dispute" | "disputedOn">;

function disputeOf(rec: Rec, droppedAsDisputed: boolean): Dispute {
  const agreement = isObject(rec.agreement) ? rec.agreement : undefined;
  const byCriterion = agreement && isObject(agreement.criteria) ? agreement.criteria : {};
  const disputedOn = Object.keys(byCriterion).filter((c) => isObject(byCriterion[c]) && byCriterion[c].disputed === true);
  const overall = agreement?.disputed === true || droppedAsDisputed;
  return { dispute: overall ? "pair" : disputedOn.length > 0 ? "criterion" : null, disputedOn };
}

function rowOf(rec: Rec, fate: string, droppedAsDisputed: boolean, { dispute, disputedOn }: Dispute, textChars: number): PairRow {
  const agreement = isObject(rec.agreement) ? rec.agreement : undefined;
  return {
    id: rec.id,
    prompt: truncate(promptText(rec.prompt), textChars),
    chosen: sideOf(rec.chosen, textChars),
    rejected: sideOf(rec.rejected, textChars),
    margin: numberOrNull(rec.margin),
    reason: typeof rec.reason === "string" ? rec.reason : "",
    criteria: (Array.isArray(rec.criteria) ? rec.criteria : []).filter(isObject).map((c) => ({ id: String(c.id), delta: numberOrNull(c.delta) })),
    judges: (Array.isArray(rec.judges) ? rec.judges : []).filter(isObject).map((j) => ({
      judge: String(j.judge),
      prefers: String(j.prefers),
      chosen: numberOrNull(j.chosen),
      rejected: numberOrNull(j.rejected),
    })),
    share: numberOrNull(agreement?.share),
    dispute,
    disputedOn,
    fate: droppedAsDisputed ? `${fate} (disputed)` : fate,
  };
}

function sideOf(side: unknown, textChars: number): PairSide {
  const s = isObject(side) ? side : {};
  return { model: typeof s.model === "string" ? s.model : "", score: numberOrNull(s.score), text: truncate(typeof s.text === "string" ? s.text : "", textChars) };
}

export function numberOrNull(v: unknown): number | null {
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}
