/**
 * The compact cost a record carries of the LLM calls it was made from: calls,
 * tokens (the estimated share marked) and USD at the provider's prices when
 * every call was priced (`unpriced` counts those that were not). Built from
 * the calls' memoised usage records, so a record is the same fresh, from the
 * memo or under `dpo verify`; the prices are part of the key of the stage that
 * computes it, so a changed price re-runs that stage (from the memo, no calls).
 */
import { costUsd, type CallUsage, type Price } from "./usage.js";

export interface RecordCost {
  calls: number;
  prompt: number;
  completion: number;
  /** Tokens that are dpo's estimate (the endpoint reported none); absent when none are. */
  estimated?: number;
  /** USD of the priced calls; absent when none was priced. */
  usd?: number;
  /** Calls whose model has no price; absent when every call was priced. */
  unpriced?: number;
}

/** USD amounts kept to this many decimals, so sums do not carry float noise into records. */
const USD_DECIMALS = 1e9;
export const roundUsd = (usd: number): number => Math.round(usd * USD_DECIMALS) / USD_DECIMALS;

/** The cost of `calls` of `model`; priced with `price` when there is one. */
export function recordCost(calls: readonly CallUsage[], price: Price | undefined): RecordCost {
  let prompt = 0;
  let completion = 0;
  let estimated = 0;
  let usd = 0;
  for (const c of calls) {
    prompt += c.prompt;
    completion += c.completion;
    if (c.estimated) estimated += c.prompt + c.completion;
    if (price) usd += costUsd(c, price);
  }
  // Set in this order (the record's key order), without spreading a literal per field: this runs for every candidate.
  const cost: RecordCost = { calls: calls.length, prompt, completion };
  if (estimated > 0) cost.estimated = estimated;
  if (price && calls.length > 0) cost.usd = roundUsd(usd);
  if (!price && calls.length > 0) cost.unpriced = calls.length;
  return cost;
}

export const ZERO_COST: RecordCost = { calls: 0, prompt: 0, completion: 0 };

export function addCost(a: RecordCost, b: RecordCost): RecordCost {
  const estimated = (a.estimated ?? 0) + (b.estimated ?? 0);
  const priced = a.usd !== undefined || b.usd !== undefined;
  const unpriced = (a.unpriced ?? 0) + (b.unpriced ?? 0);
  return {
    calls: a.calls + b.calls,
    prompt: a.prompt + b.prompt,
    completion: a.completion + b.completion,
    ...(estimated > 0 ? { estimated } : {}),
    ...(priced ? { usd: roundUsd((a.usd ?? 0) + (b.usd ?? 0)) } : {}),
    ...(unpriced > 0 ? { unpriced } : {}),
  };
}

/** A record's cost as stored, or undefined when `v` is not one (a damaged or foreign field counts nothing). */
export function asRecordCost(v: unknown): RecordCost | undefined {
  const c = v as Partial<RecordCost> | undefined;
  if (typeof c !== "object" || c === null || !isCount(c.calls) || !isCount(c.prompt) || !isCount(c.completion)) return undefined;
  return {
    calls: c.calls,
    prompt: c.prompt,
    completion: c.completion,
    ...(isCount(c.estimated) && c.estimated > 0 ? { estimated: c.estimated } : {}),
    ...(isCount(c.usd) ? { usd: c.usd } : {}),
    ...(isCount(c.unpriced) && c.unpriced > 0 ? { unpriced: c.unpriced } : {}),
  };
}

const isCount = (n: unknown): n is number => typeof n === "number" && Number.isFinite(n) && n >= 0;
