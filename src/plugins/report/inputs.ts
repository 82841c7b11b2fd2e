/**
 * What the report's upstream stages hold, told apart by their records' shape
 * (docs/records.md) rather than by which plugin made them, so the report takes
 * any mix of stages: prompts (dedup clusters), candidates (token usage), pairs
 * (the table, histograms, agreement), memberships (iterations) and per-judge
 * calibration records. Candidate texts are never kept: only their token counts.
 */
import type { Artifact, Rec } from "../../engine/plugin.js";

export type InputKind = "prompts" | "candidates" | "pairs" | "memberships" | "calibration" | "other" | "empty";

export interface Input {
  stage: string;
  kind: InputKind;
  /** How many records the stage produced. */
  count: number;
  /** The records, for every kind but candidates (empty) . */
  records: Rec[];
  /** Candidates only: prompt id → tokens its candidates used (prompt + completion). */
  tokens: Map<string, number>;
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

export async function readInput(artifact: Artifact): Promise<Input> {
  const cost = artifact.tallies["cost.usd"];
  const input: Input = { stage: artifact.stage, kind: "empty", count: artifact.count, records: [], tokens: new Map(), costUsd: typeof cost === "number" ? cost : null };
  for await (const rec of artifact.records()) {
    if (input.kind === "empty") input.kind = kindOf(rec);
    if (input.kind === "candidates") {
      const used = tokensOf(rec);
      if (used > 0) input.tokens.set(rec.id, used);
    } else input.records.push(rec);
  }
  return input;
}

function tokensOf(rec: Rec): number {
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
