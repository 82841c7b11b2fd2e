/**
 * A provider's circuit breaker. Once `threshold` calls in a row have given up
 * (retries spent, or not worth retrying) with the same kind of failure, and
 * no call succeeded in between, the endpoint is taken to be down: the breaker
 * opens for the rest of the build, and every call still waiting for a slot,
 * sleeping before a retry or not yet started fails at once with one error,
 * instead of each spending its own retries against a dead endpoint. A call
 * whose attempt is on the wire when it opens keeps that attempt (a reply that
 * arrives is kept and memoised) but makes no further one.
 *
 * Failures that describe one request rather than the endpoint (400, 413, 422)
 * do not count, so a single bad prompt does not stop a provider.
 */
import { sleep } from "../engine/async/sleep.js";
import type { Failure } from "./openai-http.js";

const REQUEST_FAULTS = new Set(["HTTP 400", "HTTP 413", "HTTP 422"]);

export class CircuitBreaker {
  private kind?: string;
  private streak = 0;
  private tripped?: { error: unknown };
  /** Aborted when the breaker opens: cuts short the sleeps before retries. */
  private readonly opened = new AbortController();

  constructor(readonly threshold: number) {
    if (!(threshold >= 1)) throw new RangeError(`breaker threshold must be at least 1, got ${threshold}`);
  }

  /** Throws the error the breaker opened with, if it has. */
  throwIfOpen(): void {
    if (this.tripped) throw this.tripped.error;
  }

  get isOpen(): boolean {
    return this.tripped !== undefined;
  }

  /** A call succeeded: the failures so far were not in a row. */
  succeeded(): void {
    this.kind = undefined;
    this.streak = 0;
  }

  /**
   * A call gave up with `failure`. Returns true when this opens the breaker;
   * the caller then calls `open` with the error every other call fails with.
   */
  gaveUp(failure: Failure): boolean {
    if (this.tripped || REQUEST_FAULTS.has(failure.kind)) return false;
    this.streak = this.kind === failure.kind ? this.streak + 1 : 1;
    this.kind = failure.kind;
    return this.streak >= this.threshold;
  }

  open(error: unknown): void {
    this.tripped ??= { error };
    this.opened.abort(this.tripped.error);
  }

  /** Waits `ms` before a retry; rejects when `signal` aborts or the breaker opens (with the breaker's error). */
  pause(ms: number, signal: AbortSignal): Promise<void> {
    this.throwIfOpen();
    // Off the hot path (only before a retry), so one combined signal per wait is fine.
    return sleep(ms, AbortSignal.any([signal, this.opened.signal]));
  }
}
