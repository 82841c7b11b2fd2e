#!/usr/bin/env node
/**
 * Fits the offline `preference` signal: a Bradley–Terry (logistic) model over
 * the generic text features of src/plugins/judge/offline-features.ts, on the
 * two shared gold sets (../shared/data only, see gold-sets.mjs), and writes
 * its weights to rubrics/offline-weights.json (or the path given).
 *
 *   npx tsc -p . && node scripts/fit-offline-judge.mjs [out.json]
 *
 * What it reports (and records in the file under `heldOut`) is held-out
 * accuracy only: 5-fold cross-validation over each set, a model fitted on the
 * other four folds scoring the fifth, plus each set scored by a model fitted
 * on the other set alone (how it travels to data it has never seen). The
 * weights written are then fitted on everything. Deterministic: same data,
 * same file.
 */
import { writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { accuracy, dot, fitBradleyTerry, foldOf } from "./bt-fit.mjs";
import { GOLD_FILES, loadGoldSets, SHARED } from "./gold-sets.mjs";

const root = join(import.meta.dirname, "..");
const { FEATURE_NAMES, replyFeatures } = await import(join(root, "dist/plugins/judge/offline-features.js"));
export const L2 = 1;
export const FOLDS = 5;

/** Each gold item as a feature difference (a − b) and its label. */
export function featureRows(sets) {
  const rows = [];
  for (const [set, items] of Object.entries(sets)) {
    items.forEach((it, i) => {
      const fa = replyFeatures(it.prompt, it.a);
      const fb = replyFeatures(it.prompt, it.b);
      rows.push({ set, i, y: it.y, x: fa.map((v, k) => v - fb[k]), fa, fb });
    });
  }
  return rows;
}

/** Held-out accuracy per set: k-fold cross-validation, and trained on the other set only. */
export function heldOut(rows, sets) {
  const cv = Object.fromEntries(sets.map((s) => [s, { right: 0, n: 0 }]));
  for (let f = 0; f < FOLDS; f++) {
    const w = fitBradleyTerry(rows.filter((r) => foldOf(r.i, FOLDS) !== f), { l2: L2 });
    for (const s of sets) {
      const test = rows.filter((r) => r.set === s && foldOf(r.i, FOLDS) === f);
      cv[s].right += accuracy(w, test) * test.length;
      cv[s].n += test.length;
    }
  }
  const crossSet = Object.fromEntries(
    sets.map((s) => [s, round(accuracy(fitBradleyTerry(rows.filter((r) => r.set !== s), { l2: L2 }), rows.filter((r) => r.set === s)))]),
  );
  return { crossValidated: Object.fromEntries(sets.map((s) => [s, round(cv[s].right / cv[s].n)])), trainedOnTheOtherSetOnly: crossSet };
}

const round = (x) => Math.round(x * 1e4) / 1e4;

async function main() {
  const out = process.argv[2] ?? join(root, "rubrics", "offline-weights.json");
  const sets = loadGoldSets();
  const names = Object.keys(sets);
  const rows = featureRows(sets);
  const w = fitBradleyTerry(rows, { l2: L2 });
  const replies = rows.flatMap((r) => [r.fa, r.fb]);
  const center = replies.reduce((s, f) => s + dot(w, f), 0) / replies.length;
  const file = {
    model: "bradley-terry",
    about:
      "Weights of the offline `preference` signal: P(a preferred to b) = sigmoid(w · (f(a) − f(b))) over the features of " +
      "src/plugins/judge/offline-features.ts. A heuristic, not a judgement of content. Written by scripts/fit-offline-judge.mjs; do not edit by hand.",
    features: FEATURE_NAMES,
    weights: w.map((x) => Math.round(x * 1e6) / 1e6),
    center: Math.round(center * 1e6) / 1e6,
    fit: {
      data: Object.fromEntries(names.map((s) => [s, { file: relative(join(SHARED, "..", ".."), GOLD_FILES[s]), pairs: sets[s].length }])),
      method: `Newton's method, L2 penalty ${L2}, no intercept, each set weighted to the same total`,
    },
    heldOut: heldOut(rows, names),
  };
  writeFileSync(out, `${JSON.stringify(file, null, 2)}\n`);
  console.log(`wrote ${relative(process.cwd(), out)}`);
  console.log("held-out accuracy (5-fold CV):", file.heldOut.crossValidated);
  console.log("fitted on the other set only:", file.heldOut.trainedOnTheOtherSetOnly);
  for (const [n, x] of FEATURE_NAMES.map((n, i) => [n, w[i]])) console.log(`  ${n.padEnd(26)} ${x.toFixed(3)}`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
