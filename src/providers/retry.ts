/**
 * When to try an HTTP call again, and how long to wait first: capped
 * exponential backoff with full jitter, unless the server said how long
 * (`retry-after-ms`, or `retry-after` in seconds or as an HTTP date). The
 * server's `x-should-retry` (sent by OpenAI and Anthropic) overrides the
 * status: a quota 429 says `false`, and is not retried.
 */
import type { Rng } from "../engine/rng.js";

/** Request timeout, conflict, rate limit and server errors are worth another try. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/** Whether a reply with this status and these headers is worth another try: the server's `x-should-retry` when it says, else the status. */
export function isRetryableReply(status: number, headers: Record<string, string | string[] | undefined>): boolean {
  const said = first(headers["x-should-retry"])?.trim().toLowerCase();
  if (said === "true") return true;
  if (said === "false") return false;
  return isRetryableStatus(status);
}

export interface BackoffPolicy {
  /** The first retry waits up to this long; each further retry doubles it. */
  baseMs: number;
  /** No wait, computed or requested by the server, is longer than this. */
  maxMs: number;
}

/** Full jitter: uniform in [0, min(max, base · 2^attempt)]; `attempt` counts from 0. */
export function backoffDelay(attempt: number, policy: BackoffPolicy, rng: Rng): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** attempt);
  return Math.round(rng.next() * ceiling);
}

/** The wait the server asked for in ms, or undefined when it did not say (or said nonsense). */
export function retryAfterMs(headers: Record<string, string | string[] | undefined>, now = Date.now()): number | undefined {
  const ms = Number(first(headers["retry-after-ms"]));
  if (first(headers["retry-after-ms"]) !== undefined && Number.isFinite(ms) && ms >= 0) return ms;
  const value = first(headers["retry-after"])?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The wait before the next attempt: the server's request when given, else jittered backoff; always capped. */
export function retryDelay(attempt: number, policy: BackoffPolicy, rng: Rng, requested: number | undefined): number {
  return Math.min(policy.maxMs, requested ?? backoffDelay(attempt, policy, rng));
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
