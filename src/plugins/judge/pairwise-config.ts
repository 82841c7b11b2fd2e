/** The `judges` list of judge/pairwise: its JSON Schema and settings with defaults. */
import type { JsonSchema } from "../../engine/plugin.js";
import type { AskSettings } from "./llm-ask.js";

export type PairwiseMode = "per-criterion" | "overall";

export interface PairwiseJudgeConfig {
  id: string;
  provider: string;
  model: string;
  mode?: PairwiseMode;
  temperature?: number;
  maxRepairs?: number;
  maxTokens?: number;
  enabled?: boolean | string;
}

export interface PairwiseSettings extends AskSettings {
  provider: string;
  mode: PairwiseMode;
}

export function pairwiseSettings(j: PairwiseJudgeConfig): PairwiseSettings {
  const s: PairwiseSettings = { provider: j.provider, model: j.model, mode: j.mode ?? "per-criterion", temperature: j.temperature ?? 0, maxRepairs: j.maxRepairs ?? 1 };
  if (j.maxTokens !== undefined) s.maxTokens = j.maxTokens;
  return s;
}

export const pairwiseJudgeSchema: JsonSchema = {
  type: "object",
  additionalProperties: false,
  required: ["id", "provider", "model"],
  description: "One LLM judge that compares the two sides of each pair, asked in both orders.",
  properties: {
    id: { type: "string", minLength: 1, description: "The judge's name in each pair's `judges` list (must differ from the pair's other judges)." },
    provider: { type: "string", dpo: "provider", description: "The provider to call." },
    model: { type: "string", minLength: 1, description: "The judge model." },
    mode: {
      type: "string",
      enum: ["per-criterion", "overall"],
      default: "per-criterion",
      description:
        "per-criterion: one question per rubric criterion (× 2 orders), the pair verdict a weighted vote of the consistent criterion verdicts; overall: one question per pair (× 2 orders) weighing all criteria.",
    },
    enabled: {
      type: ["boolean", "string"],
      default: true,
      description: 'Whether the judge runs. A string is false when empty (or "false", "0", "no", "off").',
    },
    temperature: { type: "number", minimum: 0, maximum: 2, description: "(default 0) Sampling temperature." },
    maxRepairs: {
      type: "integer",
      minimum: 0,
      maximum: 5,
      description: "(default 1) How many times a malformed reply is sent back with the validation error before the verdict counts as unanswered.",
    },
    maxTokens: { type: "integer", minimum: 16, description: "(optional) Reply token limit." },
  },
};
