#!/usr/bin/env node
/**
 * The example's reward-model probe per built iteration: accuracy against both
 * gold sets on the eval prompts (with Wilson intervals and the prefer-longer
 * baseline) and how long the fit and scoring take. Run after `npx dpo build`:
 *
 *   node bench/reward-probe.mjs
 *
 * The same computation as the `probe` stage (scripts/reward-probe.mjs), in
 * process, so the time is the probe's alone (no node start-up).
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { probe } from "../scripts/reward-probe.mjs";
import { conversationalPairs, readJsonl } from "../scripts/reward-probe/data.mjs";

const root = join(import.meta.dirname, "..");
const out = join(root, "out");
const golds = {
  eval: readJsonl(join(root, "datasets/alpaca_eval/judges/alpaca-7b.weighted_alpaca_eval_gpt4_turbo.jsonl")),
  close: readJsonl(join(root, "datasets/alpaca_eval/judges/alpaca-7b.alpaca_eval_gpt4.jsonl")),
};
const iterations = readdirSync(out).filter((d) => existsSync(join(out, d, "train.trl-conversational.jsonl"))).sort();
if (iterations.length === 0) throw new Error("no built iteration under out/: run `npx dpo build` first");

const cell = (g) => `${g.accuracy.toFixed(3)} [${g.ci95.low.toFixed(3)}, ${g.ci95.high.toFixed(3)}] (longer: ${g.baseline.longer.toFixed(3)}, n=${g.n})`;
console.log("| iteration | train pairs | fit + score (ms) | train acc. | held-out pairs acc. | gold `eval` (GPT-4 Turbo: gpt4_1106_preview vs alpaca-7b) | gold `close` (GPT-4: text-davinci-003 vs alpaca-7b) |");
console.log("| --- | ---: | ---: | ---: | ---: | --- | --- |");
for (const it of iterations) {
  const train = conversationalPairs(readJsonl(join(out, it, "train.trl-conversational.jsonl")));
  const heldout = conversationalPairs(readJsonl(join(out, it, "eval.trl-conversational.jsonl")));
  const started = performance.now();
  const r = probe({ train, heldout, golds, seed: 20261128 });
  const ms = performance.now() - started;
  console.log(`| ${it} | ${r.train.n} | ${ms.toFixed(0)} | ${r.train.accuracy.toFixed(3)} | ${r.heldout.accuracy.toFixed(3)} (n=${r.heldout.n}) | ${cell(r.eval)} | ${cell(r.close)} |`);
}
