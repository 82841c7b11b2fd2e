/**
 * What the report's upstream stages hold, told apart by their records' shape
 * (docs/records.md) rather than by which plugin made them, so the report takes
 * any mix of stages: prompts (dedup clusters), candidates (token usage), pairs
 * (the table, histograms, agreement), memberships (iterations) and per-judge
 * calibration records. Only calibration records are kept; every other pass
 * streams the stage again.
 */
import type { Artifact, Rec } from "../../engine/plugin.js";

export type InputKind = "prompts" | "candidates" | "pairs" | "memberships" | "calibration" | "other" | "empty";

export interface Input {
  stage: string;
  kind: InputKind;
  /** How many records the stage produced. */
  count: number;
  /** The stage's output, read again by each pass that needs its records (nothing holds them all). */
  artifact: Artifact;
  /** Calibration only: its records (one per judge). */
  records: Rec[];
  /** Pairs only: whether some pair carries `agreement` (the stage measured it). */
  carriesAgreement: boolean;
  /** What the stage's output cost in USD (its `cost.usd` tally), where it was priced. */
  costUsd: number | null;
}

export function kindOf(rec: Rec | undefined): InputKind {
  if (rec === undefined) return "empty";
  if (isObject(rec.chosen) && isObject(rec.rejected)) return "pairs";
  if (typeof rec.split === "string" && Array.isArray(rec.iterations)) return "memberships";
  if (Array.isArray(rec.candidates)) return "candidates";
  if (rec.prompt !== undefined) return "prompts";
  if (isObject(rec.calibration) && typeof rec.calibration.subject === "string") return "calibration";
  return "other";
}

/** One pass over a stage, keeping what tells it apart; it stops as soon as the rest could not change that. */
export async function readInput(artifact: Artifact): Promise<Input> {
  const cost = artifact.tallies["cost.usd"];
  const input: Input = { stage: artifact.stage, kind: "empty", count: artifact.count, artifact, records: [], carriesAgreement: false, costUsd: typeof cost === "number" ? cost : null };
  for await (const rec of artifact.records()) {
    if (input.kind === "empty") input.kind = kindOf(rec);
    if (input.kind === "calibration") input.records.push(rec);
    else if (input.kind === "pairs") input.carriesAgreement ||= isObject(rec.agreement);
    if (!readsOn(input)) break;
  }
  return input;
}

/** Calibration records are all kept; a pairs stage is read until a pair carries `agreement`; the rest is known from one record. */
function readsOn(input: Input): boolean {
  return input.kind === "calibration" || (input.kind === "pairs" && !input.carriesAgreement);
}

/** Tokens a candidates record's candidates used (prompt + completion). */
export function tokensOf(rec: Rec): number {
  let total = 0;
  for (const c of rec.candidates as unknown[]) {
    const usage = isObject(c) && isObject(c.usage) ? c.usage : undefined;
    if (!usage) continue;
    for (const k of ["prompt_tokens", "completion_tokens"]) if (typeof usage[k] === "number") total += usage[k] as number;
  }
  return total;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A prompt (text or conversation) as one line of text. */
export function promptText(prompt: unknown): string {
  if (typeof prompt === "string") return prompt;
  if (Array.isArray(prompt)) {
    return prompt.map((m) => (isObject(m) ? `${String(m.role)}: ${String(m.content)}` : String(m))).join("\n");
  }
  return prompt === undefined ? "" : JSON.stringify(prompt);
}

/** A dotted path's value (`meta.dataset`). */
export function pick(rec: unknown, path: string): unknown {
  return path.split(".").reduce<unknown>((v, k) => (isObject(v) ? v[k] : undefined), rec);
}
