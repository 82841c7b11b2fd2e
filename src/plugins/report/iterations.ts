/**
 * Per export iteration (from export/iterations' membership records): how many
 * train and eval pairs and prompts it holds, their mean margin, the tokens
 * their prompts' candidates cost to generate (when a candidates stage is an
 * input and its candidates record usage) and where its pairs come from.
 */
import type { Rec } from "../../engine/plugin.js";
import { pick } from "./inputs.js";
import { numberOrNull } from "./pairs-table.js";

export interface IterationRow {
  name: string;
  train: number;
  eval: number;
  prompts: number;
  marginMean: number | null;
  /** Null when no input records token usage. */
  tokens: number | null;
  /** The tokens at the generation stages' price per token; null when unpriced. */
  usd: number | null;
  /** Source (the `sourceBy` field, else the source file) → pairs, sorted by source. */
  sources: Record<string, number>;
}

export interface Iterations {
  rows: IterationRow[];
  /** Train pairs beyond the largest slice. */
  unused: number;
}

export const UNKNOWN = "(unknown)";

export function iterations(
  memberships: readonly Rec[],
  pairs: ReadonlyMap<string, Rec>,
  tokens: ReadonlyMap<string, number> | null,
  sourceBy: string,
  usdPerToken: number | null = null,
): Iterations {
  const names = new Set(memberships.flatMap((m) => (Array.isArray(m.iterations) ? m.iterations.map(String) : [])));
  const evalSet = memberships.filter((m) => m.split === "eval");
  const rows = [...names].map((name) => {
    const train = memberships.filter((m) => m.split === "train" && (m.iterations as unknown[]).includes(name));
    const all = [...train, ...evalSet];
    const prompts = new Set(all.map((m) => String(m.promptId)));
    const used = tokens && tokens.size > 0 ? [...prompts].reduce((s, p) => s + (tokens.get(p) ?? 0), 0) : null;
    const margins = all.flatMap((m) => {
      const v = numberOrNull(pairs.get(m.id)?.margin);
      return v === null ? [] : [v];
    });
    return {
      name,
      train: train.length,
      eval: evalSet.length,
      prompts: prompts.size,
      marginMean: meanOf(margins),
      tokens: used,
      usd: used !== null && usdPerToken !== null ? Math.round(used * usdPerToken * 10_000) / 10_000 : null,
      sources: countBy(all.map((m) => sourceOf(pairs.get(m.id), sourceBy))),
    };
  });
  rows.sort((a, b) => a.train - b.train || (a.name < b.name ? -1 : 1));
  return { rows, unused: memberships.filter((m) => m.split === "unused").length };
}

export function sourceOf(pair: Rec | undefined, sourceBy: string): string {
  const value = pick(pair, sourceBy);
  if (typeof value === "string" || typeof value === "number") return String(value);
  const file = pick(pair, "source.file");
  return typeof file === "string" ? file : UNKNOWN;
}

/** Sorted first: a float sum depends on its order. */
function meanOf(values: number[]): number | null {
  if (values.length === 0) return null;
  return [...values].sort((a, b) => a - b).reduce((s, v) => s + v, 0) / values.length;
}

function countBy(keys: readonly string[]): Record<string, number> {
  const counts = new Map<string, number>();
  for (const k of keys) counts.set(k, (counts.get(k) ?? 0) + 1);
  return Object.fromEntries([...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
