/**
 * Runs at most `n` tasks at a time; the rest wait in arrival order. Once a
 * task fails, waiting and later tasks fail with the same error instead of
 * starting: a stage that has failed stops sending calls. When `signal`
 * aborts, waiting tasks reject with its reason.
 *
 * Built on the Semaphore, which hands a released slot straight to the next
 * waiter: a newcomer arriving between a release and the waiter resuming
 * queues behind it instead of taking the slot too.
 */
import { Semaphore } from "./semaphore.js";

/** Runs `task` when the limit allows it. */
export type Limit = <T>(task: () => Promise<T>) => Promise<T>;

export function failFastLimit(n: number, signal?: AbortSignal): Limit {
  const slots = new Semaphore(n);
  let failure: { error: unknown } | undefined;
  const throwIfFailed = () => {
    if (failure) throw failure.error;
  };
  return async <T>(task: () => Promise<T>): Promise<T> => {
    throwIfFailed();
    const release = await slots.acquire(signal);
    try {
      throwIfFailed(); // a task that failed while this one waited
      return await task();
    } catch (error) {
      failure ??= { error };
      throw error;
    } finally {
      release();
    }
  };
}
