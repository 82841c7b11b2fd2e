/**
 * An offline judge: scores each rubric criterion that one of its signals
 * measures, with no model. Scores are integers on the rubric's scale, and
 * every rationale starts with "heuristic (<signal>):" and says what was measured.
 *
 * Several offline judges give agreement something to compare only where they
 * use different signals for the same criterion, e.g.
 *   - {id: heuristics, type: offline}                     # harm, key-terms, structure, length
 *   - {id: heuristics-b, type: offline, scorers: [harm, key-terms, readability, length, consensus]}
 * disagree on clarity (structure vs readability) and only heuristics-b scores
 * correctness (consensus). Judges sharing a signal agree by construction.
 */
import { criterionDigest, type Rubric } from "../rubric/model.js";
import type { OfflineJudgeConfig } from "./config.js";
import { scored, unscored, type CandidatesRecord, type Judgement, lastAsk } from "./judgement.js";
import { DpoError } from "../../engine/diagnostic.js";
import type { PluginContext } from "../../engine/plugin.js";
import { weightsFileSchema, weightsProblem, type PreferenceModel, type WeightsFile } from "./offline-model.js";
import { DEFAULT_CRITERION, DEFAULT_SIGNALS, SIGNALS, type SignalName } from "./offline-signals.js";

/**
 * Criterion id → the signal that scores it. Explicit `criteria` mappings come
 * first; every other signal scores its default criterion if the rubric has it.
 */
/** Throws a config error at a key of this judge's entry (`criteria`, `scorers`). */
export type JudgeFail = (key: string, message: string, hint: string) => never;

export function signalPlan(judge: OfflineJudgeConfig, rubric: Rubric, fail: JudgeFail): Map<string, SignalName> {
  const ids = new Set(rubric.criteria.map((c) => c.id));
  const plan = new Map<string, SignalName>();
  for (const [criterion, signal] of Object.entries(judge.criteria ?? {})) {
    if (!ids.has(criterion)) {
      fail("criteria", `offline judge "${judge.id}" maps unknown criterion \`${criterion}\``, `rubric criteria: ${[...ids].join(", ")}`);
    }
    plan.set(criterion, signal);
  }
  const mapped = new Set(plan.values());
  const explicit = new Set(plan.keys());
  for (const signal of judge.scorers ?? DEFAULT_SIGNALS) {
    const criterion = DEFAULT_CRITERION[signal];
    if (mapped.has(signal) || explicit.has(criterion) || !ids.has(criterion)) continue;
    const taken = plan.get(criterion);
    if (taken) {
      fail("scorers", `offline judge "${judge.id}" has two signals for \`${criterion}\` (${taken} and ${signal})`, "a judge scores a criterion once; configure a second offline judge for the other signal");
    }
    plan.set(criterion, signal);
  }
  return plan;
}

/**
 * The fitted model an offline judge needs: read from its `weights` file when
 * its plan uses the `preference` signal (a located error when the file is
 * missing or was fitted on other features), otherwise none.
 */
export async function loadPreferenceModel(
  ctx: Pick<PluginContext, "readConfigFile">,
  judge: OfflineJudgeConfig,
  plan: Map<string, SignalName>,
  fail: JudgeFail,
): Promise<PreferenceModel | undefined> {
  if (![...plan.values()].includes("preference")) return undefined;
  if (!judge.weights) {
    fail("scorers", `offline judge "${judge.id}" uses the preference signal but has no \`weights\` file`, "add `weights: rubrics/offline-weights.json` (written by scripts/fit-offline-judge.mjs)");
  }
  const file = await ctx.readConfigFile<WeightsFile>(judge.weights, weightsFileSchema, "offline weights file");
  const problem = weightsProblem(file.value);
  if (problem) {
    throw new DpoError({ severity: "error", message: `${judge.weights}: ${problem.message}`, location: file.locate(problem.pointer), hint: "refit: node scripts/fit-offline-judge.mjs" });
  }
  return { file: judge.weights, features: file.value.features, weights: file.value.weights, center: file.value.center };
}

export function judgeOffline(
  judge: OfflineJudgeConfig,
  plan: Map<string, SignalName>,
  rubric: Rubric,
  record: CandidatesRecord,
  model?: PreferenceModel,
): Judgement[][] {
  const ask = lastAsk(record.prompt);
  const { min, max } = rubric.scale;
  return record.candidates.map((candidate, i) => {
    const peers = record.candidates.filter((_, j) => j !== i).map((c) => c.text ?? "");
    const input = { prompt: record.prompt, ask, text: candidate.text ?? "", peers, flags: candidate.flags ?? [], model };
    return rubric.criteria.map((criterion) => {
      const base = { judge: judge.id, kind: "offline" as const, criterion: criterion.id, criterionDigest: criterionDigest(rubric, criterion) };
      const signal = plan.get(criterion.id);
      if (!signal) return unscored(base, `no offline signal for ${criterion.id}`);
      const m = SIGNALS[signal](input);
      if ("unscored" in m) return unscored(base, `heuristic (${signal}): ${m.unscored}`);
      const exact = m.fraction * (max - min);
      const score = min + (m.continuous ? Math.round(exact * 100) / 100 : Math.round(exact));
      return scored(base, score, `heuristic (${signal}): ${m.detail}`);
    });
  });
}
