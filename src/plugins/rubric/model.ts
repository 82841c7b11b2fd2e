/**
 * The rubric model: what a rubric file contains, its JSON Schema, and the
 * digests that decide what must be re-judged when it changes.
 */
import { digestOf, type Digest } from "../../engine/hash.js";
import type { JsonSchema } from "../../engine/plugin.js";

export interface Scale {
  min: number;
  max: number;
}

export interface Criterion {
  id: string;
  description: string;
  /** Score (as written in the file, e.g. "1") → what a response at that score looks like. */
  anchors: Record<string, string>;
  weight: number;
  /** Minimum judge-aggregated score for a response to be chosen. */
  gate?: number;
}

export interface Rubric {
  name: string;
  scale: Scale;
  instructions: string;
  criteria: Criterion[];
}

/** The rubric as carried on judged records (docs/records.md "Judged"). */
export interface RubricSummary {
  name: string;
  digest: Digest;
  scale: Scale;
  criteria: { id: string; weight: number; gate?: number }[];
}

const integerScore = (description: string): JsonSchema => ({ type: "integer", description });

export const rubricSchema: JsonSchema = {
  type: "object",
  additionalProperties: false,
  required: ["name", "scale", "criteria"],
  properties: {
    name: { type: "string", minLength: 1, description: "The rubric's name, carried on judged records and pairs." },
    scale: {
      type: "object",
      additionalProperties: false,
      required: ["min", "max"],
      description: "The integer score range every criterion is scored on, e.g. {min: 1, max: 5}.",
      properties: {
        min: integerScore("The lowest score."),
        max: integerScore("The highest score."),
      },
    },
    instructions: {
      type: "string",
      default: "",
      description: "General guidance for judges, sent with every criterion.",
    },
    criteria: {
      type: "array",
      minItems: 1,
      description: "What responses are scored on.",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["id", "description", "anchors"],
        properties: {
          id: {
            type: "string",
            pattern: "^[a-z][a-z0-9_-]*$",
            description: "A short identifier (lower case), used in annotations, records and reasons.",
          },
          description: { type: "string", minLength: 1, description: "What this criterion measures." },
          anchors: {
            type: "object",
            minProperties: 1,
            propertyNames: { pattern: "^-?[0-9]+$" },
            additionalProperties: { type: "string", minLength: 1 },
            description: "What a response at a given score looks like: score → text (e.g. 1, 3 and 5).",
          },
          weight: { type: "number", exclusiveMinimum: 0, default: 1, description: "The criterion's weight in a candidate's aggregate (> 0)." },
          gate: integerScore("Minimum judge-aggregated score for a response to be chosen (e.g. safety ≥ 4)."),
        },
      },
    },
  },
};

/**
 * The part of a criterion a judge sees: id, description, anchors, plus the
 * scale and the general instructions. Weight and gate are left out on purpose:
 * they change how judgements are combined into pairs, not the judgements, so
 * re-weighting a criterion re-pairs without re-judging.
 */
export function criterionDigest(rubric: Rubric, criterion: Criterion): Digest {
  // Asked for every judgement: computed once per loaded criterion.
  let digest = digests.get(criterion);
  if (digest === undefined || digest.rubric !== rubric) {
    const { id, description, anchors } = criterion;
    digest = { rubric, value: digestOf(["criterion@1", { id, description, anchors }, rubric.scale, rubric.instructions]) };
    digests.set(criterion, digest);
  }
  return digest.value;
}

const digests = new WeakMap<Criterion, { rubric: Rubric; value: Digest }>();

/** The whole rubric, weights and gates included: identifies it on pairs. */
export function rubricDigest(rubric: Rubric): Digest {
  return digestOf(["rubric@1", rubric]);
}

export function rubricSummary(rubric: Rubric): RubricSummary {
  return {
    name: rubric.name,
    digest: rubricDigest(rubric),
    scale: rubric.scale,
    criteria: rubric.criteria.map((c) => (c.gate === undefined ? { id: c.id, weight: c.weight } : { id: c.id, weight: c.weight, gate: c.gate })),
  };
}

/** Anchors in ascending score order, for prompts. */
export function sortedAnchors(criterion: Criterion): [number, string][] {
  return Object.entries(criterion.anchors)
    .map(([k, v]): [number, string] => [Number(k), v])
    .sort((a, b) => a[0] - b[0]);
}
