import { onAbort } from "./abort-fanout.js";
import { systemClock, type Clock } from "./clock.js";

/** Waits `ms` on `clock`, or rejects with the signal's reason as soon as it is aborted. */
export function sleep(ms: number, signal?: AbortSignal, clock: Clock = systemClock): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const unsubscribe = signal
      ? onAbort(signal, () => {
          clock.clearTimeout(timer);
          reject(signal.reason);
        })
      : () => {};
    const timer = clock.setTimeout(() => {
      unsubscribe();
      resolve();
    }, ms);
  });
}
