/**
 * judge/pairwise: after pairing, asks LLM judges which side of each pair is
 * better, per criterion or overall, in both orders (chosen shown first, then
 * second), and adds each judge's verdict to the pair's `judges` list
 * (pairwise-entry.ts), where agreement, disputes, calibration and exports use
 * it like any judge. Reports each judge's position-consistency rate.
 */
import type { RecordCost } from "../../providers/record-cost.js";
import { failFastLimit, type Limit } from "../../engine/async/fail-fast-limit.js";
import { mapOrdered } from "../../engine/async/map-ordered.js";
import { definePlugin, type PluginContext, type Rec } from "../../engine/plugin.js";
import { anyQueuesCalls, callLimit, type LlmProvider } from "../../providers/llm.js";
import { loadRubric } from "../rubric/load.js";
import { inputCount } from "../stream/inputs.js";
import type { Rubric } from "../rubric/model.js";
import { isEnabled } from "./config.js";
import type { PromptValue } from "./judgement.js";
import { pairwiseJudgeSchema, pairwiseSettings, type PairwiseJudgeConfig } from "./pairwise-config.js";
import { pairwiseEntry } from "./pairwise-entry.js";
import { judgePair, type PairwiseJudge, type QuestionOutcome } from "./pairwise-judge.js";

interface With {
  rubric: string;
  judges: PairwiseJudgeConfig[];
  concurrency: number;
}

interface PairRecord extends Rec {
  prompt: PromptValue;
  chosen: { text: string };
  rejected: { text: string };
  judges: { judge: string }[];
}

export default definePlugin<With>({
  name: "judge/pairwise",
  version: "2", // 2: pairs carry their pairwise judges' cost
  description: "Asks LLM judges which side of each pair is better, in both orders; a verdict counts only when both orders agree.",
  inputs: { min: 1, max: 1, accepts: ["pairs"] },
  output: "pairs",
  schema: {
    type: "object",
    additionalProperties: false,
    required: ["rubric", "judges"],
    properties: {
      rubric: { type: "string", dpo: "file", description: "The rubric file (YAML) whose criteria the judges compare the two sides on." },
      judges: { type: "array", minItems: 1, items: pairwiseJudgeSchema, description: "The pairwise judges; each adds one entry to every pair's `judges`." },
      concurrency: { type: "integer", dpo: "tuning", minimum: 1, default: 8, description: "How many judge calls run at once (the provider may limit further)." },
    },
  },
  /** The rubric is checked when the config loads, as judge/rubric's is: a mistake in it costs no call. */
  async checkFiles(ctx) {
    await loadRubric(ctx, ctx.with.rubric);
  },
  async *run(ctx) {
    const rubric = await loadRubric(ctx, ctx.with.rubric);
    const judges = activeJudges(ctx);
    ctx.progress.total(inputCount(ctx.inputs));
    const width = callLimit(ctx.with.concurrency, judges.map((j) => j.provider));
    const limit = failFastLimit(width, ctx.signal);
    const tallies = new Map(judges.map((j) => [j.id, { consistent: 0, asked: 0 }]));
    // Pairs are read a window ahead of the oldest one still being judged: memory follows the window, not the input.
    // A provider that queues calls into batches gets every pair at once (callLimit lifts the limit), or each batch would hold a few.
    const window = anyQueuesCalls(judges.map((j) => j.provider)) ? width : Math.max(width * 4, 16);
    yield* mapOrdered(pairRecords(ctx), window, ctx.signal, async (pair) => {
      const costs = new Map<string, RecordCost>();
      const outcomes = await Promise.all(judges.map((j) => judgeOne(ctx, j, rubric, pair, limit, (c) => costs.set(`judge:${j.id}`, c))));
      ctx.progress.tick(1);
      return withCosts(withVerdicts(ctx, pair, judges, rubric, outcomes, tallies), costs);
    });
    for (const [id, t] of tallies) reportConsistency(ctx, id, t);
  },
});

