/**
 * judge/rubric: scores every candidate on every criterion of a rubric, with
 * several judges (LLM, human annotations, offline heuristics; a reward model
 * gives each candidate one raw reward instead, reward-judge.ts). Output is the
 * candidates record plus the rubric summary and, on each candidate, its
 * judgements (docs/records.md "Judged").
 */
import { assertNever } from "../../engine/assert-never.js";
import { failFastLimit, type Limit } from "../../engine/async/fail-fast-limit.js";
import { mapOrdered } from "../../engine/async/map-ordered.js";
import { definePlugin, type PluginContext, type Rec } from "../../engine/plugin.js";
import { anyQueuesCalls, callLimit, type LlmProvider } from "../../providers/llm.js";
import type { RewardProvider } from "../../providers/openai-reward.js";
import type { RecordCost } from "../../providers/record-cost.js";
import { batchesOf } from "../stream/batches.js";
import { inputRecords } from "../stream/inputs.js";
import { loadRubric } from "../rubric/load.js";
import { rubricSummary, type Rubric } from "../rubric/model.js";
import { DEFAULT_MAX_UNSCORED, isEnabled, judgeSchema, llmSettings, misplacedKeys, type JudgeConfig, type LlmJudgeConfig } from "./config.js";
import type { Candidate, CandidatesRecord, Judgement } from "./judgement.js";
import { importAnnotations } from "./human-judge.js";
import { compareComparisons, type Comparison } from "./human-pairwise.js";
import { judgeWithLlm, type LlmJudge } from "./llm-judge.js";
import { loadPreferenceModel, signalPlan } from "./offline-judge.js";
import { judgeOfflineBatch, type OfflineBatch, type OfflineSetup } from "./offline-task.js";
import { judgeWithReward, type RewardJudge } from "./reward-judge.js";
import { JudgeCosts } from "./judge-costs.js";

interface With {
  rubric: string;
  judges: JudgeConfig[];
  concurrency: number;
}

export default definePlugin<With>({
  name: "judge/rubric",
  version: "2", // 2: candidates carry their LLM and reward-model judges' cost
  description: "Scores each candidate on each rubric criterion with LLM, human and offline judges.",
  inputs: { min: 1, accepts: ["candidates", "judged"] },
  output: "judged",
  schema: {
    type: "object",
    additionalProperties: false,
    required: ["rubric", "judges"],
    properties: {
      rubric: { type: "string", dpo: "file", description: "The rubric file (YAML), e.g. rubrics/helpfulness.yaml." },
      judges: { type: "array", minItems: 1, items: judgeSchema, description: "The judges; each scores every candidate on every criterion it can." },
      concurrency: { type: "integer", dpo: "tuning", minimum: 1, default: 8, description: "How many LLM judge calls run at once (the provider may limit further)." },
    },
  },
  /** The rubric is checked when the config loads: a mistake in it costs no generation. */
  async checkFiles(ctx) {
    await loadRubric(ctx, ctx.with.rubric);
  },
  async *run(ctx) {
    const rubric = await loadRubric(ctx, ctx.with.rubric);
    const judges = activeJudges(ctx);
    ctx.progress.total(Object.values(ctx.inputs).reduce((n, a) => n + (a.tallies.candidates ?? a.count), 0));

    const comparisons = new Map<string, Comparison[]>();
    const costs = new JudgeCosts();
    const llmProviders = judges.flatMap((j) => (j.type === "llm" ? [ctx.provider(j.provider)] : []));
    const calls = callLimit(ctx.with.concurrency, llmProviders);
    const runners = await prepareJudges(ctx, rubric, judges, comparisons, calls, costs);
    const summary = rubricSummary(rubric);
    const verdicts = new Map(judges.map((j) => [j.id, new VerdictCount()] as const));
    // Batches go to the judges a window at a time: the input is never held whole. A provider that queues
    // calls into batches gets every call at once (callLimit lifts the limit), or each batch would hold a few.
    const window = anyQueuesCalls(llmProviders) ? calls : Math.max(2, ctx.pool.size * 2, Math.ceil(calls / OFFLINE_BATCH) + 1);
    const batches = batchesOf(candidateRecords(ctx), OFFLINE_BATCH);
    for await (const judged of mapOrdered(batches, window, ctx.signal, (batch) => judgeBatch(ctx, runners, batch, costs))) {
      for (const r of judged) {
        for (const c of r.candidates) for (const x of (c.judgements ?? []) as Judgement[]) verdicts.get(x.judge)?.add(x);
        yield withComparisons({ ...r, rubric: summary } as Rec, comparisons.get(r.id));
      }
    }
    for (const j of judges) {
      const count = verdicts.get(j.id)!;
      tallyVerdicts(ctx, j.id, count);
      if (j.type === "llm") checkUnscored(ctx, j, count);
      else if (count.total > 0) ctx.log.info(ctx.redact(count.said(j.id)));
    }
  },
});

