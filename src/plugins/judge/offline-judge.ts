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

export function judgeOffline(judge: OfflineJudgeConfig, plan: Map<string, SignalName>, rubric: Rubric, record: CandidatesRecord): Judgement[][] {
  const ask = lastAsk(record.prompt);
  const { min, max } = rubric.scale;
  return record.candidates.map((candidate, i) => {
    const peers = record.candidates.filter((_, j) => j !== i).map((c) => c.text ?? "");
    const input = { ask, text: candidate.text ?? "", peers, flags: candidate.flags ?? [] };
    return rubric.criteria.map((criterion) => {
      const base = { judge: judge.id, kind: "offline" as const, criterion: criterion.id, criterionDigest: criterionDigest(rubric, criterion) };
      const signal = plan.get(criterion.id);
      if (!signal) return unscored(base, `no offline signal for ${criterion.id}`);
      const m = SIGNALS[signal](input);
      if ("unscored" in m) return unscored(base, `heuristic (${signal}): ${m.unscored}`);
      const score = min + Math.round(m.fraction * (max - min));
      return scored(base, score, `heuristic (${signal}): ${m.detail}`);
    });
  });
}