function activeJudges(ctx: PluginContext<With>): PairwiseJudge[] {
  const seen = new Set<string>();
  ctx.with.judges.forEach((j, i) => {
    if (seen.has(j.id)) ctx.fail(`/with/judges/${i}/id`, `two judges are called "${j.id}"`, "give each judge its own id");
    seen.add(j.id);
  });
  for (const j of ctx.with.judges) if (!isEnabled(j)) ctx.log.info(`judge "${j.id}" is disabled`);
  return ctx.with.judges.filter(isEnabled).map((j) => ({ id: j.id, settings: pairwiseSettings(j), provider: ctx.provider<LlmProvider>(j.provider) }));
}

async function* pairRecords(ctx: PluginContext<With>): AsyncGenerator<PairRecord> {
  for (const artifact of Object.values(ctx.inputs)) {
    for await (const r of artifact.records()) {
      const p = r as Partial<PairRecord>;
      if (p.prompt === undefined || typeof p.chosen?.text !== "string" || typeof p.rejected?.text !== "string" || !Array.isArray(p.judges)) {
        ctx.fail("/needs", `stage "${ctx.stage}" expects pair records (prompt, chosen, rejected, judges), got record ${r.id} from "${artifact.stage}"`, "judge/pairwise goes after pair/preference");
      }
      const clash = ctx.with.judges.findIndex((j) => p.judges!.some((e) => e.judge === j.id));
      if (clash >= 0) {
        ctx.fail(`/with/judges/${clash}/id`, `pair ${r.id} from "${artifact.stage}" already has a judge called "${ctx.with.judges[clash]!.id}"`, "give the pairwise judge an id no other judge uses");
      }
      yield p as PairRecord;
    }
  }
}

function judgeOne(ctx: PluginContext<With>, judge: PairwiseJudge, rubric: Rubric, pair: PairRecord, limit: Limit, onCost: (c: RecordCost) => void): Promise<Record<string, QuestionOutcome>> {
  return judgePair(ctx, judge, rubric, { prompt: pair.prompt, chosen: pair.chosen.text, rejected: pair.rejected.text }, limit, onCost);
}

/** The pair with its pairwise judges' cost in its own `cost` (export/cost.ts sums it per prompt), keys sorted. */
function withCosts(pair: Rec, costs: ReadonlyMap<string, RecordCost>): Rec {
  if (costs.size === 0) return pair;
  const carried = typeof pair.cost === "object" && pair.cost !== null ? (pair.cost as Record<string, unknown>) : {};
  const merged: Record<string, unknown> = { ...carried, ...Object.fromEntries(costs) };
  return { ...pair, cost: Object.fromEntries(Object.keys(merged).sort().map((k) => [k, merged[k]])) };
}

type Tally = { consistent: number; asked: number };

function withVerdicts(ctx: PluginContext<With>, pair: PairRecord, judges: PairwiseJudge[], rubric: Rubric, outcomes: Record<string, QuestionOutcome>[], tallies: Map<string, Tally>): Rec {
  const entries: Record<string, unknown>[] = [];
  judges.forEach((judge, i) => {
    const t = tallies.get(judge.id)!;
    for (const o of Object.values(outcomes[i]!)) {
      if ("unanswered" in o) ctx.tally("pairwise.unanswered", 1);
      else {
        t.asked++;
        if (o.consistent) t.consistent++;
        ctx.tally(o.consistent ? "pairwise.consistent" : "pairwise.inconsistent", 1);
      }
    }
    const entry = pairwiseEntry(judge.id, judge.settings.mode, rubric, outcomes[i]!);
    if (entry) entries.push(entry);
    else ctx.tally("pairwise.noVote", 1);
  });
  const all = [...pair.judges, ...entries].sort((a, b) => (String(a.judge) < String(b.judge) ? -1 : String(a.judge) > String(b.judge) ? 1 : 0));
  return { ...pair, judges: all };
}

function reportConsistency(ctx: PluginContext<With>, judge: string, t: Tally): void {
  const rate = t.asked === 0 ? "n/a" : `${((100 * t.consistent) / t.asked).toFixed(1)}%`;
  ctx.log.info(`pairwise judge "${judge}": position-consistent on ${t.consistent} of ${t.asked} verdicts (${rate}); inconsistent ones count as ties`);
}
