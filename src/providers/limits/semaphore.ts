/**
 * At most `size` holders at a time; waiters are served first come, first
 * served. A waiter whose signal aborts leaves the queue without taking a slot.
 */
import { onAbort } from "../abort-fanout.js";

export class Semaphore {
  private held = 0;
  private readonly waiters: (() => void)[] = [];

  constructor(readonly size: number) {
    if (!(size >= 1)) throw new RangeError(`semaphore size must be at least 1, got ${size}`);
  }

  /** Resolves with a release function once a slot is free. */
  async acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) throw signal.reason;
    if (this.held < this.size) {
      this.held++;
      return this.releaser();
    }
    await new Promise<void>((resolve, reject) => {
      const grant = () => {
        unsubscribe();
        resolve();
      };
      const unsubscribe = signal
        ? onAbort(signal, () => {
            const i = this.waiters.indexOf(grant);
            if (i >= 0) this.waiters.splice(i, 1);
            reject(signal.reason);
          })
        : () => {};
      this.waiters.push(grant);
    });
    return this.releaser();
  }

  /** Runs `fn` while holding a slot. */
  async with<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const release = await this.acquire(signal);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  private releaser(): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      // Hand the slot straight to the next waiter, so `held` never dips and a newcomer cannot jump the queue.
      const next = this.waiters.shift();
      if (next) next();
      else this.held--;
    };
  }
}
