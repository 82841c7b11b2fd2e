/**
 * `type: openai`: any OpenAI-compatible chat completions endpoint (OpenAI,
 * Azure-style gateways, vLLM, llama.cpp, Ollama …). The instance is an
 * LlmProvider; see openai-provider.ts for how calls are made.
 */
import { defineProvider } from "../engine/provider.js";
import { STRUCTURED_OUTPUTS } from "./structured-output.js";
import { DEFAULT_REASONING_MODELS } from "./wire-params.js";
import { BATCH_DEFAULTS } from "./openai-batch.js";
import { OPENAI_DEFAULTS, OpenAiProvider, type OpenAiConfig } from "./openai-provider.js";
import { shareLimits } from "./limits/share.js";

const positiveInt = (description: string, dflt?: number) => ({
  type: "integer",
  minimum: 1,
  description,
  ...(dflt === undefined ? {} : { default: dflt }),
});

export default defineProvider<OpenAiConfig, OpenAiProvider>({
  type: "openai",
  version: "1",
  schema: {
    type: "object",
    additionalProperties: false,
    required: ["baseUrl"],
    properties: {
      type: { type: "string", const: "openai", description: "The provider type, `openai` (the engine uses it to choose this schema)." },
      baseUrl: {
        type: "string",
        pattern: "^https?://",
        description:
          "Base URL of the API, up to and including the version path, e.g. https://api.openai.com/v1. " +
          "Credentials in it (`https://user:pass@host/v1`, `?api-key=…`) are sent (user-info as basic auth) but treated as secrets: " +
          "kept out of keys, `cache/` and messages.",
      },
      apiKey: {
        type: "string",
        dpo: "secret",
        description: "API key sent as a bearer token; use `${OPENAI_API_KEY}` to read it from the environment. Omit for local servers.",
      },
      headers: {
        type: "object",
        description: "Extra HTTP headers sent with every request. Values are treated as secrets.",
        additionalProperties: { type: "string", dpo: "secret", description: "A header value." },
      },
      maxConcurrency: tuning(positiveInt("Most requests open at the same time.", OPENAI_DEFAULTS.maxConcurrency)),
      rpm: tuning(positiveInt("Requests per minute allowed (spread evenly, with bursts of up to a second's worth).")),
      tpm: tuning(positiveInt("Tokens per minute allowed (estimated before each call, corrected by the reported usage).")),
      timeoutMs: tuning(
        positiveInt(
          "Longest time, in milliseconds, one attempt may take, from sending the request to the last byte of the reply, before it counts as failed (and may be retried).",
          OPENAI_DEFAULTS.timeoutMs,
        ),
      ),
      maxRetries: {
        dpo: "tuning",
        type: "integer",
        minimum: 0,
        default: OPENAI_DEFAULTS.maxRetries,
        description:
          "Retries after a rate limit, server error, timeout or network error before the call fails. " +
          "A reply's `x-should-retry: false` header stops retries, and `true` allows one for any status.",
      },
      retryBaseMs: tuning(positiveInt("Longest wait before the first retry; it doubles with each retry (full jitter).", OPENAI_DEFAULTS.retryBaseMs)),
      retryMaxMs: tuning(positiveInt("Longest wait before any retry, including waits the server asks for.", OPENAI_DEFAULTS.retryMaxMs)),
      breakerThreshold: tuning(
        positiveInt(
          "Calls in a row that give up with the same kind of failure (timeout, network error, malformed reply, one HTTP status; " +
            "not 400, 413 or 422) before the provider stops: every call still waiting or not yet started then fails at once, " +
            "with one error, instead of spending its own retries on a dead endpoint.",
          OPENAI_DEFAULTS.breakerThreshold,
        ),
      ),
      tokenParameter: {
        dpo: "tuning",
        type: "string",
        enum: ["auto", "max_tokens", "max_completion_tokens"],
        default: "auto",
        description:
          "How the reply token limit is sent: `max_completion_tokens` (OpenAI's current name, which its reasoning models require) or `max_tokens` (older servers); `auto` uses `max_completion_tokens` for reasoning models only.",
      },
      reasoningModels: {
        dpo: "tuning",
        type: "array",
        items: { type: "string", minLength: 1, description: "A model name; a trailing `*` matches a prefix." },
        default: [...DEFAULT_REASONING_MODELS],
        description: "Models treated as reasoning models: no `temperature` or `top_p` is sent (they reject them), and under `tokenParameter: auto` the limit goes as `max_completion_tokens`.",
      },
      maxN: tuning({
        ...positiveInt(
          "Most samples of one request asked for in one call with `n` (OpenAI, vLLM): generate/llm candidates that differ only in their sample index share the prompt's cost. " +
            "Each choice is memoised as its own candidate, so changing this re-generates nothing. `1` sends no `n`, for servers without it.",
          OPENAI_DEFAULTS.maxN,
        ),
        maximum: 128,
      }),
      mode: {
        dpo: "tuning",
        type: "string",
        enum: ["direct", "batch"],
        default: OPENAI_DEFAULTS.mode,
        description:
          "`direct` sends each chat call as its own request. `batch` sends the calls a build misses through the OpenAI Batch API " +
          "(JSONL upload, poll, download; about half the price, results within 24 hours): for builds nobody waits for. " +
          "The same calls are made either way, so switching re-generates nothing.",
      },
      batch: {
        dpo: "tuning",
        type: "object",
        additionalProperties: false,
        description: "How `mode: batch` collects and waits for batches.",
        properties: {
          idleMs: positiveInt("A batch is sent once no call has joined it for this many milliseconds.", BATCH_DEFAULTS.idleMs),
          maxCalls: { ...positiveInt("A batch is sent as soon as it holds this many calls.", BATCH_DEFAULTS.maxCalls), maximum: 50_000 },
          pollMs: positiveInt("Milliseconds between two polls of a pending batch.", BATCH_DEFAULTS.pollMs),
        },
      },
      // Not tuning: it changes the replies. No `default` keyword, so a config that leaves it out keeps its stage keys.
      structuredOutput: {
        type: "string",
        enum: [...STRUCTURED_OUTPUTS],
        description:
          "How an LLM judge asks for its JSON reply. `json_schema` (the default) sends the reply's JSON Schema, strict " +
          "(`response_format: {type: \"json_schema\", …}`), which vLLM, llama.cpp, Ollama and OpenAI enforce, so the reply cannot be malformed; " +
          "a server that answers it with HTTP 400 is asked with `json_object` instead for the rest of the build, with one warning. " +
          "`json_object` asks for any JSON object; `none` sends no `response_format` (for servers that reject it).",
      },
      prices: {
        type: "object",
        description:
          "Prices per model in USD per million tokens, for the `cost.usd` tally and the cost of each run. " +
          "A model called without a price is warned about once per build (use 0 for a free local model).",
        additionalProperties: {
          type: "object",
          additionalProperties: false,
          required: ["input", "output"],
          description: "The prices of one model.",
          properties: {
            input: { type: "number", minimum: 0, description: "USD per million prompt tokens." },
            output: { type: "number", minimum: 0, description: "USD per million completion tokens." },
          },
        },
      },
    },
  },
  // Shards of one build share the endpoint: each takes its part of the limits.
  create: (config, env) => new OpenAiProvider(shareLimits(config, env.concurrentBuilds ?? 1), env),
});

/** Marks a setting that changes how calls are made, not what they return: kept out of stage keys. */
function tuning<S extends object>(schema: S): S & { dpo: "tuning" } {
  return { ...schema, dpo: "tuning" };
}
