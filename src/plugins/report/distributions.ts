/**
 * The numbers behind the report's histograms, added pair by pair: per
 * criterion the chosen and rejected sides' scores (combined over judges, as
 * the pair records them) and their deltas; overall the aggregate scores and
 * margins.
 */
import type { Rec } from "../../engine/plugin.js";
import { isObject } from "./inputs.js";
import { numberOrNull } from "./pairs-table.js";

export interface Distribution {
  chosen: number[];
  rejected: number[];
  /** chosen − rejected. */
  deltas: number[];
}

export interface Distributions {
  overall: Distribution;
  /** Criterion id → its distribution, in the order criteria first appear. */
  criteria: Map<string, Distribution>;
}

export function emptyDistributions(): Distributions {
  return { overall: empty(), criteria: new Map() };
}

/** Adds one pair's numbers: pairs come one at a time, and only these numbers are kept of them. */
export function addPair(d: Distributions, pair: Rec): void {
  add(d.overall, isObject(pair.chosen) ? pair.chosen.score : null, isObject(pair.rejected) ? pair.rejected.score : null, pair.margin);
  for (const c of Array.isArray(pair.criteria) ? pair.criteria : []) {
    if (!isObject(c) || typeof c.id !== "string") continue;
    const criterion = d.criteria.get(c.id) ?? d.criteria.set(c.id, empty()).get(c.id)!;
    add(criterion, c.chosen, c.rejected, c.delta);
  }
}

function add(d: Distribution, chosen: unknown, rejected: unknown, delta: unknown): void {
  const [c, r, m] = [numberOrNull(chosen), numberOrNull(rejected), numberOrNull(delta)];
  if (c !== null) d.chosen.push(c);
  if (r !== null) d.rejected.push(r);
  if (m !== null) d.deltas.push(m);
}

function empty(): Distribution {
  return { chosen: [], rejected: [], deltas: [] };
}
