/**
 * The `judges` list of judge/rubric: its JSON Schema and typed views. Every
 * judge type shares one flat object schema (so unknown keys get a located
 * did-you-mean); `if/then` branches require each type's own keys, and
 * `misplacedKeys` reports keys that belong to another type.
 */
import type { JsonSchema } from "../../engine/plugin.js";
import { SIGNAL_NAMES, type SignalName } from "./offline-signals.js";

export type LlmMode = "per-criterion" | "single-call";
/** Which criteria a judge's prompt shows: those it asks about, or the whole rubric (llm-prompt.ts). */
export type RubricContext = "asked" | "all";

interface JudgeCommon {
  id: string;
  enabled?: boolean | string;
}
export interface LlmJudgeConfig extends JudgeCommon {
  type: "llm";
  provider: string;
  model: string;
  mode?: LlmMode;
  rubricContext?: RubricContext;
  temperature?: number;
  maxRepairs?: number;
  maxTokens?: number;
  maxUnscored?: number;
}
export interface HumanJudgeConfig extends JudgeCommon {
  type: "human";
  files: string[];
}
export interface OfflineJudgeConfig extends JudgeCommon {
  type: "offline";
  scorers?: SignalName[];
  criteria?: Record<string, SignalName>;
  /** The fitted model of the `preference` signal (scripts/fit-offline-judge.mjs). */
  weights?: string;
}
/** A trained reward model behind vLLM's `/pooling` or `/classify` route (reward-judge.ts). */
export interface RewardModelJudgeConfig extends JudgeCommon {
  type: "reward-model";
  provider: string;
  model: string;
  endpoint?: "pooling" | "classify";
}
export type JudgeConfig = LlmJudgeConfig | HumanJudgeConfig | OfflineJudgeConfig | RewardModelJudgeConfig;

/** LLM judge settings with defaults applied. */
export interface LlmJudgeSettings {
  provider: string;
  model: string;
  mode: LlmMode;
  temperature: number;
  maxRepairs: number;
  maxTokens?: number;
  /** Only when set to "all": the default ("asked") keeps the keys verdicts had before the setting existed. */
  rubricContext?: "all";
}

export function llmSettings(j: LlmJudgeConfig): LlmJudgeSettings {
  const s: LlmJudgeSettings = {
    provider: j.provider,
    model: j.model,
    mode: j.mode ?? "per-criterion",
    temperature: j.temperature ?? 0,
    maxRepairs: j.maxRepairs ?? 1,
  };
  if (j.maxTokens !== undefined) s.maxTokens = j.maxTokens;
  if (j.rubricContext === "all") s.rubricContext = "all";
  return s;
}

/** `enabled: ""` (e.g. an unset `${DPO_BASE_URL:-}`), `false`, "false", "0", "no" and "off" disable a judge. */
export function isEnabled(j: { enabled?: boolean | string }): boolean {
  const e = j.enabled ?? true;
  if (typeof e === "boolean") return e;
  return !["", "false", "0", "no", "off"].includes(e.trim().toLowerCase());
}

const keysByType: Record<JudgeConfig["type"], string[]> = {
  llm: ["provider", "model", "mode", "rubricContext", "temperature", "maxRepairs", "maxTokens", "maxUnscored"],
  human: ["files"],
  offline: ["scorers", "criteria", "weights"],
  "reward-model": ["provider", "model", "endpoint"],
};

/** Keys set on a judge that only another judge type understands. */
export function misplacedKeys(j: JudgeConfig): string[] {
  const own = new Set(keysByType[j.type]);
  return Object.values(keysByType)
    .flat()
    .filter((k) => !own.has(k) && k in j);
}

const requireFor = (type: string, keys: string[]): JsonSchema => ({
  if: { properties: { type: { const: type } } },
  then: { required: keys, properties: Object.fromEntries(keys.map((k) => [k, true])) },
});

const signalName: JsonSchema = { type: "string", enum: [...SIGNAL_NAMES], description: "An offline signal." };

