/**
 * What an iteration consumed of the project's sample order: its pairs (train
 * and held out) came from prompts up to some place in that order, and every
 * prompt before it was generated, judged and paired too, whether or not it
 * yielded a pair (ties, gates, disputes, duplicates). So "prompts consumed"
 * is that place, and the yield is pairs per prompt consumed. Both depend only
 * on the iteration's own pairs: the same in every build that holds them.
 */
import type { SampleOrder } from "../../engine/plugin.js";
import type { ExportPair } from "./pairs.js";

export interface Consumption {
  /** Prompts of the sample order up to the last one this iteration's pairs came from. */
  promptsConsumed: number;
  pairs: number;
  /** Pairs per prompt consumed, 4 decimals. */
  yield: number;
}

/** Null when the build knows nothing of the sample order (a plugin test) or there are no pairs. */
export function consumption(pairs: readonly ExportPair[], sample: SampleOrder): Consumption | null {
  let last = 0;
  for (const p of pairs) last = Math.max(last, sample.position(p.promptId) ?? 0);
  if (last === 0) return null;
  return { promptsConsumed: last, pairs: pairs.length, yield: Math.round((pairs.length / last) * 1e4) / 1e4 };
}
