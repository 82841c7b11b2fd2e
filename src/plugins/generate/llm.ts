/**
 * `generate/llm`: n candidate responses per prompt from one or more LLM
 * providers, spread round robin over models × sampling variants. Every call
 * goes through the provider (memoised, rate limited, retried). Empty and
 * truncated outputs are kept and flagged, never hidden.
 */
import { recordCost } from "../../providers/record-cost.js";
import { failFastLimit } from "../../engine/async/fail-fast-limit.js";
import { mapOrdered } from "../../engine/async/map-ordered.js";
import { allSettledOrThrow } from "../../engine/async/settle-all.js";
import { userError } from "../../engine/diagnostic.js";
import { canonicalJson, Encoded, sha256 } from "../../engine/hash.js";
import { definePlugin, type PluginContext, type Rec } from "../../engine/plugin.js";
import { anyQueuesCalls, type ChatMessage, type ChatResult, type LlmProvider } from "../../providers/llm.js";
import { askGroup, groupSamples } from "./llm-batching.js";
import { planCandidates, type CandidateSpec, type ModelRef, type Variant } from "./llm-plan.js";

interface With {
  models: ModelRef[];
  variants: Variant[];
  n: number;
  concurrency: number;
}

const variantSchema = {
  type: "object",
  additionalProperties: false,
  description: "One set of sampling parameters; absent ones are left to the endpoint's defaults.",
  properties: {
    temperature: { type: "number", minimum: 0, maximum: 2, description: "Sampling temperature." },
    top_p: { type: "number", exclusiveMinimum: 0, maximum: 1, description: "Nucleus sampling mass." },
    seed: { type: "integer", description: "Sampling seed; a repeated sample of the same variant uses seed + 1, + 2 …" },
    max_tokens: { type: "integer", minimum: 1, description: "Most tokens per candidate; a longer answer is cut and flagged `truncated`." },
    system: { type: "string", description: "A system prompt put before the prompt's own messages." },
  },
};

export default definePlugin<With>({
  name: "generate/llm",
  version: "4", // 4: candidates carry their generation's cost
  description: "Generates n candidate responses per prompt with LLM providers, round robin over models first, then sampling variants.",
  inputs: { min: 1, max: 1, accepts: ["prompts"] },
  output: "candidates",
  schema: {
    type: "object",
    additionalProperties: false,
    required: ["models"],
    properties: {
      models: {
        type: "array",
        minItems: 1,
        description: "The models to sample from.",
        items: {
          type: "object",
          additionalProperties: false,
          required: ["provider", "model"],
          description: "A model of a configured provider.",
          properties: {
            provider: { type: "string", dpo: "provider", description: "Name of an entry in `providers`." },
            model: { type: "string", minLength: 1, description: "The model name the endpoint expects." },
          },
        },
      },
      variants: {
        type: "array",
        minItems: 1,
        default: [{}],
        description: "Sampling variants; candidates cycle through models × variants.",
        items: variantSchema,
      },
      n: { type: "integer", minimum: 1, maximum: 64, default: 4, description: "Candidates per prompt." },
      concurrency: {
        type: "integer",
        dpo: "tuning",
        minimum: 1,
        default: 64,
        description: "Prompts in progress at once (the providers still limit the calls).",
      },
    },
  },

  async run(ctx) {
    const input = singleInput(ctx);
    const providers = resolveProviders(ctx);
    const plan = planCandidates(ctx.with.models, ctx.with.variants, ctx.with.n).map((spec) => prepare(spec, providers.get(spec.provider)!));
    const groups = groupSamples(plan);
    ctx.progress.total(input.count);
    // A provider that queues calls into batches gets every prompt's calls at once, or each batch would hold a few.
    const width = anyQueuesCalls([...providers.values()]) ? Math.max(ctx.with.concurrency, input.count) : ctx.with.concurrency;
    // `width` prompts in progress; finished ones wait (a few windows' worth) for the slowest before them, so memory follows the window, not the input.
    const limit = failFastLimit(width, ctx.signal);
    return mapOrdered(input.records(), width * WINDOWS_AHEAD, ctx.signal, (rec) =>
      limit(async () => {
        const conversation = promptMessages(rec, input.stage);
        const candidates: Record<string, unknown>[] = new Array(plan.length);
        const replies = await allSettledOrThrow(groups.map((group) => askGroup(ctx, group, conversation)));
        groups.forEach((group, g) => group.members.forEach((m, i) => (candidates[m.position] = candidateOf(ctx, m.prepared, rec.id, replies[g]![i]!))));
        ctx.progress.tick(1);
        return { ...rec, candidates };
      }),
    );
  },
});

