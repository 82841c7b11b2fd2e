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
 * their id order.
 */
export function splitAndOrder<P extends Orderable>(pairs: readonly P[], evalSize: number, rankOf: (promptId: string) => string): Split<P> {
  const groups = inSampleOrder(groupByPrompt(pairs), rankOf);
  const evalPairs: P[] = [];
  const train: P[] = [];
  for (const group of groups) (evalPairs.length < evalSize ? evalPairs : train).push(...group);
  return { eval: evalPairs, train };
}

function inSampleOrder<P extends Orderable>(groups: P[][], rankOf: (promptId: string) => string): P[][] {
  const ranked = groups.map((g) => ({ g, id: g[0]!.promptId, rank: rankOf(g[0]!.promptId) }));
  ranked.sort((a, b) => (a.rank < b.rank ? -1 : a.rank > b.rank ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return ranked.map((r) => r.g);
}

/** Pairs grouped by prompt, each group in input order (by id). */
function groupByPrompt<P extends Orderable>(pairs: readonly P[]): P[][] {
  const groups = new Map<string, P[]>();
  for (const p of pairs) {
    const g = groups.get(p.promptId);
    if (g) g.push(p);
    else groups.set(p.promptId, [p]);
  }
  return [...groups.values()];
}
