#!/usr/bin/env node
/**
 * CPU time of offline judging alone: `judgeOfflineBatch` (the worker-pool
 * task) in this process, over the candidates of a built pipeline project
 * (run `node bench/pipeline.mjs N` first) with the pipeline's two offline
 * judges, 32 records a task as the stage sends them. CPU time, not wall
 * time, so a busy machine disturbs it less. DPO=<checkout> measures another
 * checkout's dist/ on the same records (a before/after comparison).
 *
 *   npx tsc -p . && node bench/offline-judge-cpu.mjs 10000
 *   DPO=/tmp/old PER_JUDGE_TASKS=1 node bench/offline-judge-cpu.mjs 10000   # a checkout from before one task judged for all
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const n = Number(process.argv[2] ?? 10000);
const rounds = Number(process.env.ROUNDS ?? 3);
const root = resolve(process.env.DPO ?? join(import.meta.dirname, ".."));
const load = (rel) => import(pathToFileURL(join(root, "dist", rel)).href);
const { readLines } = await load("engine/read-lines.js");
const { judgeOfflineBatch } = await load("plugins/judge/offline-task.js");
const { signalPlan } = await load("plugins/judge/offline-judge.js");
const { parseConfigFile } = await load("engine/config/config-file.js");
const { checkRubric } = await load("plugins/rubric/load.js");
const { rubricSchema } = await load("plugins/rubric/model.js");

const dir = join(import.meta.dirname, ".work", `pipeline-${n}`);
const rubricFile = join(dir, "rubrics", "helpfulness.yaml");
const rubric = checkRubric(parseConfigFile(readFileSync(rubricFile, "utf8"), rubricFile, rubricSchema));
const weights = JSON.parse(readFileSync(join(dir, "rubrics", "offline-weights.json"), "utf8"));
const model = { file: "rubrics/offline-weights.json", features: weights.features, weights: weights.weights, center: weights.center };
const fail = (_key, message) => {
  throw new Error(message);
};
// The judges of bench/pipeline-project.mjs.
const configs = [
  { id: "heuristics-fitted", type: "offline", scorers: ["harm", "preference"], weights: "rubrics/offline-weights.json" },
  { id: "heuristics-consensus", type: "offline", scorers: ["harm", "consensus"], criteria: { completeness: "preference" }, weights: "rubrics/offline-weights.json" },
];
const judges = configs.map((judge) => ({ judge, plan: [...signalPlan(judge, rubric, fail)], model }));

const digest = JSON.parse(readFileSync(join(dir, "dpo.lock"), "utf8")).stages.candidates.output;
const records = [];
for await (const line of readLines(join(dir, "cache", "objects", digest.slice(0, 2), digest))) {
  const r = JSON.parse(line);
  records.push({ id: r.id, prompt: r.prompt, candidates: r.candidates.map((c) => ({ id: c.id, text: c.text ?? "", flags: c.flags ?? [] })) });
}
// Until this session a task judged with one judge ({judge, plan, model, rubric, records}):
// PER_JUDGE_TASKS=1 measures such a checkout.
const perJudgeTasks = process.env.PER_JUDGE_TASKS === "1";
const judgeAll = (batch) =>
  perJudgeTasks ? judges.map((j) => judgeOfflineBatch({ ...j, rubric, records: batch })) : judgeOfflineBatch({ judges, rubric, records: batch });

const times = [];
for (let round = 0; round < rounds; round++) {
  const before = process.cpuUsage();
  for (let i = 0; i < records.length; i += 32) judgeAll(records.slice(i, i + 32));
  const used = process.cpuUsage(before);
  times.push((used.user + used.system) / 1000);
}
times.sort((a, b) => a - b);
console.log(`${root}: ${records.length} records × ${records[0]?.candidates.length} candidates, 2 offline judges: median ${times[Math.floor(rounds / 2)].toFixed(0)} ms CPU (rounds ${times.map((t) => t.toFixed(0)).join(", ")})`);
