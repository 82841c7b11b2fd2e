/**
 * The sampling parameters as the endpoint wants them, per model: OpenAI's
 * reasoning models (o1, o3, o4, gpt-5 families) take `max_completion_tokens`
 * instead of the deprecated `max_tokens`, and reject `temperature` and
 * `top_p`. The memo key does not change with this: it is the same call,
 * spelled for the server.
 */
export type TokenParameter = "auto" | "max_tokens" | "max_completion_tokens";

export interface WireSettings {
  tokenParameter: TokenParameter;
  /** Model names treated as reasoning models; a trailing `*` matches a prefix. */
  reasoningModels: readonly string[];
}

export const DEFAULT_REASONING_MODELS = ["o1*", "o3*", "o4*", "gpt-5*"] as const;

export function isReasoningModel(model: string, patterns: readonly string[]): boolean {
  let byModel = reasoning.get(patterns);
  if (!byModel) reasoning.set(patterns, (byModel = new Map()));
  let answer = byModel.get(model);
  if (answer === undefined) byModel.set(model, (answer = patterns.some((p) => (p.endsWith("*") ? model.startsWith(p.slice(0, -1)) : model === p))));
  return answer;
}

/** Answers per pattern list and model: asked for every request, of a handful of models. */
const reasoning = new WeakMap<readonly string[], Map<string, boolean>>();

/** Rewrites a chat body in place for its model; bodies without these parameters pass through. */
export function forModel(body: Record<string, unknown>, s: WireSettings): Record<string, unknown> {
  const model = typeof body.model === "string" ? body.model : "";
  const reasoning = isReasoningModel(model, s.reasoningModels);
  const name = s.tokenParameter === "auto" ? (reasoning ? "max_completion_tokens" : "max_tokens") : s.tokenParameter;
  if (body.max_tokens !== undefined && name === "max_completion_tokens") {
    body.max_completion_tokens = body.max_tokens;
    delete body.max_tokens;
  }
  if (reasoning) {
    delete body.temperature;
    delete body.top_p;
  }
  return body;
}