export const judgeSchema: JsonSchema = {
  type: "object",
  additionalProperties: false,
  required: ["id", "type"],
  description: "One judge: an LLM, imported human annotations, offline heuristics, or a reward model.",
  properties: {
    id: { type: "string", minLength: 1, description: "The judge's name on judgements and pairs (human judges become `human:<annotator>`)." },
    type: { type: "string", enum: ["llm", "human", "offline", "reward-model"], description: "What kind of judge this is." },
    enabled: {
      type: ["boolean", "string"],
      default: true,
      description: 'Whether the judge runs. A string is false when empty (or "false", "0", "no", "off"), so `enabled: "${DPO_BASE_URL:-}"` runs the judge only when the variable is set.',
    },
    provider: { type: "string", dpo: "provider", description: "(llm, reward-model) The provider to call." },
    model: { type: "string", minLength: 1, description: "(llm, reward-model) The judge model." },
    mode: {
      type: "string",
      enum: ["per-criterion", "single-call"],
      description:
        "(llm, default per-criterion) per-criterion: one call per criterion, so editing one criterion re-judges only it; single-call: one call for all criteria, so any rubric edit re-judges all.",
    },
    rubricContext: {
      type: "string",
      enum: ["asked", "all"],
      description:
        "(llm, default asked) asked: a prompt shows only the criteria it asks about, so editing one criterion re-judges only it. " +
        "all: every prompt shows the whole rubric before the prompt and response, and names the criteria to score last, so all of a judge's calls share one long prefix " +
        "(vLLM's prefix caching, OpenAI's prompt caching serve it) and the judge sees what belongs to the other criteria; any rubric edit then re-judges every criterion.",
    },
    temperature: { type: "number", minimum: 0, maximum: 2, description: "(llm, default 0) Sampling temperature." },
    maxRepairs: {
      type: "integer",
      minimum: 0,
      maximum: 5,
      description: "(llm, default 1) How many times a malformed reply is sent back with the validation error before the judgement is recorded as unscored.",
    },
    maxTokens: { type: "integer", minimum: 16, description: "(llm, optional) Reply token limit." },
    maxUnscored: {
      type: "number",
      minimum: 0,
      maximum: 1,
      description:
        "(llm, default 0.05) The largest share of this judge's verdicts that may stay unscored (replies that never validated); above it the stage fails, naming the judge, the share, the commonest reasons and a reply. Unscored verdicts are not memoised: the next build asks again.",
    },
    endpoint: {
      type: "string",
      enum: ["pooling", "classify"],
      description:
        "(reward-model, default pooling) vLLM's route: pooling — a reward model's score (`data[0].data`); classify — a classification head's probability of its last (preferred) class. The raw value is the candidate's reward.",
    },
    files: {
      type: "array",
      minItems: 1,
      items: { type: "string", dpo: "file", description: "A JSONL file of annotations." },
      description: "(human) JSONL annotation files; each annotator becomes a judge `human:<annotator>`.",
    },
    scorers: {
      type: "array",
      minItems: 1,
      uniqueItems: true,
      items: signalName,
      description:
        "(offline) The heuristic signals this judge uses; each scores the criterion of the same kind (see `criteria`). Default: harm, key-terms, structure, length.",
    },
    criteria: {
      type: "object",
      additionalProperties: signalName,
      description: "(offline) Rubric criterion id → signal, for criteria whose ids differ from the signals' default criteria.",
    },
    weights: {
      type: "string",
      dpo: "file",
      description:
        "(offline) The weights of the `preference` signal: a Bradley–Terry model over generic text features, fitted to gold preferences by scripts/fit-offline-judge.mjs (e.g. rubrics/offline-weights.json). Required when the judge uses `preference`; part of the stage key.",
    },
  },
  allOf: [requireFor("llm", ["provider", "model"]), requireFor("human", ["files"]), requireFor("reward-model", ["provider", "model"])],
};

/** The default `maxUnscored` of an LLM judge. */
export const DEFAULT_MAX_UNSCORED = 0.05;