function activeJudges(ctx: PluginContext<With>): JudgeConfig[] {
  const seen = new Set<string>();
  for (const j of ctx.with.judges) {
    const at = judgePointer(ctx, j);
    if (seen.has(j.id)) ctx.fail(at + "/id", `two judges are called "${j.id}"`, "give each judge its own id");
    seen.add(j.id);
    const wrong = misplacedKeys(j);
    if (wrong.length > 0) ctx.fail(`${at}/${wrong[0]}`, `judge "${j.id}" (type ${j.type}) does not use ${wrong.map((k) => `\`${k}\``).join(", ")}`);
  }
  const active = ctx.with.judges.filter(isEnabled);
  for (const j of ctx.with.judges) if (!isEnabled(j)) ctx.log.info(`judge "${j.id}" is disabled`);
  if (active.length === 0) ctx.log.warn("every judge is disabled: no candidate is scored");
  return active;
}

async function* candidateRecords(ctx: PluginContext<With>): AsyncGenerator<CandidatesRecord> {
  for await (const { rec: r, stage } of inputRecords(ctx.inputs)) {
    if (!Array.isArray(r.candidates) || r.prompt === undefined) {
      ctx.fail("/needs", `stage "${ctx.stage}" expects candidate records (prompt + candidates), got record ${r.id} from "${stage}"`, "judge/rubric goes after a generate stage");
    }
    yield r as CandidatesRecord;
  }
}

/** A configured judge, ready to score a batch of records: judgements per record, per candidate. */
type JudgeRunner = (batch: CandidatesRecord[]) => Judgement[][][] | Promise<Judgement[][][]>;

/** Fills `comparisons` (record id → pairwise human verdicts) as human judges are prepared. */
async function prepareJudges(
  ctx: PluginContext<With>,
  rubric: Rubric,
  judges: JudgeConfig[],
  comparisons: Map<string, Comparison[]>,
  calls: number,
  costs: JudgeCosts,
): Promise<JudgeRunner[]> {
  const limit = failFastLimit(calls, ctx.signal);
  const perRecord = (judge: (record: CandidatesRecord) => Promise<Judgement[][]>): JudgeRunner => (batch) => Promise.all(batch.map(judge));
  const runners: JudgeRunner[] = [];
  const offline = offlineJudges(ctx, rubric);
  for (const j of judges) {
    switch (j.type) {
      case "offline": {
        const fail = (key: string, message: string, hint: string) => ctx.fail(`${judgePointer(ctx, j)}/${key}`, message, hint);
        const plan = signalPlan(j, rubric, fail);
        const model = await loadPreferenceModel(ctx, j, plan, fail);
        runners.push(offline.add({ judge: j, plan: [...plan], model }));
        break;
      }
      case "human": {
        const annotations = await importAnnotations(ctx, j.files, rubric, candidateRecords(ctx));
        for (const [id, list] of annotations.comparisons) comparisons.set(id, [...(comparisons.get(id) ?? []), ...list].sort(compareComparisons));
        runners.push((batch) => batch.map((record) => record.candidates.map((c) => annotations.judgements.get(c.id) ?? [])));
        break;
      }
      case "llm": {
        const judge: LlmJudge = { id: j.id, settings: llmSettings(j), provider: ctx.provider<LlmProvider>(j.provider) };
        runners.push(perRecord((record) => judgeRecordWithLlm(ctx, judge, rubric, record, limit, (c) => costs.sink(c.id, j.id))));
        break;
      }
      case "reward-model": {
        const provider = ctx.provider<RewardProvider>(j.provider);
        if (typeof provider?.reward !== "function") {
          ctx.fail(`${judgePointer(ctx, j)}/provider`, `provider "${j.provider}" cannot score with a reward model`, "use an `openai` provider whose server has vLLM's /pooling or /classify route");
        }
        const judge: RewardJudge = { id: j.id, model: j.model, endpoint: j.endpoint ?? "pooling", provider };
        runners.push(perRecord((record) => Promise.all(record.candidates.map((c) => judgeWithReward(ctx, judge, record.prompt, c, limit, costs.sink(c.id, j.id))))));
        break;
      }
      default:
        assertNever(j);
    }
  }
  return runners;
}

/**
 * A record's candidates, judged by an LLM judge. They share the instructions
 * and the prompt, so the first candidate's first call warms a prefix cache
 * before the others start (llm-judge.ts `CallOrder`).
 */
function judgeRecordWithLlm(
  ctx: PluginContext<With>,
  judge: LlmJudge,
  rubric: Rubric,
  record: CandidatesRecord,
  limit: Limit,
  sink: (c: Candidate) => (cost: RecordCost) => void,
): Promise<Judgement[][]> {
  let warmed!: () => void;
  const after = new Promise<void>((resolve) => (warmed = resolve));
  return Promise.all(record.candidates.map((c, i) => judgeWithLlm(ctx, judge, rubric, record.prompt, c, limit, sink(c), i === 0 ? { onFirst: warmed } : { after })));
}

/** Records per batch (and per pool task); a project this small or smaller is judged in-process. */
const OFFLINE_BATCH = 32;

/**
 * The stage's offline judges, judged together: each judge's runner reads its
 * share of one task per batch (a worker-pool task when the project has more
 * than one batch), so the judges' shared text features are computed once.
 */
function offlineJudges(ctx: PluginContext<With>, rubric: Rubric): { add(setup: OfflineSetup): JudgeRunner } {
  const task = new URL("./offline-task.js", import.meta.url).href;
  const pooled = Object.values(ctx.inputs).reduce((n, a) => n + a.count, 0) > OFFLINE_BATCH;
  const judges: OfflineSetup[] = [];
  // Every runner is called with the same batch array (judgeBatch), so the batch keys its one task.
  const tasks = new WeakMap<CandidatesRecord[], Promise<Judgement[][][][]>>();
  const judged = (batch: CandidatesRecord[]) => {
    let t = tasks.get(batch);
    if (!t) {
      const arg: OfflineBatch = { judges, rubric, records: batch.map(essentials) };
      t = pooled ? ctx.pool.run<Judgement[][][][]>(task, "judgeOfflineBatch", arg) : Promise.resolve(judgeOfflineBatch(arg));
      tasks.set(batch, t);
    }
    return t;
  };
  return {
    add(setup) {
      const k = judges.push(setup) - 1;
      return async (batch) => (await judged(batch))[k]!;
    },
  };
}

/** Only what the signals read, so less is copied to the workers. */
function essentials(r: CandidatesRecord): CandidatesRecord {
  return { id: r.id, prompt: r.prompt, candidates: r.candidates.map((c) => ({ id: c.id, text: c.text ?? "", flags: c.flags ?? [] })) };
}

async function judgeBatch(ctx: PluginContext<With>, runners: JudgeRunner[], batch: CandidatesRecord[], costs: JudgeCosts): Promise<CandidatesRecord[]> {
  const perJudge = await Promise.all(runners.map((run) => run(batch)));
  const judged = batch.map((record, r) => {
    const candidates = record.candidates.map((c, i) => {
      const judgements = perJudge.flatMap((byRecord) => byRecord[r]![i]!);
      tallyJudgements(ctx, judgements);
      ctx.progress.tick(1);
      return costs.withCosts({ ...c, judgements });
    });
    return { ...record, candidates };
  });
  costs.forget(batch.flatMap((record) => record.candidates.map((c) => c.id))); // bounded by the batches in flight
  return judged;
}

/** Pairwise human verdicts go on the record only when there are any, so records without them are unchanged. */
function withComparisons(record: Rec, comparisons: Comparison[] | undefined): Rec {
  if (!comparisons?.length) return record;
  return { ...record, comparisons };
}

/** e.g. `/with/judges/1`, for `ctx.fail`. */
function judgePointer(ctx: PluginContext<With>, j: JudgeConfig): string {
  return `/with/judges/${ctx.with.judges.indexOf(j)}`;
}

/**
 * An LLM judge never fails silently: its scored and unscored verdicts are
 * logged with the commonest reasons, and a share of unscored verdicts above
 * `maxUnscored` fails the stage at the judge's config entry.
 */
function checkUnscored(ctx: PluginContext<With>, j: LlmJudgeConfig, count: VerdictCount): void {
  if (count.total === 0) return;
  const limit = j.maxUnscored ?? DEFAULT_MAX_UNSCORED;
  if (count.unscored / count.total > limit) {
    ctx.fail(
      judgePointer(ctx, j),
      ctx.redact(`${count.line(j.id)}, above maxUnscored ${limit}; commonest: ${count.commonest()}`),
      "check that the endpoint answers with the JSON the judge asks for (the model, its JSON mode, `maxTokens`); unscored verdicts are not memoised, so the next build asks again",
    );
  }
  if (count.unscored > 0) ctx.log.warn(ctx.redact(count.said(j.id)));
  else ctx.log.info(count.line(j.id));
}

/**
 * One judge's verdicts, counted as they stream by: how many, how many
 * unscored, and why. Other judges' counts are logged too (not checked): an
 * offline judge leaves the criteria it has no signal for unscored by design,
 * and its line says so.
 */
class VerdictCount {
  total = 0;
  unscored = 0;
  readonly reasons = new Map<string, number>();
  add(x: Judgement): void {
    this.total++;
    if (x.score !== null) return;
    this.unscored++;
    if (x.unscored) this.reasons.set(x.unscored, (this.reasons.get(x.unscored) ?? 0) + 1);
  }

  /** e.g. `judge "gpt": 8 scored, 2 unscored (20.0%)`. */
  line(judge: string): string {
    return `judge "${judge}": ${this.total - this.unscored} scored, ${this.unscored} unscored (${((this.unscored / this.total) * 100).toFixed(1)}%)`;
  }

  /** The three commonest reasons for an unscored verdict, with their counts. */
  commonest(): string {
    const top = [...this.reasons].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 3);
    return top.map(([why, n]) => `${n}× ${why}`).join("; ");
  }

  /** The line, with the commonest reasons when there are unscored verdicts. */
  said(judge: string): string {
    return this.unscored > 0 ? `${this.line(judge)}; commonest: ${this.commonest()}` : this.line(judge);
  }
}

/**
 * Per-judge counts in the stage's tallies, so the build summary (and dpo.lock)
 * shows each judge's scored and unscored verdicts on cached builds too, where
 * the stage does not run and logs nothing. A judge that scores no candidate
 * (pairwise judges compare instead) has none.
 */
function tallyVerdicts(ctx: PluginContext<With>, judge: string, count: VerdictCount): void {
  if (count.total === 0) return;
  ctx.tally(`judge.scored.${judge}`, count.total - count.unscored);
  ctx.tally(`judge.unscored.${judge}`, count.unscored);
}

function tallyJudgements(ctx: PluginContext<With>, judgements: Judgement[]): void {
  const scoredCount = judgements.filter((j) => j.score !== null).length;
  ctx.tally("judge.scored", scoredCount);
  ctx.tally("judge.unscored", judgements.length - scoredCount);
}
