/**
 * The seeded, stratified order behind nested slices: each stratum is shuffled
 * on its own, then the strata are interleaved so that every prefix of the
 * result holds each stratum in (very nearly) its overall proportion. Slices are
 * prefixes of one order, so a larger slice always contains a smaller one, and
 * the first iteration is as representative as the last.
 */
import type { Rng } from "../../engine/rng.js";
import type { ExportPair } from "./pairs.js";

/**
 * Interleaves lists so the first k items hold list s about k·n_s/N times: at
 * each step the list furthest behind its quota goes next (largest remainder),
 * ties to the earlier key. Integer arithmetic only, so no float can tip a tie.
 */
export function interleave<T>(strata: ReadonlyMap<string, readonly T[]>): T[] {
  const keys = [...strata.keys()].sort();
  const lists = keys.map((k) => strata.get(k)!);
  const total = lists.reduce((n, l) => n + l.length, 0);
  const taken = lists.map(() => 0);
  const out: T[] = [];
  for (let k = 1; k <= total; k++) {
    let best = -1;
    let bestDeficit = -Infinity;
    lists.forEach((list, s) => {
      if (taken[s]! >= list.length) return;
      const deficit = k * list.length - taken[s]! * total; // (k·n_s/N − taken_s)·N
      if (deficit > bestDeficit) [best, bestDeficit] = [s, deficit];
    });
    out.push(lists[best]![taken[best]!]!);
    taken[best]!++;
  }
  return out;
}

/** Shuffles each stratum with its own seeded stream, then interleaves them. */
export function stratifiedOrder<T>(
  items: readonly T[],
  stratumOf: (item: T) => string,
  rngFor: (stratum: string) => Rng,
): T[] {
  const strata = new Map<string, T[]>();
  for (const item of items) {
    const s = stratumOf(item);
    const list = strata.get(s);
    if (list) list.push(item);
    else strata.set(s, [item]);
  }
  const shuffled = new Map([...strata].map(([s, list]) => [s, rngFor(s).shuffle(list)] as const));
  return interleave(shuffled);
}

/** What the split and the order read of a pair (a whole ExportPair or just its key). */
export type Orderable = Pick<ExportPair, "promptId" | "stratum">;

export interface Split<P extends Orderable = ExportPair> {
  /** Held-out pairs, whole prompt groups, in draw order. */
  eval: P[];
  /** The remaining pairs in their stratified order; slices are prefixes of it. */
  train: P[];
}

/**
 * Draws the held-out split first, by prompt: whole prompt groups are taken in
 * a stratified order until `evalSize` pairs are held out (the last group may
 * overshoot by less than its size), so no prompt straddles train and eval.
 * A group's stratum is that of its first pair. Then orders the rest.
 */
export function splitAndOrder<P extends Orderable>(pairs: readonly P[], evalSize: number, rng: (...labels: unknown[]) => Rng): Split<P> {
  const groups = groupByPrompt(pairs);
  const drawn = stratifiedOrder(groups, (g) => g[0]!.stratum, (s) => rng("eval", s));
  const evalPairs: P[] = [];
  const held = new Set<string>();
  for (const group of drawn) {
    if (evalPairs.length >= evalSize) break;
    evalPairs.push(...group);
    held.add(group[0]!.promptId);
  }
  const rest = pairs.filter((p) => !held.has(p.promptId));
  const train = stratifiedOrder(rest, (p) => p.stratum, (s) => rng("train", s));
  return { eval: evalPairs, train };
}

/** Pairs grouped by prompt, groups in order of their first pair (input order is by id). */
function groupByPrompt<P extends Orderable>(pairs: readonly P[]): P[][] {
  const groups = new Map<string, P[]>();
  for (const p of pairs) {
    const g = groups.get(p.promptId);
    if (g) g.push(p);
    else groups.set(p.promptId, [p]);
  }
  return [...groups.values()];
}
