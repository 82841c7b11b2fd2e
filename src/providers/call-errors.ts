/**
 * The errors of an OpenAI-compatible provider's calls: each located at the
 * provider's config entry (or, offline, at the stage that made the call), with
 * a hint that says what to do, and every secret the provider knows redacted
 * (its API key, header values and credentials in its URL) besides what the
 * engine redacts.
 */
import type { PluginContext } from "../engine/plugin.js";
import type { ProviderEnv } from "../engine/provider.js";
import { promptExcerpt } from "./chat-key.js";
import { urlSecrets } from "./endpoint.js";
import type { ChatRequest } from "./llm.js";
import type { Failure } from "./openai-http.js";

export interface CallErrorsConfig {
  baseUrl: string;
  apiKey?: string;
  headers?: Record<string, string>;
  breakerThreshold: number;
}

export class CallErrors {
  private readonly secrets: string[];

  constructor(
    private readonly env: ProviderEnv,
    /** The provider's URL as it may be shown (without credentials). */
    private readonly shownUrl: unknown,
    private readonly config: CallErrorsConfig,
  ) {
    this.secrets = secretsOf(config);
  }

  /** The located error (at this provider's config entry) of one call that failed. */
  failure(request: ChatRequest, result: Failure, attempts: number, rejectedHint?: string): unknown {
    const hint = result.retryable
      ? "nothing was memoised for this call: the next build sends it again"
      : result.status === 401 || result.status === 403
        ? "check the provider's apiKey (and that the environment variable it names is set)"
        : result.status === 429
          ? "the endpoint said not to retry (a quota or billing limit): check the account, then build again"
          : rejectedHint && (result.status === 400 || result.status === 422)
            ? rejectedHint
          : request.json
            ? "the endpoint rejected the request; check the model name and parameters (a server that rejects response_format needs structuredOutput: none)"
            : "the endpoint rejected the request; check the model name and parameters";
    return this.located(`${this.callName(request)}: chat call failed${tries(attempts)}: ${result.reason}`, hint);
  }

  /** The one error of an open breaker: names the provider, its URL without credentials, and the last failure. */
  stopped(request: ChatRequest, result: Failure, attempts: number): unknown {
    const n = this.config.breakerThreshold;
    const streak = n === 1 ? "a call" : `${n} calls in a row`;
    return this.located(
      `${this.callName(request)}: chat call failed${tries(attempts)}: ${result.reason}; ${streak} failed this way, so the provider stopped: ` +
        "the calls still waiting were not sent",
      "the calls that finished are memoised and are not sent again: once the endpoint answers, build again " +
        "(or raise timeoutMs, maxRetries or breakerThreshold for a slow or flaky endpoint)",
    );
  }

  /** A located error at this provider's config entry, redacted. */
  located(message: string, hint: string): unknown {
    try {
      return this.env.fail("", this.redact(message), hint);
    } catch (error) {
      return error;
    }
  }

  /** Throws the located error (at the stage that made the call). */
  offlineMiss(ctx: PluginContext<any>, request: ChatRequest): never {
    return ctx.fail(
      "",
      this.redact(
        `stage "${ctx.stage}": no stored reply for a call to model "${request.model}" on provider "${this.env.name}" ` +
          `(prompt "${promptExcerpt(request)}"), and offline mode forbids sending it`,
      ),
      "run without --offline/--frozen to send the missing calls",
    );
  }

  /** The engine's redaction plus this provider's own secrets, in case the engine does not know them. */
  redact(text: string): string {
    let out = text;
    for (const s of this.secrets) out = out.split(s).join("***");
    return this.env.redact(out);
  }

  private callName(request: ChatRequest): string {
    return `provider "${this.env.name}" (${this.shownUrl}), model "${request.model}"`;
  }
}

/** The API key, header values and credentials inside the base URL. */
function secretsOf(config: CallErrorsConfig): string[] {
  const all = [config.apiKey ?? "", ...Object.values(config.headers ?? {}), ...urlSecrets(config.baseUrl)];
  // Very short values would redact ordinary words; real credentials are long.
  return [...new Set(all.filter((s) => s.length >= 6))].sort((a, b) => b.length - a.length);
}

function tries(attempts: number): string {
  return attempts === 1 ? "" : ` after ${attempts} attempts`;
}