/** Prompts read ahead of the slowest one in progress, in multiples of `concurrency`. */
const WINDOWS_AHEAD = 4;

/** A candidate spec with what every one of its calls shares worked out once per run, not once per call. */
export interface PreparedSpec {
  spec: CandidateSpec;
  provider: LlmProvider;
  system?: ChatMessage;
  sampling: Omit<Variant, "system">;
  /** What the candidate id hashes besides the prompt id and sample, encoded once. */
  idPart: Encoded;
}

function prepare(spec: CandidateSpec, provider: LlmProvider): PreparedSpec {
  const { system, ...sampling } = spec.params;
  return {
    spec,
    provider,
    ...(system === undefined ? {} : { system: { role: "system", content: system } }),
    sampling,
    idPart: new Encoded({ provider: provider.identity, model: spec.model, params: spec.params }),
  };
}

/** The candidate record of one reply; its id does not depend on how the reply was asked for. */
function candidateOf(ctx: PluginContext<With>, { spec, idPart, provider }: PreparedSpec, promptId: string, reply: ChatResult): Record<string, unknown> {
  const flags: string[] = [];
  if (reply.text.trim() === "") flags.push("empty");
  if (reply.finishReason === "length") flags.push("truncated");
  for (const flag of flags) ctx.tally(`candidates.${flag}`, 1);
  return {
    id: candidateId(promptId, idPart, spec.sample),
    text: reply.text,
    model: spec.model,
    params: spec.params,
    usage: reply.usage,
    // The memoised usage record (a share of the request when choices came together), at the provider's price.
    cost: { generate: recordCost(reply.tokens ? [reply.tokens] : [], provider.price?.(spec.model)) },
    finish: reply.finishReason,
    flags,
  };
}

/**
 * contentId("candidate", promptId, idPart, sample), written out: the general
 * encoder that an Encoded part sends contentId to costs an exception and a
 * walk per candidate, and this is the same canonical JSON (a list's items
 * joined by commas, an Encoded as its JSON), so the same id.
 */
function candidateId(promptId: string, idPart: Encoded, sample: number): string {
  return sha256(`["candidate",${canonicalJson(promptId)},${idPart.json},${canonicalJson(sample)}]`).slice(0, 16);
}

function singleInput(ctx: PluginContext<With>) {
  const inputs = Object.values(ctx.inputs);
  if (inputs.length !== 1) {
    ctx.fail("/needs", `stage "${ctx.stage}" (generate/llm) needs exactly one input stage of prompts, got ${inputs.length}`);
  }
  return inputs[0]!;
}

function resolveProviders(ctx: PluginContext<With>): Map<string, LlmProvider> {
  const out = new Map<string, LlmProvider>();
  for (const [i, { provider: name }] of ctx.with.models.entries()) {
    const p = ctx.provider<Partial<LlmProvider>>(name);
    if (typeof p?.chat !== "function") {
      ctx.fail(`/with/models/${i}/provider`, `provider "${name}" is not an LLM provider`);
    }
    out.set(name, p as LlmProvider);
  }
  return out;
}

/** The prompt as chat messages: a string is one user turn, a conversation is used as is. */
function promptMessages(rec: Rec, stage: string): ChatMessage[] {
  const prompt = rec.prompt;
  if (typeof prompt === "string") return [{ role: "user", content: prompt }];
  if (Array.isArray(prompt) && prompt.length > 0 && prompt.every(isMessage)) return prompt;
  const source = rec.source as { file?: string; line?: number } | undefined;
  throw userError(`record "${rec.id}" from stage "${stage}" has no usable prompt: expected a string or a list of {role, content} messages`, {
    ...(source?.file ? { location: { file: source.file, line: source.line } } : {}),
    hint: "generate/llm reads the `prompt` field of each record (see docs/records.md)",
  });
}

function isMessage(m: unknown): m is ChatMessage {
  const msg = m as ChatMessage;
  return typeof msg === "object" && msg !== null && ["system", "user", "assistant"].includes(msg.role) && typeof msg.content === "string";
}
