/**
 * A logistic Bradley–Terry reward model, r(reply) = w · φ(reply), fitted on
 * preference pairs: P(chosen ≻ rejected) = σ(r(chosen) − r(rejected)), no
 * intercept (which side is "chosen" is the label itself). Full-batch gradient
 * descent on the mean log-loss plus an L2 penalty, a fixed number of steps:
 * no randomness, so the same pairs give the same weights bit for bit.
 * The settings are fixed in advance, not searched on the evaluation data.
 */
import { DIM, difference, replyFeatures, score } from "./features.mjs";

export const SETTINGS = Object.freeze({ l2: 1e-2, steps: 300, learningRate: 1 });

/** Weights fitted on `pairs` ({prompt, chosen, rejected}). */
export function fitRewardModel(pairs, settings = SETTINGS) {
  const xs = pairs.map((p) => packed(difference(replyFeatures(p.prompt, p.chosen), replyFeatures(p.prompt, p.rejected))));
  const w = new Float64Array(DIM);
  const grad = new Float64Array(DIM);
  for (let step = 0; step < settings.steps; step++) {
    grad.fill(0);
    for (const { index, value } of xs) {
      let z = 0;
      for (let k = 0; k < index.length; k++) z += w[index[k]] * value[k];
      const g = -1 / (1 + Math.exp(z)) / xs.length; // d/dz of −log σ(z), averaged
      for (let k = 0; k < index.length; k++) grad[index[k]] += g * value[k];
    }
    for (let i = 0; i < DIM; i++) w[i] -= settings.learningRate * (grad[i] + settings.l2 * w[i]);
  }
  return w;
}

/** A sparse vector as two typed arrays, in insertion order (the sums run in the same order as over the map). */
function packed(v) {
  return { index: Int32Array.from(v.keys()), value: Float64Array.from(v.values()) };
}

/** The model's reward for `reply` to `prompt`. */
export const reward = (w, prompt, reply) => score(w, replyFeatures(prompt, reply));

/** 1 when the model ranks `better` above `worse`, 0 below, ½ on a tie. */
export function agrees(w, prompt, better, worse) {
  const d = reward(w, prompt, better) - reward(w, prompt, worse);
  return d > 0 ? 1 : d < 0 ? 0 : 0.5;
}
