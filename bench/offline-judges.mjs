#!/usr/bin/env node
/**
 * Do the example's offline judges carry preference signal? On both shared gold
 * sets (scripts/gold-sets.mjs: AlpacaEval GPT-4 on alpaca-7b vs
 * text-davinci-003; Anthropic HH harmless-base test, human labels), at full
 * coverage (every gold pair judged, no margin filter, ties count half), it
 * prints the accuracy of:
 *   - "longer wins" and "shorter wins" (word counts);
 *   - the fitted `preference` model alone;
 *   - each offline judge of dpo.config.yaml, and all of them combined as the
 *     pair stage combines them (gates first, then the rubric-weighted mean).
 * Everything that uses the fitted model is HELD OUT: 5-fold cross-validation,
 * the model refitted without the fold it is scored on (the committed weights,
 * fitted on everything, are never scored on the data they saw).
 *
 *   npx tsc -p . && node bench/offline-judges.mjs
 */
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { accuracy, dot, fitBradleyTerry, foldOf } from "../scripts/bt-fit.mjs";
import { loadGoldSets } from "../scripts/gold-sets.mjs";
import { FOLDS, featureRows, L2 } from "../scripts/fit-offline-judge.mjs";

const root = join(import.meta.dirname, "..");
const dist = (p) => import(join(root, "dist/plugins", p));
const { words } = await dist("judge/text-features.js");
const { judgeOffline, signalPlan } = await dist("judge/offline-judge.js");
const { scoreCandidate, passesGates } = await dist("pair/aggregate.js");
const { parseConfigFile } = await import(join(root, "dist/engine/config/config-file.js"));
const { checkRubric } = await dist("rubric/load.js");
const { rubricSchema } = await dist("rubric/model.js");
const { FEATURE_NAMES } = await dist("judge/offline-features.js");

const config = parse(readFileSync(join(root, "dpo.config.yaml"), "utf8"));
const judgeStage = Object.values(config.stages).find((s) => s.uses === "judge/rubric");
const rubricPath = judgeStage.with.rubric;
const rubric = checkRubric(parseConfigFile(readFileSync(join(root, rubricPath), "utf8"), rubricPath, rubricSchema));
const judges = process.env.JUDGES ? JSON.parse(process.env.JUDGES) : judgeStage.with.judges.filter((j) => j.type === "offline");
const plans = judges.map((j) => signalPlan(j, rubric, (k, m) => { throw new Error(m); }));

const sets = loadGoldSets();
const rows = featureRows(sets);
const models = Array.from({ length: FOLDS }, (_, f) => {
  const train = rows.filter((r) => foldOf(r.i, FOLDS) !== f);
  const w = fitBradleyTerry(train, { l2: L2 });
  const replies = train.flatMap((r) => [r.fa, r.fb]);
  return { file: `fold ${f}`, features: FEATURE_NAMES, weights: w, center: replies.reduce((s, x) => s + dot(w, x), 0) / replies.length };
});

/** 1 when the verdict (a − b > 0 means a) matches gold, ½ for no preference, else 0. */
const credit = (diff, y) => (diff === 0 ? 0.5 : (diff > 0) === (y === 1) ? 1 : 0);

/** The pair stage's ordering of two scored candidates: gates first, then the aggregate. */
function direction(a, b) {
  if (!a || !b) return 0;
  const ga = passesGates(a), gb = passesGates(b);
  if (ga !== gb) return ga ? 1 : -1;
  return a.aggregate - b.aggregate;
}

const results = {};
for (const [set, items] of Object.entries(sets)) {
  const r = { pairs: items.length, "longer wins": 0, "shorter wins": 0, "preference model (held out)": 0 };
  for (const j of judges) r[`judge ${j.id} (held out)`] = 0;
  r["offline judges combined (held out)"] = 0;
  items.forEach((it, i) => {
    const d = words(it.a).length - words(it.b).length;
    r["longer wins"] += credit(d, it.y);
    r["shorter wins"] += credit(-d, it.y);
    const model = models[foldOf(i, FOLDS)];
    const row = rows.find((x) => x.set === set && x.i === i);
    r["preference model (held out)"] += credit(dot(model.weights, row.x), it.y);
    const record = { id: `${set}-${i}`, prompt: it.prompt, candidates: [{ id: "a", text: it.a }, { id: "b", text: it.b }] };
    const perJudge = judges.map((j, k) => judgeOffline(j, plans[k], rubric, record, model));
    const candidates = record.candidates.map((c, side) => ({ ...c, judgements: perJudge.flatMap((byCandidate) => byCandidate[side]) }));
    const verdict = (use) => direction(...candidates.map((c) => scoreCandidate(c, rubric, "mean", use)));
    judges.forEach((j) => (r[`judge ${j.id} (held out)`] += credit(verdict((id) => id === j.id), it.y)));
    r["offline judges combined (held out)"] += credit(verdict(() => true), it.y);
  });
  for (const k of Object.keys(r)) if (k !== "pairs") r[k] = (r[k] / items.length).toFixed(3);
  results[set] = r;
}

console.log(`offline judges of dpo.config.yaml vs gold, full coverage, ${FOLDS}-fold held out; load ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);
const labels = Object.keys(results.alpaca);
console.log(`| | ${Object.keys(results).join(" | ")} |\n| --- |${Object.keys(results).map(() => " ---: |").join("")}`);
for (const l of labels) console.log(`| ${l} | ${Object.values(results).map((r) => r[l]).join(" | ")} |`);
