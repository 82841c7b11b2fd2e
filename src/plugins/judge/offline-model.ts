/**
 * The fitted offline signal's model: a Bradley–Terry (logistic) model over the
 * text features of offline-features.ts, P(a ≻ b) = σ(w · (f(a) − f(b))). Its
 * weights are a project file (`weights:` on an offline judge, e.g.
 * rubrics/offline-weights.json) written by scripts/fit-offline-judge.mjs; the
 * file is a `dpo: file` ref, so refitting changes the judge stage's key.
 * A reply's fraction of the scale is σ(w · f − center): its modelled chance of
 * being preferred over a typical reply of the fit data.
 */
import type { JsonSchema } from "../../engine/plugin.js";
import { FEATURE_NAMES, replyFeatures } from "./offline-features.js";
import type { PromptValue } from "./judgement.js";

export interface PreferenceModel {
  /** The weights file, for rationales. */
  file: string;
  features: string[];
  weights: number[];
  center: number;
}

export interface WeightsFile {
  model: "bradley-terry";
  features: string[];
  weights: number[];
  center: number;
  [other: string]: unknown;
}

export const weightsFileSchema: JsonSchema = {
  type: "object",
  required: ["model", "features", "weights", "center"],
  properties: {
    model: { const: "bradley-terry" },
    features: { type: "array", items: { type: "string" } },
    weights: { type: "array", items: { type: "number" } },
    center: { type: "number" },
  },
};

/** The problem with a weights file, or undefined when it fits this version's features. */
export function weightsProblem(w: WeightsFile): { pointer: string; message: string } | undefined {
  const expected = FEATURE_NAMES.join(", ");
  if (w.features.length !== FEATURE_NAMES.length || w.features.some((f, i) => f !== FEATURE_NAMES[i])) {
    return { pointer: "/features", message: `the weights were fitted on other features than this version computes (${expected})` };
  }
  if (w.weights.length !== w.features.length) {
    return { pointer: "/weights", message: `${w.weights.length} weights for ${w.features.length} features` };
  }
  return undefined;
}

/** w · f(reply) − center: above 0, the model expects the reply to beat a typical one. */
export function replyUtility(model: PreferenceModel, prompt: PromptValue, text: string): number {
  const f = recentFeatures(prompt, text);
  return f.reduce((s, x, i) => s + x * model.weights[i]!, 0) - model.center;
}

/**
 * The features of the replies of the last few prompts: every offline judge
 * using the preference signal asks for the same reply's features in turn
 * (offline-task.ts judges a record with each judge), and they are most of an
 * offline judge's work. A hit needs the same prompt value, not just the same text.
 */
const featureCache = new Map<string, { prompt: PromptValue; features: readonly number[] }>();
const FEATURE_CACHE_SIZE = 64;

function recentFeatures(prompt: PromptValue, text: string): readonly number[] {
  const hit = featureCache.get(text);
  if (hit && hit.prompt === prompt) return hit.features;
  const features = replyFeatures(prompt, text);
  if (featureCache.size >= FEATURE_CACHE_SIZE) featureCache.delete(featureCache.keys().next().value!);
  featureCache.set(text, { prompt, features });
  return features;
}
