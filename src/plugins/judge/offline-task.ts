/**
 * Offline judging as a worker-pool task: signals are pure CPU work on text,
 * so large projects spread it over the pool's threads. Kept free of anything
 * but the judging modules, so a worker loads little.
 */
import type { Rubric } from "../rubric/model.js";
import type { OfflineJudgeConfig } from "./config.js";
import type { CandidatesRecord, Judgement } from "./judgement.js";
import { judgeOffline } from "./offline-judge.js";
import type { PreferenceModel } from "./offline-model.js";
import type { SignalName } from "./offline-signals.js";

export interface OfflineBatch {
  judge: OfflineJudgeConfig;
  plan: [string, SignalName][];
  rubric: Rubric;
  records: CandidatesRecord[];
  model?: PreferenceModel;
}

/** Judgements per record, per candidate. */
export function judgeOfflineBatch(batch: OfflineBatch): Judgement[][][] {
  const plan = new Map(batch.plan);
  return batch.records.map((r) => judgeOffline(batch.judge, plan, batch.rubric, r, batch.model));
}
