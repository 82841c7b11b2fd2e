/**
 * The example's reward-model probe (scripts/reward-probe.mjs): its statistics,
 * that it learns a signal that is there and none that is not, and that on the
 * committed data it gives the accuracy dpo.lock records, run after run.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { sha256 } from "../../src/engine/hash.js";
import { repoRoot } from "../support/project.js";
// Plain JavaScript modules of the example (no types): what the probe stage runs.
import { probe } from "../../scripts/reward-probe.mjs";
import { fitRewardModel, reward } from "../../scripts/reward-probe/bradley-terry.mjs";
import { conversationalPairs, readJsonl } from "../../scripts/reward-probe/data.mjs";
import { bootstrap, wilson } from "../../scripts/reward-probe/intervals.mjs";

const GOLD = {
  eval: "datasets/alpaca_eval/judges/alpaca-7b.weighted_alpaca_eval_gpt4_turbo.jsonl",
  close: "datasets/alpaca_eval/judges/alpaca-7b.alpaca_eval_gpt4.jsonl",
};

describe("intervals", () => {
  it("Wilson's interval matches its textbook values", () => {
    const { low, high } = wilson(5, 10);
    expect(low).toBeCloseTo(0.2366, 4);
    expect(high).toBeCloseTo(0.7634, 4);
    expect(wilson(10, 10).high).toBeCloseTo(1, 12);
    expect(wilson(0, 10).high).toBeCloseTo(0.2775, 4);
  });

  it("the bootstrap is seeded: same seed, same interval; it brackets the mean", () => {
    const outcomes = Array.from({ length: 40 }, (_, i) => (i % 3 === 0 ? 0 : 1));
    expect(bootstrap(outcomes, 7)).toEqual(bootstrap(outcomes, 7));
    const { low, high } = bootstrap(outcomes, 7);
    expect(low).toBeLessThan(26 / 40);
    expect(high).toBeGreaterThan(27 / 40);
  });
});

/** Pairs where the better answer explains and the worse one brushes off, on made-up prompts. */
function synthetic(n: number, from: number, labelled: (i: number) => boolean) {
  return Array.from({ length: n }, (_, k) => {
    const i = from + k;
    const good = `Here is how topic ${i} works, step by step, with an example and the reason behind it.`;
    const bad = `No idea about topic ${i}, look it up yourself.`;
    return labelled(i) ? { prompt: `Explain topic ${i}.`, chosen: good, rejected: bad } : { prompt: `Explain topic ${i}.`, chosen: bad, rejected: good };
  });
}
const goldOf = (pairs: { prompt: string; chosen: string; rejected: string }[]) =>
  pairs.map((p) => ({ instruction: p.prompt, output_1: p.chosen, output_2: p.rejected, preference: 1 }));

describe("the probe", () => {
  it("learns a preference its training pairs hold, and measures it on gold for the held-out prompts only", () => {
    const heldout = synthetic(20, 1000, () => true);
    const other = synthetic(30, 2000, () => false); // gold for prompts outside the eval split: must be ignored
    const r = probe({ train: synthetic(60, 0, () => true), heldout, golds: { g: [...goldOf(heldout), ...goldOf(other)] }, seed: 1 });
    expect(r.g.n).toBe(20);
    expect(r.g.accuracy).toBe(1);
  });

  it("learns (next to) nothing from pairs whose labels are noise", () => {
    const margin = (labelled: (i: number) => boolean) => {
      const w = fitRewardModel(synthetic(200, 0, labelled));
      const [p] = synthetic(1, 1000, () => true);
      return reward(w, p!.prompt, p!.chosen) - reward(w, p!.prompt, p!.rejected);
    };
    const clean = margin(() => true);
    const noise = margin((i) => i % 2 === 0); // half the pairs one way, half the other
    expect(clean).toBeGreaterThan(1);
    expect(Math.abs(noise)).toBeLessThan(clean / 100);
  });
});

// On the committed data: the iteration files of the example's build (CI builds it before the tests).
const out = join(repoRoot, "out");
const lock = JSON.parse(readFileSync(join(repoRoot, "dpo.lock"), "utf8"));
const built = ["iter-0100", "iter-0500"].every((it) =>
  ["train", "eval"].every((split) => {
    const file = join(out, it, `${split}.trl-conversational.jsonl`);
    return existsSync(file) && sha256(readFileSync(file)) === lock.stages.export.published[`${it}/${split}.trl-conversational.jsonl`];
  }),
);

describe.skipIf(!built)("the probe on the committed data (the example's out/, as dpo.lock describes it)", () => {
  const golds = Object.fromEntries(Object.entries(GOLD).map(([name, file]) => [name, readJsonl(join(repoRoot, file))]));
  const run = (it: string) =>
    probe({
      train: conversationalPairs(readJsonl(join(out, it, "train.trl-conversational.jsonl"))),
      heldout: conversationalPairs(readJsonl(join(out, it, "eval.trl-conversational.jsonl"))),
      golds,
      seed: 20261128,
    });

  it("gives the accuracy dpo.lock records, the same on every run", () => {
    const first = run("iter-0100");
    expect(run("iter-0100")).toEqual(first);
    expect(first.close.accuracy).toBe(lock.stages.probe.tallies["iter-0100.close.accuracy"]);
    expect(first.eval.accuracy).toBe(lock.stages.probe.tallies["iter-0100.eval.accuracy"]);
    // The figures bench/RESULTS.md and the README quote.
    expect(first.eval).toMatchObject({ n: 50, accuracy: 0.98, ci95: { low: 0.895, high: 0.9965 }, baseline: { longer: 0.98 }, lift: 0 });
    expect(first.close).toMatchObject({ n: 49, accuracy: 0.8776, ci95: { low: 0.7576, high: 0.9427 }, baseline: { longer: 0.8163 }, lift: 0.0612 });
  });
});
