/**
 * Offline judging as a worker-pool task: signals are pure CPU work on text,
 * so large projects spread it over the pool's threads. One task judges a
 * batch with every offline judge of the stage, so the text features the
 * judges share (words, sentences, harm terms…) are computed once per reply,
 * in one worker, and the batch is copied to the worker once. Kept free of
 * anything but the judging modules, so a worker loads little.
 */
import type { Rubric } from "../rubric/model.js";
import type { OfflineJudgeConfig } from "./config.js";
import type { CandidatesRecord, Judgement } from "./judgement.js";
import { judgeOffline } from "./offline-judge.js";
import type { PreferenceModel } from "./offline-model.js";
import type { SignalName } from "./offline-signals.js";

export interface OfflineSetup {
  judge: OfflineJudgeConfig;
  plan: [string, SignalName][];
  model?: PreferenceModel;
}

export interface OfflineBatch {
  judges: OfflineSetup[];
  rubric: Rubric;
  records: CandidatesRecord[];
}

/** Judgements per judge, per record, per candidate. */
export function judgeOfflineBatch(batch: OfflineBatch): Judgement[][][][] {
  const plans = batch.judges.map((j) => new Map(j.plan));
  // Record by record, every judge in turn: the feature caches hold one record's replies.
  const perRecord = batch.records.map((r) => batch.judges.map((j, k) => judgeOffline(j.judge, plans[k]!, batch.rubric, r, j.model)));
  return batch.judges.map((_, k) => perRecord.map((byJudge) => byJudge[k]!));
}
