/**
 * What an iteration cost: the LLM calls, tokens and USD of every prompt it
 * consumed (./consumption.ts) — all of its candidates' generation and all of
 * their judgements, whether or not the prompt yielded a pair. The stages named
 * in `with.costs` (each in `needs`) carry the costs on their records, as the
 * plugins that made the calls put them there from the calls' memoised usage
 * (generate/llm: a candidate's `cost.generate`; judge/rubric: its
 * `cost["judge:<id>"]`; any record's own `cost`). They are summed per prompt,
 * then over the prompts up to the iteration's consumed place, in sample
 * order: a function of the consumed prompts only, so an iteration's cost is
 * the same in every build that holds it, fresh or from the memo.
 */
import type { Artifact, PluginContext, SampleOrder } from "../../engine/plugin.js";
import type { Rec } from "../../engine/plugin.js";
import { addCost, asRecordCost, ZERO_COST, type RecordCost } from "../../providers/record-cost.js";

export const COSTS_SCHEMA = {
  description:
    "Stages (each also in `needs`) whose records carry the cost of the LLM calls they were made from: usually the judge stage, " +
    "whose candidates carry their generation's and their judges' cost (plus a judge/pairwise stage, if any). Each iteration's manifest " +
    "then says what the prompts it consumed cost: calls, tokens and USD at the providers' prices. Absent: no cost in the manifests.",
  type: "array",
  minItems: 1,
  uniqueItems: true,
  items: { description: "A stage name.", type: "string", minLength: 1 },
} as const;

/** The `cost` of an iteration's manifest. */
export interface IterationCost {
  /** The stages the costs were read from. */
  from: readonly string[];
  calls: number;
  tokens: { prompt: number; completion: number; estimated: number };
  /** USD of the priced calls, 6 decimals; null when calls were made and none was priced. */
  usd: number | null;
  /** Calls of models without a price (not in `usd`). */
  unpricedCalls: number;
}

/** Each prompt's cost, by prompt id, over the `costs` stages. */
export interface PromptCosts {
  from: readonly string[];
  byPrompt: ReadonlyMap<string, RecordCost>;
}

/** The `costs` stages' artifacts, or a located failure when one is not in `needs`. */
export function costInputs(ctx: PluginContext<{ costs?: string[] }>): Artifact[] {
  const names = ctx.with.costs ?? [];
  const byStage = new Map(Object.values(ctx.inputs).map((a) => [a.stage, a]));
  return names.map((name, i) => {
    const artifact = byStage.get(name);
    if (!artifact) ctx.fail(`/with/costs/${i}`, `stage "${name}" is not in \`needs\` of "${ctx.stage}"`, `add "${name}" to \`needs\` (costs are read from its records)`);
    return artifact!;
  });
}

/** Streams each cost stage once, summing per prompt (a record's prompt: its `promptId`, else its id). Null when no stage is named. */
export async function promptCosts(artifacts: readonly Artifact[]): Promise<PromptCosts | null> {
  if (artifacts.length === 0) return null;
  const byPrompt = new Map<string, RecordCost>();
  for (const artifact of artifacts) {
    for await (const r of artifact.records()) {
      const promptId = typeof r.promptId === "string" ? r.promptId : r.id;
      byPrompt.set(promptId, addCost(byPrompt.get(promptId) ?? ZERO_COST, costOfRecord(r)));
    }
  }
  return { from: artifacts.map((a) => a.stage), byPrompt };
}

/** A record's own `cost` and its candidates' (not a pair's chosen/rejected: those are the judge stage's, counted there). */
export function costOfRecord(r: Rec): RecordCost {
  let total = sumCostMap(r.cost);
  if (Array.isArray(r.candidates)) for (const c of r.candidates) total = addCost(total, sumCostMap((c as Rec | null)?.cost));
  return total;
}

/** A `cost` field: one RecordCost, or a map of them by who spent it (`generate`, `judge:<id>`). */
function sumCostMap(v: unknown): RecordCost {
  const single = asRecordCost(v);
  if (single) return single;
  if (typeof v !== "object" || v === null) return ZERO_COST;
  let total = ZERO_COST;
  for (const k of Object.keys(v).sort()) total = addCost(total, asRecordCost((v as Record<string, unknown>)[k]) ?? ZERO_COST);
  return total;
}

/** The cost of the first `promptsConsumed` prompts of the sample order, summed in that order (so USD sums the same way in every build). */
export function iterationCost(costs: PromptCosts, promptsConsumed: number, sample: SampleOrder): IterationCost {
  const consumed: { place: number; cost: RecordCost }[] = [];
  for (const [id, cost] of costs.byPrompt) {
    const place = sample.position(id);
    if (place !== undefined && place <= promptsConsumed) consumed.push({ place, cost });
  }
  consumed.sort((a, b) => a.place - b.place);
  let total = ZERO_COST;
  for (const c of consumed) total = addCost(total, c.cost);
  const unpricedCalls = total.unpriced ?? 0;
  const usd = total.usd !== undefined ? Math.round(total.usd * 1e6) / 1e6 : total.calls === 0 ? 0 : null;
  return {
    from: costs.from,
    calls: total.calls,
    tokens: { prompt: total.prompt, completion: total.completion, estimated: total.estimated ?? 0 },
    usd,
    unpricedCalls,
  };
}
