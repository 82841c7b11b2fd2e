#!/usr/bin/env node
/**
 * The example's train-and-measure step: do these pairs teach a model anything?
 *
 * Fits a small reward model (a logistic Bradley–Terry model over hashed word
 * n-grams and text statistics, scripts/reward-probe/) on an iteration's
 * training pairs, then asks it which of two answers is better on the prompts
 * of the held-out eval split only — answers it never saw, judged by AlpacaEval's
 * GPT-4 Turbo annotator (gold). Offline, no GPU, a second or two; deterministic.
 *
 *   node scripts/reward-probe.mjs --train out/iter-0100/train.trl-conversational.jsonl \
 *     --eval out/iter-0100/eval.trl-conversational.jsonl \
 *     --gold eval=datasets/alpaca_eval/judges/alpaca-7b.weighted_alpaca_eval_gpt4_turbo.jsonl \
 *     --gold close=datasets/alpaca_eval/judges/alpaca-7b.alpaca_eval_gpt4.jsonl \
 *     --out out/iter-0100/probe.json [--seed N]
 *
 * Writes {train, heldout, <gold name>…}: per gold set (`--gold NAME=FILE`, as
 * many as given) the accuracy with Wilson and bootstrap 95% intervals, beside
 * the "prefer the longer answer" baseline on the same items, so a model that
 * only learned length shows as such. `heldout` is agreement with the eval
 * split's own pair labels (the pipeline's judges, not gold).
 */
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { agrees, fitRewardModel, SETTINGS } from "./reward-probe/bradley-terry.mjs";
import { conversationalPairs, goldFor, readJsonl } from "./reward-probe/data.mjs";
import { bootstrap, wilson } from "./reward-probe/intervals.mjs";

const round = (x) => Math.round(x * 1e4) / 1e4;
const mean = (xs) => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : 0);
const interval = ({ low, high }) => ({ low: round(low), high: round(high) });

/** Fits on `train`; measures on the held-out pairs and on each gold set, restricted to the held-out prompts. */
export function probe({ train, heldout, golds, seed }) {
  const w = fitRewardModel(train);
  const prompts = [...new Set(heldout.map((p) => p.prompt))];
  const measured = Object.fromEntries(Object.entries(golds).map(([name, rows]) => [name, onGold(w, goldFor(rows, prompts), seed)]));
  return {
    // A string, not numbers: the settings are not measurements (only numbers become tallies).
    model: `logistic Bradley-Terry over hashed word 1-2-grams and 8 text statistics; l2=${SETTINGS.l2}, ${SETTINGS.steps} gradient steps of ${SETTINGS.learningRate}`,
    train: { n: train.length, accuracy: round(mean(train.map((p) => agrees(w, p.prompt, p.chosen, p.rejected)))) },
    heldout: { n: heldout.length, accuracy: round(mean(heldout.map((p) => agrees(w, p.prompt, p.chosen, p.rejected)))) },
    ...measured,
  };
}

/** Accuracy on gold items with its intervals, beside "prefer the longer answer" on the same items. */
function onGold(w, items, seed) {
  const ok = items.map((g) => agrees(w, g.prompt, g.better, g.worse));
  const longer = items.map((g) => (g.better.length > g.worse.length ? 1 : g.better.length < g.worse.length ? 0 : 0.5));
  const right = ok.reduce((s, x) => s + x, 0);
  return {
    n: items.length,
    accuracy: round(mean(ok)),
    ci95: interval(wilson(right, items.length)),
    bootstrap95: interval(bootstrap(ok, seed)),
    baseline: { longer: round(mean(longer)) },
    // What the pairs taught beyond "prefer the longer answer" (≤ 0: nothing more than length).
    lift: round(mean(ok) - mean(longer)),
    output1Share: round(mean(items.map((g) => (g.betterIsOutput1 ? 1 : 0)))),
  };
}

async function main() {
  const { values } = parseArgs({
    options: { train: { type: "string" }, eval: { type: "string" }, gold: { type: "string", multiple: true }, out: { type: "string" }, seed: { type: "string", default: "1" } },
  });
  for (const name of ["train", "eval", "gold", "out"]) if (!values[name]) throw new Error(`--${name} is required`);
  const golds = Object.fromEntries(values.gold.map((g) => {
    const eq = g.indexOf("=");
    if (eq < 1) throw new Error(`--gold takes NAME=FILE, got "${g}"`);
    return [g.slice(0, eq), readJsonl(g.slice(eq + 1))];
  }));
  const result = probe({ train: conversationalPairs(readJsonl(values.train)), heldout: conversationalPairs(readJsonl(values.eval)), golds, seed: Number(values.seed) });
  console.log(`trained on ${result.train.n} pairs (train accuracy ${result.train.accuracy}); held-out pairs agree ${result.heldout.accuracy} (n=${result.heldout.n})`);
  for (const name of Object.keys(golds)) {
    const e = result[name];
    console.log(`${name}: gold accuracy ${e.accuracy} on ${e.n} eval prompts, 95% CI [${e.ci95.low}, ${e.ci95.high}] (bootstrap [${e.bootstrap95.low}, ${e.bootstrap95.high}]); prefer-longer baseline ${e.baseline.longer}`);
  }
  writeFileSync(values.out, `${JSON.stringify(result, null, 2)}\n`);
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) await main();
