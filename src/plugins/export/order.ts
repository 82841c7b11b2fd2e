/**
 * The order behind nested slices: the project's sample order of the prompts
 * (`ctx.sample.rank`, a seeded hash of the prompt id), the same order in
 * which `dpo build --iteration` admits prompts. The held-out split is the
 * first prompts of that order, the training pairs the ones after them, and
 * slices are prefixes; so when more prompts are admitted, every new pair
 * lands after all earlier ones: the eval split never changes, and iter-0100's
 * pairs are the first pairs of every later iteration. Strata are represented
 * as in a simple random sample (in proportion, in expectation); an exact
 * per-stratum quota would move earlier pairs whenever a later prompt arrives.
 */
import { rankHalves } from "../../engine/sample/order.js";
import type { ExportPair } from "./pairs.js";

/** What the split and the order read of a pair (a whole ExportPair or just its key, see pair-keys.ts). */
export type Orderable = Pick<ExportPair, "promptId">;

export interface Split<P extends Orderable = ExportPair> {
  /** Held-out pairs, whole prompt groups, in sample order. */
  eval: P[];
  /** The remaining pairs in sample order; slices are prefixes of it. */
  train: P[];
}

/**
 * Holds out whole prompt groups from the start of the sample order until
 * `evalSize` pairs are held out (the last group may overshoot by less than its
 * size), so no prompt straddles train and eval. Within a prompt, pairs keep
 * their input order (by id).
 *
 * Sorted as one column of pair positions by each pair's prompt rank (its first
 * 96 bits as two numbers: `rankHalves` in src/engine/sample/order.ts), then
 * prompt id and position: a prompt's pairs end up together and no object is
 * made per pair or prompt, so a million pairs cost a few typed arrays.
 */
export function splitAndOrder<P extends Orderable>(pairs: readonly P[], evalSize: number, rankOf: (promptId: string) => string): Split<P> {
  const high = new Float64Array(pairs.length);
  const low = new Float64Array(pairs.length);
  pairs.forEach((p, i) => ([high[i], low[i]] = rankHalves(rankOf(p.promptId))));
  const byRank = (a: number, b: number): number => {
    if (high[a] !== high[b]) return high[a]! - high[b]!;
    if (low[a] !== low[b]) return low[a]! - low[b]!;
    const [pa, pb] = [pairs[a]!.promptId, pairs[b]!.promptId];
    if (pa === pb) return a - b;
    const [ra, rb] = [rankOf(pa), rankOf(pb)]; // the same 96 bits: the rest of the rank decides, as the rank strings would
    return ra < rb ? -1 : ra > rb ? 1 : pa < pb ? -1 : 1;
  };
  const order = Uint32Array.from(pairs.keys()).sort(byRank);
  const evalPairs: P[] = [];
  const train: P[] = [];
  let into = evalPairs;
  order.forEach((at, i) => {
    const p = pairs[at]!;
    // A new prompt starts here: it goes to eval while eval is short.
    if (i === 0 || pairs[order[i - 1]!]!.promptId !== p.promptId) into = evalPairs.length < evalSize ? evalPairs : train;
    into.push(p);
  });
  return { eval: evalPairs, train };
}
