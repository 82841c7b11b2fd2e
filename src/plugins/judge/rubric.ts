/**
 * judge/rubric: scores every candidate on every criterion of a rubric, with
 * several judges (LLM, human annotations, offline heuristics; a reward model
 * gives each candidate one raw reward instead, reward-judge.ts). Output is the
 * candidates record plus the rubric summary and, on each candidate, its
 * judgements (docs/records.md "Judged").
 */
import { assertNever } from "../../engine/assert-never.js";
import { failFastLimit } from "../../engine/async/fail-fast-limit.js";
import { definePlugin, type PluginContext, type Rec } from "../../engine/plugin.js";
import { callLimit, type LlmProvider } from "../../providers/llm.js";
import type { RewardProvider } from "../../providers/openai-reward.js";
import { loadRubric } from "../rubric/load.js";
import { rubricSummary, type Rubric } from "../rubric/model.js";
import { DEFAULT_MAX_UNSCORED, isEnabled, judgeSchema, llmSettings, misplacedKeys, type JudgeConfig, type LlmJudgeConfig } from "./config.js";
import type { CandidatesRecord, Judgement } from "./judgement.js";
import { importAnnotations } from "./human-judge.js";
import { compareComparisons, type Comparison } from "./human-pairwise.js";
import { judgeWithLlm, type LlmJudge } from "./llm-judge.js";
import { loadPreferenceModel, signalPlan } from "./offline-judge.js";
import { judgeOfflineBatch, type OfflineBatch } from "./offline-task.js";
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
  async run(ctx) {
    const rubric = await loadRubric(ctx, ctx.with.rubric);
    const judges = activeJudges(ctx);
    const records = await candidateRecords(ctx);
    ctx.progress.total(records.reduce((n, r) => n + r.candidates.length, 0));

    const comparisons = new Map<string, Comparison[]>();
    const costs = new JudgeCosts();
    const runners = await prepareJudges(ctx, rubric, judges, records, comparisons, costs);
    const summary = rubricSummary(rubric);
    const judged = await Promise.all(records.map((r) => judgeRecord(ctx, runners, r, costs)));
    for (const j of judges) if (j.type === "llm") checkUnscored(ctx, j, judged);
    return judged.map((r) => withComparisons({ ...r, rubric: summary } as Rec, comparisons.get(r.id)));
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

async function candidateRecords(ctx: PluginContext<With>): Promise<CandidatesRecord[]> {
  const out: CandidatesRecord[] = [];
  for (const artifact of Object.values(ctx.inputs)) {
    for await (const r of artifact.records()) {
      if (!Array.isArray(r.candidates) || r.prompt === undefined) {
        ctx.fail("/needs", `stage "${ctx.stage}" expects candidate records (prompt + candidates), got record ${r.id} from "${artifact.stage}"`, "judge/rubric goes after a generate stage");
      }
      out.push(r as CandidatesRecord);
    }
  }
  return out;
}

/** A configured judge, ready to score the candidates of one record. */
type JudgeRunner = (record: CandidatesRecord) => Judgement[][] | Promise<Judgement[][]>;

/** Fills `comparisons` (record id → pairwise human verdicts) as human judges are prepared. */
async function prepareJudges(
  ctx: PluginContext<With>,
  rubric: Rubric,
  judges: JudgeConfig[],
  records: CandidatesRecord[],
  comparisons: Map<string, Comparison[]>,
  costs: JudgeCosts,
): Promise<JudgeRunner[]> {
  const llmProviders = judges.flatMap((j) => (j.type === "llm" ? [ctx.provider(j.provider)] : []));
  const limit = failFastLimit(callLimit(ctx.with.concurrency, llmProviders), ctx.signal);
  const runners: JudgeRunner[] = [];
  for (const j of judges) {
    switch (j.type) {
      case "offline": {
        const fail = (key: string, message: string, hint: string) => ctx.fail(`${judgePointer(ctx, j)}/${key}`, message, hint);
        const plan = signalPlan(j, rubric, fail);
        const model = await loadPreferenceModel(ctx, j, plan, fail);
        const byRecord = await judgeAllOffline(ctx, { judge: j, plan: [...plan], rubric, model, records: [] }, records);
        runners.push((record) => byRecord.get(record)!);
        break;
      }
      case "human": {
        const annotations = await importAnnotations(ctx, j.files, rubric, records);
        for (const [id, list] of annotations.comparisons) comparisons.set(id, [...(comparisons.get(id) ?? []), ...list].sort(compareComparisons));
        runners.push((record) => record.candidates.map((c) => annotations.judgements.get(c.id) ?? []));
        break;
      }
      case "llm": {
        const judge: LlmJudge = { id: j.id, settings: llmSettings(j), provider: ctx.provider<LlmProvider>(j.provider) };
        runners.push((record) => Promise.all(record.candidates.map((c) => judgeWithLlm(ctx, judge, rubric, record.prompt, c, limit, costs.sink(c.id, j.id)))));
        break;
      }
      case "reward-model": {
        const provider = ctx.provider<RewardProvider>(j.provider);
        if (typeof provider?.reward !== "function") {
          ctx.fail(`${judgePointer(ctx, j)}/provider`, `provider "${j.provider}" cannot score with a reward model`, "use an `openai` provider whose server has vLLM's /pooling or /classify route");
        }
        const judge: RewardJudge = { id: j.id, model: j.model, endpoint: j.endpoint ?? "pooling", provider };
        runners.push((record) => Promise.all(record.candidates.map((c) => judgeWithReward(ctx, judge, record.prompt, c, limit, costs.sink(c.id, j.id)))));
        break;
      }
      default:
        assertNever(j);
    }
  }
  return runners;
}

/** Records per pool task; a project this small or smaller is judged in-process. */
const OFFLINE_BATCH = 32;

/** Offline judgements for every record, in worker-pool batches when there is enough work. */
async function judgeAllOffline(ctx: PluginContext<With>, setup: OfflineBatch, records: CandidatesRecord[]): Promise<Map<CandidatesRecord, Judgement[][]>> {
  const batches: CandidatesRecord[][] = [];
  for (let i = 0; i < records.length; i += OFFLINE_BATCH) batches.push(records.slice(i, i + OFFLINE_BATCH));
  const task = new URL("./offline-task.js", import.meta.url).href;
  const run = (batch: CandidatesRecord[]): Judgement[][][] | Promise<Judgement[][][]> => {
    const arg: OfflineBatch = { ...setup, records: batch.map(essentials) };
    return batches.length > 1 ? ctx.pool.run<Judgement[][][]>(task, "judgeOfflineBatch", arg) : judgeOfflineBatch(arg);
  };
  const results = await Promise.all(batches.map(run));
  return new Map(batches.flatMap((batch, b) => batch.map((r, i) => [r, results[b]![i]!] as const)));
}

/** Only what the signals read, so less is copied to the workers. */
function essentials(r: CandidatesRecord): CandidatesRecord {
  return { id: r.id, prompt: r.prompt, candidates: r.candidates.map((c) => ({ id: c.id, text: c.text ?? "", flags: c.flags ?? [] })) };
}

async function judgeRecord(ctx: PluginContext<With>, runners: JudgeRunner[], record: CandidatesRecord, costs: JudgeCosts): Promise<CandidatesRecord> {
  const perJudge = await Promise.all(runners.map((run) => run(record)));
  const candidates = record.candidates.map((c, i) => {
    const judgements = perJudge.flatMap((byCandidate) => byCandidate[i]!);
    tallyJudgements(ctx, judgements);
    ctx.progress.tick(1);
    return costs.withCosts({ ...c, judgements });
  });
  return { ...record, candidates };
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
function checkUnscored(ctx: PluginContext<With>, j: LlmJudgeConfig, judged: readonly CandidatesRecord[]): void {
  const mine = judged.flatMap((r) => r.candidates.flatMap((c) => ((c.judgements ?? []) as Judgement[]).filter((x) => x.judge === j.id)));
  if (mine.length === 0) return;
  const reasons = new Map<string, number>();
  for (const x of mine) if (x.score === null && x.unscored) reasons.set(x.unscored, (reasons.get(x.unscored) ?? 0) + 1);
  const unscoredCount = [...reasons.values()].reduce((a, b) => a + b, 0);
  const share = unscoredCount / mine.length;
  const top = [...reasons].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 3).map(([why, n]) => `${n}× ${why}`);
  const line = `judge "${j.id}": ${mine.length - unscoredCount} scored, ${unscoredCount} unscored (${(share * 100).toFixed(1)}%)`;
  const limit = j.maxUnscored ?? DEFAULT_MAX_UNSCORED;
  if (share > limit) {
    ctx.fail(
      judgePointer(ctx, j),
      ctx.redact(`${line}, above maxUnscored ${limit}; commonest: ${top.join("; ")}`),
      "check that the endpoint answers with the JSON the judge asks for (the model, its JSON mode, `maxTokens`); unscored verdicts are not memoised, so the next build asks again",
    );
  }
  if (unscoredCount > 0) ctx.log.warn(ctx.redact(`${line}; commonest: ${top.join("; ")}`));
  else ctx.log.info(line);
}

function tallyJudgements(ctx: PluginContext<With>, judgements: Judgement[]): void {
  const scoredCount = judgements.filter((j) => j.score !== null).length;
  ctx.tally("judge.scored", scoredCount);
  ctx.tally("judge.unscored", judgements.length - scoredCount);
}
