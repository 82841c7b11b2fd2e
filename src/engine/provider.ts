/**
 * Providers are shared, configured resources that stages use by name, declared
 * once in the top-level `providers` map (e.g. an LLM endpoint). The engine only
 * knows their schema, their secret fields and how to create them; what a
 * provider does is up to the provider type.
 */
import type { JsonSchema, Logger } from "./plugin.js";

export interface ProviderEnv {
  /** The provider's name in the config. */
  name: string;
  log: Logger;
  /** Replaces every known secret in a string by `***`: use on anything shown. */
  redact(text: string): string;
  /**
   * Throws an error located in the config, at a JSON pointer relative to this
   * provider's entry (`""` for the entry itself, `"/baseUrl"`).
   */
  fail(pointer: string, message: string, hint?: string): never;
  /**
   * How many builds use this provider's endpoint at once: n for a shard of
   * `dpo build --shard i/n` (shards usually run on n machines against one
   * server), 1 otherwise or when absent. Limits in the config describe the
   * endpoint, so a provider divides its concurrency and rate limits by this.
   */
  concurrentBuilds?: number;
}

export interface ProviderType<Config = any, Instance = unknown> {
  /** The value of `type:` in the config, e.g. `openai`. */
  readonly type: string;
  readonly version: string;
  /** JSON Schema of the provider's config; mark secrets with `dpo: "secret"`. */
  readonly schema: JsonSchema;
  /**
   * Makes the instance for one build. If the instance has a `close()` method,
   * it is called (and awaited) when that build ends.
   */
  create(config: Config, env: ProviderEnv): Instance;
}

export function defineProvider<Config, Instance>(p: ProviderType<Config, Instance>): ProviderType<Config, Instance> {
  return Object.freeze(p);
}
