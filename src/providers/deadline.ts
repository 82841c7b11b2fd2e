/**
 * A signal for one attempt: aborted when the caller's signal aborts or when
 * the attempt runs past its time. Built by hand rather than with
 * AbortSignal.any, whose listeners pile up on a long-lived parent signal in
 * Node 20; `dispose` unsubscribes and clears the timer.
 */
import { onAbort } from "./abort-fanout.js";

export interface Deadline {
  readonly signal: AbortSignal;
  /** True when the time ran out (as opposed to the caller aborting). */
  readonly expired: boolean;
  dispose(): void;
}

export function deadline(parent: AbortSignal, timeoutMs: number): Deadline {
  const controller = new AbortController();
  let expired = false;
  const timer = setTimeout(() => {
    expired = true;
    controller.abort(new Error(`timed out after ${timeoutMs} ms`));
  }, timeoutMs);
  const unsubscribe = onAbort(parent, () => controller.abort(parent.reason));
  return {
    signal: controller.signal,
    get expired() {
      return expired;
    },
    dispose() {
      clearTimeout(timer);
      unsubscribe();
    },
  };
}
